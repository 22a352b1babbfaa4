#include "tools/cli.h"

#include <signal.h>

#include <cstdlib>
#include <sstream>
#include <unordered_set>

#include "core/config/client_settings.h"
#include "core/util/strings.h"
#include "core/util/status_macros.h"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

std::optional<std::string> Given(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

absl::StatusOr<ClientSettings> CommandLineSettings(const GlobalOptions& g) {
  ClientSettings out;
  out.ssl_mode = Given(g.ssl_mode);
  out.ssl_ca = Given(g.ssl_ca);
  if (!g.password_file.empty()) {
    ASSIGN_OR_RETURN(out.password, ReadPasswordFile(g.password_file));
  }
  return out;
}

std::optional<std::string> EnvironmentValue(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// The server as messages name it: the socket path, else host:port; the URI (redacted)
// while the host is still unknown.
std::string ServerName(std::string_view uri, const ClientSettings& s) {
  if (UsesSocket(s)) return *s.socket;
  if (!s.host) return Redacted(uri);
  ServerUri named;
  named.host = *s.host;
  named.port = s.port.value_or(kDefaultMysqlPort);
  return named.Endpoint();
}

absl::Status Missing(std::string_view server, std::string_view what, std::string_view example,
                     std::string_view role) {
  return absl::InvalidArgumentError(StrCat(
      server, ": no ", what, "; give it in the URI (", example, ") or as ", what,
      "= in an option file's [client] or [binsync]",
      role.empty() ? "" : StrCat(" or [binsync-", role, "]"), " group (--defaults-file FILE)"));
}

}  // namespace

absl::StatusOr<ConnectOptions> MakeConnectOptions(std::string_view uri, const GlobalOptions& g,
                                                  std::string_view role) {
  SettingSources sources;
  ASSIGN_OR_RETURN(sources.uri, ParseServerUriSettings(uri));
  if (!sources.uri.password) {  // a --password-file is read only when it is needed
    ASSIGN_OR_RETURN(sources.command_line, CommandLineSettings(g));
  } else {
    sources.command_line.ssl_mode = Given(g.ssl_mode);
    sources.command_line.ssl_ca = Given(g.ssl_ca);
  }
  ASSIGN_OR_RETURN(sources.option_files, SettingsFromOptionFiles(g.options, role));
  sources.mysql_pwd = EnvironmentValue("MYSQL_PWD");
  const ClientSettings s = EffectiveSettings(sources);
  if (!s.user) return Missing(ServerName(uri, s), "user", "mysql://USER@host:port", role);
  if (!s.host && !s.socket) return Missing(ServerName(uri, s), "host", "mysql://HOST:port", role);

  ConnectOptions o;
  o.uri.user = *s.user;
  o.uri.password = s.password;
  o.uri.host = s.host.value_or("localhost");
  o.uri.port = s.port.value_or(kDefaultMysqlPort);
  if (UsesSocket(s)) o.unix_socket = *s.socket;
  ASSIGN_OR_RETURN(o.ssl_mode, ParseSslMode(s.ssl_mode.value_or("PREFERRED")));
  o.ssl_ca = s.ssl_ca.value_or("");
  o.connect_timeout = std::chrono::seconds(g.connect_timeout_s);
  o.read_timeout = std::chrono::seconds(g.read_timeout_s);
  o.write_timeout = std::chrono::seconds(g.read_timeout_s);
  return o;
}

absl::Status LoadOptionFiles(GlobalOptions* g) {
  const std::string home = EnvironmentValue("HOME").value_or("");
  ASSIGN_OR_RETURN(g->options, ReadOptionFiles(OptionFilesToRead(g->option_files, home)));
  return absl::OkStatus();
}

namespace {

// CLI11's config reader for --config: the file is a MySQL option file; its
// [binsync-replicate] group becomes the replicate subcommand's options.
class ReplicateGroupConfig : public CLI::Config {
 public:
  explicit ReplicateGroupConfig(const CLI::App* root) : root_(root) {}

  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return ""; }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    const std::string path = root_->get_config_ptr()->as<std::string>();
    std::ostringstream text;
    text << input.rdbuf();
    absl::StatusOr<std::vector<OptionEntry>> entries = ParseOptionText(text.str(), path);
    if (!entries.ok()) throw CLI::ConfigError(std::string(entries.status().message()));
    const CLI::App* replicate = root_->get_subcommand("replicate");
    std::vector<CLI::ConfigItem> out;
    std::unordered_set<std::string> seen;
    // Newest first: CLI11 keeps the first value it is given, and a later line wins.
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
      if (it->group != "binsync-replicate" || !seen.insert(it->key).second) continue;
      if (replicate->get_option_no_throw("--" + it->key) == nullptr) {
        throw CLI::ConfigError(StrCat("option file ", it->origin, ": replicate has no option --",
                                      it->key, "; see binsync replicate --help"));
      }
      out.push_back({{"replicate"}, it->key, {it->value.value_or("true")}});
    }
    return out;
  }

 private:
  const CLI::App* root_;
};

}  // namespace

CLI::Option* AddConfigOption(CLI::App& app) {
  app.config_formatter(std::make_shared<ReplicateGroupConfig>(&app));
  return app.set_config("--config", "",
                        "option file read last: its [binsync-replicate] group gives replicate's "
                        "options (long names without --; the command line wins), its [client], "
                        "[binsync] and [binsync-ROLE] groups the servers' settings");
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
