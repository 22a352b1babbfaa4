// core/dump's EventPrinter with a --databases / --tables filter (issue 19): stats counts
// only what passed, the rest on one line, and the entries that selected nothing are named.
#include "core/dump/printer.h"

#include <cstdio>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::dump {
namespace {

using binlog::testing::Bytes;
using binlog::testing::EventBuilder;
using binlog::testing::Flavor;

// A MariaDB binlog: one transaction inserting a row of shop.t (BIGINT column), and a
// statement in shop.
std::string WriteBinlog() {
  EventBuilder b(Flavor::kMariaDb1011, true);
  std::vector<std::vector<uint8_t>> events = {b.Fde()};
  Bytes gtid;
  gtid.U64(10).U32(0).U8(0);
  events.push_back(b.Event(162, gtid.bytes()));
  events.push_back(b.Event(2, EventBuilder::QueryBody("shop", "BEGIN")));
  events.push_back(b.Event(19, EventBuilder::TableMapBody(5, "shop", "t", {{8, {}, false}})));
  Bytes row;
  row.U8(0).U64(7);
  const std::vector<uint8_t> all = {0x01};
  events.push_back(b.Event(23, EventBuilder::RowsBody(false, 5, 1, all, nullptr, row.bytes())));
  Bytes xid;
  xid.U64(1);
  events.push_back(b.Event(16, xid.bytes()));
  events.push_back(b.Event(2, EventBuilder::QueryBody("shop", "CREATE TABLE u (id INT)")));
  const std::vector<uint8_t> file = EventBuilder::File(events);
  const std::string path =
      (std::filesystem::temp_directory_path() / ("printer_test." + std::to_string(::getpid())))
          .string();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  return path;
}

struct Printed {
  std::string stats;
  std::vector<std::string> unmatched;
};

Printed Stats(const std::vector<std::string>& databases, const std::vector<std::string>& tables) {
  const std::string path = WriteBinlog();
  EventPrinter p(PrintOptions{Format::kStats, databases, tables});
  const absl::Status st = PrintFile(path, 0, p, [] { return absl::OkStatus(); });
  EXPECT_TRUE(st.ok()) << st;
  p.PrintStats(0);
  std::filesystem::remove(path);
  return Printed{p.out(), p.UnmatchedFilter()};
}

TEST(EventPrinterFilterTest, WithoutAFilterEveryEventCounts) {
  const Printed r = Stats({}, {});
  EXPECT_NE(r.stats.find("  TABLE_MAP 1\n"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("  QUERY 2\n"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("  XID 1\n"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("row changes 1\n"), std::string::npos) << r.stats;
  EXPECT_EQ(r.stats.find("left out"), std::string::npos) << r.stats;
  EXPECT_TRUE(r.unmatched.empty());
}

// Before issue 19 a filter naming nothing counted all of the above.
TEST(EventPrinterFilterTest, AFilterNamingNothingCountsNothingAndIsNamed) {
  const Printed r = Stats({"nosuchdb"}, {});
  EXPECT_EQ(r.stats.find("TABLE_MAP"), std::string::npos) << r.stats;
  EXPECT_EQ(r.stats.find("QUERY"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("row changes 0\n"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("events left out by --databases/--tables 7\n"), std::string::npos)
      << r.stats;
  EXPECT_EQ(r.unmatched, std::vector<std::string>{"--databases nosuchdb"});
}

TEST(EventPrinterFilterTest, WhatPassedIsCounted) {
  Printed r = Stats({"shop"}, {});
  EXPECT_NE(r.stats.find("  TABLE_MAP 1\n"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("  QUERY 1\n"), std::string::npos) << r.stats;  // not BEGIN
  EXPECT_NE(r.stats.find("row changes 1\n"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("events left out by --databases/--tables 4\n"), std::string::npos)
      << r.stats;
  EXPECT_TRUE(r.unmatched.empty());
  // --tables: statements are left out; an entry that matched no table is named.
  r = Stats({}, {"shop.t", "shop.nope"});
  EXPECT_EQ(r.stats.find("QUERY"), std::string::npos) << r.stats;
  EXPECT_NE(r.stats.find("  shop.t 1 0 0\n"), std::string::npos) << r.stats;
  EXPECT_EQ(r.unmatched, std::vector<std::string>{"--tables shop.nope"});
}

}  // namespace
}  // namespace binsync::dump
