// MariaDB compressed events (165-171): the compressed record codec by round trip and
// corruption, and whole files whose compressed events decode equal to their uncompressed
// twins, with errors naming file:pos and the event type.
#include "core/binlog/compressed_event.h"

#include <random>

#include "core/binlog/events.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> RandomBytes(std::mt19937& rng, size_t n, bool compressible) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = static_cast<uint8_t>(compressible ? "abcab"[rng() % 5] : rng());
  }
  return v;
}

TEST(DecompressRecordTest, RoundTripsRandomPayloadsOfEveryLengthFieldSize) {
  std::mt19937 rng(11);
  std::vector<uint8_t> buffer;
  for (size_t size : {size_t{0}, size_t{1}, size_t{255}, size_t{256}, size_t{65535}, size_t{65536},
                      size_t{70001}}) {
    for (size_t min_len = 1; min_len <= 4; ++min_len) {
      const std::vector<uint8_t> plain = RandomBytes(rng, size, (size + min_len) % 2 == 0);
      const std::vector<uint8_t> record = MariaCompress(plain, min_len);
      ASSERT_FALSE(record.empty());
      ByteView out;
      ASSERT_TRUE(DecompressRecord(record, kMaxDecompressedSize, &buffer, &out).ok())
          << size << " " << min_len;
      EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.end()), plain);
    }
  }
}

TEST(DecompressRecordTest, ReusesTheBufferForSmallerRecords) {
  std::mt19937 rng(3);
  std::vector<uint8_t> buffer;
  ByteView out;
  ASSERT_TRUE(DecompressRecord(MariaCompress(RandomBytes(rng, 5000, true)), kMaxDecompressedSize,
                               &buffer, &out)
                  .ok());
  const uint8_t* data = buffer.data();
  const size_t capacity = buffer.capacity();
  for (int i = 0; i < 50; ++i) {
    const std::vector<uint8_t> plain = RandomBytes(rng, rng() % 5000, false);
    ASSERT_TRUE(DecompressRecord(MariaCompress(plain), kMaxDecompressedSize, &buffer, &out).ok());
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.end()), plain);
  }
  EXPECT_EQ(buffer.data(), data);
  EXPECT_EQ(buffer.capacity(), capacity);
}

TEST(DecompressRecordTest, MalformedRecordsAreErrors) {
  std::mt19937 rng(5);
  const std::vector<uint8_t> plain = RandomBytes(rng, 300, true);
  const std::vector<uint8_t> good = MariaCompress(plain);  // header 0x82, 2 length bytes
  std::vector<uint8_t> buffer;
  ByteView out;
  auto fails_with = [&](std::vector<uint8_t> record, std::string_view what,
                        size_t max = kMaxDecompressedSize) {
    const absl::Status st = DecompressRecord(record, max, &buffer, &out);
    EXPECT_FALSE(st.ok()) << what;
    EXPECT_THAT(std::string(st.message()), HasSubstr(std::string(what)));
  };
  fails_with({}, "empty");
  std::vector<uint8_t> r = good;
  r[0] = 0x02;
  fails_with(r, "lacks the compressed bit");
  r = good;
  r[0] = 0x92;
  fails_with(r, "algorithm 1");
  r = good;
  r[0] = 0x80;
  fails_with(r, "length field of 0 bytes");
  r[0] = 0x85;
  fails_with(r, "length field of 5 bytes");
  fails_with({0x84, 0x00, 0x01}, "header truncated");
  r = good;
  r[2] = static_cast<uint8_t>(r[2] + 1);  // claims one byte more than the stream holds
  fails_with(r, "inflates to 300 bytes, header says 301");
  r = good;
  r[2] = static_cast<uint8_t>(r[2] - 1);  // claims one byte less
  fails_with(r, "stream longer than the stated size");
  r = good;
  r.push_back(0);
  fails_with(r, "1 bytes after the zlib stream");
  r = good;
  r[6] ^= 0xff;
  EXPECT_FALSE(DecompressRecord(r, kMaxDecompressedSize, &buffer, &out).ok());
  fails_with(good, "above the limit of 299", 299);
  fails_with({0x84, 0x10, 0x00, 0x00, 0x00, 0x78, 0x9c}, "impossible for zlib");
  EXPECT_TRUE(DecompressRecord(good, 300, &buffer, &out).ok());
}

