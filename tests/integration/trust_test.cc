// What binsync must never do silently, against real MariaDB servers: change a value
// (narrower target columns, columns in another order), apply one stream twice, pass
// events it does not apply. Every write path: replicate live (BINLOG replay and
// statements) and catchup; resync applies through the same applier.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "net/mysql/native_replication.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

using testing::Background;
using testing::RunBinsync;
using testing::CatchUp;
using testing::Contains;
using testing::SandboxServers;

// The three ways replicate writes rows.
const std::vector<std::vector<std::string>> kModes = {
    {"--mode", "live"}, {"--mode", "live", "--apply-with", "statements"}, {"--mode", "catchup"}};

// Creates `ddl` on both servers without binlogging it (each side gets its own version).
void CreateUnlogged(const SandboxServers& s, int server, const std::string& ddl) {
  s.Exec(server, "SET sql_log_bin = 0; " + ddl + "; SET sql_log_bin = 1");
}

TEST(TrustTest, NarrowerTargetColumnsAreRefusedByTypeInEveryModeAndWideningWorks) {
  SandboxServers s(2);
  for (int i : {1, 2}) CreateUnlogged(s, i, "CREATE DATABASE nt");
  CreateUnlogged(s, 1, "CREATE TABLE nt.t (id INT PRIMARY KEY, n INT, s VARCHAR(20), "
                       "d DATETIME(3), e ENUM('a','b'))");
  CreateUnlogged(s, 2, "CREATE TABLE nt.t (id INT PRIMARY KEY, n TINYINT, s VARCHAR(3), "
                       "d DATETIME(3), e ENUM('a','b'))");
  const std::string start = s.Value(1, "SELECT @@gtid_binlog_pos");
  // Small values: a check by the values seen so far would let them through.
  s.Exec(1, "INSERT INTO nt.t VALUES (1, 5, 'ab', '2024-01-01 00:00:00.123', 'b')");
  for (const auto& mode : kModes) {
    std::vector<std::string> args = mode;
    args.insert(args.end(), {"--start", start});
    SubprocessResult r = CatchUp(s, args);
    EXPECT_EQ(r.exit_code, 2) << mode[1] << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, "nt.t.n: the source's INT(11) does not fit the target's "
                                "TINYINT(4)"))
        << r.err;
    EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM nt.t"), "0");
  }
  // The string column too, once the integer is wide enough.
  CreateUnlogged(s, 2, "ALTER TABLE nt.t MODIFY n INT");
  SubprocessResult r = CatchUp(s, {"--start", start});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "nt.t.s: the source's VARCHAR(20) does not fit the target's "
                              "VARCHAR(3)"))
      << r.err;
  // Fewer fraction digits and different ENUM labels are narrowings as well.
  CreateUnlogged(s, 2, "ALTER TABLE nt.t MODIFY s VARCHAR(20), MODIFY d DATETIME(0)");
  r = CatchUp(s, {"--start", start});
  EXPECT_TRUE(Contains(r.err, "nt.t.d: the source's DATETIME(3) does not fit")) << r.err;
  CreateUnlogged(s, 2, "ALTER TABLE nt.t MODIFY d DATETIME(3), MODIFY e ENUM('b','a')");
  r = CatchUp(s, {"--start", start});
  EXPECT_TRUE(Contains(r.err, "nt.t.e: the source's ENUM('A','B') does not fit")) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM nt.t"), "0");

  // Lossless widenings are applied, in every mode, with every value intact.
  CreateUnlogged(s, 2, "ALTER TABLE nt.t MODIFY n BIGINT, MODIFY s VARCHAR(40), "
                       "MODIFY d DATETIME(6), MODIFY e ENUM('a','b','c')");
  int id = 1;
  for (const auto& mode : kModes) {
    std::vector<std::string> args = mode;
    if (id == 1) args.insert(args.end(), {"--start", start});
    r = CatchUp(s, args);
    ASSERT_EQ(r.exit_code, 0) << mode[1] << r.out << r.err;
    EXPECT_EQ(s.Value(2, "SELECT CONCAT_WS('|', n, s, d, e) FROM nt.t WHERE id = " +
                             std::to_string(id)),
              s.Value(1, "SELECT CONCAT_WS('|', n, s, CAST(d AS DATETIME(6)), e) FROM nt.t "
                         "WHERE id = " + std::to_string(id)));
    ++id;
    s.Exec(1, "INSERT INTO nt.t VALUES (" + std::to_string(id) +
                  ", 2147483647, REPEAT('x', 20), '2024-02-29 12:00:00.999', 'a');"
                  "UPDATE nt.t SET n = -2147483648 WHERE id = 1");
  }
  r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT GROUP_CONCAT(n, s ORDER BY id) FROM nt.t"),
            s.Value(1, "SELECT GROUP_CONCAT(n, s ORDER BY id) FROM nt.t"));
}

