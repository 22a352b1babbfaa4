// Round trip of EventBuilder-encoded events of both flavours through FileReader,
// DecodeEvent, TableMap and RowIterator; and corruption: every truncation and
// single-byte mutation gives an error or a valid decode, never a crash.
#include "core/binlog/events.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

// SIGNEDNESS (col 0 unsigned), COLUMN_CHARSET (VARCHAR utf8mb4), COLUMN_NAME,
// ENUM_STR_VALUE, SIMPLE_PRIMARY_KEY.
std::vector<uint8_t> OptionalMetadata() {
  Bytes m;
  m.U8(1).Packed(1).U8(0x80);
  m.U8(3).Packed(1).Packed(45);
  Bytes names;
  for (std::string_view n : {"id", "name", "price", "at", "kind", "t"}) names.PackedStr(n);
  m.U8(4).Packed(names.size()).Raw(names.bytes());
  Bytes labels;
  labels.Packed(2).PackedStr("small").PackedStr("large");
  m.U8(6).Packed(labels.size()).Raw(labels.bytes());
  m.U8(8).Packed(1).Packed(0);
  return m.bytes();
}

std::vector<ColumnSpec> Columns() {
  return {{8, {}, false}, {15, {0x2c, 0x01}}, {246, {10, 2}}, {18, {3}}, {254, {0xf7, 1}},
          {19, {0}}};
}

// One row image with every column present: null bitmap + cells.
void Row(Bytes* rows, uint64_t id, std::string_view name, std::string_view price, bool null_at,
         uint8_t kind) {
  rows->U8(null_at ? 0x08 : 0x00);
  rows->U64(id);
  rows->U16(name.size()).Str(name);
  EncodeDecimal(price, 10, 2, rows);
  if (!null_at) EncodeDatetime2(2024, 1, 31, 12, 0, 1, 5000, 3, rows);
  rows->U8(kind);
  EncodeTime2(true, 1, 2, 3, 0, 0, rows);
}

// `extra_header`: bytes the writer adds to the common header (the FDE announces 19 + n).
std::vector<uint8_t> BuildFile(Flavor flavor, bool crc, size_t extra_header = 0) {
  EventBuilder b(flavor, crc);
  b.set_extra_header(extra_header);
  std::vector<std::vector<uint8_t>> events;
  events.push_back(b.Fde());
  const bool maria = flavor == Flavor::kMariaDb1011;
  if (maria) {
    Bytes g;
    g.U64(42).U32(7).U8(0x02 | 0x08).U64(41);
    events.push_back(b.Event(162, g.bytes(), 0, 3));
  } else {
    Bytes g;
    g.U8(1);
    for (int i = 0; i < 16; ++i) g.U8(static_cast<uint64_t>(i));
    g.U64(99).U8(2).U64(5).U64(6).LE(1700000000000000ull, 7).Packed(300).U32(80036);
    events.push_back(b.Event(33, g.bytes()));
  }
  Bytes status;
  status.U8(0).U32(0).U8(1).U64(0).U8(4).U16(45).U16(45).U16(45).U8(5).U8(6).Str("+00:00");
  events.push_back(b.Event(2, EventBuilder::QueryBody("shop", "BEGIN", status.bytes())));
  events.push_back(b.Event(19, EventBuilder::TableMapBody(77, "shop", "items", Columns(),
                                                          OptionalMetadata())));
  Bytes rows;
  Row(&rows, ~uint64_t{0}, "caf\xc3\xa9", "-12.34", false, 2);
  Row(&rows, 2, "", "0.00", true, 1);
  const std::vector<uint8_t> all = {0x3f};
  events.push_back(b.Event(maria ? 23 : 30,
                           EventBuilder::RowsBody(!maria, 77, 6, all, nullptr, rows.bytes())));
  Bytes upd;
  Row(&upd, 2, "", "0.00", true, 1);
  Row(&upd, 2, "x", "99999999.99", false, 2);
  events.push_back(b.Event(maria ? 24 : 31,
                           EventBuilder::RowsBody(!maria, 77, 6, all, &all, upd.bytes())));
  Bytes minimal;  // DELETE with only the key present
  minimal.U8(0).U64(2);
  const std::vector<uint8_t> key_only = {0x01};
  events.push_back(b.Event(maria ? 25 : 32,
                           EventBuilder::RowsBody(!maria, 77, 6, key_only, nullptr, minimal.bytes())));
  Bytes xid;
  xid.U64(1234);
  events.push_back(b.Event(16, xid.bytes()));
  Bytes rotate;
  rotate.U64(4).Str("binlog.000002");
  events.push_back(b.Event(4, rotate.bytes()));
  return EventBuilder::File(events);
}

