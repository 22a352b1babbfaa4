#include "core/relay/reframe.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/util/strings.h"
#include "core/util/subprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::relay {
namespace {

using binlog::ByteView;
using binlog::EventType;
using binlog::MariaGtidEvent;
using binlog::testing::Bytes;
using binlog::testing::EventBuilder;
using binlog::testing::Flavor;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint8_t T(EventType t) { return static_cast<uint8_t>(t); }
constexpr uint8_t kRowTxn = MariaGtidEvent::kFlagTransactional | MariaGtidEvent::kFlagAllowParallel;
constexpr uint32_t kRelayServerId = 77;

// A MARIA_GTID body as MariaDB writes it: the commit_id after flags2, else 6 zero bytes.
std::vector<uint8_t> GtidBody(uint64_t seq, uint32_t domain, uint8_t flags,
                              const uint64_t* commit_id = nullptr) {
  Bytes b;
  b.U64(seq).U32(domain);
  if (commit_id != nullptr) {
    b.U8(flags | MariaGtidEvent::kFlagGroupCommitId).U64(*commit_id);
  } else {
    b.U8(flags).LE(0, 6);
  }
  return b.bytes();
}

// One event of the re-framed stream, decoded by the project's decoder.
struct Seen {
  binlog::EventHeader header;
  std::vector<uint8_t> raw;
  std::vector<uint8_t> body;  // without the CRC (FD: with its checksum_alg and CRC)
  binlog::Event event;
};

// Splits `stream` into events and decodes each, verifying every CRC when `checksum`.
std::vector<Seen> Decode(const std::vector<uint8_t>& stream, bool checksum,
                         binlog::FormatDescription* fd) {
  std::vector<Seen> seen;
  size_t at = 0;
  while (at < stream.size()) {
    binlog::EventHeader h;
    EXPECT_TRUE(binlog::ParseEventHeader(ByteView(stream).subspan(at), &h).ok());
    EXPECT_LE(at + h.event_size, stream.size());
    if (at + h.event_size > stream.size()) break;
    // The decoded views point into s.raw, whose heap buffer moves with it.
    Seen s;
    s.header = h;
    s.raw.assign(stream.begin() + static_cast<std::ptrdiff_t>(at),
                 stream.begin() + static_cast<std::ptrdiff_t>(at + h.event_size));
    binlog::EventView view;
    const absl::Status framed = binlog::FrameEvent(
        s.raw, at, checksum ? binlog::ChecksumAlgorithm::kCrc32 : binlog::ChecksumAlgorithm::kOff,
        binlog::kEventHeaderLength, &view);
    EXPECT_TRUE(framed.ok()) << framed;
    s.body.assign(view.body.begin(), view.body.end());
    const absl::Status decoded = binlog::DecodeEvent(view, *fd, "", &s.event);
    EXPECT_TRUE(decoded.ok()) << decoded;
    if (auto* new_fd = std::get_if<binlog::FormatDescription>(&s.event)) *fd = *new_fd;
    seen.push_back(std::move(s));
    at += h.event_size;
  }
  return seen;
}

// The format a source's FORMAT_DESCRIPTION event `fde` announces.
binlog::FormatDescription FormatOf(const std::vector<uint8_t>& fde) {
  binlog::EventView view;
  binlog::FormatDescription fd;
  EXPECT_TRUE(binlog::FrameEvent(fde, 4, binlog::ChecksumAlgorithm::kOff, 19, &view).ok());
  EXPECT_TRUE(binlog::ParseFormatDescription(view, &fd).ok());
  return fd;
}

class ReframeTest : public ::testing::TestWithParam<bool> {
 protected:
  ReframeTest()
      : source_(Flavor::kMariaDb1011, /*crc32=*/true), source_fd_(FormatOf(source_.Fde())) {}

  StreamOptions Options() const {
    StreamOptions o;
    o.server_id = kRelayServerId;
    o.checksum = GetParam();
    return o;
  }

  // Relays `events` (source raw events) after a Start at `start`; returns the stream.
  std::vector<uint8_t> Relay(Reframer& r, const std::vector<std::vector<uint8_t>>& events,
                             CommitId commit_id = {}, const MariaDbGtidPos& start = {}) {
    std::vector<uint8_t> out;
    EXPECT_TRUE(r.Start(source_fd_, start, &out).ok());
    for (const auto& e : events) {
      const absl::Status st = r.Append(e, SourcePos{"mariadb-bin.000003", 1234}, commit_id, &out);
      EXPECT_TRUE(st.ok()) << st;
    }
    return out;
  }

