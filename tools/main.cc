// binsync: incremental resync, replication, verification and lag measurement for
// MySQL/MariaDB master-master pairs. One binary, one file per subcommand.
#include <iostream>
#include <map>

#include "tools/cli.h"
#include "core/util/log.h"

int main(int argc, char** argv) {
  using binsync::kExitError;
  CLI::App app{"binsync: bring a diverged MySQL/MariaDB master-master pair back in sync "
               "without a dump, replicate, verify, measure lag",
               "binsync"};
  app.set_version_flag("--version", std::string("binsync ") + BINSYNC_VERSION + " (commit " +
                                        BINSYNC_COMMIT + ")");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.footer(
      "Servers are named mysql://[user[:password]@]host[:port] or "
      "mysql://[user@]localhost/?socket=PATH; what the URI leaves out comes from option files "
      "([client], [binsync], [binsync-ROLE] of /etc/my.cnf, /etc/mysql/my.cnf, ~/.my.cnf: "
      "docs/configuration.md). Keep passwords in option files or --password-file, not in "
      "the URI.\nExit codes: 0 ok, 1 differences/problems "
      "found, 2 usage or runtime error.");

  binsync::GlobalOptions g;
  app.add_option("--log-level", g.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
  app.add_option("--log-format", g.log_format, "text|json (one JSON object per line)")
      ->capture_default_str();
  app.add_option("--password-file", g.password_file,
                 "read the server password from this file's first line (over option files "
                 "and MYSQL_PWD; a password in the URI wins)");
  app.add_option("--ssl-mode", g.ssl_mode,
                 "DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY (default: ssl-mode "
                 "from the option files, else PREFERRED)");
  app.add_option("--ssl-ca", g.ssl_ca, "CA certificate file for TLS");
  app.add_option("--defaults-file", g.option_files.defaults_file,
                 "read only this option file (not /etc/my.cnf, /etc/mysql/my.cnf, ~/.my.cnf)");
  app.add_option("--defaults-extra-file", g.option_files.defaults_extra_file,
                 "read this option file after the default ones");
  app.add_flag("--no-defaults", g.option_files.no_defaults, "read no default option file");
  binsync::AddConfigOption(app);
  app.add_option("--connect-timeout", g.connect_timeout_s, "seconds")->capture_default_str();
  app.add_option("--read-timeout", g.read_timeout_s, "seconds")->capture_default_str();

  std::map<CLI::App*, binsync::RunFn> runs;
  auto add = [&](const char* name, const char* help, auto reg) {
    CLI::App* sub = app.add_subcommand(name, help);
    runs[sub] = reg(*sub, g);
  };
  add("status", "inspect servers: versions, binlog settings, GTID positions, replication "
                "threads and their errors; warn about what breaks master-master",
      binsync::RegisterStatus);
  add("dump", "decode binlog files to JSON lines, text or stats", binsync::RegisterDump);
  add("replicate",
      "apply one master's row events to the other: parallel, commit-ordered, loop-free, "
      "crash-safe",
      binsync::RegisterReplicate);
  add("resync",
      "bring a diverged master back from the divergence point, no dump: plan, catch up both "
      "ways, resolve conflicts, hand back to native replication, verify",
      binsync::RegisterResync);
  add("lagbench",
      "replication lag of every transaction, in microseconds: open-loop load, both binlogs "
      "tapped on one clock, percentiles, sweeps to the saturation point",
      binsync::RegisterLagbench);
  add("verify", "checksum two live masters, narrow to the differing rows, repair",
      binsync::RegisterVerify);
  add("sandbox", "start/stop throwaway MariaDB servers on loopback (demo and tests)",
      binsync::RegisterSandbox);
  add("demo", "the whole story on a sandbox pair: master-master, break it, inspect",
      binsync::RegisterDemo);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "binsync: " << e.what() << "\n\n";
    CLI::App* failing = &app;
    for (CLI::App* sub : app.get_subcommands()) failing = sub;
    std::cerr << failing->help();
    return kExitError;
  }
  if (auto st = binsync::InitLogging(g.log_level, g.log_format); !st.ok()) {
    std::cerr << "binsync: " << st.message() << "\n";
    return kExitError;
  }
  if (const CLI::Option* config = app.get_config_ptr(); config->count() > 0) {
    g.option_files.config_file = config->as<std::string>();
  }
  if (auto st = binsync::LoadOptionFiles(&g); !st.ok()) return binsync::FailWith(st);
  for (CLI::App* sub : app.get_subcommands()) {
    if (auto it = runs.find(sub); it != runs.end()) return it->second();
  }
  std::cerr << app.help();
  return kExitError;
}
