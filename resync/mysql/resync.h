// Resync: bring a diverged master (--to) back in line with the authoritative one
// (--from) from the divergence point, both servers writable, nothing either wrote lost.
//
//   1 inspect   both servers' facts (positions, replication threads and their errors)
//   2 plan      what each lacks of the other's binlog since the positions native
//               replication stopped at (transactions, GTID ranges, tables, rows), and the
//               rows changed on both sides (predicted conflicts). --dry-run stops here.
//   3 catch up  both directions at once, catchup mode, loop-filtered; every change is
//               checked against the target's row (before image must match, an insert must
//               not meet a different row): a mismatch is a conflict, resolved by policy
//   4 hand back native replication both ways from exactly the positions read
//   5 verify    the tables touched (all with full_verify), repair what still differs
//               (changes made outside the binlog) from --from, verify again
// Each step reached is recorded on both servers (net/resync_state.h); a rerun finishes an
// interrupted run from there instead of planning afresh (core/resync/run_state.h).
// Verify runs after the hand-back on purpose: with replication running its rechecks
// (MASTER_GTID_WAIT) tell live writes from real differences, and a repair never races a
// write that native replication is about to deliver.
#ifndef BINSYNC_RESYNC_MYSQL_RESYNC_H_
#define BINSYNC_RESYNC_MYSQL_RESYNC_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "verify/report.h"
#include "replicate/mysql/applier.h"
#include "mysql/binlog_stream.h"
#include "mysql/connection.h"
#include "replicate/mysql/replicator.h"
#include "resync/policies.h"

namespace binsync {

enum class Handback { kNative, kNone };

struct ResyncOptions {
  ConnectOptions from, to;
  ConflictPolicy conflicts = ConflictPolicy::kReport;
  Handback handback = Handback::kNative;
  bool dry_run = false;
  bool full_verify = false;
  int workers = 4;
  uint32_t server_id = kDefaultBinsyncServerId;
  const std::atomic<bool>* stop = nullptr;
};

// What one server lacks of the other's binlog.
struct StreamPlan {
  std::string direction;  // "a:1 -> b:2"
  std::string start;      // GTID position the stream starts after
  uint64_t transactions = 0;
  uint64_t rows = 0;
  uint64_t skipped_own = 0;  // the target's own (or binsync's) transactions, not needed
  std::string first_gtid, last_gtid;
  std::string end;  // GTID position the scan read through
  std::map<std::string, uint64_t> table_rows;  // db.table -> row changes
  bool purged = false;   // the binlog needed is gone: verify + repair instead
  std::string purged_message;
};

struct ResolvedConflict {
  Conflict conflict;
  std::string direction;   // the stream that met it
  std::string resolution;  // "from's row kept", "overwritten with to's change", ...
};

struct ResyncReport {
  std::string from, to;  // endpoints
  std::string run_id;    // this run's id in binsync.resync_run (not for --dry-run)
  // A run that finished an interrupted one: the step it resumed from ("" when fresh) and
  // "resumed run X from step 'Y' (started ...)".
  std::string resumed_step, resumed_message;
  std::string from_errors, to_errors;  // replication errors found at inspection
  StreamPlan to_lacks, from_lacks;     // from -> to, to -> from
  std::vector<std::string> predicted_conflicts;  // db.table (key) changed on both sides
  ReplicateResult applied_to_to, applied_to_from;
  std::vector<ResolvedConflict> conflicts;
  VerifyReport verify_first, verify_final;
  bool verified = false;
  uint64_t repaired_rows = 0;
  std::string handback;                // what was done, or the commands to run
  std::map<std::string, double> step_seconds;
  std::vector<std::string> notes;
  bool dry_run = false;
  // Identical at the end and no conflict left unresolved.
  [[nodiscard]] bool clean() const;
};

[[nodiscard]] absl::StatusOr<ResyncReport> RunResync(const ResyncOptions& options);

[[nodiscard]] std::string ResyncReportText(const ResyncReport& report);
[[nodiscard]] std::string ResyncReportJson(const ResyncReport& report);

}  // namespace binsync

#endif  // BINSYNC_RESYNC_MYSQL_RESYNC_H_