TEST(TrustTest, ColumnOrderIsMappedByNameOrRefused) {
  SandboxServers s(2);
  for (int i : {1, 2}) CreateUnlogged(s, i, "CREATE DATABASE co");
  CreateUnlogged(s, 1, "CREATE TABLE co.t (id INT PRIMARY KEY, a INT, b INT)");
  CreateUnlogged(s, 2, "CREATE TABLE co.t (id INT PRIMARY KEY, B INT, a INT)");
  // binlog_row_metadata=FULL (the sandbox's): names in the binlog, mapped by name.
  int id = 0;
  for (const auto& mode : kModes) {
    ++id;
    const std::string k = std::to_string(id);
    s.Exec(1, "INSERT INTO co.t VALUES (" + k + ", 10, 20); INSERT INTO co.t VALUES (" + k +
                  "00, 1, 2); UPDATE co.t SET a = a + 1 WHERE id = " + k +
                  "; DELETE FROM co.t WHERE id = " + k + "00");
    SubprocessResult r = CatchUp(s, mode);
    ASSERT_EQ(r.exit_code, 0) << mode[1] << r.out << r.err;
    EXPECT_EQ(s.Value(2, "SELECT CONCAT(a, ',', b) FROM co.t WHERE id = " + k), "11,20")
        << mode[1];
    EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM co.t WHERE id = " + k + "00"), "0");
  }
  // Without names in the binlog the order cannot be trusted: refused, naming the table.
  s.Exec(1, "SET GLOBAL binlog_row_metadata = NO_LOG");
  s.Exec(1, "INSERT INTO co.t VALUES (9, 90, 91)");
  for (const auto& mode : kModes) {
    SubprocessResult r = CatchUp(s, mode);
    EXPECT_EQ(r.exit_code, 2) << mode[1] << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, "co.t: column 2 is `a` on the source but `B` on the target"))
        << r.err;
  }
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM co.t WHERE id = 9"), "0");
  // Same order: applied; an INT UNSIGNED source decodes unsigned (its schema says so)
  // and is refused for a signed INT target.
  CreateUnlogged(s, 2, "ALTER TABLE co.t MODIFY a INT AFTER id");
  SubprocessResult r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT CONCAT(a, ',', B) FROM co.t WHERE id = 9"), "90,91");
  CreateUnlogged(s, 1, "CREATE TABLE co.u (id INT PRIMARY KEY, n INT UNSIGNED)");
  CreateUnlogged(s, 2, "CREATE TABLE co.u (id INT PRIMARY KEY, n INT)");
  s.Exec(1, "INSERT INTO co.u VALUES (1, 4000000000)");
  r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "co.u.n: the source's INT(10) UNSIGNED does not fit the "
                              "target's INT(11)"))
      << r.err;
  CreateUnlogged(s, 2, "ALTER TABLE co.u MODIFY n BIGINT");
  r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT n FROM co.u WHERE id = 1"), "4000000000");
  s.Exec(1, "SET GLOBAL binlog_row_metadata = FULL");
}

