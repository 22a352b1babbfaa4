// What the applier promises a DBA about rows that are not as the source expects, triggers
// and its error messages, against real MariaDB servers: --on-missing-row holds in live and
// catchup mode and every overwritten, inserted or passed row is logged with its key and
// counted; which apply paths fire the target's triggers (--run-triggers); messages name
// the table, key, transaction and position, and what to do.
#include <signal.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

using testing::Background;
using testing::RunBinsync;
using testing::CatchUp;
using testing::Contains;
using testing::SandboxServers;

// host:port of server `i`, as binsync names it in messages.
std::string Endpoint(const SandboxServers& s, int i) {
  const std::string uri = s.Uri(i);
  return uri.substr(uri.find('@') + 1);
}

bool WaitFor(const std::function<bool()>& done, int tenths = 200) {
  for (int i = 0; i < tenths; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
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

// Issue 19 item 7: a table dropped while the stream ran said "cannot prepare INSERT ..."
// with no transaction, position or advice; now the restart's message, with both.
TEST(ApplyRulesTest, ATableDroppedMidStreamIsNamedAsOnRestart) {
  SandboxServers s(2);
  for (int i : {1, 2}) {
    s.Exec(i, "SET sql_log_bin = 0; CREATE DATABASE dm; CREATE TABLE dm.t (id INT PRIMARY KEY)");
  }
  s.Exec(1, "INSERT INTO dm.t VALUES (1)");
  const std::string log = (s.dir() / "dm.log").string();
  Background run({"replicate", "--source", s.Uri(1), "--target", s.Uri(2)}, log);
  ASSERT_TRUE(WaitFor([&] { return s.Value(2, "SELECT COUNT(*) FROM dm.t") == "1"; })) << run.Log();
  s.Exec(2, "SET sql_log_bin = 0; DROP TABLE dm.t");
  s.Exec(1, "INSERT INTO dm.t VALUES (2)");
  const std::string gtid = s.Value(1, "SELECT @@gtid_binlog_pos");
  const std::string want = "dm.t: table not found on the target " + Endpoint(s, 2) +
                           "; create it there (same columns as on the source), then restart "
                           "(transaction " + gtid + " at mariadb-bin.000001:";
  // Said at once, or at the stop (an error waiting for the next source transaction).
  (void)WaitFor([&] { return Contains(run.Log(), want); }, 50);
  EXPECT_NE(run.Stop(SIGTERM), 0) << run.Log();
  EXPECT_TRUE(Contains(run.Log(), want)) << run.Log();
  SubprocessResult r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Contains(r.err, want)) << r.err;
}

// A read-only target: the statement refused and what to do, not just "query failed".
TEST(ApplyRulesTest, AReadOnlyTargetIsNamedWithTheStatementAndTheFix) {
  SandboxServers s(2);
  for (int i : {1, 2}) {
    s.Exec(i, "SET sql_log_bin = 0; CREATE USER app@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT "
              "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, PROCESS, RELOAD, "
              "REPLICATION SLAVE, BINLOG MONITOR, SUPER, REPLICATION SLAVE ADMIN, BINLOG REPLAY "
              "ON *.* TO app@'127.0.0.1'");
  }
  s.Exec(1, "CREATE DATABASE ro; CREATE TABLE ro.t (id INT PRIMARY KEY); INSERT INTO ro.t VALUES (1)");
  auto app = [&](int i) {
    std::string uri = s.Uri(i);
    return "mysql://app@" + uri.substr(uri.find('@') + 1);
  };
  const std::vector<std::string> args = {"replicate", "--source", app(1), "--target", app(2),
                                         "--until-caught-up"};
  ASSERT_EQ(RunBinsync(args, {"MYSQL_PWD=pw"}).exit_code, 0);
  s.Exec(2, "SET GLOBAL read_only = ON");
  s.Exec(1, "INSERT INTO ro.t VALUES (2)");
  SubprocessResult r = RunBinsync(args, {"MYSQL_PWD=pw"});
  s.Exec(2, "SET GLOBAL read_only = OFF");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Contains(r.err, Endpoint(s, 2) + ": query failed (")) << r.err;
  EXPECT_TRUE(Contains(r.err, "(error 1290); the server is read-only: SET GLOBAL read_only = OFF "
                              "on it"))
      << r.err;
}

