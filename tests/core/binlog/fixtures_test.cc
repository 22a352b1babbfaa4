// Decodes the real binlogs in ../shared/fixtures/binlogs and checks the values that
// MANIFEST.md states. A missing fixture directory is a failure, never a skip.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

std::string FixtureDir() { return BINSYNC_FIXTURE_DIR; }

[[maybe_unused]] std::string Path(std::string_view rel) { return StrCat(FixtureDir(), "/", rel); }

TEST(FixturesTest, DirectoryPresent) {
  ASSERT_TRUE(std::filesystem::is_directory(FixtureDir()))
      << "binlog fixture directory " << FixtureDir()
      << " is absent: the fixture tests cannot run (expected ../shared/fixtures/binlogs next "
         "to the source tree)";
}

// Decodes a fixture, failing loudly if the directory is absent.
DecodeResult Decode(std::string_view rel) {
  EXPECT_TRUE(std::filesystem::is_directory(FixtureDir()))
      << "binlog fixture directory " << FixtureDir() << " is absent";
  return DecodeFile(Path(rel));
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

constexpr std::string_view kRmc = "rust_mysql_common/test-data/binlogs/";
constexpr std::string_view kJava = "mysql-binlog-connector-java/src/test/resources/";

// Every file that must decode completely, and the outer event count where MANIFEST.md
// states one (-1: not stated).
struct CleanFile {
  std::string rel;
  int events;
};

class CleanFixtureTest : public ::testing::TestWithParam<CleanFile> {};

TEST_P(CleanFixtureTest, DecodesEveryEventAndRow) {
  const DecodeResult r = Decode(GetParam().rel);
  ASSERT_TRUE(r.status.ok()) << r.status;
  if (GetParam().events >= 0) {
    EXPECT_EQ(r.events, GetParam().events);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, CleanFixtureTest,
    ::testing::Values(
        CleanFile{"binlog-parser/data/fixtures/mysql-bin.01", -1},
        CleanFile{"binlog-parser/data/fixtures/mysql-bin.02", -1},
        CleanFile{"binlog-parser/data/fixtures/mysql-bin.03", -1},
        CleanFile{"binlog-parser/data/fixtures/mysql-bin.06", -1},
        CleanFile{"binlog-parser/data/fixtures/mysql-bin.07", -1},
        CleanFile{"binlog-parser/data/fixtures/mysql-bin.empty", 1},
        CleanFile{"binlog-parser/data/gtid-fixtures/mysql-bin.01", -1},
        CleanFile{"go-mysql/replication/t/tcb-eval002c-bin.003320", -1},
        CleanFile{StrCat(kJava, "mysql-bin.aurora-padding"), 5},
        CleanFile{StrCat(kJava, "mysql-bin.checksum-crc32"), 303},
        CleanFile{StrCat(kJava, "mysql-bin.checksum-none"), 191},
        CleanFile{StrCat(kJava, "mysql-bin.compressed"), 5},
        CleanFile{"mysql-binlog-connector-rust/tests/parse_file_tests/mysql-bin.000057", 8},
        CleanFile{"mysql-binlog-connector-rust/tests/parse_file_tests/mysql-bin.000080", 37},
        CleanFile{"mysql-cdc-rs/tests/events/5.7/05_intvar/log.bin", -1},
        CleanFile{"mysql-cdc-rs/tests/events/5.7/13_rand/log.bin", -1},
        CleanFile{"mysql-cdc-rs/tests/events/5.7/14_user_var/log.bin", -1},
        CleanFile{"mysql-cdc-rs/tests/events/5.7/17_18_load/log.bin", -1},
        CleanFile{"mysql-cdc-rs/tests/events/5.7/31_update_rows_v2/log.bin", -1},
        CleanFile{"mysql-cdc-rs/tests/events/5.7/32_delete_rows_v2/log.bin", -1},
        CleanFile{"mysql-cdc-rs/tests/events/5.7/34_anonymous_gtid/log.bin", -1},
        CleanFile{"mysql-cdc-rs/tests/events/8.0/02_query_bigger/binlog.000733", -1},
        CleanFile{"mysql-cdc-rs/tests/events/8.0/19_30_Table_map_event_Write_rows_log_event/"
                  "binlog.000018",
                  -1},
        CleanFile{"mysql-cdc-rs/tests/events/8.0/31_update_rows_v2/binlog.000001", -1},
        CleanFile{"mysql-cdc-rs/tests/events/8.0/32_delete_rows_v2/binlog.000001", -1},
        CleanFile{"percona-binlog-server/mtr/binlog_streaming/std_data/data_80045_gtid.zip/"
                  "data_80045_gtid/binlog.000001",
                  -1},
        CleanFile{"percona-binlog-server/mtr/binlog_streaming/std_data/data_80045_gtid.zip/"
                  "data_80045_gtid/binlog.000002",
                  -1},
        CleanFile{"percona-binlog-server/mtr/binlog_streaming/std_data/data_80045_position.zip/"
                  "data_80045_position/binlog.000001",
                  -1},
        CleanFile{"percona-binlog-server/mtr/binlog_streaming/std_data/data_80045_position.zip/"
                  "data_80045_position/binlog.000002",
                  -1},
        CleanFile{"rust-mysql-binlog/test_data/bin-log.000001", -1},
        CleanFile{StrCat(kRmc, "binlog-invisible-columns.000001"), -1},
        CleanFile{StrCat(kRmc, "binlog_transaction_previous_GTID_no_tag.000001"), 3},
        CleanFile{StrCat(kRmc, "binlog_transaction_with_GTID_TAG.000001"), 8},
        CleanFile{StrCat(kRmc, "binlog_transaction_with_anonymous_GTID.000001"), -1},
        CleanFile{StrCat(kRmc, "bug32407.001"), -1},
        CleanFile{StrCat(kRmc, "json-opaque.binlog"), -1},
        CleanFile{StrCat(kRmc, "json.binlog.000001"), -1},
        CleanFile{StrCat(kRmc, "mariadb-bin.000001"), -1},
        CleanFile{StrCat(kRmc, "minimal_row_metadata.000001"), -1},
        CleanFile{StrCat(kRmc, "mysql-enum-string-set.000001"), -1},
        CleanFile{StrCat(kRmc, "mysql_type_bit.000001"), -1},
        CleanFile{StrCat(kRmc, "rpl_unfiltered_hidden_gcol.000001"), -1},
        CleanFile{StrCat(kRmc, "time_issue.000001"), -1},
        CleanFile{StrCat(kRmc, "transaction_compression.000001"), -1},
        CleanFile{StrCat(kRmc, "update-partial-row.binlog"), -1},
        CleanFile{StrCat(kRmc, "vector.binlog"), -1}, CleanFile{StrCat(kRmc, "ver_5_1_23.001"), -1},
        CleanFile{StrCat(kRmc, "ver_trunk_row_v2.001"), -1},
        CleanFile{StrCat(kRmc, "write-partial-row.binlog"), -1}));

// Broken files fail cleanly, naming file:pos.
TEST(FixturesTest, TruncatedHeaderFailsWithPosition) {
  const DecodeResult r = Decode(StrCat(kRmc, "binlog_truncated_event.000001"));
  ASSERT_FALSE(r.status.ok());
  EXPECT_THAT(std::string(r.status.message()),
              HasSubstr("binlog_truncated_event.000001:4: truncated event header"));
}

TEST(FixturesTest, TruncatedPreviousGtidsFailsWithPosition) {
  const DecodeResult r = Decode(StrCat(kRmc, "binlog_truncated_prev_gtid_event.000001"));
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.events, 1);  // the FDE
  EXPECT_THAT(std::string(r.status.message()), HasSubstr(".000001:120: truncated"));
}

TEST(FixturesTest, CorruptRelayLogFailsAtTheCorruptQuery) {
  const DecodeResult r = Decode(StrCat(kRmc, "corrupt-relay-bin.000624"));
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("corrupt-relay-bin.000624:91204: QUERY"));
  EXPECT_EQ(r.counts.at("FORMAT_DESCRIPTION"), 2);
}

