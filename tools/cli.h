// Shared CLI plumbing: global options, server connection options, and the registry
// of subcommands (one file per subcommand in tools/).
#ifndef BINSYNC_TOOLS_CLI_H_
#define BINSYNC_TOOLS_CLI_H_

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/config/option_file.h"
#include "net/mysql/connection.h"

namespace binsync {

// Exit codes, the same for every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDifferences = 1;  // verify: differences; status: error findings
inline constexpr int kExitError = 2;        // usage or runtime error
inline constexpr int kExitUnsettled = 3;    // verify: rows unsettled while replication lagged

struct GlobalOptions {
  std::string log_level = "info";
  std::string log_format = "text";
  std::string password_file;
  std::string ssl_mode;  // empty: not given (option files, else PREFERRED)
  std::string ssl_ca;
  OptionFileChoice option_files;       // --defaults-file, --no-defaults, ..., --config
  std::vector<OptionEntry> options;    // what those files hold, read once after parsing
  int connect_timeout_s = 5;
  int read_timeout_s = 60;
};

// The server options of each subcommand and the option-file role they read
// ([binsync-ROLE], docs/configuration.md): replicate and dump --source/--target, verify and
// lagbench --a/--b, resync --from/--to; status reads no role group.
inline constexpr std::string_view kRoleSource = "source";
inline constexpr std::string_view kRoleTarget = "target";
inline constexpr std::string_view kRoleA = "a";
inline constexpr std::string_view kRoleB = "b";
inline constexpr std::string_view kRoleFrom = "from";
inline constexpr std::string_view kRoleTo = "to";

// A server's connection options: the URI, then the command line, then the option files'
// [binsync-ROLE], [binsync] and [client] groups, then MYSQL_PWD (core/config/client_settings.h).
[[nodiscard]] absl::StatusOr<ConnectOptions> MakeConnectOptions(std::string_view uri,
                                                                const GlobalOptions& g,
                                                                std::string_view role);

// Reads the option files `g.option_files` names into `g->options` (main, after parsing).
[[nodiscard]] absl::Status LoadOptionFiles(GlobalOptions* g);

// The --config option on `app` (the root): FILE's [binsync-replicate] group gives the
// replicate subcommand's options (the command line wins); FILE is also read as the last
// option file. Returns the option.
CLI::Option* AddConfigOption(CLI::App& app);

// Installs SIGTERM/SIGINT handlers that set the returned flag (long-running commands
// check it, finish what is in flight and exit 0). The flag lives for the whole process.
std::atomic<bool>* InstallStopSignals();

// --server-id: the id binsync registers with as a replica. 0 is refused: a server treats a
// replica with server_id 0 as one that must not be sent events (live mode would then
// apply nothing and exit 0).
[[nodiscard]] absl::Status CheckReplicaServerId(uint32_t server_id);

// Prints `status` as the one-line error of a failed command and returns kExitError.
int FailWith(const absl::Status& status);

// A subcommand registers its options on `app` and returns what runs it.
using RunFn = std::function<int()>;
RunFn RegisterStatus(CLI::App& app, const GlobalOptions& g);
RunFn RegisterSandbox(CLI::App& app, const GlobalOptions& g);
RunFn RegisterVerify(CLI::App& app, const GlobalOptions& g);
RunFn RegisterDemo(CLI::App& app, const GlobalOptions& g);
RunFn RegisterDump(CLI::App& app, const GlobalOptions& g);
RunFn RegisterReplicate(CLI::App& app, const GlobalOptions& g);
RunFn RegisterResync(CLI::App& app, const GlobalOptions& g);
RunFn RegisterLagbench(CLI::App& app, const GlobalOptions& g);

}  // namespace binsync

#endif  // BINSYNC_TOOLS_CLI_H_
