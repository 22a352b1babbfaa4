// binsync resync against native master-master pairs of real MariaDB servers, one per
// failure mode: error 1062 with writes on both sides, error 1032, split-brain updates of the
// same rows under each conflict policy, a purged binlog, and --dry-run. Each ends (except
// where the policy says otherwise) with CHECKSUM TABLE equal, native replication running
// both ways, and later writes replicating.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/gtid/mariadb_gtid.h"
#include "gtest/gtest.h"
#include "net/native_replication.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

using testing::RunBinsync;
using testing::SandboxServers;


std::string Checksum(const SandboxServers& s, int i) {
  return s.Value(i, "SELECT CONCAT((SELECT COUNT(*) FROM rs.t), '/', "
                     "(SELECT SUM(CRC32(CONCAT_WS('|', id, v, n))) FROM rs.t))") +
         " " + [&] {
           Connection c = s.Connect(i);
           auto r = c.Query("CHECKSUM TABLE rs.t");
           return r.ok() ? r->rows()[0][1].value_or("") : std::string("?");
         }();
}

// Native master-master (MASTER_USE_GTID=slave_pos both ways), a table with 1000 rows.
void MasterMaster(const SandboxServers& s) {
  for (int i = 1; i <= 2; ++i) {
    Connection replica = s.Connect(i);
    ServerUri source = s.ReplUri(3 - i);
    ASSERT_TRUE(StartNativeReplication(replica, source).ok());
    ASSERT_TRUE(WaitReplicationRunning(replica, std::chrono::seconds(30)).ok());
  }
  s.Exec(1, "CREATE DATABASE rs; USE rs; CREATE TABLE rs.t (id INT PRIMARY KEY AUTO_INCREMENT, "
             "v VARCHAR(40), n INT); INSERT INTO rs.t (v, n) SELECT CONCAT('v', seq), seq FROM "
             "seq_1_to_1000");
  Connection b = s.Connect(2);
  ASSERT_TRUE(WaitForGtid(b, s.Value(1, "SELECT @@gtid_binlog_pos"), std::chrono::seconds(60)).ok());
}

std::string SqlState(const SandboxServers& s, int i) {
  Connection c = s.Connect(i);
  auto r = c.Query("SHOW SLAVE STATUS");
  if (!r.ok() || r->empty()) return "none";
  return r->Get(0, "Slave_IO_Running").value_or("?") + "/" +
         r->Get(0, "Slave_SQL_Running").value_or("?") + "/" +
         r->Get(0, "Last_SQL_Errno").value_or("?");
}

