#include "core/relay/protocol.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "core/relay/put_bytes.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::relay {
namespace {

using binlog::ByteReader;

void PutNulText(std::string_view text, std::vector<uint8_t>* out) {
  PutText(text, out);
  out->push_back(0);
}

void PutLenenc(uint64_t v, std::vector<uint8_t>* out) {
  if (v < 0xfb) {
    out->push_back(static_cast<uint8_t>(v));
  } else if (v <= 0xffff) {
    out->push_back(0xfc);
    PutLE(v, 2, out);
  } else if (v <= 0xffffff) {
    out->push_back(0xfd);
    PutLE(v, 3, out);
  } else {
    out->push_back(0xfe);
    PutLE(v, 8, out);
  }
}

void PutLenencText(std::string_view text, std::vector<uint8_t>* out) {
  PutLenenc(text.size(), out);
  PutText(text, out);
}

// The NUL-terminated string at `r`'s position in `data` (the reader's own view): consumes
// it and its NUL; fails the reader when no NUL follows.
std::string_view NulText(ByteView data, ByteReader& r) {
  if (!r.ok()) return {};
  const ByteView rest = data.subspan(r.position());
  const auto nul = std::find(rest.begin(), rest.end(), uint8_t{0});
  if (nul == rest.end()) {
    r.Fail();
    return {};
  }
  const size_t len = static_cast<size_t>(nul - rest.begin());
  r.Skip(len + 1);
  return binlog::AsChars(rest.first(len));
}

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(StrCat("malformed ", what, ": the client is not a MySQL/MariaDB "
                                           "replica, or its packet was cut"));
}

// The arguments of a command packet (after its command byte), or an error when the packet
// is another command.
absl::Status CommandArgs(ByteView payload, Command command, std::string_view name,
                         ByteView* args) {
  if (payload.empty() || payload[0] != static_cast<uint8_t>(command)) {
    return absl::InvalidArgumentError(
        StrCat("expected ", name, " (command ", static_cast<int>(command), "), got ",
               payload.empty() ? std::string("an empty packet")
                               : StrCat("command ", static_cast<int>(payload[0]))));
  }
  *args = payload.subspan(1);
  return absl::OkStatus();
}

}  // namespace

size_t NextPacket(ByteView in, PacketView* out) {
  if (in.size() < 4) return 0;
  const size_t length = binlog::LoadLE(in.data(), 3);
  if (in.size() < 4 + length) return 0;
  out->seq = in[3];
  out->payload = in.subspan(4, length);
  return 4 + length;
}

uint8_t AppendPacket(uint8_t seq, ByteView payload, std::vector<uint8_t>* out) {
  size_t at = 0;
  while (true) {
    const size_t n = std::min(payload.size() - at, kMaxPacketPayload);
    PutLE(n, 3, out);
    out->push_back(seq++);
    PutBytes(payload.subspan(at, n), out);
    at += n;
    // A full packet is always followed by another, empty if nothing is left.
    if (n < kMaxPacketPayload) return seq;
  }
}

absl::Status AppendEventPackets(ByteView events, uint8_t* seq, std::vector<uint8_t>* scratch,
                                std::vector<uint8_t>* out) {
  constexpr size_t kHeader = 19;
  while (!events.empty()) {
    const size_t size = events.size() >= kHeader ? binlog::LoadLE(events.data() + 9, 4) : 0;
    if (size < kHeader || size > events.size()) {
      return absl::InternalError(StrCat("an event of ", size, " bytes where ", events.size(),
                                        " remain: the re-framed stream is cut"));
    }
    scratch->assign(1, 0x00);
    PutBytes(events.first(size), scratch);
    *seq = AppendPacket(*seq, *scratch, out);
    events = events.subspan(size);
  }
  return absl::OkStatus();
}

Scramble MakeScramble(ByteView random20) {
  Scramble s{};
  for (size_t i = 0; i < kScrambleLength; ++i) {
    const uint8_t r = i < random20.size() ? random20[i] : 0;
    s[i] = static_cast<uint8_t>(33 + r % 94);
  }
  return s;
}

std::string HandshakeServerVersion(std::string_view source_version) {
  return StrCat("5.5.5-", source_version);
}

