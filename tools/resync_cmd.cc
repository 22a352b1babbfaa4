// binsync resync --from A --to B: bring the diverged master B back in line with A from the
// divergence point, both writable, nothing either wrote thrown away (net/resync/resync.h).
// Exit 0 when the pair ends identical with replication handed back, 1 when conflicts were
// left alone (--conflicts report) or differences remain, 2 on error.

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "core/util/strings.h"
#include "net/resync/resync.h"
#include "tools/cli.h"

namespace binsync {
namespace {

struct ResyncCli {
  std::string from, to;
  std::string conflicts = "report";
  std::string handback = "native";
  bool dry_run = false;
  bool full_verify = false;
  std::string format = "table";
  int workers = 4;
  uint32_t server_id = kDefaultBinsyncServerId;
};

}  // namespace

RunFn RegisterResync(CLI::App& app, const GlobalOptions& g) {
  auto o = std::make_shared<ResyncCli>();
  app.add_option("--from", o->from, "the authoritative master (where the VIP is): URI ([binsync-from])")
      ->required();
  app.add_option("--to", o->to, "the diverged master to bring back: URI ([binsync-to])")->required();
  app.add_option("--conflicts", o->conflicts,
                 "rows changed on both sides: report (leave them, exit 1), from-wins, "
                 "newest-wins (by commit time; ties and unlogged changes: --from)")
      ->capture_default_str()
      ->check(CLI::IsMember({"report", "from-wins", "newest-wins"}));
  app.add_option("--handback", o->handback,
                 "native: restart native replication both ways from the positions reached; "
                 "none: print the commands")
      ->capture_default_str()
      ->check(CLI::IsMember({"native", "none"}));
  app.add_flag("--dry-run", o->dry_run, "inspect and plan only; change nothing");
  app.add_flag("--full-verify", o->full_verify, "verify every table, not only those touched");
  app.add_option("--format", o->format, "table | json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  app.add_option("--workers", o->workers, "target connections per direction")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--server-id", o->server_id, "binsync's replica server_id")
      ->capture_default_str();
  return [o, &g] {
    if (absl::Status st = CheckReplicaServerId(o->server_id); !st.ok()) return FailWith(st);
    absl::StatusOr<ConnectOptions> from = MakeConnectOptions(o->from, g, kRoleFrom);
    if (!from.ok()) return FailWith(from.status());
    absl::StatusOr<ConnectOptions> to = MakeConnectOptions(o->to, g, kRoleTo);
    if (!to.ok()) return FailWith(to.status());
    std::atomic<bool>* stop = InstallStopSignals();
    ResyncOptions ro;
    ro.from = *from;
    ro.to = *to;
    ro.conflicts = ParsePolicy(o->conflicts).value_or(ConflictPolicy::kReport);
    ro.handback = o->handback == "none" ? Handback::kNone : Handback::kNative;
    ro.dry_run = o->dry_run;
    ro.full_verify = o->full_verify;
    ro.workers = o->workers;
    ro.server_id = o->server_id;
    ro.stop = stop;
    absl::StatusOr<ResyncReport> r = RunResync(ro);
    if (!r.ok()) return FailWith(r.status());
    const std::string text = o->format == "json" ? ResyncReportJson(*r) + "\n" : ResyncReportText(*r);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    if (r->dry_run) return kExitOk;
    const bool unresolved = o->conflicts == "report" && !r->conflicts.empty();
    return r->clean() && !unresolved ? kExitOk : kExitDifferences;
  };
}

}  // namespace binsync