// Waits until `sql` on server `i` returns `want` (or 30 s pass).
bool WaitValue(const SandboxServers& s, int i, const std::string& sql, const std::string& want) {
  Connection c = s.Connect(i);
  for (int n = 0; n < 300; ++n) {
    absl::StatusOr<std::optional<std::string>> v = c.QueryValue(sql);  // errors: not yet
    if (v.ok() && v->value_or("NULL") == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(TrustTest, OneWriterPerStreamTheSecondRefusesNamingTheHolder) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE lw; CREATE TABLE lw.t (id INT PRIMARY KEY)");
  s.Exec(1, "INSERT INTO lw.t VALUES (1)");
  const std::string log = (s.dir() / "first.log").string();
  auto first = std::make_unique<Background>(
      std::vector<std::string>{"replicate", "--source", s.Uri(1), "--target", s.Uri(2)}, log);
  ASSERT_TRUE(WaitValue(s, 2, "SELECT COUNT(*) FROM lw.t", "1")) << first->Log();
  // A second process on the same stream: refused at start, naming the first.
  SubprocessResult r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "stream from_server_1 is already being applied by binsync pid " +
                                  std::to_string(first->pid)))
      << r.err;
  // bidirectional counts too (its B->A stream is free, its A->B one is not).
  r = RunBinsync({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--bidirectional",
                  "--until-caught-up"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  // The lease survives the target connection being killed under it: taken again within
  // the reader's next check (every second; the source's heartbeats wake it when idle).
  const std::string held_by =
      s.Value(2, "SELECT connection_id FROM binsync.lease WHERE stream = 'from_server_1'");
  s.Exec(2, "KILL CONNECTION " + held_by);
  ASSERT_TRUE(WaitValue(s, 2, "SELECT IS_USED_LOCK('binsync.stream.from_server_1') = "
                              "(SELECT connection_id FROM binsync.lease) AND connection_id <> " +
                              held_by + " FROM binsync.lease",
                        "1"))
      << first->Log();
  EXPECT_TRUE(Contains(first->Log(), "the lease of stream from_server_1 was lost")) << first->Log();
  s.Exec(1, "INSERT INTO lw.t VALUES (2)");
  ASSERT_TRUE(WaitValue(s, 2, "SELECT COUNT(*) FROM lw.t", "2")) << first->Log();
  r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  // kill -9: the server frees the lease with the connection; the next one takes over.
  first->Stop(SIGKILL);
  first.reset();
  s.Exec(1, "INSERT INTO lw.t VALUES (3)");
  r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM lw.t"), "3");
  // Released on a clean exit too: a third run starts at once.
  r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// GTIDs logged more than once in server `i`'s binlogs. SHOW BINLOG EVENTS reads every event:
// mariadb-binlog without --skip-gtid-strict-mode stops silently at the first GTID out of
// order, which is what a transaction applied twice leaves.
int GtidsLoggedTwice(const SandboxServers& s, int i) {
  Connection c = s.Connect(i);
  absl::StatusOr<ResultSet> logs = c.Query("SHOW BINARY LOGS");
  EXPECT_TRUE(logs.ok()) << logs.status();
  if (!logs.ok()) return -1;
  std::map<std::string, int> seen;
  for (size_t l = 0; l < logs->rows().size(); ++l) {
    const std::string name = logs->Get(l, "Log_name").value_or("");
    absl::StatusOr<ResultSet> events = c.Query("SHOW BINLOG EVENTS IN '" + name + "'");
    EXPECT_TRUE(events.ok()) << events.status();
    if (!events.ok()) return -1;
    for (size_t e = 0; e < events->rows().size(); ++e) {
      if (events->Get(e, "Event_type").value_or("") != "Gtid") continue;
      const std::string info = events->Get(e, "Info").value_or("");  // "BEGIN GTID 0-1-5"
      const size_t at = info.find("GTID ");
      if (at != std::string::npos) ++seen[info.substr(at + 5, info.find(' ', at + 5) - at - 5)];
    }
  }
  int twice = 0;
  for (const auto& [gtid, n] : seen) twice += n > 1;
  return twice;
}

// The lease is a fence, not a later notice (issue 19): a DBA kills the lease connection of a
// running replicate and a second one of the same stream starts at that moment, ten times
// under load. Each time one of them stops: the old holder, its transactions after the
// takeover rolled back (or refused when taking its lease back), or the newcomer, refused when
// the old holder was first. Nothing is applied twice. Without the fence the old holder kept
// committing until its next lease check (up to a second) while the newcomer applied the same
// transactions from the checkpoint.
TEST(TrustTest, ATakenOverLeaseFencesTheOldHolderNothingAppliedTwice) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE tk; CREATE TABLE tk.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
            "k BIGINT NOT NULL UNIQUE, v INT)");
  std::atomic<bool> stop_writing{false};
  std::thread writer([&] {  // a steady load on the source: ~300 autocommitted writes/s
    Connection c = s.Connect(1);
    for (int i = 1; !stop_writing.load(); ++i) {
      (void)c.Execute("INSERT INTO tk.t (k, v) VALUES (" + std::to_string(i) + ", 0)");
      if (i % 3 == 0) (void)c.Execute("UPDATE tk.t SET v = v + 1 WHERE k = " + std::to_string(i - 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const std::vector<std::string> args = {"replicate", "--source", s.Uri(1),   "--target",
                                         s.Uri(2),    "--workers", "4"};
  auto start = [&](int round) {
    return std::make_unique<Background>(
        args, (s.dir() / ("takeover" + std::to_string(round) + ".log")).string());
  };
  const std::string recorded = "SELECT connection_id FROM binsync.lease WHERE stream = 'from_server_1'";
  const std::string holds = "SELECT IS_USED_LOCK('binsync.stream.from_server_1') = (" + recorded + ")";
  std::unique_ptr<Background> holder = start(0);
  ASSERT_TRUE(WaitValue(s, 2, holds, "1")) << holder->Log();
  int takeovers = 0, fenced = 0;
  for (int round = 1; takeovers < 10 && round <= 20; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the holder applies
    s.Exec(2, "KILL CONNECTION " + s.Value(2, recorded));
    std::unique_ptr<Background> newcomer = start(round);
    std::optional<int> old_exit, new_exit;
    for (int n = 0; n < 2000 && !old_exit && !new_exit; ++n) {
      old_exit = holder->Exited();
      if (!old_exit) new_exit = newcomer->Exited();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(old_exit || new_exit) << "round " << round << "\n" << holder->Log() << newcomer->Log();
    if (old_exit) {
      const std::string log = holder->Log();
      EXPECT_EQ(*old_exit, 2) << log;
      const bool by_fence = Contains(log, "was taken over by binsync pid " +
                                              std::to_string(newcomer->pid)) ||
                            Contains(log, "from_server_1 is being taken over by another session");
      EXPECT_TRUE(by_fence || Contains(log, "is already being applied by")) << log;
      fenced += by_fence;
      ++takeovers;
      holder = std::move(newcomer);
    } else {
      EXPECT_EQ(*new_exit, 2) << newcomer->Log();
      EXPECT_TRUE(Contains(newcomer->Log(), "is already being applied by")) << newcomer->Log();
    }
    ASSERT_TRUE(WaitValue(s, 2, holds, "1")) << holder->Log();
  }
  stop_writing = true;
  writer.join();
  EXPECT_EQ(takeovers, 10);
  EXPECT_GT(fenced, 0);  // most old holders learn it from the fence, not their lease check
  EXPECT_EQ(holder->Stop(SIGTERM), 0) << holder->Log();
  SubprocessResult r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(GtidsLoggedTwice(s, 2), 0);
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM tk.t"), s.Value(1, "SELECT COUNT(*) FROM tk.t"));
  EXPECT_EQ(s.Value(2, "CHECKSUM TABLE tk.t"), s.Value(1, "CHECKSUM TABLE tk.t"));
  std::cout << "takeovers " << takeovers << ", old holder stopped by its fence " << fenced
            << ", rows " << s.Value(1, "SELECT COUNT(*) FROM tk.t") << "\n";
}

// A binsync.lease table from a binsync before the fence (no epoch column) is migrated when the
// lease is next taken, unlogged like the rest of binsync's bookkeeping.
TEST(TrustTest, ALeaseTableWithoutAnEpochGetsItUnlogged) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE le; CREATE TABLE le.t (id INT PRIMARY KEY)");
  s.Exec(1, "INSERT INTO le.t VALUES (1)");
  CreateUnlogged(s, 2, "CREATE DATABASE binsync; CREATE TABLE binsync.lease ("
                       "stream VARCHAR(191) NOT NULL PRIMARY KEY, holder VARCHAR(512) NOT NULL, "
                       "connection_id BIGINT UNSIGNED NOT NULL, since TIMESTAMP(6) NOT NULL "
                       "DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB; INSERT INTO binsync.lease "
                       "(stream, holder, connection_id) VALUES ('from_server_1', 'old', 1)");
  const std::string before = s.Value(2, "SELECT @@gtid_binlog_pos");
  SubprocessResult r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.Value(2, "SELECT epoch FROM binsync.lease WHERE stream = 'from_server_1'"), "1");
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM le.t"), "1");
  // Only the replicated transaction reached the target's binlog: no ALTER, no lease row.
  EXPECT_EQ(s.Value(2, "SELECT @@gtid_binlog_pos"), s.Value(1, "SELECT @@gtid_binlog_pos"));
  EXPECT_NE(s.Value(2, "SELECT @@gtid_binlog_pos"), before);
  r = CatchUp(s, {});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.Value(2, "SELECT epoch FROM binsync.lease WHERE stream = 'from_server_1'"), "2");
  EXPECT_EQ(s.Value(2, "SELECT @@gtid_binlog_pos"), s.Value(1, "SELECT @@gtid_binlog_pos"));
}

TEST(TrustTest, OneResyncOfAPairAtATime) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE rz; CREATE TABLE rz.t (id INT PRIMARY KEY)");
  Connection holder = s.Connect(2);  // stands for a resync still running on this pair
  ASSERT_EQ(holder.QueryValue("SELECT GET_LOCK('binsync.stream.resync', 0)")->value_or(""), "1");
  const std::vector<std::string> resync = {"resync", "--from", s.Uri(1), "--to", s.Uri(2),
                                           "--handback", "none"};
  SubprocessResult r = RunBinsync(resync);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "stream resync is already being applied by a session of root@"))
      << r.err;
  // Nothing was changed: the dry run still works, and once free the resync runs.
  std::vector<std::string> dry = resync;
  dry.push_back("--dry-run");
  EXPECT_EQ(RunBinsync(dry).exit_code, 0);
  ASSERT_TRUE(holder.Execute("DO RELEASE_LOCK('binsync.stream.resync')").ok());
  r = RunBinsync(resync);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'rz'"), "1");
}

TEST(TrustTest, RefusesADirectionNativeReplicationAlreadyApplies) {
  SandboxServers s(2);
  Connection b = s.Connect(2);
  ASSERT_TRUE(StartNativeReplication(b, s.ReplUri(1)).ok());
  Connection b2 = s.Connect(2);
  ASSERT_TRUE(WaitReplicationRunning(b2, std::chrono::seconds(20)).ok());
  SubprocessResult r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "its own replication already applies server_id 1")) << r.err;
  s.Exec(2, "STOP SLAVE");
  r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(TrustTest, LostTargetConnectionAtTheCheckpointOrTheCommitIsRetried) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE lc; CREATE TABLE lc.t (id INT PRIMARY KEY, v INT)");
  int id = 0;
  for (const std::string fault : {"apply.before_checkpoint:5", "apply.before_commit:7"}) {
    for (int i = 0; i < 30; ++i) {
      ++id;
      s.Exec(1, "INSERT INTO lc.t VALUES (" + std::to_string(id) + ", " + std::to_string(i) + ")");
    }
    SubprocessResult r = RunBinsync({"replicate", "--source", s.Uri(1), "--target", s.Uri(2),
                                     "--until-caught-up", "--workers", "2"},
                                    {"BINSYNC_FAULT=" + fault});
    ASSERT_EQ(r.exit_code, 0) << fault << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, "fault injection")) << r.err;
    EXPECT_TRUE(Contains(r.out + r.err, "reconnects 1")) << r.out << r.err;
    EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM lc.t"), std::to_string(id));
    // Live mode keeps GTIDs: each applied exactly once, in order.
    EXPECT_EQ(s.Value(2, "SELECT @@gtid_binlog_pos"), s.Value(1, "SELECT @@gtid_binlog_pos"));
  }
}

