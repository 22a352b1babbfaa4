// `binsync dump` on the binlog of a real sandbox server: the JSON row changes equal what
// was written, a corrupted or truncated copy fails with file:pos and exit 2, and
// `--format stats` counts events and rows. And on EventBuilder-encoded binlogs (no server):
// statement context, statement-based LOAD DATA and INCIDENT events are shown.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/util/strings.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"
#include "nlohmann/json.hpp"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

namespace fs = std::filesystem;
using testing::RunBinsync;

class DumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    servers_ = std::make_unique<testing::SandboxServers>(1);
    Connection c = servers_->Connect(1);
    ASSERT_TRUE(c.Execute("CREATE DATABASE dumpdb").ok());
    ASSERT_TRUE(c.Execute("CREATE TABLE dumpdb.t (id INT PRIMARY KEY, name VARCHAR(20), "
                          "price DECIMAL(10,2), qty BIGINT UNSIGNED, created DATETIME(3), "
                          "note TEXT NULL, flag TINYINT)")
                    .ok());
    ASSERT_TRUE(c.Execute("INSERT INTO dumpdb.t VALUES "
                          "(1, 'apple', 1.50, 18446744073709551615, '2024-01-02 03:04:05.678', "
                          "'first \"quoted\"', -5), "
                          "(2, 'pear', -2.25, 0, '2024-12-31 23:59:59.000', NULL, 0), "
                          "(3, 'gr\xc3\xbcn', 0.00, 7, '2000-02-29 00:00:00.001', 'x', 127)")
                    .ok());
    ASSERT_TRUE(c.Execute("UPDATE dumpdb.t SET name = 'pear2', price = 10.00 WHERE id = 2").ok());
    ASSERT_TRUE(c.Execute("DELETE FROM dumpdb.t WHERE id = 3").ok());
    ASSERT_TRUE(c.Execute("FLUSH BINARY LOGS").ok());
    binlog_ = servers_->server(1).node_dir / "data" / "mariadb-bin.000001";
    ASSERT_TRUE(fs::exists(binlog_)) << binlog_;
    tmp_ = testing::MakeTempDir("dumptest");
  }

  void TearDown() override {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

  static std::vector<nlohmann::json> ParseLines(const std::string& out) {
    std::vector<nlohmann::json> v;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      v.push_back(nlohmann::json::parse(line));
    }
    return v;
  }

  static std::string ReadAll(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

  static void WriteAll(const fs::path& p, const std::string& data) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
  }

  // Position of the first row change in dumpdb.t, from the JSON dump.
  uint64_t FirstRowsPos() {
    auto r = RunBinsync({"dump", "--tables", "dumpdb.t", binlog_.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto rows = ParseLines(r.out);
    EXPECT_FALSE(rows.empty());
    if (rows.empty()) return 0;
    const std::string pos = rows[0]["pos"].get<std::string>();
    return std::stoull(pos.substr(pos.rfind(':') + 1));
  }

  std::unique_ptr<testing::SandboxServers> servers_;
  fs::path binlog_;
  fs::path tmp_;
};

TEST_F(DumpTest, JsonRowChangesEqualWhatWasWritten) {
  auto r = RunBinsync({"dump", "--databases", "dumpdb", binlog_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> all = ParseLines(r.out);
  std::vector<nlohmann::json> rows;
  bool saw_create = false;
  for (const auto& j : all) {
    EXPECT_EQ(j["db"], "dumpdb") << j;
    EXPECT_TRUE(j["server_id"].is_number()) << j;
    EXPECT_TRUE(j["ts"].is_number()) << j;
    EXPECT_EQ(j["pos"].get<std::string>().rfind("mariadb-bin.000001:", 0), 0U) << j;
    if (j["type"] == "query") {
      EXPECT_NE(j["sql"], "BEGIN");
      EXPECT_NE(j["sql"], "COMMIT");
      // MariaDB logs CREATE DATABASE with that database as its default; CREATE TABLE
      // dumpdb.t (no USE) has none, so the --databases filter leaves it out.
      if (j["sql"] == "CREATE DATABASE dumpdb") {
        saw_create = true;
      }
    } else {
      EXPECT_EQ(j["table"], "t") << j;
      EXPECT_TRUE(j["gtid"].is_string()) << j;
      rows.push_back(j);
    }
  }
  EXPECT_TRUE(saw_create) << r.out;
  ASSERT_EQ(rows.size(), 5U) << r.out;

  // Keys in column order, named from the metadata.
  const std::vector<std::string> names = {"id", "name", "price", "qty", "created", "note", "flag"};
  // nlohmann's default object sorts keys: check order on the raw line instead.
  const std::string first_line = r.out.substr(r.out.find("{\"type\":\"insert\""));
  size_t at = 0;
  for (const std::string& n : names) {
    const size_t p = first_line.find("\"" + n + "\":", at);
    ASSERT_NE(p, std::string::npos) << n << " in " << first_line;
    at = p;
  }

  const nlohmann::json expected_after[3] = {
      {{"id", 1}, {"name", "apple"}, {"price", "1.50"}, {"qty", 18446744073709551615ULL},
       {"created", "2024-01-02 03:04:05.678"}, {"note", "first \"quoted\""}, {"flag", -5}},
      {{"id", 2}, {"name", "pear"}, {"price", "-2.25"}, {"qty", 0},
       {"created", "2024-12-31 23:59:59.000"}, {"note", nullptr}, {"flag", 0}},
      {{"id", 3}, {"name", "gr\xc3\xbcn"}, {"price", "0.00"}, {"qty", 7},
       {"created", "2000-02-29 00:00:00.001"}, {"note", "x"}, {"flag", 127}},
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i]["type"], "insert");
    EXPECT_FALSE(rows[i].contains("before")) << rows[i];
    EXPECT_EQ(rows[i]["after"], expected_after[i]) << rows[i];
  }
  EXPECT_EQ(rows[0]["after"]["qty"].get<uint64_t>(), 18446744073709551615ULL);

  EXPECT_EQ(rows[3]["type"], "update");
  EXPECT_EQ(rows[3]["before"], expected_after[1]);
  nlohmann::json updated = expected_after[1];
  updated["name"] = "pear2";
  updated["price"] = "10.00";
  EXPECT_EQ(rows[3]["after"], updated);

  EXPECT_EQ(rows[4]["type"], "delete");
  EXPECT_EQ(rows[4]["before"], expected_after[2]);
  EXPECT_FALSE(rows[4].contains("after"));

  // Filters: another database, or another table, gives nothing of dumpdb.t.
  auto none = RunBinsync({"dump", "--tables", "dumpdb.other", binlog_.string()});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "");
  auto by_table = RunBinsync({"dump", "--tables", "t", binlog_.string()});
  EXPECT_EQ(ParseLines(by_table.out).size(), 5U) << by_table.out;

  // --start-position at the update's event: only the update and the delete follow.
  const std::string upd = rows[3]["pos"].get<std::string>();
  auto from = RunBinsync({"dump", "--databases", "dumpdb", "--start-position",
                          upd.substr(upd.rfind(':') + 1), binlog_.string()});
  ASSERT_EQ(from.exit_code, 0) << from.err;
  auto tail = ParseLines(from.out);
  ASSERT_EQ(tail.size(), 2U) << from.out;
  EXPECT_EQ(tail[0]["type"], "update");
  EXPECT_EQ(tail[1]["type"], "delete");

  // text format names the columns and prints the values.
  auto text = RunBinsync({"dump", "--format", "text", "--tables", "dumpdb.t", binlog_.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("### INSERT INTO `dumpdb`.`t`"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("###   qty=18446744073709551615"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("### DELETE FROM `dumpdb`.`t`"), std::string::npos) << text.out;
}

TEST_F(DumpTest, CorruptedRowsEventFailsNamingFileAndPosition) {
  const uint64_t pos = FirstRowsPos();
  ASSERT_GT(pos, 4U);
  std::string data = ReadAll(binlog_);
  ASSERT_GT(data.size(), pos + 30);
  const fs::path bad = tmp_ / "mariadb-bin.000001";
  data[pos + 25] = static_cast<char>(data[pos + 25] ^ 0x5a);  // inside the rows event body
  WriteAll(bad, data);
  auto r = RunBinsync({"dump", bad.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(StrCat(bad.string(), ":", pos)), std::string::npos) << r.err;
  // What came before the corrupt event was printed; no row change from it or after it.
  for (const auto& j : ParseLines(r.out)) EXPECT_EQ(j["type"], "query") << j;

  // A copy truncated in the middle of that event.
  const fs::path cut = tmp_ / "cut.000001";
  WriteAll(cut, ReadAll(binlog_).substr(0, pos + 10));
  auto t = RunBinsync({"dump", "--format", "stats", cut.string()});
  EXPECT_EQ(t.exit_code, 2) << t.out << t.err;
  EXPECT_NE(t.err.find(StrCat(cut.string(), ":", pos)), std::string::npos) << t.err;

  auto missing = RunBinsync({"dump", (tmp_ / "nope.000001").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.000001"), std::string::npos) << missing.err;
}

TEST_F(DumpTest, StatsCountsEventsAndRows) {
  auto r = RunBinsync({"dump", "--format", "stats", binlog_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  FORMAT_DESCRIPTION 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  TABLE_MAP 3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  dumpdb.t 3 1 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("WRITE_ROWS_V1 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("UPDATE_ROWS_V1 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DELETE_ROWS_V1 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(StrCat("bytes ", fs::file_size(binlog_), "\n")), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("MB/s "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seconds "), std::string::npos) << r.out;
}

// Issue 19: `dump --databases nosuchdb` exited 0 in silence and its stats counted every
// event and row of the binlog. A filter entry that selects nothing is said (with --source,
// also that the source has no such database now; not refused: a binlog holds the events
// of databases dropped since, or created later), and the totals count what passed.
TEST_F(DumpTest, FilterNamingNothingIsSaidAndStatsCountOnlyWhatPassed) {
  auto none = RunBinsync({"dump", "--format", "stats", "--databases", "nosuchdb", binlog_.string()});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.err.find("--databases nosuchdb: no event of it in the binlog read"),
            std::string::npos) << none.err;
  EXPECT_NE(none.out.find("row changes 0\n"), std::string::npos) << none.out;
  EXPECT_EQ(none.out.find("TABLE_MAP"), std::string::npos) << none.out;
  EXPECT_EQ(none.out.find("FORMAT_DESCRIPTION"), std::string::npos) << none.out;
  EXPECT_EQ(none.out.find("ROWS"), std::string::npos) << none.out;
  EXPECT_NE(none.out.find("events left out by --databases/--tables "), std::string::npos)
      << none.out;
  EXPECT_EQ(none.out.find("events left out by --databases/--tables 0\n"), std::string::npos)
      << none.out;
  EXPECT_NE(none.out.find(StrCat("bytes ", fs::file_size(binlog_), "\n")), std::string::npos)
      << none.out;

  // The same from the live source: its databases are checked first.
  const std::string source = servers_->server(1).RootUri().Display();
  auto live = RunBinsync({"dump", "--source", source, "--format", "stats", "--databases",
                          "nosuchdb,dumpdb"});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  EXPECT_NE(live.err.find(StrCat("--databases nosuchdb: no such database on ",
                                 servers_->server(1).RootUri().Endpoint(), " now")),
            std::string::npos) << live.err;
  EXPECT_EQ(live.err.find("--databases dumpdb"), std::string::npos) << live.err;
  EXPECT_NE(live.out.find("  dumpdb.t 3 1 1\n"), std::string::npos) << live.out;
  EXPECT_NE(live.out.find("row changes 5\n"), std::string::npos) << live.out;

  // What passed is counted: dumpdb's three table maps and five row changes; --tables alone
  // leaves the statements out.
  auto some = RunBinsync({"dump", "--format", "stats", "--databases", "dumpdb", binlog_.string()});
  ASSERT_EQ(some.exit_code, 0) << some.err;
  EXPECT_EQ(some.err.find("no event of it"), std::string::npos) << some.err;
  EXPECT_NE(some.out.find("  TABLE_MAP 3\n"), std::string::npos) << some.out;
  EXPECT_NE(some.out.find("row changes 5\n"), std::string::npos) << some.out;
  EXPECT_NE(some.out.find("  QUERY "), std::string::npos) << some.out;  // CREATE DATABASE
  auto table = RunBinsync({"dump", "--format", "stats", "--tables", "dumpdb.t,dumpdb.nope",
                           binlog_.string()});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.err.find("--tables dumpdb.nope: no event of it"), std::string::npos)
      << table.err;
  EXPECT_EQ(table.out.find("  QUERY "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("row changes 5\n"), std::string::npos) << table.out;
}

// A MariaDB binlog with a statement and its context, a LOAD DATA, and an incident.
std::string StatementsBinlog() {
  using binlog::testing::Bytes;
  using binlog::testing::EventBuilder;
  EventBuilder b(binlog::testing::Flavor::kMariaDb1011, true);
  std::vector<std::vector<uint8_t>> events;
  events.push_back(b.Fde());
  auto gtid = [&](uint64_t seq) {
    Bytes g;
    g.U64(seq).U32(0).U8(0);
    events.push_back(b.Event(162, g.bytes()));
    events.push_back(b.Event(2, EventBuilder::QueryBody("shop", "BEGIN")));
  };
  auto xid = [&] {
    Bytes x;
    x.U64(1);
    events.push_back(b.Event(16, x.bytes()));
  };
  gtid(10);
  Bytes intvar, rand, var;
  intvar.U8(2).U64(1001);
  rand.U64(11).U64(22);
  var.U32(4).Str("name").U8(0).U8(0).U32(45).U32(2).Str("hi").U8(0);
  events.push_back(b.Event(5, intvar.bytes()));
  events.push_back(b.Event(13, rand.bytes()));
  events.push_back(b.Event(14, var.bytes()));
  events.push_back(b.Event(2, EventBuilder::QueryBody("shop", "INSERT INTO t VALUES (NULL, RAND(), @name)")));
  xid();
  gtid(11);
  Bytes begin, append;
  begin.U32(3).Str("1,a\n2,b\n");
  append.U32(3).Str("3,c\n");
  events.push_back(b.Event(17, begin.bytes()));
  events.push_back(b.Event(9, append.bytes()));
  const std::string sql = "LOAD DATA INFILE '/tmp/SQL_LOAD-1-2-3.data' INTO TABLE `t`";
  Bytes elq;
  elq.U32(3).U32(0).U8(4).U16(0).U16(0).U32(3).U32(17).U32(43).U8(0).Str("shop").U8(0).Str(sql);
  events.push_back(b.Event(18, elq.bytes()));
  xid();
  Bytes incident;
  incident.U16(1).U8(9).Str("disk full");
  events.push_back(b.Event(26, incident.bytes()));
  const std::vector<uint8_t> file = EventBuilder::File(events);
  return std::string(file.begin(), file.end());
}

TEST(DumpStatementsTest, ContextLoadDataAndIncidentAreShown) {
  const fs::path dir = testing::MakeTempDir("dumpstmt");
  const fs::path path = dir / "mariadb-bin.000003";
  {
    const std::string data = StatementsBinlog();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  auto r = RunBinsync({"dump", path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3U) << r.out;
  EXPECT_EQ(lines[0]["type"], "query");
  EXPECT_EQ(lines[0]["gtid"], "0-1-10");
  EXPECT_EQ(lines[0]["context"],
            nlohmann::json::parse(R"({"insert_id":1001,"rand_seed1":11,"rand_seed2":22,)"
                                  R"("user_vars":{"name":"hi"}})"));
  EXPECT_EQ(lines[1]["type"], "query");
  EXPECT_EQ(lines[1]["sql"], "LOAD DATA INFILE '/tmp/SQL_LOAD-1-2-3.data' INTO TABLE `t`");
  EXPECT_EQ(lines[1]["load_data"],
            nlohmann::json::parse(R"({"file_id":3,"file_name":"'/tmp/SQL_LOAD-1-2-3.data'",)"
                                  R"("bytes":12,"duplicates":"error"})"));
  EXPECT_EQ(lines[2]["type"], "incident");
  EXPECT_EQ(lines[2]["incident"], 1);
  EXPECT_EQ(lines[2]["name"], "LOST_EVENTS");
  EXPECT_EQ(lines[2]["message"], "disk full");
  EXPECT_NE(lines[2]["pos"].get<std::string>().find("mariadb-bin.000003:"), std::string::npos);
  EXPECT_NE(r.err.find("INCIDENT LOST_EVENTS"), std::string::npos) << r.err;

  auto text = RunBinsync({"dump", "--format", "text", path.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("use `shop`;\nSET INSERT_ID=1001;\nSET @@RAND_SEED1=11, "
                          "@@RAND_SEED2=22;\nSET @`name`:=_utf8mb4 X'6869' COLLATE "
                          "`utf8mb4_general_ci`;\nINSERT INTO t VALUES (NULL, RAND(), @name);\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("# LOAD DATA file_id 3: 12 bytes of data"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("# Incident: LOST_EVENTS (1): disk full\n"), std::string::npos)
      << text.out;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace binsync
