#include "net/server_uri.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

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
