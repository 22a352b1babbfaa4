#include "core/binlog/column_codec.h"

#include <random>
#include <string>
#include <vector>

#include "core/binlog/json_format.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog {
namespace {

using testing::Bytes;

ColumnDef Resolve(uint8_t type, std::vector<uint8_t> meta) {
  ColumnDef col;
  absl::Status st = ResolveColumn(type, meta, &col);
  EXPECT_TRUE(st.ok()) << st;
  return col;
}

Value DecodeOne(const ColumnDef& col, const std::vector<uint8_t>& cell) {
  size_t len = 0;
  absl::Status st = CellLength(col, cell, &len);
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(len, cell.size());
  Value v;
  st = DecodeCell(col, ByteView(cell).first(len), &v);
  EXPECT_TRUE(st.ok()) << st;
  return v;
}

std::string Json(const Value& v) {
  std::string out;
  EXPECT_TRUE(AppendJsonValue(v, {}, &out).ok());
  return out;
}

TEST(ColumnCodecTest, IntegersRoundTripSignedAndUnsigned) {
  std::mt19937_64 rng(1);
  const std::pair<uint8_t, int> types[] = {{1, 1}, {2, 2}, {9, 3}, {3, 4}, {8, 8}};
  for (auto [type, size] : types) {
    for (bool is_unsigned : {false, true}) {
      ColumnDef col = Resolve(type, {});
      col.is_unsigned = is_unsigned;
      for (int i = 0; i < 200; ++i) {
        const uint64_t raw = size == 8 ? rng() : rng() & ((uint64_t{1} << (8 * size)) - 1);
        Bytes b;
        b.LE(raw, static_cast<size_t>(size));
        const Value v = DecodeOne(col, b.bytes());
        if (is_unsigned) {
          ASSERT_EQ(v.kind, ValueKind::kUint);
          EXPECT_EQ(v.uint_value, raw);
        } else {
          ASSERT_EQ(v.kind, ValueKind::kInt);
          const int shift = 64 - 8 * size;
          EXPECT_EQ(v.int_value, static_cast<int64_t>(raw << shift) >> shift);
        }
      }
    }
  }
  ColumnDef big = Resolve(8, {});
  big.is_unsigned = true;
  Bytes b;
  b.U64(~uint64_t{0});
  EXPECT_EQ(Json(DecodeOne(big, b.bytes())), "18446744073709551615");
}

std::string Canonical(bool negative, std::string ip, std::string fp) {
  ip.erase(0, std::min(ip.find_first_not_of('0'), ip.size()));
  if (ip.empty()) ip = "0";
  std::string s = ip + (fp.empty() ? "" : "." + fp);
  const bool zero = s.find_first_not_of("0.") == std::string::npos;
  return (negative && !zero ? "-" : "") + s;
}

TEST(ColumnCodecTest, DecimalRoundTripAllPrecisions) {
  std::mt19937 rng(2);
  for (int precision = 1; precision <= 65; ++precision) {
    for (int scale = 0; scale <= std::min(precision, 30); scale += (precision > 20 ? 3 : 1)) {
      for (int k = 0; k < 5; ++k) {
        std::string ip, fp;
        const int int_digits = static_cast<int>(rng() % static_cast<unsigned>(precision - scale + 1));
        for (int i = 0; i < int_digits; ++i) ip += static_cast<char>('0' + rng() % 10);
        for (int i = 0; i < scale; ++i) fp += static_cast<char>('0' + rng() % 10);
        const bool negative = rng() % 2 == 0;
        const std::string text = (negative ? "-" : "") + (ip.empty() ? "0" : ip) +
                                 (fp.empty() ? "" : "." + fp);
        Bytes cell;
        testing::EncodeDecimal(text, precision, scale, &cell);
        const ColumnDef col = Resolve(246, {static_cast<uint8_t>(precision),
                                            static_cast<uint8_t>(scale)});
        ASSERT_EQ(cell.size(), col.fixed_length) << text;
        const Value v = DecodeOne(col, cell.bytes());
        std::string out;
        ASSERT_TRUE(AppendDecimal(v.bytes, precision, scale, &out).ok());
        EXPECT_EQ(out, Canonical(negative, ip, fp)) << "DECIMAL(" << precision << "," << scale << ")";
      }
    }
  }
}

TEST(ColumnCodecTest, DecimalRejectsBadGroups) {
  Bytes cell;
  cell.BE(0x80000000u | 1000000000u, 4);  // 10 digits in a 9-digit group
  std::string out;
  EXPECT_FALSE(AppendDecimal(cell.bytes(), 9, 0, &out).ok());
}

TEST(ColumnCodecTest, Time2RoundTripEveryPrecisionIncludingNegatives) {
  std::mt19937 rng(3);
  static constexpr uint32_t kPow10[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  for (uint8_t fsp = 0; fsp <= 6; ++fsp) {
    const ColumnDef col = Resolve(19, {fsp});
    for (int i = 0; i < 300; ++i) {
      const bool neg = rng() % 2 == 0;
      const int h = static_cast<int>(rng() % 839), m = static_cast<int>(rng() % 60),
                s = static_cast<int>(rng() % 60);
      uint32_t micro = rng() % 1000000;
      if (i % 7 == 0) micro = 0;
      if (i % 11 == 0) micro = 10000;  // -00:00:00.01 class
      Bytes cell;
      testing::EncodeTime2(neg, h, m, s, micro, fsp, &cell);
      const Value v = DecodeOne(col, cell.bytes());
      const uint32_t expect_micro = micro / kPow10[6 - fsp] * kPow10[6 - fsp];
      const bool expect_neg = neg && (h || m || s || expect_micro);
      ASSERT_EQ(v.kind, ValueKind::kTime);
      EXPECT_EQ(v.temporal.negative, expect_neg) << h << ":" << m << ":" << s << "." << micro;
      EXPECT_EQ(v.temporal.hour, static_cast<uint32_t>(h));
      EXPECT_EQ(v.temporal.minute, m);
      EXPECT_EQ(v.temporal.second, s);
      EXPECT_EQ(v.temporal.micro, expect_micro) << "fsp " << int{fsp};
    }
  }
  Bytes cell;
  testing::EncodeTime2(true, 0, 0, 0, 10000, 2, &cell);
  EXPECT_EQ(Json(DecodeOne(Resolve(19, {2}), cell.bytes())), "\"-00:00:00.01\"");
}

TEST(ColumnCodecTest, Datetime2AndTimestamp2) {
  std::mt19937 rng(4);
  for (uint8_t fsp = 0; fsp <= 6; ++fsp) {
    const ColumnDef col = Resolve(18, {fsp});
    for (int i = 0; i < 100; ++i) {
      const int y = static_cast<int>(rng() % 10000), mo = static_cast<int>(rng() % 13),
                d = static_cast<int>(rng() % 32), h = static_cast<int>(rng() % 24),
                mi = static_cast<int>(rng() % 60), s = static_cast<int>(rng() % 60);
      const uint32_t micro = (rng() % 1000000) / 10000 * 10000;
      Bytes cell;
      testing::EncodeDatetime2(y, mo, d, h, mi, s, micro, fsp, &cell);
      const Value v = DecodeOne(col, cell.bytes());
      EXPECT_EQ(v.temporal.year, y);
      EXPECT_EQ(v.temporal.month, mo);
      EXPECT_EQ(v.temporal.day, d);
      EXPECT_EQ(v.temporal.hour, static_cast<uint32_t>(h));
      EXPECT_EQ(v.temporal.minute, mi);
      EXPECT_EQ(v.temporal.second, s);
      EXPECT_EQ(v.temporal.micro, fsp == 0 ? 0 : micro);
    }
  }
  Bytes dt;
  testing::EncodeDatetime2(2024, 2, 29, 23, 59, 58, 123456, 6, &dt);
  EXPECT_EQ(Json(DecodeOne(Resolve(18, {6}), dt.bytes())), "\"2024-02-29 23:59:58.123456\"");
  Bytes zero;
  testing::EncodeDatetime2(0, 0, 0, 0, 0, 0, 0, 0, &zero);
  EXPECT_EQ(Json(DecodeOne(Resolve(18, {0}), zero.bytes())), "\"0000-00-00 00:00:00\"");
  Bytes ts;
  ts.BE(1668951630, 4).BE(1234, 2);
  EXPECT_EQ(Json(DecodeOne(Resolve(17, {3}), ts.bytes())), "\"2022-11-20 13:40:30.123\"");
}

TEST(ColumnCodecTest, OldTemporalTypesYearDateBit) {
  Bytes date;
  date.LE((2017u << 9) | (4u << 5) | 13u, 3);
  EXPECT_EQ(Json(DecodeOne(Resolve(10, {}), date.bytes())), "\"2017-04-13\"");
  Bytes old_dt;
  old_dt.U64(20060215040342ull);
  EXPECT_EQ(Json(DecodeOne(Resolve(12, {}), old_dt.bytes())), "\"2006-02-15 04:03:42\"");
  Bytes old_time;
  old_time.LE(static_cast<uint32_t>(-8385959) & 0xffffff, 3);
  EXPECT_EQ(Json(DecodeOne(Resolve(11, {}), old_time.bytes())), "\"-838:59:59\"");
  EXPECT_EQ(Json(DecodeOne(Resolve(13, {}), {68})), "1968");
  EXPECT_EQ(Json(DecodeOne(Resolve(13, {}), {0})), "0");
  const ColumnDef bit3 = Resolve(16, {3, 0});
  EXPECT_EQ(bit3.fixed_length, 1u);
  EXPECT_EQ(Json(DecodeOne(bit3, {0x04})), "4");
  const ColumnDef bit64 = Resolve(16, {0, 8});
  EXPECT_EQ(Json(DecodeOne(bit64, {0xff, 0, 0, 0, 0, 0, 0, 1})), "18374686479671623681");
}

TEST(ColumnCodecTest, FloatDoubleShortestForm) {
  Bytes f;
  const float fv = 1.1f;
  uint32_t fb;
  std::memcpy(&fb, &fv, 4);
  f.U32(fb);
  EXPECT_EQ(Json(DecodeOne(Resolve(4, {4}), f.bytes())), "1.1");
  Bytes d;
  const double dv = 0.1 + 0.2;
  uint64_t db;
  std::memcpy(&db, &dv, 8);
  d.U64(db);
  EXPECT_EQ(Json(DecodeOne(Resolve(5, {8}), d.bytes())), "0.30000000000000004");
}

TEST(ColumnCodecTest, StringsPrefixesAndCharQuirk) {
  std::mt19937 rng(5);
  for (uint16_t max_len : {1, 100, 255, 256, 765, 65535}) {
    ColumnDef col = Resolve(15, {static_cast<uint8_t>(max_len & 0xff),
                                 static_cast<uint8_t>(max_len >> 8)});
    col.collation = 45;
    EXPECT_EQ(col.length_bytes, max_len < 256 ? 1 : 2);
    std::string s(rng() % (std::min<size_t>(max_len, 300) + 1), 'x');
    Bytes cell;
    cell.LE(s.size(), col.length_bytes).Str(s);
    const Value v = DecodeOne(col, cell.bytes());
    EXPECT_EQ(v.text(), s);
  }
  // CHAR(128) utf8mb4: metadata de 00 -> STRING, 512 bytes max, 2-byte prefix.
  const ColumnDef chr = Resolve(254, {0xde, 0x00});
  EXPECT_EQ(chr.real_type, 254);
  EXPECT_EQ(chr.max_length, 512u);
  EXPECT_EQ(chr.length_bytes, 2);
  // CHAR(20) utf8 metadata 0xfe3c (byte0 fe, byte1 3c) -> 60 bytes, 1-byte prefix.
  const ColumnDef c20 = Resolve(254, {0xfe, 0x3c});
  EXPECT_EQ(c20.max_length, 60u);
  EXPECT_EQ(c20.length_bytes, 1);
  const ColumnDef e = Resolve(254, {0xf7, 0x01});
  EXPECT_EQ(e.real_type, 247);
  EXPECT_EQ(Json(DecodeOne(e, {2})), "2");
  const ColumnDef set8 = Resolve(254, {0xf8, 0x08});
  EXPECT_EQ(set8.fixed_length, 8u);
  ColumnDef blob = Resolve(252, {2});
  blob.collation = kBinaryCollation;
  EXPECT_EQ(Json(DecodeOne(blob, {2, 0, 0xab, 0x01})), "\"0xab01\"");
  ColumnDef latin = Resolve(252, {1});
  latin.collation = 8;
  EXPECT_EQ(Json(DecodeOne(latin, {2, 0xe9, 0x80})), "\"\xc3\xa9\xe2\x82\xac\"");
}

TEST(ColumnCodecTest, BadMetadataAndTruncatedCellsAreErrors) {
  ColumnDef col;
  EXPECT_FALSE(ResolveColumn(246, std::vector<uint8_t>{70, 2}, &col).ok());  // precision 70
  EXPECT_FALSE(ResolveColumn(16, std::vector<uint8_t>{8, 0}, &col).ok());
  EXPECT_FALSE(ResolveColumn(252, std::vector<uint8_t>{5}, &col).ok());
  EXPECT_FALSE(ResolveColumn(18, std::vector<uint8_t>{7}, &col).ok());
  EXPECT_FALSE(ResolveColumn(254, std::vector<uint8_t>{0xf7, 3}, &col).ok());
  EXPECT_EQ(ResolveColumn(0, {}, &col).code(), absl::StatusCode::kUnimplemented);
  const ColumnDef v = Resolve(15, {10, 0});
  size_t len;
  EXPECT_FALSE(CellLength(v, std::vector<uint8_t>{5, 'a'}, &len).ok());
  EXPECT_FALSE(CellLength(v, std::vector<uint8_t>{11, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}, &len).ok());
  EXPECT_FALSE(CellLength(Resolve(8, {}), std::vector<uint8_t>{1, 2, 3}, &len).ok());
}

}  // namespace
}  // namespace binsync::binlog
