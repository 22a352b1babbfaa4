// binsync replicate against real MariaDB servers: one-way catch-up of every column type
// (live and catchup modes), GTIDs kept, bidirectional without loops, SIGTERM and kill -9
// with restart (nothing applied twice, nothing lost), DDL mid-stream, a missing target
// table (error, checkpoint before the transaction).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/gtid/mariadb_gtid.h"
#include "gtest/gtest.h"
#include "tests/testing/sandbox_fixture.h"

extern char** environ;

namespace binsync {
namespace {

using testing::RunBinsync;
using testing::Background;
using testing::CatchUp;
using testing::SandboxServers;



void ExpectIdentical(const SandboxServers& s, const std::string& db) {
  const std::string a = testing::DatabaseChecksums(s, 1, db);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, testing::DatabaseChecksums(s, 2, db));
}

constexpr const char* kTypes = R"sql(
CREATE DATABASE rt; USE rt;
CREATE TABLE rt.types (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, mu MEDIUMINT UNSIGNED, bi BIGINT,
  bu BIGINT UNSIGNED, de DECIMAL(12,4), d0 DECIMAL(30,0), fl FLOAT, db DOUBLE, bt BIT(10),
  b64 BIT(64), yr YEAR, dt DATE, tm TIME(3), t0 TIME, dtt DATETIME(6), d0t DATETIME,
  ts TIMESTAMP(2) NULL, ch CHAR(10), vc VARCHAR(40), bn BINARY(4), vb VARBINARY(20), bl BLOB,
  tx TEXT, lt LONGTEXT, en ENUM('a','b','c'), st SET('x','y','z'), js JSON,
  u8 VARCHAR(20) CHARACTER SET utf8mb4, l1 VARCHAR(20) CHARACTER SET latin1,
  i6 INET6, uu UUID, g GEOMETRY);
INSERT INTO rt.types VALUES
(1, -128, 255, -32768, -8388608, 16777215, -9223372036854775808, 18446744073709551615,
 '-12345678.1234', '-123456789012345678901234567890', 1.5, -2.25e-300, b'1010101010',
 b'1111111111111111111111111111111111111111111111111111111111111111', 2024, '2024-02-29',
 '-838:59:58.999', '838:59:59', '2024-01-02 03:04:05.123456', '9999-12-31 23:59:59',
 '2024-01-02 03:04:05.12', 'abc', 'trailing  ', x'00010203', x'ff00', x'deadbeef', 'text é',
 REPEAT('long', 5000), 'b', 'x,z', '{"a": [1, 2]}', '漢字', 'café', '2001:db8::1',
 '123e4567-e89b-12d3-a456-426614174000', ST_GeomFromText('POINT(1 2)')),
(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL),
(3, 0, 0, 0, 0, 0, 0, 0, '0.0000', '0', -0.0, 0, b'0', b'0', 0, '0000-00-00', '00:00:00',
 '-00:00:01', '0000-00-00 00:00:00', '1000-01-01 00:00:00', '1970-01-01 00:00:01', '', '',
 x'00000000', '', '', '', '', 'a', '', 'null', '', '', '::', '00000000-0000-0000-0000-000000000000',
 ST_GeomFromText('LINESTRING(0 0, 1 1)'));
UPDATE rt.types SET vc = 'changed', de = '99.0001', tm = '12:00:00.5' WHERE id = 1;
UPDATE rt.types SET ti = 1 WHERE id = 2;
DELETE FROM rt.types WHERE id = 3;
CREATE TABLE rt.composite (a INT NOT NULL, b VARCHAR(20) NOT NULL, v INT, PRIMARY KEY (a, b));
INSERT INTO rt.composite SELECT seq % 50, CONCAT('k', seq), seq FROM seq_1_to_2000;
UPDATE rt.composite SET v = v + 1 WHERE a < 10;
DELETE FROM rt.composite WHERE a = 7;
CREATE TABLE rt.strkey (k VARCHAR(32) NOT NULL PRIMARY KEY, v VARCHAR(20)) CHARACTER SET latin1;
INSERT INTO rt.strkey SELECT MD5(seq), CONCAT('é', seq) FROM seq_1_to_500;
UPDATE rt.strkey SET v = 'upd' WHERE v LIKE '%1';
CREATE TABLE rt.uniq (x INT, u INT NOT NULL, v INT, UNIQUE KEY uk (u));
INSERT INTO rt.uniq SELECT seq, seq * 3, seq FROM seq_1_to_500;
UPDATE rt.uniq SET u = u + 1 WHERE x < 100;
CREATE TABLE rt.nokey (x INT, v VARCHAR(10));
INSERT INTO rt.nokey SELECT seq % 10, 'v' FROM seq_1_to_100;
UPDATE rt.nokey SET v = 'w' WHERE x = 3 LIMIT 2;
DELETE FROM rt.nokey WHERE x = 4 LIMIT 1;
)sql";

