#include "core/relay/session.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::relay {
namespace {

using binlog::testing::Bytes;
using ::testing::HasSubstr;

constexpr uint32_t kCaps = kClientProtocol41 | kClientSecureConnection | kClientPluginAuth |
                           kClientPluginAuthLenencData | kClientLongPassword | kClientTransactions;

SessionFacts Facts() {
  SessionFacts f;
  f.source_version = "10.11.6-MariaDB-log";
  f.server_id = 1;
  f.gtid_domain_id = 1;
  return f;
}

SessionAuth Auth() {
  SessionAuth a;
  a.user = "binsync";
  a.password_hash = NativePasswordHash("s3cret");
  return a;
}

// One packet's payload as a string (for matching texts inside it).
std::string Text(ByteView payload) { return std::string(binlog::AsChars(payload)); }

// The packets in `bytes`.
std::vector<PacketView> Packets(const std::vector<uint8_t>& bytes) {
  std::vector<PacketView> out;
  ByteView rest(bytes);
  PacketView p;
  while (size_t n = NextPacket(rest, &p)) {
    out.push_back(p);
    rest = rest.subspan(n);
  }
  EXPECT_TRUE(rest.empty()) << "a partial packet in the session's output";
  return out;
}

// A replica's side of the conversation: builds its packets, reads the scramble.
class Replica {
 public:
  explicit Replica(Session* s) : s_(*s) {
    std::vector<uint8_t> random(20, 7);
    s_.Start(random, &out_);
    const std::vector<PacketView> greeting = Packets(out_);
    EXPECT_EQ(greeting.size(), 1u);
    const ByteView g = greeting[0].payload;
    // protocol, version NUL, connection id, scramble[0..8), filler, ... scramble[8..20).
    const size_t version_end = Text(g).find('\0');
    const size_t part1 = version_end + 1 + 4;
    for (size_t i = 0; i < 8; ++i) scramble_[i] = g[part1 + i];
    const size_t part2 = part1 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
    for (size_t i = 0; i < 12; ++i) scramble_[8 + i] = g[part2 + i];
    version_ = Text(g.subspan(1, version_end - 1));
  }

  SessionStep Login(std::string_view user, std::string_view password) {
    Bytes b;
    const std::vector<uint8_t> token = NativePasswordToken(password, scramble_);
    b.U32(kCaps).U32(1 << 30).U8(45).LE(0, 23).Str(user).U8(0).Packed(token.size()).Raw(token);
    b.Str("mysql_native_password").U8(0);
    return Send(1, b.bytes());
  }
  SessionStep Query(std::string_view sql) {
    Bytes b;
    b.U8(0x03).Str(sql);
    return Send(0, b.bytes());
  }
  SessionStep Send(uint8_t seq, const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> wire;
    (void)AppendPacket(seq, payload, &wire);
    out_.clear();
    return s_.Feed(wire, 1700000000, &out_);
  }
  // The reply's packets (after the last Send).
  std::vector<PacketView> Reply() const { return Packets(out_); }
  // The first column of the first row of a text result set reply.
  std::string Value() const {
    const std::vector<PacketView> r = Reply();
    // count, N columns, EOF, row, EOF
    EXPECT_GE(r.size(), 5u);
    if (r.size() < 5) return "";
    const ByteView row = r[r.size() - 2].payload;
    if (row[0] == 0xfb) return "NULL";
    return Text(row.subspan(1, row[0]));
  }
  bool LastIsOk() const {
    const auto r = Reply();
    return r.size() == 1 && r[0].payload[0] == 0x00;
  }
  std::string LastError() const {
    const auto r = Reply();
    if (r.size() != 1 || r[0].payload[0] != 0xff) return "";
    const ByteView p = r[0].payload;
    const int code = p[1] | (p[2] << 8);
    return std::to_string(code) + " " + Text(p.subspan(9));
  }
  const std::string& version() const { return version_; }

