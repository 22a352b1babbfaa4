// Option files on real servers: `--defaults-file` gives user and password, each precedence
// rule of docs/configuration.md, per-role groups, and `replicate --config`; the password
// appears in no argv and no line binsync prints.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

namespace fs = std::filesystem;
using testing::RunBinsync;

constexpr const char* kUser = "optu";
constexpr const char* kPassword = "Opt1on-Pw9";

class OptionFilesTest : public testing::SandboxPairTest {
 protected:
  static void SetUpTestSuite() {
    SandboxPairTest::SetUpTestSuite();
    for (int i : {1, 2}) {
      pair().Exec(i, std::string("SET sql_log_bin=0; CREATE USER IF NOT EXISTS '") + kUser +
                         "'@'127.0.0.1' IDENTIFIED BY '" + kPassword + "'; GRANT ALL ON *.* TO '" +
                         kUser + "'@'127.0.0.1'; SET sql_log_bin=1");
    }
  }

  void SetUp() override {
    dir_ = testing::MakeTempDir("optf");
    home_ = "HOME=" + dir_.string();  // never the real ~/.my.cnf
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::string Port(int i) const { return std::to_string(pair().server(i).port); }
  std::string HostOnly(int i) const { return "mysql://127.0.0.1:" + Port(i); }
  // status with `args`, HOME in the scratch directory; the password never printed.
  SubprocessResult Status(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), "status");
    env.push_back(home_);
    SubprocessResult r = RunBinsync(args, env);
    EXPECT_EQ(r.out.find(kPassword), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
    return r;
  }

  fs::path dir_;
  std::string home_;
};

const std::string kGood = std::string("user=") + kUser + "\npassword=" + kPassword + "\n";

TEST_F(OptionFilesTest, DefaultsFileGivesUserAndPassword) {
  const std::string file = Write("my.cnf", "[client]\n" + kGood);
  SubprocessResult r = Status({"--defaults-file", file, HostOnly(1)});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("127.0.0.1:" + Port(1)), std::string::npos) << r.out;

  // The same from ~/.my.cnf (HOME is the scratch directory), and --no-defaults ignores it.
  Write(".my.cnf", "[client]\n" + kGood);
  EXPECT_EQ(Status({HostOnly(1)}).exit_code, 0);
  SubprocessResult ignored = Status({"--no-defaults", HostOnly(1)});
  EXPECT_EQ(ignored.exit_code, 2);
  EXPECT_NE(ignored.err.find("no user"), std::string::npos) << ignored.err;
}

TEST_F(OptionFilesTest, UnreadableNamedFileAndMalformedLineAreErrors) {
  SubprocessResult missing = Status({"--defaults-file", (dir_ / "none.cnf").string(), HostOnly(1)});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.cnf"), std::string::npos) << missing.err;
  const std::string bad = Write("bad.cnf", "[client]\n" + kGood + "this is not an option\n");
  SubprocessResult malformed = Status({"--defaults-file", bad, HostOnly(1)});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("bad.cnf:4"), std::string::npos) << malformed.err;
}

