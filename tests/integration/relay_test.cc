// binsync replicate --mode relay against real MariaDB servers: the target's own replication
// (channel 'binsync', 4 parallel threads, conservative) applies what binsync serves. Writes
// on A reach B identical with their GTIDs, a transaction carrying B's server_id is never
// sent, a wrong password is refused with 1045, kill -9 and a restart lose nothing and apply
// nothing twice, SIGTERM removes the channel.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/util/subprocess.h"
#include "gtest/gtest.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

using testing::Background;
using testing::SandboxServers;

const std::vector<std::string> kParallelTarget = {"slave_parallel_threads=4",
                                                  "slave_parallel_mode=conservative"};

std::string WriteFile(const SandboxServers& s, const std::string& name, const std::string& text) {
  const std::string path = (s.dir() / name).string();
  std::ofstream(path) << text << "\n";
  return path;
}

// Transactions on A over three tables: inserts, updates, deletes.
void Workload(const SandboxServers& s, int txns, int seed) {
  Connection c = s.Connect(1);
  std::mt19937 rng(static_cast<unsigned>(seed));
  for (int i = 0; i < txns; ++i) {
    const int k = static_cast<int>(rng() % 300);
    std::string sql = "BEGIN;";
    switch (i % 4) {
      case 0:
        sql += "INSERT INTO rl.a (id, v, n) VALUES (" + std::to_string(k) + ", 'x" +
               std::to_string(i) + "', 1) ON DUPLICATE KEY UPDATE n = n + 1;";
        break;
      case 1:
        sql += "REPLACE INTO rl.b (k, v) VALUES (MD5(" + std::to_string(k) + "), " +
               std::to_string(i) + ");";
        break;
      case 2:
        sql += "INSERT INTO rl.c (x, y, v) VALUES (" + std::to_string(k % 17) + ", " +
               std::to_string(k) + ", 'c') ON DUPLICATE KEY UPDATE v = CONCAT(v, 'c');"
               "UPDATE rl.a SET v = 'u' WHERE id = " + std::to_string((k + 1) % 300) + ";";
        break;
      default:
        sql += "DELETE FROM rl.a WHERE id = " + std::to_string((k + 7) % 300) + ";"
               "DELETE FROM rl.b WHERE k = MD5(" + std::to_string((k + 3) % 300) + ");";
    }
    sql += "COMMIT";
    ASSERT_TRUE(c.Execute(sql).ok()) << sql;
  }
}

// One column of B's channel `name` (SHOW ALL SLAVES STATUS; "" without the channel).
std::string ChannelStatus(const SandboxServers& s, const std::string& column,
                          const std::string& name = "binsync") {
  Connection c = s.Connect(2);
  auto r = c.Query("SHOW ALL SLAVES STATUS");
  if (!r.ok()) return "";
  for (size_t i = 0; i < r->rows().size(); ++i) {
    if (r->Get(i, "Connection_name").value_or("") == name) {
      return r->Get(i, column).value_or("NULL");
    }
  }
  return "";
}

// Waits until B's gtid_slave_pos reaches A's last GTID of domain 1 (sent by A itself).
bool WaitCaughtUp(const SandboxServers& s, std::chrono::seconds limit = std::chrono::seconds(90)) {
  const std::string last = s.Value(1, "SELECT @@gtid_binlog_pos");
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (s.Value(2, "SELECT @@gtid_slave_pos") == last) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << "B's gtid_slave_pos " << s.Value(2, "SELECT @@gtid_slave_pos")
                << " did not reach " << last << "; channel: IO "
                << ChannelStatus(s, "Slave_IO_Running") << " SQL "
                << ChannelStatus(s, "Slave_SQL_Running") << " "
                << ChannelStatus(s, "Last_IO_Error") << ChannelStatus(s, "Last_SQL_Error");
  return false;
}

// Every GTID in server i's binlogs with how often it appears.
std::map<std::string, int> BinlogGtids(const SandboxServers& s, int i) {
  const std::string dir = s.Value(i, "SELECT @@datadir");
  Connection c = s.Connect(i);
  auto logs = c.Query("SHOW BINARY LOGS");
  std::map<std::string, int> out;
  const std::regex gtid("GTID (\\d+-\\d+-\\d+)( cid=\\d+)?");
  for (const auto& row : logs->rows()) {
    auto run = RunSubprocess({"mariadb-binlog", "--skip-gtid-strict-mode", dir + "/" + *row[0]});
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) continue;
    const SubprocessResult& r = *run;
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), gtid);
         it != std::sregex_iterator(); ++it) {
      ++out[(*it)[1].str()];
      if ((*it)[2].matched) ++out["with cid"];
    }
  }
  return out;
}

