// binsync verify --a URI --b URI: are two live masters identical, down to the row?
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/util/strings.h"
#include "net/verify/verify_runner.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {
namespace {

std::string DefaultStateFile(const ConnectOptions& a, const ConnectOptions& b) {
  std::filesystem::path dir;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0') {
    dir = x;
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    dir = std::filesystem::path(h) / ".local" / "state";
  } else {
    dir = "/tmp";
  }
  dir /= "binsync";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string name = StrCat("verify-", a.uri.Endpoint(), "-", b.uri.Endpoint(), ".json");
  for (char& c : name) {
    if (c == ':' || c == '/' || c == '[' || c == ']') c = '_';
  }
  return (dir / name).string();
}

}  // namespace

RunFn RegisterVerify(CLI::App& app, const GlobalOptions& g) {
  struct Opts {
    std::string a;
    std::string b;
    VerifyOptions verify;
    std::string format = "table";
    bool repair = false;
    std::string repair_sql;
    std::string repair_binlog = "off";
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--a", o->a, "server A (the reference) URI (option-file group [binsync-a])")->required();
  app.add_option("--b", o->b, "server B URI (what --repair changes; [binsync-b])")->required();
  app.add_option("--databases", o->verify.databases, "only these databases")->delimiter(',');
  app.add_option("--tables", o->verify.tables, "only these tables (db.t or t)")->delimiter(',');
  app.add_option("--ignore-databases", o->verify.ignore_databases, "leave these databases out")->delimiter(',');
  app.add_option("--ignore-tables", o->verify.ignore_tables, "leave these tables out (db.t or t)")->delimiter(',');
  app.add_option("--format", o->format, "table|json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  app.add_option("--chunk-time", o->verify.chunk_time_s, "target seconds per chunk")->capture_default_str()->check(CLI::Range(0.01, 60.0));
  app.add_option("--max-load", o->verify.max_load, "pause while Threads_running is above N on either server (0: never)")->capture_default_str();
  app.add_option("--rechecks", o->verify.rechecks, "re-reads of a differing chunk after GTID waits (live writes)")->capture_default_str();
  app.add_option("--settle-timeout", o->verify.settle_timeout_s,
                 "seconds a differing row waits for a replication that makes no progress; "
                 "then the rows its backlog touches are listed as unsettled (exit 3)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--max-diffs", o->verify.max_diffs, "list at most N differing rows per run (memory stays bounded); past it differing chunks are counted; 0: no limit")->capture_default_str();
  app.add_flag("--resume", o->verify.resume, "continue an interrupted run from its last finished chunk");
  app.add_option("--state-file", o->verify.state_file, "progress file for --resume (default: ~/.local/state/binsync/verify-A-B.json)");
  auto* repair = app.add_flag("--repair", o->repair, "make B like A: apply the fix in small transactions, then verify again");
  app.add_option("--repair-sql", o->repair_sql, "write the fix as idempotent SQL to FILE instead")->excludes(repair);
  app.add_option("--repair-binlog", o->repair_binlog, "on|off: binlog the fix on B (off: it does not travel back to A)")
      ->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  app.footer("Exit: 0 identical, 1 differences remain, 2 error, 3 no difference but rows "
             "unsettled while replication lagged (never repaired: verify again).");
  return [o, &g]() -> int {
    auto ca = MakeConnectOptions(o->a, g, kRoleA);
    if (!ca.ok()) return FailWith(ca.status());
    auto cb = MakeConnectOptions(o->b, g, kRoleB);
    if (!cb.ok()) return FailWith(cb.status());
    VerifyOptions vo = o->verify;
    if (vo.state_file.empty()) vo.state_file = DefaultStateFile(*ca, *cb);
    vo.progress_bar = isatty(STDERR_FILENO) != 0;
    auto report = RunVerify(*ca, *cb, vo);
    if (!report.ok()) return FailWith(report.status());
    for (const std::string& line : report->broken) spdlog::warn("verify: {}", line);
    std::error_code ec;
    std::filesystem::remove(vo.state_file, ec);  // finished: nothing to resume

    auto print = [&](const VerifyReport& r) {
      std::cout << (o->format == "json" ? ReportJson(r) : ReportTable(r)) << std::flush;
    };
    RepairOptions ro;
    ro.binlog = o->repair_binlog == "on";
    const size_t unsettled = report->unsettled();
    auto say_unsettled = [&] {
      if (unsettled == 0) return;
      spdlog::warn("verify: {} unsettled rows are not repaired (replication had not applied "
                   "what could change them); verify again once it has caught up",
                   unsettled);
    };
    if (!report->differs() || (!o->repair && o->repair_sql.empty())) {
      print(*report);
      if (o->repair || !o->repair_sql.empty()) say_unsettled();
      return VerifyExitCode(*report);
    }
    auto b = Connection::Open(*cb);
    if (!b.ok()) return FailWith(b.status());
    if (!o->repair_sql.empty()) {
      print(*report);
      auto sql = RepairSql(*b, *report, ro);
      if (!sql.ok()) return FailWith(sql.status());
      std::ofstream out(o->repair_sql, std::ios::trunc);
      out << *sql;
      if (!out) return FailWith(absl::InternalError(StrCat(o->repair_sql, ": cannot write")));
      spdlog::info("verify: repair statements written to {}", o->repair_sql);
      say_unsettled();
      return kExitDifferences;
    }
    if (o->format != "json") print(*report);
    say_unsettled();
    // Repair what is listed (never the unsettled rows), verify the tables that differed
    // again; while --max-diffs left rows unlisted and the last round changed something,
    // repeat.
    VerifyReport current = *std::move(report);
    for (int round = 1;; ++round) {
      auto changed = ApplyRepair(*b, current, ro);
      if (!changed.ok()) return FailWith(changed.status());
      spdlog::info("verify: repaired {} rows on {} (binlog {}); verifying again", *changed,
                   cb->uri.Endpoint(), o->repair_binlog);
      VerifyOptions again = vo;
      again.resume = false;
      again.databases.clear();
      again.tables.clear();
      bool truncated = false;
      for (const TableResult& t : current.tables) {
        if (t.differs()) again.tables.push_back(t.table);
        truncated = truncated || t.truncated;
      }
      auto after = RunVerify(*ca, *cb, again);
      if (!after.ok()) return FailWith(after.status());
      std::filesystem::remove(vo.state_file, ec);
      current = *std::move(after);
      if (!current.differs() || !truncated || *changed == 0) break;
      spdlog::info("verify: repair round {} done; more rows were left unlisted by --max-diffs {}",
                   round, vo.max_diffs);
    }
    print(current);
    // Rows left unsettled by the first run (in tables not verified again) still count.
    if (!current.differs() && current.unsettled() == 0 && unsettled > 0) return kExitUnsettled;
    return VerifyExitCode(current);
  };
}

}  // namespace binsync