const std::vector<std::string> kExpectedRows = {
    R"(insert shop.items {"id":18446744073709551615,"name":"café","price":"-12.34",)"
    R"("at":"2024-01-31 12:00:01.005","kind":"large","t":"-01:02:03"})",
    R"(insert shop.items {"id":2,"name":"","price":"0.00","at":null,"kind":"small","t":"-01:02:03"})",
    R"(update shop.items {"id":2,"name":"","price":"0.00","at":null,"kind":"small","t":"-01:02:03"})"
    R"( -> {"id":2,"name":"x","price":"99999999.99","at":"2024-01-31 12:00:01.005","kind":"large",)"
    R"("t":"-01:02:03"})",
    R"(delete shop.items {"id":2})"};

class EventsRoundTripTest : public ::testing::TestWithParam<std::tuple<Flavor, bool>> {};

TEST_P(EventsRoundTripTest, DecodesWhatWasEncoded) {
  const auto [flavor, crc] = GetParam();
  const std::vector<uint8_t> file = BuildFile(flavor, crc);
  const DecodeResult r = DecodeBuffer("built.000001", file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, kExpectedRows);
  EXPECT_EQ(r.queries, std::vector<std::string>{"BEGIN"});
  if (flavor == Flavor::kMariaDb1011) {
    EXPECT_EQ(r.gtids, std::vector<std::string>{"7-3-42"});
  } else {
    EXPECT_EQ(r.gtids, std::vector<std::string>{"00010203-0405-0607-0809-0a0b0c0d0e0f:99"});
  }
  EXPECT_EQ(r.counts.at("ROTATE"), 1);
}

INSTANTIATE_TEST_SUITE_P(Flavors, EventsRoundTripTest,
                         ::testing::Combine(::testing::Values(Flavor::kMysql80,
                                                              Flavor::kMariaDb1011),
                                            ::testing::Bool()));

// A FORMAT_DESCRIPTION announcing a common header longer than 19 bytes: every later
// event's body starts at that length, the extra header bytes skipped.
TEST_P(EventsRoundTripTest, LongerCommonHeaderIsSkipped) {
  const auto [flavor, crc] = GetParam();
  const std::vector<uint8_t> file = BuildFile(flavor, crc, /*extra_header=*/6);
  const DecodeResult r = DecodeBuffer("long.000001", file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, kExpectedRows);
  EXPECT_EQ(r.queries, std::vector<std::string>{"BEGIN"});
  EXPECT_EQ(r.gtids.size(), 1U);
}

TEST(EventsTest, CommonHeaderShorterThan19IsCorrupt) {
  EventBuilder b(Flavor::kMariaDb1011, false);
  std::vector<uint8_t> fde = b.Fde();
  fde[kEventHeaderLength + 2 + 50 + 4] = 13;  // header_length
  const DecodeResult r = DecodeBuffer("short.000001", EventBuilder::File({fde}));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("short.000001:4: FORMAT_DESCRIPTION"));
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("common header length 13"));
}

