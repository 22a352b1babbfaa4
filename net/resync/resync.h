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
// Each step reached is recorded on both servers (net/resync/resync_state.h); a rerun
// finishes an interrupted run from there instead of planning afresh (core/resync/run_state.h).
// Every decision is taken by core/resync/plan.h and core/resync/policies.h; this runs the steps.
// Verify runs after the hand-back on purpose: with replication running its rechecks
// (MASTER_GTID_WAIT) tell live writes from real differences, and a repair never races a
// write that native replication is about to deliver.
#ifndef BINSYNC_NET_RESYNC_RESYNC_H_
#define BINSYNC_NET_RESYNC_RESYNC_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "net/replicate/applier.h"
#include "net/mysql/binlog_stream.h"
#include "net/mysql/connection.h"
#include "net/replicate/replicator.h"
#include "core/resync/plan.h"
#include "core/resync/policies.h"
#include "core/resync/report.h"

namespace binsync {

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

[[nodiscard]] absl::StatusOr<ResyncReport> RunResync(const ResyncOptions& options);

}  // namespace binsync

#endif  // BINSYNC_NET_RESYNC_RESYNC_H_