// A trigger's SIGNAL under a compacted catchup upsert named no row; now its key.
TEST(ApplyRulesTest, ACatchupTriggerErrorNamesTheKey) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE ct; CREATE TABLE ct.t (id INT PRIMARY KEY, v INT)");
  ASSERT_EQ(CatchUp(s, {}).exit_code, 0);
  s.Exec(2, "SET sql_log_bin = 0; CREATE TRIGGER ct.no13 BEFORE INSERT ON ct.t FOR EACH ROW "
            "IF NEW.v = 13 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no 13 here'; END IF");
  s.Exec(1, "USE ct; INSERT INTO ct.t SELECT seq, seq FROM seq_1_to_20");
  SubprocessResult r = CatchUp(s, {"--mode", "catchup"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ct.t (id=13): catchup upsert failed (transaction ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "no 13 here")) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM ct.t"), "0");
}

// The refusal of a statement-based transaction and --skip's log cite one position.
TEST(ApplyRulesTest, StatementDmlRefusalAndSkipCiteTheSamePosition) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE sp; CREATE TABLE sp.t (id INT AUTO_INCREMENT PRIMARY KEY, r INT)");
  ASSERT_EQ(CatchUp(s, {}).exit_code, 0);
  s.Exec(1, "SET SESSION binlog_format = 'STATEMENT'; INSERT INTO sp.t (r) VALUES (1); "
            "SET SESSION binlog_format = 'ROW'");
  const std::string gtid = s.Value(1, "SELECT @@gtid_binlog_pos");
  SubprocessResult r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  const size_t at = r.err.find(gtid + " at mariadb-bin.000001:");
  ASSERT_NE(at, std::string::npos) << r.err;
  size_t end = at + gtid.size() + std::string(" at mariadb-bin.000001:").size();
  while (end < r.err.size() && std::isdigit(static_cast<unsigned char>(r.err[end]))) ++end;
  const std::string cited = r.err.substr(at, end - at);
  r = CatchUp(s, {"--skip", gtid});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, cited + " passed without applying it")) << cited << "\n" << r.err;
}

// Issue 19 item 6: BINLOG replay did not fire a target trigger, statements did, and
// nothing said so. Now a warning per table at start and --run-triggers to choose.
TEST(ApplyRulesTest, RunTriggersChoosesWhichPathsFireTheTargetsTriggers) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE tg; CREATE TABLE tg.t (id INT PRIMARY KEY, v INT);"
            "CREATE TABLE tg.log (n INT AUTO_INCREMENT PRIMARY KEY, id INT)");
  ASSERT_EQ(CatchUp(s, {}).exit_code, 0);
  s.Exec(2, "SET sql_log_bin = 0; CREATE TRIGGER tg.ins AFTER INSERT ON tg.t FOR EACH ROW "
            "INSERT INTO tg.log (id) VALUES (NEW.id)");
  const std::string fired = "SELECT IFNULL(GROUP_CONCAT(id ORDER BY n), '') FROM tg.log";
  // Default, live mode: replayed, not fired; said once at start.
  s.Exec(1, "INSERT INTO tg.t VALUES (1, 1)");
  SubprocessResult r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, Endpoint(s, 2) + ": tg.t has triggers on the target (ins): rows "
                              "applied as statements fire them"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "BINLOG replay does not")) << r.err;
  EXPECT_EQ(s.Value(2, fired), "");
  // yes: every path fires them, live mode too (not replayed).
  s.Exec(1, "INSERT INTO tg.t VALUES (2, 2)");
  r = CatchUp(s, {"--run-triggers", "yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.Value(2, fired), "2");
  // no: catchup would fire them, so it stops before the row, naming it.
  s.Exec(1, "INSERT INTO tg.t VALUES (3, 3)");
  const std::string checkpoint = Checkpoint(s);
  r = CatchUp(s, {"--mode", "catchup", "--run-triggers", "no"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Contains(r.err, "tg.t (id=3): the table has triggers on the target and this row "
                              "would be applied as a statement, which fires them "
                              "(--run-triggers no)"))
      << r.err;
  EXPECT_EQ(Checkpoint(s), checkpoint);
  // no, live mode: replayed, and the trigger does not fire.
  r = CatchUp(s, {"--run-triggers", "no"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM tg.t"), "3");
  EXPECT_EQ(s.Value(2, fired), "2");
}

}  // namespace
}  // namespace binsync