 private:
  Session& s_;
  Scramble scramble_{};
  std::vector<uint8_t> out_;
  std::string version_;
};

TEST(SessionTest, AReplicasWholeConversationEndsInADumpRequest) {
  Session s(Facts(), Auth(), 42);
  Replica r(&s);
  EXPECT_EQ(r.version(), "5.5.5-10.11.6-MariaDB-log");
  ASSERT_EQ(r.Login("binsync", "s3cret"), SessionStep::kContinue);
  EXPECT_TRUE(r.LastIsOk());
  EXPECT_EQ(r.Reply()[0].seq, 2) << "the OK follows the client's response (seq 1)";
  ASSERT_EQ(r.Query("SELECT UNIX_TIMESTAMP()"), SessionStep::kContinue);
  EXPECT_EQ(r.Value(), "1700000000");
  ASSERT_EQ(r.Query("SHOW VARIABLES LIKE 'SERVER_ID'"), SessionStep::kContinue);
  EXPECT_EQ(r.Value(), "server_id");
  const auto rows = r.Reply();
  ASSERT_GE(rows.size(), 2u);
  EXPECT_THAT(Text(rows[rows.size() - 2].payload), HasSubstr("1"));
  ASSERT_EQ(r.Query("SET @master_heartbeat_period= 15000000000"), SessionStep::kContinue);
  EXPECT_TRUE(r.LastIsOk());
  ASSERT_EQ(r.Query("SELECT @master_binlog_checksum"), SessionStep::kContinue);
  EXPECT_EQ(r.Value(), "NULL") << "not set yet";
  ASSERT_EQ(r.Query("SET @master_binlog_checksum= @@global.binlog_checksum"), SessionStep::kContinue);
  ASSERT_EQ(r.Query("SELECT @master_binlog_checksum"), SessionStep::kContinue);
  EXPECT_EQ(r.Value(), "CRC32");
  ASSERT_EQ(r.Query("SET @mariadb_slave_capability=4"), SessionStep::kContinue);
  EXPECT_TRUE(r.LastIsOk());
  ASSERT_EQ(r.Query("SELECT @@GLOBAL.gtid_domain_id"), SessionStep::kContinue);
  EXPECT_EQ(r.Value(), "1");
  ASSERT_EQ(r.Query("SET @slave_connect_state='1-1-100,2-2-7'"), SessionStep::kContinue);
  ASSERT_EQ(r.Query("SET @slave_gtid_strict_mode=1"), SessionStep::kContinue);
  ASSERT_EQ(r.Query("SET @slave_gtid_ignore_duplicates=0"), SessionStep::kContinue);
  EXPECT_TRUE(r.LastIsOk());
  ASSERT_EQ(r.Query("SELECT @@version"), SessionStep::kContinue);
  EXPECT_EQ(r.Value(), "10.11.6-MariaDB-log");
  Bytes reg;
  reg.U8(0x15).U32(2).U8(0).U8(0).U8(0).U16(3306).U32(0).U32(0);
  ASSERT_EQ(r.Send(0, reg.bytes()), SessionStep::kContinue);
  EXPECT_TRUE(r.LastIsOk());
  Bytes dump;
  dump.U8(0x12).U32(4).U16(BinlogDumpCommand::kSendAnnotateRows).U32(2).Str("");
  ASSERT_EQ(r.Send(0, dump.bytes()), SessionStep::kDump);
  EXPECT_TRUE(r.Reply().empty()) << "the stream itself is the reply";
  const DumpRequest& d = s.dump_request();
  EXPECT_EQ(FormatMariaDbGtidPos(d.start), "1-1-100,2-2-7");
  EXPECT_TRUE(d.checksum);
  EXPECT_EQ(d.heartbeat_period_ns, 15000000000u);
  EXPECT_TRUE(d.annotate_rows);
  EXPECT_EQ(d.replica_server_id, 2u);
}

TEST(SessionTest, BytesInAnySplitGiveTheSameConversation) {
  Session whole(Facts(), Auth(), 1);
  Replica r(&whole);
  ASSERT_EQ(r.Login("binsync", "s3cret"), SessionStep::kContinue);
  Session split(Facts(), Auth(), 1);
  std::vector<uint8_t> greeting;
  split.Start(std::vector<uint8_t>(20, 7), &greeting);
  // The same login bytes, one at a time.
  Bytes b;
  const Scramble sc = MakeScramble(std::vector<uint8_t>(20, 7));
  const std::vector<uint8_t> token = NativePasswordToken("s3cret", sc);
  b.U32(kCaps).U32(1 << 30).U8(45).LE(0, 23).Str("binsync").U8(0).Packed(token.size()).Raw(token);
  std::vector<uint8_t> wire;
  (void)AppendPacket(1, b.bytes(), &wire);
  std::vector<uint8_t> out;
  for (const uint8_t byte : wire) {
    ASSERT_EQ(split.Feed(ByteView(&byte, 1), 0, &out), SessionStep::kContinue);
  }
  EXPECT_TRUE(split.authenticated());
  ASSERT_EQ(Packets(out).size(), 1u);
  EXPECT_EQ(Packets(out)[0].payload[0], 0x00);
}

TEST(SessionTest, AWrongPasswordOrUserIsRefusedWith1045AndClosed) {
  for (const auto& [user, password] : {std::pair{"binsync", "wrong"}, std::pair{"root", "s3cret"},
                                       std::pair{"binsync", ""}}) {
    Session s(Facts(), Auth(), 1);
    Replica r(&s);
    EXPECT_EQ(r.Login(user, password), SessionStep::kClose) << user << "/" << password;
    EXPECT_THAT(r.LastError(), HasSubstr("1045 Access denied for user"));
    EXPECT_FALSE(s.authenticated());
    std::vector<uint8_t> out;
    EXPECT_EQ(s.Feed(std::vector<uint8_t>{1, 0, 0, 0, 0x0e}, 0, &out), SessionStep::kClose)
        << "nothing is answered after the close";
    EXPECT_TRUE(out.empty());
  }
}

TEST(SessionTest, CommandsBeforeLoginAreNotServed) {
  Session s(Facts(), Auth(), 1);
  Replica r(&s);
  // A COM_QUERY where the handshake response belongs: malformed, refused, closed.
  EXPECT_EQ(r.Query("SELECT UNIX_TIMESTAMP()"), SessionStep::kClose);
  EXPECT_FALSE(s.authenticated());
}

TEST(SessionTest, UnknownQueriesGetAnErrorNamingThemAndUnknownSetsAnOk) {
  Session s(Facts(), Auth(), 1);
  Replica r(&s);
  ASSERT_EQ(r.Login("binsync", "s3cret"), SessionStep::kContinue);
  ASSERT_EQ(r.Query("SELECT * FROM mysql.user"), SessionStep::kContinue);
  EXPECT_THAT(r.LastError(), HasSubstr("1064"));
  EXPECT_THAT(r.LastError(), HasSubstr("SELECT * FROM mysql.user"));
  ASSERT_EQ(r.Query("SET NAMES latin1"), SessionStep::kContinue);
  EXPECT_TRUE(r.LastIsOk());
  ASSERT_EQ(r.Query("set  @slave_connect_state = 'junk'"), SessionStep::kContinue);
  EXPECT_THAT(r.LastError(), HasSubstr("@slave_connect_state 'junk'"));
  Bytes ping;
  ping.U8(0x0e);
  ASSERT_EQ(r.Send(0, ping.bytes()), SessionStep::kContinue);
  EXPECT_TRUE(r.LastIsOk());
  Bytes quit;
  quit.U8(0x01);
  EXPECT_EQ(r.Send(0, quit.bytes()), SessionStep::kClose);
  EXPECT_EQ(s.close_reason(), "");
}

TEST(SessionTest, AFilePositionDumpOrTheSourcesOwnIdIsRefused) {
  {
    Session s(Facts(), Auth(), 1);
    Replica r(&s);
    ASSERT_EQ(r.Login("binsync", "s3cret"), SessionStep::kContinue);
    Bytes dump;
    dump.U8(0x12).U32(4).U16(0).U32(2).Str("mariadb-bin.000001");
    EXPECT_EQ(r.Send(0, dump.bytes()), SessionStep::kClose);
    EXPECT_THAT(r.LastError(), HasSubstr("1236 binsync serves GTID replicas only"));
  }
  Session s(Facts(), Auth(), 1);
  Replica r(&s);
  ASSERT_EQ(r.Login("binsync", "s3cret"), SessionStep::kContinue);
  ASSERT_EQ(r.Query("SET @slave_connect_state=''"), SessionStep::kContinue);
  Bytes dump;
  dump.U8(0x12).U32(4).U16(0).U32(1).Str("");
  EXPECT_EQ(r.Send(0, dump.bytes()), SessionStep::kClose);
  EXPECT_THAT(r.LastError(), HasSubstr("is the source's"));
}

TEST(SessionTest, GarbageGetsAnErrorAndAClose) {
  Session s(Facts(), Auth(), 1);
  Replica r(&s);
  ASSERT_EQ(r.Login("binsync", "s3cret"), SessionStep::kContinue);
  Bytes unknown;
  unknown.U8(0x99).U32(7);
  EXPECT_EQ(r.Send(0, unknown.bytes()), SessionStep::kClose);
  EXPECT_THAT(r.LastError(), HasSubstr("command 153 is not served"));

  std::mt19937 rng(20);
  for (int i = 0; i < 5000; ++i) {
    Session g(Facts(), Auth(), 1);
    std::vector<uint8_t> out;
    g.Start(std::vector<uint8_t>(20, 1), &out);
    std::vector<uint8_t> junk(rng() % 300);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    if (junk.size() >= 4 && i % 2 == 0) {
      // A plausible header so the payload parsers see the junk.
      junk[0] = static_cast<uint8_t>(junk.size() - 4);
      junk[1] = junk[2] = 0;
    }
    const SessionStep step = g.Feed(junk, 0, &out);
    EXPECT_FALSE(g.authenticated() && step == SessionStep::kDump);
  }
  // A length that can never complete is not buffered without bound.
  Session big(Facts(), Auth(), 1);
  std::vector<uint8_t> out;
  big.Start(std::vector<uint8_t>(20, 1), &out);
  std::vector<uint8_t> chunk(1 << 16, 0xee);
  chunk[0] = chunk[1] = chunk[2] = 0xff;
  chunk[3] = 1;
  SessionStep step = SessionStep::kContinue;
  for (int i = 0; i < 40 && step == SessionStep::kContinue; ++i) step = big.Feed(chunk, 0, &out);
  EXPECT_EQ(step, SessionStep::kClose);
}

TEST(SessionTest, UserVariableAssignmentReadsTheReplicasSets) {
  std::string v;
  EXPECT_TRUE(UserVariableAssignment("SET @slave_connect_state='0-1-5'", "slave_connect_state", &v));
  EXPECT_EQ(v, "0-1-5");
  EXPECT_TRUE(UserVariableAssignment("set @Master_Heartbeat_Period = 5 ;", "master_heartbeat_period", &v));
  EXPECT_EQ(v, "5");
  EXPECT_FALSE(UserVariableAssignment("SET @slave_connect_state_x='1'", "slave_connect_state", &v));
  EXPECT_FALSE(UserVariableAssignment("SELECT @slave_connect_state", "slave_connect_state", &v));
}

TEST(SessionTest, EventsGoOutOnePacketEachWithTheOkByteFirst) {
  // Two events of 19 and 23 bytes (event_size at offset 9), back to back as the Reframer
  // appends them.
  std::vector<uint8_t> events(19 + 23, 0xab);
  events[9] = 19;
  events[10] = events[11] = events[12] = 0;
  events[19 + 9] = 23;
  events[19 + 10] = events[19 + 11] = events[19 + 12] = 0;
  uint8_t seq = 1;
  std::vector<uint8_t> scratch, out;
  ASSERT_TRUE(AppendEventPackets(events, &seq, &scratch, &out).ok());
  EXPECT_EQ(seq, 3) << "numbered on from the dump command";
  const std::vector<PacketView> p = Packets(out);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].seq, 1);
  EXPECT_EQ(p[0].payload.size(), 20u);
  EXPECT_EQ(p[0].payload[0], 0x00);
  EXPECT_EQ(p[1].seq, 2);
  EXPECT_EQ(p[1].payload.size(), 24u);
  // A cut stream is an error, not a packet of garbage.
  out.clear();
  EXPECT_FALSE(AppendEventPackets(ByteView(events).first(30), &seq, &scratch, &out).ok());
}

}  // namespace
}  // namespace binsync::relay
