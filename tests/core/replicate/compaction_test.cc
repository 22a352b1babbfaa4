// Catchup compaction without a server: which tables compact, how a row change is staged,
// the net effect per key (later change wins), keys that share a hash, the exact key
// (every field of a value), and the flush plan's order and runs.
#include "core/replicate/compaction.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/core/replicate/test_values.h"
#include "core/replicate/writeset.h"

namespace binsync::replicate {
namespace {

using binlog::RowImage;
using binlog::RowsKind;
using binlog::Value;
using binlog::ValueKind;
using testing::Int;
using testing::Null;
using testing::Text;
using Result = RowCompaction::StageResult;

// id (key), v; PRIMARY KEY (id) only.
std::shared_ptr<schema::TableInfo> Table(std::string name) {
  auto t = std::make_shared<schema::TableInfo>();
  t->db = "shop";
  t->name = std::move(name);
  t->columns = {"id", "v"};
  t->unique_keys = {{0}};
  t->has_primary = true;
  return t;
}



RowImage Row(Value key, int64_t payload) {
  RowImage img;
  img.values = {key, Int(payload)};
  return img;
}

uint64_t HashOf(const schema::TableInfo& t, const RowImage& img) {
  uint64_t h = 0;
  EXPECT_TRUE(RowKeyHash(t, img, &h));
  return h;
}

std::string ExactKey(const schema::TableInfo& t, const RowImage& img) {
  std::string scratch, out;
  AppendExactRowKey(t, img, &scratch, &out);
  return out;
}

TEST(CompactableTest, OnlyCatchupUncheckedPrimaryKeyOnlyTables) {
  const auto t = Table("t");
  EXPECT_TRUE(Compactable(true, false, *t));
  EXPECT_FALSE(Compactable(false, false, *t));  // live mode
  EXPECT_FALSE(Compactable(true, true, *t));    // resync checks every row
  schema::TableInfo u = *t;
  u.has_primary = false;  // only a unique key
  EXPECT_FALSE(Compactable(true, false, u));
  u = *t;
  u.unique_keys.push_back({1});  // a second unique key constrains other rows
  EXPECT_FALSE(Compactable(true, false, u));
  u = *t;
  u.in_foreign_key = true;
  EXPECT_FALSE(Compactable(true, false, u));
  u = *t;
  u.prefix_unique_key = true;
  EXPECT_FALSE(Compactable(true, false, u));
}

TEST(IsFullImageTest, AbsentOrShortImagesAreNotFull) {
  const auto t = Table("t");
  EXPECT_TRUE(IsFullImage(*t, Row(Int(1), 2)));
  RowImage minimal = Row(Int(1), 2);
  minimal.values[1].kind = ValueKind::kAbsent;
  EXPECT_FALSE(IsFullImage(*t, minimal));
  RowImage short_image;
  short_image.values = {Int(1)};
  EXPECT_FALSE(IsFullImage(*t, short_image));
  RowImage with_null = Row(Int(1), 2);
  with_null.values[1].kind = ValueKind::kNull;  // NULL is a value, not absent
  EXPECT_TRUE(IsFullImage(*t, with_null));
}

TEST(PlanStagingTest, EachKindOfChange) {
  const auto t = Table("t");
  const RowImage a = Row(Int(1), 10), b = Row(Int(1), 11), moved = Row(Int(2), 11);

  auto insert = PlanStaging(*t, RowsKind::kWrite, nullptr, &a);
  ASSERT_TRUE(insert);
  EXPECT_FALSE(insert->delete_before);
  EXPECT_TRUE(insert->upsert_after);
  EXPECT_EQ(insert->after_hash, HashOf(*t, a));

  auto del = PlanStaging(*t, RowsKind::kDelete, &a, nullptr);
  ASSERT_TRUE(del);
  EXPECT_TRUE(del->delete_before);
  EXPECT_FALSE(del->upsert_after);

  auto same_key = PlanStaging(*t, RowsKind::kUpdate, &a, &b);
  ASSERT_TRUE(same_key);
  EXPECT_FALSE(same_key->delete_before);  // the upsert overwrites the row in place
  EXPECT_TRUE(same_key->upsert_after);

  auto new_key = PlanStaging(*t, RowsKind::kUpdate, &a, &moved);
  ASSERT_TRUE(new_key);
  EXPECT_TRUE(new_key->delete_before);  // the old key must go
  EXPECT_TRUE(new_key->upsert_after);
  EXPECT_NE(new_key->before_hash, new_key->after_hash);
}

TEST(PlanStagingTest, MinimalImagesAndNullKeysAreNotStaged) {
  const auto t = Table("t");
  RowImage minimal = Row(Int(1), 10);
  minimal.values[1].kind = ValueKind::kAbsent;
  const RowImage full = Row(Int(1), 11);
  EXPECT_FALSE(PlanStaging(*t, RowsKind::kWrite, nullptr, &minimal));
  EXPECT_FALSE(PlanStaging(*t, RowsKind::kDelete, &minimal, nullptr));
  EXPECT_FALSE(PlanStaging(*t, RowsKind::kUpdate, &minimal, &full));
  EXPECT_FALSE(PlanStaging(*t, RowsKind::kUpdate, &full, &minimal));
  RowImage null_key = Row(Int(0), 1);
  null_key.values[0].kind = ValueKind::kNull;
  EXPECT_FALSE(PlanStaging(*t, RowsKind::kWrite, nullptr, &null_key));
  // An image given for the wrong side does not count.
  EXPECT_FALSE(PlanStaging(*t, RowsKind::kWrite, &full, nullptr));
  EXPECT_FALSE(PlanStaging(*t, RowsKind::kDelete, nullptr, &full));
}

TEST(RowCompactionTest, LaterChangeOfAKeyWins) {
  const auto t = Table("t");
  RowCompaction c;
  const RowImage v1 = Row(Int(7), 1), v2 = Row(Int(7), 2);
  const uint64_t h = HashOf(*t, v1);
  EXPECT_EQ(c.Stage(t, true, v1, h), Result::kAdded);
  EXPECT_EQ(c.Stage(t, true, v2, h), Result::kMerged);
  EXPECT_EQ(c.size(), 1u);
  auto batches = c.PlanFlush();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].op, RowOp::kUpsertRows);
  ASSERT_EQ(batches[0].rows.size(), 1u);
  EXPECT_EQ(batches[0].rows[0]->values[1].int_value, 2);  // the last after image