TEST(TrustTest, StatementBasedDmlIsRefusedByNameAndSkippedOnlyOnRequest) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE sd; CREATE TABLE sd.t (id INT AUTO_INCREMENT PRIMARY KEY, r DOUBLE)");
  s.Exec(1, "INSERT INTO sd.t (r) VALUES (1)");
  ASSERT_EQ(CatchUp(s, {}).exit_code, 0);
  // One write logged as a statement (its session's binlog_format), with context events.
  s.Exec(1, "SET SESSION binlog_format = 'STATEMENT'; SET @x = 5;"
            "INSERT INTO sd.t (r) VALUES (RAND() + @x); SET SESSION binlog_format = 'ROW'");
  const std::string gtid = s.Value(1, "SELECT @@gtid_binlog_pos");  // 1-1-N: that write
  s.Exec(1, "INSERT INTO sd.t (r) VALUES (3)");
  const std::string checkpoint_before = s.Value(2, "SELECT MAX(seq) FROM binsync.checkpoint");
  for (const auto& mode : kModes) {
    SubprocessResult r = CatchUp(s, mode);
    EXPECT_EQ(r.exit_code, 2) << mode[1] << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, gtid + " at mariadb-bin.000001:")) << r.err;
    EXPECT_TRUE(Contains(r.err, ": statement-based DML on sd.t (INSERT INTO sd.t")) << r.err;
    EXPECT_TRUE(Contains(r.err, "--skip " + gtid)) << r.err;
    EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM sd.t"), "1");
    EXPECT_EQ(s.Value(2, "SELECT MAX(seq) FROM binsync.checkpoint"), checkpoint_before);
  }
  // The DBA applies it by hand, then passes it by name; what follows is applied.
  s.Exec(2, "SET sql_log_bin = 0; INSERT INTO sd.t SELECT 2, 0");
  SubprocessResult r = CatchUp(s, {"--skip", gtid});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, gtid + " at mariadb-bin.000001:")) << r.err;
  EXPECT_TRUE(Contains(r.out, "passed 1 transactions without applying them (--skip)")) << r.out;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM sd.t"), "3");
  r = CatchUp(s, {"--skip", "not-a-gtid"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "--skip not-a-gtid: not a MariaDB GTID")) << r.err;
}

