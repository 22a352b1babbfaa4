#include "core/replicate/checkpoint.h"

#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::replicate {

StartFrom ChooseStart(bool has_start_option, std::optional<uint64_t> resume_past_seq,
                      const Checkpoint& checkpoint) {
  const bool resume = resume_past_seq.has_value() && checkpoint.found &&
                      checkpoint.seq > *resume_past_seq;
  if (has_start_option && !resume) return StartFrom::kStartOption;
  return checkpoint.found ? StartFrom::kCheckpoint : StartFrom::kNativePosition;
}

std::string_view StartFromName(StartFrom from) {
  switch (from) {
    case StartFrom::kStartOption: return "--start";
    case StartFrom::kCheckpoint: return "checkpoint";
    case StartFrom::kNativePosition: return "target's replication position";
  }
  return "?";
}

std::string CheckpointStream(uint32_t source_server_id) {
  return "from_server_" + std::to_string(source_server_id);
}

std::string_view CheckpointSaveLogBinSql() {
  return "SET @binsync_log_bin = @@session.sql_log_bin";
}

std::string_view CheckpointLogBinOffSql() { return "SET SESSION sql_log_bin = 0"; }

std::string_view CheckpointCreateSql() {
  return "CREATE DATABASE IF NOT EXISTS `binsync`;"
         "CREATE TABLE IF NOT EXISTS `binsync`.`checkpoint` ("
         " `stream` VARCHAR(191) NOT NULL, `worker` INT UNSIGNED NOT NULL,"
         " `seq` BIGINT UNSIGNED NOT NULL, `gtid_pos` VARCHAR(4096) NOT NULL,"
         " `source_file` VARCHAR(512) NOT NULL, `source_pos` BIGINT UNSIGNED NOT NULL,"
         " `source_txn` VARCHAR(128) NOT NULL,"
         " `updated_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
         " PRIMARY KEY (`stream`, `worker`)) ENGINE=InnoDB";
}

std::string_view CheckpointRestoreLogBinSql() {
  return "SET SESSION sql_log_bin = @binsync_log_bin";
}

std::string CheckpointUpsertFromSql(std::string_view row_source) {
  return StrCat("INSERT INTO `binsync`.`checkpoint` (stream, worker, seq, gtid_pos, source_file, "
                "source_pos, source_txn) ",
                row_source,
                " ON DUPLICATE KEY UPDATE seq = VALUES(seq), gtid_pos = VALUES(gtid_pos), "
                "source_file = VALUES(source_file), source_pos = VALUES(source_pos), "
                "source_txn = VALUES(source_txn), updated_at = NOW(6)");
}

std::string_view CheckpointUpsertSql() {
  static const std::string* const sql =
      new std::string(CheckpointUpsertFromSql("VALUES (?, ?, ?, ?, ?, ?, ?)"));
  return *sql;
}

std::string_view CheckpointReadSql() {
  return "SELECT seq, gtid_pos, source_file, source_pos, source_txn FROM "
         "`binsync`.`checkpoint` WHERE stream = ? ORDER BY seq DESC LIMIT 1";
}

absl::StatusOr<Checkpoint> ParseCheckpointRow(
    std::span<const std::optional<std::string_view>> row) {
  if (row.size() < 5) {
    return absl::InternalError(
        StrCat("binsync.checkpoint: a row of ", row.size(), " columns, 5 expected"));
  }
  Checkpoint cp;
  cp.found = true;
  ASSIGN_OR_RETURN(cp.seq, NumberOf("binsync.checkpoint seq", row[0].value_or("0")));
  cp.gtid_pos = std::string(row[1].value_or(""));
  cp.source_file = std::string(row[2].value_or(""));
  ASSIGN_OR_RETURN(cp.source_pos,
                   NumberOf("binsync.checkpoint source_pos", row[3].value_or("0")));
  cp.source_txn = std::string(row[4].value_or(""));
  return cp;
}

}  // namespace binsync::replicate