// PARTIAL_UPDATE_ROWS with binlog_row_image=MINIMAL: the before image holds only the key,
// so the JSON diffs cannot be applied and are printed as diffs (MANIFEST.md: one REPLACE of
// $.age per row; the generated columns name and age in full).
TEST(FixturesTest, PartialJsonUpdatesOfMinimalImages) {
  const DecodeResult r = Decode(StrCat(kRmc, "json.binlog.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.counts.at("PARTIAL_UPDATE_ROWS"), 1);
  ASSERT_EQ(r.rows.size(), 18u);
  const char* const names[] = {"Joe", "Sue", "Pete"};
  const int ages[] = {26, 34, 42};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(r.rows[12 + static_cast<size_t>(i)],
              StrCat("update mysql.t {\"@1\":", i + 1, "} -> {\"@2\":{\"$json_diff\":[{\"op\":",
                     "\"replace\",\"path\":\"$.age\",\"value\":", ages[i % 3], "}]},\"@3\":\"",
                     names[i % 3], "\",\"@4\":", ages[i % 3], "}"));
  }
}

// The PREVIOUS_GTIDS set of a file as "uuid[:tag]:start-end" per interval.
std::vector<std::string> PreviousGtidSet(std::string_view rel) {
  std::vector<std::string> out;
  auto reader = FileReader::Open(Path(rel));
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return out;
  EventView ev;
  while (*(*reader)->Next(&ev)) {
    if (ev.header.type != static_cast<uint8_t>(EventType::kPreviousGtids)) continue;
    Event event;
    EXPECT_TRUE((*reader)->Decode(ev, &event).ok());
    std::vector<PreviousGtidsEvent::Entry> entries;
    const absl::Status st = std::get<PreviousGtidsEvent>(event).Decode(&entries);
    EXPECT_TRUE(st.ok()) << st;
    for (const auto& e : entries) {
      for (const auto& iv : e.intervals) {
        std::string s;
        AppendUuidText(e.sid, &s);
        if (!e.tag.empty()) StrAppend(&s, ":", e.tag);
        StrAppend(&s, ":", iv.start, "-", iv.end);
        out.push_back(s);
      }
    }
  }
  return out;
}

// MySQL 9.6 tagged GTIDs (MANIFEST.md: the GTID is 55778904-...:mytag:3; PREVIOUS_GTIDS
// holds [1,14) untagged and mytag [1,3) of the same UUID).
TEST(FixturesTest, TaggedGtidsAndPreviousGtids) {
  const DecodeResult r = Decode(StrCat(kRmc, "binlog_transaction_with_GTID_TAG.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.gtids, std::vector<std::string>{"55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3"});
  EXPECT_EQ(r.rows,
            std::vector<std::string>{R"(insert test.orders {"@1":3,"@2":100,"@3":"250.00"})"});
  EXPECT_EQ(PreviousGtidSet(StrCat(kRmc, "binlog_transaction_with_GTID_TAG.000001")),
            (std::vector<std::string>{"55778904-0299-11f1-b1b8-4ef0c4956feb:1-14",
                                      "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:1-3"}));
  EXPECT_EQ(PreviousGtidSet(StrCat(kRmc, "binlog_transaction_previous_GTID_no_tag.000001")),
            std::vector<std::string>{"b9b88c66-0755-11f1-9899-4a9da94c4d71:1-3"});
}

// MySQL binary JSON with opaque values, as MANIFEST.md states them (the text is MySQL's:
// DECIMAL a number with its scale, temporals as strings, other types base64).
TEST(FixturesTest, JsonOpaqueValuesPrintAsMysql) {
  const DecodeResult r = Decode(StrCat(kRmc, "json-opaque.binlog"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows,
            (std::vector<std::string>{R"(insert foo.test {"a":{"a":"base64:type15:VQ=="}})",
                                      R"(insert foo.test {"a":{"b":"2012-03-18"}})",
                                      R"(insert foo.test {"a":{"c":"2012-03-18 11:30:45.000000"}})",
                                      R"(insert foo.test {"a":{"c":"87:31:46.654321"}})",
                                      R"(insert foo.test {"a":{"d":123.456}})",
                                      R"(insert foo.test {"a":{"e":9.00}})",
                                      R"(insert foo.test {"a":{"e":[0,1,true,false]}})",
                                      R"(insert foo.test {"a":{"e":null}})"}));
}

TEST(FixturesTest, JsonDocumentsOfFullImageUpdates) {
  const DecodeResult r = Decode(StrCat(kRmc, "json.binlog.000001"));
  ASSERT_GE(r.rows.size(), 12u) << r.status;
  EXPECT_EQ(r.rows[0], R"(insert mysql.t {"@1":1,"@2":{"age":24,"data":"xxxxxxxxxx","name":"Joe"},)"
                       R"("@3":"Joe","@4":24})");
  EXPECT_EQ(r.rows[8],
            R"(update mysql.t {"@1":3,"@2":{"age":40,"data":"zzzzzzzzzz","name":"Pete"},)"
            R"("@3":"Pete","@4":40} -> {"@1":3,"@2":{"age":41,"data":"zzzzzzzzzz",)"
            R"("name":"Pete"},"@3":"Pete","@4":41})");
  const DecodeResult p =
      Decode("mysql-binlog-connector-rust/tests/parse_file_tests/mysql-bin.000057");
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_THAT(p.rows[1], HasSubstr(R"("@10":{"c":1},"@11":"product_3_value")"));
}

TEST(FixturesTest, DecimalTableFromGoMysql) {
  const DecodeResult r = Decode("go-mysql/replication/t/tcb-eval002c-bin.003320");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 17u);
  EXPECT_EQ(r.rows[0],
            R"(insert test.decodedecimal {"@1":1,"@2":"-10.55","@3":"-11","@4":"-10.550",)"
            R"("@5":"-10.55","@6":"-10.550","@7":"-10.55","@8":"-9.99999999999999",)"
            R"("@9":"-10.5500000000","@10":"-10.55000","@11":"-10.55000000000000000000",)"
            R"("@12":"-10.5500000000000000000000000","@13":4,"@14":2})");
  EXPECT_THAT(r.rows[9], HasSubstr(R"("@2":"0.00","@3":"0","@4":"0.000")"));
  EXPECT_THAT(r.rows[9], HasSubstr(R"("@8":"-0.00000001234500","@9":"-0.0000000123","@10":"0.00000")"));
  EXPECT_THAT(r.rows[10], HasSubstr(R"("@10":"1234500009876.50000")"));
  EXPECT_THAT(r.rows[10], HasSubstr(R"("@11":"9999999999.99999999999999999999")"));
  EXPECT_THAT(r.rows[16], HasSubstr(R"("@3":"-1948","@4":"-1948.140")"));
}

TEST(FixturesTest, NegativeTime2) {
  const DecodeResult r = Decode(StrCat(kRmc, "time_issue.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, std::vector<std::string>{R"(insert noria.t {"@1":"-507:48:27"})"});
}

TEST(FixturesTest, MinimalImageSignednessOverAllColumns) {
  const DecodeResult r = Decode(StrCat(kRmc, "minimal_row_metadata.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, std::vector<std::string>{
                        R"(insert noria.t1 {"@1":1,"@3":"a","@5":3230202323})"});
}

TEST(FixturesTest, EnumSetCharAndFullMetadata) {
  const DecodeResult r = Decode(StrCat(kRmc, "mysql-enum-string-set.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 3u);
  std::string f1;
  for (int i = 0; i < 10; ++i) f1 += "0123456789";
  EXPECT_THAT(r.rows[0], HasSubstr(StrCat(R"({"f1":")", f1, R"(","f2":")")));
  EXPECT_THAT(r.rows[0], HasSubstr(R"("f3":"var1","f4":["one","three"],"f5":"0123456789"})"));
  EXPECT_THAT(r.rows[1], HasSubstr(R"(-> {"f1":"field1","f2":"field_2","f3":"variant2","f4":["two","four"])"));
  EXPECT_THAT(r.rows[2], HasSubstr(R"(delete mysql.t {"f1":"field1")"));
}

TEST(FixturesTest, BitColumns) {
  const DecodeResult r = Decode(StrCat(kRmc, "mysql_type_bit.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, std::vector<std::string>{R"(insert mysql.foo {"a":4,"b":"foo","c":32})"});
}

TEST(FixturesTest, InvisibleColumnsAndUnsigned) {
  const DecodeResult r = Decode(StrCat(kRmc, "binlog-invisible-columns.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0],
            R"(insert mysql.t1 {"f1":1,"f2":2,"f3":-3,"f4":"4","f5":"0x05","f6":6000000000})");
  EXPECT_EQ(r.rows[2],
            R"(update mysql.t1 {"f1":null,"f2":null,"f3":-33,"f4":"44","f5":"0x55","f6":null})"
            R"( -> {"f1":111,"f2":222,"f3":-333,"f4":"444","f5":"0x55","f6":null})");
}

TEST(FixturesTest, MariaDb105FullMetadata) {
  const DecodeResult r = Decode(StrCat(kRmc, "mariadb-bin.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.gtids, (std::vector<std::string>{"0-1-1", "0-1-2"}));
  ASSERT_EQ(r.rows.size(), 2u);
  // created is TIMESTAMP 1650493084 = 2022-04-20 22:18:04 UTC.
  EXPECT_EQ(r.rows[0], R"(insert toddy_test.outbox {"id":62,"topic":"foo","event_type":"JSON",)"
                       R"("event":"0x7b22666f6f223a317d","created":"2022-04-20 22:18:04"})");
  EXPECT_EQ(r.counts.at("MARIA_ANNOTATE_ROWS"), 2);
  EXPECT_TRUE(Contains(r.queries, "insert into outbox (topic, event_type, event) values ('foo', "
                                  "'JSON', '{\"foo\":1}')"));
}

TEST(FixturesTest, MariaDb100NoChecksumCharQuirk) {
  const DecodeResult r = Decode("binlog-parser/data/fixtures/mysql-bin.07");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.gtids, (std::vector<std::string>{"0-3704-2815", "0-3704-2816"}));
  // No charset metadata in 10.0: strings are hex ('ABC','DEF'), ('RST','XYZ').
  EXPECT_EQ(r.rows, (std::vector<std::string>{
                        R"(insert test_db.departments {"@1":"0x414243","@2":"0x444546"})",
                        R"(insert test_db.departments {"@1":"0x525354","@2":"0x58595a"})"}));
}

TEST(FixturesTest, Mysql56TimestampAndTableIdChange) {
  const DecodeResult r = Decode("binlog-parser/data/fixtures/mysql-bin.06");
  ASSERT_TRUE(r.status.ok()) << r.status;
  // 1493012711 = 2017-04-24 05:45:11 UTC; 'German' = 4765726d616e.
  EXPECT_EQ(r.rows, (std::vector<std::string>{
      R"(insert test_db.language {"@1":70,"@2":"0x4765726d616e","@3":"2017-04-24 05:45:11"})",
      R"(insert test_db.language {"@1":71,"@2":"0x4765726d616e","@3":"2017-04-24 05:45:41",)"
      R"("@4":"0x736f6d652076616c7565"})"}));
}

TEST(FixturesTest, GtidFixtureUpdatesAndDate) {
  const DecodeResult r = Decode("binlog-parser/data/gtid-fixtures/mysql-bin.01");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.counts.at("GTID"), 17);
  EXPECT_EQ(r.counts.at("TABLE_MAP"), 10);
  EXPECT_EQ(r.rows.size(), 10u);
  // 'Marketing' -> 'MARKETING'
  EXPECT_TRUE(Contains(r.rows, R"(update test_db.rooms {"@1":4,"@2":"0x4d61726b6574696e67","@3":2})"
                               R"( -> {"@1":4,"@2":"0x4d41524b4554494e47","@3":2})"));
  const DecodeResult e = Decode("binlog-parser/data/fixtures/mysql-bin.02");
  ASSERT_TRUE(e.status.ok()) << e.status;
  EXPECT_THAT(e.rows.at(0), HasSubstr(R"({"@1":1,"@2":"2017-04-13",)"));
}

TEST(FixturesTest, TransactionPayloads) {
  DecodeResult r = Decode(StrCat(kRmc, "transaction_compression.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.counts.at("in:QUERY"), 1);
  EXPECT_EQ(r.counts.at("in:TABLE_MAP"), 1);
  EXPECT_EQ(r.counts.at("in:WRITE_ROWS_V2"), 1);
  EXPECT_EQ(r.counts.at("in:XID"), 1);
  EXPECT_EQ(r.rows, std::vector<std::string>{R"(insert test.tb1 {"@1":1})"});

  r = Decode(StrCat(kJava, "mysql-bin.compressed"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_THAT(r.rows[0], HasSubstr(R"({"@1":1,"@2":"Once Upon a Time in the West","@3":1968,)"
                                   R"("@4":"Italy","@5":"Western",)"));
  EXPECT_THAT(r.rows[0], HasSubstr(R"(-> {"@1":1,"@2":"Once Upon a Time in the West","@3":1968,)"
                                   R"("@4":"Italy","@5":"Western|Action",)"));

  r = Decode("mysql-binlog-connector-rust/tests/parse_file_tests/mysql-bin.000057");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.gtids, (std::vector<std::string>{"76f3e7be-6720-11ed-9cad-0242ac110002:11",
                                               "76f3e7be-6720-11ed-9cad-0242ac110002:12",
                                               "76f3e7be-6720-11ed-9cad-0242ac110002:13"}));
  EXPECT_EQ(r.counts.at("in:ROWS_QUERY"), 3);
  EXPECT_TRUE(Contains(r.queries, "insert into b values(1)"));
  ASSERT_EQ(r.rows.size(), 3u);
  // SET bitmask 8 -> 4, ENUM 4, DATE, TIMESTAMP2 1668951630 = 2022-11-20 13:40:30 UTC.
  EXPECT_THAT(r.rows[1], HasSubstr(R"("@6":"2022-11-20 13:40:30","@7":4,"@8":8,)"));
  EXPECT_THAT(r.rows[1], HasSubstr(R"(-> {"@1":55555,)"));
  EXPECT_THAT(r.rows[1], HasSubstr(R"("@8":4,)"));
  EXPECT_THAT(r.rows[2], HasSubstr(R"("@6":"2022-11-20 13:53:32")"));  // 1668952412
}

TEST(FixturesTest, VectorDimensionsAndValues) {
  const DecodeResult r = Decode(StrCat(kRmc, "vector.binlog"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(Contains(r.rows, R"(insert dtb.foo {"id":1,"vector_column":[1.1,2.2,3.3]})"));
  EXPECT_TRUE(Contains(r.rows, R"(insert dtb.foo {"id":2,"vector_column":[1,-1,0]})"));
  EXPECT_TRUE(Contains(r.rows, R"(insert dtb.bar {"id":2,"vector_column":[1.01,-1.01],)"
                               R"("foo":"bar","vector_column2":[42,43,44,45]})"));
}

TEST(FixturesTest, PerconaUnsignedBigintUpdatesAndDeletes) {
  const DecodeResult r = Decode("percona-binlog-server/mtr/binlog_streaming/std_data/"
                                "data_80045_gtid.zip/data_80045_gtid/binlog.000002");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, (std::vector<std::string>{
                        R"(update test.t1 {"@1":1} -> {"@1":101})",
                        R"(update test.t1 {"@1":2} -> {"@1":102})",
                        R"(update test.t1 {"@1":3} -> {"@1":103})",
                        R"(delete test.t1 {"@1":4})", R"(delete test.t1 {"@1":5})",
                        R"(delete test.t1 {"@1":6})"}));
  EXPECT_EQ(r.counts.at("STOP"), 1);
}

TEST(FixturesTest, LineitemDecimalsDatesAndUtf8) {
  const DecodeResult r = Decode("mysql-cdc-rs/tests/events/8.0/02_query_bigger/binlog.000733");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows.at(0),
            R"(insert test.LINEITEM {"@1":1234567890111,"@2":1235111,"@3":13711,"@4":888878711,)"
            R"("@5":"99.911","@6":"76.11","@7":"888.1","@8":"109.1","@9":"code","@10":"Y",)"
            R"("@11":"1990-08-01","@12":"1990-06-01","@13":"1990-01-01","@14":"test@test.com",)"
            R"("@15":"test","@16":"com"})");
  EXPECT_THAT(r.rows.at(3), HasSubstr("使用箭头标记"));
}

TEST(FixturesTest, FloatDoubleDecimalUpdate57) {
  const DecodeResult r = Decode("mysql-cdc-rs/tests/events/5.7/31_update_rows_v2/log.bin");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_THAT(r.rows[0], HasSubstr(R"("@7":1,"@8":2,"@9":"3.0000"} -> {"@1":1,"@2":"0x7864")"));
  EXPECT_THAT(r.rows[0], HasSubstr(R"("@7":4,"@8":4,"@9":"4.0000"})"));
}

TEST(FixturesTest, PartialNdbImagesAndHiddenColumn) {
  DecodeResult r = Decode(StrCat(kRmc, "rpl_unfiltered_hidden_gcol.000001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, std::vector<std::string>{R"(insert test.t {"@1":1,"@3":"1"})"});
  EXPECT_EQ(r.counts.at("FORMAT_DESCRIPTION"), 2);
  r = Decode(StrCat(kRmc, "ver_5_1_23.001"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(Contains(r.rows, R"(delete test.t1 {"@1":2,"@2":"0x74776f"})"));
}

TEST(FixturesTest, AuroraPaddingIsSurfacedAsIgnorable) {
  const DecodeResult r = Decode(StrCat(kJava, "mysql-bin.aurora-padding"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.counts.at("UNKNOWN_100"), 1);
  EXPECT_TRUE(Contains(r.queries, "BEGIN"));
}

// Every truncation and single-byte flip of real files: error or valid decode, no crash.
TEST(FixturesTest, MutationsOfRealFilesFailCleanly) {
  for (std::string_view rel : {std::string_view("mysql-enum-string-set.000001"),
                               std::string_view("mariadb-bin.000001"),
                               std::string_view("transaction_compression.000001")}) {
    std::ifstream in(Path(StrCat(kRmc, rel)), std::ios::binary);
    ASSERT_TRUE(in) << "cannot read fixture " << rel;
    const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    for (size_t n = 0; n < file.size(); ++n) {
      (void)DecodeBuffer("cut", ByteView(file.data(), n));
    }
    for (size_t i = 4; i < file.size(); ++i) {
      std::vector<uint8_t> m = file;
      m[i] ^= 0x5a;
      const DecodeResult r = DecodeBuffer("flip", m);
      if (!r.status.ok()) {
        EXPECT_THAT(std::string(r.status.message()), HasSubstr("flip:")) << r.status;
      }
    }
  }
}

TEST(FixturesTest, SakilaGzipOldTemporalTypes) {
  gzFile gz = gzopen(Path(StrCat(kJava, "mysql-bin.sakila.gz")).c_str(), "rb");
  ASSERT_NE(gz, nullptr) << "cannot open mysql-bin.sakila.gz";
  std::vector<uint8_t> data;
  uint8_t buf[65536];
  for (int n; (n = gzread(gz, buf, sizeof buf)) > 0;) data.insert(data.end(), buf, buf + n);
  gzclose(gz);
  const DecodeResult r = DecodeBuffer("mysql-bin.sakila", ByteView(data));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.events, 1462);
  EXPECT_EQ(r.counts.at("WRITE_ROWS_V1"), 1374);
  // First film row: year 2006, DECIMAL 0.99 / 20.99, ENUM 2, SET 12, TIMESTAMP 1139976222.
  bool found = false;
  for (const auto& row : r.rows) {
    if (row.rfind("insert sakila.film {\"@1\":1,", 0) == 0) {
      found = true;
      EXPECT_THAT(row, HasSubstr(R"("@4":2006,"@5":1,"@6":null,"@7":6,"@8":"0.99","@9":86,)"
                                 R"("@10":"20.99","@11":2,"@12":12,"@13":"2006-02-15 04:03:42"})"));
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace binsync::binlog::testing