  std::vector<Seen> DecodeStream(const std::vector<uint8_t>& stream) {
    binlog::FormatDescription fd = binlog::FormatDescription::Default();
    return Decode(stream, GetParam(), &fd);
  }

  EventBuilder source_;
  binlog::FormatDescription source_fd_;
};

INSTANTIATE_TEST_SUITE_P(Checksum, ReframeTest, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "Crc32" : "Off"; });

TEST_P(ReframeTest, StartSendsFakeRotateFormatDescriptionGtidListCheckpoint) {
  Reframer r(Options());
  const MariaDbGtidPos start = {{0, 1, 100}, {5, 2, 7}};
  const std::vector<Seen> seen = DecodeStream(Relay(r, {}, {}, start));
  ASSERT_EQ(seen.size(), 4u);

  const auto& rotate = std::get<binlog::RotateEvent>(seen[0].event);
  EXPECT_EQ(seen[0].header.timestamp, 0u);
  EXPECT_EQ(seen[0].header.log_pos, 0u);
  EXPECT_EQ(seen[0].header.flags, binlog::kFlagArtificial);
  EXPECT_EQ(seen[0].header.server_id, kRelayServerId);
  EXPECT_EQ(rotate.position, 4u);
  EXPECT_EQ(rotate.next_file, "binsync-relay-bin.000001");

  const auto& fd = std::get<binlog::FormatDescription>(seen[1].event);
  EXPECT_EQ(fd.create_timestamp, 0u);
  EXPECT_EQ(fd.header_length, 19);
  EXPECT_EQ(fd.server_version, source_fd_.server_version);
  EXPECT_EQ(fd.checksum,
            GetParam() ? binlog::ChecksumAlgorithm::kCrc32 : binlog::ChecksumAlgorithm::kOff);
  EXPECT_EQ(fd.post_header_count, source_fd_.post_header_count);
  EXPECT_EQ(fd.post_header_lengths, source_fd_.post_header_lengths);
  EXPECT_EQ(seen[1].header.log_pos, 4 + seen[1].header.event_size);

  const auto& list = std::get<binlog::MariaGtidListEvent>(seen[2].event);
  ASSERT_EQ(list.count, 2u);
  EXPECT_EQ(list.At(0).domain_id, 0u);
  EXPECT_EQ(list.At(0).server_id, 1u);
  EXPECT_EQ(list.At(0).seq_no, 100u);
  EXPECT_EQ(list.At(1).domain_id, 5u);
  EXPECT_EQ(list.At(1).seq_no, 7u);

  EXPECT_EQ(std::get<binlog::BinlogCheckpointEvent>(seen[3].event).file,
            "binsync-relay-bin.000001");
  EXPECT_EQ(r.position(), seen[3].header.log_pos);
}

TEST_P(ReframeTest, GtidGetsTheCommitIdAndGrowsByTwoBytes) {
  Reframer r(Options());
  const std::vector<uint8_t> gtid = source_.Event(T(EventType::kMariaGtid), GtidBody(42, 3, kRowTxn), 0, 9);
  const std::vector<Seen> seen = DecodeStream(Relay(r, {gtid}, CommitId{true, 40}));
  ASSERT_EQ(seen.size(), 5u);
  const auto& g = std::get<MariaGtidEvent>(seen[4].event);
  EXPECT_EQ(g.seq_no, 42u);
  EXPECT_EQ(g.domain_id, 3u);
  EXPECT_EQ(g.server_id, 9u);
  EXPECT_TRUE(g.has_commit_id);
  EXPECT_EQ(g.commit_id, 40u);
  EXPECT_EQ(g.flags2, kRowTxn | MariaGtidEvent::kFlagGroupCommitId);
  EXPECT_EQ(seen[4].body.size(), 21u);
  EXPECT_TRUE(g.extra.empty());
  EXPECT_EQ(r.gtid_state(), (MariaDbGtidPos{{3, 9, 42}}));
}

