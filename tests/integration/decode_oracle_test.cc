// The server as oracle for the decoder, on a real MariaDB sandbox server: one random
// workload (a table of most MariaDB column types; inserts, updates with FULL and MINIMAL
// row images, deletes, a row larger than 64 KiB) runs twice, once with
// log_bin_compress=OFF and once with log_bin_compress=ON. `binsync dump` of the
// compressed binlog must give exactly the row changes of the uncompressed twin, and
// replaying those changes must give the rows the server returns.
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/util/strings.h"
#include "core/util/subprocess.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunBinsync;

constexpr std::string_view kCreate =
    "(id INT PRIMARY KEY, ti TINYINT, su SMALLINT UNSIGNED, mi MEDIUMINT, bu BIGINT UNSIGNED, "
    "de DECIMAL(20,5), fl FLOAT, dbl DOUBLE, bt BIT(10), yr YEAR, dt DATE, tm TIME(3), "
    "dtm DATETIME(6), ts TIMESTAMP(2) NULL DEFAULT NULL, ch CHAR(10), vc VARCHAR(300), "
    "bn BINARY(4), vb VARBINARY(20), tx MEDIUMTEXT, bl BLOB, en ENUM('a','b','c'), "
    "st SET('x','y','z'), ip INET6, js JSON) DEFAULT CHARSET=utf8mb4";

// How each column reads back from the server in the text form `binsync dump` uses.
struct Column {
  std::string_view name;
  std::string_view select;  // expression in SELECT
  enum Form { kNumber, kString, kHex, kSet } form;
};
constexpr Column kColumns[] = {
    {"id", "id", Column::kNumber},          {"ti", "ti", Column::kNumber},
    {"su", "su", Column::kNumber},          {"mi", "mi", Column::kNumber},
    {"bu", "bu", Column::kNumber},          {"de", "de", Column::kString},
    {"fl", "fl", Column::kNumber},          {"dbl", "dbl", Column::kNumber},
    {"bt", "bt+0", Column::kNumber},        {"yr", "yr", Column::kNumber},
    {"dt", "dt", Column::kString},          {"tm", "tm", Column::kString},
    {"dtm", "dtm", Column::kString},        {"ts", "ts", Column::kString},
    {"ch", "ch", Column::kString},          {"vc", "vc", Column::kString},
    {"bn", "LOWER(HEX(bn))", Column::kHex}, {"vb", "LOWER(HEX(vb))", Column::kHex},
    {"tx", "tx", Column::kString},          {"bl", "LOWER(HEX(bl))", Column::kHex},
    {"en", "en", Column::kString},          {"st", "st", Column::kSet},
    {"js", "js", Column::kString},
};

class Workload {
 public:
  explicit Workload(uint32_t seed) : rng_(seed) {}

  // The statements, for table `table`; identical for the same seed.
  std::vector<std::string> Statements(const std::string& table) {
    std::vector<std::string> out;
    std::vector<int> ids;
    for (int batch = 0; batch < 8; ++batch) {
      std::string sql = StrCat("INSERT INTO ", table, " VALUES ");
      const int n = 1 + static_cast<int>(rng_() % 5);
      for (int k = 0; k < n; ++k) {
        const int id = static_cast<int>(ids.size()) + 1;
        ids.push_back(id);
        if (k > 0) sql += ",";
        sql += Row(id);
      }
      out.push_back(sql);
    }
    // A row whose image is larger than 64 KiB (3-byte compressed length field).
    out.push_back(StrCat("INSERT INTO ", table, " (id, tx, bl) VALUES (1000, '", Text(70000),
                         "', 0x", Hex(40000), ")"));
    for (int i = 0; i < 6; ++i) {
      const int id = ids[rng_() % ids.size()];
      out.push_back(StrCat("UPDATE ", table, " SET vc = '", Text(rng_() % 300), "', de = ",
                           Decimal(), ", ts = ", Maybe(Timestamp()), " WHERE id = ", id));
    }
    out.push_back("SET SESSION binlog_row_image = 'MINIMAL'");
    for (int i = 0; i < 4; ++i) {
      const int id = ids[rng_() % ids.size()];
      out.push_back(StrCat("UPDATE ", table, " SET tm = ", Time(), ", st = '", Set(),
                           "', js = ", Maybe(JsonText()), " WHERE id = ", id));
    }
    out.push_back(StrCat("UPDATE ", table, " SET tx = CONCAT(tx, 'tail') WHERE id = 1000"));
    out.push_back(StrCat("DELETE FROM ", table, " WHERE id = ", ids[rng_() % ids.size()]));
    out.push_back("SET SESSION binlog_row_image = 'FULL'");
    out.push_back(StrCat("DELETE FROM ", table, " WHERE id IN (", ids[0], ", ", ids[1], ")"));
    return out;
  }

