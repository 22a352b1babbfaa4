#include <stdlib.h>

#include <chrono>
#include <thread>

#include "core/util/both.h"
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

// The word-at-a-time fast paths against a byte-at-a-time reference, with the special byte
// at every offset of strings long enough to cross several 8-byte words.
TEST(JsonEscapeTest, FastPathEqualsBytewiseEscape) {
  auto reference = [](std::string_view s) {
    std::string out;
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (u < 0x20) out += fmt::format("\\u{:04x}", u);
      else out += c;
    }
    return out;
  };
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f', '\x7f', '\x80', ' ', '!'}) {
    for (size_t len = 0; len < 27; ++len) {
      for (size_t at = 0; at < len; ++at) {
        std::string s(len, 'a');
        s[at] = special;
        if (at + 3 < len) s[at + 3] = special;
        std::string got;
        AppendJsonEscaped(s, &got);
        ASSERT_EQ(got, reference(s)) << "special " << int(special) << " at " << at << " of " << len;
      }
    }
  }
}

TEST(Utf8Test, StrictAndFastOverAsciiRuns) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("0123456789\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 tail after"));
  EXPECT_FALSE(IsValidUtf8("0123456789\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("01234567\xed\xa0\x80"));        // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));            // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xe2\x82"));             // truncated at the end
  EXPECT_FALSE(IsValidUtf8("abcdefghijklmnop\x80"));         // stray continuation byte
  for (size_t at = 0; at < 20; ++at) {                       // invalid byte at every offset
    std::string s(20, 'x');
    s[at] = '\xff';
    EXPECT_FALSE(IsValidUtf8(s)) << at;
  }
}

TEST(StringsTest, StrCatPieces) {
  const std::string_view v = "view";
  EXPECT_EQ(StrCat("a", v, std::string("s"), 'c', -12, uint64_t{18446744073709551615u},
                   uint8_t{7}, true, 1.5),
            "aviewsc-1218446744073709551615" "7true1.5");
}

TEST(BothTest, RunsOnTwoThreadsAndNestedInTurn) {
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < 100; ++i) {  // one helper thread, reused
    auto [a, b] = Both([&] { return std::this_thread::get_id(); },
                       [&] { return std::this_thread::get_id(); });
    EXPECT_EQ(a, caller);
    EXPECT_NE(b, caller);
  }
  // Nested on the helper thread: no second helper to wait for, so both run there in turn.
  auto [outer_a, inner] = Both([] { return 1; }, [] {
    auto [x, y] = Both([] { return std::this_thread::get_id(); },
                       [] { return std::this_thread::get_id(); });
    return x == y;
  });
  EXPECT_EQ(outer_a, 1);
  EXPECT_TRUE(inner);
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

TEST(SubprocessTest, ExtraEnvironmentReplacesInherited) {
  // `env` prints the environment as the child got it (a shell would tidy duplicates away);
  // a C program's getenv() would find an inherited duplicate first.
  setenv("BINSYNC_TEST_OVERRIDE", "inherited", 1);
  SubprocessOptions o;
  o.extra_env = {"BINSYNC_TEST_OVERRIDE=extra"};
  auto r = RunSubprocess({"env"}, o);
  unsetenv("BINSYNC_TEST_OVERRIDE");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->out.find("BINSYNC_TEST_OVERRIDE=extra\n"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("BINSYNC_TEST_OVERRIDE=inherited"), std::string::npos) << r->out;
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

namespace binsync {
namespace {

TEST(UnmatchedSelectionTest, NamesEntriesThatSelectNothing) {
  const std::vector<std::string> schemas = {"app", "crm"};
  const std::vector<std::string> tables = {"app.users", "app.orders", "crm.users"};
  EXPECT_TRUE(UnmatchedSelection({"app"}, {"users", "app.orders"}, schemas, tables).empty());
  EXPECT_EQ(UnmatchedSelection({"app", "nope"}, {}, schemas, tables),
            std::vector<std::string>{"--databases nope"});
  EXPECT_EQ(UnmatchedSelection({}, {"app.nope", "users", "nope"}, schemas, tables),
            (std::vector<std::string>{"--tables app.nope", "--tables nope"}));
  // A table of a database the selection leaves out selects nothing.
  EXPECT_EQ(UnmatchedSelection({"crm"}, {"orders"}, schemas, tables),
            std::vector<std::string>{"--tables orders"});
  EXPECT_TRUE(UnmatchedSelection({}, {}, {}, {}).empty());
}

}  // namespace
}  // namespace binsync

namespace binsync {
namespace {

TEST(ParseNumberTest, WholeDecimalNumbersOnlyAndNeverThrows) {
  EXPECT_EQ(ParseUint64("0"), 0u);
  EXPECT_EQ(ParseUint64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseUint64("18446744073709551616"), std::nullopt);  // std::stoull throws here
  EXPECT_EQ(ParseUint64(""), std::nullopt);                      // and here
  EXPECT_EQ(ParseUint64("12x"), std::nullopt);                   // stoull says 12
  EXPECT_EQ(ParseUint64("-1"), std::nullopt);                    // stoull says 2^64-1
  EXPECT_EQ(ParseUint64(" 1"), std::nullopt);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(ParseInt64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseInt64("-"), std::nullopt);
  absl::StatusOr<uint64_t> n = NumberOf("binsync.checkpoint seq", "abc");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().message(), "binsync.checkpoint seq is 'abc', not a number");
  EXPECT_EQ(*NumberOf("x", "42"), 42u);
  EXPECT_EQ(*SignedNumberOf("x", "-42"), -42);
}

}  // namespace
}  // namespace binsync