TEST_P(ReframeTest, GtidLosesTheSourceCommitIdAndShrinksByTwoBytes) {
  Reframer r(Options());
  const uint64_t source_id = 555;
  const std::vector<uint8_t> gtid =
      source_.Event(T(EventType::kMariaGtid), GtidBody(43, 0, kRowTxn, &source_id));
  const std::vector<Seen> seen = DecodeStream(Relay(r, {gtid}, CommitId{}));
  ASSERT_EQ(seen.size(), 5u);
  const auto& g = std::get<MariaGtidEvent>(seen[4].event);
  EXPECT_FALSE(g.has_commit_id);
  EXPECT_EQ(g.flags2, kRowTxn);
  EXPECT_EQ(g.seq_no, 43u);
  EXPECT_EQ(seen[4].body, GtidBody(43, 0, kRowTxn));
}

TEST_P(ReframeTest, XaGtidKeepsItsXidAfterTheCommitId) {
  Reframer r(Options());
  Bytes body;
  body.U64(44).U32(0).U8(kRowTxn | MariaGtidEvent::kFlagPreparedXa);
  body.U32(1).U8(3).U8(2).Str("abcde");
  const std::vector<uint8_t> gtid = source_.Event(T(EventType::kMariaGtid), body.bytes());
  std::vector<uint8_t> out = Relay(r, {gtid}, CommitId{});
  std::vector<Seen> seen = DecodeStream(out);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[4].body, body.bytes());  // unchanged without an id
  const auto& g = std::get<MariaGtidEvent>(seen[4].event);
  EXPECT_TRUE(g.is_xa);
  EXPECT_EQ(binlog::AsChars(g.xa_gtrid), "abc");
  EXPECT_EQ(binlog::AsChars(g.xa_bqual), "de");

  // With an id, the xid follows it (MariaDB reads commit_id first, then the xid).
  Reframer r2(Options());
  seen = DecodeStream(Relay(r2, {gtid}, CommitId{true, 44}));
  ASSERT_EQ(seen.size(), 5u);
  Bytes expected;
  expected.U64(44).U32(0).U8(kRowTxn | MariaGtidEvent::kFlagPreparedXa |
                               MariaGtidEvent::kFlagGroupCommitId);
  expected.U64(44).U32(1).U8(3).U8(2).Str("abcde");
  EXPECT_EQ(seen[4].body, expected.bytes());
  const auto& with_id = std::get<MariaGtidEvent>(seen[4].event);
  EXPECT_EQ(with_id.commit_id, 44u);
  EXPECT_TRUE(with_id.is_xa);
  EXPECT_EQ(binlog::AsChars(with_id.xa_bqual), "de");
}

TEST_P(ReframeTest, RowsEventsPassWithByteIdenticalBodiesAndContinuousPositions) {
  Reframer r(Options());
  using binlog::testing::ColumnSpec;
  const std::vector<uint8_t> table_map_body =
      EventBuilder::TableMapBody(70, "db", "t", {ColumnSpec{3, {}, false}});
  Bytes row;
  row.U8(0).U32(5);  // null bitmap, INT 5
  const std::vector<uint8_t> rows_body =
      EventBuilder::RowsBody(true, 70, 1, {0x01}, nullptr, row.bytes());
  const std::vector<std::vector<uint8_t>> events = {
      source_.Event(T(EventType::kMariaGtid), GtidBody(50, 0, kRowTxn), 0, 9),
      source_.Event(T(EventType::kQuery), EventBuilder::QueryBody("db", "BEGIN"), 0, 9),
      source_.Event(T(EventType::kTableMap), table_map_body, 0, 9),
      source_.Event(T(EventType::kWriteRowsV1), EventBuilder::RowsBody(false, 70, 1, {0x01}, nullptr, row.bytes()), 0, 9),
      source_.Event(T(EventType::kWriteRowsV2), rows_body, 0, 9),
      source_.Event(T(EventType::kXid), Bytes().U64(77).bytes(), 0, 9),
  };
  const std::vector<Seen> seen = DecodeStream(Relay(r, events, CommitId{true, 50}));
  ASSERT_EQ(seen.size(), 4 + events.size());
  uint64_t pos = 4;
  for (size_t i = 1; i < seen.size(); ++i) {  // every event but the fake rotate
    pos += seen[i].header.event_size;
    EXPECT_EQ(seen[i].header.log_pos, pos) << i;
    // The FORMAT_DESCRIPTION's body keeps its checksum trailer; the others' CRC is apart.
    const size_t crc = GetParam() && i != 1 ? 4 : 0;
    EXPECT_EQ(seen[i].header.event_size, 19 + seen[i].body.size() + crc) << i;
  }
  EXPECT_EQ(r.position(), pos);
  for (size_t i = 1; i < events.size(); ++i) {
    // Source body: after the 19-byte header, before the CRC.
    const std::vector<uint8_t> source_body(events[i].begin() + 19, events[i].end() - 4);
    EXPECT_EQ(seen[4 + i].body, source_body) << i;
    EXPECT_EQ(seen[4 + i].header.server_id, 9u);
    EXPECT_EQ(seen[4 + i].header.timestamp, 1700000000u);
  }
  EXPECT_TRUE(std::holds_alternative<binlog::RowsEvent>(seen[8].event));
  EXPECT_EQ(std::get<binlog::XidEvent>(seen[9].event).xid, 77u);
}

