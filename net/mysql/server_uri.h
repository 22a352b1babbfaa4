// Server addresses: `mysql://user[:password]@host[:port]`.
//
// The password may instead come from MYSQL_PWD or a --password-file; it is held only
// in ServerUri::password and never printed: Display() and every error message show
// `user@host:port` without it.
#ifndef BINSYNC_NET_MYSQL_SERVER_URI_H_
#define BINSYNC_NET_MYSQL_SERVER_URI_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace binsync {

inline constexpr uint16_t kDefaultMysqlPort = 3306;

struct ServerUri {
  std::string user;
  std::optional<std::string> password;  // never logged
  std::string host;
  uint16_t port = kDefaultMysqlPort;

  // "host:port" (IPv6 hosts in brackets): the name every message uses for this server.
  [[nodiscard]] std::string Endpoint() const;
  // "mysql://user@host:port", password left out.
  [[nodiscard]] std::string Display() const;
};

// Parses a URI. Percent-escapes (%40 for '@', %3A for ':') are decoded in user and
// password. Errors never contain the password.
[[nodiscard]] absl::StatusOr<ServerUri> ParseServerUri(std::string_view uri);

// `uri` as error messages may show it, well-formed or not: the scheme, a user name and
// the host part at most; anything that could be a password is "***".
[[nodiscard]] std::string Redacted(std::string_view uri);

// Where a password comes from when the URI has none, in order: --password-file (first
// line, trailing newline removed), then the MYSQL_PWD environment variable.
struct PasswordSources {
  std::string password_file;  // empty: not given
};
[[nodiscard]] absl::Status ResolvePassword(const PasswordSources& sources, ServerUri* uri);

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_SERVER_URI_H_
