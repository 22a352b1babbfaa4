#include "net/ops/sandbox.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

#include "core/util/clock.h"
#include "core/util/strings.h"
#include "core/util/status_macros.h"
#include "core/util/subprocess.h"
#include "net/mysql/connection.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace binsync {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStateFile = "sandbox.json";

fs::path NodeDir(const fs::path& dir, int index) { return dir / StrCat("node", index); }

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

absl::Status WriteFile(const fs::path& p, std::string_view content, fs::perms perms) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return absl::InternalError(StrCat(p.string(), ": cannot write"));
  }
  std::error_code ec;
  fs::permissions(p, perms, ec);
  return absl::OkStatus();
}

// The last `n` lines of a server's error log, for start-up failures.
std::string LogTail(const fs::path& log, size_t n) {
  const std::string text = ReadFile(log);
  std::vector<std::string_view> lines;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    if (!line.empty()) lines.push_back(line);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  const size_t from = lines.size() > n ? lines.size() - n : 0;
  std::string out;
  for (size_t i = from; i < lines.size(); ++i) StrAppend(&out, "\n  ", lines[i]);
  return out;
}

std::string CurrentUser() {
  const passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

std::string MyCnf(const SandboxOptions& o, int index, uint16_t port) {
  const fs::path node = NodeDir(o.dir, index);
  std::string cnf = StrCat(
      "# Written by binsync sandbox; the server reads only this file.\n"
      "[mariadbd]\n"
      "user=", CurrentUser(), "\n",
      "datadir=", (node / "data").string(), "\n",
      "socket=", (node / "mariadbd.sock").string(), "\n",
      "pid-file=", (node / "mariadbd.pid").string(), "\n",
      "log-error=", (node / "mariadbd.log").string(), "\n",
      // Its own temporary directory: a starting server deletes every #sql* file in its
      // tmpdir as its own leftovers, so servers sharing /tmp delete each other's temporary
      // tables (seen as install-db failing and servers crashing when several start at once).
      "tmpdir=", (node / "tmp").string(), "\n",
      "port=", port, "\n",
      "bind-address=127.0.0.1\n"
      "skip-name-resolve\n"
      "server_id=", index, "\n",
      "gtid_domain_id=", index, "\n",
      "log_bin=mariadb-bin\n"
      "relay_log=relay-bin\n"
      "binlog_format=ROW\n"
      "binlog_row_image=FULL\n"
      "binlog_row_metadata=FULL\n"
      "log_slave_updates=ON\n"
      "sync_binlog=1\n"
      "innodb_flush_log_at_trx_commit=1\n"
      "auto_increment_increment=", o.servers, "\n",
      "auto_increment_offset=", index, "\n",
      "innodb_buffer_pool_size=", o.buffer_pool_size, "\n",
      "character_set_server=utf8mb4\n"
      "collation_server=utf8mb4_general_ci\n"
      "max_connections=300\n"
      "skip_slave_start\n"
      "performance_schema=OFF\n");
  for (const std::string& opt : o.mysqld_options) StrAppend(&cnf, opt, "\n");
  return cnf;
}

struct StateEntry {
  int index = 0;
  uint16_t port = 0;
  pid_t pid = 0;
};

absl::StatusOr<std::vector<StateEntry>> ReadState(const fs::path& dir) {
  const fs::path file = dir / kStateFile;
  if (!fs::exists(file)) return std::vector<StateEntry>{};
  try {
    const auto j = nlohmann::json::parse(ReadFile(file));
    std::vector<StateEntry> out;
    for (const auto& s : j.at("servers")) {
      out.push_back(StateEntry{s.at("index").get<int>(), s.at("port").get<uint16_t>(),
                               s.at("pid").get<pid_t>()});
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(StrCat(file.string(), ": unreadable (", e.what(),
                                            "); stop any server left there by its pid"));
  }
}

absl::Status WriteState(const fs::path& dir, const std::vector<StateEntry>& entries) {
  nlohmann::json j;
  j["servers"] = nlohmann::json::array();
  for (const StateEntry& e : entries) {
    j["servers"].push_back({{"index", e.index}, {"port", e.port}, {"pid", e.pid}});
  }
  return WriteFile(dir / kStateFile, j.dump(2) + "\n", fs::perms::owner_read | fs::perms::owner_write);
}

// True when `pid` is alive and is the mariadbd of this node (not a recycled pid).
bool IsOurServer(pid_t pid, const fs::path& node_dir) {
  if (!ProcessAlive(pid)) return false;
  std::string cmdline = ReadFile(StrCat("/proc/", pid, "/cmdline"));
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  return ContainsIgnoreCase(cmdline, "mariadbd") &&
         ContainsIgnoreCase(cmdline, (node_dir / "my.cnf").string());
}

// Waits until `pid` has exited; SIGKILL after `timeout`. The caller has checked that the
// pid is ours and sent SIGTERM: identity is not checked again here, because an exiting
// process loses its /proc cmdline before it is gone.
void WaitForExit(pid_t pid, const fs::path& node_dir, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (ProcessAlive(pid)) {
    if (Clock::now() > deadline) {
      spdlog::warn("sandbox: mariadbd pid {} ({}) did not stop in {} s; killing it", pid,
                   node_dir.string(), timeout.count());
      kill(pid, SIGKILL);
      while (ProcessAlive(pid)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::Status StopPid(pid_t pid, const fs::path& node_dir, std::chrono::seconds timeout) {
  if (!IsOurServer(pid, node_dir)) return absl::OkStatus();
  kill(pid, SIGTERM);
  WaitForExit(pid, node_dir, timeout);
  return absl::OkStatus();
}

absl::Status InitDatadir(const SandboxOptions& o, int index) {
  const fs::path node = NodeDir(o.dir, index);
  SubprocessOptions so;
  so.timeout = std::chrono::minutes(3);
  auto r = RunSubprocess({"mariadb-install-db", StrCat("--defaults-file=", (node / "my.cnf").string()),
                          "--auth-root-authentication-method=normal", "--skip-test-db"},
                         so);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    const std::string out = r->out + r->err;
    return absl::InternalError(StrCat("sandbox node", index, " (127.0.0.1:", o.base_port + index - 1,
                                      "): mariadb-install-db failed (exit ", r->exit_code, "): ",
                                      out.substr(0, 600), " ... its server log ",
                                      (node / "mariadbd.log").string(), " ends: ",
                                      LogTail(node / "mariadbd.log", 20)));
  }
  return absl::OkStatus();
}

// Users every sandbox server has; not binlogged, so GTID positions start empty.
absl::Status Bootstrap(Connection& conn, std::string_view repl_password) {
  return conn.Execute(StrCat(
      "SET sql_log_bin=0;"
      "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';"
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
      "CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY ", conn.QuoteLiteral(repl_password), ";"
      "GRANT REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR, SLAVE MONITOR ON *.* TO "
      "'repl'@'127.0.0.1';"
      "FLUSH PRIVILEGES"));
}

std::string NewPassword() {
  static constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::random_device rd;
  std::string p;
  for (int i = 0; i < 20; ++i) p += kAlphabet[rd() % (sizeof(kAlphabet) - 1)];
  return p;
}

absl::StatusOr<Connection> WaitForServer(const SandboxServer& s, pid_t pid,
                                         std::chrono::seconds timeout) {
  ConnectOptions co;
  co.uri.user = "root";
  co.unix_socket = s.socket().string();
  co.connect_timeout = std::chrono::seconds(2);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (fs::exists(s.socket())) {
      auto conn = Connection::Open(co);
      if (conn.ok()) return conn;
    }
    if (!ProcessAlive(pid)) {
      return absl::InternalError(StrCat("sandbox node", s.index, " (127.0.0.1:", s.port,
                                              "): mariadbd exited during start-up; its log says:",
                                              LogTail(s.log(), 8)));
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(StrCat(
          "sandbox node", s.index, " (127.0.0.1:", s.port, "): not accepting connections after ",
          timeout.count(), " s; see ", s.log().string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

ServerUri SandboxServer::RootUri() const {
  ServerUri u;
  u.user = "root";
  u.host = "127.0.0.1";
  u.port = port;
  u.password = "";
  return u;
}

absl::StatusOr<uint16_t> FindFreePorts(int count, uint16_t from) {
  for (uint32_t base = from; base + static_cast<uint32_t>(count) < 65535; base += static_cast<uint32_t>(count)) {
    bool all_free = true;
    for (int i = 0; i < count && all_free; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const int one = 1;  // as mariadbd does: a port in TIME_WAIT is free for it
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(base + static_cast<uint32_t>(i)));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      all_free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      close(fd);
    }
    if (all_free) return static_cast<uint16_t>(base);
  }
  return absl::ResourceExhaustedError(StrCat("no ", count, " consecutive free ports above ", from));
}

absl::StatusOr<std::vector<SandboxServer>> SandboxUp(const SandboxOptions& o) {
  if (o.servers < 1 || o.servers > 9) {
    return absl::InvalidArgumentError("sandbox: --servers must be between 1 and 9");
  }
  if (o.base_port == 0 || static_cast<int>(o.base_port) + o.servers > 65535) {
    return absl::InvalidArgumentError("sandbox: --base-port out of range");
  }
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) return absl::InternalError(StrCat(o.dir.string(), ": cannot create: ", ec.message()));
  const fs::path dir = fs::absolute(o.dir);
  SandboxOptions opts = o;
  opts.dir = dir;
  // sun_path holds 108 bytes.
  if ((NodeDir(dir, 9) / "mariadbd.sock").string().size() >= 100) {
    return absl::InvalidArgumentError(
        StrCat(dir.string(), ": path too long for a Unix socket; use a shorter --dir"));
  }

  ASSIGN_OR_RETURN(std::vector<StateEntry> state, ReadState(dir));
  const fs::path password_file = dir / "repl.password";
  std::string repl_password = ReadFile(password_file);
  if (repl_password.empty()) {
    repl_password = NewPassword();
    RETURN_IF_ERROR(WriteFile(password_file, repl_password, fs::perms::owner_read | fs::perms::owner_write));
  }

  std::vector<SandboxServer> servers;
  std::vector<StateEntry> new_state;
  std::vector<pid_t> started;
  auto fail = [&](absl::Status st) {
    for (pid_t pid : started) kill(pid, SIGTERM);
    for (pid_t pid : started) {
      while (ProcessAlive(pid)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return st;
  };
  for (int i = 1; i <= o.servers; ++i) {
    SandboxServer s;
    s.index = i;
    s.port = static_cast<uint16_t>(o.base_port + i - 1);
    s.node_dir = NodeDir(dir, i);
    // A server of this node already running: keep it (up is idempotent).
    bool running = false;
    for (const StateEntry& e : state) {
      if (e.index == i && IsOurServer(e.pid, s.node_dir)) {
        s.pid = e.pid;
        s.port = e.port;
        running = true;
      }
    }
    if (!running) {
      fs::create_directories(s.node_dir / "tmp", ec);
      RETURN_IF_ERROR(WriteFile(s.node_dir / "my.cnf", MyCnf(opts, i, s.port),
                                fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
      const bool fresh = !fs::exists(s.node_dir / "data" / "mysql");
      if (fresh) {
        spdlog::info("sandbox: initialising node{} datadir {}", i, (s.node_dir / "data").string());
        if (auto st = InitDatadir(opts, i); !st.ok()) return fail(st);
      }
      fs::remove(s.socket(), ec);
      DaemonOptions daemon;
      daemon.log_file = s.log().string();
      daemon.die_with_parent = o.die_with_parent;
      auto pid = SpawnDaemon({"mariadbd", StrCat("--defaults-file=", (s.node_dir / "my.cnf").string())},
                             daemon);
      if (!pid.ok()) return fail(pid.status());
      s.pid = *pid;
      started.push_back(s.pid);
      auto conn = WaitForServer(s, s.pid, o.start_timeout);
      if (!conn.ok()) return fail(conn.status());
      if (auto st = Bootstrap(*conn, repl_password); !st.ok()) return fail(st);
      spdlog::info("sandbox: node{} up at 127.0.0.1:{} (pid {})", i, s.port, s.pid);
    }
    new_state.push_back(StateEntry{i, s.port, s.pid});
    servers.push_back(std::move(s));
  }
  if (auto st = WriteState(dir, new_state); !st.ok()) return fail(st);
  return servers;
}

absl::Status SandboxStopServer(const fs::path& dir, int index, std::chrono::seconds timeout) {
  ASSIGN_OR_RETURN(const std::vector<StateEntry> state, ReadState(dir));
  for (const StateEntry& e : state) {
    if (e.index == index) return StopPid(e.pid, NodeDir(fs::absolute(dir), e.index), timeout);
  }
  return absl::NotFoundError(StrCat(dir.string(), ": no sandbox server ", index));
}

absl::Status SandboxDown(const fs::path& dir, std::chrono::seconds timeout) {
  ASSIGN_OR_RETURN(const std::vector<StateEntry> state, ReadState(dir));
  const fs::path abs = fs::absolute(dir);
  // SIGTERM all first so the servers shut down in parallel, then wait for each.
  std::vector<const StateEntry*> signaled;
  for (const StateEntry& e : state) {
    if (IsOurServer(e.pid, NodeDir(abs, e.index))) {
      kill(e.pid, SIGTERM);
      signaled.push_back(&e);
    }
  }
  for (const StateEntry* e : signaled) {
    WaitForExit(e->pid, NodeDir(abs, e->index), timeout);
    spdlog::info("sandbox: node{} (pid {}) stopped", e->index, e->pid);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SandboxServerState>> SandboxStatus(const fs::path& dir) {
  ASSIGN_OR_RETURN(const std::vector<StateEntry> state, ReadState(dir));
  const fs::path abs = fs::absolute(dir);
  std::vector<SandboxServerState> out;
  for (const StateEntry& e : state) {
    SandboxServerState s;
    s.server.index = e.index;
    s.server.port = e.port;
    s.server.pid = e.pid;
    s.server.node_dir = NodeDir(abs, e.index);
    s.running = IsOurServer(e.pid, s.server.node_dir);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace binsync
