// Integration-test harness: real MariaDB servers, started with the same code as
// `binsync sandbox up`, each test suite with its own datadirs and loopback ports.
// Servers are stopped (by pid, waiting for exit) when the fixture goes away, also
// when a test fails; if the test process crashes they get SIGTERM from the kernel
// (PR_SET_PDEATHSIG). A server that cannot start fails the test: nothing skips.
#ifndef BINSYNC_TESTS_TESTING_SANDBOX_FIXTURE_H_
#define BINSYNC_TESTS_TESTING_SANDBOX_FIXTURE_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/util/subprocess.h"
#include "gtest/gtest.h"
#include "net/mysql/connection.h"
#include "net/ops/sandbox.h"

namespace binsync::testing {

class SandboxServers {
 public:
  // Starts `n` servers; aborts the test (fatal failure) when they do not come up.
  explicit SandboxServers(int n = 2, std::vector<std::string> mysqld_options = {});
  ~SandboxServers();
  SandboxServers(const SandboxServers&) = delete;
  SandboxServers& operator=(const SandboxServers&) = delete;

  [[nodiscard]] const std::vector<SandboxServer>& servers() const { return servers_; }
  [[nodiscard]] const SandboxServer& server(int index) const { return servers_.at(static_cast<size_t>(index - 1)); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::string repl_password() const;
  // A root connection to server `index` (1-based); fails the test on error.
  [[nodiscard]] Connection Connect(int index) const;
  // "mysql://root@127.0.0.1:PORT" of server `index`, for binsync's command line.
  [[nodiscard]] std::string Uri(int index) const;
  // Runs `sql` (';'-separated statements allowed) on server `index` as root; a failure
  // fails the test, naming the statement.
  void Exec(int index, const std::string& sql) const;
  // The one value of a one-row query ("NULL" for NULL; "" and a test failure on error).
  [[nodiscard]] std::string Value(int index, const std::string& sql) const;
  // Stops server `index` (SIGTERM, waits for exit) / starts every stopped server again on
  // its datadir and port. Failures fail the test.
  void Stop(int index);
  void StartStopped();
  // mysql://repl@127.0.0.1:port with the password, as a replica of `index` would use it.
  [[nodiscard]] ServerUri ReplUri(int index) const;

 private:
  std::filesystem::path dir_;
  SandboxOptions options_;
  std::vector<SandboxServer> servers_;
};

// Native master-master between servers 1 and 2 of `servers` (each replicating what the
// other writes from now on: both hold the same data), channels reset first; waits until
// both run. Failures are fatal to the test (ASSERT_NO_FATAL_FAILURE).
void StartMasterMaster(const SandboxServers& servers);

// A test suite sharing one pair of servers.
class SandboxPairTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static SandboxServers& pair() { return *pair_; }

 private:
  static std::unique_ptr<SandboxServers> pair_;
};

// Runs the built binsync binary with `args` (and extra "NAME=value" environment).
[[nodiscard]] SubprocessResult RunBinsync(const std::vector<std::string>& args,
                                          const std::vector<std::string>& extra_env = {});

// A binsync running in the background, stdout and stderr to `log_path` (signals, kill -9,
// interrupted runs). Killed with SIGKILL on destruction if still running.
struct Background {
  pid_t pid = -1;
  std::string log;
  Background(const std::vector<std::string>& args, const std::string& log_path);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  // Sends `sig` and returns the exit code (128+sig if killed), waiting up to `limit`.
  int Stop(int sig, std::chrono::seconds limit = std::chrono::seconds(20));
  // The exit code (128+sig if killed) once it has exited by itself, else nullopt; no wait.
  [[nodiscard]] std::optional<int> Exited();
  [[nodiscard]] std::string Log() const;
};

// CHECKSUM TABLE and row count of every table of `db` on server `index`, as one string
// (equal strings: equal tables). Failures fail the test.
[[nodiscard]] std::string DatabaseChecksums(const SandboxServers& s, int index, const std::string& db);

// A free loopback port (bound to 0, read, closed; the caller binds it a moment later).
[[nodiscard]] uint16_t FreeLoopbackPort();

// Creates a fresh temporary directory (removed by the caller).
[[nodiscard]] std::filesystem::path MakeTempDir(const std::string& prefix);

// `binsync replicate` from server 1 to server 2 until caught up, with `extra` options.
[[nodiscard]] SubprocessResult CatchUp(const SandboxServers& s,
                                       const std::vector<std::string>& extra = {});

// Whether `text` holds `part`.
[[nodiscard]] inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace binsync::testing

#endif  // BINSYNC_TESTS_TESTING_SANDBOX_FIXTURE_H_
