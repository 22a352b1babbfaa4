// Throwaway MariaDB servers on loopback, for `binsync sandbox`, `binsync demo` and the
// integration tests (tests/testing/sandbox_fixture.h uses exactly this code).
//
// Layout under the sandbox directory D:
//   D/sandbox.json          servers started by `up`: index, port, pid (read by down/status)
//   D/repl.password         the replication user's password (mode 0600)
//   D/nodeI/my.cnf          the server's whole configuration (--defaults-file)
//   D/nodeI/data/           datadir, binlogs (mariadb-bin.NNNNNN) and relay logs
//   D/nodeI/mariadbd.sock   socket, D/nodeI/mariadbd.log error log
// Server I (1-based) listens on 127.0.0.1:(base_port + I - 1) with server_id = I,
// gtid_domain_id = I, auto_increment_increment = N, auto_increment_offset = I, ROW
// binlogs with full images and metadata, log_slave_updates: the master-master setup of
// the reference procedure. `up` on an existing directory restarts the same datadirs.
#ifndef BINSYNC_NET_OPS_SANDBOX_H_
#define BINSYNC_NET_OPS_SANDBOX_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/mysql/server_uri.h"

namespace binsync {

inline constexpr uint16_t kSandboxDefaultBasePort = 13306;
inline constexpr const char* kSandboxReplUser = "repl";

struct SandboxOptions {
  std::filesystem::path dir;
  uint16_t base_port = kSandboxDefaultBasePort;
  int servers = 2;
  std::string buffer_pool_size = "256M";
  // Extra server options, "name=value" or "name", appended to each my.cnf.
  std::vector<std::string> mysqld_options;
  // Test harness: servers get SIGTERM if the process that started them dies.
  bool die_with_parent = false;
  std::chrono::seconds start_timeout{120};
};

struct SandboxServer {
  int index = 0;  // 1-based
  uint16_t port = 0;
  pid_t pid = 0;
  std::filesystem::path node_dir;
  [[nodiscard]] ServerUri RootUri() const;  // mysql://root@127.0.0.1:port, no password
  [[nodiscard]] std::filesystem::path socket() const { return node_dir / "mariadbd.sock"; }
  [[nodiscard]] std::filesystem::path log() const { return node_dir / "mariadbd.log"; }
};

struct SandboxServerState {
  SandboxServer server;
  bool running = false;
};

// Initialises missing datadirs, starts every server, waits until each accepts
// connections and has its users. Fails if a server of D is already running.
[[nodiscard]] absl::StatusOr<std::vector<SandboxServer>> SandboxUp(const SandboxOptions& options);

// Stops exactly the processes `up` started (pid checked against the command line),
// SIGTERM first and waits until each has exited so InnoDB can restart on its datadir;
// SIGKILL after `timeout`. Stopping an already-stopped sandbox succeeds.
[[nodiscard]] absl::Status SandboxDown(const std::filesystem::path& dir,
                                       std::chrono::seconds timeout = std::chrono::seconds(120));

[[nodiscard]] absl::StatusOr<std::vector<SandboxServerState>> SandboxStatus(
    const std::filesystem::path& dir);

// Stops and starts one server of a running sandbox (for tests: a master down for a while).
[[nodiscard]] absl::Status SandboxStopServer(const std::filesystem::path& dir, int index,
                                             std::chrono::seconds timeout = std::chrono::seconds(120));

// `count` consecutive free TCP ports on 127.0.0.1, searched from `from`.
[[nodiscard]] absl::StatusOr<uint16_t> FindFreePorts(int count, uint16_t from);

}  // namespace binsync

#endif  // BINSYNC_NET_OPS_SANDBOX_H_