// A MariaDB file: a table of (BIGINT, VARCHAR(300) utf8mb4, BLOB), one statement and
// rows events of each kind, either plain (23-25) or compressed (165, 166-168 or 169-171).
enum class Form { kPlain, kCompressedV1, kCompressedV2 };

struct Workload {
  std::vector<std::vector<uint8_t>> inserts;  // encoded row images, one entry per event
  size_t insert_rows = 0;
  std::vector<uint8_t> update;  // before + after image
  std::vector<uint8_t> del;
  std::string sql;
};

void RowImage3(Bytes* b, uint64_t id, std::string_view name, const std::vector<uint8_t>& blob) {
  b->U8(0).U64(id).U16(name.size()).Str(name).U16(blob.size()).Raw(blob);
}

Workload RandomWorkload(std::mt19937& rng) {
  Workload w;
  auto text = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + rng() % 26);
    return s;
  };
  for (int i = 0; i < 1 + static_cast<int>(rng() % 4); ++i) {
    Bytes rows;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 6); ++k) {
      RowImage3(&rows, rng(), text(rng() % 300), RandomBytes(rng, rng() % 600, rng() % 2 == 0));
      ++w.insert_rows;
    }
    w.inserts.push_back(rows.bytes());
  }
  Bytes upd;
  RowImage3(&upd, 7, text(20), RandomBytes(rng, 10, false));
  RowImage3(&upd, 7, text(299), RandomBytes(rng, 1000, true));
  w.update = upd.bytes();
  Bytes del;
  RowImage3(&del, 9, "", {});
  w.del = del.bytes();
  w.sql = StrCat("INSERT INTO t SELECT '", text(rng() % 400), "'");
  return w;
}

std::vector<uint8_t> BuildFile(Form form, const Workload& w, bool crc) {
  EventBuilder b(Flavor::kMariaDb1011, crc);
  std::vector<std::vector<uint8_t>> events;
  events.push_back(b.Fde());
  const bool compressed = form != Form::kPlain;
  const std::vector<uint8_t> sql(w.sql.begin(), w.sql.end());
  std::vector<uint8_t> query = EventBuilder::QueryBody("db", "");
  const std::vector<uint8_t> text = compressed ? MariaCompress(sql) : sql;
  query.insert(query.end(), text.begin(), text.end());
  events.push_back(b.Event(compressed ? 165 : 2, query));
  Bytes names;
  for (std::string_view n : {"id", "name", "data"}) names.PackedStr(n);
  Bytes meta;
  meta.U8(3).Packed(2).Packed(45).Packed(63);  // COLUMN_CHARSET utf8mb4, binary
  meta.U8(4).Packed(names.size()).Raw(names.bytes());
  const std::vector<ColumnSpec> cols = {{8, {}, false}, {15, {0x2c, 0x01}}, {252, {2}}};
  events.push_back(b.Event(19, EventBuilder::TableMapBody(5, "db", "t", cols, meta.bytes())));
  const bool v2 = form == Form::kCompressedV2;
  const uint8_t base = form == Form::kPlain ? 23 : (v2 ? 169 : 166);
  const std::vector<uint8_t> all = {0x07};
  auto rows_event = [&](int kind, const std::vector<uint8_t>& rows) {
    const std::vector<uint8_t> data = compressed ? MariaCompress(rows) : rows;
    events.push_back(
        b.Event(static_cast<uint8_t>(base + kind),
                EventBuilder::RowsBody(v2, 5, 3, all, kind == 1 ? &all : nullptr, data)));
  };
  for (const auto& rows : w.inserts) rows_event(0, rows);
  rows_event(1, w.update);
  rows_event(2, w.del);
  Bytes xid;
  xid.U64(1);
  events.push_back(b.Event(16, xid.bytes()));
  return EventBuilder::File(events);
}

