// The connection settings of one server and where each comes from (docs/configuration.md).
//
// Precedence, highest first, field by field:
//   1. the server URI (user, password, host, port, socket);
//   2. the command line (--ssl-mode, --ssl-ca, --password-file);
//   3. the option files: the server's role group [binsync-ROLE] over [binsync] over
//      [client] (a later line wins within one group, whichever file it is in);
//   4. MYSQL_PWD, for the password only (the mysql client's documented order: option
//      files win over environment variables).
#ifndef BINSYNC_CORE_CONFIG_CLIENT_SETTINGS_H_
#define BINSYNC_CORE_CONFIG_CLIENT_SETTINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config/option_file.h"

namespace binsync {

struct ClientSettings {
  std::optional<std::string> user;
  std::optional<std::string> password;  // never logged
  std::optional<std::string> host;
  std::optional<uint16_t> port;
  std::optional<std::string> socket;
  std::optional<std::string> ssl_mode;
  std::optional<std::string> ssl_ca;
};

// The option-file groups a server in `role` reads, lowest precedence first: [client],
// [binsync], then [binsync-ROLE] when `role` is not empty.
[[nodiscard]] std::vector<std::string> GroupsForRole(std::string_view role);

// The settings the option files give a server in `role`. Keys honoured: user, password,
// host, port, socket, ssl-mode, ssl-ca; others are left to the programs they belong to.
// A `password` line without a value (mysql's "prompt me") is ignored: binsync never
// prompts. A bad port is an error naming file:line.
[[nodiscard]] absl::StatusOr<ClientSettings> SettingsFromOptionFiles(
    const std::vector<OptionEntry>& entries, std::string_view role);

struct SettingSources {
  ClientSettings uri;
  ClientSettings command_line;
  ClientSettings option_files;
  std::optional<std::string> mysql_pwd;  // the MYSQL_PWD environment variable
};
// Each field from the first source that gives it, in the order above.
[[nodiscard]] ClientSettings EffectiveSettings(const SettingSources& sources);

// Whether to connect through the Unix socket, as the mysql client decides: a socket is
// given and the host is "localhost" or not given at all; a TCP host (127.0.0.1, db1)
// ignores a socket from the option files.
[[nodiscard]] bool UsesSocket(const ClientSettings& s);

}  // namespace binsync

#endif  // BINSYNC_CORE_CONFIG_CLIENT_SETTINGS_H_
