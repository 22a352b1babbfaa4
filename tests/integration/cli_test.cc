// The CLI contract of DESIGN.md, run against the built binary.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>

#include "core/util/subprocess.h"
#include "gtest/gtest.h"
#include "net/mysql/connection.h"
#include "net/mysql/server_uri.h"
#include "nlohmann/json.hpp"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

using testing::RunBinsync;

const std::vector<std::string> kSubcommands = {"status",   "dump",     "replicate", "verify",
                                               "resync",   "lagbench", "sandbox",   "demo"};

TEST(CliTest, HelpListsAllEightSubcommands) {
  auto r = RunBinsync({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const std::string& sub : kSubcommands) {
    EXPECT_NE(r.out.find("\n  " + sub + " "), std::string::npos) << sub << "\n" << r.out;
    auto h = RunBinsync({sub, "--help"});
    EXPECT_EQ(h.exit_code, 0) << sub;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << sub;
  }
}

TEST(CliTest, Version) {
  auto r = RunBinsync({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("binsync ", 0), 0U) << r.out;
  // The CMake project version and the commit (git describe at configure time, or unknown).
  EXPECT_TRUE(std::regex_match(
      r.out, std::regex(R"(binsync [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9A-Za-z.-]+\)\n)")))
      << r.out;
}

TEST(CliTest, UsageErrorsExit2WithUsage) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"status"}, {"status", "--bogus", "mysql://u@h"},
           {"sandbox", "sideways", "--dir", "/tmp/x"}, {"status", "--format", "xml", "mysql://u@h"}}) {
    auto r = RunBinsync(args);
    EXPECT_EQ(r.exit_code, 2) << (args.empty() ? "" : args[0]);
    EXPECT_NE(r.err.find("Usage"), std::string::npos) << r.err;
  }
}