TEST(CompressedEventsTest, DecodeEqualToTheirUncompressedTwins) {
  std::mt19937 rng(2024);
  for (int round = 0; round < 20; ++round) {
    const Workload w = RandomWorkload(rng);
    const bool crc = round % 2 == 0;
    const DecodeResult plain = DecodeBuffer("plain.000001", BuildFile(Form::kPlain, w, crc));
    ASSERT_TRUE(plain.status.ok()) << plain.status;
    ASSERT_EQ(plain.rows.size(), w.insert_rows + 2);
    EXPECT_EQ(plain.queries, std::vector<std::string>{w.sql});
    for (Form form : {Form::kCompressedV1, Form::kCompressedV2}) {
      const DecodeResult c = DecodeBuffer("c.000001", BuildFile(form, w, crc));
      ASSERT_TRUE(c.status.ok()) << c.status;
      EXPECT_EQ(c.rows, plain.rows);
      EXPECT_EQ(c.queries, plain.queries);
      EXPECT_EQ(c.counts.at("MARIA_QUERY_COMPRESSED"), 1);
      const std::string_view write = form == Form::kCompressedV1 ? "MARIA_WRITE_ROWS_COMPRESSED_V1"
                                                                 : "MARIA_WRITE_ROWS_COMPRESSED";
      EXPECT_EQ(c.counts.at(std::string(write)), static_cast<int>(w.inserts.size()));
    }
  }
}

TEST(CompressedEventsTest, ValuesOfAKnownRow) {
  Workload w;
  Bytes rows;
  RowImage3(&rows, 42, "caf\xc3\xa9", {0xde, 0xad});
  w.inserts.push_back(rows.bytes());
  Bytes upd;
  RowImage3(&upd, 42, "caf\xc3\xa9", {0xde, 0xad});
  RowImage3(&upd, 42, std::string(300, 'z'), {});
  w.update = upd.bytes();
  Bytes del;
  RowImage3(&del, 42, "x", {1});
  w.del = del.bytes();
  w.sql = "DELETE FROM t";
  const DecodeResult r = DecodeBuffer("v.000001", BuildFile(Form::kCompressedV1, w, true));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0], R"(insert db.t {"id":42,"name":"café","data":"0xdead"})");
  EXPECT_EQ(r.rows[1], StrCat(R"(update db.t {"id":42,"name":"café","data":"0xdead"} -> )",
                              R"({"id":42,"name":")", std::string(300, 'z'), R"(","data":"0x"})"));
  EXPECT_EQ(r.rows[2], R"(delete db.t {"id":42,"name":"x","data":"0x01"})");
  EXPECT_EQ(r.queries, std::vector<std::string>{"DELETE FROM t"});
}

// Flips a byte inside the compressed record of each compressed event: the error names the
// file, the event's position and type.
TEST(CompressedEventsTest, CorruptRecordNamesFilePositionAndType) {
  std::mt19937 rng(8);
  const Workload w = RandomWorkload(rng);
  const std::vector<uint8_t> file = BuildFile(Form::kCompressedV1, w, /*crc=*/false);
  auto reader = FileReader::FromBuffer("f", file);
  ASSERT_TRUE(reader.ok());
  EventView ev;
  int checked = 0;
  while (*(*reader)->Next(&ev)) {
    const uint8_t type = ev.header.type;
    if (!IsMariaCompressedType(type)) continue;
    // The record ends the event; its zlib stream is well past the header.
    const size_t flip = ev.offset + ev.raw.size() - 6;
    std::vector<uint8_t> bad = file;
    bad[flip] ^= 0x55;
    const DecodeResult r = DecodeBuffer("bad.000001", bad);
    ASSERT_FALSE(r.status.ok()) << EventTypeName(type);
    EXPECT_THAT(std::string(r.status.message()),
                HasSubstr(StrCat("bad.000001:", ev.offset, ": ", EventTypeName(type), ": ")));
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(w.inserts.size()) + 3);
}

