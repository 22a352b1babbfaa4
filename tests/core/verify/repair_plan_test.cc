#include "core/verify/repair_plan.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace binsync {
namespace {

TableResult Table(std::string name) {
  TableResult t;
  t.table = "d." + name;
  t.schema.db = "d";
  t.schema.name = name;
  t.schema.columns = {"id", "v"};
  t.schema.column_types = {"int", "varbinary"};
  t.schema.column_charsets = {"", ""};
  t.schema.column_nullable = {false, true};
  t.schema.unique_keys = {{0}};
  t.schema.unique_key_names = {"PRIMARY"};
  t.schema.has_primary = true;
  return t;
}

RowDiff Diff(DiffKind kind, std::string key, std::optional<std::string> v = std::nullopt) {
  RowDiff d;
  d.kind = kind;
  d.key = {key};
  if (kind != DiffKind::kOnlyOnB) d.a_row = {key, v};
  if (kind != DiffKind::kOnlyOnA) d.b_row = {key, std::string("b")};
  return d;
}

// t1: upsert 1, delete 2, upsert 3, delete 4; t2 nothing listed (only unsettled);
// t3: delete 9.
VerifyReport Report() {
  VerifyReport r;
  TableResult t1 = Table("t1");
  t1.diffs = {Diff(DiffKind::kOnlyOnA, "1", "x"), Diff(DiffKind::kOnlyOnB, "2"),
              Diff(DiffKind::kDifferent, "3"), Diff(DiffKind::kOnlyOnB, "4")};
  TableResult t2 = Table("t2");
  t2.unsettled = {Diff(DiffKind::kOnlyOnA, "5")};
  TableResult t3 = Table("t3");
  t3.diffs = {Diff(DiffKind::kOnlyOnB, "9")};
  r.tables = {t1, t2, t3};
  return r;
}

TEST(PlanRepairTest, PerTableDeletesFirstThenUpsertsUnsettledNever) {
  using Op = RepairOp;
  EXPECT_EQ(PlanRepair(Report()),
            (std::vector<RepairStep>{{Op::kDeleteByKey, 0, 1},
                                     {Op::kDeleteByKey, 0, 3},
                                     {Op::kUpsert, 0, 0},
                                     {Op::kUpsert, 0, 2},
                                     {Op::kDeleteByKey, 2, 0}}));
}

TEST(PlanRepairTest, EmptyReportPlansNothing) {
  EXPECT_TRUE(PlanRepair(VerifyReport{}).empty());
}

TEST(RepairScriptTest, LiteralsNullAndBinaryAsHex) {
  const std::string sql =
      RepairScript(Report(), RepairOptions{}, [](std::string_view v) { return "'" + std::string(v) + "'"; });
  EXPECT_EQ(sql,
            "-- binsync verify: statements that make B like A; idempotent.\n"
            "SET NAMES utf8mb4;\nSET SESSION foreign_key_checks = 0;\n"
            "SET SESSION sql_log_bin = 0;\n"
            "DELETE FROM `d`.`t1` WHERE `id` = '2';\n"
            "DELETE FROM `d`.`t1` WHERE `id` = '4';\n"
            "INSERT INTO `d`.`t1` (`id`, `v`) VALUES ('1', X'78') ON DUPLICATE KEY UPDATE "
            "`id` = VALUES(`id`), `v` = VALUES(`v`);\n"
            "INSERT INTO `d`.`t1` (`id`, `v`) VALUES ('3', NULL) ON DUPLICATE KEY UPDATE "
            "`id` = VALUES(`id`), `v` = VALUES(`v`);\n"
            "DELETE FROM `d`.`t3` WHERE `id` = '9';\n");
}

TEST(RepairScriptTest, BinlogOnLeavesSqlLogBinAlone) {
  RepairOptions o;
  o.binlog = true;
  const std::string sql = RepairScript(VerifyReport{}, o, [](std::string_view v) { return std::string(v); });
  EXPECT_EQ(sql.find("sql_log_bin"), std::string::npos);
}

// Records what a session executes; fails the statement numbered `fail_at` (0-based)
// and, when `dead_after`, every one after it (a lost connection).
struct FakeServer {
  std::vector<std::string> ran;
  int fail_at = -1;
  bool dead_after = false;
  RepairSession::ExecuteFn Fn() {
    return [this](std::string_view sql) {
      const int n = static_cast<int>(ran.size());
      ran.emplace_back(sql);
      if (n == fail_at || (dead_after && fail_at >= 0 && n > fail_at)) {
        return absl::UnavailableError("lost");
      }
      return absl::OkStatus();
    };
  }
};

const char kStartNoBinlog[] = "SET SESSION foreign_key_checks = 0; SET SESSION sql_log_bin = 0";
const char kEnd[] = "SET SESSION foreign_key_checks = 1; SET SESSION sql_log_bin = 1";

TEST(RepairSessionTest, SuccessCommitsEveryNStatementsThenRestores) {
  FakeServer server;
  {
    RepairOptions o;
    o.rows_per_transaction = 2;
    RepairSession s(server.Fn(), o);
    ASSERT_TRUE(s.Begin().ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.StatementDone().ok());
    ASSERT_TRUE(s.Finish().ok());
  }
  EXPECT_EQ(server.ran, (std::vector<std::string>{kStartNoBinlog, "START TRANSACTION", "COMMIT",
                                                  "START TRANSACTION", "COMMIT", kEnd}));
}

TEST(RepairSessionTest, ZeroOrOneRowPerTransactionCommitsEachStatement) {
  for (size_t n : {0u, 1u}) {
    FakeServer server;
    RepairOptions o;
    o.rows_per_transaction = n;
    o.binlog = true;
    RepairSession s(server.Fn(), o);
    ASSERT_TRUE(s.Begin().ok());
    ASSERT_TRUE(s.StatementDone().ok());
    EXPECT_EQ(server.ran, (std::vector<std::string>{
                              "SET SESSION foreign_key_checks = 0; SET SESSION sql_log_bin = 1",
                              "START TRANSACTION", "COMMIT", "START TRANSACTION"}));
    ASSERT_TRUE(s.Finish().ok());
  }
}

// The caller returns early on an error midway: the open transaction is rolled back and
// the session restored.
TEST(RepairSessionTest, ErrorMidwayRollsBackAndRestores) {
  FakeServer server;
  {
    RepairSession s(server.Fn(), RepairOptions{});
    ASSERT_TRUE(s.Begin().ok());
    ASSERT_TRUE(s.StatementDone().ok());
    // the repair statement fails here; the caller returns without Finish()
  }
  EXPECT_EQ(server.ran,
            (std::vector<std::string>{kStartNoBinlog, "START TRANSACTION", "ROLLBACK", kEnd}));
}

// A lost connection: every statement fails, the restore is still attempted and its
// failure does not escape.
TEST(RepairSessionTest, LostConnectionStillAttemptsTheRestore) {
  FakeServer server;
  server.fail_at = 1;  // START TRANSACTION
  server.dead_after = true;
  {
    RepairSession s(server.Fn(), RepairOptions{});
    EXPECT_FALSE(s.Begin().ok());
  }
  EXPECT_EQ(server.ran,
            (std::vector<std::string>{kStartNoBinlog, "START TRANSACTION", "ROLLBACK", kEnd}));
}

TEST(RepairSessionTest, FailedSessionStartIsStillRestored) {
  FakeServer server;
  server.fail_at = 0;
  { RepairSession s(server.Fn(), RepairOptions{}); EXPECT_FALSE(s.Begin().ok()); }
  EXPECT_EQ(server.ran, (std::vector<std::string>{kStartNoBinlog, "ROLLBACK", kEnd}));
}

TEST(RepairSessionTest, FailedCommitRollsBackAndRestores) {
  FakeServer server;
  server.fail_at = 2;  // the final COMMIT
  {
    RepairSession s(server.Fn(), RepairOptions{});
    ASSERT_TRUE(s.Begin().ok());
    EXPECT_FALSE(s.Finish().ok());
  }
  EXPECT_EQ(server.ran, (std::vector<std::string>{kStartNoBinlog, "START TRANSACTION", "COMMIT",
                                                  "ROLLBACK", kEnd}));
}

TEST(RepairSessionTest, NeverBegunRunsNothing) {
  FakeServer server;
  { RepairSession s(server.Fn(), RepairOptions{}); }
  EXPECT_TRUE(server.ran.empty());
}

}  // namespace
}  // namespace binsync