TEST(TrustTest, SigtermWithAFullQueueExitsWithinFiveSecondsAndLosesNothing) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE q; CREATE TABLE q.t (id INT AUTO_INCREMENT PRIMARY KEY, g INT, v INT)");
  std::string load = "USE q;";
  for (int i = 0; i < 2000; ++i) {
    load += "INSERT INTO q.t (g, v) SELECT " + std::to_string(i) + ", seq FROM seq_1_to_200;";
  }
  s.Exec(1, load);  // 2,000 transactions, 400,000 rows: minutes of row-by-row apply
  const std::string log = (s.dir() / "term.log").string();
  Background run({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--workers", "1",
                  "--apply-with", "statements"},
                 log);
  ASSERT_TRUE(WaitValue(s, 2, "SELECT COUNT(*) > 2000 FROM q.t", "1")) << run.Log();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run.Stop(SIGTERM), 0) << run.Log();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 5.0) << run.Log();
  const std::string applied = s.Value(2, "SELECT COUNT(*) FROM q.t");
  EXPECT_NE(applied, "400000");  // it did stop early: the rest is read again
  SubprocessResult r = CatchUp(s, {"--mode", "catchup"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM q.t"), "400000");
  EXPECT_EQ(s.Value(2, "SELECT SUM(v) + SUM(g) FROM q.t"), s.Value(1, "SELECT SUM(v) + SUM(g) FROM q.t"));
}

TEST(TrustTest, CatchupAndDdlErrorsNameTheTransactionPositionAndTable) {
  SandboxServers s(2);
  for (int i : {1, 2}) CreateUnlogged(s, i, "CREATE DATABASE ce");
  CreateUnlogged(s, 1, "CREATE TABLE ce.t (id INT PRIMARY KEY, v INT)");
  CreateUnlogged(s, 2, "CREATE TABLE ce.t (id INT PRIMARY KEY, v INT NOT NULL)");
  s.Exec(1, "INSERT INTO ce.t VALUES (1, 1); INSERT INTO ce.t VALUES (2, NULL)");
  const std::string last = s.Value(1, "SELECT @@gtid_binlog_pos");
  SubprocessResult r = CatchUp(s, {"--mode", "catchup"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ce.t (id=2): catchup upsert failed (transaction ")) << r.err;
  EXPECT_TRUE(Contains(r.err, ".." + last + ", source binlog up to mariadb-bin.000001:")) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM ce.t"), "0");  // strict: nothing half-applied
  CreateUnlogged(s, 2, "ALTER TABLE ce.t MODIFY v INT");
  ASSERT_EQ(CatchUp(s, {"--mode", "catchup"}).exit_code, 0);
  // A DDL the target rejects: named with its statement (and so its table).
  CreateUnlogged(s, 2, "DROP TABLE ce.t");
  s.Exec(1, "ALTER TABLE ce.t ADD COLUMN w INT");
  r = CatchUp(s, {});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "(ALTER TABLE ce.t ADD COLUMN w INT) failed on the target: ")) << r.err;
}

TEST(TrustTest, VerifyRepairNeverWritesIntoANarrowerColumn) {
  SandboxServers s(2);
  for (int i : {1, 2}) CreateUnlogged(s, i, "CREATE DATABASE vr");
  CreateUnlogged(s, 1, "CREATE TABLE vr.t (id INT PRIMARY KEY, n INT, s VARCHAR(20))");
  CreateUnlogged(s, 2, "CREATE TABLE vr.t (id INT PRIMARY KEY, n TINYINT, s VARCHAR(3))");
  CreateUnlogged(s, 1, "INSERT INTO vr.t VALUES (1, 1000, 'abcdefgh')");
  SubprocessResult r = RunBinsync({"verify", "--a", s.Uri(1), "--b", s.Uri(2), "--repair"});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out + r.err, "vr.t")) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out + r.err, "column n is int(11) on A, tinyint(4) on B")) << r.out << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM vr.t"), "0");  // nothing written, nothing truncated
}

