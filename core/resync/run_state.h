// Resync's run state: how far one `binsync resync` run got, kept in the `binsync` schema of
// both servers (net/resync/resync_state.h) so that a rerun after a crash or a kill -9 finishes that
// run instead of starting a new one over servers it already changed (a new plan taken from
// advanced servers replays applied rows, and every replayed row looks like a conflict).
//
// Steps, in order; each is recorded when reached, and a rerun resumes at the step recorded:
//   inspected     native replication settings as found are recorded; then it is stopped
//   planned       the plan's start positions, the positions its scans read through and each
//                 catch-up stream's checkpoint seq are recorded
//   catching up   the two catch-up streams run; each commits its checkpoint row (and the
//                 conflicts it met) in the target transaction that applies the rows
//   caught up     both streams ended; the positions they read through (the hand-back
//                 positions) are recorded
//   handing back  native replication is restarted server by server (handed_back per side)
//   handed back   both restarted; verify is next
//   verified      the run finished: nothing to resume
// Pure: no server I/O (tests/core/resync/run_state_test.cc).
#ifndef BINSYNC_CORE_RESYNC_RUN_STATE_H_
#define BINSYNC_CORE_RESYNC_RUN_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/gtid/mariadb_gtid.h"

namespace binsync {

enum class ResyncStep {
  kInspected,
  kPlanned,
  kCatchingUp,
  kCaughtUp,
  kHandingBack,
  kHandedBack,
  kVerified,
};

// "inspected", "planned", "catching up", "caught up", "handing back", "handed back",
// "verified": as stored and as printed.
[[nodiscard]] std::string_view StepName(ResyncStep step);
[[nodiscard]] std::optional<ResyncStep> ParseStep(std::string_view name);

// One server's native replication as the run found it, before stopping it.
struct NativeAsFound {
  bool channel = false;  // a replication channel is configured (hand-back needs one)
  std::string io_running, sql_running;
  int last_sql_errno = 0;
  std::string gtid_slave_pos;
};

// What one catch-up direction recorded.
struct DirectionState {
  std::string start;         // GTID position the plan (and the stream) start after
  std::string plan_end;      // GTID position the plan's scan read through
  uint64_t checkpoint_seq = 0;  // the stream's checkpoint seq when planned: a higher one
                                // was committed by this run
  std::string read_through;  // where catch-up ended: native replication starts there
  bool handed_back = false;  // native replication restarted on the receiving server
};

struct ResyncRun {
  std::string id;
  uint32_t from_server_id = 0, to_server_id = 0;
  std::string from, to;  // endpoints as given
  std::string policy;    // report | from-wins | newest-wins
  std::string started;   // server time, "YYYY-MM-DD hh:mm:ss"
  ResyncStep step = ResyncStep::kInspected;
  NativeAsFound from_native, to_native;
  DirectionState into_to, into_from;  // --from -> --to and --to -> --from
};

enum class ResumeAction { kFresh, kResume, kRefuse };
struct ResumeDecision {
  ResumeAction action = ResumeAction::kFresh;
  std::string message;  // kRefuse: the one-line error; kResume: "resumed run X from step Y"
};

// What a run on servers `from_id` -> `to_id` under `policy` does with `latest`, the most
// recent run recorded for these two servers (either direction), if any: a finished one (or
// none) -> a fresh run; an unfinished one with the same direction and policy -> resume it;
// an unfinished one the other way round or under another policy -> refuse, naming how to
// finish it (mixing two plans or two policies over one divergence gives neither's result).
[[nodiscard]] ResumeDecision DecideResume(const std::optional<ResyncRun>& latest,
                                          uint32_t from_id, uint32_t to_id,
                                          std::string_view policy);

// What a run resumed at `step` (re)does. A run recorded before the plan replans from the
// servers (nothing was applied yet); from the plan on, the recorded positions are kept.
struct ResumeWork {
  bool stop_native = false;  // native replication must not apply while binsync catches up
  bool replan = false;       // take start positions from the servers (else: recorded ones)
  bool catch_up = false;     // run the catch-up streams (from their checkpoints)
  bool hand_back = false;    // restart native replication where not yet done
};
[[nodiscard]] ResumeWork WorkFrom(ResyncStep step);

// True when `pos` has reached `end` in every domain of `end` (same or higher seq_no).
[[nodiscard]] bool GtidReached(const MariaDbGtidPos& pos, const MariaDbGtidPos& end);

}  // namespace binsync

#endif  // BINSYNC_CORE_RESYNC_RUN_STATE_H_
