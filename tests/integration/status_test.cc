// `binsync status` on a sandbox pair whose replication broke on error 1062.
#include <fstream>
#include <thread>

#include "core/topology/server_facts.h"
#include "core/util/subprocess.h"
#include "gtest/gtest.h"
#include "net/mysql/inspect.h"
#include "net/mysql/native_replication.h"
#include "nlohmann/json.hpp"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

class StatusTest : public testing::SandboxPairTest {};

using testing::RunBinsync;

TEST_F(StatusTest, HealthyPairThenSqlThreadStoppedOn1062) {
  Connection a = pair().Connect(1);
  Connection b = pair().Connect(2);
  ASSERT_TRUE(StartNativeReplication(b, pair().ReplUri(1)).ok());
  ASSERT_TRUE(WaitReplicationRunning(b, std::chrono::seconds(30)).ok());

  const std::string uri_a = pair().server(1).RootUri().Display();
  const std::string uri_b = pair().server(2).RootUri().Display();
  auto healthy = RunBinsync({"status", uri_a, uri_b});
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out << healthy.err;
  EXPECT_NE(healthy.out.find("IO Yes  SQL Yes"), std::string::npos) << healthy.out;

  // The production failure: a row on B that A did not replicate, then A writes the key.
  ASSERT_TRUE(a.Execute("CREATE DATABASE shop; CREATE TABLE shop.orders "
                        "(id INT PRIMARY KEY, note VARCHAR(20))").ok());
  auto pos = a.QueryValue("SELECT @@gtid_binlog_pos");
  ASSERT_TRUE(pos.ok());
  ASSERT_TRUE(WaitForGtid(b, pos->value_or(""), std::chrono::seconds(30)).ok());
  ASSERT_TRUE(b.Execute("SET sql_log_bin=0; INSERT INTO shop.orders VALUES (7, 'b only');"
                        "SET sql_log_bin=1").ok());
  ASSERT_TRUE(a.Execute("INSERT INTO shop.orders VALUES (7, 'from a')").ok());

  ServerFacts facts;
  for (int i = 0; i < 600; ++i) {
    auto f = InspectServer(b);
    ASSERT_TRUE(f.ok()) << f.status();
    facts = *f;
    if (!facts.channels.empty() && facts.channels[0].sql_running != "Yes") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(facts.channels.size(), 1U);
  EXPECT_EQ(facts.channels[0].sql_running, "No");
  EXPECT_EQ(facts.channels[0].io_running, "Yes");
  EXPECT_EQ(facts.channels[0].last_sql_errno, 1062);
  EXPECT_EQ(facts.channels[0].source_port, pair().server(1).port);
  EXPECT_EQ(facts.channels[0].using_gtid, "Slave_Pos");

  auto text = RunBinsync({"status", uri_a, uri_b});
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_NE(text.out.find("last SQL error 1062"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("sql_thread_error"), std::string::npos) << text.out;

  auto json = RunBinsync({"status", "--format", "json", uri_a, uri_b});
  EXPECT_EQ(json.exit_code, 1) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["servers"].size(), 2U);
  EXPECT_EQ(j["servers"][1]["replication"][0]["last_sql_errno"], 1062);
  EXPECT_EQ(j["servers"][0]["server_id"], 1);
  EXPECT_EQ(j["servers"][1]["gtid_domain_id"], 2);
  bool warned = false;
  for (const auto& w : j["warnings"]) {
    if (w["code"] == "sql_thread_error" && w["server"] == pair().server(2).RootUri().Endpoint()) {
      warned = true;
      EXPECT_EQ(w["severity"], "error");
    }
  }
  EXPECT_TRUE(warned) << json.out;
}

TEST_F(StatusTest, WrongPasswordNamesServerNotPassword) {
  const auto& s = pair().server(1);
  const std::string uri = "mysql://root:Wr0ngPassw0rd@127.0.0.1:" + std::to_string(s.port);
  auto r = RunBinsync({"status", uri});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(s.port)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check user and password"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Wr0ngPassw0rd"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Wr0ngPassw0rd"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace binsync

namespace binsync {
namespace {

TEST_F(StatusTest, PasswordFromFileOrEnvironmentNeverOnCommandLine) {
  Connection a = pair().Connect(1);
  ASSERT_TRUE(a.Execute("SET sql_log_bin=0; CREATE USER IF NOT EXISTS 'mon'@'127.0.0.1' "
                        "IDENTIFIED BY 'Mon1tor!'; GRANT REPLICATION CLIENT, BINLOG MONITOR, "
                        "SLAVE MONITOR ON *.* TO 'mon'@'127.0.0.1'")
                  .ok());
  const std::string uri = "mysql://mon@127.0.0.1:" + std::to_string(pair().server(1).port);
  const auto file = pair().dir() / "mon.password";
  {
    std::ofstream(file) << "Mon1tor!\n";
  }
  auto from_file = testing::RunBinsync({"status", "--password-file", file.string(), uri});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;

  auto from_env = testing::RunBinsync({"status", uri}, {"MYSQL_PWD=Mon1tor!"});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;

  auto none = testing::RunBinsync({"status", uri});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("Access denied"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace binsync