TEST_P(ReframeTest, SourceFileEventsAreDroppedAndASourceFormatIsAdopted) {
  Reframer r(Options());
  std::vector<uint8_t> out;
  ASSERT_TRUE(r.Start(source_fd_, {}, &out).ok());
  const size_t start_size = out.size();
  const uint64_t start_pos = r.position();
  const SourcePos where{"mariadb-bin.000003", 4};
  for (const auto& e : {
           source_.Event(T(EventType::kRotate), Bytes().U64(4).Str("mariadb-bin.000004").bytes()),
           source_.Event(T(EventType::kMariaGtidList), Bytes().U32(0).bytes()),
           source_.Event(T(EventType::kMariaBinlogCheckpoint), Bytes().U32(3).Str("abc").bytes()),
           source_.Event(T(EventType::kStop), {}),
       }) {
    ASSERT_TRUE(r.Append(e, where, {}, &out).ok());
  }
  EXPECT_EQ(out.size(), start_size);
  EXPECT_EQ(r.position(), start_pos);

  // The source rotates to a file written without checksums: its events frame without CRC.
  EventBuilder plain(Flavor::kMariaDb1011, /*crc32=*/false);
  ASSERT_TRUE(r.Append(plain.Fde(), where, {}, &out).ok());
  EXPECT_EQ(out.size(), start_size);
  const std::vector<uint8_t> gtid = plain.Event(T(EventType::kMariaGtid), GtidBody(60, 0, kRowTxn));
  ASSERT_TRUE(r.Append(gtid, where, CommitId{true, 60}, &out).ok());
  const std::vector<Seen> seen = DecodeStream(out);
  ASSERT_EQ(seen.size(), 5u);  // same format: no rotation
  EXPECT_EQ(std::get<MariaGtidEvent>(seen[4].event).commit_id, 60u);
}

TEST_P(ReframeTest, AnnotateRowsOnlyWhenTheReplicaAskedForThem) {
  const std::vector<uint8_t> annotate =
      source_.Event(T(EventType::kMariaAnnotateRows), Bytes().Str("INSERT INTO t VALUES (1)").bytes());
  Reframer quiet(Options());
  EXPECT_EQ(DecodeStream(Relay(quiet, {annotate})).size(), 4u);
  StreamOptions o = Options();
  o.annotate_rows = true;
  Reframer asked(o);
  const std::vector<Seen> seen = DecodeStream(Relay(asked, {annotate}));
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::get<binlog::AnnotateRowsEvent>(seen[4].event).sql, "INSERT INTO t VALUES (1)");
}

TEST_P(ReframeTest, ChangedSourceFormatRotatesTheVirtualFileBeforeTheNextTransaction) {
  Reframer r(Options());
  std::vector<uint8_t> out;
  ASSERT_TRUE(r.Start(source_fd_, {{0, 1, 10}}, &out).ok());
  EventBuilder upgraded(Flavor::kMariaDb1011, /*crc32=*/true);
  upgraded.set_server_version("11.4.2-MariaDB-log");
  ASSERT_TRUE(r.Append(upgraded.Fde(), SourcePos{"b.000009", 4}, {}, &out).ok());
  ASSERT_TRUE(r.Append(upgraded.Event(T(EventType::kMariaGtid), GtidBody(11, 0, kRowTxn)),
                       SourcePos{"b.000009", 300}, CommitId{true, 11}, &out)
                  .ok());
  const std::vector<Seen> seen = DecodeStream(out);
  // start (4), ROTATE, FD, GTID_LIST, CHECKPOINT, GTID
  ASSERT_EQ(seen.size(), 9u);
  EXPECT_EQ(std::get<binlog::RotateEvent>(seen[4].event).next_file, "binsync-relay-bin.000002");
  EXPECT_EQ(seen[4].header.flags, 0);
  EXPECT_EQ(std::get<binlog::FormatDescription>(seen[5].event).server_version, "11.4.2-MariaDB-log");
  EXPECT_EQ(seen[5].header.log_pos, 4 + seen[5].header.event_size);
  EXPECT_EQ(std::get<binlog::BinlogCheckpointEvent>(seen[7].event).file, "binsync-relay-bin.000002");
  EXPECT_EQ(r.file_name(), "binsync-relay-bin.000002");
}