TEST(CliTest, UnreachableServerFailsFastNamingIt) {
  const auto start = std::chrono::steady_clock::now();
  auto r = RunBinsync({"status", "mysql://root:TopS3cret@127.0.0.1:1"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check that the server runs"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("TopS3cret"), std::string::npos) << r.err;
  // One line.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CliTest, BadUriNamesTheProblemNotThePassword) {
  auto r = RunBinsync({"status", "mysql://root:TopS3cret@127.0.0.1:notaport"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad port"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("TopS3cret"), std::string::npos) << r.err;
}

TEST(CliTest, JsonLogFormatIsOneObjectPerLine) {
  auto r = RunBinsync({"--log-format", "json", "status", "mysql://root@127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2);
  std::istringstream lines(r.err);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["level"], "error");
    EXPECT_NE(j["msg"].get<std::string>().find("127.0.0.1:1"), std::string::npos);
    EXPECT_TRUE(j.contains("ts"));
    ++n;
  }
  EXPECT_EQ(n, 1);
}

// lagbench's option errors name the option and what is expected, exit 2, touch no server.
TEST(CliTest, LagbenchOptionErrorsSayWhatIsExpected) {
  auto r = RunBinsync({"lagbench", "--a", "mysql://u@127.0.0.1:1", "--b", "mysql://u@127.0.0.1:2",
                       "--slo", "p99<5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--slo p99<5: expected"), std::string::npos) << r.err;
  r = RunBinsync({"lagbench", "--a", "mysql://u@127.0.0.1:1", "--b", "mysql://u@127.0.0.1:2",
                  "--sweep", "800:100:3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--sweep 800:100:3: expected FROM:TO:STEPS"), std::string::npos) << r.err;
}

// Parses "nodeI mysql://root@127.0.0.1:P pid N" lines.
std::vector<std::pair<ServerUri, pid_t>> ParseUp(const std::string& out) {
  std::vector<std::pair<ServerUri, pid_t>> servers;
  std::istringstream in(out);
  std::string node;
  std::string uri;
  std::string pid_word;
  pid_t pid = 0;
  while (in >> node >> uri >> pid_word >> pid) {
    auto u = ParseServerUri(uri);
    EXPECT_TRUE(u.ok()) << uri;
    if (u.ok()) servers.emplace_back(*u, pid);
  }
  return servers;
}

TEST(CliTest, SandboxUpDownUpAgain) {
  const auto dir = testing::MakeTempDir("bsc");
  auto port = FindFreePorts(2, 25000);
  ASSERT_TRUE(port.ok());
  const std::vector<std::string> up = {"sandbox", "up", "--dir", dir.string(), "--base-port",
                                       std::to_string(*port), "--buffer-pool", "64M"};
  for (int round = 0; round < 2; ++round) {
    auto r = RunBinsync(up);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto servers = ParseUp(r.out);
    ASSERT_EQ(servers.size(), 2U) << r.out;
    for (const auto& [uri, pid] : servers) {
      ConnectOptions co;
      co.uri = uri;
      auto conn = Connection::Open(co);
      EXPECT_TRUE(conn.ok()) << conn.status();
      EXPECT_TRUE(ProcessAlive(pid));
    }
    auto status = RunBinsync({"sandbox", "status", "--dir", dir.string()});
    EXPECT_EQ(status.exit_code, 0);
    EXPECT_EQ(std::count(status.out.begin(), status.out.end(), '\n'), 2);
    EXPECT_EQ(status.out.find("stopped"), std::string::npos) << status.out;

    auto down = RunBinsync({"sandbox", "down", "--dir", dir.string()});
    EXPECT_EQ(down.exit_code, 0) << down.err;
    for (const auto& [uri, pid] : servers) {
      EXPECT_FALSE(ProcessAlive(pid)) << "pid " << pid << " left after down";
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace binsync

namespace binsync {
namespace {

// The README's main command, on a small data set: it must run end to end, break the
// pair with a real 1062 and leave no server behind.
TEST(CliTest, DemoRunsEndToEnd) {
  auto r = testing::RunBinsync({"demo", "--rows", "20000"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("SQL thread stopped, error 1062"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sql_thread_error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("demo finished"), std::string::npos) << r.out;
  // The resync step repairs it: the conflicting row by key, identical, and both times shown.
  EXPECT_NE(r.out.find("demo.sbtest1 (id=99999999): insert met a different row"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("final: identical"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("native replication running both ways"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vs   mariadb-dump + reload"), std::string::npos) << r.out;
}

// A demo step that fails (here the sandbox cannot bind its port) keeps its temporary
// directory, with the server log, and the error names it. (Before: it was deleted.)
TEST(CliTest, DemoFailureKeepsItsDirectoryAndSaysWhere) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  auto r = testing::RunBinsync({"demo", "--rows", "10", "--base-port", port});
  close(fd);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const std::string marker = "is kept: ";
  const size_t at = r.err.find(marker);
  ASSERT_NE(at, std::string::npos) << r.err;
  const size_t end = r.err.find(';', at);
  ASSERT_NE(end, std::string::npos) << r.err;
  const std::filesystem::path dir = r.err.substr(at + marker.size(), end - at - marker.size());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "node1")) << dir;
  bool has_log = false;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    has_log = has_log || e.path().filename().string().find(".err") != std::string::npos ||
              e.path().filename().string().find("log") != std::string::npos;
  }
  EXPECT_TRUE(has_log) << dir;
  std::filesystem::remove_all(dir);
}

// --server-id 0 registers a replica that is sent nothing (live mode then exited 0 having
// applied nothing): refused before any server is contacted, one line, exit 2.
TEST(CliTest, ServerIdZeroIsRefused) {
  const std::vector<std::vector<std::string>> runs = {
      {"replicate", "--source", "mysql://root@127.0.0.1:1", "--target",
       "mysql://root@127.0.0.1:2", "--server-id", "0"},
      {"resync", "--from", "mysql://root@127.0.0.1:1", "--to", "mysql://root@127.0.0.1:2",
       "--server-id", "0"},
      {"dump", "--source", "mysql://root@127.0.0.1:1", "--server-id", "0"}};
  for (const auto& args : runs) {
    auto r = testing::RunBinsync(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("--server-id 0"), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("1..4294967295"), std::string::npos) << args[0] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// Replicate and resync refuse bad input with one line naming the server, exit 2.
TEST(CliTest, ReplicateAndResyncUnreachableServer) {
  for (const char* sub : {"replicate", "resync"}) {
    std::vector<std::string> args = {sub};
    if (std::string(sub) == "replicate") {
      args.insert(args.end(), {"--source", "mysql://root@127.0.0.1:1", "--target",
                               "mysql://root@127.0.0.1:2", "--until-caught-up"});
    } else {
      args.insert(args.end(), {"--from", "mysql://root@127.0.0.1:1", "--to",
                               "mysql://root@127.0.0.1:2"});
    }
    auto r = testing::RunBinsync(args);
    EXPECT_EQ(r.exit_code, 2) << sub;
    EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << sub << ": " << r.err;
  }
}

}  // namespace
}  // namespace binsync
