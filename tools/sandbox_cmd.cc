// binsync sandbox up|down|status --dir D: throwaway MariaDB servers on loopback.
#include <iostream>

#include "net/ops/sandbox.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {

RunFn RegisterSandbox(CLI::App& app, const GlobalOptions& /*g*/) {
  struct Opts {
    std::string action;
    std::string dir;
    int base_port = kSandboxDefaultBasePort;
    int servers = 2;
    std::string buffer_pool = "256M";
    std::vector<std::string> mysqld_options;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("action", o->action, "up | down | status")
      ->required()
      ->check(CLI::IsMember({"up", "down", "status"}));
  app.add_option("--dir", o->dir, "directory holding the servers' datadirs and state")
      ->required();
  app.add_option("--base-port", o->base_port, "server i listens on base-port + i - 1")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  app.add_option("--servers", o->servers, "how many servers")
      ->capture_default_str()
      ->check(CLI::Range(1, 9));
  app.add_option("--buffer-pool", o->buffer_pool, "innodb_buffer_pool_size of each server")
      ->capture_default_str();
  app.add_option("--mysqld-option", o->mysqld_options,
                 "extra server option name=value (repeatable), added to every my.cnf");
  app.footer(
      "Each server: server_id and gtid_domain_id i, binlog_format=ROW, binlog_row_metadata=FULL,\n"
      "log_slave_updates, auto_increment_increment=N and offset=i. URIs are printed as\n"
      "mysql://root@127.0.0.1:PORT (root without password, loopback only); the replication\n"
      "user 'repl' has its password in DIR/repl.password.");
  return [o]() -> int {
    if (o->action == "up") {
      SandboxOptions so;
      so.dir = o->dir;
      so.base_port = static_cast<uint16_t>(o->base_port);
      so.servers = o->servers;
      so.buffer_pool_size = o->buffer_pool;
      so.mysqld_options = o->mysqld_options;
      auto servers = SandboxUp(so);
      if (!servers.ok()) return FailWith(servers.status());
      for (const SandboxServer& s : *servers) {
        std::cout << "node" << s.index << " " << s.RootUri().Display() << " pid " << s.pid
                  << "\n";
      }
      return kExitOk;
    }
    if (o->action == "down") {
      if (auto st = SandboxDown(o->dir); !st.ok()) return FailWith(st);
      std::cout << "stopped\n";
      return kExitOk;
    }
    auto states = SandboxStatus(o->dir);
    if (!states.ok()) return FailWith(states.status());
    if (states->empty()) std::cout << "no sandbox in " << o->dir << "\n";
    for (const SandboxServerState& s : *states) {
      std::cout << "node" << s.server.index << " " << s.server.RootUri().Display() << " pid "
                << s.server.pid << " " << (s.running ? "running" : "stopped") << "\n";
    }
    return kExitOk;
  };
}

}  // namespace binsync
