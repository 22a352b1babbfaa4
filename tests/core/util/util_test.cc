#include <chrono>

#include "core/gtid/mariadb_gtid.h"
#include "core/util/log.h"
#include "core/util/strings.h"
#include "core/util/subprocess.h"
#include "gtest/gtest.h"

namespace binsync {
namespace {

TEST(JsonEscapeTest, EscapesEverythingThatBreaksALine) {
  std::string out;
  AppendJsonEscaped("a\"b\\c\nd\te\x01", &out);
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\te\\u0001");
}

TEST(MariaDbGtidTest, ParseFormatAndOwnEntriesDropped) {
  auto pos = ParseMariaDbGtidPos("1-1-100,2-1-7,2-2-50,3-9-1");
  ASSERT_TRUE(pos.ok()) << pos.status();
  EXPECT_EQ(FormatMariaDbGtidPos(*pos), "1-1-100,2-1-7,2-2-50,3-9-1");
  // Server 2 in domain 2 waits for neither its own writes nor what was applied in its domain.
  EXPECT_EQ(FormatMariaDbGtidPos(WithoutOwn(*pos, 2, 2)), "1-1-100,3-9-1");
  EXPECT_EQ(FormatMariaDbGtidPos(WithoutOwn(*pos, 2, std::nullopt)), "1-1-100,2-1-7,3-9-1");
  EXPECT_EQ(FormatMariaDbGtidPos(WithoutServer(*pos, 1)), "2-2-50,3-9-1");
  EXPECT_FALSE(ParseMariaDbGtidPos("1-x-3").ok());
}

TEST(StringsTest, CaseHelpers) {
  EXPECT_EQ(ToUpper("Row"), "ROW");
  EXPECT_TRUE(EqualsIgnoreCase("Slave_IO_Running", "slave_io_running"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  EXPECT_TRUE(ContainsIgnoreCase("10.11.19-MariaDB-log", "mariadb"));
  EXPECT_EQ(StrCat("a", 1, std::string_view("b"), 2.5), "a1b2.5");
  std::string hex = "0x";
  AppendHex(std::string_view("\x00\xff\x10" "a", 4), &hex);
  EXPECT_EQ(hex, "0x00ff1061");
}

TEST(SubprocessTest, CapturesOutputsAndExitCode) {
  auto r = RunSubprocess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(SubprocessTest, PassesStdinAndEnvironmentNotArgv) {
  SubprocessOptions o;
  o.stdin_data = "hello";
  o.extra_env = {"BINSYNC_TEST_SECRET=s3"};
  auto r = RunSubprocess({"sh", "-c", "cat; printf %s \"$BINSYNC_TEST_SECRET\""}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->out, "hellos3");
}

TEST(SubprocessTest, TimeoutKills) {
  SubprocessOptions o;
  o.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto r = RunSubprocess({"sleep", "10"}, o);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(SubprocessTest, MissingProgram) {
  auto r = RunSubprocess({"/nonexistent/binsync-test-prog"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_NE(r->err.find("cannot execute"), std::string::npos);
}

TEST(SubprocessTest, DaemonAliveThenReaped) {
  DaemonOptions d;
  d.log_file = "/dev/null";
  auto pid = SpawnDaemon({"sleep", "0.2"}, d);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_TRUE(ProcessAlive(*pid));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ProcessAlive(*pid) && std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_FALSE(ProcessAlive(*pid));
}

}  // namespace
}  // namespace binsync
