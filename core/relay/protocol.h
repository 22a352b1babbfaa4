// The server side of the MySQL/MariaDB client protocol, as much as a MariaDB replica needs
// from its master: pure functions over byte views, no socket. Parsing never trusts a
// length: every read is bounds-checked (binlog::ByteReader) and garbage is an error
// naming what was malformed, never a crash.
//
// Packet: payload_length<3> sequence_id<1> payload. A payload of 0xffffff bytes or more
//   is split into 0xffffff-byte packets, the last shorter (an empty one when the length
//   is an exact multiple). Each exchange starts at sequence 0 (the client's command) and
//   counts up by one per packet, both directions, wrapping at 256.
// Integers are little-endian; lenenc int: < 0xfb one byte, 0xfc + 2, 0xfd + 3, 0xfe + 8;
// lenenc string: lenenc length + bytes; NUL string: bytes then 0x00.
//
// HandshakeV10 (server, first packet, sequence 0):
//   protocol<1> = 10, server_version NUL, connection_id<4>, scramble[0..8),
//   filler<1> = 0, capabilities low<2>, charset<1>, status<2>, capabilities high<2>,
//   scramble_length<1> = 21, reserved<10> = 0, scramble[8..20) 0x00,
//   auth_plugin_name NUL ("mysql_native_password")
// HandshakeResponse41 (client, sequence 1):
//   capabilities<4>, max_packet<4>, charset<1>, filler<23>, user NUL,
//   auth_response: lenenc string (PLUGIN_AUTH_LENENC_CLIENT_DATA) | len<1> + bytes
//   (SECURE_CONNECTION) | NUL string, [database NUL (CONNECT_WITH_DB)],
//   [auth_plugin NUL (PLUGIN_AUTH)], [attributes: lenenc length + bytes (CONNECT_ATTRS)]
//   SSLRequest: the first 32 bytes only, with CLIENT_SSL set (TLS starts after it).
// mysql_native_password: token = SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))),
//   empty for an empty password. The server keeps only SHA1(SHA1(password)) and checks
//   SHA1(token XOR SHA1(scramble + stored)) == stored.
// OK: 0x00 affected_rows<lenenc> last_insert_id<lenenc> status<2> warnings<2> info
// ERR: 0xff code<2> '#' sqlstate<5> message
// EOF: 0xfe warnings<2> status<2>
// Text result set (no CLIENT_DEPRECATE_EOF): column_count<lenenc>; per column
//   "def" schema table org_table name org_name (lenenc strings), 0x0c, charset<2>,
//   length<4>, type<1>, flags<2>, decimals<1>, filler<2>; EOF; per row one lenenc string
//   per column (0xfb: NULL); EOF.
// Commands (payload[0]): COM_QUIT 0x01, COM_QUERY 0x03 sql (to the end), COM_PING 0x0e,
//   COM_BINLOG_DUMP 0x12 position<4> flags<2> server_id<4> file (to the end),
//   COM_REGISTER_SLAVE 0x15 server_id<4> host(len<1>) user(len<1>) password(len<1>)
//   port<2> rank<4> master_id<4>.
//
// SHA1 is OpenSSL's libcrypto (the listener's TLS needs OpenSSL anyway).
#ifndef BINSYNC_CORE_RELAY_PROTOCOL_H_
#define BINSYNC_CORE_RELAY_PROTOCOL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"

