#include "core/relay/table_filter.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::relay {
namespace {

using binlog::testing::Bytes;
using binlog::testing::ColumnSpec;
using binlog::testing::EventBuilder;
using binlog::testing::Flavor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint8_t kTableMap = 19, kWriteRowsV1 = 23, kQuery = 2, kXid = 16;

// A transaction's events as the relay sees them (framed views into `raw_`).
class Txn {
 public:
  Txn() : b_(Flavor::kMariaDb1011, /*crc32=*/false) {
    binlog::EventView view;
    fde_ = b_.Fde();
    EXPECT_TRUE(binlog::FrameEvent(fde_, 4, binlog::ChecksumAlgorithm::kOff, 19, &view).ok());
    EXPECT_TRUE(binlog::ParseFormatDescription(view, &fd_).ok());
  }
  Txn& Query(std::string_view db, std::string_view sql) {
    return Add(b_.Event(kQuery, EventBuilder::QueryBody(db, sql)));
  }
  Txn& Map(uint64_t id, std::string_view db, std::string_view table) {
    const std::vector<ColumnSpec> cols = {{3, {}, false}};  // INT NOT NULL
    return Add(b_.Event(kTableMap, EventBuilder::TableMapBody(id, db, table, cols)));
  }
  Txn& Rows(uint64_t id, bool stmt_end) {
    const std::vector<uint8_t> present = {1};
    const std::vector<uint8_t> row = Bytes().U8(0).U32(7).bytes();
    return Add(b_.Event(kWriteRowsV1, EventBuilder::RowsBody(false, id, 1, present, nullptr, row,
                                                             stmt_end ? 1 : 0)));
  }
  Txn& Xid() { return Add(b_.Event(kXid, Bytes().U64(9).bytes())); }

  std::vector<binlog::EventView> Views() const {
    std::vector<binlog::EventView> out;
    for (const auto& raw : raw_) {
      binlog::EventView v;
      EXPECT_TRUE(binlog::FrameEvent(raw, 4, binlog::ChecksumAlgorithm::kOff, 19, &v).ok());
      out.push_back(v);
    }
    return out;
  }
  const binlog::FormatDescription& fd() const { return fd_; }

 private:
  Txn& Add(std::vector<uint8_t> e) {
    raw_.push_back(std::move(e));
    return *this;
  }
  EventBuilder b_;
  std::vector<uint8_t> fde_;
  binlog::FormatDescription fd_;
  std::vector<std::vector<uint8_t>> raw_;
};

schema::TableFilter OnlyDbA() {
  return [](std::string_view db, std::string_view) { return db == "a"; };
}

TEST(TableFilterTest, UnselectedTablesLoseTheirMapsAndRows) {
  Txn t;
  t.Query("a", "BEGIN").Map(1, "a", "t").Rows(1, true).Map(2, "b", "t").Rows(2, true).Xid();
  EventSelector s(OnlyDbA());
  EventSelection sel;
  ASSERT_TRUE(s.Select(t.Views(), t.fd(), "bin.000001", &sel).ok());
  EXPECT_THAT(sel.keep, ElementsAre(true, true, true, false, false, true));
  EXPECT_EQ(sel.kept_rows, 1u);
  EXPECT_FALSE(sel.empty());
}

TEST(TableFilterTest, NothingSelectedLeavesAnEmptySelection) {
  Txn t;
  t.Query("b", "BEGIN").Map(2, "b", "t").Rows(2, true).Xid();
  EventSelector s(OnlyDbA());
  EventSelection sel;
  ASSERT_TRUE(s.Select(t.Views(), t.fd(), "bin.000001", &sel).ok());
  EXPECT_TRUE(sel.empty());
  Txn ddl;
  ddl.Query("b", "CREATE TABLE t2 (x INT)");
  ASSERT_TRUE(s.Select(ddl.Views(), ddl.fd(), "bin.000001", &sel).ok());
  EXPECT_TRUE(sel.empty()) << "a DDL in an unselected database is left out, as replicate does";
  Txn kept;
  kept.Query("a", "CREATE TABLE t2 (x INT)");
  ASSERT_TRUE(s.Select(kept.Views(), kept.fd(), "bin.000001", &sel).ok());
  EXPECT_TRUE(sel.kept_statement);
}

TEST(TableFilterTest, AStatementWhoseEndIsOnAnUnselectedTableIsRefused) {
  Txn t;  // one multi-table statement: a's rows first, b's rows carry STMT_END_F
  t.Query("a", "BEGIN").Map(1, "a", "t").Map(2, "b", "t").Rows(1, false).Rows(2, true).Xid();
  EventSelector s(OnlyDbA());
  EventSelection sel;
  const absl::Status st = s.Select(t.Views(), t.fd(), "bin.000001", &sel);
  EXPECT_TRUE(absl::IsFailedPrecondition(st)) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("bin.000001:"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("--mode live"));
  // The other order is fine: the kept rows carry the end.
  Txn ok;
  ok.Query("a", "BEGIN").Map(1, "a", "t").Map(2, "b", "t").Rows(2, false).Rows(1, true).Xid();
  EXPECT_TRUE(s.Select(ok.Views(), ok.fd(), "bin.000001", &sel).ok());
  EXPECT_THAT(sel.keep, ElementsAre(true, true, false, false, true, true));
}

TEST(TableFilterTest, LaterPartsUseTheMapsOfEarlierOnes) {
  Txn first, second;
  first.Query("a", "BEGIN").Map(1, "a", "t").Map(2, "b", "t").Rows(1, true);
  second.Rows(2, true).Rows(1, true).Xid();
  EventSelector s(OnlyDbA());
  EventSelection sel;
  s.Begin();
  ASSERT_TRUE(s.Select(first.Views(), first.fd(), "bin.000001", &sel).ok());
  ASSERT_TRUE(s.Select(second.Views(), second.fd(), "bin.000001", &sel).ok());
  EXPECT_THAT(sel.keep, ElementsAre(false, true, true));
  s.Begin();
  Txn unknown;
  unknown.Rows(5, true);
  ASSERT_TRUE(s.Select(unknown.Views(), unknown.fd(), "bin.000001", &sel).ok());
  EXPECT_THAT(sel.keep, ElementsAre(true)) << "a table_id never mapped is kept, not lost";
}

}  // namespace
}  // namespace binsync::relay
