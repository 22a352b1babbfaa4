// Server addresses: `mysql://[user[:password]@][host][:port][/][?socket=PATH]`.
//
// What the URI leaves out may come from option files, --password-file or MYSQL_PWD
// (core/config/client_settings.h, docs/configuration.md). The password is held only in
// ServerUri::password and never printed: Display() and every error message show
// `user@host:port` without it.
#ifndef BINSYNC_NET_MYSQL_SERVER_URI_H_
#define BINSYNC_NET_MYSQL_SERVER_URI_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/config/client_settings.h"

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

// Parses a complete URI (user and host required). Percent-escapes (%40 for '@', %3A for
// ':') are decoded in user, password and socket path. Errors never contain the password.
[[nodiscard]] absl::StatusOr<ServerUri> ParseServerUri(std::string_view uri);

// Parses what a URI gives, every part optional: `mysql://127.0.0.1:3307`,
// `mysql://repl@db1`, `mysql://repl@localhost/?socket=/run/mysqld/mysqld.sock`,
// `mysql:///?socket=/run/mysqld/mysqld.sock`. Errors never contain the password.
[[nodiscard]] absl::StatusOr<ClientSettings> ParseServerUriSettings(std::string_view uri);

// `uri` as error messages may show it, well-formed or not: the scheme, a user name and
// the host part at most; anything that could be a password is "***".
[[nodiscard]] std::string Redacted(std::string_view uri);

// The first line of a --password-file, trailing newline (and CR) removed; an error
// naming the file when it cannot be read.
[[nodiscard]] absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_SERVER_URI_H_