namespace binsync::relay {

using binlog::ByteView;

// Capability flags.
inline constexpr uint32_t kClientLongPassword = 0x00000001;
inline constexpr uint32_t kClientLongFlag = 0x00000004;
inline constexpr uint32_t kClientConnectWithDb = 0x00000008;
inline constexpr uint32_t kClientProtocol41 = 0x00000200;
inline constexpr uint32_t kClientSsl = 0x00000800;
inline constexpr uint32_t kClientTransactions = 0x00002000;
inline constexpr uint32_t kClientSecureConnection = 0x00008000;
inline constexpr uint32_t kClientMultiResults = 0x00020000;
inline constexpr uint32_t kClientPluginAuth = 0x00080000;
inline constexpr uint32_t kClientConnectAttrs = 0x00100000;
inline constexpr uint32_t kClientPluginAuthLenencData = 0x00200000;
// What binsync's listener offers (kClientSsl is added when it has a certificate).
inline constexpr uint32_t kServerCapabilities =
    kClientLongPassword | kClientLongFlag | kClientConnectWithDb | kClientProtocol41 |
    kClientTransactions | kClientSecureConnection | kClientMultiResults | kClientPluginAuth |
    kClientConnectAttrs | kClientPluginAuthLenencData;

inline constexpr uint16_t kStatusAutocommit = 0x0002;
inline constexpr size_t kMaxPacketPayload = 0xffffff;
inline constexpr size_t kScrambleLength = 20;
inline constexpr std::string_view kNativePasswordPlugin = "mysql_native_password";

// Packets.

struct PacketView {
  uint8_t seq = 0;
  ByteView payload;  // into the caller's buffer
  // The payload is kMaxPacketPayload long: the next packet continues it.
  [[nodiscard]] bool continued() const { return payload.size() == kMaxPacketPayload; }
};

// Cuts the first packet off `in`: the bytes it takes, or 0 when `in` does not hold a whole
// packet yet (read more).
[[nodiscard]] size_t NextPacket(ByteView in, PacketView* out);

// Appends `payload` as packets numbered from `seq`; returns the next sequence number.
[[nodiscard]] uint8_t AppendPacket(uint8_t seq, ByteView payload, std::vector<uint8_t>* out);

// Handshake.

using Scramble = std::array<uint8_t, kScrambleLength>;

// A scramble from 20 random bytes: each mapped into printable ASCII (33..126), so none is
// 0 (the handshake's second part is NUL-terminated).
[[nodiscard]] Scramble MakeScramble(ByteView random20);

// The version string a MariaDB 10+ replica accepts as a MariaDB master: MariaDB servers
// prefix "5.5.5-" (the client library strips it) so that old clients see a 5.5 server.
[[nodiscard]] std::string HandshakeServerVersion(std::string_view source_version);

struct Handshake {
  std::string server_version;  // HandshakeServerVersion(...)
  uint32_t connection_id = 0;
  Scramble scramble{};
  uint32_t capabilities = kServerCapabilities;
  uint8_t charset = 45;  // utf8mb4_general_ci
  uint16_t status = kStatusAutocommit;
};

// Appends the HandshakeV10 payload.
void AppendHandshakeV10(const Handshake& h, std::vector<uint8_t>* payload);

struct HandshakeResponse {
  bool ssl_request = false;  // only the 32-byte SSLRequest: TLS starts next
  uint32_t capabilities = 0;
  uint32_t max_packet = 0;
  uint8_t charset = 0;
  std::string_view user;
  ByteView auth_response;
  std::string_view database;
  std::string_view auth_plugin;  // empty without CLIENT_PLUGIN_AUTH
};

// Parses a HandshakeResponse41 (or SSLRequest) payload. Views point into `payload`.
[[nodiscard]] absl::Status ParseHandshakeResponse(ByteView payload, HandshakeResponse* out);

// mysql_native_password.

using Sha1Digest = std::array<uint8_t, 20>;
[[nodiscard]] Sha1Digest Sha1(ByteView a, ByteView b = {});
// SHA1(SHA1(password)): what the listener keeps instead of the password.
[[nodiscard]] Sha1Digest NativePasswordHash(std::string_view password);
// The client's token for `password` (what a replica sends; tests use it).
[[nodiscard]] std::vector<uint8_t> NativePasswordToken(std::string_view password,
                                                       const Scramble& scramble);
// True when `token` proves knowledge of the password whose NativePasswordHash is `stored`.
// An empty token matches only the empty password. Compares in constant time.
[[nodiscard]] bool VerifyNativePassword(const Sha1Digest& stored, const Scramble& scramble,
                                        ByteView token);

// Replies (payloads; AppendPacket frames them).

void AppendOk(std::vector<uint8_t>* payload, uint64_t affected_rows = 0,
              uint16_t status = kStatusAutocommit);
void AppendErr(uint16_t code, std::string_view sqlstate, std::string_view message,
               std::vector<uint8_t>* payload);
void AppendEof(std::vector<uint8_t>* payload, uint16_t status = kStatusAutocommit);

// A text result set of string columns, framed as packets numbered from `seq` (the reply to
// a COM_QUERY starts at 1); returns the next sequence number. A row's nullopt is NULL.
using TextRow = std::vector<std::optional<std::string_view>>;
[[nodiscard]] uint8_t AppendTextResultSet(uint8_t seq, std::span<const std::string_view> columns,
                                          std::span<const TextRow> rows,
                                          std::vector<uint8_t>* out);

// The binlog stream after COM_BINLOG_DUMP: each event is one packet (split past 16 MB)
// whose payload is 0x00 then the event, numbered on from `*seq` (the dump's replies start
// at 1). `events`: whole events back to back (event_size at header offset 9), as the
// Reframer appends them. `scratch` is reused between calls.
[[nodiscard]] absl::Status AppendEventPackets(ByteView events, uint8_t* seq,
                                              std::vector<uint8_t>* scratch,
                                              std::vector<uint8_t>* out);

// Commands.

enum class Command : uint8_t {
  kQuit = 0x01,
  kQuery = 0x03,
  kPing = 0x0e,
  kBinlogDump = 0x12,
  kRegisterSlave = 0x15,
};

struct RegisterSlaveCommand {
  uint32_t server_id = 0;
  std::string_view host, user, password;
  uint16_t port = 0;
  uint32_t master_id = 0;
};

struct BinlogDumpCommand {
  static constexpr uint16_t kNonBlock = 1;           // BINLOG_DUMP_NON_BLOCK
  static constexpr uint16_t kSendAnnotateRows = 2;   // BINLOG_SEND_ANNOTATE_ROWS_EVENT
  uint32_t position = 0;
  uint16_t flags = 0;
  uint32_t server_id = 0;
  std::string_view file;
};

// Each checks the command byte and parses the rest; views point into `payload`.
[[nodiscard]] absl::Status ParseQuery(ByteView payload, std::string_view* sql);
[[nodiscard]] absl::Status ParseRegisterSlave(ByteView payload, RegisterSlaveCommand* out);
[[nodiscard]] absl::Status ParseBinlogDump(ByteView payload, BinlogDumpCommand* out);

}  // namespace binsync::relay

#endif  // BINSYNC_CORE_RELAY_PROTOCOL_H_