TEST(CompressedEventsTest, InflatedRowsLiveInTheCallersScratch) {
  std::mt19937 rng(4);
  const Workload w = RandomWorkload(rng);
  const std::vector<uint8_t> file = BuildFile(Form::kCompressedV1, w, true);
  auto reader = FileReader::FromBuffer("s", file);
  ASSERT_TRUE(reader.ok());
  DecodeScratch scratch;
  EventView ev;
  Event event;
  int rows_events = 0;
  while (*(*reader)->Next(&ev)) {
    ASSERT_TRUE(DecodeEvent(ev, (*reader)->format(), "s", &scratch, &event).ok());
    if (const auto* rows = std::get_if<RowsEvent>(&event)) {
      EXPECT_FALSE(rows->rows_compressed);
      EXPECT_EQ(rows->rows.data(), scratch.buffer.data());
      ++rows_events;
    } else if (const auto* q = std::get_if<QueryEvent>(&event)) {
      EXPECT_EQ(q->sql, w.sql);
      EXPECT_EQ(reinterpret_cast<const uint8_t*>(q->sql.data()), scratch.buffer.data());
    }
  }
  EXPECT_EQ(rows_events, static_cast<int>(w.inserts.size()) + 2);

  // A limit below the largest inflated part is an error naming the limit.
  DecodeScratch small;
  small.max_uncompressed = 16;
  auto again = FileReader::FromBuffer("s", file);
  ASSERT_TRUE(again.ok());
  absl::Status st;
  while (st.ok() && *(*again)->Next(&ev)) {
    st = DecodeEvent(ev, (*again)->format(), "s", &small, &event);
  }
  EXPECT_THAT(std::string(st.message()), HasSubstr("above the limit of 16"));
}

TEST(CompressedEventsTest, RowIteratorRefusesRowsStillCompressed) {
  std::mt19937 rng(6);
  const std::vector<uint8_t> file = BuildFile(Form::kCompressedV1, RandomWorkload(rng), true);
  auto reader = FileReader::FromBuffer("r", file);
  ASSERT_TRUE(reader.ok());
  EventView ev;
  TableMapCache maps;
  while (*(*reader)->Next(&ev)) {
    Event event;
    ASSERT_TRUE((*reader)->Decode(ev, &event).ok());
    if (const auto* tm = std::get_if<TableMapEvent>(&event)) {
      ASSERT_TRUE(maps.Update(*tm).ok());
    }
    if (ev.header.type != 166) continue;
    RowsEvent raw;
    ASSERT_TRUE(ParseRowsEvent(ev, (*reader)->format(), &raw).ok());
    EXPECT_TRUE(raw.rows_compressed);
    RowIterator it(raw, *maps.Find(raw.table_id));
    RowImage after;
    const absl::StatusOr<bool> more = it.Next(nullptr, &after);
    ASSERT_FALSE(more.ok());
    EXPECT_THAT(std::string(more.status().message()), HasSubstr("still compressed"));
    return;
  }
  FAIL() << "no compressed rows event";
}

// Every truncation and single-byte mutation of compressed files: an error or a valid
// decode, never a crash (also under ASan/UBSan).
TEST(CompressedEventsTest, EveryTruncationAndByteFlipFailsCleanly) {
  std::mt19937 rng(12);
  Workload w = RandomWorkload(rng);
  w.inserts.resize(1);
  for (Form form : {Form::kCompressedV1, Form::kCompressedV2}) {
    const std::vector<uint8_t> file = BuildFile(form, w, /*crc=*/false);
    for (size_t n = 0; n < file.size(); n += 3) {
      (void)DecodeBuffer("t", ByteView(file.data(), n));
    }
    for (size_t i = 4; i < file.size(); ++i) {
      std::vector<uint8_t> m = file;
      m[i] ^= static_cast<uint8_t>(1u << (i % 8));
      const DecodeResult r = DecodeBuffer("m", m);
      if (!r.status.ok()) {
        EXPECT_THAT(std::string(r.status.message()), HasSubstr("m:")) << r.status;
      }
    }
  }
}

}  // namespace
}  // namespace binsync::binlog::testing