  EXPECT_EQ(c.Stage(t, false, v2, h), Result::kMerged);  // then deleted: a delete
  batches = c.PlanFlush();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].op, RowOp::kDeleteRowsByPrimaryKey);
}

TEST(RowCompactionTest, DeleteThenInsertIsAnUpsertOfTheNewRow) {
  const auto t = Table("t");
  RowCompaction c;
  const RowImage old_row = Row(Int(3), 1), new_row = Row(Int(3), 9);
  const uint64_t h = HashOf(*t, old_row);
  EXPECT_EQ(c.Stage(t, false, old_row, h), Result::kAdded);
  EXPECT_EQ(c.Stage(t, true, new_row, h), Result::kMerged);
  const auto batches = c.PlanFlush();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].op, RowOp::kUpsertRows);
  EXPECT_EQ(batches[0].rows[0]->values[1].int_value, 9);
}

TEST(RowCompactionTest, StagedImagesAreCopies) {
  const auto t = Table("t");
  RowCompaction c;
  RowImage img = Row(Int(1), 5);
  ASSERT_EQ(c.Stage(t, true, img, HashOf(*t, img)), Result::kAdded);
  img.values[1].int_value = 6;  // the walker reuses its image for the next row
  EXPECT_EQ(c.PlanFlush()[0].rows[0]->values[1].int_value, 5);
}

TEST(RowCompactionTest, KeysACaseInsensitiveIndexMayMergeFlushFirst) {
  const auto t = Table("t");
  const std::string lower = "abc", upper = "ABC ";
  const RowImage a = Row(Text(lower), 1), b = Row(Text(upper), 2);
  ASSERT_EQ(HashOf(*t, a), HashOf(*t, b));  // the writeset hash folds on purpose
  RowCompaction c;
  EXPECT_EQ(c.Stage(t, true, a, HashOf(*t, a)), Result::kAdded);
  EXPECT_EQ(c.Stage(t, false, b, HashOf(*t, b)), Result::kFlushFirst);
  EXPECT_EQ(c.size(), 1u);  // nothing merged: the caller flushes, then stages b
  c.Clear();
  EXPECT_EQ(c.Stage(t, false, b, HashOf(*t, b)), Result::kAdded);
}