TEST_P(ReframeTest, RotatesPastMaxFileSizeWithTheGtidStateSoFar) {
  StreamOptions o = Options();
  o.max_file_size = 300;
  Reframer r(o);
  std::vector<std::vector<uint8_t>> events;
  for (uint64_t seq = 1; seq <= 6; ++seq) {
    events.push_back(source_.Event(T(EventType::kMariaGtid), GtidBody(seq, 0, kRowTxn), 0, 9));
    events.push_back(source_.Event(T(EventType::kQuery), EventBuilder::QueryBody("db", "BEGIN"), 0, 9));
    events.push_back(source_.Event(T(EventType::kXid), Bytes().U64(seq).bytes(), 0, 9));
  }
  const std::vector<Seen> seen = DecodeStream(Relay(r, events, CommitId{}, {{0, 9, 0}}));
  std::vector<std::string> files;
  uint64_t pos = 4;
  uint64_t last_seq = 0;
  for (size_t i = 1; i < seen.size(); ++i) {
    pos += seen[i].header.event_size;
    EXPECT_EQ(seen[i].header.log_pos, pos) << i;
    if (const auto* g = std::get_if<MariaGtidEvent>(&seen[i].event)) last_seq = g->seq_no;
    if (const auto* rot = std::get_if<binlog::RotateEvent>(&seen[i].event)) {
      files.emplace_back(rot->next_file);
      pos = 4;
      EXPECT_TRUE(std::holds_alternative<binlog::XidEvent>(seen[i - 1].event))
          << "a rotation comes between transactions";
      ASSERT_LT(i + 3, seen.size());
      const auto& list = std::get<binlog::MariaGtidListEvent>(seen[i + 2].event);
      ASSERT_EQ(list.count, 1u);
      EXPECT_EQ(list.At(0).seq_no, last_seq);
      EXPECT_EQ(list.At(0).server_id, 9u);
      EXPECT_EQ(std::get<MariaGtidEvent>(seen[i + 4].event).seq_no, last_seq + 1);
    }
  }
  EXPECT_GE(files.size(), 2u);
  EXPECT_EQ(files[0], "binsync-relay-bin.000002");
  EXPECT_EQ(files[1], "binsync-relay-bin.000003");
}

TEST_P(ReframeTest, LongerSourceHeaderIsCutToNineteenBytes) {
  EventBuilder wide(Flavor::kMariaDb1011, /*crc32=*/true);
  wide.set_extra_header(3);
  const binlog::FormatDescription wide_fd = FormatOf(wide.Fde());
  Reframer r(Options());
  std::vector<uint8_t> out;
  ASSERT_TRUE(r.Start(wide_fd, {}, &out).ok());
  const std::vector<uint8_t> xid_body = Bytes().U64(99).bytes();
  ASSERT_TRUE(r.Append(wide.Event(T(EventType::kXid), xid_body), SourcePos{"w.000001", 500}, {}, &out).ok());
  const std::vector<Seen> seen = DecodeStream(out);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::get<binlog::FormatDescription>(seen[1].event).header_length, 19);
  EXPECT_EQ(seen[4].body, xid_body);
}

