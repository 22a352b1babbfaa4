#include "tools/cli.h"

#include <signal.h>

#include "core/util/strings.h"
#include "core/util/status_macros.h"
#include "spdlog/spdlog.h"

namespace binsync {

absl::StatusOr<ConnectOptions> MakeConnectOptions(std::string_view uri, const GlobalOptions& g) {
  ConnectOptions o;
  ASSIGN_OR_RETURN(o.uri, ParseServerUri(uri));
  RETURN_IF_ERROR(ResolvePassword(PasswordSources{g.password_file}, &o.uri));
  ASSIGN_OR_RETURN(o.ssl_mode, ParseSslMode(g.ssl_mode));
  o.ssl_ca = g.ssl_ca;
  o.connect_timeout = std::chrono::seconds(g.connect_timeout_s);
  o.read_timeout = std::chrono::seconds(g.read_timeout_s);
  o.write_timeout = std::chrono::seconds(g.read_timeout_s);
  return o;
}

absl::Status CheckReplicaServerId(uint32_t server_id) {
  if (server_id != 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "--server-id 0: a replica's server_id must be 1..4294967295 and unused by every server "
      "of the topology (0 registers a replica that is sent nothing); leave it out for "
      "binsync's default or choose an unused id");
}

int FailWith(const absl::Status& status) {
  spdlog::error("{}", status.message());
  return kExitError;
}

namespace {
std::atomic<bool> g_stop_requested{false};
void OnStopSignal(int /*sig*/) { g_stop_requested.store(true); }
}  // namespace

std::atomic<bool>* InstallStopSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  return &g_stop_requested;
}

}  // namespace binsync
