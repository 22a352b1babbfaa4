#include "net/mysql/server_uri.h"

#include <charconv>
#include <fstream>

#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes. Returns nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = HexValue(s[i + 1]);
    const int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

absl::Status UriError(std::string_view shown, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(
      "server URI '", shown, "': ", what,
      "; expected mysql://[user[:password]@]host[:port] or mysql://[user@]localhost/?socket=PATH"));
}

}  // namespace

std::string Redacted(std::string_view uri) {
  // Whatever the URI's shape, the text between "://" (or the start) and the last '@' (or
  // the end, when there is none) may hold a password: only a user name before a ':' and
  // the part from the last '@' on are shown; without '@' nothing after the scheme is.
  // A scheme is shown only when it looks like one (letters, digits, "+-."), so that
  // "u:pw@h://x" shows nothing of "pw".
  size_t scheme_end = uri.find("://");
  if (scheme_end != std::string_view::npos &&
      uri.substr(0, scheme_end).find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") !=
          std::string_view::npos) {
    scheme_end = std::string_view::npos;
  }
  const size_t user_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::string out(uri.substr(0, user_start));
  const size_t at = uri.rfind('@');
  if (at == std::string_view::npos || at < user_start) {
    if (uri.size() > user_start) out += "***";
    return out;
  }
  const std::string_view userinfo = uri.substr(user_start, at - user_start);
  const size_t colon = userinfo.find(':');
  out += userinfo.substr(0, colon);
  if (colon != std::string_view::npos) out += ":***";
  out += uri.substr(at);
  return out;
}

std::string ServerUri::Endpoint() const {
  if (host.find(':') != std::string::npos) return StrCat("[", host, "]:", port);
  return StrCat(host, ":", port);
}

std::string ServerUri::Display() const { return StrCat("mysql://", user, "@", Endpoint()); }

namespace {

// "[ipv6]:port" or "host:port", either part optional.
absl::Status ParseHostPort(std::string_view hostport, std::string_view shown, bool echo,
                           ClientSettings* out) {
  std::string_view host = hostport;
  std::string_view port_text;
  bool has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {  // [ipv6]:port
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) return UriError(shown, "unterminated [ipv6] host");
    host = hostport.substr(1, close - 1);
    const std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return UriError(shown, "junk after ]");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else if (const size_t pc = hostport.find(':'); pc != std::string_view::npos) {
    host = hostport.substr(0, pc);
    port_text = hostport.substr(pc + 1);
    has_port = true;
  }
  if (host.find_first_of("/?#@ ") != std::string_view::npos) return UriError(shown, "bad host");
  if (!host.empty()) out->host = std::string(host);
  if (!has_port) return absl::OkStatus();
  unsigned port = 0;
  const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    // Without an '@' the "port" may be a password: then it is not shown.
    return UriError(shown, echo ? StrCat("bad port '", port_text, "'") : "bad port");
  }
  out->port = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

// "?socket=PATH", the only query binsync knows.
absl::Status ParseQuery(std::string_view query, std::string_view shown, ClientSettings* out) {
  constexpr std::string_view kSocket = "socket=";
  if (query.substr(0, kSocket.size()) != kSocket) {
    return UriError(shown, "unknown query (only ?socket=PATH)");
  }
  auto socket = PercentDecode(query.substr(kSocket.size()));
  if (!socket || socket->empty()) return UriError(shown, "empty or malformed socket path");
  out->socket = *std::move(socket);
  return absl::OkStatus();
}

absl::Status ParseUserInfo(std::string_view userinfo, std::string_view shown,
                           ClientSettings* out) {
  const size_t colon = userinfo.find(':');
  auto user = PercentDecode(userinfo.substr(0, colon));
  if (!user || user->empty()) return UriError(shown, "empty or malformed user");
  out->user = *std::move(user);
  if (colon != std::string_view::npos) {
    auto password = PercentDecode(userinfo.substr(colon + 1));
    if (!password) return UriError(shown, "malformed %-escape in password");
    out->password = *std::move(password);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClientSettings> ParseServerUriSettings(std::string_view uri) {
  constexpr std::string_view kScheme = "mysql://";
  const std::string shown = Redacted(uri);
  if (uri.substr(0, kScheme.size()) != kScheme) return UriError(shown, "missing mysql://");
  ClientSettings out;
  const size_t at = uri.rfind('@');
  std::string_view rest = uri.substr(kScheme.size());
  if (at != std::string_view::npos) {
    RETURN_IF_ERROR(ParseUserInfo(uri.substr(kScheme.size(), at - kScheme.size()), shown, &out));
    rest = uri.substr(at + 1);
  }
  const size_t q = rest.find('?');
  std::string_view hostport = rest.substr(0, q);
  if (!hostport.empty() && hostport.back() == '/') hostport.remove_suffix(1);
  RETURN_IF_ERROR(ParseHostPort(hostport, shown, at != std::string_view::npos, &out));
  if (q != std::string_view::npos) RETURN_IF_ERROR(ParseQuery(rest.substr(q + 1), shown, &out));
  return out;
}

absl::StatusOr<ServerUri> ParseServerUri(std::string_view uri) {
  const std::string shown = Redacted(uri);
  if (uri.substr(0, 8) == "mysql://" && uri.rfind('@') == std::string_view::npos) {
    return UriError(shown, "missing user@");
  }
  ASSIGN_OR_RETURN(ClientSettings s, ParseServerUriSettings(uri));
  if (!s.host) return UriError(shown, "empty host");
  ServerUri out;
  out.user = *s.user;
  out.password = s.password;
  out.host = *s.host;
  out.port = s.port.value_or(kDefaultMysqlPort);
  return out;
}

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        StrCat("--password-file ", path, ": cannot read it; check the path and permissions"));
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace binsync
