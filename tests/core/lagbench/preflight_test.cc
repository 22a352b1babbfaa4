#include "core/lagbench/preflight.h"

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

ServerFacts Server(std::string endpoint) {
  ServerFacts f;
  f.endpoint = std::move(endpoint);
  f.log_bin = true;
  f.log_slave_updates = true;
  f.binlog_format = "ROW";
  return f;
}

ReplicationChannel From(uint16_t port, std::string io = "Yes", std::string sql = "Yes") {
  ReplicationChannel c;
  c.source_host = "127.0.0.1";
  c.source_port = port;
  c.io_running = std::move(io);
  c.sql_running = std::move(sql);
  return c;
}

TEST(PreflightTest, ARunningChannelFromTheSourceIsEnough) {
  ServerFacts a = Server("127.0.0.1:3306"), b = Server("127.0.0.1:3307");
  b.channels = {From(3399), From(3306)};
  EXPECT_TRUE(CheckNativeDirection(a, 3306, b).ok());
}

TEST(PreflightTest, EachRefusalNamesTheServerAndTheFix) {
  ServerFacts a = Server("127.0.0.1:3306"), b = Server("127.0.0.1:3307");
  absl::Status st = CheckNativeDirection(a, 3306, b);  // no channel
  EXPECT_NE(st.message().find("127.0.0.1:3307 has no replication channel from 127.0.0.1:3306"),
            std::string_view::npos) << st;
  b.channels = {From(3306, "Yes", "No")};
  b.channels[0].last_sql_errno = 1062;
  st = CheckNativeDirection(a, 3306, b);
  EXPECT_NE(st.message().find("error 1062"), std::string_view::npos) << st;
  EXPECT_NE(st.message().find("START SLAVE"), std::string_view::npos) << st;
  b.channels = {From(3306)};
  b.log_slave_updates = false;
  st = CheckNativeDirection(a, 3306, b);
  EXPECT_NE(st.message().find("log_slave_updates=OFF"), std::string_view::npos) << st;
  EXPECT_NE(st.message().find("restart it"), std::string_view::npos) << st;
}

TEST(PreflightTest, SettingsRecordTheChannels) {
  ServerFacts b = Server("127.0.0.1:3307");
  b.server_id = 2;
  b.channels = {From(3306)};
  b.channels[0].using_gtid = "Slave_Pos";
  const auto s = RecordedSettings(b);
  EXPECT_EQ(s.at("server_id"), "2");
  EXPECT_EQ(s.at("channel.source"), "127.0.0.1:3306");
  EXPECT_EQ(s.at("channel.using_gtid"), "Slave_Pos");
  EXPECT_EQ(s.at("channel.running"), "IO Yes, SQL Yes");
}

}  // namespace
}  // namespace binsync::lagbench
