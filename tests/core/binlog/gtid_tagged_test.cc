// MySQL 8.4 tagged GTIDs: GTID_TAGGED (42) in the mysql::serialization format and tagged
// PREVIOUS_GTIDS sets, by round trip of randomized fields, the bytes of a real 9.6 event,
// varlen boundaries, and every malformed case.
#include <random>

#include "core/binlog/events.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

struct TaggedGtid {
  uint8_t flags = 0;
  std::vector<uint8_t> sid = std::vector<uint8_t>(16, 0xab);
  int64_t gno = 1;
  std::string tag = "t";
  int64_t last_committed = 0, sequence_number = 1;
  uint64_t immediate_ts = 0;
  std::optional<uint64_t> original_ts;
  uint64_t length = 0;
  uint32_t immediate_version = 80400;
  std::optional<uint32_t> original_version;
  uint64_t ticket = 0;
};

// The serialized fields (after the message header), in field-id order.
Bytes Fields(const TaggedGtid& g) {
  Bytes f;
  f.VarlenU(0).VarlenU(g.flags).VarlenU(1);
  for (uint8_t b : g.sid) f.VarlenU(b);
  f.VarlenU(2).VarlenS(g.gno).VarlenU(3).VarlenU(g.tag.size()).Str(g.tag);
  f.VarlenU(4).VarlenS(g.last_committed).VarlenU(5).VarlenS(g.sequence_number);
  f.VarlenU(6).VarlenU(g.immediate_ts);
  if (g.original_ts) f.VarlenU(7).VarlenU(*g.original_ts);
  f.VarlenU(8).VarlenU(g.length).VarlenU(9).VarlenU(g.immediate_version);
  if (g.original_version) f.VarlenU(10).VarlenU(*g.original_version);
  if (g.ticket != 0) f.VarlenU(11).VarlenU(g.ticket);
  return f;
}

// version 1, size (of the whole message, itself included), last non-ignorable id, fields.
std::vector<uint8_t> Message(const Bytes& fields, uint64_t last_non_ignorable = 0,
                             int64_t size_delta = 0, uint64_t version = 1) {
  for (size_t size_len = 1;; ++size_len) {
    Bytes lni;
    lni.VarlenU(last_non_ignorable);
    Bytes ver;
    ver.VarlenU(version);
    const uint64_t size = ver.size() + size_len + lni.size() + fields.size();
    Bytes sz;
    sz.VarlenU(static_cast<uint64_t>(static_cast<int64_t>(size) + size_delta));
    if (sz.size() != size_len) continue;
    Bytes m;
    m.Raw(ver.bytes()).Raw(sz.bytes()).Raw(lni.bytes()).Raw(fields.bytes());
    return m.bytes();
  }
}

// A decoded GTID_TAGGED with the file and scratch its views point into.
struct Decoded {
  std::vector<uint8_t> file;
  DecodeScratch scratch;
  MysqlGtidEvent event;
};

absl::Status DecodeTagged(const std::vector<uint8_t>& body, Decoded* out) {
  EventBuilder b(Flavor::kMysql80, false);
  const std::vector<uint8_t> fde = b.Fde();
  const std::vector<uint8_t> ev = b.Event(42, body);
  out->file = EventBuilder::File({fde, ev});
  auto reader = FileReader::FromBuffer("g.000001", out->file);
  if (!reader.ok()) return reader.status();
  EventView view;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<bool> more = (*reader)->Next(&view);
    if (!more.ok()) return more.status();
  }
  Event event;
  if (absl::Status st = DecodeEvent(view, (*reader)->format(), "g.000001", &out->scratch, &event);
      !st.ok()) {
    return st;
  }
  out->event = std::get<MysqlGtidEvent>(event);
  return absl::OkStatus();
}

