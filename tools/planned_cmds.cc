// Subcommands whose issues have not landed yet. Each shows the options it will take
// (from its issue), and running it says so and exits 2 without touching any server.
#include "util/strings.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {
namespace {

struct Planned {
  const char* name;
  const char* help;
  const char* issue;
  std::vector<std::pair<const char*, const char*>> options;
};

}  // namespace

void RegisterPlanned(CLI::App& root, std::map<CLI::App*, RunFn>* runs) {
  static const std::vector<Planned> kPlanned = {
      {"lagbench", "measure replication lag, native and binsync, in microseconds",
       "a later issue (none filed yet)",
       {{"--a", "URI"}, {"--b", "URI"}, {"--tps", "write rate"}}},
  };
  for (const Planned& p : kPlanned) {
    CLI::App* sub = root.add_subcommand(p.name, StrCat(p.help, " [not landed yet]"));
    for (const auto& [flag, help] : p.options) sub->add_option(flag, help);
    sub->allow_extras();  // any arguments: the command says it has not landed
    const std::string name = p.name;
    const std::string issue = p.issue;
    (*runs)[sub] = [name, issue] {
      spdlog::error("binsync {}: not landed yet ({}); nothing was done", name, issue);
      return kExitError;
    };
  }
}

}  // namespace binsync