TEST(RowCompactionTest, SameHashOtherTableFlushesFirst) {
  const auto t = Table("t"), u = Table("u");
  const RowImage row = Row(Int(1), 1);
  RowCompaction c;
  EXPECT_EQ(c.Stage(t, true, row, 42), Result::kAdded);
  EXPECT_EQ(c.Stage(u, true, row, 42), Result::kFlushFirst);
}

// Different values whose only difference lies outside kind/int/uint/bytes: before, the
// exact key saw them as one row after a hash collision and merged two rows.
TEST(RowCompactionTest, DatetimeAndDoubleKeysThatShareAHashAreNotMerged) {
  const auto t = Table("t");
  Value d1;
  d1.kind = ValueKind::kDatetime;
  d1.temporal = {2024, 1, 2, 3, 4, 5, 0, false};
  Value d2 = d1;
  d2.temporal.day = 3;
  RowCompaction c;
  EXPECT_EQ(c.Stage(t, true, Row(d1, 1), 99), Result::kAdded);
  EXPECT_EQ(c.Stage(t, true, Row(d2, 2), 99), Result::kFlushFirst);

  Value x1;
  x1.kind = ValueKind::kDouble;
  x1.double_value = 1.5;
  Value x2 = x1;
  x2.double_value = 2.5;
  c.Clear();
  EXPECT_EQ(c.Stage(t, true, Row(x1, 1), 7), Result::kAdded);
  EXPECT_EQ(c.Stage(t, true, Row(x2, 2), 7), Result::kFlushFirst);
  EXPECT_EQ(c.Stage(t, true, Row(x1, 3), 7), Result::kMerged);  // the same double
}

TEST(ExactRowKeyTest, EveryDistinguishingFieldCounts) {
  const auto t = Table("t");
  auto key_of = [&](const Value& v) { return ExactKey(*t, Row(v, 0)); };
  Value base;
  base.kind = ValueKind::kTime;
  base.temporal = {0, 0, 0, 25, 0, 0, 0, false};
  for (auto change : std::vector<void (*)(Value&)>{
           [](Value& v) { v.temporal.hour = 26; }, [](Value& v) { v.temporal.minute = 1; },
           [](Value& v) { v.temporal.second = 1; }, [](Value& v) { v.temporal.micro = 1; },
           [](Value& v) { v.temporal.negative = true; }, [](Value& v) { v.temporal.month = 1; },
           [](Value& v) { v.temporal.year = 1; }, [](Value& v) { v.kind = ValueKind::kDatetime; }}) {
    Value other = base;
    change(other);
    EXPECT_NE(key_of(base), key_of(other));
  }
  EXPECT_EQ(key_of(base), key_of(base));

  Value ts;
  ts.kind = ValueKind::kTimestamp;
  ts.int_value = 100;
  Value ts_micro = ts;
  ts_micro.temporal.micro = 5;
  EXPECT_NE(key_of(ts), key_of(ts_micro));

  const std::string packed = "\x80\x01";
  Value dec;
  dec.kind = ValueKind::kDecimal;
  dec.precision = 4;
  dec.decimals = 0;
  dec.bytes = binlog::AsBytes(packed);
  Value dec_scaled = dec;
  dec_scaled.decimals = 2;  // same bytes, another number
  EXPECT_NE(key_of(dec), key_of(dec_scaled));

  Value u1;
  u1.kind = ValueKind::kUint;
  u1.uint_value = 1;
  Value e1 = u1;
  e1.kind = ValueKind::kEnum;  // same number, another kind
  EXPECT_NE(key_of(u1), key_of(e1));
}

TEST(ExactRowKeyTest, NoFoldingAndNullIsNotEmpty) {
  const auto t = Table("t");
  const std::string a = "a", big_a = "A", a_space = "a ", empty;
  EXPECT_NE(ExactKey(*t, Row(Text(a), 0)), ExactKey(*t, Row(Text(big_a), 0)));
  EXPECT_NE(ExactKey(*t, Row(Text(a), 0)), ExactKey(*t, Row(Text(a_space), 0)));
  Value null_value;
  null_value.kind = ValueKind::kNull;
  EXPECT_NE(ExactKey(*t, Row(null_value, 0)), ExactKey(*t, Row(Text(empty), 0)));
  // Only key columns count: the payload column differs, the key is one.
  EXPECT_EQ(ExactKey(*t, Row(Int(5), 1)), ExactKey(*t, Row(Int(5), 2)));
}