TEST(GtidTaggedTest, BytesOfARealMysql96Event) {
  // The body of GTID_TAGGED at 245 in binlog_transaction_with_GTID_TAG.000001.
  const std::vector<uint8_t> body = {
      0x02, 0x78, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xee, 0x25, 0x02, 0x08, 0x04, 0x65, 0x02, 0x22,
      0xc5, 0x03, 0xc5, 0x02, 0xe1, 0x02, 0x9c, 0xc1, 0x03, 0x11, 0x03, 0x55, 0x02, 0xde, 0xad,
      0x03, 0x04, 0x0c, 0x06, 0x0a, 'm',  'y',  't',  'a',  'g',  0x08, 0x00, 0x0a, 0x04, 0x0c,
      0x7f, 0x1c, 0xf3, 0xb8, 0x14, 0x24, 0x4a, 0x06, 0x10, 0xa1, 0x04, 0x12, 0x43, 0x0f, 0x0b};
  Decoded decoded;
  ASSERT_TRUE(DecodeTagged(body, &decoded).ok());
  const MysqlGtidEvent& g = decoded.event;
  std::string text;
  AppendMysqlGtidText(g, &text);
  EXPECT_EQ(text, "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
  EXPECT_TRUE(g.tagged);
  EXPECT_EQ(g.flags, 0);
  EXPECT_EQ(g.last_committed, 0);
  EXPECT_EQ(g.sequence_number, 1);
  EXPECT_EQ(g.immediate_commit_us, 0x064a2414b8f31cu);
  EXPECT_EQ(g.original_commit_us, g.immediate_commit_us);
  EXPECT_EQ(g.transaction_length, 296u);
  EXPECT_EQ(g.immediate_server_version, 90600u);
  EXPECT_EQ(g.original_server_version, 90600u);
}

TEST(GtidTaggedTest, RandomFieldsRoundTrip) {
  std::mt19937_64 rng(42);
  auto bits = [&](int n) { return n >= 64 ? rng() : rng() & ((uint64_t{1} << n) - 1); };
  for (int i = 0; i < 500; ++i) {
    TaggedGtid g;
    g.flags = static_cast<uint8_t>(rng());
    for (auto& b : g.sid) b = static_cast<uint8_t>(rng());
    g.gno = static_cast<int64_t>(bits(static_cast<int>(rng() % 63) + 1)) | 1;
    g.tag.clear();
    const size_t n = 1 + rng() % 32;
    for (size_t k = 0; k < n; ++k) g.tag += "abcxyz_0189"[k == 0 ? rng() % 7 : rng() % 11];
    g.last_committed = static_cast<int64_t>(bits(static_cast<int>(rng() % 63)));
    g.sequence_number = static_cast<int64_t>(bits(static_cast<int>(rng() % 63)));
    g.immediate_ts = bits(static_cast<int>(rng() % 65));
    if (rng() % 2) g.original_ts = bits(56);
    g.length = bits(static_cast<int>(rng() % 65));
    g.immediate_version = static_cast<uint32_t>(rng());
    if (rng() % 2) g.original_version = static_cast<uint32_t>(rng());
    g.ticket = rng() % 3 == 0 ? rng() : 0;
    Decoded decoded;
    const absl::Status st = DecodeTagged(Message(Fields(g)), &decoded);
    ASSERT_TRUE(st.ok()) << st;
    const MysqlGtidEvent& d = decoded.event;
    EXPECT_EQ(d.flags, g.flags);
    EXPECT_EQ(std::vector<uint8_t>(d.sid.begin(), d.sid.end()), g.sid);
    EXPECT_EQ(d.gno, g.gno);
    EXPECT_EQ(d.tag, g.tag);
    EXPECT_EQ(d.last_committed, g.last_committed);
    EXPECT_EQ(d.sequence_number, g.sequence_number);
    EXPECT_EQ(d.immediate_commit_us, g.immediate_ts);
    EXPECT_EQ(d.original_commit_us, g.original_ts.value_or(g.immediate_ts));
    EXPECT_EQ(d.transaction_length, g.length);
    EXPECT_EQ(d.immediate_server_version, g.immediate_version);
    EXPECT_EQ(d.original_server_version, g.original_version.value_or(g.immediate_version));
    EXPECT_EQ(d.commit_group_ticket, g.ticket);
  }
}

TEST(GtidTaggedTest, VarlenBoundaries) {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{16383}, uint64_t{16384},
                     (uint64_t{1} << 49) - 1, uint64_t{1} << 49, (uint64_t{1} << 56) - 1,
                     uint64_t{1} << 56, uint64_t{1} << 63, ~uint64_t{0}}) {
    TaggedGtid g;
    g.immediate_ts = v;
    g.length = v;
    Decoded decoded;
    ASSERT_TRUE(DecodeTagged(Message(Fields(g)), &decoded).ok()) << v;
    const MysqlGtidEvent& d = decoded.event;
    EXPECT_EQ(d.immediate_commit_us, v);
    EXPECT_EQ(d.transaction_length, v);
  }
  for (int64_t v : {int64_t{1}, int64_t{63}, int64_t{64}, INT64_MAX}) {
    TaggedGtid g;
    g.gno = v;
    g.sequence_number = v;
    Decoded decoded;
    ASSERT_TRUE(DecodeTagged(Message(Fields(g)), &decoded).ok()) << v;
    const MysqlGtidEvent& d = decoded.event;
    EXPECT_EQ(d.gno, v);
    EXPECT_EQ(d.sequence_number, v);
  }
}

