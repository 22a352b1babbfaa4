#include "net/mysql/server_uri.h"

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
    EXPECT_NE(std::string(u.status().message()).find("expected mysql://"), std::string::npos);
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

TEST(ReadPasswordFileTest, FirstLineOrAnErrorNamingTheFile) {
  const auto file = std::filesystem::temp_directory_path() / "binsync_pw_test";
  {
    std::ofstream(file) << "from-file\r\nsecond line\n";
  }
  auto pw = ReadPasswordFile(file.string());
  ASSERT_TRUE(pw.ok()) << pw.status();
  EXPECT_EQ(*pw, "from-file");
  auto missing = ReadPasswordFile("/nonexistent/pw");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("/nonexistent/pw"), std::string::npos);
  std::filesystem::remove(file);
}

TEST(ServerUriSettingsTest, EveryPartOptional) {
  auto hostport = ParseServerUriSettings("mysql://127.0.0.1:3307");
  ASSERT_TRUE(hostport.ok()) << hostport.status();
  EXPECT_FALSE(hostport->user.has_value());
  EXPECT_FALSE(hostport->password.has_value());
  EXPECT_EQ(hostport->host, "127.0.0.1");
  EXPECT_EQ(hostport->port, 3307);

  auto host = ParseServerUriSettings("mysql://db1/");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->host, "db1");
  EXPECT_FALSE(host->port.has_value());

  auto socket = ParseServerUriSettings("mysql://repl@localhost/?socket=/run/mysqld/my%40sql.sock");
  ASSERT_TRUE(socket.ok()) << socket.status();
  EXPECT_EQ(socket->user, "repl");
  EXPECT_EQ(socket->host, "localhost");
  EXPECT_EQ(socket->socket, "/run/mysqld/my@sql.sock");

  auto bare = ParseServerUriSettings("mysql:///?socket=/s.sock");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_FALSE(bare->host.has_value());
  EXPECT_EQ(bare->socket, "/s.sock");

  auto full = ParseServerUriSettings("mysql://u:p%40w@[::1]:3310");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->password, "p@w");
  EXPECT_EQ(full->host, "::1");
}

TEST(ServerUriSettingsTest, RejectsWithoutShowingThePassword) {
  const std::string secret = "Zq9x7Wv";
  for (const std::string& bad : {
           "mysql://u1:" + secret,  // no '@': host u1, "port" Zq9x7Wv
           "mysql://u1:" + secret + "/",
           "mysql://u1:" + secret + ":3306",
           "mysql://u1:" + secret + "@h/db",
           "mysql://u1:" + secret + "@h?user=x",
           "mysql://u1:" + secret + "@h/?socket=",
           "mysql://u1:" + secret + "@h:0",
           "mysql://:" + secret + "@h:1",
           "http://u1:" + secret + "@h:1",
       }) {
    auto u = ParseServerUriSettings(bad);
    EXPECT_FALSE(u.ok()) << bad;
    const std::string msg(u.status().message());
    for (size_t j = 0; j + 3 <= secret.size(); ++j) {
      EXPECT_EQ(msg.find(secret.substr(j, 3)), std::string::npos) << bad << " -> " << msg;
    }
  }
}

}  // namespace
}  // namespace binsync
