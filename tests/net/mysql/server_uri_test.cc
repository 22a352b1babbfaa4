#include "net/mysql/server_uri.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace binsync {
namespace {

TEST(ServerUriTest, ParsesFullUri) {
  auto u = ParseServerUri("mysql://repl:s%40cret@db1.example:3307");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->user, "repl");
  EXPECT_EQ(u->password, "s@cret");
  EXPECT_EQ(u->host, "db1.example");
  EXPECT_EQ(u->port, 3307);
  EXPECT_EQ(u->Endpoint(), "db1.example:3307");
  EXPECT_EQ(u->Display(), "mysql://repl@db1.example:3307");
}

TEST(ServerUriTest, DefaultsPortAndNoPassword) {
  auto u = ParseServerUri("mysql://root@127.0.0.1");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->port, 3306);
  EXPECT_FALSE(u->password.has_value());
}

TEST(ServerUriTest, EmptyPasswordIsAPassword) {
  auto u = ParseServerUri("mysql://root:@h:1");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->password, "");
}

TEST(ServerUriTest, Ipv6Host) {
  auto u = ParseServerUri("mysql://root@[::1]:3310");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->Endpoint(), "[::1]:3310");
}

TEST(ServerUriTest, RejectsMalformedWithoutLeakingPassword) {
  for (const char* bad : {"http://root:hunter2@h:1", "mysql://h:1", "mysql://root:hunter2@",
                          "mysql://root:hunter2@h:99999", "mysql://root:hunter2@h:abc",
                          "mysql://root:hunter2@h:", "mysql://:hunter2@h:1",
                          "mysql://root:hun%zzter2@h:1"}) {
    auto u = ParseServerUri(bad);
    EXPECT_FALSE(u.ok()) << bad;
    EXPECT_EQ(std::string(u.status().message()).find("hunter2"), std::string::npos)
        << u.status();
    EXPECT_NE(std::string(u.status().message()).find("mysql://user"), std::string::npos);
  }
}

// Malformed URIs of every shape: wherever the password ("Zq9x7Wv") could be, no error
// shows any 3 characters of it in a row.
TEST(ServerUriTest, NoMalformedUriShowsItsPassword) {
  const std::string secret = "Zq9x7Wv";
  const std::vector<std::string> bad = {
      "mysql://u1:" + secret,                   // no '@': "missing user@"
      "mysql://" + secret,                       // a bare secret after the scheme
      "mysql://u1:" + secret + "/",
      "mysql://u1:" + secret + ":3306",
      "mysql:/u1:" + secret + "@h:1",            // scheme with one slash
      "mysql:u1:" + secret + "@h:1",
      "mysq://u1:" + secret + "@h:1",            // another scheme
      "u1:" + secret + "@h:1",                   // no scheme
      "u1:" + secret,
      secret,
      "u1:" + secret + "@h://x",                 // "://" after the '@'
      "u1:" + secret + "://h",                   // the secret before "://"
      "://u1:" + secret,
      "MYSQL://u1:" + secret + "@h:1",
      " mysql://u1:" + secret + "@h:1",
      "mysql://u1:" + secret + "@",              // empty host
      "mysql://u1:" + secret + "@h:0",
      "mysql://u1:" + secret + "@h:x",
      "mysql://u1:" + secret + "@[::1",
      "mysql://u1:" + secret + "@[::1]x",
      "mysql://u1:" + secret + "@h/db",
      "mysql://u1:" + secret + "@h ost",
      "mysql://:" + secret + "@h:1",             // empty user
      "mysql://%zz:" + secret + "@h:1",          // bad escape in the user
      "mysql://u1:" + secret + "%z@h:1",         // bad escape in the password
      "mysql://u1:a@" + secret + "@",            // '@' inside the password, empty host
      "mysql://u1:" + secret + "@@",
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    auto u = ParseServerUri(bad[i]);
    EXPECT_FALSE(u.ok()) << bad[i];
    const std::string msg(u.status().message());
    const std::string red = Redacted(bad[i]);
    for (size_t j = 0; j + 3 <= secret.size(); ++j) {
      EXPECT_EQ(msg.find(secret.substr(j, 3)), std::string::npos) << bad[i] << " -> " << msg;
      EXPECT_EQ(red.find(secret.substr(j, 3)), std::string::npos) << bad[i] << " -> " << red;
    }
  }
}

TEST(ServerUriTest, RedactedKeepsUserAndHost) {
  EXPECT_EQ(Redacted("mysql://u1:pw@h:1"), "mysql://u1:***@h:1");
  EXPECT_EQ(Redacted("mysql://u1@h:1"), "mysql://u1@h:1");
  EXPECT_EQ(Redacted("mysql://u1:pw"), "mysql://***");
  EXPECT_EQ(Redacted("u1:pw@h"), "u1:***@h");
  EXPECT_EQ(Redacted("mysql://"), "mysql://");
}

TEST(ResolvePasswordTest, FileThenEnvironment) {
  const auto file = std::filesystem::temp_directory_path() / "binsync_pw_test";
  {
    std::ofstream(file) << "from-file\n";
  }
  setenv("MYSQL_PWD", "from-env", 1);
  ServerUri u;
  ASSERT_TRUE(ResolvePassword({file.string()}, &u).ok());
  EXPECT_EQ(u.password, "from-file");

  ServerUri v;
  ASSERT_TRUE(ResolvePassword({}, &v).ok());
  EXPECT_EQ(v.password, "from-env");

  ServerUri w;
  w.password = "in-uri";
  ASSERT_TRUE(ResolvePassword({file.string()}, &w).ok());
  EXPECT_EQ(w.password, "in-uri");

  ServerUri x;
  auto st = ResolvePassword({"/nonexistent/pw"}, &x);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("/nonexistent/pw"), std::string::npos);
  unsetenv("MYSQL_PWD");
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace binsync
