#include "core/relay/protocol.h"

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

std::string Hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  for (const uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

Scramble TestScramble() {
  std::vector<uint8_t> random(20);
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<uint8_t>(i * 37 + 200);
  return MakeScramble(random);
}

// A HandshakeResponse41 as MariaDB's client library sends it.
std::vector<uint8_t> Response(uint32_t caps, std::string_view user, const std::vector<uint8_t>& token,
                              std::string_view db, std::string_view plugin) {
  Bytes b;
  b.U32(caps).U32(1 << 30).U8(45).LE(0, 23).Str(user).U8(0);
  if ((caps & kClientPluginAuthLenencData) != 0) {
    b.Packed(token.size()).Raw(token);
  } else {
    b.U8(token.size()).Raw(token);
  }
  if ((caps & kClientConnectWithDb) != 0) b.Str(db).U8(0);
  if ((caps & kClientPluginAuth) != 0) b.Str(plugin).U8(0);
  if ((caps & kClientConnectAttrs) != 0) b.Packed(8).U8(3).Str("_os").U8(3).Str("lnx");
  return b.bytes();
}

TEST(ProtocolTest, PacketsRoundTripAndNumberThemselves) {
  std::vector<uint8_t> out;
  const std::vector<uint8_t> a = {1, 2, 3};
  EXPECT_EQ(AppendPacket(255, a, &out), 0) << "sequence ids wrap at 256";
  EXPECT_EQ(out, (std::vector<uint8_t>{3, 0, 0, 255, 1, 2, 3}));
  PacketView p;
  EXPECT_EQ(NextPacket(ByteView(out).first(6), &p), 0u) << "incomplete: read more";
  EXPECT_EQ(NextPacket(ByteView(out).first(3), &p), 0u);
  ASSERT_EQ(NextPacket(out, &p), 7u);
  EXPECT_EQ(p.seq, 255);
  EXPECT_EQ(std::vector<uint8_t>(p.payload.begin(), p.payload.end()), a);
  EXPECT_FALSE(p.continued());
}

TEST(ProtocolTest, AMaximalPayloadIsFollowedByAnEmptyPacket) {
  const std::vector<uint8_t> big(kMaxPacketPayload, 7);
  std::vector<uint8_t> out;
  EXPECT_EQ(AppendPacket(0, big, &out), 2);
  ASSERT_EQ(out.size(), 4 + kMaxPacketPayload + 4);
  PacketView p;
  ASSERT_EQ(NextPacket(out, &p), 4 + kMaxPacketPayload);
  EXPECT_TRUE(p.continued());
  ASSERT_EQ(NextPacket(ByteView(out).subspan(4 + kMaxPacketPayload), &p), 4u);
  EXPECT_EQ(p.seq, 1);
  EXPECT_TRUE(p.payload.empty());
}

TEST(ProtocolTest, HandshakeV10Layout) {
  Handshake h;
  h.server_version = HandshakeServerVersion("10.11.6-MariaDB-log");
  EXPECT_EQ(h.server_version, "5.5.5-10.11.6-MariaDB-log");
  h.connection_id = 0x01020304;
  h.scramble = TestScramble();
  std::vector<uint8_t> p;
  AppendHandshakeV10(h, &p);
  binlog::ByteReader r(p);
  EXPECT_EQ(r.U8(), 10);
  EXPECT_EQ(r.String(h.server_version.size()), h.server_version);
  EXPECT_EQ(r.U8(), 0);
  EXPECT_EQ(r.U32(), 0x01020304u);
  const ByteView part1 = r.Bytes(8);
  EXPECT_EQ(r.U8(), 0);
  uint32_t caps = r.U16();
  EXPECT_EQ(r.U8(), 45);
  EXPECT_EQ(r.U16(), kStatusAutocommit);
  caps |= static_cast<uint32_t>(r.U16()) << 16;
  EXPECT_EQ(caps, kServerCapabilities);
  EXPECT_EQ(r.U8(), 21);
  r.Skip(10);
  const ByteView part2 = r.Bytes(12);
  EXPECT_EQ(r.U8(), 0);
  EXPECT_EQ(r.String(21), kNativePasswordPlugin);
  EXPECT_EQ(r.U8(), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
  std::vector<uint8_t> scramble(part1.begin(), part1.end());
  scramble.insert(scramble.end(), part2.begin(), part2.end());
  EXPECT_EQ(scramble, std::vector<uint8_t>(h.scramble.begin(), h.scramble.end()));
  for (const uint8_t b : h.scramble) EXPECT_NE(b, 0);
}

TEST(ProtocolTest, NativePasswordMatchesTheServersHashAndVerifiesTokens) {
  // MariaDB: SELECT PASSWORD('password') = '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'.
  EXPECT_EQ(Hex(NativePasswordHash("password")), "2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
  const Scramble scramble = TestScramble();
  const Sha1Digest stored = NativePasswordHash("s3cret");
  const std::vector<uint8_t> token = NativePasswordToken("s3cret", scramble);
  EXPECT_EQ(token.size(), 20u);
  EXPECT_TRUE(VerifyNativePassword(stored, scramble, token));
  EXPECT_FALSE(VerifyNativePassword(stored, scramble, NativePasswordToken("s3creT", scramble)));
  Scramble other = scramble;
  other[0] ^= 1;
  EXPECT_FALSE(VerifyNativePassword(stored, other, token)) << "a token is valid for one scramble";
  EXPECT_FALSE(VerifyNativePassword(stored, scramble, {})) << "no password sent";
  EXPECT_FALSE(VerifyNativePassword(stored, scramble, ByteView(token).first(19)));
  EXPECT_TRUE(VerifyNativePassword(NativePasswordHash(""), scramble, {}));
  EXPECT_TRUE(NativePasswordToken("", scramble).empty());
}

TEST(ProtocolTest, HandshakeResponseAsMariadbSendsIt) {
  const Scramble scramble = TestScramble();
  const std::vector<uint8_t> token = NativePasswordToken("pw", scramble);
  const uint32_t caps = kServerCapabilities;
  HandshakeResponse r;  // views into `payload`
  const std::vector<uint8_t> payload = Response(caps, "repl", token, "", "mysql_native_password");
  ASSERT_TRUE(ParseHandshakeResponse(payload, &r).ok());
  EXPECT_FALSE(r.ssl_request);
  EXPECT_EQ(r.user, "repl");
  EXPECT_EQ(std::vector<uint8_t>(r.auth_response.begin(), r.auth_response.end()), token);
  EXPECT_EQ(r.database, "");
  EXPECT_EQ(r.auth_plugin, "mysql_native_password");
  EXPECT_EQ(r.charset, 45);
  EXPECT_TRUE(VerifyNativePassword(NativePasswordHash("pw"), scramble, r.auth_response));

  const uint32_t old_caps = kClientProtocol41 | kClientSecureConnection | kClientConnectWithDb;
  const std::vector<uint8_t> old_payload = Response(old_caps, "u", token, "mysql", "");
  ASSERT_TRUE(ParseHandshakeResponse(old_payload, &r).ok());
  EXPECT_EQ(r.database, "mysql");
  EXPECT_EQ(r.auth_response.size(), 20u);
  EXPECT_EQ(r.auth_plugin, "");

  Bytes ssl;
  ssl.U32(kServerCapabilities | kClientSsl).U32(1 << 24).U8(45).LE(0, 23);
  ASSERT_TRUE(ParseHandshakeResponse(ssl.bytes(), &r).ok());
  EXPECT_TRUE(r.ssl_request);

  Bytes old41;
  old41.U32(kClientLongPassword).U32(0).U8(8).LE(0, 23).Str("u").U8(0);
  EXPECT_EQ(ParseHandshakeResponse(old41.bytes(), &r).code(), absl::StatusCode::kUnimplemented);
}

TEST(ProtocolTest, RepliesByteForByte) {
  std::vector<uint8_t> p;
  AppendOk(&p);
  EXPECT_EQ(p, (std::vector<uint8_t>{0x00, 0, 0, 2, 0, 0, 0}));
  p.clear();
  AppendErr(1045, "28000", "Access denied", &p);
  Bytes err;
  err.U8(0xff).U16(1045).Str("#28000Access denied");
  EXPECT_EQ(p, err.bytes());
  p.clear();
  AppendEof(&p);
  EXPECT_EQ(p, (std::vector<uint8_t>{0xfe, 0, 0, 2, 0}));
}

TEST(ProtocolTest, TextResultSetAsAClientReadsIt) {
  const std::vector<std::string_view> columns = {"Variable_name", "Value"};
  const std::vector<TextRow> rows = {{"SERVER_ID", "42"}, {"x", std::nullopt}};
  std::vector<uint8_t> out;
  EXPECT_EQ(AppendTextResultSet(1, columns, rows, &out), 1 + 1 + 2 + 1 + 2 + 1);
  std::vector<PacketView> packets;
  ByteView rest(out);
  PacketView p;
  while (size_t n = NextPacket(rest, &p)) {
    packets.push_back(p);
    rest = rest.subspan(n);
  }
  ASSERT_EQ(packets.size(), 7u);
  for (size_t i = 0; i < packets.size(); ++i) EXPECT_EQ(packets[i].seq, 1 + i);
  EXPECT_EQ(packets[0].payload[0], 2);
  binlog::ByteReader col(packets[1].payload);
  EXPECT_EQ(col.PackedString(), "def");
  (void)col.PackedString();
  (void)col.PackedString();
  (void)col.PackedString();
  EXPECT_EQ(col.PackedString(), "Variable_name");
  EXPECT_EQ(packets[3].payload[0], 0xfe);
  binlog::ByteReader row(packets[4].payload);
  EXPECT_EQ(row.PackedString(), "SERVER_ID");
  EXPECT_EQ(row.PackedString(), "42");
  EXPECT_TRUE(row.empty());
  EXPECT_EQ(packets[5].payload[2], 0xfb) << "NULL";
  EXPECT_EQ(packets[6].payload[0], 0xfe);
}

TEST(ProtocolTest, CommandsAReplicaSends) {
  std::string_view sql;
  Bytes q;
  q.U8(0x03).Str("SELECT UNIX_TIMESTAMP()");
  ASSERT_TRUE(ParseQuery(q.bytes(), &sql).ok());
  EXPECT_EQ(sql, "SELECT UNIX_TIMESTAMP()");

  Bytes reg;
  reg.U8(0x15).U32(2).U8(4).Str("host").U8(4).Str("repl").U8(0).U16(3306).U32(0).U32(1);
  RegisterSlaveCommand rs;
  ASSERT_TRUE(ParseRegisterSlave(reg.bytes(), &rs).ok());
  EXPECT_EQ(rs.server_id, 2u);
  EXPECT_EQ(rs.host, "host");
  EXPECT_EQ(rs.user, "repl");
  EXPECT_EQ(rs.password, "");
  EXPECT_EQ(rs.port, 3306);
  EXPECT_EQ(rs.master_id, 1u);

  Bytes dump;
  dump.U8(0x12).U32(4).U16(BinlogDumpCommand::kSendAnnotateRows).U32(2).Str("");
  BinlogDumpCommand d;
  ASSERT_TRUE(ParseBinlogDump(dump.bytes(), &d).ok());
  EXPECT_EQ(d.position, 4u);
  EXPECT_EQ(d.flags, BinlogDumpCommand::kSendAnnotateRows);
  EXPECT_EQ(d.server_id, 2u);
  EXPECT_EQ(d.file, "");

  const absl::Status wrong = ParseBinlogDump(q.bytes(), &d);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.message(), HasSubstr("expected COM_BINLOG_DUMP (command 18), got command 3"));
  EXPECT_FALSE(ParseQuery({}, &sql).ok());
}

TEST(ProtocolTest, EveryTruncationIsAnErrorOrAWholeParse) {
  const std::vector<uint8_t> token(20, 0x41);
  const std::vector<uint8_t> response =
      Response(kServerCapabilities, "repl", token, "", "mysql_native_password");
  Bytes reg;
  reg.U8(0x15).U32(2).U8(4).Str("host").U8(4).Str("repl").U8(2).Str("pw").U16(3306).U32(0).U32(1);
  Bytes dump;
  dump.U8(0x12).U32(4).U16(0).U32(2).Str("f.000001");
  for (size_t n = 0; n < response.size(); ++n) {
    HandshakeResponse r;
    const absl::Status st = ParseHandshakeResponse(ByteView(response).first(n), &r);
    // Only a cut after the auth response (old clients stop there) may parse.
    if (st.ok()) {
      EXPECT_GE(n, 32 + 5 + 1 + 20u) << n;
    } else {
      EXPECT_THAT(st.message(), HasSubstr("HandshakeResponse41")) << n;
    }
  }
  for (size_t n = 0; n < reg.size(); ++n) {
    RegisterSlaveCommand rs;
    EXPECT_FALSE(ParseRegisterSlave(ByteView(reg.bytes()).first(n), &rs).ok()) << n;
  }
  for (size_t n = 0; n < 11; ++n) {
    BinlogDumpCommand d;
    EXPECT_FALSE(ParseBinlogDump(ByteView(dump.bytes()).first(n), &d).ok()) << n;
  }
}

TEST(ProtocolTest, GarbageNeverCrashesAndViewsStayInside) {
  std::mt19937_64 rng(20);
  std::vector<uint8_t> buf;
  for (int round = 0; round < 20000; ++round) {
    buf.resize(rng() % 96);
    for (auto& b : buf) b = static_cast<uint8_t>(rng());
    if (!buf.empty() && round % 3 == 0) buf[0] = round % 2 == 0 ? 0x15 : 0x12;
    const auto inside = [&](ByteView v) {
      return v.empty() || (v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size());
    };
    HandshakeResponse r;
    if (ParseHandshakeResponse(buf, &r).ok()) {
      EXPECT_TRUE(inside(r.auth_response));
      EXPECT_TRUE(inside(binlog::AsBytes(r.user)));
      EXPECT_TRUE(inside(binlog::AsBytes(r.auth_plugin)));
    }
    RegisterSlaveCommand rs;
    if (ParseRegisterSlave(buf, &rs).ok()) {
      EXPECT_TRUE(inside(binlog::AsBytes(rs.password)));
    }
    BinlogDumpCommand d;
    if (ParseBinlogDump(buf, &d).ok()) {
      EXPECT_TRUE(inside(binlog::AsBytes(d.file)));
    }
    PacketView p;
    if (NextPacket(buf, &p) > 0) {
      EXPECT_TRUE(inside(p.payload));
    }
  }
}

}  // namespace
}  // namespace binsync::relay
