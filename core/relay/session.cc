#include "core/relay/session.h"

#include <cctype>
#include <utility>

#include "core/util/strings.h"

namespace binsync::relay {
namespace {

constexpr uint16_t kErAccessDenied = 1045;
constexpr uint16_t kErParse = 1064;
constexpr uint16_t kErUnknownCommand = 1047;
constexpr uint16_t kErMasterFatal = 1236;  // ER_MASTER_FATAL_ERROR_READING_BINLOG

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()))) s.remove_prefix(1);
  while (!s.empty() && (IsSpace(s.back()) || s.back() == ';')) s.remove_suffix(1);
  return s;
}

// Lower case with every run of white space made one space: the form queries are matched in.
std::string Normalize(std::string_view sql) {
  std::string out;
  bool space = false;
  for (const char c : Trim(sql)) {
    if (IsSpace(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

// Consumes `word` (case-insensitive) at the start of `s`.
bool Eat(std::string_view* s, std::string_view word) {
  if (s->size() < word.size() || !EqualsIgnoreCase(s->substr(0, word.size()), word)) return false;
  s->remove_prefix(word.size());
  return true;
}

void SkipSpace(std::string_view* s) {
  while (!s->empty() && IsSpace(s->front())) s->remove_prefix(1);
}

// A quoted literal's content (backslash escapes and doubled quotes undone), or the text as is.
std::string Unquote(std::string_view v) {
  if (v.size() < 2 || (v.front() != '\'' && v.front() != '"') || v.back() != v.front()) {
    return std::string(v);
  }
  const char q = v.front();
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if ((v[i] == '\\' || v[i] == q) && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

// The short form of a query for an error message (first 100 characters).
std::string Excerpt(std::string_view sql) {
  sql = Trim(sql);
  return sql.size() <= 100 ? std::string(sql) : StrCat(sql.substr(0, 100), "...");
}

}  // namespace

bool UserVariableAssignment(std::string_view sql, std::string_view name, std::string* value) {
  std::string_view s = Trim(sql);
  if (!Eat(&s, "set")) return false;
  SkipSpace(&s);
  if (!Eat(&s, "@") || !Eat(&s, name)) return false;
  SkipSpace(&s);
  if (!Eat(&s, "=")) return false;
  *value = Unquote(Trim(s));
  return true;
}

Session::Session(SessionFacts facts, SessionAuth auth, uint32_t connection_id)
    : facts_(std::move(facts)), auth_(std::move(auth)), connection_id_(connection_id) {}

void Session::Start(ByteView random20, std::vector<uint8_t>* out) {
  scramble_ = MakeScramble(random20);
  Handshake h;
  h.server_version = HandshakeServerVersion(facts_.source_version);
  h.connection_id = connection_id_;
  h.scramble = scramble_;
  std::vector<uint8_t> payload;
  AppendHandshakeV10(h, &payload);
  (void)AppendPacket(0, payload, out);
}

SessionStep Session::Feed(ByteView in, int64_t now_unix, std::vector<uint8_t>* out) {
  if (state_ == State::kDone) return SessionStep::kClose;
  in_.insert(in_.end(), in.begin(), in.end());
  size_t used = 0;
  SessionStep step = SessionStep::kContinue;
  while (step == SessionStep::kContinue) {
    PacketView p;
    const size_t n = NextPacket(ByteView(in_).subspan(used), &p);
    if (n == 0) break;
    used += n;
    step = OnPacket(p, now_unix, out);
  }
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(used));
  if (step == SessionStep::kContinue && in_.size() > kMaxRequest) {
    step = Fail(0, kErParse, "08S01",
                StrCat("a request of more than ", kMaxRequest, " bytes: not a replica"), out);
  }
  if (step != SessionStep::kContinue) state_ = State::kDone;
  return step;
}

SessionStep Session::OnPacket(const PacketView& p, int64_t now_unix, std::vector<uint8_t>* out) {
  if (p.continued()) {
    return Fail(static_cast<uint8_t>(p.seq + 1), kErParse, "08S01",
                "a request of 16 MB or more: not a replica", out);
  }
  if (state_ == State::kAuth) return OnHandshakeResponse(p, out);
  return OnCommand(p, now_unix, out);
}

SessionStep Session::OnHandshakeResponse(const PacketView& p, std::vector<uint8_t>* out) {
  const uint8_t seq = static_cast<uint8_t>(p.seq + 1);
  HandshakeResponse r;
  if (absl::Status st = ParseHandshakeResponse(p.payload, &r); !st.ok()) {
    return Fail(seq, kErParse, "08S01", std::string(st.message()), out);
  }
  if (r.ssl_request) {
    return Fail(seq, kErAccessDenied, "28000",
                "binsync's listener has no TLS certificate (--listen-ssl-cert): connect without SSL",
                out);
  }
  if (!r.auth_plugin.empty() && r.auth_plugin != kNativePasswordPlugin) {
    return Fail(seq, kErAccessDenied, "28000",
                StrCat("authentication plugin ", r.auth_plugin,
                       " is not offered: binsync accepts mysql_native_password"),
                out);
  }
  if (r.user != auth_.user || !VerifyNativePassword(auth_.password_hash, scramble_, r.auth_response)) {
    // Like MariaDB: the same message for an unknown user and a wrong password.
    return Fail(seq, kErAccessDenied, "28000",
                StrCat("Access denied for user '", r.user, "' (using password: ",
                       r.auth_response.empty() ? "NO" : "YES", ")"),
                out);
  }
  state_ = State::kCommand;
  authenticated_ = true;
  Ok(seq, out);
  return SessionStep::kContinue;
}

SessionStep Session::OnCommand(const PacketView& p, int64_t now_unix, std::vector<uint8_t>* out) {
  const uint8_t seq = static_cast<uint8_t>(p.seq + 1);
  if (p.payload.empty()) return Fail(seq, kErUnknownCommand, "08S01", "an empty command packet", out);
  switch (static_cast<Command>(p.payload[0])) {
    case Command::kQuit:
      return SessionStep::kClose;
    case Command::kPing:
      Ok(seq, out);
      return SessionStep::kContinue;
    case Command::kQuery: {
      std::string_view sql;
      if (absl::Status st = ParseQuery(p.payload, &sql); !st.ok()) {
        return Fail(seq, kErParse, "42000", std::string(st.message()), out);
      }
      return OnQuery(sql, now_unix, out);
    }
    case Command::kRegisterSlave: {
      RegisterSlaveCommand r;
      if (absl::Status st = ParseRegisterSlave(p.payload, &r); !st.ok()) {
        return Fail(seq, kErParse, "08S01", std::string(st.message()), out);
      }
      dump_.replica_server_id = r.server_id;
      Ok(seq, out);
      return SessionStep::kContinue;
    }
    case Command::kBinlogDump: {
      BinlogDumpCommand d;
      if (absl::Status st = ParseBinlogDump(p.payload, &d); !st.ok()) {
        return Fail(seq, kErParse, "08S01", std::string(st.message()), out);
      }
      if (!dump_.gtid_mode) {
        return Fail(seq, kErMasterFatal, "HY000",
                    "binsync serves GTID replicas only: CHANGE MASTER ... MASTER_USE_GTID=slave_pos",
                    out);
      }
      dump_.replica_server_id = d.server_id;
      if (d.server_id == facts_.server_id) {
        return Fail(seq, kErMasterFatal, "HY000",
                    StrCat("the replica's server_id ", d.server_id,
                           " is the source's: it would drop every event as its own"),
                    out);
      }
      dump_.annotate_rows = (d.flags & BinlogDumpCommand::kSendAnnotateRows) != 0;
      dump_.checksum = checksum_name_ == "CRC32";
      return SessionStep::kDump;
    }
  }
  return Fail(seq, kErUnknownCommand, "08S01",
              StrCat("command ", static_cast<int>(p.payload[0]),
                     " is not served: binsync's listener is a master for MariaDB replicas"),
              out);
}

SessionStep Session::OnQuery(std::string_view sql, int64_t now_unix, std::vector<uint8_t>* out) {
  const std::string q = Normalize(sql);
  if (q.starts_with("set ")) return OnSet(sql, out);
  if (q == "select unix_timestamp()") {
    OneValue("UNIX_TIMESTAMP()", std::to_string(now_unix), out);
  } else if (q == "show variables like 'server_id'") {
    const std::string_view columns[] = {"Variable_name", "Value"};
    const std::string id = std::to_string(facts_.server_id);
    const TextRow rows[] = {TextRow{"server_id", id}};
    (void)AppendTextResultSet(1, columns, rows, out);
  } else if (q == "select @@global.gtid_domain_id") {
    OneValue("@@GLOBAL.gtid_domain_id", std::to_string(facts_.gtid_domain_id), out);
  } else if (q == "select @master_binlog_checksum") {
    const std::string_view columns[] = {"@master_binlog_checksum"};
    const TextRow rows[] = {TextRow{checksum_name_.empty()
                                        ? std::nullopt
                                        : std::optional<std::string_view>(checksum_name_)}};
    (void)AppendTextResultSet(1, columns, rows, out);
  } else if (q == "select @@version" || q == "select version()") {
    OneValue("@@version", facts_.source_version, out);
  } else {
    return Fail(1, kErParse, "42000",
                StrCat("binsync's relay does not answer '", Excerpt(sql),
                       "' (it answers what a MariaDB replica asks its master)"),
                out);
  }
  return SessionStep::kContinue;
}

SessionStep Session::OnSet(std::string_view sql, std::vector<uint8_t>* out) {
  std::string value;
  if (UserVariableAssignment(sql, "master_heartbeat_period", &value)) {
    dump_.heartbeat_period_ns = ParseUint64(value).value_or(0);
  } else if (UserVariableAssignment(sql, "master_binlog_checksum", &value)) {
    if (EqualsIgnoreCase(value, "@@global.binlog_checksum")) {
      checksum_name_ = facts_.source_checksum ? "CRC32" : "NONE";
    } else if (EqualsIgnoreCase(value, "CRC32") || EqualsIgnoreCase(value, "NONE")) {
      checksum_name_ = ToUpper(value);
    } else {
      return Fail(1, kErParse, "42000",
                  StrCat("binlog checksum '", value, "' is not one of CRC32, NONE"), out);
    }
  } else if (UserVariableAssignment(sql, "slave_connect_state", &value)) {
    absl::StatusOr<MariaDbGtidPos> pos = ParseMariaDbGtidPos(value);
    if (!pos.ok()) {
      return Fail(1, kErParse, "42000",
                  StrCat("@slave_connect_state '", Excerpt(value), "': ", pos.status().message()),
                  out);
    }
    dump_.start = *std::move(pos);
    dump_.gtid_mode = true;
  }
  // Other SETs (@mariadb_slave_capability, @slave_gtid_strict_mode, ...) change nothing
  // binsync sends: acknowledged.
  Ok(1, out);
  return SessionStep::kContinue;
}

void Session::Ok(uint8_t seq, std::vector<uint8_t>* out) {
  std::vector<uint8_t> payload;
  AppendOk(&payload);
  (void)AppendPacket(seq, payload, out);
}

void Session::OneValue(std::string_view column, std::string_view value, std::vector<uint8_t>* out) {
  const std::string_view columns[] = {column};
  const TextRow rows[] = {TextRow{value}};
  (void)AppendTextResultSet(1, columns, rows, out);
}

SessionStep Session::Fail(uint8_t seq, uint16_t code, std::string_view sqlstate,
                          std::string message, std::vector<uint8_t>* out) {
  std::vector<uint8_t> payload;
  AppendErr(code, sqlstate, message, &payload);
  (void)AppendPacket(seq, payload, out);
  // An error to a query leaves the connection usable (a replica logs it and goes on, or
  // stops); authentication, protocol and dump errors end it.
  const bool keep = state_ == State::kCommand && code == kErParse && sqlstate == "42000";
  if (keep) return SessionStep::kContinue;
  close_reason_ = std::move(message);
  return SessionStep::kClose;
}

}  // namespace binsync::relay
