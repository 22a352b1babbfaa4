// Which apply paths fire the target's triggers, and the DBA's choice (--run-triggers).
// Pure: the applier and the replicator (net/replicate/) ask; the target's triggers and its
// slave_run_triggers_for_rbr are facts they read.
//
// What fires them on a MariaDB target:
//   BINLOG replay (live mode's fast path)  as native row replication: only when the target's
//       global slave_run_triggers_for_rbr says so (NO, the default: never; YES: when the
//       source's table had none; ENFORCE: always). binsync cannot set it per session.
//   statements (--apply-with statements, catchup mode, a transaction whose replay failed,
//       resync)  always: they are ordinary INSERT/UPDATE/DELETE (catchup's compacted rows:
//       once per key's net change, as INSERT ... ON DUPLICATE KEY UPDATE).
// In a master-master pair a trigger usually exists on both sides and its effects are in the
// source's binlog already (row format logs them), so firing it again applies them twice.
//
// --run-triggers (MariaDB's slave_run_triggers_for_rbr vocabulary where it fits):
//   statements (default)  as above: the paths differ, said once at start per table.
//   yes   every path fires them: a transaction touching such a table is applied as
//         statements (never replayed) and catchup applies such a table's changes one by
//         one (not compacted), so each source change fires its trigger once.
//   no    no path fires them: rows of such a table are applied only by BINLOG replay;
//         binsync stops before applying one by a statement (naming table, key, transaction).
#ifndef BINSYNC_CORE_REPLICATE_TRIGGERS_H_
#define BINSYNC_CORE_REPLICATE_TRIGGERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync::replicate {

enum class RunTriggers { kStatements, kYes, kNo };

// "statements", "yes", "no".
[[nodiscard]] absl::StatusOr<RunTriggers> ParseRunTriggers(std::string_view text);

// Whether a transaction touching a table with target triggers may be replayed (BINLOG).
[[nodiscard]] bool MayReplayTriggered(RunTriggers policy);
// Whether catchup may compact a table with target triggers.
[[nodiscard]] bool MayCompactTriggered(RunTriggers policy);
// Whether a row of a table with target triggers may be applied as a statement.
[[nodiscard]] bool MayApplyTriggeredByStatement(RunTriggers policy);

// The error text when it may not (--run-triggers no), without where (the applier adds
// db.table, key, transaction and position).
[[nodiscard]] std::string_view TriggersWouldFireMessage();

// The warning said once at start for a replicated table with triggers on the target:
// `table` db.table, `triggers` their names, `catchup` the mode, `replay` whether live mode
// replays with BINLOG, `rbr` the target's slave_run_triggers_for_rbr.
[[nodiscard]] std::string TriggerWarning(std::string_view table,
                                         const std::vector<std::string>& triggers, bool catchup,
                                         bool replay, RunTriggers policy, std::string_view rbr);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_TRIGGERS_H_
