// Binlogs of old writers: MySQL 4.x (binlog v3, START_EVENT_V3) statement events, MySQL
// 3.23 (binlog v1) refused by name, MySQL 5.1 TABLE_MAPs without metadata, pre-GA rows
// events refused saying why.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

// A v3 (19-byte header) or v1 (13-byte header: no log_pos, no flags) event.
std::vector<uint8_t> OldEvent(int binlog_version, uint8_t type, const std::vector<uint8_t>& body) {
  const size_t header = binlog_version == 1 ? 13 : 19;
  Bytes e;
  e.U32(1000000000).U8(type).U32(1).U32(header + body.size());
  if (binlog_version != 1) e.U32(0).U16(0);
  e.Raw(body);
  return e.bytes();
}

std::vector<uint8_t> StartV3Body(int binlog_version, std::string version) {
  Bytes b;
  version.resize(50, '\0');
  b.U16(static_cast<uint64_t>(binlog_version)).Str(version).U32(1000000000);
  return b.bytes();
}

// MySQL 4.x QUERY: 11-byte post-header (no status variables).
std::vector<uint8_t> V3QueryBody(std::string_view db, std::string_view sql) {
  Bytes b;
  b.U32(3).U32(0).U8(db.size()).U16(0).Str(db).U8(0).Str(sql);
  return b.bytes();
}

TEST(LegacyBinlogTest, MysqlFourBinlogV3StatementsDecode) {
  Bytes intvar;
  intvar.U8(2).U64(41);
  const auto file = EventBuilder::File({
      OldEvent(3, 1, StartV3Body(3, "4.1.22-log")),
      OldEvent(3, 2, V3QueryBody("shop", "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY)")),
      OldEvent(3, 5, intvar.bytes()),
      OldEvent(3, 2, V3QueryBody("shop", "INSERT INTO t VALUES (NULL)")),
      OldEvent(3, 3, {}),
  });
  const DecodeResult r = DecodeBuffer("old-bin.001", file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.queries, (std::vector<std::string>{
                           "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY)",
                           "INSERT INTO t VALUES (NULL)"}));
  EXPECT_EQ(r.counts.at("START_V3"), 1);
  EXPECT_EQ(r.counts.at("INTVAR"), 1);
  EXPECT_EQ(r.counts.at("STOP"), 1);

  auto reader = FileReader::FromBuffer("old-bin.001", file);
  ASSERT_TRUE(reader.ok());
  EventView ev;
  ASSERT_TRUE(*(*reader)->Next(&ev));
  EXPECT_EQ((*reader)->format().binlog_version, 3);
  EXPECT_EQ((*reader)->format().server_version, "4.1.22-log");
}

TEST(LegacyBinlogTest, MysqlThreeBinlogV1IsRefusedNamingTheVersion) {
  const auto file = EventBuilder::File({OldEvent(1, 1, StartV3Body(1, "3.23.58-log")),
                                        OldEvent(1, 2, V3QueryBody("db", "SELECT 1"))});
  const DecodeResult r = DecodeBuffer("v1-bin.001", file);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnimplemented) << r.status;
  const std::string msg(r.status.message());
  EXPECT_THAT(msg, HasSubstr("v1-bin.001:4: START_V3"));
  EXPECT_THAT(msg, HasSubstr("binlog format v1 (MySQL 3.23) is not supported"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("before the first FORMAT_DESCRIPTION")));
}

// MySQL 4.x LOAD DATA events are refused by name, with what to do.
TEST(LegacyBinlogTest, MysqlFourLoadDataIsRefusedByName) {
  Bytes create;
  create.U32(1).Str("data");
  const auto file = EventBuilder::File({OldEvent(3, 1, StartV3Body(3, "4.0.30-log")),
                                        OldEvent(3, 8, create.bytes())});
  const DecodeResult r = DecodeBuffer("old-bin.002", file);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnimplemented) << r.status;
  EXPECT_THAT(std::string(r.status.message()), HasSubstr(": CREATE_FILE: LOAD DATA as MySQL 3.23/4.x"));
}

// A MySQL 5.1 (before 5.1.23) TABLE_MAP: the body ends after the column types.
std::vector<uint8_t> BareTableMapBody(uint64_t table_id, const std::vector<uint8_t>& types) {
  Bytes b;
  b.LE(table_id, 6).U16(1).U8(2).Str("db").U8(0).U8(1).Str("t").U8(0);
  b.Packed(types.size());
  for (uint8_t t : types) b.U8(t);
  return b.bytes();
}

TEST(LegacyBinlogTest, TableMapWithoutMetadataDecodesFixedSizeColumns) {
  EventBuilder b(Flavor::kMysql80, false);
  b.set_server_version("5.1.22-log");
  const auto fde = b.Fde();
  // INT, BIGINT, DOUBLE, DATE
  const auto map = b.Event(19, BareTableMapBody(9, {3, 8, 5, 10}));
  Bytes row;
  row.U8(0x08).U32(static_cast<uint32_t>(-5)).U64(1234567890123ull);
  const double d = 2.5;
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  row.U64(bits);
  const std::vector<uint8_t> all = {0x0f};
  const auto rows = b.Event(23, EventBuilder::RowsBody(false, 9, 4, all, nullptr, row.bytes()));
  const DecodeResult r = DecodeBuffer("51.000001", EventBuilder::File({fde, map, rows}));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, std::vector<std::string>{
                        R"(insert db.t {"@1":-5,"@2":1234567890123,"@3":2.5,"@4":null})"});
}

TEST(LegacyBinlogTest, TableMapWithoutMetadataNamesTheColumnItCannotRead) {
  EventBuilder b(Flavor::kMysql80, false);
  b.set_server_version("5.1.22-log");
  const auto fde = b.Fde();
  const auto map = b.Event(19, BareTableMapBody(9, {3, 15}));  // INT, VARCHAR
  const DecodeResult r = DecodeBuffer("51.000002", EventBuilder::File({fde, map}));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnimplemented) << r.status;
  const std::string msg(r.status.message());
  EXPECT_THAT(msg, HasSubstr(StrCat("51.000002:", 4 + fde.size(), ": TABLE_MAP: db.t column 2")));
  EXPECT_THAT(msg, HasSubstr("carries no column metadata"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("truncated")));
}

TEST(LegacyBinlogTest, PreGaRowsEventsAreRefusedSayingWhy) {
  EventBuilder b(Flavor::kMysql80, false);
  b.set_server_version("5.1.14-beta-log");
  const auto fde = b.Fde();
  const auto map = b.Event(19, BareTableMapBody(9, {3}));
  const auto rows = b.Event(20, EventBuilder::RowsBody(false, 9, 1, {0x01}, nullptr, {0, 1, 0, 0, 0}));
  const DecodeResult r = DecodeBuffer("51.000003", EventBuilder::File({fde, map, rows}));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnimplemented) << r.status;
  EXPECT_THAT(std::string(r.status.message()), HasSubstr(": WRITE_ROWS_V0: pre-GA MySQL 5.1"));
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("mysqlbinlog of that server"));
}

}  // namespace
}  // namespace binsync::binlog::testing
