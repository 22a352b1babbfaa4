#include "core/config/option_file.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace binsync {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const char* name) {
  fs::path dir = fs::temp_directory_path() / (std::string("optfile_") + name + "_" +
                                              std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Write(const fs::path& path, std::string_view text) {
  std::ofstream(path) << text;
}

std::string ValueOf(const std::vector<OptionEntry>& entries, std::string_view group,
                    std::string_view key) {
  std::string last = "<none>";
  for (const OptionEntry& e : entries) {
    if (e.group == group && e.key == key) last = e.value.value_or("<flag>");
  }
  return last;
}

TEST(OptionFileTest, GroupsKeysAndFlags) {
  auto e = ParseOptionText(
      "# comment\n; another\n[Client]\nuser = alice\nSSL_Mode=REQUIRED\n\n[binsync-source]\n"
      "  host=db1   \nbidirectional\n",
      "my.cnf");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->size(), 4u);
  EXPECT_EQ(ValueOf(*e, "client", "user"), "alice");
  EXPECT_EQ(ValueOf(*e, "client", "ssl-mode"), "REQUIRED");  // '_' is '-', any case
  EXPECT_EQ(ValueOf(*e, "binsync-source", "host"), "db1");
  EXPECT_EQ(ValueOf(*e, "binsync-source", "bidirectional"), "<flag>");
  EXPECT_EQ((*e)[2].origin, "my.cnf:8");
}

TEST(OptionFileTest, QuotingEscapesAndComments) {
  auto e = ParseOptionText(
      "[client]\n"
      "a = \"p#w\\\"d\\\\x\\sy\"  # comment\n"
      "b = plain # comment\n"
      "c = 'single quoted ; kept'\n"
      "d = tab\\there\n"
      "e = ;not a comment\n"
      "f =\n",
      "f.cnf");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(ValueOf(*e, "client", "a"), "p#w\"d\\x y");
  EXPECT_EQ(ValueOf(*e, "client", "b"), "plain");
  EXPECT_EQ(ValueOf(*e, "client", "c"), "single quoted ; kept");
  EXPECT_EQ(ValueOf(*e, "client", "d"), "tab\there");
  EXPECT_EQ(ValueOf(*e, "client", "e"), ";not a comment");
  EXPECT_EQ(ValueOf(*e, "client", "f"), "");
}

TEST(OptionFileTest, LaterLineWins) {
  auto e = ParseOptionText("[client]\nuser=a\n[binsync]\nuser=b\n[client]\nuser=c\n", "x");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(ValueOf(*e, "client", "user"), "c");
}

TEST(OptionFileTest, MalformedLinesNameFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"user=x\n", "bad.cnf:1"},                         // before any group
      {"[client]\n\n=x\n", "bad.cnf:3"},                 // no name
      {"[client]\nbad line here\n", "bad.cnf:2"},        // blank in a name
      {"[client\n", "bad.cnf:1"},                        // header not closed
      {"[client]\nuser=\"open\n", "bad.cnf:2"},          // unterminated quote
      {"[client]\nuser=\"a\"b\n", "bad.cnf:2"},          // text after the quote
      {"[client]\n!include\n", "bad.cnf:2"},             // directive without a file
      {"[client]\n!frobnicate x\n", "bad.cnf:2"},
  };
  for (const auto& [text, where] : bad) {
    auto e = ParseOptionText(text, "bad.cnf");
    ASSERT_FALSE(e.ok()) << text;
    EXPECT_NE(std::string(e.status().message()).find(where), std::string::npos)
        << e.status();
  }
}

TEST(OptionFileTest, ErrorsNeverShowTheValue) {
  auto e = ParseOptionText("[client]\npassword=\"Zq9x7Wv\n", "p.cnf");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(std::string(e.status().message()).find("Zq9"), std::string::npos) << e.status();
}

TEST(OptionFileTest, IncludeAndIncludeDir) {
  const fs::path dir = TempDir("include");
  fs::create_directories(dir / "conf.d");
  Write(dir / "conf.d" / "20-b.cnf", "[client]\nport=2\n");
  Write(dir / "conf.d" / "10-a.cnf", "[client]\nport=1\nhost=from-dir\n");
  Write(dir / "conf.d" / "ignored.txt", "[client]\nhost=never\n");
  Write(dir / "inc.cnf", "[binsync]\nuser=included\n");
  Write(dir / "main.cnf", "[client]\nuser=main\n!include " + (dir / "inc.cnf").string() +
                              "\n!include " + (dir / "missing.cnf").string() +
                              "\n!includedir " + (dir / "conf.d").string() + "\n");
  auto e = ReadOptionFiles({{(dir / "main.cnf").string(), true}});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(ValueOf(*e, "binsync", "user"), "included");
  EXPECT_EQ(ValueOf(*e, "client", "port"), "2");  // name order: 10-a then 20-b
  EXPECT_EQ(ValueOf(*e, "client", "host"), "from-dir");
  fs::remove_all(dir);
}

TEST(OptionFileTest, SelfIncludeStopsWithAnError) {
  const fs::path dir = TempDir("loop");
  Write(dir / "loop.cnf", "[client]\n!include " + (dir / "loop.cnf").string() + "\n");
  auto e = ReadOptionFiles({{(dir / "loop.cnf").string(), true}});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find("nested too deep"), std::string::npos);
  fs::remove_all(dir);
}

TEST(OptionFileTest, MissingDefaultSkippedMissingNamedFileIsAnError) {
  auto skipped = ReadOptionFiles({{"/nonexistent/binsync/my.cnf", false}});
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_TRUE(skipped->empty());
  auto named = ReadOptionFiles({{"/nonexistent/binsync/my.cnf", true}});
  ASSERT_FALSE(named.ok());
  EXPECT_NE(std::string(named.status().message()).find("/nonexistent/binsync/my.cnf"),
            std::string::npos);
}

std::vector<std::string> Paths(const std::vector<OptionFilePath>& files) {
  std::vector<std::string> out;
  for (const OptionFilePath& f : files) out.push_back(f.path + (f.required ? "!" : ""));
  return out;
}

OptionFileChoice Choice(bool no_defaults, std::string file, std::string extra,
                        std::string config) {
  OptionFileChoice c;
  c.no_defaults = no_defaults;
  c.defaults_file = std::move(file);
  c.defaults_extra_file = std::move(extra);
  c.config_file = std::move(config);
  return c;
}

TEST(OptionFileTest, WhichFilesAreRead) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Paths(OptionFilesToRead({}, "/home/u")),
            (V{"/etc/my.cnf", "/etc/mysql/my.cnf", "/home/u/.my.cnf"}));
  EXPECT_EQ(Paths(OptionFilesToRead(Choice(false, "", "x.cnf", ""), "/h")),
            (V{"/etc/my.cnf", "/etc/mysql/my.cnf", "/h/.my.cnf", "x.cnf!"}));
  EXPECT_EQ(Paths(OptionFilesToRead(Choice(true, "", "", ""), "/h")), V{});
  EXPECT_EQ(Paths(OptionFilesToRead(Choice(false, "only.cnf", "x", ""), "/h")),
            V{"only.cnf!"});
  EXPECT_EQ(Paths(OptionFilesToRead(Choice(true, "", "", "pair.cnf"), "/h")),
            V{"pair.cnf!"});
  EXPECT_EQ(Paths(OptionFilesToRead({}, "")), (V{"/etc/my.cnf", "/etc/mysql/my.cnf"}));
}

}  // namespace
}  // namespace binsync
