#include "core/replicate/triggers.h"

#include "core/util/strings.h"

namespace binsync::replicate {

absl::StatusOr<RunTriggers> ParseRunTriggers(std::string_view text) {
  if (text == "statements") return RunTriggers::kStatements;
  if (text == "yes") return RunTriggers::kYes;
  if (text == "no") return RunTriggers::kNo;
  return absl::InvalidArgumentError(
      StrCat("--run-triggers ", text, ": use statements, yes or no"));
}

bool MayReplayTriggered(RunTriggers policy) { return policy != RunTriggers::kYes; }

bool MayCompactTriggered(RunTriggers policy) { return policy != RunTriggers::kYes; }

bool MayApplyTriggeredByStatement(RunTriggers policy) { return policy != RunTriggers::kNo; }

std::string_view TriggersWouldFireMessage() {
  return "the table has triggers on the target and this row would be applied as a statement, "
         "which fires them (--run-triggers no); apply it with BINLOG replay (live mode, "
         "--apply-with binlog, BINLOG REPLAY granted, same columns), drop the triggers, or "
         "choose --run-triggers yes|statements";
}

std::string TriggerWarning(std::string_view table, const std::vector<std::string>& triggers,
                           bool catchup, bool replay, RunTriggers policy, std::string_view rbr) {
  std::string names;
  for (const std::string& t : triggers) StrAppend(&names, names.empty() ? "" : ", ", t);
  const std::string head = StrCat(table, " has triggers on the target (", names, "): ");
  const std::string tail =
      "; a trigger whose effects the source logged already applies them twice when it fires "
      "here (see docs/replicate.md, Triggers)";
  switch (policy) {
    case RunTriggers::kYes:
      return StrCat(head, "every apply path fires them (--run-triggers yes: its transactions "
                          "are applied as statements, never replayed, and not compacted)",
                    tail);
    case RunTriggers::kNo:
      return StrCat(head, "no apply path may fire them (--run-triggers no): its rows are "
                          "applied only by BINLOG replay",
                    EqualsIgnoreCase(rbr, "NO")
                        ? ""
                        : StrCat(", which fires them here (slave_run_triggers_for_rbr=", rbr,
                                 ": set it to NO)"),
                    catchup || !replay ? "; this mode applies rows as statements, so the "
                                         "first row of it stops the stream"
                                       : "; binsync stops before applying one as a statement");
    case RunTriggers::kStatements:
      break;
  }
  const std::string replayed =
      EqualsIgnoreCase(rbr, "NO")
          ? "BINLOG replay does not (as native row replication; slave_run_triggers_for_rbr=NO)"
          : StrCat("BINLOG replay fires them as slave_run_triggers_for_rbr=", rbr, " says");
  return StrCat(head,
                catchup || !replay
                    ? StrCat("they fire for every row binsync applies (", catchup ? "catchup "
                             "mode: once per key's net change" : "--apply-with statements",
                             ")")
                    : StrCat("rows applied as statements fire them (a transaction whose replay "
                             "failed, one with DDL or a column mismatch), ", replayed),
                "; choose one behaviour with --run-triggers yes|no", tail);
}

}  // namespace binsync::replicate