 private:
  std::string Row(int id) {
    return StrCat("(", id, ", ", Maybe(StrCat(Range(-128, 127))), ", ", Range(0, 65535), ", ",
                  Range(-8388608, 8388607), ", ", Maybe(StrCat(rng_() * 4294967296ull + rng_())),
                  ", ", Decimal(), ", ", Range(-1000, 1000), ".25, ", Range(-100000, 100000),
                  ".5, ", Range(0, 1023), ", ", Range(1901, 2155), ", ", Maybe(Date()), ", ",
                  Time(), ", ", Datetime(), ", ", Maybe(Timestamp()), ", '", Text(rng_() % 11),
                  "', '", Text(rng_() % 300), "', 0x", Hex(3), "7f, 0x", Hex(rng_() % 21), ", ",
                  Maybe(StrCat("'", Text(rng_() % 2000), "'")), ", 0x", Hex(rng_() % 3000), ", '",
                  "abc"[rng_() % 3], "', '", Set(),
                  "', '2001:db8::", fmt::format("{:x}", Range(1, 65535)), "', ", Maybe(JsonText()),
                  ")");
  }
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  std::string Maybe(std::string v) { return rng_() % 5 == 0 ? "NULL" : v; }
  std::string Decimal() {
    return StrCat(rng_() % 2 ? "-" : "", rng_() % 1000000000, ".", rng_() % 100000);
  }
  std::string Date() {
    return fmt::format("'{:04}-{:02}-{:02}'", Range(1000, 9999), Range(1, 12), Range(1, 28));
  }
  std::string Time() {
    return fmt::format("'{}{:02}:{:02}:{:02}.{:03}'", rng_() % 2 ? "-" : "", Range(0, 838),
                       Range(0, 59), Range(0, 59), Range(0, 999));
  }
  std::string Datetime() {
    return fmt::format("'{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}'", Range(1000, 9999),
                       Range(1, 12), Range(1, 28), Range(0, 23), Range(0, 59), Range(0, 59),
                       Range(0, 999999));
  }
  std::string Timestamp() {
    return fmt::format("'{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:02}'", Range(1971, 2037),
                       Range(1, 12), Range(1, 28), Range(0, 23), Range(0, 59), Range(0, 59),
                       Range(0, 99));
  }
  std::string Text(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "abcdefghij klmnopqrstuvwxyz\xc3\xa9"[rng_() % 29];
    // Never end on a space (CHAR trims it) nor on half of the two-byte letter.
    while (!s.empty() && (s.back() == ' ' || static_cast<unsigned char>(s.back()) >= 0x80)) {
      s.pop_back();
    }
    // Drop a dangling lead byte left by cutting.
    std::string clean;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\xc3' && (i + 1 >= s.size() || s[i + 1] != '\xa9')) continue;
      if (s[i] == '\xa9' && (i == 0 || s[i - 1] != '\xc3')) continue;
      clean += s[i];
    }
    return clean;
  }
  std::string Hex(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += fmt::format("{:02x}", rng_() % 256);
    return s;
  }
  std::string Set() {
    std::vector<std::string_view> parts;
    for (std::string_view p : {"x", "y", "z"}) {
      if (rng_() % 2) parts.push_back(p);
    }
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) StrAppend(&s, i ? "," : "", parts[i]);
    return s;
  }
  std::string JsonText() { return StrCat("'{\"k\": ", rng_() % 1000, ", \"s\": \"v\"}'"); }

  std::mt19937_64 rng_;
};

std::vector<json> ParseLines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) v.push_back(json::parse(line));
  }
  return v;
}

// The row changes of `file` (queries left out), without the fields that differ between
// the twins (database, position, GTID, timestamp).
std::vector<json> RowChanges(const fs::path& file) {
  auto r = RunBinsync({"dump", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> rows;
  for (json& j : ParseLines(r.out)) {
    if (j["type"] == "query") continue;
    for (const char* k : {"db", "pos", "gtid", "ts"}) j.erase(k);
    rows.push_back(std::move(j));
  }
  return rows;
}

// The value as the server's text protocol shows it, from the dump's JSON value.
std::string AsServerText(const json& v, Column::Form form) {
  switch (form) {
    case Column::kNumber:
      return v.dump();
    case Column::kString:
      return v.get<std::string>();
    case Column::kHex:
      return v.get<std::string>().substr(2);  // "0x..."
    case Column::kSet: {
      std::string s;
      for (size_t i = 0; i < v.size(); ++i) StrAppend(&s, i ? "," : "", v[i].get<std::string>());
      return s;
    }
  }
  return {};
}

class DecodeOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    servers_ = std::make_unique<testing::SandboxServers>(
        1, std::vector<std::string>{"log_bin_compress_min_len=10"});
  }
  std::unique_ptr<testing::SandboxServers> servers_;
};