void AppendHandshakeV10(const Handshake& h, std::vector<uint8_t>* payload) {
  payload->push_back(10);
  PutNulText(h.server_version, payload);
  PutLE(h.connection_id, 4, payload);
  PutBytes(ByteView(h.scramble).first(8), payload);
  payload->push_back(0);
  PutLE(h.capabilities & 0xffff, 2, payload);
  payload->push_back(h.charset);
  PutLE(h.status, 2, payload);
  PutLE(h.capabilities >> 16, 2, payload);
  payload->push_back(kScrambleLength + 1);
  PutLE(0, 10, payload);
  PutBytes(ByteView(h.scramble).subspan(8), payload);
  payload->push_back(0);
  PutNulText(kNativePasswordPlugin, payload);
}

absl::Status ParseHandshakeResponse(ByteView payload, HandshakeResponse* out) {
  ByteReader c(payload);
  *out = HandshakeResponse{};
  out->capabilities = c.U32();
  out->max_packet = c.U32();
  out->charset = c.U8();
  c.Skip(23);
  if (!c.ok()) return Malformed("HandshakeResponse41 (shorter than its 32 fixed bytes)");
  if ((out->capabilities & kClientProtocol41) == 0) {
    return absl::UnimplementedError("the client speaks the pre-4.1 protocol: binsync serves "
                                    "MariaDB 10+ replicas only");
  }
  if (c.empty() && (out->capabilities & kClientSsl) != 0) {
    out->ssl_request = true;
    return absl::OkStatus();
  }
  out->user = NulText(payload, c);
  if (!c.ok()) return Malformed("HandshakeResponse41 (user name not NUL-terminated)");
  if ((out->capabilities & kClientPluginAuthLenencData) != 0) {
    out->auth_response = c.PackedBytes();
  } else if ((out->capabilities & kClientSecureConnection) != 0) {
    out->auth_response = c.Bytes(c.U8());
  } else {
    out->auth_response = binlog::AsBytes(NulText(payload, c));
  }
  if (!c.ok()) return Malformed("HandshakeResponse41 (auth response runs past the packet)");
  // Old clients may stop here even with the flags set; what is present must be whole.
  if ((out->capabilities & kClientConnectWithDb) != 0 && c.remaining() > 0) {
    out->database = NulText(payload, c);
  }
  if ((out->capabilities & kClientPluginAuth) != 0 && c.remaining() > 0) {
    out->auth_plugin = NulText(payload, c);
  }
  if ((out->capabilities & kClientConnectAttrs) != 0 && c.remaining() > 0) {
    (void)c.PackedBytes();
  }
  if (!c.ok()) return Malformed("HandshakeResponse41 (database, plugin or attributes cut)");
  return absl::OkStatus();
}

Sha1Digest Sha1(ByteView a, ByteView b) {
  Sha1Digest d{};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned int len = 0;
  // Failures here mean no memory or a libcrypto without SHA1: the digest stays zero, which
  // no password's hash equals (verification then fails closed).
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), d.data(), &len) != 1 || len != d.size()) {
    return Sha1Digest{};
  }
  return d;
}

Sha1Digest NativePasswordHash(std::string_view password) {
  const Sha1Digest once = Sha1(binlog::AsBytes(password));
  return Sha1(once);
}

std::vector<uint8_t> NativePasswordToken(std::string_view password, const Scramble& scramble) {
  if (password.empty()) return {};
  const Sha1Digest once = Sha1(binlog::AsBytes(password));
  const Sha1Digest twice = Sha1(once);
  const Sha1Digest mask = Sha1(scramble, twice);
  std::vector<uint8_t> token(once.size());
  for (size_t i = 0; i < token.size(); ++i) token[i] = once[i] ^ mask[i];
  return token;
}

bool VerifyNativePassword(const Sha1Digest& stored, const Scramble& scramble, ByteView token) {
  if (token.empty()) return stored == NativePasswordHash("");
  if (token.size() != stored.size()) return false;
  const Sha1Digest mask = Sha1(scramble, stored);
  Sha1Digest once{};
  for (size_t i = 0; i < once.size(); ++i) once[i] = token[i] ^ mask[i];
  const Sha1Digest candidate = Sha1(once);
  uint8_t diff = 0;
  for (size_t i = 0; i < candidate.size(); ++i) diff |= candidate[i] ^ stored[i];
  return diff == 0 && stored != Sha1Digest{};
}