// Many small transactions touching a small key space (conflicts for the scheduler).
void Workload(const SandboxServers& s, int server, const std::string& db, int txns, int seed) {
  Connection c = s.Connect(server);
  std::mt19937 rng(static_cast<unsigned>(seed));
  for (int i = 0; i < txns; ++i) {
    const int k = static_cast<int>(rng() % 200);
    std::string sql = "BEGIN; INSERT INTO `" + db + "`.w (k, v, n) VALUES (" + std::to_string(k) +
                      ", 'i" + std::to_string(i) + "', 1) ON DUPLICATE KEY UPDATE n = n + 1, v = '" +
                      std::to_string(i) + "';";
    if (i % 7 == 0) sql += "DELETE FROM `" + db + "`.w WHERE k = " + std::to_string((k + 13) % 200) + ";";
    sql += "COMMIT";
    absl::Status st = c.Execute(sql);
    ASSERT_TRUE(st.ok()) << st;
  }
}

TEST(ReplicateTest, EveryColumnTypeAndWorkloadLiveModeKeepsGtids) {
  SandboxServers s(2);
  s.Exec(1, kTypes);
  s.Exec(1, "CREATE TABLE rt.w (k INT PRIMARY KEY, v VARCHAR(20), n INT)");
  Workload(s, 1, "rt", 600, 1);
  // Statements first (one prepared statement per row, every type bound by binsync)...
  const auto binlog_statements = [&s] {
    return std::stol(s.Value(2, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                                "WHERE VARIABLE_NAME = 'COM_BINLOG'"));
  };
  const long replays_before = binlog_statements();
  SubprocessResult r = CatchUp(s, {"--workers", "4", "--apply-with", "statements"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("skipped 0 of the target's"), std::string::npos) << r.out;
  ExpectIdentical(s, "rt");
  EXPECT_EQ(binlog_statements(), replays_before);
  // Live mode keeps the source's GTIDs: the target logged 1-1-N too.
  EXPECT_EQ(s.Value(1, "SELECT @@gtid_binlog_pos"), s.Value(2, "SELECT @@gtid_binlog_pos"));
  // The checkpoint names the last GTID; a second run applies nothing.
  r = CatchUp(s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("applied 0 transactions"), std::string::npos) << r.out;
  // ...then more writes with the default: row transactions replayed as BINLOG statements
  // by the target's own row applier (every type again), GTIDs still kept.
  Workload(s, 1, "rt", 200, 2);
  r = CatchUp(s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("applied 200 transactions"), std::string::npos) << r.out;
  ExpectIdentical(s, "rt");
  EXPECT_GT(binlog_statements(), replays_before + 100);
  EXPECT_EQ(s.Value(1, "SELECT @@gtid_binlog_pos"), s.Value(2, "SELECT @@gtid_binlog_pos"));
}

TEST(ReplicateTest, CatchupModeGroupsTransactionsAndEndsIdentical) {
  SandboxServers s(2);
  s.Exec(1, kTypes);
  s.Exec(1, "CREATE TABLE rt.w (k INT PRIMARY KEY, v VARCHAR(20), n INT)");
  Workload(s, 1, "rt", 800, 3);
  SubprocessResult r = CatchUp(s, {"--mode", "catchup", "--workers", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectIdentical(s, "rt");
  // Fewer target commits than source transactions.
  const size_t at = r.out.find("rows, ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const long commits = std::stol(r.out.substr(at + 6));
  EXPECT_LT(commits, 200) << r.out;
}

TEST(ReplicateTest, BidirectionalWritesOnBothSidesNoLoop) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE bi; CREATE TABLE bi.w (k INT PRIMARY KEY, v VARCHAR(20), n INT)");
  SubprocessResult r = RunBinsync({"replicate", "--source", s.Uri(1), "--target", s.Uri(2),
                                   "--bidirectional", "--until-caught-up"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Writes on both masters (auto_increment offsets keep inserts apart).
  s.Exec(1, "CREATE TABLE bi.a (id INT AUTO_INCREMENT PRIMARY KEY, who VARCHAR(4))");
  std::thread t1([&] {
    Connection c = s.Connect(1);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(c.Execute("INSERT INTO bi.w VALUES (" + std::to_string(i * 2) + ", 'a', 1)").ok());
  });
  std::thread t2([&] {
    Connection c = s.Connect(2);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(c.Execute("INSERT INTO bi.w VALUES (" + std::to_string(i * 2 + 1) + ", 'b', 1)").ok());
  });
  t1.join();
  t2.join();
  r = RunBinsync({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--bidirectional",
                  "--until-caught-up", "--workers", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // A->B may still have been racing B->A's last applies: one more pass settles.
  r = RunBinsync({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--bidirectional",
                  "--until-caught-up"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectIdentical(s, "bi");
  EXPECT_EQ(s.Value(1, "SELECT COUNT(*) FROM bi.w"), "600");
  // No loop: with writes stopped, another pass applies nothing and the binlogs stay put.
  const std::string pos1 = s.Value(1, "SELECT @@gtid_binlog_pos");
  const std::string pos2 = s.Value(2, "SELECT @@gtid_binlog_pos");
  r = RunBinsync({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--bidirectional",
                  "--until-caught-up"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("applied 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("applied 0 transactions"), std::string::npos) << r.out;
  EXPECT_EQ(pos1, s.Value(1, "SELECT @@gtid_binlog_pos"));
  EXPECT_EQ(pos2, s.Value(2, "SELECT @@gtid_binlog_pos"));
}

// GET `path` from 127.0.0.1:port with HTTP/1.0; the whole response, "" if no connection.
std::string HttpGet(uint16_t port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    EXPECT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

// --metrics-port: Prometheus text on loopback with the stream's counters while it runs.
TEST(ReplicateTest, MetricsEndpointCountsAppliedTransactions) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE me; CREATE TABLE me.t (id INT PRIMARY KEY, v INT)");
  ASSERT_EQ(CatchUp(s).exit_code, 0);
  const auto dir = testing::MakeTempDir("rm");
  const uint16_t port = testing::FreeLoopbackPort();
  Background b({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--metrics-port",
                std::to_string(port)},
               (dir / "metrics.log").string());
  for (int i = 0; i < 25; ++i) {
    s.Exec(1, "INSERT INTO me.t VALUES (" + std::to_string(i) + ", 1)");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (s.Value(2, "SELECT COUNT(*) FROM me.t") != "25" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string stream = "stream=\"" + s.server(1).RootUri().Endpoint() + "->" +
                             s.server(2).RootUri().Endpoint() + "\"";
  const std::string metrics = HttpGet(port, "/metrics");
  EXPECT_NE(metrics.find("200 OK"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE binsync_applied_transactions_total counter"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("binsync_applied_transactions_total{" + stream + "} 25\n"),
            std::string::npos) << metrics << b.Log();
  EXPECT_NE(metrics.find("binsync_rows_total{" + stream + "} 25\n"), std::string::npos)
      << metrics;
  EXPECT_NE(HttpGet(port, "/other").find("404"), std::string::npos);
  EXPECT_NE(b.Log().find("metrics: http://127.0.0.1:" + std::to_string(port) + "/metrics"),
            std::string::npos) << b.Log();
  EXPECT_EQ(b.Stop(SIGTERM), 0) << b.Log();
  EXPECT_EQ(HttpGet(port, "/metrics"), "");  // gone with the process
  std::filesystem::remove_all(dir);
}

TEST(ReplicateTest, SigtermExitsZeroAndKillNineResumesWithoutDuplicates) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE kd; CREATE TABLE kd.ins (id INT PRIMARY KEY, v INT)");
  // Inserts only: a transaction applied twice would fail with a duplicate key (live mode).
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    Connection c = s.Connect(1);
    for (int i = 0; writing.load() || i < 3000; ++i) {
      if (i >= 6000) break;
      ASSERT_TRUE(c.Execute("INSERT INTO kd.ins VALUES (" + std::to_string(i) + ", " +
                            std::to_string(i) + ")").ok());
    }
  });
  const auto dir = testing::MakeTempDir("rk");
  std::mt19937 rng(7);
  for (int round = 0; round < 3; ++round) {
    Background b({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--workers", "4"},
                 (dir / ("kill" + std::to_string(round) + ".log")).string());
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 700));
    EXPECT_EQ(b.Stop(SIGKILL), 128 + SIGKILL);
  }
  {
    Background b({"replicate", "--source", s.Uri(1), "--target", s.Uri(2)},
                 (dir / "term.log").string());
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(b.Stop(SIGTERM), 0) << b.Log();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_NE(b.Log().find("applied"), std::string::npos) << b.Log();
  }
  writing = false;
  writer.join();
  SubprocessResult r = CatchUp(s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectIdentical(s, "kd");
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM kd.ins"), s.Value(1, "SELECT COUNT(*) FROM kd.ins"));
  std::filesystem::remove_all(dir);
}

// A --tables entry that names no table (a typo, or one not created yet) is said once at
// start, naming it; replication goes on, and the table, once the stream creates it, is
// replicated. (Before: nothing was said.)
TEST(ReplicateTest, UnknownFilterEntryWarnsOnceAndATableCreatedLaterIsReplicated) {
  SandboxServers s(2);
  const auto dir = testing::MakeTempDir("rf");
  Background b({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--tables",
                "rf.later,rf.nope"},
               (dir / "replicate.log").string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (b.Log().find("--tables rf.nope: no such table on 127.0.0.1:") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(b.Log().find("--tables rf.nope: no such table on 127.0.0.1:"), std::string::npos)
      << b.Log();
  s.Exec(1, "CREATE DATABASE rf; CREATE TABLE rf.later (id INT PRIMARY KEY);"
            "INSERT INTO rf.later VALUES (1), (2)");
  std::string rows;
  while (std::chrono::steady_clock::now() < deadline + std::chrono::seconds(10)) {
    Connection c = s.Connect(2);
    auto n = c.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                          "TABLE_SCHEMA = 'rf' AND TABLE_NAME = 'later'");
    if (n.ok() && n->value_or("0") == "1") {
      auto v = c.QueryValue("SELECT COUNT(*) FROM rf.later");
      rows = v.ok() ? v->value_or("") : "";
      if (rows == "2") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(rows, "2") << b.Log();
  EXPECT_EQ(b.Stop(SIGTERM), 0) << b.Log();
  const std::string log = b.Log();
  for (const char* entry : {"--tables rf.nope: no such table", "--tables rf.later: no such table"}) {
    const size_t first = log.find(entry);
    EXPECT_NE(first, std::string::npos) << log;
    EXPECT_EQ(log.find(entry, first + 1), std::string::npos) << "said twice: " << log;
  }
  std::filesystem::remove_all(dir);
}

TEST(ReplicateTest, SourceRestartedMidStream) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE sr; CREATE TABLE sr.t (id INT PRIMARY KEY, v INT)");
  const auto dir = testing::MakeTempDir("rs");
  Background b({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--workers", "2"},
               (dir / "replicate.log").string());
  for (int i = 0; i < 200; ++i) {
    s.Exec(1, "INSERT INTO sr.t VALUES (" + std::to_string(i) + ", " + std::to_string(i) + ")");
  }
  s.Stop(1);  // the source goes away under the stream
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  s.StartStopped();
  for (int i = 200; i < 400; ++i) {
    s.Exec(1, "INSERT INTO sr.t VALUES (" + std::to_string(i) + ", " + std::to_string(i) + ")");
  }
  // The running stream reconnects and applies the rest by itself.
  const std::string want = s.Value(1, "SELECT COUNT(*) FROM sr.t");
  for (int i = 0; i < 200 && s.Value(2, "SELECT COUNT(*) FROM sr.t") != want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM sr.t"), "400") << b.Log();
  EXPECT_EQ(b.Stop(SIGTERM), 0) << b.Log();
  EXPECT_EQ(b.Log().find("reconnects 0"), std::string::npos) << b.Log();  // it did reconnect
  ExpectIdentical(s, "sr");
  std::filesystem::remove_all(dir);
}

TEST(ReplicateTest, AlterTableMidStream) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE al; USE al; CREATE TABLE al.t (id INT PRIMARY KEY, a INT);"
             "INSERT INTO al.t SELECT seq, seq FROM seq_1_to_100;"
             "ALTER TABLE al.t ADD COLUMN b VARCHAR(10) DEFAULT 'x';"
             "INSERT INTO al.t VALUES (1000, 1, 'new');"
             "UPDATE al.t SET b = 'upd' WHERE id < 10;"
             "ALTER TABLE al.t DROP COLUMN a;"
             "DELETE FROM al.t WHERE id > 90 AND id < 100;");
  SubprocessResult r = CatchUp(s, {"--workers", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectIdentical(s, "al");
}

// Statement-based DML runs on the target in its source context: the auto-increment value
// (the pair's offsets differ, so without INSERT_ID the ids would too), LAST_INSERT_ID(),
// RAND() seeds and user variables of every type.
TEST(ReplicateTest, MissingTargetTableStopsBeforeTheTransaction) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE mt; CREATE TABLE mt.ok (id INT PRIMARY KEY)");
  s.Exec(1, "INSERT INTO mt.ok VALUES (1)");
  SubprocessResult r = CatchUp(s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string before = s.Value(2, "SELECT gtid_pos FROM binsync.checkpoint ORDER BY seq DESC LIMIT 1");
  // A table the target does not get: created on the source without binlogging.
  s.Exec(1, "SET sql_log_bin = 0; CREATE TABLE mt.gone (id INT PRIMARY KEY); SET sql_log_bin = 1;"
             "INSERT INTO mt.gone VALUES (1)");
  r = CatchUp(s);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("mt.gone"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not found on the target"), std::string::npos) << r.err;
  EXPECT_EQ(before, s.Value(2, "SELECT gtid_pos FROM binsync.checkpoint ORDER BY seq DESC LIMIT 1"));
  // After creating it, the same transaction is applied.
  s.Exec(2, "SET sql_log_bin = 0; CREATE TABLE mt.gone (id INT PRIMARY KEY)");
  r = CatchUp(s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM mt.gone"), "1");
}

TEST(ReplicateTest, MissingRowFollowsOnMissingRow) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE mr; CREATE TABLE mr.t (id INT PRIMARY KEY, v INT);"
             "INSERT INTO mr.t VALUES (1, 1), (2, 2)");
  ASSERT_EQ(CatchUp(s).exit_code, 0);
  s.Exec(2, "SET sql_log_bin = 0; DELETE FROM mr.t WHERE id = 2");
  s.Exec(1, "UPDATE mr.t SET v = 20 WHERE id = 2");
  SubprocessResult r = CatchUp(s);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("mr.t (id=2)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1032"), std::string::npos) << r.err;
  r = CatchUp(s, {"--on-missing-row", "overwrite"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectIdentical(s, "mr");
}

// --- Failures and stops (issue 19) ---------------------------------------------------

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Waits up to `limit` for `done` (polled every 50 ms).
template <typename F>
bool WaitFor(F done, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The source position the stream's newest checkpoint row on server 2 records.
std::string CheckpointPos(const SandboxServers& s) {
  return s.Value(2, "SELECT gtid_pos FROM binsync.checkpoint ORDER BY seq DESC LIMIT 1");
}

// With a quiet source, a transaction the target refuses (a duplicate key; a trigger's
// SIGNAL, on the statement path where triggers fire) stops binsync at once with its
// message, exit 2: not when the next source transaction arrives.
TEST(ReplicateTest, AnApplyErrorStopsTheStreamAtOnceWhenTheSourceIsQuiet) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE ae; CREATE TABLE ae.t (id INT PRIMARY KEY, v INT)");
  ASSERT_EQ(CatchUp(s).exit_code, 0);
  const auto dir = testing::MakeTempDir("ae");
  struct Case {
    std::string name, target_sql, apply_with, message;
  };
  const std::vector<Case> cases = {
      {"duplicate key", "INSERT INTO ae.t VALUES (1, 0)", "binlog", "ae.t (id=1)"},
      {"trigger", "DELETE FROM ae.t; CREATE TRIGGER ae.no BEFORE INSERT ON ae.t FOR EACH ROW "
                  "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by ae.no'",
       "statements", "refused by ae.no"}};
  for (const Case& c : cases) {
    s.Exec(2, "SET sql_log_bin = 0; " + c.target_sql + "; SET sql_log_bin = 1");
    Background b({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--apply-with",
                  c.apply_with},
                 (dir / "ae.log").string());
    ASSERT_TRUE(WaitFor([&] { return Has(b.Log(), "starting at"); })) << b.Log();
    s.Exec(1, "INSERT INTO ae.t VALUES (1, 1)");
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(b.Stop(0, std::chrono::seconds(15)), 2) << c.name << b.Log();
    const double seconds = SecondsSince(t0);
    std::printf("%s: exit 2 %.2f s after the failing source transaction\n", c.name.c_str(),
                seconds);
    EXPECT_LT(seconds, 3.0) << c.name << b.Log();
    EXPECT_TRUE(Has(b.Log(), c.message)) << c.name << b.Log();
    EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM ae.t WHERE v = 1"), "0");
    s.Exec(1, "SET sql_log_bin = 0; DELETE FROM ae.t; SET sql_log_bin = 1");
    // The next case starts after this transaction (the checkpoint is before it).
    s.Exec(2, "SET sql_log_bin = 0; DELETE FROM ae.t; SET sql_log_bin = 1");
    ASSERT_EQ(CatchUp(s, {"--skip", s.Value(1, "SELECT @@gtid_binlog_pos")}).exit_code, 0);
  }
  std::filesystem::remove_all(dir);
}

// One Prometheus sample, "name{stream="..."} value", or "" when absent.
std::string Sample(const std::string& metrics, const std::string& name,
                   const std::string& stream) {
  const std::string key = name + "{" + stream + "} ";
  const size_t at = metrics.find(key);
  if (at == std::string::npos) return "";
  return metrics.substr(at + key.size(), metrics.find('\n', at) - at - key.size());
}

// A target set read_only while binsync runs (binsync's user without READ_ONLY ADMIN): the
// transaction is retried, the metrics show it failing with error 1290 meanwhile, and it
// is applied once read_only is off again.
TEST(ReplicateTest, AReadOnlyTargetIsRetriedAndShownInTheMetricsUntilItAcceptsWrites) {
  SandboxServers s(2);
  for (int i : {1, 2}) {
    s.Exec(i, "SET sql_log_bin = 0; CREATE USER bs@'127.0.0.1' IDENTIFIED BY 'bspw'; "
              "GRANT ALL ON *.* TO bs@'127.0.0.1'; "
              "REVOKE READ_ONLY ADMIN ON *.* FROM bs@'127.0.0.1'; SET sql_log_bin = 1");
  }
  s.Exec(1, "CREATE DATABASE ro; CREATE TABLE ro.t (id INT PRIMARY KEY)");
  ASSERT_EQ(CatchUp(s).exit_code, 0);
  const std::string a = s.server(1).RootUri().Endpoint(), b = s.server(2).RootUri().Endpoint();
  const auto dir = testing::MakeTempDir("ro");
  const uint16_t port = testing::FreeLoopbackPort();
  const std::string password = (dir / "bs.password").string();
  std::ofstream(password) << "bspw\n";
  Background run({"replicate", "--password-file", password, "--source", "mysql://bs@" + a,
                  "--target", "mysql://bs@" + b, "--metrics-port", std::to_string(port)},
                 (dir / "ro.log").string());
  ASSERT_TRUE(WaitFor([&] { return Has(run.Log(), "starting at"); })) << run.Log();
  s.Exec(2, "SET GLOBAL read_only = 1");
  s.Exec(1, "INSERT INTO ro.t VALUES (1)");
  const std::string stream = "stream=\"" + a + "->" + b + "\"";
  std::string metrics;
  EXPECT_TRUE(WaitFor([&] {
    metrics = HttpGet(port, "/metrics");
    return Sample(metrics, "binsync_failing_transactions", stream) == "1" &&
           Sample(metrics, "binsync_last_apply_error_number", stream) == "1290";
  })) << metrics << run.Log();
  EXPECT_NE(Sample(metrics, "binsync_apply_errors_total", stream), "0") << metrics;
  EXPECT_TRUE(Has(run.Log(), "read_only")) << run.Log();
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM ro.t"), "0");
  s.Exec(2, "SET GLOBAL read_only = 0");
  EXPECT_TRUE(WaitFor([&] { return s.Value(2, "SELECT COUNT(*) FROM ro.t") == "1"; },
                      std::chrono::seconds(15)))
      << run.Log();
  metrics = HttpGet(port, "/metrics");
  EXPECT_EQ(Sample(metrics, "binsync_failing_transactions", stream), "0") << metrics;
  EXPECT_EQ(Sample(metrics, "binsync_applied_transactions_total", stream), "1") << metrics;
  EXPECT_NE(Sample(metrics, "binsync_retries_total", stream), "0") << metrics;
  EXPECT_EQ(run.Stop(SIGTERM), 0) << run.Log();
  std::filesystem::remove_all(dir);
}

// A worker blocked on a target LOCK TABLES ... WRITE (lock_wait_timeout: a day by default)
// does not hold a SIGTERM: its statement is interrupted, rolled back, exit 0 within 5 s
// with the checkpoint where it was; the rerun applies the rest exactly once. With a short
// --lock-wait-timeout the lock wait fails, is retried, and applies once the lock goes.
TEST(ReplicateTest, SigtermInterruptsAStatementBlockedOnATargetLock) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE lk; CREATE TABLE lk.t (id INT PRIMARY KEY, v INT); "
            "INSERT INTO lk.t VALUES (1, 1)");
  ASSERT_EQ(CatchUp(s).exit_code, 0);
  const std::string checkpoint = CheckpointPos(s);
  Connection locker = s.Connect(2);
  ASSERT_TRUE(locker.Execute("LOCK TABLES lk.t WRITE").ok());
  const auto dir = testing::MakeTempDir("lk");
  Background b({"replicate", "--source", s.Uri(1), "--target", s.Uri(2)},
               (dir / "lk.log").string());
  s.Exec(1, "INSERT INTO lk.t VALUES (2, 2); INSERT INTO lk.t VALUES (3, 3)");
  ASSERT_TRUE(WaitFor([&] {
    return s.Value(2, "SELECT COUNT(*) > 0 FROM information_schema.PROCESSLIST WHERE STATE = "
                      "'Waiting for table metadata lock'") == "1";
  })) << b.Log();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(b.Stop(SIGTERM, std::chrono::seconds(30)), 0) << b.Log();
  const double seconds = SecondsSince(t0);
  std::printf("SIGTERM with a worker blocked on LOCK TABLES: exit after %.2f s\n", seconds);
  EXPECT_LT(seconds, 5.0) << b.Log();
  EXPECT_TRUE(Has(b.Log(), "KILL QUERY")) << b.Log();
  EXPECT_EQ(CheckpointPos(s), checkpoint);  // nothing was applied, nothing recorded
  ASSERT_TRUE(locker.Execute("UNLOCK TABLES").ok());
  SubprocessResult r = CatchUp(s);
  ASSERT_EQ(r.exit_code, 0) << r.err;  // applied twice would be a duplicate key
  EXPECT_TRUE(Has(r.out, "applied 2 transactions")) << r.out;
  EXPECT_EQ(s.Value(2, "SELECT GROUP_CONCAT(id ORDER BY id) FROM lk.t"), "1,2,3");

  // --lock-wait-timeout 1: the wait fails after 1 s and is retried until the lock goes.
  ASSERT_TRUE(locker.Execute("LOCK TABLES lk.t WRITE").ok());
  s.Exec(1, "INSERT INTO lk.t VALUES (4, 4)");
  std::thread unlock([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    EXPECT_TRUE(locker.Execute("UNLOCK TABLES").ok());
  });
  r = CatchUp(s, {"--lock-wait-timeout", "1"});
  unlock.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, "Lock wait timeout exceeded")) << r.err;
  EXPECT_FALSE(Has(r.out, "retries 0,")) << r.out;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM lk.t"), "4");

  // A transaction above --stream-above, applied by the reader as it is read: the same.
  ASSERT_TRUE(locker.Execute("LOCK TABLES lk.t WRITE").ok());
  s.Exec(1, "USE lk; INSERT INTO lk.t SELECT 100 + seq, 7 FROM seq_1_to_200000");
  const std::string before = CheckpointPos(s);
  Background big({"replicate", "--source", s.Uri(1), "--target", s.Uri(2), "--stream-above",
                  "1"},
                 (dir / "big.log").string());
  ASSERT_TRUE(WaitFor([&] {
    return s.Value(2, "SELECT COUNT(*) > 0 FROM information_schema.PROCESSLIST WHERE STATE = "
                      "'Waiting for table metadata lock'") == "1";
  })) << big.Log();
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(big.Stop(SIGTERM, std::chrono::seconds(30)), 0) << big.Log();
  EXPECT_LT(SecondsSince(t1), 5.0) << big.Log();
  EXPECT_TRUE(Has(big.Log(), "applied as it is read")) << big.Log();
  EXPECT_EQ(CheckpointPos(s), before);
  ASSERT_TRUE(locker.Execute("UNLOCK TABLES").ok());
  r = CatchUp(s, {"--stream-above", "1", "--mode", "catchup"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM lk.t"), "200004");
  std::filesystem::remove_all(dir);
}

// `--start POS --until-caught-up` with nothing to apply records POS: the next run starts
// there, not at the older checkpoint (whose binlog may be purged by now).
TEST(ReplicateTest, UntilCaughtUpWithNothingToApplyRecordsTheStartPosition) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE np; CREATE TABLE np.t (id INT PRIMARY KEY)");
  ASSERT_EQ(CatchUp(s).exit_code, 0);
  s.Exec(1, "INSERT INTO np.t VALUES (1)");  // applied on the target by hand:
  s.Exec(2, "SET sql_log_bin = 0; INSERT INTO np.t VALUES (1); SET sql_log_bin = 1");
  const std::string pos = s.Value(1, "SELECT @@gtid_binlog_pos");
  SubprocessResult r = CatchUp(s, {"--start", pos});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "applied 0 transactions")) << r.out;
  EXPECT_EQ(CheckpointPos(s), pos);
  r = CatchUp(s);  // from the checkpoint: the insert is not applied again
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, "starting at " + pos + " (")) << r.err;
}

// The summary's "from" is where the run started, also after a reconnect.
TEST(ReplicateTest, SummaryFromIsTheRunsStartAfterAReconnect) {
  SandboxServers s(2);
  s.Exec(1, "CREATE DATABASE sf; CREATE TABLE sf.t (id INT PRIMARY KEY)");
  ASSERT_EQ(CatchUp(s).exit_code, 0);
  const std::string from = s.Value(1, "SELECT @@gtid_binlog_pos");
  s.Exec(1, "INSERT INTO sf.t VALUES (1); INSERT INTO sf.t VALUES (2); "
            "INSERT INTO sf.t VALUES (3)");
  const std::string to = s.Value(1, "SELECT @@gtid_binlog_pos");
  // The connection drops before the second COMMIT: the stream resumes from the checkpoint.
  SubprocessResult r = RunBinsync({"replicate", "--source", s.Uri(1), "--target", s.Uri(2),
                                   "--until-caught-up", "--workers", "1"},
                                  {"BINSYNC_FAULT=apply.before_commit:2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "reconnects 1;")) << r.out;
  EXPECT_TRUE(Has(r.out, "from " + from + " to " + to)) << r.out;
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM sf.t"), "3");
}

TEST(DumpSourceTest, LiveServerFromGtidAndFilePos) {
  SandboxServers s(1);
  s.Exec(1, "CREATE DATABASE ds; CREATE TABLE ds.t (id INT PRIMARY KEY, v VARCHAR(10));"
             "INSERT INTO ds.t VALUES (1, 'a'); UPDATE ds.t SET v = 'b' WHERE id = 1;"
             "FLUSH BINARY LOGS; DELETE FROM ds.t WHERE id = 1");
  // From the beginning: follows the ROTATE into the second binlog.
  SubprocessResult r = RunBinsync({"dump", "--source", s.Uri(1), "--tables", "ds.t"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("type":"insert","db":"ds","table":"t","gtid":"1-1-3")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("before":{"id":1,"v":"a"},"after":{"id":1,"v":"b"})"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("type":"delete")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mariadb-bin.000002:"), std::string::npos) << r.out;
  // After a GTID: only what follows it.
  r = RunBinsync({"dump", "--source", s.Uri(1), "--start", "1-1-3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(R"("type":"insert")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("type":"update")"), std::string::npos) << r.out;
  // A position that is not an event boundary: one line naming the server and position.
  r = RunBinsync({"dump", "--source", s.Uri(1), "--start", "mariadb-bin.000001:5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("127.0.0.1:"), std::string::npos) << r.err;
  r = RunBinsync({"dump", "--source", s.Uri(1), "--start", "nonsense"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--start nonsense"), std::string::npos) << r.err;
}

// A server logging binlog_row_metadata=MINIMAL: the file shows @1, @2; the live source
// names the columns from its information_schema, and again after an ALTER passes.
TEST(DumpSourceTest, ColumnNamesFromInformationSchemaWithoutFullMetadata) {
  SandboxServers s(1);
  s.Exec(1, "SET GLOBAL binlog_row_metadata = 'MINIMAL'");
  s.Exec(1, "CREATE DATABASE dn; CREATE TABLE dn.t (id INT PRIMARY KEY, v VARCHAR(10));"
             "INSERT INTO dn.t VALUES (1, 'a'); ALTER TABLE dn.t ADD COLUMN w INT;"
             "INSERT INTO dn.t VALUES (2, 'b', 7)");
  s.Exec(1, "SET GLOBAL binlog_row_metadata = 'FULL'");
  const std::string file =
      s.Value(1, "SELECT CONCAT(@@datadir, '/', SUBSTRING_INDEX(@@log_bin_basename, '/', -1), '.000001')");
  SubprocessResult r = RunBinsync({"dump", "--tables", "dn.t", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("after":{"@1":1,"@2":"a"})"), std::string::npos) << r.out;
  r = RunBinsync({"dump", "--source", s.Uri(1), "--tables", "dn.t"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Before the ALTER the table had 2 columns and has 3 now: the names do not fit, @N stays.
  EXPECT_NE(r.out.find(R"("after":{"@1":1,"@2":"a"})"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("after":{"id":2,"v":"b","w":7})"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace binsync
