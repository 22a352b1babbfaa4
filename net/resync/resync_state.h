// Resync's run state on the servers (core/resync/run_state.h says what it holds and why).
// Two tables in the `binsync` schema, beside the checkpoints:
//
//   binsync.resync_run       one row per run, the same on both servers (written --to first,
//                            then --from, unlogged: never replicated): run_id, the two
//                            server ids and endpoints, policy, started, step, native
//                            replication as found per server (JSON), and per direction
//                            (to_*: --from -> --to, from_*: --to -> --from) the plan's start
//                            and end positions, the stream's checkpoint seq when planned,
//                            the position catch-up read through, handed back or not
//   binsync.resync_conflict  one row per conflict, on the server that received the change,
//                            written in the catch-up transaction that applies (or leaves)
//                            the row, like the checkpoint row: it carries the origin's
//                            server_id, so neither native replication nor binsync sends it
//                            back; run_id, into ('to' or 'from'), db.table, key, kind, the
//                            source transaction, the event time, the resolution
// Finished runs stay as history (step 'verified'); nothing reads them but DecideResume.
#ifndef BINSYNC_NET_RESYNC_RESYNC_STATE_H_
#define BINSYNC_NET_RESYNC_RESYNC_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/resync/run_state.h"
#include "net/replicate/applier.h"
#include "net/mysql/connection.h"

namespace binsync {

// Creates the schema and both tables if missing (unlogged).
[[nodiscard]] absl::Status EnsureResyncTables(Connection& conn);

// Writes `run` (insert or update by run_id), unlogged.
[[nodiscard]] absl::Status SaveRun(Connection& conn, const ResyncRun& run);

// The most recent run recorded on `conn` between servers `a` and `b` (either direction),
// finished or not; nullopt when there is none (or no table yet).
[[nodiscard]] absl::StatusOr<std::optional<ResyncRun>> LoadLatestRun(Connection& conn,
                                                                     uint32_t a, uint32_t b);

// ApplierOptions::record_conflict for resync run `run_id`: one resync_conflict row in the
// caller's open transaction on `target`.
[[nodiscard]] absl::Status RecordConflict(Connection& target, const std::string& run_id,
                                          bool into_to, const Conflict& conflict,
                                          const ConflictDecision& decision);

struct StoredConflict {
  Conflict conflict;
  bool into_to = false;
  std::string resolution;
};
// The conflicts of `run_id` recorded on `conn`, in the order they were recorded.
[[nodiscard]] absl::StatusOr<std::vector<StoredConflict>> LoadConflicts(
    Connection& conn, const std::string& run_id);

}  // namespace binsync

#endif  // BINSYNC_NET_RESYNC_RESYNC_STATE_H_
