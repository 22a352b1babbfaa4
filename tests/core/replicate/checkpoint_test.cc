// The checkpoint table's statements read as strings, and its row read back, without a
// server.
#include "core/replicate/checkpoint.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

using Row = std::vector<std::optional<std::string_view>>;

size_t Placeholders(std::string_view sql) { return std::count(sql.begin(), sql.end(), '?'); }

TEST(ChooseStartTest, StartOptionCheckpointOrNativeAndResumingARun) {
  Checkpoint none;
  Checkpoint at7;
  at7.found = true;
  at7.seq = 7;
  EXPECT_EQ(ChooseStart(false, std::nullopt, none), StartFrom::kNativePosition);
  EXPECT_EQ(ChooseStart(false, std::nullopt, at7), StartFrom::kCheckpoint);
  // --start wins over an old checkpoint...
  EXPECT_EQ(ChooseStart(true, std::nullopt, at7), StartFrom::kStartOption);
  EXPECT_EQ(ChooseStart(true, 7, at7), StartFrom::kStartOption);  // nothing committed since
  // ... until this run committed past the checkpoint it found (a reconnect): never twice.
  EXPECT_EQ(ChooseStart(true, 6, at7), StartFrom::kCheckpoint);
  EXPECT_EQ(ChooseStart(true, 0, none), StartFrom::kStartOption);
  EXPECT_EQ(StartFromName(StartFrom::kNativePosition), "target's replication position");
}

TEST(CheckpointStreamTest, NamesTheSourceByItsServerId) {
  EXPECT_EQ(CheckpointStream(42), "from_server_42");
  EXPECT_EQ(CheckpointStream(4294967295u), "from_server_4294967295");
}

TEST(CheckpointSqlTest, CreateIsIdempotentAndKeyedByStreamAndWorker) {
  const std::string sql(CheckpointCreateSql());
  EXPECT_EQ(sql.find("CREATE DATABASE IF NOT EXISTS `binsync`;"), 0u);
  EXPECT_NE(sql.find("CREATE TABLE IF NOT EXISTS `binsync`.`checkpoint` ("), std::string::npos);
  EXPECT_NE(sql.find("PRIMARY KEY (`stream`, `worker`)) ENGINE=InnoDB"), std::string::npos);
  EXPECT_NE(sql.find("`seq` BIGINT UNSIGNED NOT NULL"), std::string::npos);
  EXPECT_EQ(Placeholders(sql), 0u);
}

TEST(CheckpointSqlTest, CreateRunsUnloggedAndRestoresTheSessionsOwnSetting) {
  EXPECT_EQ(CheckpointSaveLogBinSql(), "SET @binsync_log_bin = @@session.sql_log_bin");
  EXPECT_EQ(CheckpointLogBinOffSql(), "SET SESSION sql_log_bin = 0");
  // Restores what was saved, not a constant 1 (a session may have had it off already).
  EXPECT_EQ(CheckpointRestoreLogBinSql(), "SET SESSION sql_log_bin = @binsync_log_bin");
}

TEST(CheckpointSqlTest, UpsertColumnsFollowTheParameterOrder) {
  const std::string sql(CheckpointUpsertSql());
  EXPECT_EQ(Placeholders(sql), static_cast<size_t>(kCpParamCount));
  const std::string columns = "(stream, worker, seq, gtid_pos, source_file, source_pos, source_txn)";
  EXPECT_EQ(sql.find("INSERT INTO `binsync`.`checkpoint` " + columns), 0u);
  // The enum's order is the column list's order.
  const std::vector<std::pair<CheckpointUpsertParam, std::string>> order = {
      {kCpStream, "stream"},       {kCpWorker, "worker"},          {kCpSeq, "seq"},
      {kCpGtidPos, "gtid_pos"},    {kCpSourceFile, "source_file"}, {kCpSourcePos, "source_pos"},
      {kCpSourceTxn, "source_txn"}};
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(static_cast<size_t>(order[i].first), i);
  // Every column but the key is overwritten, and the row's time moves.
  for (const char* c : {"seq", "gtid_pos", "source_file", "source_pos", "source_txn"}) {
    EXPECT_NE(sql.find(std::string(c) + " = VALUES(" + c + ")"), std::string::npos) << c;
  }
  EXPECT_EQ(sql.find("stream = VALUES"), std::string::npos);
  EXPECT_EQ(sql.find("worker = VALUES"), std::string::npos);
  EXPECT_NE(sql.find("updated_at = NOW(6)"), std::string::npos);
}

TEST(CheckpointSqlTest, ReadTakesTheStreamsHighestSeq) {
  const std::string sql(CheckpointReadSql());
  EXPECT_EQ(sql,
            "SELECT seq, gtid_pos, source_file, source_pos, source_txn FROM "
            "`binsync`.`checkpoint` WHERE stream = ? ORDER BY seq DESC LIMIT 1");
  EXPECT_EQ(Placeholders(sql), 1u);
}

TEST(ParseCheckpointRowTest, AFullRow) {
  const Row row = {"18446744073709551615", "0-1-42", "bin.000007", "1234", "0-1-42"};
  const absl::StatusOr<Checkpoint> cp = ParseCheckpointRow(row);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_TRUE(cp->found);
  EXPECT_EQ(cp->seq, UINT64_MAX);
  EXPECT_EQ(cp->gtid_pos, "0-1-42");
  EXPECT_EQ(cp->source_file, "bin.000007");
  EXPECT_EQ(cp->source_pos, 1234u);
  EXPECT_EQ(cp->source_txn, "0-1-42");
}

TEST(ParseCheckpointRowTest, NullsReadAsZeroAndEmpty) {
  const Row row = {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  const absl::StatusOr<Checkpoint> cp = ParseCheckpointRow(row);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_TRUE(cp->found);  // a row was there
  EXPECT_EQ(cp->seq, 0u);
  EXPECT_EQ(cp->gtid_pos, "");
  EXPECT_EQ(cp->source_pos, 0u);
}

TEST(ParseCheckpointRowTest, NotANumberIsAnErrorNamingTheColumn) {
  absl::StatusOr<Checkpoint> cp = ParseCheckpointRow(Row{"12x", "", "", "4", ""});
  ASSERT_FALSE(cp.ok());
  EXPECT_NE(cp.status().message().find("binsync.checkpoint seq"), std::string_view::npos);
  cp = ParseCheckpointRow(Row{"1", "", "", "-4", ""});
  ASSERT_FALSE(cp.ok());
  EXPECT_NE(cp.status().message().find("source_pos"), std::string_view::npos);
  cp = ParseCheckpointRow(Row{"18446744073709551616", "", "", "4", ""});  // 2^64
  EXPECT_FALSE(cp.ok());
}

TEST(ParseCheckpointRowTest, AShortRowIsAnError) {
  EXPECT_FALSE(ParseCheckpointRow(Row{"1", "", "", "4"}).ok());
  EXPECT_FALSE(ParseCheckpointRow(Row{}).ok());
}

}  // namespace
}  // namespace binsync::replicate
