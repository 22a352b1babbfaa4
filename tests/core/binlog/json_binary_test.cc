// MySQL binary JSON to text: hand-assembled documents, random trees through a test
// encoder (small and large containers, every scalar and opaque kind), corruption (every
// truncation and byte flip), nesting and expansion bounds, and errors naming the column.
#include "core/binlog/json_binary.h"

#include <random>

#include "core/binlog/json_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"
#include "tests/core/binlog/event_builder.h"
#include "tests/core/binlog/json_builder.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::string> Text(const std::vector<uint8_t>& doc) {
  std::string out;
  if (absl::Status st = AppendJsonDocument(doc, &out); !st.ok()) return st;
  return out;
}

std::string MustText(const std::vector<uint8_t>& doc) {
  absl::StatusOr<std::string> t = Text(doc);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : std::string();
}

TEST(JsonBinaryTest, HandAssembledDocuments) {
  // {"a":1}: small object, one key entry (offset 11, length 1), int16 inlined.
  EXPECT_EQ(MustText({0x00, 0x01, 0x00, 0x0c, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x05, 0x01, 0x00, 'a'}),
            R"({"a":1})");
  // [true,-2,"xy"]: small array, literal and int16 inlined, the string at offset 13.
  EXPECT_EQ(MustText({0x02, 0x03, 0x00, 0x10, 0x00, 0x04, 0x01, 0x00, 0x05, 0xfe, 0xff, 0x0c, 0x0d,
                      0x00, 0x02, 'x', 'y'}),
            R"([true,-2,"xy"])");
  // Large array [70000] with an inlined uint32, and [-70000] as int32 in a small array.
  EXPECT_EQ(MustText({0x03, 0x01, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x08, 0x70, 0x11, 0x01,
                      0x00}),
            "[70000]");
  EXPECT_EQ(MustText({0x02, 0x01, 0x00, 0x0b, 0x00, 0x07, 0x07, 0x00, 0x90, 0xee, 0xfe, 0xff}),
            "[-70000]");
  // Scalars at the top.
  EXPECT_EQ(MustText({}), "null");
  EXPECT_EQ(MustText({0x04, 0x02}), "false");
  EXPECT_EQ(MustText({0x09, 0, 0, 0, 0, 0, 0, 0, 0x80}), "-9223372036854775808");
  EXPECT_EQ(MustText({0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
            "18446744073709551615");
  EXPECT_EQ(MustText({0x0b, 0, 0, 0, 0, 0, 0, 0x08, 0x40}), "3.0");  // 3.0 keeps ".0"
  EXPECT_EQ(MustText({0x0b, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f}), "0.1");
  // A string of 200 bytes: two-byte varlen length (0xc8 0x01).
  std::vector<uint8_t> s = {0x0c, 0xc8, 0x01};
  s.insert(s.end(), 200, 'q');
  EXPECT_EQ(MustText(s), StrCat("\"", std::string(200, 'q'), "\""));
  EXPECT_EQ(MustText({0x0c, 0x05, 'a', '"', '\\', '\n', 0x01}), R"("a\"\\\n\u0001")");
  // Empty key and empty containers.
  EXPECT_EQ(MustText({0x00, 0x01, 0x00, 0x0b, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00}),
            R"({"":null})");
  EXPECT_EQ(MustText({0x00, 0x00, 0x00, 0x04, 0x00}), "{}");
  EXPECT_EQ(MustText({0x03, 0, 0, 0, 0, 0x08, 0, 0, 0}), "[]");
}

TEST(JsonBinaryTest, OpaqueValuesPrintAsMysqlDoes) {
  struct Case {
    uint8_t type;
    std::vector<uint8_t> data;
    std::string text;
  };
  auto decimal = [](std::string_view v, int p, int s) {
    Bytes b;
    b.U8(static_cast<uint64_t>(p)).U8(static_cast<uint64_t>(s));
    EncodeDecimal(v, p, s, &b);
    return b.bytes();
  };
  auto packed = [](int64_t v) {
    Bytes b;
    b.U64(static_cast<uint64_t>(v));
    return b.bytes();
  };
  const std::vector<Case> cases = {
      {246, decimal("123.456", 6, 3), "123.456"},
      {246, decimal("9.00", 3, 2), "9.00"},
      {246, decimal("-0.5", 2, 1), "-0.5"},
      {246, decimal("-12345678901234567890.123456789", 30, 9), "-12345678901234567890.123456789"},
      {10, packed(DatetimePacked(2012, 3, 18, 0, 0, 0, 0)), "\"2012-03-18\""},
      {12, packed(DatetimePacked(2012, 3, 18, 11, 30, 45, 0)), "\"2012-03-18 11:30:45.000000\""},
      {7, packed(DatetimePacked(1999, 12, 31, 23, 59, 59, 999999)),
       "\"1999-12-31 23:59:59.999999\""},
      {12, packed(DatetimePacked(0, 0, 0, 0, 0, 0, 0)), "\"0000-00-00 00:00:00.000000\""},
      {11, packed(TimePacked(false, 87, 31, 46, 654321)), "\"87:31:46.654321\""},
      {11, packed(TimePacked(true, 838, 59, 59, 0)), "\"-838:59:59.000000\""},
      {11, packed(TimePacked(true, 0, 0, 0, 10000)), "\"-00:00:00.010000\""},
      {15, {'U'}, "\"base64:type15:VQ==\""},
      {252, {}, "\"base64:type252:\""},
      {252, std::vector<uint8_t>(58, 0),
       StrCat("\"base64:type252:", std::string(76, 'A'), "\\nAA==\"")},
      {16, {0xff, 0xfe}, "\"base64:type16://4=\""},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> doc = {0x0f, c.type};
    JsonVarLength(c.data.size(), &doc);
    doc.insert(doc.end(), c.data.begin(), c.data.end());
    EXPECT_EQ(MustText(doc), c.text) << int{c.type};
  }
}

TEST(JsonBinaryTest, RandomTreesRoundTrip) {
  std::mt19937 rng(17);
  for (int i = 0; i < 400; ++i) {
    const JsonNode tree = RandomJson(rng, 0);
    for (bool large : {false, true}) {
      const std::vector<uint8_t> doc = EncodeJsonDocument(tree, large);
      EXPECT_EQ(MustText(doc), tree.Text()) << "tree " << i << (large ? " large" : " small");
    }
  }
}

TEST(JsonBinaryTest, ContainersLargerThan64KiBUseTheLargeForm) {
  JsonNode big = JsonNode::Array();
  for (int i = 0; i < 3000; ++i) big.elements.push_back(JsonNode::String(std::string(30, 'k')));
  big.elements.push_back(JsonNode::Int32(-70000));
  const std::vector<uint8_t> doc = EncodeJsonDocument(big, /*large=*/false);
  ASSERT_EQ(doc[0], 0x03);  // the encoder had to switch to large
  EXPECT_EQ(MustText(doc), big.Text());
}

TEST(JsonBinaryTest, NestingIsBounded) {
  auto nested = [](int depth) {
    JsonNode n = JsonNode::Int16(1);
    for (int i = 0; i < depth; ++i) {
      JsonNode a = JsonNode::Array();
      a.elements.push_back(std::move(n));
      n = std::move(a);
    }
    return EncodeJsonDocument(n, false);
  };
  EXPECT_TRUE(Text(nested(kMaxJsonNesting)).ok());
  const absl::StatusOr<std::string> deep = Text(nested(kMaxJsonNesting + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_THAT(std::string(deep.status().message()), HasSubstr("nested deeper than 100"));
}

// Elements whose offsets all point at the same nested array: legal bytes for the reader,
// exponential text. The expansion bound stops it.
TEST(JsonBinaryTest, OverlappingOffsetsCannotExpandWithoutBound) {
  // Level 0: [] at offset 0 of nothing; each level: a small array of 8 entries all
  // pointing at one copy of the level below.
  std::vector<uint8_t> inner = {0x00, 0x00, 0x04, 0x00};  // [] body (count 0, size 4)
  uint8_t inner_type = 0x02;
  for (int level = 0; level < 12; ++level) {
    Bytes b;
    const size_t entries = 8;
    const size_t size = 4 + entries * 3 + inner.size();
    b.U16(entries).U16(size);
    for (size_t k = 0; k < entries; ++k) b.U8(inner_type).U16(4 + entries * 3);
    b.Raw(inner);
    inner = b.bytes();
    inner_type = 0x02;
  }
  std::vector<uint8_t> doc = {0x02};
  doc.insert(doc.end(), inner.begin(), inner.end());
  const absl::StatusOr<std::string> t = Text(doc);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("overlapping offsets"));
}

TEST(JsonBinaryTest, MalformedDocumentsAreErrors) {
  auto fails = [](std::vector<uint8_t> doc, std::string_view what) {
    const absl::StatusOr<std::string> t = Text(doc);
    ASSERT_FALSE(t.ok()) << what;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(std::string(what)));
    EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  };
  fails({0x0d}, "unknown value type 0x0d");
  fails({0x04, 0x03}, "unknown literal 3");
  fails({0x04}, "literal truncated");
  fails({0x05, 0x01}, "int16 truncated");
  fails({0x0b, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f}, "not finite");
  fails({0x0c, 0x05, 'a'}, "runs past its end");
  fails({0x0c, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, "length malformed");
  fails({0x0c, 0x02, 0xc3, 0x28}, "not UTF-8");
  fails({0x00, 0x01}, "container header truncated");
  fails({0x02, 0x01, 0x00, 0x20, 0x00, 0x04}, "container of 32 bytes in 5 bytes");
  fails({0x02, 0x02, 0x00, 0x06, 0x00, 0x04, 0x01}, "does not fit");
  fails({0x02, 0x01, 0x00, 0x07, 0x00, 0x0c, 0x09, 0x00}, "outside its container");
  fails({0x00, 0x01, 0x00, 0x0b, 0x00, 0x0a, 0x00, 0x05, 0x00, 0x04, 0x00, 0x00},
        "key 0 runs past");
  fails({0x0f, 246, 0x01, 0x05}, "opaque DECIMAL without precision");
  fails({0x0f, 246, 0x02, 0x05, 0x02}, "opaque DECIMAL");
  fails({0x0f, 12, 0x02, 0x00, 0x00}, "expected 8");
}

// Every truncation and single-byte mutation of encoded random documents: an error or a
// valid text, never a crash (also under ASan/UBSan).
TEST(JsonBinaryTest, EveryTruncationAndByteFlipFailsCleanly) {
  std::mt19937 rng(99);
  for (int i = 0; i < 30; ++i) {
    const std::vector<uint8_t> doc = EncodeJsonDocument(RandomJson(rng, 0), i % 2 == 0);
    for (size_t n = 0; n < doc.size(); ++n) {
      (void)Text(std::vector<uint8_t>(doc.begin(), doc.begin() + static_cast<ptrdiff_t>(n)));
    }
    for (size_t k = 0; k < doc.size(); ++k) {
      for (uint8_t mask : {0x01, 0x80, 0xff}) {
        std::vector<uint8_t> m = doc;
        m[k] ^= mask;
        (void)Text(m);
      }
    }
  }
}

// A MySQL file with a JSON column: the value prints as JSON; a corrupt document is an
// error naming file:pos, the event type and the column.
TEST(JsonBinaryTest, JsonColumnsInRowEventsAndErrorsNamingTheColumn) {
  JsonNode obj = JsonNode::Object();
  obj.members.emplace_back("age", JsonNode::Int16(24));
  obj.members.emplace_back("name", JsonNode::String("Joe"));
  auto build = [&](const std::vector<uint8_t>& doc) {
    EventBuilder b(Flavor::kMysql80, true);
    Bytes names;
    names.PackedStr("id").PackedStr("j");
    Bytes meta;
    meta.U8(4).Packed(names.size()).Raw(names.bytes());
    const std::vector<ColumnSpec> cols = {{3, {}, false}, {245, {4}}};
    Bytes rows;
    rows.U8(0).U32(7).U32(doc.size()).Raw(doc);
    const std::vector<uint8_t> all = {0x03};
    return EventBuilder::File(
        {b.Fde(), b.Event(19, EventBuilder::TableMapBody(9, "db", "t", cols, meta.bytes())),
         b.Event(30, EventBuilder::RowsBody(true, 9, 2, all, nullptr, rows.bytes()))});
  };
  DecodeResult r = DecodeBuffer("j.000001", build(EncodeJsonDocument(obj, false)));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows,
            std::vector<std::string>{R"(insert db.t {"id":7,"j":{"age":24,"name":"Joe"}})"});
  r = DecodeBuffer("j.000001", build({}));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, std::vector<std::string>{R"(insert db.t {"id":7,"j":null})"});
  r = DecodeBuffer("j.000001", build({0x0c, 0x09, 'a'}));
  ASSERT_FALSE(r.status.ok());
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("j.000001:"));
  EXPECT_THAT(std::string(r.status.message()), HasSubstr(": WRITE_ROWS_V2: column 2 j: JSON: "));
}

}  // namespace
}  // namespace binsync::binlog::testing
