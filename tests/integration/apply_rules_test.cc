// What the applier promises a DBA about rows that are not as the source expects, triggers
// and its error messages, against real MariaDB servers: --on-missing-row holds in live and
// catchup mode and every overwritten, inserted or passed row is logged with its key and
// counted; which apply paths fire the target's triggers (--run-triggers); messages name
// the table, key, transaction and position, and what to do.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

using testing::RunBinsync;
using testing::SandboxServers;

SubprocessResult CatchUp(const SandboxServers& s, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"replicate", "--source", s.Uri(1), "--target", s.Uri(2),
                                   "--until-caught-up"};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunBinsync(args);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Checkpoint(const SandboxServers& s) {
  return s.Value(2, "SELECT MAX(seq) FROM binsync.checkpoint");
}

// The target drifted from the source: row 4 differs, rows 2 and 3 are gone. The source
// then inserts 4, updates 2 and deletes 3 (three transactions).
void Drift(const SandboxServers& s, const std::string& db) {
  s.Exec(1, "CREATE DATABASE " + db + "; CREATE TABLE " + db +
                ".t (id INT PRIMARY KEY, v INT); INSERT INTO " + db +
                ".t VALUES (1, 1), (2, 2), (3, 3)");
  ASSERT_EQ(CatchUp(s, {}).exit_code, 0);
  s.Exec(2, "SET sql_log_bin = 0; INSERT INTO " + db + ".t VALUES (4, 40); DELETE FROM " + db +
                ".t WHERE id IN (2, 3)");
  s.Exec(1, "INSERT INTO " + db + ".t VALUES (4, 4); UPDATE " + db +
                ".t SET v = 20 WHERE id = 2; DELETE FROM " + db + ".t WHERE id = 3");
}

TEST(ApplyRulesTest, CatchupHonoursOnMissingRowError) {
  SandboxServers s(2);
  Drift(s, "ce");
  const std::string checkpoint = Checkpoint(s);
  SubprocessResult r = CatchUp(s, {"--mode", "catchup", "--on-missing-row", "error"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ce.t (id=4): duplicate key on insert (like native error 1062)"))
      << r.err;
  EXPECT_EQ(s.Value(2, "SELECT v FROM ce.t WHERE id = 4"), "40");  // not overwritten
  EXPECT_EQ(Checkpoint(s), checkpoint);
  // The DBA removes the row by hand: the missing update is next, named with its key.
  s.Exec(2, "SET sql_log_bin = 0; DELETE FROM ce.t WHERE id = 4");
  r = CatchUp(s, {"--mode", "catchup", "--on-missing-row", "error"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ce.t (id=2): row to update not found on the target (like native "
                              "error 1032)"))
      << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM ce.t WHERE id = 2"), "0");  // not inserted
  // skip: the update and the delete of missing rows are passed, each logged and counted.
  r = CatchUp(s, {"--mode", "catchup", "--on-missing-row", "skip"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ce.t (id=2): row to update not found; skipped (--on-missing-row "
                              "skip) (transaction "))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "ce.t (id=3): row to delete not found; skipped")) << r.err;
  EXPECT_TRUE(Contains(r.out, "missing rows 2,")) << r.out;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM ce.t WHERE id = 2"), "0");
}

TEST(ApplyRulesTest, OverwriteLogsAndCountsEveryRowItChanges) {
  SandboxServers s(2);
  Drift(s, "ow");
  SubprocessResult r = CatchUp(s, {"--on-missing-row", "overwrite"});  // live, BINLOG replay
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ow.t (id=4): insert found a different row with this key on the "
                              "target; overwritten with the source's row (--on-missing-row "
                              "overwrite) (transaction 1-1-"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "ow.t (id=2): row to update not found; inserted the after image"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "ow.t (id=3): row to delete not found; nothing to do")) << r.err;
  EXPECT_TRUE(Contains(r.out, "missing rows 2,")) << r.out;
  EXPECT_TRUE(Contains(r.out, "overwrote 1 rows the target had with a different value")) << r.out;
  EXPECT_EQ(s.Value(2, "SELECT GROUP_CONCAT(id, ':', v ORDER BY id) FROM ow.t"), "1:1,2:20,4:4");

  // Catchup's default is overwrite; its compacted DELETE counts the rows it did not find.
  s.Exec(2, "SET sql_log_bin = 0; DELETE FROM ow.t WHERE id = 1");
  s.Exec(1, "DELETE FROM ow.t WHERE id = 1");
  r = CatchUp(s, {"--mode", "catchup"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ow.t: 1 of 1 rows to delete not found on the target")) << r.err;
  EXPECT_TRUE(Contains(r.out, "missing rows 1,")) << r.out;
}

}  // namespace
}  // namespace binsync
