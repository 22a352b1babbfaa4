// binsync demo: the master-master recovery story on a sandbox pair.
//
// Sets up native master-master replication as the reference procedure does, loads
// sample data, breaks replication the way production does (a duplicate key on one node:
// error 1062), keeps writing on both nodes, shows what `binsync status` reports, runs
// `binsync resync` (each step), then times the old recovery (mariadb-dump
// --single-transaction + reload of the same data) and prints both times side by side.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "core/util/clock.h"
#include "core/util/strings.h"
#include "core/topology/server_facts.h"
#include "core/util/status_macros.h"
#include "net/mysql/inspect.h"
#include "core/util/subprocess.h"
#include "net/mysql/native_replication.h"
#include "net/resync/resync.h"
#include "net/ops/sandbox.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {
namespace {

struct DemoOptions {
  int64_t rows = 1'000'000;
  std::string dir;
  int base_port = 0;
  bool keep = false;
};

class Stopwatch {
 public:
  [[nodiscard]] double Seconds() const {
    return SecondsSince(start_);
  }

 private:
  Clock::time_point start_ = Clock::now();
};

void Step(int n, std::string_view what) { std::cout << "\n[" << n << "] " << what << "\n"; }

absl::StatusOr<Connection> Root(const SandboxServer& s) {
  ConnectOptions co;
  co.uri = s.RootUri();
  return Connection::Open(co);
}

absl::Status RunDemo(const DemoOptions& o, const std::filesystem::path& dir) {
  Step(1, "start a sandbox pair (binsync sandbox up)");
  SandboxOptions so;
  so.dir = dir;
  if (o.base_port != 0) {
    so.base_port = static_cast<uint16_t>(o.base_port);
  } else {
    ASSIGN_OR_RETURN(so.base_port, FindFreePorts(2, kSandboxDefaultBasePort));
  }
  ASSIGN_OR_RETURN(const std::vector<SandboxServer> servers, SandboxUp(so));
  for (const SandboxServer& s : servers) {
    std::cout << "    node" << s.index << " " << s.RootUri().Display() << "\n";
  }
  ASSIGN_OR_RETURN(Connection a, Root(servers[0]));
  ASSIGN_OR_RETURN(Connection b, Root(servers[1]));

  Step(2, "native master-master replication, as in the reference procedure "
          "(CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos both ways)");
  std::ifstream pw(dir / "repl.password");
  std::string repl_password;
  std::getline(pw, repl_password);
  for (int i = 0; i < 2; ++i) {
    ServerUri source = servers[static_cast<size_t>(1 - i)].RootUri();
    source.user = kSandboxReplUser;
    source.password = repl_password;
    Connection& replica = i == 0 ? a : b;
    RETURN_IF_ERROR(StartNativeReplication(replica, source));
    RETURN_IF_ERROR(WaitReplicationRunning(replica, std::chrono::seconds(30)));
    std::cout << "    " << replica.endpoint() << " replicates from " << source.Endpoint() << "\n";
  }

  Step(3, StrCat("load ", o.rows, " sample rows on node1 (sysbench-like table "
                       "demo.sbtest1); node2 receives them by native replication"));
  Stopwatch load;
  RETURN_IF_ERROR(a.Execute(
      "CREATE DATABASE IF NOT EXISTS demo;"
      "CREATE TABLE IF NOT EXISTS demo.sbtest1 (id INT UNSIGNED NOT NULL AUTO_INCREMENT, "
      "k INT UNSIGNED NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', "
      "pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_1 (k)) ENGINE=InnoDB;"
      "USE demo"));
  constexpr int64_t kBatch = 50'000;
  for (int64_t done = 0; done < o.rows; done += kBatch) {
    const int64_t n = std::min(kBatch, o.rows - done);
    RETURN_IF_ERROR(a.Execute(StrCat(
        "INSERT INTO demo.sbtest1 (k, c, pad) SELECT FLOOR(1 + RAND() * ", o.rows,
        "), LEFT(SHA2(seq, 512), 119), MD5(seq) FROM seq_1_to_", n)));
  }
  ASSIGN_OR_RETURN(const auto a_pos, a.QueryValue("SELECT @@gtid_binlog_pos"));
  RETURN_IF_ERROR(WaitForGtid(b, a_pos.value_or(""), std::chrono::seconds(600)));
  std::cout << "    loaded and replicated in " << load.Seconds() << " s\n";

  Step(4, "break it the way production does: a row written on node2 outside the binlog "
          "(sql_log_bin=0), then node1 inserts the same key -> node2 stops on error 1062");
  RETURN_IF_ERROR(b.Execute(
      "SET sql_log_bin=0; INSERT INTO demo.sbtest1 (id, k, c, pad) VALUES "
      "(99999999, 1, 'written on node2 only', 'x'); SET sql_log_bin=1"));
  RETURN_IF_ERROR(a.Execute(
      "INSERT INTO demo.sbtest1 (id, k, c, pad) VALUES (99999999, 2, 'written on node1', 'y')"));
  // The SQL thread stops once it reaches node1's insert.
  ReplicationChannel channel;
  for (int i = 0; i < 600; ++i) {
    ASSIGN_OR_RETURN(const ServerFacts f, InspectServer(b));
    channel = f.channels.at(0);
    if (channel.sql_running != "Yes") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (channel.last_sql_errno != 1062) {
    return absl::InternalError(StrCat("demo: expected node2's SQL thread to stop on 1062, it is ",
                                      channel.sql_running, " with error ", channel.last_sql_errno));
  }
  std::cout << "    node2: SQL thread stopped, error " << channel.last_sql_errno << "\n";

  Step(5, "both nodes keep taking writes while the pair is broken");
  for (int i = 0; i < 50; ++i) {
    RETURN_IF_ERROR(a.Execute(StrCat("UPDATE demo.sbtest1 SET k = k + 1 WHERE id = ", 1 + 2 * i)));
    RETURN_IF_ERROR(b.Execute(StrCat("INSERT INTO demo.sbtest1 (k, c, pad) VALUES (", i,
                                           ", 'node2 while broken', '')")));
  }
  std::cout << "    50 updates on node1, 50 inserts on node2\n";

  Step(6, "binsync status: what a DBA sees");
  std::vector<ServerFacts> facts;
  for (Connection* c : {&a, &b}) {
    ASSIGN_OR_RETURN(ServerFacts f, InspectServer(*c));
    facts.push_back(std::move(f));
  }
  for (const ServerFacts& f : facts) {
    std::cout << "    " << f.endpoint << "  gtid_binlog_pos " << f.gtid_binlog_pos;
    for (const ReplicationChannel& ch : f.channels) {
      std::cout << "  IO " << ch.io_running << " SQL " << ch.sql_running;
      if (ch.last_sql_errno != 0) std::cout << " (error " << ch.last_sql_errno << ")";
    }
    std::cout << "\n";
  }
  for (const Finding& f : CheckServers(facts)) {
    std::cout << "    " << SeverityName(f.severity) << " " << f.server << " " << f.code << ": "
              << f.message << "\n";
  }

  Step(7, "binsync resync --from node1 --to node2 --conflicts from-wins: plan, catch up both "
          "ways, resolve the conflict, hand back to native replication, verify");
  ResyncOptions ro;
  ro.from.uri = servers[0].RootUri();
  ro.to.uri = servers[1].RootUri();
  ro.conflicts = ConflictPolicy::kFromWins;
  Stopwatch resync_time;
  ASSIGN_OR_RETURN(const ResyncReport report, RunResync(ro));
  const double resync_s = resync_time.Seconds();
  std::string text = ResyncReportText(report);
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    std::cout << "    " << text.substr(at, nl - at) << "\n";
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
  if (!report.clean()) return absl::InternalError("demo: resync did not leave the pair identical");

  Step(8, "the old recovery for comparison: mariadb-dump --single-transaction of node1's "
          "data + reload on node2 (into a scratch database, unlogged)");
  Stopwatch reseed;
  SubprocessOptions po;
  po.timeout = std::chrono::minutes(30);
  ASSIGN_OR_RETURN(SubprocessResult dump,
                   RunSubprocess({"mariadb-dump", "--single-transaction", "--skip-lock-tables",
                                  "-h127.0.0.1", StrCat("-P", servers[0].port), "-uroot", "demo"},
                                 po));
  if (dump.exit_code != 0) return absl::InternalError(StrCat("mariadb-dump failed: ", dump.err));
  const double dump_s = reseed.Seconds();
  RETURN_IF_ERROR(b.Execute("SET sql_log_bin=0; DROP DATABASE IF EXISTS demo_reseed; "
                            "CREATE DATABASE demo_reseed; SET sql_log_bin=1"));
  po.stdin_data = "SET sql_log_bin=0;\n" + dump.out;
  dump.out.clear();
  ASSIGN_OR_RETURN(SubprocessResult reload,
                   RunSubprocess({"mariadb", "-h127.0.0.1", StrCat("-P", servers[1].port),
                                  "-uroot", "demo_reseed"},
                                 po));
  if (reload.exit_code != 0) return absl::InternalError(StrCat("reload failed: ", reload.err));
  const double reseed_s = reseed.Seconds();
  RETURN_IF_ERROR(b.Execute("SET sql_log_bin=0; DROP DATABASE demo_reseed; SET sql_log_bin=1"));
  std::cout << fmt::format("    dump {:.2f} s + reload {:.2f} s = {:.2f} s\n", dump_s,
                           reseed_s - dump_s, reseed_s);
  std::cout << fmt::format(
      "\n    binsync resync {:.2f} s   vs   mariadb-dump + reload {:.2f} s   ({:.1f}x faster, "
      "and the service stayed up)\n",
      resync_s, reseed_s, resync_s > 0 ? reseed_s / resync_s : 0.0);
  return absl::OkStatus();
}

}  // namespace

RunFn RegisterDemo(CLI::App& app, const GlobalOptions& /*g*/) {
  auto o = std::make_shared<DemoOptions>();
  app.add_option("--rows", o->rows, "sample rows to load")->capture_default_str()->check(CLI::Range(1, 100'000'000));
  app.add_option("--dir", o->dir, "sandbox directory (default: a new temporary one)");
  app.add_option("--base-port", o->base_port, "first port (default: first free from 13306)");
  app.add_flag("--keep", o->keep, "leave the servers running");
  return [o]() -> int {
    std::filesystem::path dir = o->dir;
    if (dir.empty()) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "binsync-demo-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) return FailWith(absl::InternalError("mkdtemp failed"));
      dir = tmpl;
    }
    Stopwatch total;
    const absl::Status st = RunDemo(*o, dir);
    if (o->keep) {
      std::cout << "\nservers left running; stop them with: binsync sandbox down --dir "
                << dir.string() << "\n";
    } else if (auto down = SandboxDown(dir); !down.ok()) {
      spdlog::error("{}", down.message());
    } else if (o->dir.empty() && st.ok()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    // A failed step's directory stays: its server logs say what went wrong.
    if (!st.ok()) {
      return FailWith(absl::Status(
          st.code(), StrCat(st.message(), " (the demo's directory, with the servers' logs, is kept: ",
                            dir.string(), "; remove it when done)")));
    }
    std::cout << "\ndemo finished in " << total.Seconds() << " s\n";
    return kExitOk;
  };
}

}  // namespace binsync
