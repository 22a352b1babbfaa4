// binsync replicate: stream row events from --source and apply them to --target (and the
// reverse with --bidirectional), in parallel, commit-ordered, loop-free, crash-safe.
// SIGTERM/SIGINT: stop reading, commit what is in flight with its checkpoint, exit 0.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <random>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/gtid/mariadb_gtid.h"
#include "core/util/strings.h"
#include "net/ops/metrics_server.h"
#include "net/relay/relay.h"
#include "net/replicate/replicator.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {
namespace {

struct ReplicateCli {
  std::string source, target;
  bool bidirectional = false;
  std::string mode = "live";
  int workers = 4;
  uint32_t server_id = kDefaultBinsyncServerId;
  std::string start;
  bool until_caught_up = false;
  std::vector<std::string> databases, tables;
  std::string on_missing_row;  // empty: the mode's default (replicate::DefaultOnMissingRow)
  std::string apply_with = "binlog";
  std::string run_triggers = "statements";
  uint16_t metrics_port = 0;
  std::string metrics_bind = "127.0.0.1";
  size_t batch_txns = 200;
  std::string format = "text";
  std::vector<std::string> skip;
  size_t stream_above_mb = 32;
  // --mode relay
  std::string listen = "127.0.0.1:0";
  std::string listen_user = "binsync";
  std::string listen_password_file;
  bool attach = false;
  bool keep_attached = false;
  std::string group_by = "writeset";
  int lock_wait_timeout_s = 20;
};

schema::TableFilter MakeFilter(const std::vector<std::string>& databases,
                            const std::vector<std::string>& tables) {
  if (databases.empty() && tables.empty()) return nullptr;
  return [databases, tables](std::string_view db, std::string_view table) {
    return TableSelected(databases, tables, db, table);
  };
}

// The --databases / --tables entries that name nothing on `server` (it cannot be
// reached: none; Replicate says why).
std::vector<std::string> UnmatchedOn(const ConnectOptions& server,
                                     const std::vector<std::string>& databases,
                                     const std::vector<std::string>& tables) {
  absl::StatusOr<Connection> c = Connection::Open(server);
  if (!c.ok()) return {};
  absl::StatusOr<ResultSet> dbs = c->Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA");
  absl::StatusOr<ResultSet> ts = c->Query(
      "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = "
      "'BASE TABLE' AND TABLE_SCHEMA NOT IN "
      "('mysql','information_schema','performance_schema','sys')");
  if (!dbs.ok() || !ts.ok()) return {};
  std::vector<std::string> schemas;
  std::vector<std::string> names;
  for (const auto& r : dbs->rows()) schemas.push_back(r[0].value_or(""));
  for (const auto& r : ts->rows()) {
    names.push_back(StrCat(r[0].value_or(""), ".", r[1].value_or("")));
  }
  return UnmatchedSelection(databases, tables, schemas, names);
}

// A filter entry that names nothing (a typo, or a table not created yet) is said once at
// start; replication goes on, and a table the stream creates later is replicated.
void WarnUnmatchedSelection(const ConnectOptions& source, const ConnectOptions& target,
                            bool bidirectional, const std::vector<std::string>& databases,
                            const std::vector<std::string>& tables) {
  if (databases.empty() && tables.empty()) return;
  std::vector<std::string> missing = UnmatchedOn(source, databases, tables);
  if (bidirectional && !missing.empty()) {
    const std::vector<std::string> on_target = UnmatchedOn(target, databases, tables);
    std::erase_if(missing, [&](const std::string& e) {
      return std::find(on_target.begin(), on_target.end(), e) == on_target.end();
    });
  }
  for (const std::string& entry : missing) {
    const bool table = entry.rfind("--tables", 0) == 0;
    spdlog::warn("replicate: {}: no such {} on {}{}; replicating on (it is replicated once "
                 "the stream creates it); check the name",
                 entry, table ? "table" : "database", source.uri.Endpoint(),
                 bidirectional ? StrCat(" nor ", target.uri.Endpoint()) : std::string());
  }
}

// Prometheus exposition text of every stream's counters, labelled stream="A->B".
std::string RenderMetrics(const std::vector<ReplicateOptions>& streams) {
  struct Metric {
    const char* name;
    const char* type;
    const char* help;
    std::atomic<uint64_t> ReplicateMetrics::*field;
    double scale;
  };
  static const Metric kMetrics[] = {
      {"binsync_applied_transactions_total", "counter",
       "source transactions committed on the target", &ReplicateMetrics::applied_txns, 1},
      {"binsync_target_commits_total", "counter", "target transactions committed",
       &ReplicateMetrics::target_commits, 1},
      {"binsync_rows_total", "counter", "row changes applied", &ReplicateMetrics::rows, 1},
      {"binsync_retries_total", "counter",
       "transactions applied again after a deadlock, a lock wait timeout or a read-only target",
       &ReplicateMetrics::retries, 1},
      {"binsync_missing_rows_total", "counter", "updates/deletes whose row was not on the target",
       &ReplicateMetrics::missing_rows, 1},
      {"binsync_conflicts_total", "counter", "changes that did not fit the target's row",
       &ReplicateMetrics::conflicts, 1},
      {"binsync_overwritten_rows_total", "counter",
       "inserts that replaced a different row with the same key (--on-missing-row overwrite)",
       &ReplicateMetrics::overwritten_rows, 1},
      {"binsync_last_applied_source_timestamp_seconds", "gauge",
       "source commit time of the last applied transaction (lag = time() - this)",
       &ReplicateMetrics::last_source_timestamp, 1},
      {"binsync_apply_seconds_total", "counter", "worker time applying statements",
       &ReplicateMetrics::apply_us, 1e-6},
      {"binsync_commit_wait_seconds_total", "counter", "worker time waiting for the commit turn",
       &ReplicateMetrics::commit_wait_us, 1e-6},
      {"binsync_commit_seconds_total", "counter", "worker time in COMMIT",
       &ReplicateMetrics::commit_us, 1e-6},
      {"binsync_apply_errors_total", "counter",
       "failed attempts to apply or commit a transaction on the target (retried or not)",
       &ReplicateMetrics::apply_errors, 1},
      {"binsync_failing_transactions", "gauge",
       "transactions failing on the target now: being retried, or stopping the stream",
       &ReplicateMetrics::failing_txns, 1},
      {"binsync_last_apply_error_number", "gauge",
       "server error number of the last failure on the target (0: none yet)",
       &ReplicateMetrics::last_apply_error, 1},
  };
  std::string out;
  for (const Metric& m : kMetrics) {
    StrAppend(&out, "# HELP ", m.name, " ", m.help, "\n# TYPE ", m.name, " ", m.type, "\n");
    for (const ReplicateOptions& s : streams) {
      if (s.metrics == nullptr) continue;
      const uint64_t v = (s.metrics->*m.field).load(std::memory_order_relaxed);
      StrAppend(&out, m.name, "{stream=\"", s.label, "\"} ");
      if (m.scale == 1) {
        StrAppend(&out, v, "\n");
      } else {
        StrAppend(&out, fmt::format("{:.6f}", static_cast<double>(v) * m.scale), "\n");
      }
    }
  }
  return out;
}

void PrintResult(const std::string& label, const ReplicateResult& r) {
  std::printf(
      "%s: applied %llu transactions (%llu rows, %llu target commits) in %.2f s; read %llu, "
      "skipped %llu of the target's or binsync's own, %llu left out by filters; "
      "missing rows %llu, retries %llu, reconnects %llu; from %s to %s\n",
      label.c_str(), static_cast<unsigned long long>(r.applied_txns),  // NOLINT
      static_cast<unsigned long long>(r.rows),                          // NOLINT
      static_cast<unsigned long long>(r.target_commits), r.seconds,     // NOLINT
      static_cast<unsigned long long>(r.source_txns),                   // NOLINT
      static_cast<unsigned long long>(r.skipped_own),                   // NOLINT
      static_cast<unsigned long long>(r.skipped_filtered),              // NOLINT
      static_cast<unsigned long long>(r.missing_rows),                  // NOLINT
      static_cast<unsigned long long>(r.retries),                       // NOLINT
      static_cast<unsigned long long>(r.reconnects),                    // NOLINT
      r.start_position.empty() ? "(start)" : r.start_position.c_str(),
      r.end_position.empty() ? "(start)" : r.end_position.c_str());
  if (r.streamed_txns > 0) {
    std::printf("%s: applied %llu transactions larger than the memory limit as they were read "
                "(--stream-above)\n",
                label.c_str(), static_cast<unsigned long long>(r.streamed_txns));  // NOLINT
  }
  if (r.overwritten_rows > 0) {
    std::printf("%s: overwrote %llu rows the target had with a different value under the same "
                "key (--on-missing-row overwrite; each logged)\n",
                label.c_str(), static_cast<unsigned long long>(r.overwritten_rows));  // NOLINT
  }
  if (r.skipped_by_request > 0) {
    std::printf("%s: passed %llu transactions without applying them (--skip)\n", label.c_str(),
                static_cast<unsigned long long>(r.skipped_by_request));  // NOLINT
  }
  std::fflush(stdout);
}

// --listen HOST:PORT (PORT 0: any free port).
absl::Status ParseListen(const std::string& text, RelayOptions* r) {
  const size_t colon = text.rfind(':');
  const std::optional<uint64_t> port =
      colon == std::string::npos ? std::nullopt : ParseUint64(text.substr(colon + 1));
  if (!port.has_value() || *port > 65535 || colon == 0) {
    return absl::InvalidArgumentError(
        StrCat("--listen ", text, ": expected HOST:PORT, e.g. 127.0.0.1:3310"));
  }
  r->listen_host = text.substr(0, colon);
  r->listen_port = static_cast<uint16_t>(*port);
  return absl::OkStatus();
}

// 32 random letters and digits: the password of an attached channel nobody types.
std::string GeneratePassword() {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string p(32, ' ');
  for (char& c : p) c = kChars[rd() % (sizeof(kChars) - 1)];
  return p;
}

// What relay mode does not offer yet, named before anything starts.
absl::Status CheckRelayOptions(const ReplicateCli& o) {
  const std::pair<bool, const char*> unsupported[] = {
      {o.bidirectional, "--bidirectional"},       {!o.start.empty(), "--start"},
      {o.until_caught_up, "--until-caught-up"},   {!o.skip.empty(), "--skip"},
  };
  for (const auto& [given, name] : unsupported) {
    if (given) {
      return absl::InvalidArgumentError(StrCat(
          name, " is not offered by --mode relay yet (the replica starts from its own "
                "gtid_slave_pos); use --mode live for it"));
    }
  }
  if (o.listen_password_file.empty() && !o.attach) {
    return absl::InvalidArgumentError(
        "--mode relay requires authentication: give --listen-password-file FILE (or --attach, "
        "which may generate a password itself)");
  }
  return absl::OkStatus();
}

int RunRelayMode(const ReplicateCli& o, const ConnectOptions& source, const ConnectOptions& target) {
  if (absl::Status st = CheckRelayOptions(o); !st.ok()) return FailWith(st);
  RelayOptions r;
  if (absl::Status st = ParseListen(o.listen, &r); !st.ok()) return FailWith(st);
  r.source = source;
  r.target = target;
  r.server_id = o.server_id;
  r.user = o.listen_user;
  if (!o.listen_password_file.empty()) {
    absl::StatusOr<std::string> password = ReadPasswordFile(o.listen_password_file);
    if (!password.ok()) {
      return FailWith(absl::NotFoundError(StrCat("--listen-password-file ", o.listen_password_file,
                                                 ": cannot read it; check the path and permissions")));
    }
    r.password = *std::move(password);
  } else {
    r.password = GeneratePassword();  // --attach: binsync both sets and checks it
  }
  r.group_by = o.group_by == "source" ? relay::GroupBy::kSource : relay::GroupBy::kWriteset;
  r.filter = MakeFilter(o.databases, o.tables);
  WarnUnmatchedSelection(source, target, false, o.databases, o.tables);
  r.stream_above_bytes = o.stream_above_mb << 20;
  r.attach = o.attach;
  r.keep_attached = o.keep_attached;
  r.stop = InstallStopSignals();
  r.label = StrCat(source.uri.Endpoint(), "->", target.uri.Endpoint());
  RelayCounters counters;
  r.counters = &counters;
  r.on_listening = [&](uint16_t port) {
    if (o.attach) return;
    const std::string host = r.listen_host == "0.0.0.0" ? "127.0.0.1" : r.listen_host;
    std::printf("Run on %s:\n  %s;\n  START SLAVE '%s';\n", target.uri.Endpoint().c_str(),
                RelayChangeMasterSql(host, port, StrCat("'", r.user, "'"),
                                     "'<the password in --listen-password-file>'")
                    .c_str(),
                kRelayChannel);
    std::fflush(stdout);
  };
  const absl::Status st = RunRelay(r);
  std::printf("%s: relay sent %llu transactions (%llu with a commit_id) to %llu replica "
              "connections; skipped %llu of the target's or binsync's own, %llu left out by "
              "filters\n",
              r.label.c_str(),
              static_cast<unsigned long long>(counters.sent_txns.load()),          // NOLINT
              static_cast<unsigned long long>(counters.grouped_txns.load()),       // NOLINT
              static_cast<unsigned long long>(counters.connections.load()),        // NOLINT
              static_cast<unsigned long long>(counters.skipped_own.load()),        // NOLINT
              static_cast<unsigned long long>(counters.skipped_filtered.load()));  // NOLINT
  std::fflush(stdout);
  return st.ok() ? kExitOk : FailWith(st);
}

}  // namespace