// Checksums off: servers leave the FDE's CRC field zero. The FDE must not be blamed; a
// corrupt rows event after it is reported at its own position, saying what is wrong.
TEST(EventsTest, ChecksumOffFdeWithZeroCrcAndCorruptRowsEventBlamesTheRowsEvent) {
  for (Flavor flavor : {Flavor::kMysql80, Flavor::kMariaDb1011}) {
    EventBuilder b(flavor, /*crc32=*/false);
    b.set_fde_crc_zero(true);
    const auto fde = b.Fde();
    ASSERT_EQ(LoadLE(fde.data() + fde.size() - 4, 4), 0U);
    const auto map = b.Event(19, EventBuilder::TableMapBody(5, "db", "t", {{8, {}, false}}));
    Bytes good;
    good.U8(0).U64(7);
    const std::vector<uint8_t> all = {0x01};
    const auto rows_ok = b.Event(30, EventBuilder::RowsBody(true, 5, 1, all, nullptr, good.bytes()));
    DecodeResult r = DecodeBuffer("off.000001", EventBuilder::File({fde, map, rows_ok}));
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(r.rows, std::vector<std::string>{R"(insert db.t {"@1":7})"});

    Bytes bad;  // the BIGINT cell cut to 3 bytes
    bad.U8(0).U8(1).U8(2).U8(3);
    const size_t bad_pos = 4 + fde.size() + map.size() + rows_ok.size();
    const auto rows_bad = b.Event(30, EventBuilder::RowsBody(true, 5, 1, all, nullptr, bad.bytes()));
    r = DecodeBuffer("off.000001", EventBuilder::File({fde, map, rows_ok, rows_bad}));
    EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
    const std::string msg(r.status.message());
    EXPECT_THAT(msg, HasSubstr(StrCat("off.000001:", bad_pos, ": WRITE_ROWS_V2: row 1, column 1")));
    EXPECT_THAT(msg, ::testing::Not(HasSubstr("FORMAT_DESCRIPTION")));
  }
}

TEST(EventsTest, FieldsOfGtidAndQueryEvents) {
  const std::vector<uint8_t> file = BuildFile(Flavor::kMysql80, true);
  auto reader = FileReader::FromBuffer("f", file);
  ASSERT_TRUE(reader.ok());
  EventView ev;
  Event event;
  ASSERT_TRUE(*(*reader)->Next(&ev));  // FDE
  ASSERT_TRUE((*reader)->format().seen);
  EXPECT_EQ((*reader)->format().checksum, ChecksumAlgorithm::kCrc32);
  ASSERT_TRUE(*(*reader)->Next(&ev));
  ASSERT_TRUE((*reader)->Decode(ev, &event).ok());
  const auto& g = std::get<MysqlGtidEvent>(event);
  EXPECT_EQ(g.last_committed, 5);
  EXPECT_EQ(g.sequence_number, 6);
  EXPECT_EQ(g.immediate_commit_us, 1700000000000000u);
  EXPECT_EQ(g.transaction_length, 300u);
  EXPECT_EQ(g.immediate_server_version, 80036u);
  ASSERT_TRUE(*(*reader)->Next(&ev));
  ASSERT_TRUE((*reader)->Decode(ev, &event).ok());
  const auto& q = std::get<QueryEvent>(event);
  EXPECT_EQ(q.db, "shop");
  EXPECT_TRUE(q.status.complete);
  EXPECT_EQ(q.status.collation_server, 45);
  EXPECT_EQ(q.status.time_zone, "+00:00");
}

// MariaDB writes an XA transaction's xid after its commit_id when it was group-committed
// (log_event.cc: commit_id first, then the xid): both must be read.
TEST(EventsTest, MariaGtidWithCommitIdAndXaXid) {
  EventBuilder b(Flavor::kMariaDb1011, true);
  Bytes body;
  body.U64(12).U32(1).U8(MariaGtidEvent::kFlagGroupCommitId | MariaGtidEvent::kFlagPreparedXa |
                         MariaGtidEvent::kFlagTransactional);
  body.U64(9000).U32(7).U8(3).U8(2).Str("gtrbq");
  const std::vector<uint8_t> file = EventBuilder::File({b.Fde(), b.Event(162, body.bytes())});
  auto reader = FileReader::FromBuffer("f", file);
  ASSERT_TRUE(reader.ok());
  EventView ev;
  Event event;
  ASSERT_TRUE(*(*reader)->Next(&ev));
  ASSERT_TRUE(*(*reader)->Next(&ev));
  ASSERT_TRUE((*reader)->Decode(ev, &event).ok());
  const auto& g = std::get<MariaGtidEvent>(event);
  EXPECT_TRUE(g.has_commit_id);
  EXPECT_EQ(g.commit_id, 9000u);
  EXPECT_TRUE(g.is_xa);
  EXPECT_EQ(g.xa_format_id, 7u);
  EXPECT_EQ(AsChars(g.xa_gtrid), "gtr");
  EXPECT_EQ(AsChars(g.xa_bqual), "bq");
  EXPECT_TRUE(g.extra.empty());
}