TEST(TrustTest, AUniqueKeyWithANullPartChangesOneRowNotAll) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE un; CREATE TABLE un.t (id INT NOT NULL, u INT NULL, v INT, "
            "UNIQUE KEY (u))");
  ASSERT_EQ(CatchUp(s, {}).exit_code, 0);
  int round = 0;
  for (const auto& mode : kModes) {
    ++round;
    const std::string a = std::to_string(round * 10), b = std::to_string(round * 10 + 1);
    s.Exec(1, "INSERT INTO un.t VALUES (" + a + ", NULL, 1), (" + b + ", NULL, 2)");
    s.Exec(1, "UPDATE un.t SET v = 20 WHERE id = " + b + "; DELETE FROM un.t WHERE id = " + a);
    SubprocessResult r = CatchUp(s, mode);
    ASSERT_EQ(r.exit_code, 0) << mode[1] << r.out << r.err;
    EXPECT_EQ(s.Value(2, "SELECT GROUP_CONCAT(id, ':', v ORDER BY id) FROM un.t"),
              s.Value(1, "SELECT GROUP_CONCAT(id, ':', v ORDER BY id) FROM un.t"))
        << mode[1];
  }
}

// "peak memory (RSS): N MB" from replicate's log.
int PeakMb(const std::string& log) {
  const std::string key = "peak memory (RSS): ";
  const size_t at = log.rfind(key);
  return at == std::string::npos ? -1 : std::stoi(log.substr(at + key.size()));
}

