// binsync dump FILE... | --source URI: decode binlog files or a live server's binlog to JSON
// lines (the contract in DESIGN.md), readable text, or statistics (docs/dump.md). This file
// wires options to core/dump's EventPrinter (the rendering) and net/dump's PrintLive (the
// live source); output goes to stdout in large blocks.
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/dump/printer.h"
#include "core/util/clock.h"
#include "net/dump/live.h"
#include "net/mysql/binlog_stream.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {
namespace {

struct DumpOptions {
  std::vector<std::string> files;
  std::string source;
  std::string start;
  bool stop_never = false;
  uint32_t server_id = kDefaultBinsyncServerId;
  uint64_t start_position = 0;
  std::string format = "json";
  std::vector<std::string> databases;
  std::vector<std::string> tables;
};

// Writes what the printer holds to stdout and clears it.
absl::Status WriteOut(std::string& out) {
  if (out.empty()) return absl::OkStatus();
  const size_t n = std::fwrite(out.data(), 1, out.size(), stdout);
  const bool ok = n == out.size() && std::fflush(stdout) == 0;
  out.clear();
  if (!ok) return absl::UnavailableError("cannot write to standard output");
  return absl::OkStatus();
}

// The live source first (if any), then the files in order, then --format stats' totals.
absl::Status RunDump(const DumpOptions& o, const BinlogStreamOptions* live,
                     dump::EventPrinter& printer) {
  const auto t0 = Clock::now();
  const std::function<absl::Status()> flush = [&printer] { return WriteOut(printer.out()); };
  if (live != nullptr) {
    absl::Status st = dump::PrintLive(*live, o.stop_never, printer, flush);
    if (absl::Status fl = flush(); st.ok()) st = fl;
    if (!st.ok()) return st;
  }
  for (size_t i = 0; i < o.files.size(); ++i) {
    absl::Status st = dump::PrintFile(o.files[i], i == 0 ? o.start_position : 0, printer, flush);
    if (absl::Status fl = flush(); st.ok()) st = fl;
    if (!st.ok()) return st;
  }
  if (o.format == "stats") {
    printer.PrintStats(SecondsSince(t0));
    return flush();
  }
  return absl::OkStatus();
}

// --source: a --databases entry the source has no database of now is said, not refused
// (docs/dump.md: a binlog holds the events of databases dropped since, or created later).
void WarnAbsentDatabases(const ConnectOptions& source, const std::vector<std::string>& databases) {
  absl::StatusOr<std::vector<std::string>> absent = dump::AbsentDatabases(source, databases);
  if (!absent.ok()) return;  // the dump's own connection says why
  for (const std::string& entry : *absent) {
    spdlog::warn("dump: {}: no such database on {} now; its events are shown if the binlog "
                 "has any (dropped since, or created later)",
                 entry, source.uri.Endpoint());
  }
}

}  // namespace

RunFn RegisterDump(CLI::App& app, const GlobalOptions& g) {
  auto o = std::make_shared<DumpOptions>();
  app.add_option("files", o->files, "binlog files, read in the order given");
  app.add_option("--source", o->source,
                 "read a live server's binlog instead of files: mysql://[user@]host:port ([binsync-source])");
  app.add_option("--start", o->start,
                 "with --source: a MariaDB GTID position (0-1-100,1-2-7) or file:pos; "
                 "default: the server's first binlog");
  app.add_flag("--stop-never", o->stop_never,
               "with --source: keep waiting for new events (and reconnect) instead of "
               "stopping at the end of what the server had");
  app.add_option("--server-id", o->server_id,
                 "with --source: the replica server_id binsync registers with")
      ->capture_default_str();
  app.add_option("--start-position", o->start_position,
                 "byte offset of the first event to print in the first file");
  app.add_option("--format", o->format, "json (one object per row change) | text | stats")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "text", "stats"}));
  // One value each (comma-separated): a greedy vector option would swallow FILE arguments.
  app.add_option("--databases", o->databases, "only these databases (comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--tables", o->tables,
                 "only these tables, db.table or table (comma-separated); statements are "
                 "then left out")
      ->delimiter(',')
      ->allow_extra_args(false);
  return [o, &g] {
    if (o->files.empty() == o->source.empty()) {
      return FailWith(
          absl::InvalidArgumentError("dump: give binlog files or --source URI (one of the two)"));
    }
    std::optional<BinlogStreamOptions> live;
    if (!o->source.empty()) {
      absl::StatusOr<ConnectOptions> conn = MakeConnectOptions(o->source, g, kRoleSource);
      if (!conn.ok()) return FailWith(conn.status());
      if (absl::Status st = CheckReplicaServerId(o->server_id); !st.ok()) return FailWith(st);
      live.emplace();
      live->connect = *std::move(conn);
      live->server_id = o->server_id;
      live->stop_at_end = !o->stop_never;
      if (absl::Status st = ParseStartPosition(o->start, &*live); !st.ok()) return FailWith(st);
    } else if (!o->start.empty() || o->stop_never) {
      return FailWith(absl::InvalidArgumentError("dump: --start and --stop-never need --source"));
    }
    dump::PrintOptions print;
    print.format = o->format == "text"    ? dump::Format::kText
                   : o->format == "stats" ? dump::Format::kStats
                                          : dump::Format::kJson;
    print.databases = o->databases;
    print.tables = o->tables;
    if (live) WarnAbsentDatabases(live->connect, o->databases);
    auto printer = std::make_unique<dump::EventPrinter>(std::move(print));
    if (absl::Status st = RunDump(*o, live ? &*live : nullptr, *printer); !st.ok()) {
      return FailWith(st);
    }
    // An entry that selected nothing: said, not fatal (the output is simply empty).
    for (const std::string& entry : printer->UnmatchedFilter()) {
      spdlog::warn("dump: {}: no event of it in the binlog read; check the name", entry);
    }
    return kExitOk;
  };
}

}  // namespace binsync