TEST(GtidTaggedTest, MalformedEventsAreErrorsWithPosition) {
  auto fails = [](const std::vector<uint8_t>& body, std::string_view what) {
    Decoded d;
    const absl::Status st = DecodeTagged(body, &d);
    ASSERT_FALSE(st.ok()) << what;
    EXPECT_THAT(std::string(st.message()), HasSubstr("g.000001:"));
    EXPECT_THAT(std::string(st.message()), HasSubstr(": GTID_TAGGED: "));
    EXPECT_THAT(std::string(st.message()), HasSubstr(std::string(what)));
  };
  const TaggedGtid g;
  fails(Message(Fields(g), 0, 0, 2), "serialization version 2");
  fails(Message(Fields(g), 0, 1), "in a body of");
  fails(Message(Fields(g), 0, -1), "in a body of");
  fails({0x02}, "message header truncated");
  // An unknown field: an error when non-ignorable, the end of parsing when ignorable.
  Bytes extra = Fields(g);
  extra.VarlenU(12).VarlenU(5);
  fails(Message(extra, 12), "unknown non-ignorable field 12");
  Decoded d;
  EXPECT_TRUE(DecodeTagged(Message(extra, 11), &d).ok());
  // Out of order, out of range, truncated, missing.
  Bytes order;
  order.VarlenU(2).VarlenS(5).VarlenU(1);
  fails(Message(order), "field 1 after field 2");
  TaggedGtid bad = g;
  bad.gno = 0;
  fails(Message(Fields(bad)), "field 2 truncated or out of range");
  bad = g;
  bad.tag = "Bad-Tag";
  fails(Message(Fields(bad)), "field 3 truncated or out of range");
  bad = g;
  bad.tag = std::string(33, 'a');
  fails(Message(Fields(bad)), "field 3");
  Bytes flags;
  flags.VarlenU(0).VarlenU(256);
  fails(Message(flags), "field 0 truncated or out of range");
  Bytes no_sid;
  no_sid.VarlenU(2).VarlenS(4);
  fails(Message(no_sid), "without sid or gno");
  Bytes cut = Fields(g);
  cut.bytes().pop_back();
  fails(Message(cut), "truncated");
}

// Every truncation and byte flip of a tagged GTID event: an error or a valid decode.
TEST(GtidTaggedTest, EveryTruncationAndByteFlipFailsCleanly) {
  TaggedGtid g;
  g.original_ts = 77;
  g.ticket = 9;
  const std::vector<uint8_t> body = Message(Fields(g));
  for (size_t n = 0; n < body.size(); ++n) {
    Decoded d;
    (void)DecodeTagged(std::vector<uint8_t>(body.begin(), body.begin() + static_cast<ptrdiff_t>(n)),
                       &d);
  }
  for (size_t i = 0; i < body.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::vector<uint8_t> m = body;
      m[i] ^= mask;
      Decoded d;
      (void)DecodeTagged(m, &d);
    }
  }
}

TEST(PreviousGtidsTest, TaggedAndUntaggedSetsRoundTrip) {
  const std::vector<uint8_t> sid(16, 0x11);
  Bytes tagged;
  tagged.U64((uint64_t{1} << 56) | (uint64_t{3} << 8) | 1);
  tagged.Raw(sid).VarlenU(0).U64(1).U64(1).U64(14);
  tagged.Raw(sid).VarlenU(5).Str("mytag").U64(2).U64(1).U64(3).U64(7).U64(9);
  tagged.Raw(sid).VarlenU(2).Str("t2").U64(0);
  PreviousGtidsEvent e;
  e.encoded = tagged.bytes();
  std::vector<PreviousGtidsEvent::Entry> entries;
  ASSERT_TRUE(e.Decode(&entries).ok());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].tag, "");
  EXPECT_EQ(entries[0].intervals.size(), 1u);
  EXPECT_EQ(entries[0].intervals[0].end, 14);
  EXPECT_EQ(entries[1].tag, "mytag");
  ASSERT_EQ(entries[1].intervals.size(), 2u);
  EXPECT_EQ(entries[1].intervals[1].start, 7);
  EXPECT_EQ(entries[2].tag, "t2");
  EXPECT_TRUE(entries[2].intervals.empty());

  Bytes untagged;
  untagged.U64(1).Raw(sid).U64(1).U64(1).U64(3);
  e.encoded = untagged.bytes();
  ASSERT_TRUE(e.Decode(&entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].tag, "");

  // Malformed: unknown format, inconsistent word, bad tag, trailing bytes, truncation.
  auto fails = [&](std::vector<uint8_t> bytes, std::string_view what) {
    e.encoded = bytes;
    const absl::Status st = e.Decode(&entries);
    EXPECT_THAT(std::string(st.message()), HasSubstr(std::string(what)));
  };
  std::vector<uint8_t> b = tagged.bytes();
  b[7] = 2;
  fails(b, "set format 2 unknown");
  b = tagged.bytes();
  b[0] = 0;
  fails(b, "inconsistent format word");
  b = tagged.bytes();
  b[16 + 8 + 1 + 8 + 16 + 16 + 1] = 'M';
  fails(b, "not a valid GTID tag");
  b = untagged.bytes();
  b.push_back(0);
  fails(b, "trailing bytes");
  b = tagged.bytes();
  b.resize(b.size() - 3);
  fails(b, "truncated");
}

}  // namespace
}  // namespace binsync::binlog::testing