TEST(TrustTest, ATransactionLargerThanTheLimitIsStreamedInBoundedMemory) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE big; CREATE TABLE big.t (id INT AUTO_INCREMENT PRIMARY KEY, "
            "pad VARCHAR(1000))");
  ASSERT_EQ(CatchUp(s, {}).exit_code, 0);
  int round = 0;
  for (const auto& mode : {std::vector<std::string>{"--mode", "live"},
                           std::vector<std::string>{"--mode", "catchup"}}) {
    ++round;
    // One transaction of ~60 MB of row events, 15x the limit set below.
    s.Exec(1, "USE big; INSERT INTO big.t (pad) SELECT REPEAT(CHAR(64 + " +
                  std::to_string(round) + "), 1000) FROM seq_1_to_60000");
    std::vector<std::string> args = mode;
    args.insert(args.end(), {"--stream-above", "4"});
    SubprocessResult r = CatchUp(s, args);
    ASSERT_EQ(r.exit_code, 0) << mode[1] << r.out << r.err;
    EXPECT_TRUE(Contains(r.out, "applied 1 transactions larger than the memory limit")) << r.out;
    const int peak = PeakMb(r.err);
    EXPECT_GT(peak, 0) << r.err;
    EXPECT_LT(peak, 45) << mode[1] << ": " << r.err;  // the transaction alone is ~60 MB
    std::printf("%s: streamed a 60 MB transaction, peak RSS %d MB\n", mode[1].c_str(), peak);
    EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM big.t"), std::to_string(60000 * round));
    EXPECT_EQ(s.Value(2, "SELECT MD5(GROUP_CONCAT(id, pad ORDER BY id)) FROM big.t"),
              s.Value(1, "SELECT MD5(GROUP_CONCAT(id, pad ORDER BY id)) FROM big.t"));
  }
  // Held whole (the old way), the same transaction costs its size and more.
  // (40,000 updated rows: before and after images, ~80 MB.)
  s.Exec(1, "USE big; UPDATE big.t SET pad = REPEAT('z', 1000) ORDER BY id LIMIT 40000");
  SubprocessResult r = CatchUp(s, {"--stream-above", "1024"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(PeakMb(r.err), 80) << r.err;
}

}  // namespace
}  // namespace binsync
