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
  std::string ssl_mode = "PREFERRED";
  std::string ssl_ca;
  int connect_timeout_s = 5;
  int read_timeout_s = 60;
};

// Parses a server URI and applies the global password/TLS/timeout options.
[[nodiscard]] absl::StatusOr<ConnectOptions> MakeConnectOptions(std::string_view uri,
                                                                const GlobalOptions& g);

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