TEST_P(ReframeTest, HeartbeatCarriesTheFileAndPositionWithoutMovingIt) {
  Reframer r(Options());
  std::vector<uint8_t> out = Relay(r, {source_.Event(T(EventType::kXid), Bytes().U64(1).bytes())});
  const uint64_t pos = r.position();
  r.AppendHeartbeat(&out);
  EXPECT_EQ(r.position(), pos);
  const std::vector<Seen> seen = DecodeStream(out);
  ASSERT_EQ(seen.size(), 6u);
  const auto& hb = std::get<binlog::HeartbeatEvent>(seen[5].event);
  EXPECT_EQ(hb.log_file, "binsync-relay-bin.000001");
  EXPECT_EQ(hb.position, pos);
  EXPECT_EQ(seen[5].header.timestamp, 0u);
  EXPECT_EQ(seen[5].header.flags, 0);
  EXPECT_EQ(seen[5].header.server_id, kRelayServerId);
}

TEST_P(ReframeTest, CorruptSourceEventIsAnErrorNamingItsPosition) {
  Reframer r(Options());
  std::vector<uint8_t> out;
  ASSERT_TRUE(r.Start(source_fd_, {}, &out).ok());
  const size_t before = out.size();

  std::vector<uint8_t> xid = source_.Event(T(EventType::kXid), Bytes().U64(1).bytes());
  xid[20] ^= 0x40;  // a body byte: the source's CRC no longer matches
  absl::Status st = r.Append(xid, SourcePos{"mariadb-bin.000003", 8812}, {}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(st.message(), HasSubstr("mariadb-bin.000003:8812: XID: CRC32 mismatch"));

  // A GTID whose flags promise a commit_id its body lacks.
  Bytes short_body;
  short_body.U64(5).U32(0).U8(kRowTxn | MariaGtidEvent::kFlagGroupCommitId).LE(0, 6);
  st = r.Append(source_.Event(T(EventType::kMariaGtid), short_body.bytes()),
                SourcePos{"mariadb-bin.000003", 9000}, CommitId{true, 5}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(st.message(), HasSubstr("mariadb-bin.000003:9000: MARIA_GTID: GTID body of 19 bytes"));

  // A truncated event (size field larger than what was read).
  std::vector<uint8_t> cut = source_.Event(T(EventType::kXid), Bytes().U64(1).bytes());
  cut.resize(cut.size() - 3);
  st = r.Append(cut, SourcePos{"mariadb-bin.000003", 9100}, {}, &out);
  EXPECT_THAT(st.message(), HasSubstr("mariadb-bin.000003:9100: XID: event_size"));
  st = r.Append(ByteView(cut).first(7), SourcePos{"mariadb-bin.000003", 9200}, {}, &out);
  EXPECT_THAT(st.message(), HasSubstr("mariadb-bin.000003:9200:"));
  EXPECT_EQ(out.size(), before) << "nothing of a refused event reaches the replica";

  // commit_id 0 would join a preceding GTID without one.
  st = r.Append(source_.Event(T(EventType::kMariaGtid), GtidBody(6, 0, kRowTxn)),
                SourcePos{"mariadb-bin.000003", 9300}, CommitId{true, 0}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.size(), before);
}

TEST_P(ReframeTest, MysqlSourceIsRefused) {
  EventBuilder mysql(Flavor::kMysql80, true);
  const std::vector<uint8_t> fde = mysql.Fde();
  const binlog::FormatDescription fd = FormatOf(fde);
  Reframer r(Options());
  std::vector<uint8_t> out;
  const absl::Status st = r.Start(fd, {}, &out);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("8.0.36-log"));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(r.Append(fde, SourcePos{}, {}, &out).ok()) << "Append before a Start";
}

TEST(NextFileNameTest, CountsUp) {
  EXPECT_EQ(NextFileName("binsync-relay-bin.000001"), "binsync-relay-bin.000002");
  EXPECT_EQ(NextFileName("a.000999"), "a.001000");
  EXPECT_EQ(NextFileName("a.999999"), "a.1000000");
  EXPECT_EQ(NextFileName("relay"), "relay.000001");
  EXPECT_EQ(NextFileName("relay.x1"), "relay.x1.000001");
}

}  // namespace
}  // namespace binsync::relay

