// `binsync sandbox` against the real mariadbd: up, reachable, configured as the
// master-master reference setup, down by pid, up again on the same datadirs.
#include <filesystem>

#include "core/util/subprocess.h"
#include "gtest/gtest.h"
#include "net/mysql/connection.h"
#include "net/ops/sandbox.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

std::string Var(Connection& c, const std::string& name) {
  auto v = c.QueryValue("SELECT @@" + name);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? v->value_or("NULL") : "";
}

TEST(SandboxTest, UpDownUpAgainKeepsData) {
  const auto dir = testing::MakeTempDir("bsb");
  auto port = FindFreePorts(2, 23000);
  ASSERT_TRUE(port.ok()) << port.status();
  SandboxOptions o;
  o.dir = dir;
  o.base_port = *port;
  o.buffer_pool_size = "64M";
  o.die_with_parent = true;

  auto servers = SandboxUp(o);
  ASSERT_TRUE(servers.ok()) << servers.status();
  ASSERT_EQ(servers->size(), 2U);
  std::vector<pid_t> pids;
  for (const SandboxServer& s : *servers) {
    ConnectOptions co;
    co.uri = s.RootUri();
    auto conn = Connection::Open(co);
    ASSERT_TRUE(conn.ok()) << conn.status();
    EXPECT_EQ(Var(*conn, "server_id"), std::to_string(s.index));
    EXPECT_EQ(Var(*conn, "gtid_domain_id"), std::to_string(s.index));
    EXPECT_EQ(Var(*conn, "binlog_format"), "ROW");
    EXPECT_EQ(Var(*conn, "binlog_row_metadata"), "FULL");
    // Each server its own tmpdir: a starting server deletes every #sql* file in its tmpdir,
    // so sharing /tmp made servers delete each other's temporary tables.
    const std::filesystem::path tmp = s.node_dir / "tmp";
    EXPECT_EQ(std::filesystem::weakly_canonical(Var(*conn, "tmpdir")),
              std::filesystem::weakly_canonical(tmp));
    EXPECT_TRUE(std::filesystem::is_directory(tmp)) << tmp;
    EXPECT_EQ(Var(*conn, "log_slave_updates"), "1");
    EXPECT_EQ(Var(*conn, "auto_increment_increment"), "2");
    EXPECT_EQ(Var(*conn, "auto_increment_offset"), std::to_string(s.index));
    EXPECT_EQ(Var(*conn, "gtid_binlog_pos"), "");  // user set-up is not binlogged
    pids.push_back(s.pid);
  }
  {
    ConnectOptions co;
    co.uri = (*servers)[0].RootUri();
    auto conn = Connection::Open(co);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(conn->Execute("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY);"
                              "INSERT INTO d.t VALUES (42)").ok());
  }

  // up again while running: the same processes, nothing restarted.
  auto again = SandboxUp(o);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[0].pid, pids[0]);

  ASSERT_TRUE(SandboxDown(dir).ok());
  for (pid_t pid : pids) EXPECT_FALSE(ProcessAlive(pid)) << "pid " << pid << " still running";
  auto st = SandboxStatus(dir);
  ASSERT_TRUE(st.ok());
  for (const auto& s : *st) EXPECT_FALSE(s.running);

  // InnoDB restarts cleanly on the same datadirs; the data is still there.
  auto restarted = SandboxUp(o);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  ConnectOptions co;
  co.uri = (*restarted)[0].RootUri();
  auto conn = Connection::Open(co);
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto v = conn->QueryValue("SELECT id FROM d.t");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->value_or(""), "42");
  ASSERT_TRUE(SandboxDown(dir).ok());
  for (const SandboxServer& s : *restarted) EXPECT_FALSE(ProcessAlive(s.pid));
  std::filesystem::remove_all(dir);
}

TEST(SandboxTest, DownOnEmptyDirIsANoop) {
  const auto dir = testing::MakeTempDir("bsb");
  EXPECT_TRUE(SandboxDown(dir).ok());
  std::filesystem::remove_all(dir);
}

TEST(SandboxTest, StartFailureNamesTheServerAndLog) {
  const auto dir = testing::MakeTempDir("bsb");
  SandboxOptions o;
  o.dir = dir;
  auto port = FindFreePorts(1, 24000);
  ASSERT_TRUE(port.ok());
  o.base_port = *port;
  o.servers = 1;
  o.die_with_parent = true;
  o.mysqld_options = {"innodb_no_such_option=1"};
  auto servers = SandboxUp(o);
  ASSERT_FALSE(servers.ok());
  const std::string msg(servers.status().message());
  EXPECT_NE(msg.find("node1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(*port)), std::string::npos) << msg;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace binsync
