#include "tests/testing/sandbox_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>

#include "net/mysql/native_replication.h"
#include "core/util/strings.h"

namespace binsync::testing {

std::filesystem::path MakeTempDir(const std::string& prefix) {
  // Short paths: Unix socket paths must stay under 108 bytes.
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    return {};
  }
  return tmpl;
}

SubprocessResult RunBinsync(const std::vector<std::string>& args,
                            const std::vector<std::string>& extra_env) {
  std::vector<std::string> argv = {BINSYNC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  SubprocessOptions o;
  o.extra_env = extra_env;
  o.timeout = std::chrono::minutes(5);
  auto r = RunSubprocess(argv, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : SubprocessResult{};
}

SandboxServers::SandboxServers(int n, std::vector<std::string> mysqld_options) {
  dir_ = MakeTempDir("bst");
  // Spread suites over the port range so parallel ctest runs do not collide.
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  const auto from = static_cast<uint16_t>(20000 + (rng() % 2000) * 10);
  auto port = FindFreePorts(n, from);
  if (!port.ok()) {
    ADD_FAILURE() << port.status();
    return;
  }
  SandboxOptions o;
  o.dir = dir_;
  o.base_port = *port;
  o.servers = n;
  o.buffer_pool_size = "64M";
  o.mysqld_options = std::move(mysqld_options);
  o.die_with_parent = true;
  options_ = o;
  auto servers = SandboxUp(o);
  if (!servers.ok()) {
    ADD_FAILURE() << "sandbox servers did not start: " << servers.status();
    return;
  }
  servers_ = *std::move(servers);
}

void SandboxServers::Stop(int index) {
  const absl::Status st = SandboxStopServer(dir_, index);
  EXPECT_TRUE(st.ok()) << st;
}

void SandboxServers::StartStopped() {
  auto servers = SandboxUp(options_);  // idempotent: running servers are kept
  if (!servers.ok()) {
    ADD_FAILURE() << "sandbox servers did not restart: " << servers.status();
    return;
  }
  servers_ = *std::move(servers);
}

namespace {
// After a failure, a server that crashed or refused something says why in its error log,
// which the destructor is about to delete: print the end of every log that reports an
// error, so a CI failure names the server's own cause (a crash under load, a refused start).
void PrintServerLogsOnFailure(const std::vector<SandboxServer>& servers) {
  if (!::testing::Test::HasFailure()) return;
  for (const SandboxServer& server : servers) {
    std::ifstream in(server.log());
    std::vector<std::string> lines;
    bool worth = false;
    for (std::string line; std::getline(in, line);) {
      worth |= line.find("[ERROR]") != std::string::npos ||
               line.find("got signal") != std::string::npos;
      lines.push_back(std::move(line));
    }
    if (!worth) continue;
    const size_t from = lines.size() > 60 ? lines.size() - 60 : 0;
    std::fprintf(stderr, "--- last lines of %s ---\n", server.log().c_str());
    for (size_t i = from; i < lines.size(); ++i) std::fprintf(stderr, "%s\n", lines[i].c_str());
  }
}
}  // namespace

SandboxServers::~SandboxServers() {
  PrintServerLogsOnFailure(servers_);
  if (!dir_.empty()) {
    const absl::Status st = SandboxDown(dir_);
    EXPECT_TRUE(st.ok()) << st;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string SandboxServers::repl_password() const {
  std::ifstream in(dir_ / "repl.password");
  std::string p;
  std::getline(in, p);
  return p;
}

Connection SandboxServers::Connect(int index) const {
  ConnectOptions co;
  co.uri = server(index).RootUri();
  auto conn = Connection::Open(co);
  if (!conn.ok()) {
    ADD_FAILURE() << conn.status();
    std::abort();  // a sandbox server that refuses root is a broken harness
  }
  return *std::move(conn);
}

std::string SandboxServers::Uri(int index) const {
  return "mysql://root@127.0.0.1:" + std::to_string(server(index).port);
}

void SandboxServers::Exec(int index, const std::string& sql) const {
  Connection c = Connect(index);
  absl::Status st = c.Execute(sql);
  EXPECT_TRUE(st.ok()) << st << "\n" << sql.substr(0, 300);
}

std::string SandboxServers::Value(int index, const std::string& sql) const {
  Connection c = Connect(index);
  auto v = c.QueryValue(sql);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? v->value_or("NULL") : "";
}

ServerUri SandboxServers::ReplUri(int index) const {
  ServerUri u = server(index).RootUri();
  u.user = kSandboxReplUser;
  u.password = repl_password();
  return u;
}

std::unique_ptr<SandboxServers> SandboxPairTest::pair_;

void SandboxPairTest::SetUpTestSuite() {
  pair_ = std::make_unique<SandboxServers>(2);
  ASSERT_EQ(pair_->servers().size(), 2U) << "sandbox pair did not start";
}

void StartMasterMaster(const SandboxServers& servers) {
  Connection a = servers.Connect(1);
  Connection b = servers.Connect(2);
  for (auto [replica, source, index] : {std::tuple{&a, &b, 2}, std::tuple{&b, &a, 1}}) {
    auto pos = source->QueryValue("SELECT @@gtid_binlog_pos");
    ASSERT_TRUE(pos.ok()) << pos.status();
    ASSERT_TRUE(replica->Execute("STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = " +
                                 replica->QuoteLiteral(pos->value_or(""))).ok());
    const absl::Status st = StartNativeReplication(*replica, servers.ReplUri(index));
    ASSERT_TRUE(st.ok()) << st;
  }
  for (Connection* c : {&a, &b}) {
    const absl::Status st = WaitReplicationRunning(*c, std::chrono::seconds(30));
    ASSERT_TRUE(st.ok()) << st;
  }
}

void SandboxPairTest::TearDownTestSuite() { pair_.reset(); }


Background::Background(const std::vector<std::string>& args, const std::string& log_path)
    : log(log_path) {
  std::vector<std::string> argv = {BINSYNC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  EXPECT_EQ(posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
}

Background::~Background() {
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
}

int Background::Stop(int sig, std::chrono::seconds limit) {
  kill(pid, sig);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "binsync did not exit within " << limit.count() << " s";
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> Background::Exited() {
  int status = 0;
  if (pid <= 0 || waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Background::Log() const {
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

std::string DatabaseChecksums(const SandboxServers& s, int i, const std::string& db) {
  Connection c = s.Connect(i);
  auto tables = c.Query(StrCat("SELECT TABLE_NAME FROM information_schema.TABLES WHERE ",
                               "TABLE_SCHEMA=", c.QuoteLiteral(db), " ORDER BY TABLE_NAME"));
  EXPECT_TRUE(tables.ok()) << tables.status();
  if (!tables.ok()) return "";
  std::string out;
  for (const auto& row : tables->rows()) {
    const std::string name = StrCat(QuoteIdentifier(db), ".", QuoteIdentifier(row[0].value_or("")));
    auto sum = c.Query(StrCat("CHECKSUM TABLE ", name));
    EXPECT_TRUE(sum.ok()) << sum.status();
    auto count = c.QueryValue(StrCat("SELECT COUNT(*) FROM ", name));
    StrAppend(&out, row[0].value_or(""), "=",
              sum.ok() ? sum->rows()[0][1].value_or("NULL") : "?", " (",
              count.ok() ? count->value_or("?") : "?", " rows) ");
  }
  return out;
}

SubprocessResult CatchUp(const SandboxServers& s, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"replicate", "--source", s.Uri(1), "--target", s.Uri(2),
                                   "--until-caught-up"};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunBinsync(args);
}

}  // namespace binsync::testing
