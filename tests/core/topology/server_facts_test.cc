#include "core/topology/server_facts.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace binsync {
namespace {

ServerFacts Healthy(int i) {
  ServerFacts f;
  f.endpoint = "10.0.0." + std::to_string(i) + ":3306";
  f.server_id = static_cast<uint32_t>(i);
  f.gtid_domain_id = static_cast<uint32_t>(i);
  f.log_bin = true;
  f.binlog_format = "ROW";
  f.binlog_row_image = "FULL";
  f.binlog_row_metadata = "FULL";
  f.log_slave_updates = true;
  f.auto_increment_increment = 2;
  f.auto_increment_offset = static_cast<uint32_t>(i);
  ReplicationChannel c;
  c.source_host = "10.0.0." + std::to_string(3 - i);
  c.source_port = 3306;
  c.io_running = "Yes";
  c.sql_running = "Yes";
  c.using_gtid = "Slave_Pos";
  f.channels.push_back(c);
  return f;
}

bool Has(const std::vector<Finding>& fs, const std::string& code, Severity sev) {
  return std::any_of(fs.begin(), fs.end(),
                     [&](const Finding& f) { return f.code == code && f.severity == sev; });
}

TEST(ServerFactsTest, HealthyPairHasNoFindings) {
  EXPECT_TRUE(CheckServers({Healthy(1), Healthy(2)}).empty());
}

TEST(ServerFactsTest, SqlThreadStoppedOn1062) {
  ServerFacts b = Healthy(2);
  b.channels[0].sql_running = "No";
  b.channels[0].last_sql_errno = 1062;
  b.channels[0].last_sql_error = "Duplicate entry '5' for key 'PRIMARY'";
  const auto fs = CheckServers({Healthy(1), b});
  ASSERT_EQ(fs.size(), 1U);
  EXPECT_EQ(fs[0].code, "sql_thread_error");
  EXPECT_EQ(fs[0].severity, Severity::kError);
  EXPECT_EQ(fs[0].server, b.endpoint);
  EXPECT_NE(fs[0].message.find("1062"), std::string::npos);
  EXPECT_NE(fs[0].message.find("binsync resync"), std::string::npos);
}

TEST(ServerFactsTest, IoThreadStoppedOnPurgedBinlog) {
  ServerFacts b = Healthy(2);
  b.channels[0].io_running = "No";
  b.channels[0].last_io_errno = 1236;
  EXPECT_TRUE(Has(CheckServers({b}), "io_thread_error", Severity::kError));
}

TEST(ServerFactsTest, BinlogOffAndStatementFormat) {
  ServerFacts a = Healthy(1);
  a.log_bin = false;
  ServerFacts b = Healthy(2);
  b.binlog_format = "MIXED";
  const auto fs = CheckServers({a, b});
  EXPECT_TRUE(Has(fs, "binlog_off", Severity::kError));
  EXPECT_TRUE(Has(fs, "binlog_format", Severity::kError));
}

TEST(ServerFactsTest, PairCollisions) {
  ServerFacts a = Healthy(1);
  ServerFacts b = Healthy(2);
  b.server_id = 1;
  b.gtid_domain_id = 1;
  b.auto_increment_offset = 1;
  const auto fs = CheckServers({a, b});
  EXPECT_TRUE(Has(fs, "same_server_id", Severity::kError));
  EXPECT_TRUE(Has(fs, "same_gtid_domain", Severity::kWarning));
  EXPECT_TRUE(Has(fs, "auto_increment_offset", Severity::kWarning));
}

TEST(ServerFactsTest, AutoIncrementIncrementTooSmall) {
  ServerFacts a = Healthy(1);
  ServerFacts b = Healthy(2);
  a.auto_increment_increment = 1;
  EXPECT_TRUE(Has(CheckServers({a, b}), "auto_increment_increment", Severity::kWarning));
  // A single server is not a group: no pair checks.
  EXPECT_FALSE(Has(CheckServers({a}), "auto_increment_increment", Severity::kWarning));
}

TEST(ServerFactsTest, MinimalImageAndMetadata) {
  ServerFacts a = Healthy(1);
  a.binlog_row_image = "MINIMAL";
  a.binlog_row_metadata = "NO_LOG";
  const auto fs = CheckServers({a});
  EXPECT_TRUE(Has(fs, "binlog_row_image", Severity::kWarning));
  EXPECT_TRUE(Has(fs, "binlog_row_metadata", Severity::kInfo));
}

}  // namespace
}  // namespace binsync