TEST_F(OptionFilesTest, UriWinsOverTheFile) {
  // The file names another user and a wrong port: the URI's user and port win.
  const std::string file = Write("my.cnf", std::string("[client]\nuser=nosuch\nport=1\npassword=") +
                                               kPassword + "\n");
  SubprocessResult r = Status({"--defaults-file", file, std::string("mysql://") + kUser +
                                                            "@127.0.0.1:" + Port(1)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // And the file's port is used when the URI has none.
  const std::string port_file =
      Write("port.cnf", "[client]\n" + kGood + "host=127.0.0.1\nport=" + Port(1) + "\n");
  EXPECT_EQ(Status({"--defaults-file", port_file, "mysql://127.0.0.1"}).exit_code, 0);
}

TEST_F(OptionFilesTest, BinsyncGroupOverClient) {
  const std::string file = Write("my.cnf", std::string("[binsync]\n") + kGood +
                                               "[client]\nuser=nosuch\npassword=wrong\n");
  EXPECT_EQ(Status({"--defaults-file", file, HostOnly(1)}).exit_code, 0);
  const std::string only_client =
      Write("client.cnf", "[client]\nuser=nosuch\npassword=wrong\n");
  SubprocessResult r = Status({"--defaults-file", only_client, HostOnly(1)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nosuch"), std::string::npos) << r.err;  // Access denied for nosuch
}

TEST_F(OptionFilesTest, RoleGroupsGiveEachServerItsCredentials) {
  for (int i : {1, 2}) {
    pair().Exec(i, "SET sql_log_bin=0; CREATE DATABASE IF NOT EXISTS roles; CREATE TABLE IF "
                   "NOT EXISTS roles.t (id INT PRIMARY KEY); SET sql_log_bin=1");
  }
  // [binsync-a] and [binsync-b] win over [binsync] (a wrong password) and [client].
  const std::string file = Write(
      "my.cnf", std::string("[binsync-a]\n") + kGood + "[binsync-b]\n" + kGood +
                    "[binsync]\nuser=nosuch\npassword=wrong\n[client]\nuser=nosuch2\n");
  SubprocessResult r = RunBinsync({"verify", "--defaults-file", file, "--a", HostOnly(1), "--b",
                                   HostOnly(2), "--databases", "roles"},
                                  {home_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
  // Without [binsync-b], B gets [binsync]'s user and fails, named.
  const std::string only_a = Write(
      "a.cnf", std::string("[binsync-a]\n") + kGood + "[binsync]\nuser=nosuch\npassword=wrong\n");
  r = RunBinsync({"verify", "--defaults-file", only_a, "--a", HostOnly(1), "--b", HostOnly(2),
                  "--databases", "roles"},
                 {home_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:" + Port(2)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nosuch"), std::string::npos) << r.err;
}

TEST_F(OptionFilesTest, MysqlPwdBelowTheFilesAndPasswordFileAboveThem) {
  const std::string user_only = Write("user.cnf", std::string("[client]\nuser=") + kUser + "\n");
  const std::string with_pw = Write("pw.cnf", "[client]\n" + kGood);
  const std::string wrong_pw =
      Write("wrong.cnf", std::string("[client]\nuser=") + kUser + "\npassword=wrong\n");
  const std::string pw_env = std::string("MYSQL_PWD=") + kPassword;
  // MYSQL_PWD gives what the files do not.
  EXPECT_EQ(Status({"--defaults-file", user_only, HostOnly(1)}, {pw_env}).exit_code, 0);
  // The files win over MYSQL_PWD (the mysql client's order).
  EXPECT_EQ(Status({"--defaults-file", with_pw, HostOnly(1)}, {"MYSQL_PWD=wrong"}).exit_code, 0);
  EXPECT_EQ(Status({"--defaults-file", wrong_pw, HostOnly(1)}, {pw_env}).exit_code, 2);
  // --password-file, a command-line option, wins over the files.
  const std::string pw_file = Write("pw.txt", std::string(kPassword) + "\n");
  EXPECT_EQ(Status({"--defaults-file", wrong_pw, "--password-file", pw_file, HostOnly(1)})
                .exit_code,
            0);
}

TEST_F(OptionFilesTest, ExtraFileReadAfterTheDefaults) {
  Write(".my.cnf", "[client]\nuser=nosuch\npassword=wrong\n");
  const std::string extra = Write("extra.cnf", "[client]\n" + kGood);
  EXPECT_EQ(Status({"--defaults-extra-file", extra, HostOnly(1)}).exit_code, 0);
}

TEST_F(OptionFilesTest, SocketUriAndSocketFromTheFiles) {
  const std::string socket = pair().server(1).socket().string();
  SubprocessResult r = Status({"--no-defaults", "mysql://root@localhost/?socket=" + socket});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(socket), std::string::npos) << r.out;  // the server named by its socket
  // User and socket from the file, nothing but the scheme in the URI.
  const std::string file = Write("sock.cnf", "[client]\nuser=root\nsocket=" + socket + "\n");
  EXPECT_EQ(Status({"--defaults-file", file, "mysql://"}).exit_code, 0);
  // A TCP host ignores the file's socket (as mysql does): server 2 over TCP, not server 1.
  SubprocessResult tcp = Status({"--defaults-file", file, HostOnly(2)});
  EXPECT_EQ(tcp.exit_code, 0) << tcp.err;
  EXPECT_NE(tcp.out.find("127.0.0.1:" + Port(2)), std::string::npos) << tcp.out;
}

// The command's own options and the credentials in one file: nothing secret, nothing long
// on the command line; the password in no argv (/proc/PID/cmdline, what ps shows) and no log.
TEST_F(OptionFilesTest, ReplicateConfigFromOneFile) {
  pair().Exec(1, "CREATE DATABASE cfg; CREATE TABLE cfg.t (id INT PRIMARY KEY, v INT); "
                 "INSERT INTO cfg.t VALUES (1, 1), (2, 2)");
  const std::string config = Write(
      "pair.cnf", "[client]\n" + kGood + "[binsync-replicate]\nsource = " + HostOnly(1) +
                      "\ntarget = \"" + HostOnly(2) + "\"\nuntil_caught_up\nworkers = 2\n"
                      "databases = cfg\n");
  SubprocessResult r = RunBinsync({"replicate", "--no-defaults", "--config", config}, {home_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find(kPassword), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
  EXPECT_EQ(pair().Value(2, "SELECT COUNT(*) FROM cfg.t"), "2");

  // The command line wins over the file: --workers 0 is refused as out of range, so the
  // file's 2 was not used.
  SubprocessResult cli = RunBinsync({"replicate", "--config", config, "--workers", "0"}, {home_});
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_NE(cli.err.find("workers"), std::string::npos) << cli.err;

  // A key replicate does not know is an error naming file:line.
  const std::string typo = Write("typo.cnf", "[binsync-replicate]\nsource=" + HostOnly(1) +
                                                 "\nwrokers = 3\n");
  SubprocessResult bad = RunBinsync({"replicate", "--config", typo}, {home_});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("typo.cnf:3"), std::string::npos) << bad.err;

  // Live, in the background: what ps shows holds no password, nor does the log.
  const std::string live = Write(
      "live.cnf", "[client]\n" + kGood + "[binsync-replicate]\nsource = " + HostOnly(1) +
                      "\ntarget = " + HostOnly(2) + "\ndatabases = cfg\n");
  const std::string saved_home = getenv("HOME") ? getenv("HOME") : "";
  setenv("HOME", dir_.c_str(), 1);
  testing::Background bg({"replicate", "--config", live, "--log-level", "debug"},
                         (dir_ / "live.log").string());
  setenv("HOME", saved_home.c_str(), 1);
  pair().Exec(1, "INSERT INTO cfg.t VALUES (3, 3)");
  for (int i = 0; i < 300 && pair().Value(2, "SELECT COUNT(*) FROM cfg.t") != "3"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(pair().Value(2, "SELECT COUNT(*) FROM cfg.t"), "3");
  std::ifstream cmdline("/proc/" + std::to_string(bg.pid) + "/cmdline");
  std::string argv((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  EXPECT_NE(argv.find("live.cnf"), std::string::npos);
  EXPECT_EQ(argv.find(kPassword), std::string::npos);
  EXPECT_EQ(bg.Stop(SIGTERM), 0) << bg.Log();
  EXPECT_FALSE(bg.Log().empty());
  EXPECT_EQ(bg.Log().find(kPassword), std::string::npos) << bg.Log();
}

}  // namespace
}  // namespace binsync