TEST_F(DecodeOracleTest, CompressedBinlogDecodesEqualToItsTwinAndToTheServerRows) {
  Connection c = servers_->Connect(1);
  ASSERT_TRUE(c.Execute("SET SESSION time_zone = '+00:00'").ok());
  const fs::path data = servers_->server(1).node_dir / "data";
  for (const std::string db : {"plain", "comp"}) {
    ASSERT_TRUE(
        c.Execute(StrCat("SET GLOBAL log_bin_compress = ", db == "comp" ? "ON" : "OFF")).ok());
    ASSERT_TRUE(c.Execute(StrCat("CREATE DATABASE ", db)).ok());
    ASSERT_TRUE(c.Execute(StrCat("CREATE TABLE ", db, ".t ", kCreate)).ok());
    Workload w(20241121);
    for (const std::string& sql : w.Statements(db + ".t")) {
      const absl::Status st = c.Execute(sql);
      ASSERT_TRUE(st.ok()) << st << "\n" << sql.substr(0, 2000);
    }
    ASSERT_TRUE(c.Execute("FLUSH BINARY LOGS").ok());
  }
  const fs::path plain_file = data / "mariadb-bin.000001";
  const fs::path comp_file = data / "mariadb-bin.000002";

  // The compressed file holds compressed events, its twin none.
  auto stats = RunBinsync({"dump", "--format", "stats", comp_file.string()});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  for (std::string_view type :
       {"MARIA_QUERY_COMPRESSED ", "MARIA_WRITE_ROWS_COMPRESSED_V1 ",
        "MARIA_UPDATE_ROWS_COMPRESSED_V1 ", "MARIA_DELETE_ROWS_COMPRESSED_V1 "}) {
    EXPECT_NE(stats.out.find(type), std::string::npos) << type << "\n" << stats.out;
  }
  auto plain_stats = RunBinsync({"dump", "--format", "stats", plain_file.string()});
  EXPECT_EQ(plain_stats.out.find("COMPRESSED"), std::string::npos) << plain_stats.out;

  const std::vector<json> plain = RowChanges(plain_file);
  const std::vector<json> comp = RowChanges(comp_file);
  ASSERT_GT(plain.size(), 20u);
  ASSERT_EQ(comp.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(comp[i], plain[i]) << "row change " << i;
  }

  // Replay the decoded changes (minimal after images update only what they carry) and
  // compare with what the server holds.
  std::map<int64_t, json> state;
  for (const json& j : comp) {
    if (j["type"] == "insert") {
      state[j["after"]["id"].get<int64_t>()] = j["after"];
    } else if (j["type"] == "update") {
      json& row = state.at(j["before"]["id"].get<int64_t>());
      for (const auto& [k, v] : j["after"].items()) row[k] = v;
    } else {
      state.erase(j["before"]["id"].get<int64_t>());
    }
  }
  std::string select = "SELECT ";
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    select += StrCat(i ? ", " : "", kColumns[i].select, " AS ", kColumns[i].name);
  }
  select += " FROM comp.t ORDER BY id";
  auto rs = c.Query(select);
  ASSERT_TRUE(rs.ok()) << rs.status();
  ASSERT_EQ(rs->rows().size(), state.size());
  size_t r = 0;
  for (const auto& [id, row] : state) {
    for (const Column& col : kColumns) {
      const std::optional<std::string> server = rs->Get(r, col.name);
      const json& v = row.at(std::string(col.name));
      if (!server.has_value()) {
        EXPECT_TRUE(v.is_null()) << "id " << id << " " << col.name << ": " << v;
      } else {
        ASSERT_FALSE(v.is_null()) << "id " << id << " " << col.name << " = " << *server;
        EXPECT_EQ(AsServerText(v, col.form), *server) << "id " << id << " " << col.name;
      }
    }
    ++r;
  }
}