RunFn RegisterReplicate(CLI::App& app, const GlobalOptions& g) {
  auto o = std::make_shared<ReplicateCli>();
  app.add_option("--source", o->source, "server to read: mysql://[user@]host:port (option-file group [binsync-source])")->required();
  app.add_option("--target", o->target, "server to apply to: mysql://[user@]host:port ([binsync-target])")
      ->required();
  app.add_flag("--bidirectional", o->bidirectional,
               "also apply --target's changes to --source, in the same process");
  app.add_option("--mode", o->mode,
                 "live: one target transaction per source transaction, GTIDs kept; catchup: "
                 "source transactions grouped, idempotent; relay: binsync is the master the "
                 "target's own replication applies from (--listen, --attach)")
      ->capture_default_str()
      ->check(CLI::IsMember({"live", "catchup", "relay"}));
  app.add_option("--workers", o->workers, "target connections applying in parallel")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--server-id", o->server_id,
                 "binsync's replica server_id (must be unused in the topology)")
      ->capture_default_str();
  app.add_option("--start", o->start,
                 "start after this MariaDB GTID position or at file:pos (default: the "
                 "checkpoint, else where native replication would start)");
  app.add_flag("--until-caught-up", o->until_caught_up,
               "exit 0 once everything the source had at start is applied and committed");
  app.add_option("--databases", o->databases, "only these databases (comma-separated)")
      ->delimiter(',');
  app.add_option("--tables", o->tables, "only these tables, db.table or table")
      ->delimiter(',');
  app.add_option("--on-missing-row", o->on_missing_row,
                 "an update/delete whose row is not on the target, or an insert whose key is: "
                 "error (like native 1032/1062), overwrite (insert the after image, replace "
                 "the row; logged), skip (a missing row, logged); default: error in live "
                 "mode, overwrite in catchup mode")
      ->check(CLI::IsMember({"error", "overwrite", "skip"}));
  app.add_option("--apply-with", o->apply_with,
                 "live mode: binlog (a transaction of row changes is replayed by the target's "
                 "own row applier as one BINLOG statement; needs BINLOG REPLAY, else falls "
                 "back) or statements (one prepared statement per row)")
      ->capture_default_str()
      ->check(CLI::IsMember({"binlog", "statements"}));
  app.add_option("--run-triggers", o->run_triggers,
                 "the target's triggers: statements (they fire for rows applied as statements "
                 "and not for BINLOG replay, as native row replication), yes (every path fires "
                 "them: such tables are never replayed nor compacted), no (no path may: such "
                 "rows only by BINLOG replay, else the stream stops)")
      ->capture_default_str()
      ->check(CLI::IsMember({"statements", "yes", "no"}));
  app.add_option("--metrics-port", o->metrics_port,
                 "serve Prometheus metrics at http://BIND:PORT/metrics (0: off)")
      ->capture_default_str();
  app.add_option("--metrics-bind", o->metrics_bind,
                 "address the metrics endpoint listens on (loopback unless you choose)")
      ->capture_default_str();
  app.add_option("--skip", o->skip,
                 "pass this source transaction (MariaDB GTID, e.g. 1-1-40; repeatable or "
                 "comma-separated) without applying it, logged: for one binsync refused that "
                 "you applied on the target by hand")
      ->delimiter(',');
  app.add_option("--stream-above", o->stream_above_mb,
                 "MB: a source transaction larger than this is applied as it is read, alone, "
                 "instead of being held whole in memory")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--lock-wait-timeout", o->lock_wait_timeout_s,
                 "seconds an apply statement waits for a target lock (LOCK TABLES, a long "
                 "transaction) before it fails and is retried, up to 10 times: the apply "
                 "sessions' lock_wait_timeout and innodb_lock_wait_timeout")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--batch", o->batch_txns,
                 "catchup: at most this many source transactions per target transaction")
      ->capture_default_str();
  app.add_option("--listen", o->listen,
                 "relay: HOST:PORT the target's replica connects to (port 0: any free one)")
      ->capture_default_str();
  app.add_option("--listen-user", o->listen_user, "relay: the user the replica must log in as")
      ->capture_default_str();
  app.add_option("--listen-password-file", o->listen_password_file,
                 "relay: file whose first line is the replica's password");
  app.add_flag("--attach", o->attach,
               "relay: configure and start the target's channel 'binsync' (removed at exit)");
  app.add_flag("--keep-attached", o->keep_attached,
               "relay: leave the target's channel 'binsync' in place at exit");
  app.add_option("--group-by", o->group_by,
                 "relay: commit groups for the target's parallel applier: writeset "
                 "(disjoint consecutive transactions) or source (the source's own)")
      ->capture_default_str()
      ->check(CLI::IsMember({"writeset", "source"}));
  app.footer("As a service: binsync replicate --config FILE takes these options from FILE's "
             "[binsync-replicate] group (source = mysql://10.0.0.1:3306, bidirectional, "
             "workers = 8; the command line wins) and the servers' credentials from its "
             "[binsync-source]/[binsync-target] groups (docs/configuration.md).");
  return [o, &g] {
    if (absl::Status st = CheckReplicaServerId(o->server_id); !st.ok()) return FailWith(st);
    absl::StatusOr<ConnectOptions> a = MakeConnectOptions(o->source, g, kRoleSource);
    if (!a.ok()) return FailWith(a.status());
    absl::StatusOr<ConnectOptions> b = MakeConnectOptions(o->target, g, kRoleTarget);
    if (!b.ok()) return FailWith(b.status());
    if (o->mode == "relay") return RunRelayMode(*o, *a, *b);
    if (o->bidirectional && !o->start.empty()) {
      return FailWith(absl::InvalidArgumentError(
          "--start names a position in one server's binlog; it cannot be used with "
          "--bidirectional"));
    }
    for (const std::string& gtid : o->skip) {
      absl::StatusOr<MariaDbGtidPos> parsed = ParseMariaDbGtidPos(gtid);
      if (!parsed.ok() || parsed->size() != 1) {
        return FailWith(absl::InvalidArgumentError(
            StrCat("--skip ", gtid, ": not a MariaDB GTID (domain-server_id-seq_no, e.g. "
                   "1-1-40)")));
      }
    }
    std::atomic<bool>* stop = InstallStopSignals();
    WarnUnmatchedSelection(*a, *b, o->bidirectional, o->databases, o->tables);

    auto options = [&](const ConnectOptions& from, const ConnectOptions& to) {
      ReplicateOptions r;
      r.source = from;
      r.target = to;
      r.mode = o->mode == "catchup" ? ApplyMode::kCatchup : ApplyMode::kLive;
      r.workers = o->workers;
      r.server_id = o->server_id;
      r.start = o->start;
      r.until_caught_up = o->until_caught_up;
      if (!o->on_missing_row.empty()) {
        r.on_missing_row = o->on_missing_row == "overwrite" ? OnMissingRow::kOverwrite
                           : o->on_missing_row == "skip"    ? OnMissingRow::kSkip
                                                            : OnMissingRow::kError;
      }
      r.replay_binlog = o->apply_with == "binlog";
      r.run_triggers = *replicate::ParseRunTriggers(o->run_triggers);  // checked by IsMember
      r.filter = MakeFilter(o->databases, o->tables);
      r.batch_txns = o->batch_txns;
      r.skip = o->skip;
      r.stream_above_bytes = o->stream_above_mb << 20;
      r.lock_wait_timeout_s = o->lock_wait_timeout_s;
      r.stop = stop;
      r.label = StrCat(from.uri.Endpoint(), "->", to.uri.Endpoint());
      r.progress_bar = isatty(STDERR_FILENO) != 0 && !o->bidirectional;
      return r;
    };
    std::vector<ReplicateOptions> streams = {options(*a, *b)};
    if (o->bidirectional) streams.push_back(options(*b, *a));
    std::vector<std::unique_ptr<ReplicateMetrics>> metrics;
    std::unique_ptr<MetricsServer> server;
    if (o->metrics_port != 0) {
      for (ReplicateOptions& s : streams) {
        metrics.push_back(std::make_unique<ReplicateMetrics>());
        s.metrics = metrics.back().get();
      }
      absl::StatusOr<std::unique_ptr<MetricsServer>> started =
          MetricsServer::Start(o->metrics_bind, o->metrics_port, [&streams] {
            return RenderMetrics(streams);
          });
      if (!started.ok()) return FailWith(started.status());
      server = std::move(*started);
      spdlog::info("metrics: http://{}:{}/metrics", o->metrics_bind, server->port());
    }
    std::vector<absl::StatusOr<ReplicateResult>> results(streams.size(),
                                                         absl::UnknownError("not run"));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < streams.size(); ++i) {
      threads.emplace_back([&, i] {
        results[i] = Replicate(streams[i]);
        if (!results[i].ok()) stop->store(true);  // one direction failed: stop the other
      });
    }
    for (std::thread& t : threads) t.join();
    server.reset();  // before the metrics it reads go away
    struct rusage usage {};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
      spdlog::info("peak memory (RSS): {} MB", usage.ru_maxrss / 1024);
    }
    int rc = kExitOk;
    for (size_t i = 0; i < streams.size(); ++i) {
      if (results[i].ok()) {
        PrintResult(streams[i].label, *results[i]);
      } else {
        rc = FailWith(absl::Status(results[i].status().code(),
                                   StrCat(streams[i].label, ": ", results[i].status().message())));
      }
    }
    return rc;
  };
}

}  // namespace binsync
