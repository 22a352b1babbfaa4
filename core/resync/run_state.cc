#include "core/resync/run_state.h"

#include "core/resync/name_table.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

constexpr NameTable<ResyncStep, 7> kSteps = {{
    {ResyncStep::kInspected, "inspected"},
    {ResyncStep::kPlanned, "planned"},
    {ResyncStep::kCatchingUp, "catching up"},
    {ResyncStep::kCaughtUp, "caught up"},
    {ResyncStep::kHandingBack, "handing back"},
    {ResyncStep::kHandedBack, "handed back"},
    {ResyncStep::kVerified, "verified"},
}};

}  // namespace

std::string_view StepName(ResyncStep step) { return NameIn(kSteps, step, "unknown"); }

std::optional<ResyncStep> ParseStep(std::string_view name) { return ValueIn(kSteps, name); }

ResumeDecision DecideResume(const std::optional<ResyncRun>& latest, uint32_t from_id,
                            uint32_t to_id, std::string_view policy) {
  if (!latest.has_value() || latest->step == ResyncStep::kVerified) return {};
  const ResyncRun& run = *latest;
  const std::string what = StrCat("resync run ", run.id, " (--from ", run.from, " --to ", run.to,
                                  " --conflicts ", run.policy, ", started ", run.started,
                                  ") was interrupted at step '", StepName(run.step), "'");
  if (run.from_server_id != from_id || run.to_server_id != to_id) {
    return {ResumeAction::kRefuse,
            StrCat(what, "; finish it first: rerun resync with --from ", run.from, " --to ",
                   run.to, " --conflicts ", run.policy)};
  }
  if (run.policy != policy) {
    return {ResumeAction::kRefuse,
            StrCat(what, "; its conflicts so far were resolved by ", run.policy,
                   ": rerun with --conflicts ", run.policy, " to finish it")};
  }
  return {ResumeAction::kResume,
          StrCat("resumed run ", run.id, " from step '", StepName(run.step), "' (started ",
                 run.started, ")")};
}

ResumeWork WorkFrom(ResyncStep step) {
  ResumeWork w;
  w.stop_native = step <= ResyncStep::kCatchingUp;
  w.replan = step == ResyncStep::kInspected;
  w.catch_up = step <= ResyncStep::kCatchingUp;
  w.hand_back = step <= ResyncStep::kHandingBack;
  return w;
}

bool GtidReached(const MariaDbGtidPos& pos, const MariaDbGtidPos& end) {
  for (const MariaDbGtid& e : end) {
    bool reached = false;
    for (const MariaDbGtid& p : pos) {
      if (p.domain_id == e.domain_id && p.seq_no >= e.seq_no) reached = true;
    }
    if (!reached) return false;
  }
  return true;
}

}  // namespace binsync
