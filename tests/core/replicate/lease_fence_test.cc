// The fencing rule (who may commit while the lease changes hands) and its statements, without
// a server.
#include "core/replicate/lease_fence.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

using Row = std::vector<std::optional<std::string_view>>;

LeaseRow At(uint64_t epoch) { return {epoch, "binsync pid 4243 on db2", 58}; }

bool Has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST(JudgeFenceTest, OnlyTheWritersOwnEpochUnlockedCommits) {
  EXPECT_EQ(JudgeFence(7, At(7), false), Fence::kHeld);
  // A takeover incremented the epoch after this process took it.
  EXPECT_EQ(JudgeFence(7, At(8), false), Fence::kTakenOver);
  EXPECT_EQ(JudgeFence(7, At(9), true), Fence::kTakenOver);
  // The increment waits for the row: the lock is refused while the row still says 7.
  EXPECT_EQ(JudgeFence(7, At(7), true), Fence::kTakeoverUnderWay);
  // No row, or an epoch behind this process's: the table was emptied or rewritten by hand.
  EXPECT_EQ(JudgeFence(7, std::nullopt, false), Fence::kRowChanged);
  EXPECT_EQ(JudgeFence(7, std::nullopt, true), Fence::kRowChanged);
  EXPECT_EQ(JudgeFence(7, At(0), false), Fence::kRowChanged);
  // A row migrated from an older binsync (epoch 0) is taken at 1 by the first increment.
  EXPECT_EQ(JudgeFence(1, At(1), false), Fence::kHeld);
}

TEST(FenceMessageTest, OneLineNamingTheTargetStreamHolderAndWhatHappens) {
  const std::string taken =
      FenceMessage(Fence::kTakenOver, "127.0.0.1:3307", "from_server_1", 7, At(8));
  EXPECT_EQ(taken,
            "127.0.0.1:3307: the lease of stream from_server_1 was taken over by binsync pid "
            "4243 on db2 (connection 58, epoch 8; this process had epoch 7); this process "
            "stops, its uncommitted transactions rolled back (the new holder applies them from "
            "the checkpoint: nothing is lost or applied twice)");
  const std::string under_way =
      FenceMessage(Fence::kTakeoverUnderWay, "127.0.0.1:3307", "from_server_1", 7, At(7));
  EXPECT_TRUE(Has(under_way, "from_server_1 is being taken over by another session")) << under_way;
  const std::string gone =
      FenceMessage(Fence::kRowChanged, "127.0.0.1:3307", "from_server_1", 7, std::nullopt);
  EXPECT_TRUE(Has(gone, "its row in binsync.lease is gone, this process had epoch 7")) << gone;
  EXPECT_TRUE(Has(gone, "run it again")) << gone;
  for (const std::string& m : {taken, under_way, gone}) {
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  LeaseRow anonymous = At(8);
  anonymous.holder.clear();
  EXPECT_TRUE(Has(FenceMessage(Fence::kTakenOver, "h:1", "s", 7, anonymous),
                  "taken over by another session (connection 58"));
}

size_t Placeholders(std::string_view sql) { return std::count(sql.begin(), sql.end(), '?'); }

TEST(LeaseFenceSqlTest, TheCheckpointIsWrittenOnlyUnderTheWritersEpochWithoutWaiting) {
  for (const bool mariadb : {true, false}) {
    const std::string sql = FencedCheckpointUpsertSql(mariadb);
    EXPECT_EQ(Placeholders(sql), static_cast<size_t>(kFencedParamCount)) << sql;
    EXPECT_TRUE(Has(sql, "SELECT ?, ?, ?, ?, ?, ?, ? FROM `binsync`.`lease` WHERE stream = ? "
                         "AND epoch = ? "))
        << sql;
    EXPECT_TRUE(Has(sql, mariadb ? "LOCK IN SHARE MODE NOWAIT ON DUPLICATE KEY UPDATE"
                                 : "FOR SHARE NOWAIT ON DUPLICATE KEY UPDATE"))
        << sql;
    // The same row as the unfenced statement: same columns, same update.
    const std::string_view plain = CheckpointUpsertSql();
    EXPECT_EQ(sql.substr(0, plain.find("VALUES")), plain.substr(0, plain.find("VALUES")));
    EXPECT_EQ(sql.substr(sql.find(" ON DUPLICATE")), plain.substr(plain.find(" ON DUPLICATE")));
    const std::string check = FenceCheckSql(mariadb);
    EXPECT_EQ(Placeholders(check), 1u) << check;
    EXPECT_TRUE(Has(check, ShareLockNoWait(mariadb))) << check;
  }
  EXPECT_EQ(Placeholders(LeaseTakeSql()), 2u);
  EXPECT_TRUE(Has(LeaseTakeSql(), "epoch = epoch + 1"));
  EXPECT_TRUE(Has(LeaseCreateSql(), "`epoch` BIGINT UNSIGNED NOT NULL DEFAULT 0"));
  EXPECT_TRUE(Has(LeaseAddEpochSql(), "ADD COLUMN `epoch` BIGINT UNSIGNED NOT NULL DEFAULT 0"));
  EXPECT_EQ(Placeholders(LeaseReadSql()), 1u);
}

TEST(ParseLeaseRowTest, ReadsTheRowAndNamesABadColumn) {
  absl::StatusOr<LeaseRow> row = ParseLeaseRow(Row{"8", "binsync pid 1 on h", "58"});
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->epoch, 8u);
  EXPECT_EQ(row->holder, "binsync pid 1 on h");
  EXPECT_EQ(row->connection_id, 58u);
  EXPECT_TRUE(Has(std::string(ParseLeaseRow(Row{"x", "", "1"}).status().message()), "binsync.lease epoch"));
  EXPECT_FALSE(ParseLeaseRow(Row{"1", ""}).ok());
  row = ParseLeaseRow(Row{std::nullopt, std::nullopt, std::nullopt});
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->epoch, 0u);
}

}  // namespace
}  // namespace binsync::replicate
