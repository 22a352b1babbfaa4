// binsync resync against native master-master pairs of real MariaDB servers, one per
// failure mode: error 1062 with writes on both sides, error 1032, split-brain updates of the
// same rows under each conflict policy, a purged binlog, and --dry-run. Each ends (except
// where the policy says otherwise) with CHECKSUM TABLE equal, native replication running
// both ways, and later writes replicating. ResyncInterruptedTest kills resync (kill -9, via
// BINSYNC_FAULT) at each step and checks that a rerun ends as an uninterrupted run does.
#include <algorithm>
#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/gtid/mariadb_gtid.h"
#include "gtest/gtest.h"
#include "net/mysql/native_replication.h"
#include "nlohmann/json.hpp"
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

// --- Interrupted runs -------------------------------------------------------------------

// A pair broken as in the Trust issue (item 11): a real 1062 (id 99999, a row node2 got
// outside the binlog) and a real 1032 (id 7, deleted on node2 outside the binlog, then
// updated on node1) stop node2's SQL thread; node1's replication is stopped too (split
// brain), then both take single-row transactions: node1 ~610 (rows updated several times,
// deletes, inserts into rs.t and into the keyless rs.audit), node2 300 (inserts, repeated
// updates of rows node1 leaves alone). Catch-up takes several target transactions each way
// (200 source transactions each), so a kill in the middle leaves part of it committed.
void BuildBrokenPair(const SandboxServers& s) {
  MasterMaster(s);
  s.Exec(1, "CREATE TABLE rs.audit (note VARCHAR(40), n INT)");  // no key: a replay doubles rows
  {
    Connection b = s.Connect(2);
    ASSERT_TRUE(WaitForGtid(b, s.Value(1, "SELECT @@gtid_binlog_pos"), std::chrono::seconds(60)).ok());
  }
  s.Exec(2, "SET sql_log_bin = 0; INSERT INTO rs.t VALUES (99999, 'node2 only', 0); "
            "DELETE FROM rs.t WHERE id = 7; SET sql_log_bin = 1");
  s.Exec(1, "INSERT INTO rs.t VALUES (99999, 'node1', 1)");
  WaitSqlStopped(s, 2, "1062");
  s.Exec(1, "STOP SLAVE");
  std::string a = "UPDATE rs.t SET v = 'changed on node1' WHERE id = 7;";
  for (int i = 0; i < 600; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 3) {
      case 0: a += "UPDATE rs.t SET n = n + 1 WHERE id = " + std::to_string(1 + 2 * (i % 50)) + ";"; break;
      case 1: a += "INSERT INTO rs.audit VALUES ('node1', " + n + ");"; break;
      default: a += "INSERT INTO rs.t (v, n) VALUES ('node1 split', " + n + ");"; break;
    }
    if (i % 60 == 0) a += "DELETE FROM rs.t WHERE id = " + std::to_string(501 + i / 30) + ";";
  }
  s.Exec(1, a);
  std::string b;
  for (int i = 0; i < 300; ++i) {
    b += i % 2 == 0 ? "INSERT INTO rs.t (v, n) VALUES ('node2 split', " + std::to_string(i) + ");"
                    : "UPDATE rs.t SET n = n + 1 WHERE id = " + std::to_string(1001 + 2 * (i % 40)) + ";";
  }
  s.Exec(2, b);
}

// What a resync run ended with, in terms comparable across pairs (no ports, no GTIDs).
struct Outcome {
  int exit_code = -1;
  std::vector<std::string> conflicts;  // "from->to rs.t (id=7): kind: resolution", sorted
  bool identical_before_repair = false;
  bool identical = false;
  uint64_t repaired_rows = 0;
  std::string resumed_from;  // the step a resumed run continued from; "" when fresh
};

Outcome ParseOutcome(const SubprocessResult& r) {
  Outcome o;
  o.exit_code = r.exit_code;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    ADD_FAILURE() << "not a JSON report: " << r.out << r.err;
    return o;
  }
  const std::string from = j.value("from", "");
  for (const auto& c : j["conflicts"]) {
    const std::string dir = c.value("direction", "").starts_with(from + " ") ? "from->to" : "to->from";
    o.conflicts.push_back(dir + " " + c.value("table", "") + " " + c.value("key", "") + ": " +
                          c.value("kind", "") + ": " + c.value("resolution", ""));
  }
  std::sort(o.conflicts.begin(), o.conflicts.end());
  o.identical_before_repair = j["verify"].value("identical_before_repair", false);
  o.identical = j["verify"].value("identical", false);
  o.repaired_rows = j["verify"].value("repaired_rows", uint64_t{0});
  if (j.contains("resumed") && j["resumed"].is_object()) o.resumed_from = j["resumed"].value("from_step", "");
  return o;
}

struct FaultCase {
  const char* name;        // the test's name
  const char* fault;       // BINSYNC_FAULT value
  const char* resumed_at;  // the step the rerun must say it resumed from
  int exit_code = 128 + 9; // how the interrupted run ends (kill -9, or 2 after a SIGTERM)
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.fault; }

class ResyncInterruptedTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  // The same broken pair resynced without interruption: what every rerun must match.
  static void SetUpTestSuite() {
    SandboxServers s(2);
    BuildBrokenPair(s);
    const auto t0 = std::chrono::steady_clock::now();
    SubprocessResult r = Resync(s, {"--conflicts", "from-wins", "--format", "json"});
    baseline_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    baseline_ = std::make_unique<Outcome>(ParseOutcome(r));
    ASSERT_EQ(baseline_->exit_code, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() { baseline_.reset(); }
  static std::unique_ptr<Outcome> baseline_;
  static double baseline_seconds_;
};
std::unique_ptr<Outcome> ResyncInterruptedTest::baseline_;
double ResyncInterruptedTest::baseline_seconds_ = 0;

TEST_P(ResyncInterruptedTest, RerunEndsAsAnUninterruptedRun) {
  ASSERT_NE(baseline_, nullptr);
  // The uninterrupted run: the two real conflicts, nothing else, identical without repair.
  ASSERT_EQ(baseline_->conflicts,
            (std::vector<std::string>{
                "from->to rs.t (id=7): update found no row: --to's row overwritten with --from's change",
                "from->to rs.t (id=99999): insert met a different row: --to's row overwritten with --from's change"}));
  ASSERT_TRUE(baseline_->identical_before_repair);
  ASSERT_TRUE(baseline_->resumed_from.empty());

  SandboxServers s(2);
  BuildBrokenPair(s);
  const std::vector<std::string> args = {"resync", "--from", s.Uri(1), "--to", s.Uri(2),
                                         "--conflicts", "from-wins", "--format", "json"};
  SubprocessResult killed = RunBinsync(args, {std::string("BINSYNC_FAULT=") + GetParam().fault});
  ASSERT_EQ(killed.exit_code, GetParam().exit_code) << "not stopped at " << GetParam().fault
                                                    << ":\n" << killed.out << killed.err;
  if (GetParam().exit_code == 2) {
    // A SIGTERM mid catch-up: never recorded as caught up (the streams dropped their
    // queues), never handed back past what was applied.
    EXPECT_NE(killed.err.find("stopped by a signal while catching up"), std::string::npos)
        << killed.err;
  }
  // Not finished under another policy, nor planned afresh by a dry run.
  SubprocessResult other = Resync(s, {"--conflicts", "report"});
  EXPECT_EQ(other.exit_code, 2) << other.out << other.err;
  EXPECT_NE(other.err.find("rerun with --conflicts from-wins to finish it"), std::string::npos)
      << other.err;
  SubprocessResult dry = Resync(s, {"--conflicts", "from-wins", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("a run without --dry-run finishes it"), std::string::npos) << dry.out;

  SubprocessResult rerun = RunBinsync(args);
  const Outcome o = ParseOutcome(rerun);
  EXPECT_EQ(o.exit_code, baseline_->exit_code) << rerun.out << rerun.err;
  EXPECT_EQ(o.conflicts, baseline_->conflicts) << rerun.out;
  EXPECT_EQ(o.resumed_from, GetParam().resumed_at) << rerun.out;
  // Nothing applied twice: the keyless rs.audit would hold a replayed insert twice, which
  // verify would find (and repair); identical before any repair.
  EXPECT_TRUE(o.identical_before_repair) << rerun.out;
  EXPECT_EQ(o.repaired_rows, 0u) << rerun.out;
  EXPECT_TRUE(o.identical) << rerun.out;
  for (int i = 1; i <= 2; ++i) {
    EXPECT_EQ(s.Value(i, "SELECT COUNT(*) FROM rs.audit"), "200") << "node" << i;
    EXPECT_EQ(s.Value(i, "SELECT COUNT(*) FROM rs.t WHERE v = 'node1 split'"), "200") << "node" << i;
    EXPECT_EQ(s.Value(i, "SELECT COUNT(*) FROM rs.t WHERE v = 'node2 split'"), "150") << "node" << i;
    EXPECT_EQ(s.Value(i, "SELECT v FROM rs.t WHERE id = 99999"), "node1") << "node" << i;
  }
  EXPECT_EQ(Checksum(s, 1), Checksum(s, 2));
  ExpectHandedBackAndReplicating(s);
  // A run that finished leaves nothing to resume: the next one starts afresh.
  const Outcome again = ParseOutcome(RunBinsync(args));
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_TRUE(again.resumed_from.empty());
  EXPECT_TRUE(again.conflicts.empty());
  RecordProperty("baseline_seconds", std::to_string(baseline_seconds_));
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, ResyncInterruptedTest,
    ::testing::Values(FaultCase{"AfterStopNative", "resync.after_stop_native", "inspected"},
                      FaultCase{"AfterPlan", "resync.after_plan", "planned"},
                      FaultCase{"InCatchup", "resync.catchup:3", "catching up"},
                      FaultCase{"SigtermInCatchup", "resync.catchup_term:2", "catching up", 2},
                      FaultCase{"BeforeHandback", "resync.before_handback", "caught up"},
                      FaultCase{"BetweenHandbacks", "resync.handback", "handing back"},
                      FaultCase{"AfterHandback", "resync.after_handback", "handed back"}),
    [](const ::testing::TestParamInfo<FaultCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace binsync
