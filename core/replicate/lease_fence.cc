#include "core/replicate/lease_fence.h"

#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::replicate {

std::string_view LeaseCreateSql() {
  return "CREATE TABLE IF NOT EXISTS `binsync`.`lease` ("
         " `stream` VARCHAR(191) NOT NULL PRIMARY KEY, `holder` VARCHAR(512) NOT NULL,"
         " `connection_id` BIGINT UNSIGNED NOT NULL,"
         " `since` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
         " `epoch` BIGINT UNSIGNED NOT NULL DEFAULT 0) ENGINE=InnoDB";
}

std::string_view LeaseHasEpochSql() {
  return "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'binsync' "
         "AND TABLE_NAME = 'lease' AND COLUMN_NAME = 'epoch'";
}

std::string_view LeaseAddEpochSql() {
  return "ALTER TABLE `binsync`.`lease` ADD COLUMN `epoch` BIGINT UNSIGNED NOT NULL DEFAULT 0";
}

std::string_view LeaseTakeSql() {
  return "INSERT INTO `binsync`.`lease` (stream, holder, connection_id, since, epoch) "
         "VALUES (?, ?, CONNECTION_ID(), NOW(6), 1) ON DUPLICATE KEY UPDATE "
         "holder = VALUES(holder), connection_id = VALUES(connection_id), "
         "since = VALUES(since), epoch = epoch + 1";
}

std::string_view LeaseReadSql() {
  return "SELECT epoch, holder, connection_id FROM `binsync`.`lease` WHERE stream = ?";
}

std::string_view ShareLockNoWait(bool mariadb) {
  return mariadb ? "LOCK IN SHARE MODE NOWAIT" : "FOR SHARE NOWAIT";
}

std::string FencedCheckpointUpsertSql(bool mariadb) {
  return CheckpointUpsertFromSql(StrCat("SELECT ?, ?, ?, ?, ?, ?, ? FROM `binsync`.`lease` "
                                        "WHERE stream = ? AND epoch = ? ",
                                        ShareLockNoWait(mariadb)));
}

std::string FenceCheckSql(bool mariadb) {
  return StrCat("SELECT epoch FROM `binsync`.`lease` WHERE stream = ? ", ShareLockNoWait(mariadb));
}

absl::StatusOr<LeaseRow> ParseLeaseRow(std::span<const std::optional<std::string_view>> row) {
  if (row.size() < 3) {
    return absl::InternalError(
        StrCat("binsync.lease: a row of ", row.size(), " columns, 3 expected"));
  }
  LeaseRow lease;
  ASSIGN_OR_RETURN(lease.epoch, NumberOf("binsync.lease epoch", row[0].value_or("0")));
  lease.holder = std::string(row[1].value_or(""));
  ASSIGN_OR_RETURN(lease.connection_id,
                   NumberOf("binsync.lease connection_id", row[2].value_or("0")));
  return lease;
}

Fence JudgeFence(uint64_t own, const std::optional<LeaseRow>& row, bool lock_refused) {
  if (!row.has_value() || row->epoch < own) return Fence::kRowChanged;
  if (row->epoch > own) return Fence::kTakenOver;
  return lock_refused ? Fence::kTakeoverUnderWay : Fence::kHeld;
}

std::string FenceMessage(Fence fence, std::string_view endpoint, std::string_view stream,
                         uint64_t own, const std::optional<LeaseRow>& row) {
  const std::string lease = StrCat(endpoint, ": the lease of stream ", stream);
  constexpr std::string_view kStops =
      "; this process stops, its uncommitted transactions rolled back (the new holder applies "
      "them from the checkpoint: nothing is lost or applied twice)";
  switch (fence) {
    case Fence::kHeld:
      break;
    case Fence::kTakenOver:
      return StrCat(lease, " was taken over by ",
                    row->holder.empty() ? std::string("another session") : row->holder,
                    " (connection ", row->connection_id, ", epoch ", row->epoch,
                    "; this process had epoch ", own, ")", kStops);
    case Fence::kTakeoverUnderWay:
      return StrCat(lease, " is being taken over by another session (it waits for the row of "
                    "binsync.lease this process holds at epoch ", own, ")", kStops);
    case Fence::kRowChanged:
      return StrCat(lease, " was changed outside binsync (its row in binsync.lease ",
                    row.has_value() ? StrCat("is at epoch ", row->epoch) : std::string("is gone"),
                    ", this process had epoch ", own,
                    "); this process stops, its uncommitted transactions rolled back: run it "
                    "again (it takes the lease anew and resumes from the checkpoint)");
  }
  return StrCat(lease, " is held at epoch ", own);
}

}  // namespace binsync::replicate