TEST(ExactRowKeyTest, CompositeKeyPartsDoNotRunTogether) {
  auto t = Table("t");
  t->unique_keys = {{0, 1}};
  const std::string ab = "ab", c = "c", a = "a", bc = "bc";
  RowImage x, y;
  x.values = {Text(ab), Text(c)};
  y.values = {Text(a), Text(bc)};
  EXPECT_NE(ExactKey(*t, x), ExactKey(*t, y));
}

TEST(RowCompactionTest, FlushPlanPerTableInFirstStagedOrderDeletesFirst) {
  const auto t = Table("t"), u = Table("u");
  RowCompaction c;
  const RowImage r1 = Row(Int(1), 0), r2 = Row(Int(2), 0), r3 = Row(Int(3), 0),
                 r4 = Row(Int(4), 0);
  ASSERT_EQ(c.Stage(u, true, r1, HashOf(*u, r1)), Result::kAdded);
  ASSERT_EQ(c.Stage(t, true, r2, HashOf(*t, r2)), Result::kAdded);
  ASSERT_EQ(c.Stage(u, false, r3, HashOf(*u, r3)), Result::kAdded);
  ASSERT_EQ(c.Stage(u, true, r4, HashOf(*u, r4)), Result::kAdded);
  const auto batches = c.PlanFlush();
  ASSERT_EQ(batches.size(), 3u);  // t has no deletes: no empty batch
  EXPECT_EQ(batches[0].table, u.get());
  EXPECT_EQ(batches[0].op, RowOp::kDeleteRowsByPrimaryKey);
  ASSERT_EQ(batches[0].rows.size(), 1u);
  EXPECT_EQ(batches[0].rows[0]->values[0].int_value, 3);
  EXPECT_EQ(batches[1].table, u.get());
  EXPECT_EQ(batches[1].op, RowOp::kUpsertRows);
  ASSERT_EQ(batches[1].rows.size(), 2u);
  EXPECT_EQ(batches[1].rows[0]->values[0].int_value, 1);  // staging order within a batch
  EXPECT_EQ(batches[1].rows[1]->values[0].int_value, 4);
  EXPECT_EQ(batches[2].table, t.get());
  EXPECT_EQ(batches[2].op, RowOp::kUpsertRows);
}

TEST(RowCompactionTest, EmptyAndClearedPlanNothing) {
  const auto t = Table("t");
  RowCompaction c;
  EXPECT_TRUE(c.empty());
  EXPECT_TRUE(c.PlanFlush().empty());
  const RowImage r = Row(Int(1), 0);
  ASSERT_EQ(c.Stage(t, true, r, HashOf(*t, r)), Result::kAdded);
  c.Clear();
  EXPECT_TRUE(c.empty());
  EXPECT_TRUE(c.PlanFlush().empty());
  EXPECT_EQ(c.Stage(t, true, r, HashOf(*t, r)), Result::kAdded);  // the index was cleared too
}

TEST(RowCompactionTest, FullAtTheLimit) {
  const auto t = Table("t");
  RowCompaction c;
  const RowImage r = Row(Int(0), 0);
  for (size_t i = 0; i + 1 < RowCompaction::kMaxStagedRows; ++i) {
    ASSERT_EQ(c.Stage(t, true, r, i), Result::kAdded);
  }
  EXPECT_FALSE(c.full());
  ASSERT_EQ(c.Stage(t, true, r, RowCompaction::kMaxStagedRows), Result::kAdded);
  EXPECT_TRUE(c.full());
  EXPECT_EQ(c.PlanFlush()[0].rows.size(), RowCompaction::kMaxStagedRows);
}

TEST(NextRunTest, RunsOf64Then8Then1) {
  EXPECT_EQ(NextRun(0), 0u);
  EXPECT_EQ(NextRun(1), 1u);
  EXPECT_EQ(NextRun(7), 1u);
  EXPECT_EQ(NextRun(8), 8u);
  EXPECT_EQ(NextRun(63), 8u);
  EXPECT_EQ(NextRun(64), 64u);
  EXPECT_EQ(NextRun(1000), 64u);
  std::vector<uint32_t> runs;
  for (size_t left = 64 + 2 * 8 + 3; left > 0;) {
    const uint32_t run = NextRun(left);
    runs.push_back(run);
    left -= run;
  }
  EXPECT_EQ(runs, (std::vector<uint32_t>{64, 8, 8, 1, 1, 1}));
}

}  // namespace
}  // namespace binsync::replicate