void AppendOk(std::vector<uint8_t>* payload, uint64_t affected_rows, uint16_t status) {
  payload->push_back(0x00);
  PutLenenc(affected_rows, payload);
  PutLenenc(0, payload);  // last insert id
  PutLE(status, 2, payload);
  PutLE(0, 2, payload);  // warnings
}

void AppendErr(uint16_t code, std::string_view sqlstate, std::string_view message,
               std::vector<uint8_t>* payload) {
  payload->push_back(0xff);
  PutLE(code, 2, payload);
  payload->push_back('#');
  std::string state(sqlstate.substr(0, 5));
  state.resize(5, '0');
  PutText(state, payload);
  PutText(message, payload);
}

void AppendEof(std::vector<uint8_t>* payload, uint16_t status) {
  payload->push_back(0xfe);
  PutLE(0, 2, payload);  // warnings
  PutLE(status, 2, payload);
}

uint8_t AppendTextResultSet(uint8_t seq, std::span<const std::string_view> columns,
                            std::span<const TextRow> rows, std::vector<uint8_t>* out) {
  std::vector<uint8_t> p;
  PutLenenc(columns.size(), &p);
  seq = AppendPacket(seq, p, out);
  for (const std::string_view name : columns) {
    p.clear();
    PutLenencText("def", &p);
    PutLenencText("", &p);  // schema
    PutLenencText("", &p);  // table
    PutLenencText("", &p);  // org_table
    PutLenencText(name, &p);
    PutLenencText(name, &p);
    p.push_back(0x0c);
    PutLE(33, 2, &p);    // utf8_general_ci
    PutLE(1024, 4, &p);  // column length
    p.push_back(253);    // MYSQL_TYPE_VAR_STRING
    PutLE(0, 2, &p);     // flags
    p.push_back(0);      // decimals
    PutLE(0, 2, &p);
    seq = AppendPacket(seq, p, out);
  }
  p.clear();
  AppendEof(&p);
  seq = AppendPacket(seq, p, out);
  for (const TextRow& row : rows) {
    p.clear();
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::optional<std::string_view> v = i < row.size() ? row[i] : std::nullopt;
      if (v.has_value()) {
        PutLenencText(*v, &p);
      } else {
        p.push_back(0xfb);
      }
    }
    seq = AppendPacket(seq, p, out);
  }
  p.clear();
  AppendEof(&p);
  return AppendPacket(seq, p, out);
}

absl::Status ParseQuery(ByteView payload, std::string_view* sql) {
  ByteView args;
  RETURN_IF_ERROR(CommandArgs(payload, Command::kQuery, "COM_QUERY", &args));
  *sql = binlog::AsChars(args);
  return absl::OkStatus();
}

absl::Status ParseRegisterSlave(ByteView payload, RegisterSlaveCommand* out) {
  ByteView args;
  RETURN_IF_ERROR(CommandArgs(payload, Command::kRegisterSlave, "COM_REGISTER_SLAVE", &args));
  ByteReader c(args);
  out->server_id = c.U32();
  out->host = c.String(c.U8());
  out->user = c.String(c.U8());
  out->password = c.String(c.U8());
  out->port = c.U16();
  c.Skip(4);  // replication rank, unused by servers
  out->master_id = c.U32();
  if (!c.ok()) return Malformed("COM_REGISTER_SLAVE");
  return absl::OkStatus();
}

absl::Status ParseBinlogDump(ByteView payload, BinlogDumpCommand* out) {
  ByteView args;
  RETURN_IF_ERROR(CommandArgs(payload, Command::kBinlogDump, "COM_BINLOG_DUMP", &args));
  ByteReader c(args);
  out->position = c.U32();
  out->flags = c.U16();
  out->server_id = c.U32();
  out->file = binlog::AsChars(c.Rest());
  if (!c.ok()) return Malformed("COM_BINLOG_DUMP");
  return absl::OkStatus();
}

}  // namespace binsync::relay