std::vector<std::string> RelayArgs(const SandboxServers& s, uint16_t port,
                                   const std::string& password_file, bool attach) {
  std::vector<std::string> args = {"replicate", "--source", s.Uri(1), "--target", s.Uri(2),
                                   "--mode", "relay", "--listen",
                                   "127.0.0.1:" + std::to_string(port)};
  if (!password_file.empty()) {
    args.insert(args.end(), {"--listen-password-file", password_file});
  }
  if (attach) args.push_back("--attach");
  return args;
}

TEST(RelayTest, AttachedTargetAppliesThroughItsOwnParallelReplication) {
  SandboxServers s(2, kParallelTarget);
  s.Exec(1, "CREATE DATABASE rl;"
            "CREATE TABLE rl.a (id INT PRIMARY KEY, v VARCHAR(20), n INT);"
            "CREATE TABLE rl.b (k CHAR(32) PRIMARY KEY, v INT);"
            "CREATE TABLE rl.c (x INT NOT NULL, y INT NOT NULL, v VARCHAR(200), PRIMARY KEY (x, y))");
  Workload(s, 100, 1);
  const uint16_t port = testing::FreeLoopbackPort();
  const std::string pw = WriteFile(s, "relay.password", "relay-secret-1");
  auto relay = std::make_unique<Background>(RelayArgs(s, port, pw, true),
                                            (s.dir() / "relay1.log").string());
  Workload(s, 200, 2);
  // A transaction carrying B's own server_id, written on A: never sent to B.
  s.Exec(1, "SET SESSION server_id = 2; INSERT INTO rl.a VALUES (100000, 'own', 0);"
            "SET SESSION server_id = 1");
  Workload(s, 10, 3);
  ASSERT_TRUE(WaitCaughtUp(s)) << relay->Log();
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM rl.a WHERE id = 100000"), "0")
      << "the transaction with B's server_id reached B";
  s.Exec(1, "SET SESSION server_id = 2; DELETE FROM rl.a WHERE id = 100000;"
            "SET SESSION server_id = 1");
  Workload(s, 10, 4);
  ASSERT_TRUE(WaitCaughtUp(s)) << relay->Log();
  EXPECT_EQ(testing::DatabaseChecksums(s, 1, "rl"), testing::DatabaseChecksums(s, 2, "rl"));
  EXPECT_EQ(ChannelStatus(s, "Slave_IO_Running"), "Yes");
  EXPECT_EQ(ChannelStatus(s, "Slave_SQL_Running"), "Yes");
  EXPECT_EQ(ChannelStatus(s, "Last_SQL_Errno"), "0");
  EXPECT_EQ(ChannelStatus(s, "Master_Server_Id"), "1") << "binsync presents the source's id";
  EXPECT_EQ(s.Value(2, "SELECT @@slave_parallel_threads"), "4");
  // B logged A's GTIDs as A's (log_slave_updates): its binlog position holds A's.
  const std::string a_pos = s.Value(1, "SELECT @@gtid_binlog_pos");
  EXPECT_NE(s.Value(2, "SELECT @@gtid_binlog_pos").find(a_pos), std::string::npos)
      << s.Value(2, "SELECT @@gtid_binlog_pos") << " lacks " << a_pos;

  // SIGTERM: exits 0, says what it left out, removes the channel (gtid_slave_pos stays).
  EXPECT_EQ(relay->Stop(SIGTERM), 0) << relay->Log();
  EXPECT_NE(relay->Log().find("skipped 2 of the target's or binsync's own"), std::string::npos)
      << "the two transactions with B's server_id were sent: " << relay->Log();
  EXPECT_EQ(ChannelStatus(s, "Slave_IO_Running"), "") << "the channel 'binsync' is still there";
  // Writeset groups were sent: disjoint consecutive transactions share a commit_id, which
  // B's conservative applier runs in parallel (and nothing errored: Last_SQL_Errno 0).
  const std::string first_log = relay->Log();
  std::smatch grouped;
  ASSERT_TRUE(std::regex_search(first_log, grouped,
                                std::regex("sent (\\d+) transactions \\((\\d+) with a commit_id\\)")))
      << first_log;
  std::printf("relay: %s\n", grouped[0].str().c_str());
  EXPECT_GT(std::stoi(grouped[2].str()), 50);

  // Attached again (a password binsync generates itself), kill -9 in the middle of a
  // stream, then a restart: B resumes from its gtid_slave_pos.
  relay = std::make_unique<Background>(RelayArgs(s, port, "", true),
                                       (s.dir() / "relay2.log").string());
  const auto seq_of = [](const std::string& pos) {
    return pos.empty() ? 0L : std::stol(pos.substr(pos.rfind('-') + 1));
  };
  const long b_before = seq_of(s.Value(2, "SELECT @@gtid_slave_pos"));
  std::thread load([&s] { Workload(s, 600, 5); });
  // Kill once B applied some of the new load (A still writing the rest).
  for (int i = 0; i < 200 && seq_of(s.Value(2, "SELECT @@gtid_slave_pos")) < b_before + 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string b_at_kill = s.Value(2, "SELECT @@gtid_slave_pos");
  EXPECT_EQ(relay->Stop(SIGKILL), 128 + SIGKILL);
  const std::string a_at_kill = s.Value(1, "SELECT @@gtid_binlog_pos");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  relay = std::make_unique<Background>(RelayArgs(s, port, "", true),
                                       (s.dir() / "relay3.log").string());
  load.join();
  // Mid-stream: B had applied part of the load and A was still writing.
  std::printf("kill -9: B at %s, A at %s, A at the end %s\n", b_at_kill.c_str(),
              a_at_kill.c_str(), s.Value(1, "SELECT @@gtid_binlog_pos").c_str());
  EXPECT_NE(a_at_kill, s.Value(1, "SELECT @@gtid_binlog_pos")) << "the load ended before the kill";
  ASSERT_TRUE(WaitCaughtUp(s)) << relay->Log();
  EXPECT_EQ(testing::DatabaseChecksums(s, 1, "rl"), testing::DatabaseChecksums(s, 2, "rl"));
  EXPECT_EQ(ChannelStatus(s, "Last_SQL_Errno"), "0");
  std::map<std::string, int> gtids = BinlogGtids(s, 2);
  int from_a = 0;
  // B's own group commit of what its parallel applier ran together carries a commit id.
  // (Also without binsync's groups: conservative overlaps each commit with the next.)
  std::printf("B's binlog: %d GTIDs group-committed with a cid\n", gtids["with cid"]);
  gtids.erase("with cid");
  for (const auto& [gtid, n] : gtids) {
    EXPECT_EQ(n, 1) << gtid << " is in B's binlog " << n << " times";
    if (gtid.rfind("1-1-", 0) == 0) ++from_a;
    EXPECT_NE(gtid.rfind("1-2-", 0), 0u) << gtid << ": a transaction with B's id was sent";
  }
  int on_a = 0;
  for (const auto& [gtid, n] : BinlogGtids(s, 1)) on_a += gtid.rfind("1-1-", 0) == 0 ? 1 : 0;
  EXPECT_EQ(from_a, on_a) << "every transaction A wrote itself is in B's binlog once";
  EXPECT_GT(from_a, 400);

  // SIGTERM: exits 0 and removes the channel.
  EXPECT_EQ(relay->Stop(SIGTERM), 0) << relay->Log();
  EXPECT_EQ(ChannelStatus(s, "Slave_IO_Running"), "") << "the channel 'binsync' is still there";
  const std::string log = relay->Log();
  EXPECT_EQ(log.find("relay-secret-1"), std::string::npos) << "the password was logged";
}

TEST(RelayTest, DatabasesFilterLeavesOutOtherDatabasesRowsEvenInsideATransaction) {
  SandboxServers s(2, kParallelTarget);
  s.Exec(1, "CREATE DATABASE rl; CREATE DATABASE other;"
            "CREATE TABLE rl.a (id INT PRIMARY KEY, v VARCHAR(20), n INT);"
            "CREATE TABLE rl.b (k CHAR(32) PRIMARY KEY, v INT);"
            "CREATE TABLE rl.c (x INT NOT NULL, y INT NOT NULL, v VARCHAR(200), PRIMARY KEY (x, y));"
            "USE other; CREATE TABLE x (id INT PRIMARY KEY)");
  // Statements in an unselected database are left out (as replicate does): B has its own.
  s.Exec(2, "CREATE DATABASE other; CREATE TABLE other.x (id INT PRIMARY KEY)");
  std::vector<std::string> args = RelayArgs(s, testing::FreeLoopbackPort(), "", true);
  args.insert(args.end(), {"--databases", "rl"});
  Background relay(args, (s.dir() / "relay.log").string());
  Workload(s, 100, 1);
  // Mixed transactions: other.x's rows are left out, rl.a's reach B.
  for (int i = 0; i < 20; ++i) {
    s.Exec(1, "BEGIN; INSERT INTO other.x VALUES (" + std::to_string(i) + ");"
              "INSERT INTO rl.a VALUES (" + std::to_string(1000 + i) + ", 'mixed', 1); COMMIT");
  }
  s.Exec(1, "INSERT INTO other.x VALUES (100)");  // nothing of it selected: not sent at all
  Workload(s, 20, 2);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline &&
         testing::DatabaseChecksums(s, 1, "rl") != testing::DatabaseChecksums(s, 2, "rl")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(testing::DatabaseChecksums(s, 1, "rl"), testing::DatabaseChecksums(s, 2, "rl"))
      << relay.Log() << ChannelStatus(s, "Last_SQL_Error");
  EXPECT_EQ(s.Value(2, "SELECT COUNT(*) FROM other.x"), "0");
  EXPECT_EQ(ChannelStatus(s, "Last_SQL_Errno"), "0");
  EXPECT_EQ(relay.Stop(SIGTERM), 0) << relay.Log();
  EXPECT_NE(relay.Log().find("3 left out by filters"), std::string::npos) << relay.Log();
}

// Connects to 127.0.0.1:port, reads the greeting, sends `bytes`, returns what came back
// until the listener closed (or 2 s passed).
std::string Poke(uint16_t port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return "";
  }
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  std::string got;
  ssize_t n = read(fd, buf, sizeof buf);  // the greeting
  if (n > 0) got.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  close(fd);
  return got;
}