void WaitSqlStopped(const SandboxServers& s, int i, const std::string& errno_text) {
  for (int k = 0; k < 200; ++k) {
    if (SqlState(s, i).ends_with("/No/" + errno_text)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "SQL thread of node" << i << " did not stop on " << errno_text << ": " << SqlState(s, i);
}

// Both replicate, and a write on each side arrives on the other.
void ExpectHandedBackAndReplicating(const SandboxServers& s) {
  EXPECT_EQ(SqlState(s, 1), "Yes/Yes/0");
  EXPECT_EQ(SqlState(s, 2), "Yes/Yes/0");
  s.Exec(1, "INSERT INTO rs.t (v, n) VALUES ('after-a', 1)");
  s.Exec(2, "INSERT INTO rs.t (v, n) VALUES ('after-b', 2)");
  for (int i = 1; i <= 2; ++i) {
    Connection c = s.Connect(i);
    ASSERT_TRUE(WaitForGtid(c, s.Value(3 - i, "SELECT @@gtid_binlog_pos"), std::chrono::seconds(30)).ok());
  }
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM rs.t WHERE v IN ('after-a', 'after-b')"), "2");
}

SubprocessResult Resync(const SandboxServers& s, std::vector<std::string> extra) {
  std::vector<std::string> args = {"resync", "--from", s.Uri(1), "--to", s.Uri(2)};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunBinsync(args);
}

TEST(ResyncTest, Error1062WithWritesOnBothSidesFromWins) {
  SandboxServers s(2);
  MasterMaster(s);
  // node2 gets a row outside the binlog; node1 inserts the same key: node2 stops on 1062.
  s.Exec(2, "SET sql_log_bin = 0; INSERT INTO rs.t VALUES (99999, 'node2 only', 0); SET sql_log_bin = 1");
  s.Exec(1, "INSERT INTO rs.t VALUES (99999, 'node1', 1)");
  WaitSqlStopped(s, 2, "1062");
  for (int i = 0; i < 40; ++i) {
    s.Exec(1, "UPDATE rs.t SET n = n + 1 WHERE id = " + std::to_string(1 + 2 * i));
    s.Exec(2, "INSERT INTO rs.t (v, n) VALUES ('node2 broken', " + std::to_string(i) + ")");
  }
  // node1 still replicates node2's writes natively: let it settle before taking positions.
  {
    auto pos = ParseMariaDbGtidPos(s.Value(2, "SELECT @@gtid_binlog_pos"));
    ASSERT_TRUE(pos.ok());
    Connection a = s.Connect(1);
    ASSERT_TRUE(WaitForGtid(a, FormatMariaDbGtidPos(WithoutOwn(*pos, 1, 1)),
                            std::chrono::seconds(30)).ok());
  }
  // --dry-run first: plans, changes nothing.
  const std::string pos1 = s.Value(1, "SELECT @@gtid_binlog_pos");
  const std::string pos2 = s.Value(2, "SELECT @@gtid_binlog_pos");
  const std::string sum2 = Checksum(s, 2);
  SubprocessResult r = Resync(s, {"--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("dry run: nothing was changed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("41 transactions"), std::string::npos) << r.out;  // 1062 insert + 40 updates
  EXPECT_EQ(pos1, s.Value(1, "SELECT @@gtid_binlog_pos"));
  EXPECT_EQ(pos2, s.Value(2, "SELECT @@gtid_binlog_pos"));
  EXPECT_EQ(sum2, Checksum(s, 2));
  EXPECT_TRUE(SqlState(s, 2).ends_with("/No/1062")) << SqlState(s, 2);

  r = Resync(s, {"--conflicts", "from-wins"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rs.t (id=99999): insert met a different row"), std::string::npos) << r.out;
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));
  EXPECT_EQ(s.Value(2, "SELECT v FROM rs.t WHERE id = 99999"), "node1");
  EXPECT_EQ(s.Value(1, "SELECT COUNT(*) FROM rs.t WHERE v = 'node2 broken'"), "40");
  ExpectHandedBackAndReplicating(s);
}

TEST(ResyncTest, Error1032RowMissingOnTheDivergedSide) {
  SandboxServers s(2);
  MasterMaster(s);
  s.Exec(2, "SET sql_log_bin = 0; DELETE FROM rs.t WHERE id = 5; SET sql_log_bin = 1");
  s.Exec(1, "UPDATE rs.t SET v = 'changed on node1' WHERE id = 5");
  WaitSqlStopped(s, 2, "1032");
  s.Exec(1, "UPDATE rs.t SET n = -1 WHERE id BETWEEN 10 AND 20");
  SubprocessResult r = Resync(s, {"--conflicts", "from-wins"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rs.t (id=5): update found no row"), std::string::npos) << r.out;
  EXPECT_EQ(s.Value(2, "SELECT v FROM rs.t WHERE id = 5"), "changed on node1");
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));
  ExpectHandedBackAndReplicating(s);
}

TEST(ResyncTest, SplitBrainConflictsUnderEachPolicy) {
  SandboxServers s(2);
  MasterMaster(s);
  // Split brain: replication stopped both ways, both take writes, some on the same rows.
  s.Exec(1, "STOP SLAVE");
  s.Exec(2, "STOP SLAVE");
  s.Exec(1, "UPDATE rs.t SET v = 'a1' WHERE id = 1; INSERT INTO rs.t VALUES (5001, 'a', 1)");
  s.Exec(2, "UPDATE rs.t SET v = 'b1' WHERE id = 1; INSERT INTO rs.t VALUES (5002, 'b', 2)");

  // report: conflicts listed and left alone, the rest applied, exit 1.
  SubprocessResult r = Resync(s, {"--conflicts", "report"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("rows changed on both sides: 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rs.t (id=1): update found a different row"), std::string::npos) << r.out;
  EXPECT_EQ(s.Value(1, "SELECT v FROM rs.t WHERE id = 1"), "a1");
  EXPECT_EQ(s.Value(2, "SELECT v FROM rs.t WHERE id = 1"), "b1");
  EXPECT_EQ(s.Value(1, "SELECT COUNT(*) FROM rs.t WHERE id IN (5001, 5002)"), "2");
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM rs.t WHERE id IN (5001, 5002)"), "2");
  EXPECT_EQ(SqlState(s, 2), "Yes/Yes/0");

  // from-wins with --full-verify settles what report left: node2 takes node1's row.
  r = Resync(s, {"--conflicts", "from-wins", "--full-verify"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.Value(2, "SELECT v FROM rs.t WHERE id = 1"), "a1");
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));

  // newest-wins: the later change of each row wins, whichever side made it.
  s.Exec(1, "STOP SLAVE");
  s.Exec(2, "STOP SLAVE");
  // (ids are odd: node1 loaded them with auto_increment_offset 1, increment 2)
  s.Exec(1, "UPDATE rs.t SET v = 'a2' WHERE id = 7");
  s.Exec(2, "UPDATE rs.t SET v = 'b3' WHERE id = 9");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // commit times are seconds
  s.Exec(2, "UPDATE rs.t SET v = 'b2' WHERE id = 7");
  s.Exec(1, "UPDATE rs.t SET v = 'a3' WHERE id = 9");
  r = Resync(s, {"--conflicts", "newest-wins"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.Value(1, "SELECT v FROM rs.t WHERE id = 7"), "b2");
  EXPECT_EQ(s.Value(2, "SELECT v FROM rs.t WHERE id = 7"), "b2");
  EXPECT_EQ(s.Value(1, "SELECT v FROM rs.t WHERE id = 9"), "a3");
  EXPECT_EQ(s.Value(2, "SELECT v FROM rs.t WHERE id = 9"), "a3");
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));
  ExpectHandedBackAndReplicating(s);
}

TEST(ResyncTest, NodeDownWhileTheOtherTookWrites) {
  SandboxServers s(2);
  MasterMaster(s);
  // node2's last writes never reached node1 (node1's replication was stopped: the link
  // went first), then node2 went down while node1, now holding the VIP, took writes.
  s.Exec(1, "STOP SLAVE");
  s.Exec(2, "INSERT INTO rs.t (v, n) SELECT CONCAT('node2 before down ', seq), seq FROM rs.seq_1_to_20");
  s.Stop(2);
  s.Exec(1, "UPDATE rs.t SET n = n * 2 WHERE id < 200; DELETE FROM rs.t WHERE id BETWEEN 300 AND 320;"
             "INSERT INTO rs.t (v, n) SELECT CONCAT('node1 alone ', seq), seq FROM rs.seq_1_to_30");
  s.StartStopped();
  SubprocessResult r = Resync(s, {"--conflicts", "from-wins"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("conflicts: 0"), std::string::npos) << r.out;
  EXPECT_EQ(s.Value(1, "SELECT COUNT(*) FROM rs.t WHERE v LIKE 'node2 before down%'"), "20");
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM rs.t WHERE v LIKE 'node1 alone%'"), "30");
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));
  ExpectHandedBackAndReplicating(s);
}

TEST(ResyncTest, PurgedBinlogFallsBackToVerifyAndRepair) {
  SandboxServers s(2);
  MasterMaster(s);
  s.Exec(2, "STOP SLAVE");
  s.Exec(1, "UPDATE rs.t SET n = 0 WHERE id < 100; DELETE FROM rs.t WHERE id BETWEEN 200 AND 210");
  s.Exec(1, "FLUSH BINARY LOGS");
  // The server keeps a binlog a dump thread still reads: retry until it is gone.
  bool purged = false;
  for (int i = 0; i < 100 && !purged; ++i) {
    s.Exec(1, "PURGE BINARY LOGS TO 'mariadb-bin.000002'");
    Connection c = s.Connect(1);
    auto logs = c.Query("SHOW BINARY LOGS");
    purged = logs.ok() && !logs->empty() && logs->rows()[0][0] == "mariadb-bin.000002";
    if (!purged) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(purged);
  s.Exec(1, "UPDATE rs.t SET v = 'after purge' WHERE id = 500");
  SubprocessResult r = Resync(s, {"--conflicts", "from-wins"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("purged"), std::string::npos) << r.out;
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));
  ExpectHandedBackAndReplicating(s);
}

}  // namespace
}  // namespace binsync