namespace binsync::relay {
namespace {

// Cuts the stream at its ROTATE events into the virtual files a replica's relay log would
// hold: magic + every event but the fake ROTATE, the file's own ROTATE ending it.
std::vector<std::vector<uint8_t>> VirtualFiles(const std::vector<uint8_t>& stream) {
  std::vector<std::vector<uint8_t>> files;
  size_t at = 0;
  while (at + binlog::kEventHeaderLength <= stream.size()) {
    const auto size = static_cast<size_t>(binlog::LoadLE(stream.data() + at + 9, 4));
    const uint8_t type = stream[at + 4];
    const bool artificial = (binlog::LoadLE(stream.data() + at + 17, 2) & binlog::kFlagArtificial) != 0;
    if (!artificial) {
      if (files.empty() || type == T(EventType::kFormatDescription)) {
        files.emplace_back(std::begin(binlog::kBinlogMagic), std::end(binlog::kBinlogMagic));
      }
      files.back().insert(files.back().end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                          stream.begin() + static_cast<std::ptrdiff_t>(at + size));
    }
    at += size;
  }
  return files;
}

// MariaDB's own mariadb-binlog as the oracle: it verifies every CRC32, follows end_log_pos
// and prints each GTID's commit_id ("cid=").
TEST(ReframeOracleTest, MariadbBinlogReadsTheVirtualFiles) {
  EventBuilder source(Flavor::kMariaDb1011, /*crc32=*/true);
  StreamOptions o;
  o.server_id = kRelayServerId;
  o.max_file_size = 600;
  Reframer r(o);
  std::vector<uint8_t> out;
  ASSERT_TRUE(r.Start(FormatOf(source.Fde()), {{0, 9, 9}}, &out).ok());
  using binlog::testing::ColumnSpec;
  Bytes row;
  row.U8(0).U32(5);
  const CommitId ids[] = {{true, 10}, {true, 10}, {}, {true, 13}};
  for (uint64_t seq = 10; seq < 14; ++seq) {
    for (const auto& e : std::vector<std::vector<uint8_t>>{
             source.Event(T(EventType::kMariaGtid), GtidBody(seq, 0, kRowTxn), 0, 9),
             source.Event(T(EventType::kTableMap),
                          EventBuilder::TableMapBody(70, "db", "t", {ColumnSpec{3, {}, false}}), 0, 9),
             source.Event(T(EventType::kWriteRowsV1),
                          EventBuilder::RowsBody(false, 70, 1, {0x01}, nullptr, row.bytes()), 0, 9),
             source.Event(T(EventType::kXid), Bytes().U64(seq).bytes(), 0, 9)}) {
      ASSERT_TRUE(r.Append(e, SourcePos{"mariadb-bin.000001", 4}, ids[seq - 10], &out).ok());
    }
  }
  const std::vector<std::vector<uint8_t>> files = VirtualFiles(out);
  ASSERT_EQ(files.size(), 2u);
  std::string text;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string path = StrCat(::testing::TempDir(), "/relay-oracle.", i);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(files[i].data(), 1, files[i].size(), f), files[i].size());
    std::fclose(f);
    auto mb = RunSubprocess({"mariadb-binlog", "--verify-binlog-checksum", "-vv", path});
    ASSERT_TRUE(mb.ok()) << mb.status();
    ASSERT_EQ(mb->exit_code, 0) << mb->err;
    EXPECT_EQ(mb->err, "");
    // Each "# at P" is the previous event's end_log_pos: positions are continuous.
    std::istringstream lines(mb->out);
    uint64_t expected_at = 4;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("# at ")) {
        EXPECT_EQ(line, StrCat("# at ", expected_at)) << path;
      }
      const size_t end = line.find("end_log_pos ");
      if (line.starts_with("#") && end != std::string::npos) {
        expected_at = std::stoull(line.substr(end + 12));
      }
    }
    text += mb->out;
  }
  EXPECT_THAT(text, HasSubstr("Gtid list [0-9-9]"));
  EXPECT_THAT(text, HasSubstr("GTID 0-9-10 cid=10 trans"));
  EXPECT_THAT(text, HasSubstr("GTID 0-9-11 cid=10 trans"));
  EXPECT_THAT(text, HasSubstr("GTID 0-9-12 trans"));
  EXPECT_THAT(text, HasSubstr("GTID 0-9-13 cid=13 trans"));
  EXPECT_THAT(text, HasSubstr("Rotate to binsync-relay-bin.000002  pos: 4"));
  EXPECT_THAT(text, HasSubstr("Gtid list [0-9-11]"));
  EXPECT_THAT(text, Not(HasSubstr("at startup"))) << "FORMAT_DESCRIPTION created must be 0";
}

}  // namespace
}  // namespace binsync::relay