// mariadb-binlog -vv as a second oracle, for the types its text shows unambiguously
// (integers signed and unsigned, DECIMAL, ASCII strings, DATE, DATETIME, NULL): every row
// image of every row change, column by column, equal to `binsync dump`'s values.
TEST(MariadbBinlogAgreementTest, ValuesEqualMariadbBinlogVV) {
  testing::SandboxServers s(1);
  s.Exec(1, "CREATE DATABASE mb; CREATE TABLE mb.t (id INT PRIMARY KEY, i BIGINT, "
             "u INT UNSIGNED, t TINYINT, de DECIMAL(12,3), vc VARCHAR(40) CHARSET ascii, "
             "dt DATE, dtm DATETIME, n INT NULL)");
  std::mt19937 rng(7);
  std::string sql;
  for (int id = 1; id <= 40; ++id) {
    const auto r = static_cast<int64_t>(rng());
    StrAppend(&sql, "INSERT INTO mb.t VALUES (", id, ", ", r * (id % 2 == 0 ? -1 : 1) * 1000, ", ",
              static_cast<uint32_t>(r) | 0x80000000u, ", ", static_cast<int>(r % 256) - 128, ", ",
              static_cast<int64_t>(r % 100000000) - 50000000, ".", r % 1000, ", 'v", r % 99999,
              " x', '2020-0", 1 + id % 9, "-1", id % 10, "', '1999-12-31 23:59:", 10 + id % 50,
              "', ", id % 3 == 0 ? "NULL" : std::to_string(id), ");");
  }
  sql += "UPDATE mb.t SET i = -i, vc = CONCAT(vc, 'u'), n = NULL WHERE id % 4 = 1;"
         "DELETE FROM mb.t WHERE id % 5 = 2;";
  s.Exec(1, sql);
  const std::string file = s.Value(
      1, "SELECT CONCAT(@@datadir, '/', SUBSTRING_INDEX(@@log_bin_basename, '/', -1), '.000001')");

  // mariadb-binlog: "### INSERT INTO", "### UPDATE", "### DELETE FROM" start a change;
  // "###   @N=value /* TYPE meta=.. */" lines give its images in order (WHERE, then SET).
  auto mb = RunSubprocess({"mariadb-binlog", "-vv", "--base64-output=decode-rows", file});
  ASSERT_TRUE(mb.ok()) << mb.status();
  ASSERT_EQ(mb->exit_code, 0) << mb->err;
  std::vector<std::vector<std::string>> theirs;
  std::istringstream lines(mb->out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("### INSERT INTO `mb`") || line.starts_with("### UPDATE `mb`") ||
        line.starts_with("### DELETE FROM `mb`")) {
      theirs.emplace_back();
    } else if (line.starts_with("###   @") && !theirs.empty()) {
      const bool unsigned_column = line.starts_with("###   @3=");  // u INT UNSIGNED
      std::string v = line.substr(line.find('=') + 1);
      v = v.substr(0, v.find(" /*"));
      // A negative integer prints as "signed (unsigned)"; which one is meant is the schema's.
      if (const size_t paren = v.find(" ("); paren != std::string::npos && v.back() == ')') {
        v = unsigned_column ? v.substr(paren + 2, v.size() - paren - 3) : v.substr(0, paren);
      }
      if (v.size() >= 2 && v.front() == '\'') v = v.substr(1, v.size() - 2);
      if (v.size() == 10 && v[4] == ':' && v[7] == ':') {  // DATE prints as 2020:01:02
        v[4] = v[7] = '-';
      }
      theirs.back().push_back(v);
    }
  }

  auto dump = RunBinsync({"dump", "--tables", "mb.t", file});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::vector<std::vector<std::string>> ours;
  std::istringstream jl(dump.out);
  auto flat = [](const nlohmann::ordered_json& image, std::vector<std::string>* out) {
    for (const auto& [name, value] : image.items()) {
      out->push_back(value.is_null() ? "NULL" : value.is_string() ? value.get<std::string>()
                                                                   : value.dump());
    }
  };
  for (std::string line; std::getline(jl, line);) {
    const auto row = nlohmann::ordered_json::parse(line);  // columns in table order
    if (row["type"] == "query") continue;
    ours.emplace_back();
    if (row.contains("before")) flat(row["before"], &ours.back());
    if (row.contains("after")) flat(row["after"], &ours.back());
  }
  ASSERT_EQ(theirs.size(), 40u + 10u + 8u);  // inserts, updates, deletes
  ASSERT_EQ(ours.size(), theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) EXPECT_EQ(ours[i], theirs[i]) << "row change " << i;
}

}  // namespace
}  // namespace binsync
