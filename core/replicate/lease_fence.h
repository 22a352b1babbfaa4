// The lease as a fence: what keeps "one writer per stream" true while the lease changes
// hands (its connection killed, a second binsync of the same stream starting then).
//
// The lease row of a stream in `binsync.lease` (written only by the holder's own lease
// connection, unlogged) carries an `epoch`. Taking the lease (after GET_LOCK) increments
// it in a transaction of its own (an exclusive lock on the row), and only then is the
// checkpoint read; the holder keeps the epoch it wrote. Every transaction binsync applies
// writes its checkpoint row with FencedCheckpointUpsertSql: only where the lease row still
// holds the writer's epoch, read with a shared lock kept until that transaction ends and
// taken without waiting (NOWAIT). So:
//   - a takeover's increment waits for the old holder's transactions that already read the
//     row (they commit, or roll back), and the checkpoint it reads next covers them;
//   - once the increment is requested, every later transaction of the old holder fails:
//     refused the lock while the increment waits, or finding the new epoch after it
//     committed. The old holder rolls it back and stops (JudgeFence, FenceMessage).
// NOWAIT, not a lock wait: the old holder's workers commit in source order, so a worker
// waiting for the lock behind the takeover, while a later worker holding it waits for that
// one's commit, would be a deadlock InnoDB cannot see.
// A statement that commits by itself (DDL) is checked just before it (FenceCheckSql); its
// implicit commit ends the lock, so a takeover in that instant finds the DDL applied (live
// mode skips a DDL whose GTID the target logged, catchup one that is already applied).
//
// Pure: the statements as strings and the rule; net/replicate/ runs them.
#ifndef BINSYNC_CORE_REPLICATE_LEASE_FENCE_H_
#define BINSYNC_CORE_REPLICATE_LEASE_FENCE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/replicate/checkpoint.h"

namespace binsync::replicate {

// `binsync.lease`: stream (primary key), holder ("binsync pid P on H"), connection_id (of
// the lease connection), since, epoch. Created if missing (CREATE ... IF NOT EXISTS).
[[nodiscard]] std::string_view LeaseCreateSql();
// An older binsync's table has no epoch: LeaseHasEpochSql returns 0, LeaseAddEpochSql adds
// it (existing rows at epoch 0).
[[nodiscard]] std::string_view LeaseHasEpochSql();
[[nodiscard]] std::string_view LeaseAddEpochSql();
// Taking the lease: the row written with this connection as holder and the epoch
// incremented (1 for a new row). Parameters: stream, holder.
[[nodiscard]] std::string_view LeaseTakeSql();
// The row as it is (no lock): epoch, holder, connection_id. Parameter: stream.
[[nodiscard]] std::string_view LeaseReadSql();

// The shared lock a fenced statement takes on the lease row without waiting, in the
// target's dialect: MariaDB "LOCK IN SHARE MODE NOWAIT", MySQL 8 "FOR SHARE NOWAIT".
[[nodiscard]] std::string_view ShareLockNoWait(bool mariadb);
// CheckpointUpsertSql's row, written only where the lease row of kFenceStream holds
// kFenceEpoch: 0 rows written means the epoch is no longer the writer's; a lock wait error
// (1205) means a takeover waits for the row. Parameters: CheckpointUpsertParam order, then
// FenceParam.
[[nodiscard]] std::string FencedCheckpointUpsertSql(bool mariadb);
enum FenceParam : int { kFenceStream = kCpParamCount, kFenceEpoch, kFencedParamCount };
// Before a statement that commits by itself: the lease row's epoch under the same lock.
// Parameter: stream. No row: the row is gone.
[[nodiscard]] std::string FenceCheckSql(bool mariadb);

struct LeaseRow {
  uint64_t epoch = 0;
  std::string holder;  // "binsync pid 4242 on db2"
  uint64_t connection_id = 0;
};
// A row of LeaseReadSql (NULL reads as 0 or empty); error naming the column when a number
// is not one.
[[nodiscard]] absl::StatusOr<LeaseRow> ParseLeaseRow(
    std::span<const std::optional<std::string_view>> row);

enum class Fence {
  kHeld,              // the row holds the writer's epoch: commit
  kTakenOver,         // a later epoch: another process took the lease
  kTakeoverUnderWay,  // the row's lock was refused: a takeover waits for it
  kRowChanged,        // no row, or an earlier epoch: the table was changed by hand
};
// The rule. `own`: the epoch this process wrote when it took the lease; `row`: the lease
// row as read (nullopt: none); `lock_refused`: the fenced statement could not take its
// shared lock. Only kHeld lets the transaction commit.
[[nodiscard]] Fence JudgeFence(uint64_t own, const std::optional<LeaseRow>& row,
                               bool lock_refused);
// The one-line error of a verdict other than kHeld: the target, the stream, who has the
// lease, that this process stops and that nothing it rolled back is lost.
[[nodiscard]] std::string FenceMessage(Fence fence, std::string_view endpoint,
                                       std::string_view stream, uint64_t own,
                                       const std::optional<LeaseRow>& row);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_LEASE_FENCE_H_
