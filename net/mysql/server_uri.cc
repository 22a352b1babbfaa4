#include "net/mysql/server_uri.h"

#include <charconv>
#include <cstdlib>
#include <fstream>

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
      "; expected mysql://user[:password]@host[:port]"));
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

absl::StatusOr<ServerUri> ParseServerUri(std::string_view uri) {
  constexpr std::string_view kScheme = "mysql://";
  std::string shown = Redacted(uri);
  const size_t at = uri.rfind('@');
  if (uri.substr(0, kScheme.size()) != kScheme) return UriError(shown, "missing mysql://");
  if (at == std::string_view::npos) return UriError(shown, "missing user@");

  ServerUri out;
  const std::string_view userinfo = uri.substr(kScheme.size(), at - kScheme.size());
  const size_t colon = userinfo.find(':');
  auto user = PercentDecode(userinfo.substr(0, colon));
  if (!user || user->empty()) return UriError(shown, "empty or malformed user");
  out.user = *std::move(user);
  if (colon != std::string_view::npos) {
    auto password = PercentDecode(userinfo.substr(colon + 1));
    if (!password) return UriError(shown, "malformed %-escape in password");
    out.password = *std::move(password);
  }

  std::string_view hostport = uri.substr(at + 1);
  if (!hostport.empty() && hostport.back() == '/') hostport.remove_suffix(1);
  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {  // [ipv6]:port
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos) return UriError(shown, "unterminated [ipv6] host");
    out.host = std::string(hostport.substr(1, close - 1));
    const std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return UriError(shown, "junk after ]");
      port_text = rest.substr(1);
    }
  } else {
    const size_t pc = hostport.find(':');
    out.host = std::string(hostport.substr(0, pc));
    if (pc != std::string_view::npos) port_text = hostport.substr(pc + 1);
  }
  if (out.host.empty()) return UriError(shown, "empty host");
  if (out.host.find_first_of("/?#@ ") != std::string::npos) return UriError(shown, "bad host");
  if (!port_text.empty() || hostport.find(':') != std::string_view::npos) {
    unsigned port = 0;
    const auto [p, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return UriError(shown, StrCat("bad port '", port_text, "'"));
    }
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

absl::Status ResolvePassword(const PasswordSources& sources, ServerUri* uri) {
  if (uri->password.has_value()) return absl::OkStatus();
  if (!sources.password_file.empty()) {
    std::ifstream in(sources.password_file);
    if (!in) {
      return absl::NotFoundError(StrCat("--password-file ", sources.password_file,
                                              ": cannot read it; check the path and permissions"));
    }
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    uri->password = std::move(line);
    return absl::OkStatus();
  }
  if (const char* env = std::getenv("MYSQL_PWD"); env != nullptr) uri->password = env;
  return absl::OkStatus();
}

}  // namespace binsync