TEST(EventsTest, UnknownAndEncryptedEventsAreErrorsWithPosition) {
  EventBuilder b(Flavor::kMariaDb1011, true);
  const auto fde = b.Fde();
  const auto unknown = b.Event(99, {1, 2, 3});
  DecodeResult r = DecodeBuffer("x.000001", EventBuilder::File({fde, unknown}));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("x.000001:"));
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("UNKNOWN_99"));

  EventBuilder b2(Flavor::kMariaDb1011, true);
  const auto fde2 = b2.Fde();
  const auto enc = b2.Event(164, {1, 0, 0, 0, 0});
  r = DecodeBuffer("y.000001", EventBuilder::File({fde2, enc}));
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("encrypted binlog"));

  EventBuilder b3(Flavor::kMysql80, true);
  const auto fde3 = b3.Fde();
  const auto ignorable = b3.Event(100, {1, 2, 3}, kFlagIgnorable);
  r = DecodeBuffer("z.000001", EventBuilder::File({fde3, ignorable}));
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.counts.at("UNKNOWN_100"), 1);
}

TEST(EventsTest, CrcMismatchNamesPosition) {
  std::vector<uint8_t> file = BuildFile(Flavor::kMysql80, true);
  file[file.size() - 10] ^= 0x40;  // inside the ROTATE event
  const DecodeResult r = DecodeBuffer("c.000001", file);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("ROTATE: CRC32 mismatch"));
}

// Every truncation and every single-byte mutation of the encoded files: an error or a
// valid decode, never a crash (run under ASan/UBSan too). Without CRC the parsers see
// the mutated bytes; with CRC the checksum must catch them.
TEST(EventsTest, EveryTruncationAndByteFlipFailsCleanly) {
  for (Flavor flavor : {Flavor::kMysql80, Flavor::kMariaDb1011}) {
    for (bool crc : {false, true}) {
      const std::vector<uint8_t> file = BuildFile(flavor, crc);
      for (size_t n = 0; n < file.size(); ++n) {
        std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<ptrdiff_t>(n));
        (void)DecodeBuffer("t", cut);
      }
      size_t crc_caught = 0, mutations = 0;
      for (size_t i = 4; i < file.size(); ++i) {
        for (uint8_t mask : {0x01, 0x80, 0xff}) {
          std::vector<uint8_t> m = file;
          m[i] ^= mask;
          const DecodeResult r = DecodeBuffer("m", m);
          ++mutations;
          if (!r.status.ok() && std::string(r.status.message()).find("CRC32") != std::string::npos) {
            ++crc_caught;
          }
        }
      }
      if (crc) {
        EXPECT_GT(crc_caught, mutations * 9 / 10);
      }
    }
  }
}

TEST(EventsTest, RandomGarbageAfterFdeNeverCrashes) {
  std::mt19937 rng(9);
  EventBuilder b(Flavor::kMysql80, false);
  const auto fde = b.Fde();
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> body(rng() % 64);
    for (auto& x : body) x = static_cast<uint8_t>(rng());
    EventBuilder e(Flavor::kMysql80, false);
    (void)e.Fde();
    const uint8_t type = static_cast<uint8_t>(rng() % 45);
    const auto ev = e.Event(type == 15 ? 16 : type, body);
    (void)DecodeBuffer("g", EventBuilder::File({fde, ev}));
  }
}

}  // namespace
}  // namespace binsync::binlog::testing
