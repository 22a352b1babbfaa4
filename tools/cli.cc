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
