#include "core/config/client_settings.h"

#include "core/util/strings.h"

namespace binsync {
namespace {

template <typename T>
void Fill(std::optional<T>* field, const std::optional<T>& lower) {
  if (!field->has_value()) *field = lower;
}

// `lower` fills what `*s` does not give.
void FillFrom(const ClientSettings& lower, ClientSettings* s) {
  Fill(&s->user, lower.user);
  Fill(&s->password, lower.password);
  Fill(&s->host, lower.host);
  Fill(&s->port, lower.port);
  Fill(&s->socket, lower.socket);
  Fill(&s->ssl_mode, lower.ssl_mode);
  Fill(&s->ssl_ca, lower.ssl_ca);
}

absl::Status Apply(const OptionEntry& e, ClientSettings* s) {
  if (!e.value.has_value()) return absl::OkStatus();  // `password` alone: mysql prompts
  const std::string& v = *e.value;
  if (e.key == "user") s->user = v;
  if (e.key == "password") s->password = v;
  if (e.key == "host") s->host = v;
  if (e.key == "socket") s->socket = v;
  if (e.key == "ssl-mode") s->ssl_mode = v;
  if (e.key == "ssl-ca") s->ssl_ca = v;
  if (e.key == "port") {
    const std::optional<uint64_t> port = ParseUint64(v);
    if (!port || *port == 0 || *port > 65535) {
      return absl::InvalidArgumentError(StrCat("option file ", e.origin, ": port '", v,
                                               "' is not a port (1..65535); fix the line"));
    }
    s->port = static_cast<uint16_t>(*port);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> GroupsForRole(std::string_view role) {
  std::vector<std::string> groups = {"client", "binsync"};
  if (!role.empty()) groups.push_back(StrCat("binsync-", role));
  return groups;
}

absl::StatusOr<ClientSettings> SettingsFromOptionFiles(const std::vector<OptionEntry>& entries,
                                                       std::string_view role) {
  ClientSettings out;
  // Lowest group first, each group's lines in file order: a later assignment wins.
  for (const std::string& group : GroupsForRole(role)) {
    for (const OptionEntry& e : entries) {
      if (e.group != group) continue;
      if (absl::Status st = Apply(e, &out); !st.ok()) return st;
    }
  }
  return out;
}

ClientSettings EffectiveSettings(const SettingSources& sources) {
  ClientSettings out = sources.uri;
  FillFrom(sources.command_line, &out);
  FillFrom(sources.option_files, &out);
  Fill(&out.password, sources.mysql_pwd);
  return out;
}

bool UsesSocket(const ClientSettings& s) {
  return s.socket.has_value() && (!s.host.has_value() || *s.host == "localhost");
}

}  // namespace binsync
