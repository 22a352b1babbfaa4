#include "core/config/client_settings.h"

#include "gtest/gtest.h"

namespace binsync {
namespace {

std::vector<OptionEntry> Parse(std::string_view text) {
  auto e = ParseOptionText(text, "t.cnf");
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : std::vector<OptionEntry>{};
}

TEST(ClientSettingsTest, RoleGroupOverBinsyncOverClient) {
  // File order does not matter between groups: the role group wins even when [client]
  // comes later.
  const auto entries = Parse(
      "[binsync-source]\nuser=src\n[binsync]\nuser=bs\npassword=bspw\n"
      "[client]\nuser=cl\npassword=clpw\nport=3307\nhost=h\n");
  auto source = SettingsFromOptionFiles(entries, "source");
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(source->user, "src");
  EXPECT_EQ(source->password, "bspw");
  EXPECT_EQ(source->port, 3307);
  EXPECT_EQ(source->host, "h");
  auto target = SettingsFromOptionFiles(entries, "target");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->user, "bs");
  auto none = SettingsFromOptionFiles(entries, "");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->user, "bs");
  EXPECT_EQ(GroupsForRole("a"), (std::vector<std::string>{"client", "binsync", "binsync-a"}));
}

TEST(ClientSettingsTest, LaterLineWinsWithinAGroup) {
  auto s = SettingsFromOptionFiles(Parse("[client]\nuser=a\n[binsync]\n[client]\nuser=b\n"), "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->user, "b");
}

TEST(ClientSettingsTest, KeysHonoured) {
  auto s = SettingsFromOptionFiles(
      Parse("[client]\nsocket=/run/m.sock\nssl_mode=REQUIRED\nssl-ca=/ca.pem\npassword\n"
            "prompt=ignored\n"),
      "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->socket, "/run/m.sock");
  EXPECT_EQ(s->ssl_mode, "REQUIRED");
  EXPECT_EQ(s->ssl_ca, "/ca.pem");
  EXPECT_FALSE(s->password.has_value());  // `password` alone: mysql would prompt
}

TEST(ClientSettingsTest, BadPortNamesTheLine) {
  auto s = SettingsFromOptionFiles(Parse("[client]\n\nport=99999\n"), "");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("t.cnf:3"), std::string::npos);
  // A bad port in a group this role does not read is not its business.
  EXPECT_TRUE(SettingsFromOptionFiles(Parse("[binsync-b]\nport=x\n"), "a").ok());
}

TEST(ClientSettingsTest, UriOverCommandLineOverFilesOverMysqlPwd) {
  SettingSources s;
  s.uri.user = "uri";
  s.command_line.password = "from-password-file";
  s.command_line.ssl_mode = "REQUIRED";
  s.option_files.user = "file";
  s.option_files.password = "filepw";
  s.option_files.host = "fh";
  s.option_files.port = 3307;
  s.option_files.ssl_mode = "DISABLED";
  s.mysql_pwd = "envpw";
  ClientSettings e = EffectiveSettings(s);
  EXPECT_EQ(e.user, "uri");
  EXPECT_EQ(e.password, "from-password-file");
  EXPECT_EQ(e.host, "fh");
  EXPECT_EQ(e.port, 3307);
  EXPECT_EQ(e.ssl_mode, "REQUIRED");

  s.command_line.password.reset();
  EXPECT_EQ(EffectiveSettings(s).password, "filepw");  // option files over MYSQL_PWD
  s.option_files.password.reset();
  EXPECT_EQ(EffectiveSettings(s).password, "envpw");
  s.uri.password = "";  // an explicit empty password in the URI still wins
  EXPECT_EQ(EffectiveSettings(s).password, "");
}

TEST(ClientSettingsTest, SocketOnlyForLocalhostOrNoHost) {
  ClientSettings s;
  EXPECT_FALSE(UsesSocket(s));
  s.socket = "/run/mysqld/mysqld.sock";
  EXPECT_TRUE(UsesSocket(s));
  s.host = "localhost";
  EXPECT_TRUE(UsesSocket(s));
  s.host = "127.0.0.1";
  EXPECT_FALSE(UsesSocket(s));
}

}  // namespace
}  // namespace binsync