TEST(RelayTest, AWrongPasswordIsRefusedWith1045) {
  SandboxServers s(2);
  const uint16_t port = testing::FreeLoopbackPort();
  const std::string pw = WriteFile(s, "relay.password", "right-one");
  Background relay(RelayArgs(s, port, pw, false), (s.dir() / "relay.log").string());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // Garbage gets an error packet and a close; the listener lives on.
  std::mt19937 rng(7);
  for (int i = 0; i < 20; ++i) {
    std::string junk(static_cast<size_t>(4 + rng() % 200), '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    junk[0] = static_cast<char>(junk.size() - 4);
    junk[1] = junk[2] = 0;
    const std::string reply = Poke(port, junk);
    EXPECT_NE(reply.find("\xff"), std::string::npos) << "no error packet for garbage " << i;
  }
  s.Exec(2, "CHANGE MASTER 'binsync' TO MASTER_HOST='127.0.0.1', MASTER_PORT=" +
                std::to_string(port) +
                ", MASTER_USER='binsync', MASTER_PASSWORD='wrong-one', MASTER_USE_GTID=slave_pos,"
                " MASTER_CONNECT_RETRY=1; START SLAVE 'binsync'");
  std::string errno_seen;
  for (int i = 0; i < 100 && errno_seen != "1045"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    errno_seen = ChannelStatus(s, "Last_IO_Errno");
  }
  EXPECT_EQ(errno_seen, "1045") << ChannelStatus(s, "Last_IO_Error") << relay.Log();
  EXPECT_NE(ChannelStatus(s, "Slave_IO_Running"), "Yes");
  s.Exec(2, "STOP SLAVE 'binsync'; RESET SLAVE 'binsync' ALL");
  EXPECT_EQ(relay.Stop(SIGTERM), 0) << relay.Log();
  // B's own replication from A running: relay refuses to start (the stream lease's check).
  const ServerUri repl = s.ReplUri(1);
  s.Exec(2, "CHANGE MASTER 'nat' TO MASTER_HOST='127.0.0.1', MASTER_PORT=" +
                std::to_string(repl.port) + ", MASTER_USER='" + repl.user + "', MASTER_PASSWORD='" +
                repl.password.value_or("") + "', MASTER_USE_GTID=slave_pos; START SLAVE 'nat'");
  for (int i = 0; i < 50 && ChannelStatus(s, "Slave_SQL_Running", "nat") != "Yes"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const SubprocessResult refused =
      testing::RunBinsync(RelayArgs(s, testing::FreeLoopbackPort(), pw, false));
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("channel 'nat' already applies server_id 1"), std::string::npos)
      << refused.err;
  s.Exec(2, "STOP SLAVE 'nat'; RESET SLAVE 'nat' ALL");
  // Printed for the DBA without --attach: the statement with a placeholder, not the password.
  const std::string log = relay.Log();
  EXPECT_NE(log.find("CHANGE MASTER 'binsync' TO MASTER_HOST='127.0.0.1'"), std::string::npos) << log;
  EXPECT_EQ(log.find("right-one"), std::string::npos) << "the password was printed";
}

}  // namespace
}  // namespace binsync
