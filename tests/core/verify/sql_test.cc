#include "core/verify/sql.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "core/schema/column_types.h"

namespace binsync {
namespace {

using schema::TableInfo;

void AddColumn(TableInfo* t, std::string name, std::string data_type, std::string column_type,
               bool nullable = false, std::string charset = "") {
  t->columns.push_back(std::move(name));
  t->column_types.push_back(std::move(data_type));
  t->column_specs.emplace_back().column_type = std::move(column_type);
  t->column_nullable.push_back(nullable);
  t->column_charsets.push_back(std::move(charset));
}

void SetKey(TableInfo* t, std::string name, std::vector<uint32_t> columns) {
  t->has_primary = name == "PRIMARY";
  t->unique_key_names = {std::move(name)};
  t->unique_keys = {std::move(columns)};
}

// `d`.`t` (id INT PRIMARY KEY, v VARCHAR NULL)
TableInfo IntKeyed() {
  TableInfo t;
  t.db = "d";
  t.name = "t";
  AddColumn(&t, "id", "int", "int(11)");
  AddColumn(&t, "v", "varchar", "varchar(10)", true, "utf8mb4");
  SetKey(&t, "PRIMARY", {0});
  return t;
}

// A key of two columns in index order (b, a), names that need quoting.
TableInfo TwoColumnKey() {
  TableInfo t;
  t.db = "my db";
  t.name = "we`ird";
  AddColumn(&t, "a", "int", "int(11)");
  AddColumn(&t, "b", "varchar", "varchar(5)");
  AddColumn(&t, "f", "double", "double", true);
  SetKey(&t, "uk", {1, 0});
  return t;
}

TEST(VerifySqlTest, QuotesNamesWithBackticksDoubled) {
  EXPECT_EQ(schema::QuotedName(TwoColumnKey()), "`my db`.`we``ird`");
  EXPECT_EQ(VerifySql::DeleteByKey(TwoColumnKey()),
            "DELETE FROM `my db`.`we``ird` WHERE `b` = ? AND `a` = ?");
}

TEST(VerifySqlTest, NoBoundsIsTheWholeTable) {
  EXPECT_EQ(VerifySql::RangeWhere(IntKeyed(), false, false), "1");
}

TEST(VerifySqlTest, OneColumnKeyBounds) {
  EXPECT_EQ(VerifySql::RangeWhere(IntKeyed(), true, false), "((`id` > ?))");
  EXPECT_EQ(VerifySql::RangeWhere(IntKeyed(), false, true), "((`id` <= ?))");
  EXPECT_EQ(VerifySql::RangeWhere(IntKeyed(), true, true), "((`id` > ?)) AND ((`id` <= ?))");
}

// Row comparison expanded per key column in index order; only the last column of the
// upper bound is inclusive.
TEST(VerifySqlTest, MultiColumnKeyBoundsExpandedInIndexOrder) {
  EXPECT_EQ(VerifySql::RangeWhere(TwoColumnKey(), true, false),
            "((`b` > ?) OR (`b` = ? AND `a` > ?))");
  EXPECT_EQ(VerifySql::RangeWhere(TwoColumnKey(), false, true),
            "((`b` < ?) OR (`b` = ? AND `a` <= ?))");
}

TEST(VerifySqlTest, RowHashNullBitmapOnlyForNullableColumnsAndFloatsWidened) {
  EXPECT_EQ(VerifySql::RowHash(IntKeyed(), HashFunctions::kMySql),
            "CAST(CONV(LEFT(SHA1(CONCAT_WS(CHAR(0), `id`, `v`, CONCAT(ISNULL(`v`)))), 16), 16, "
            "10) AS UNSIGNED)");
  EXPECT_EQ(VerifySql::RowHash(TwoColumnKey(), HashFunctions::kMariaDbOnePass),
            "(CRC32(@binsync_row := CONCAT_WS(CHAR(0), `a`, `b`, CAST(`f` AS DOUBLE), "
            "CONCAT(ISNULL(`f`)))) * CRC32C(@binsync_row))");
  const std::string image = "CONCAT_WS(CHAR(0), `id`, `v`, CONCAT(ISNULL(`v`)))";
  EXPECT_EQ(VerifySql::RowHash(IntKeyed(), HashFunctions::kMariaDb),
            "(CRC32(" + image + ") * CRC32C(" + image + "))");
}

TEST(VerifySqlTest, ChunkChecksumForcesTheKeyIndex) {
  const std::string sql = VerifySql::ChunkChecksum(IntKeyed(), HashFunctions::kMySql, true, true);
  EXPECT_EQ(sql.rfind("SELECT COUNT(*), COALESCE(BIT_XOR(", 0), 0u) << sql;
  EXPECT_NE(sql.find(" FROM `d`.`t` FORCE INDEX (`PRIMARY`) WHERE ((`id` > ?)) AND ((`id` <= ?))"),
            std::string::npos)
      << sql;
}

TEST(VerifySqlTest, NextBoundaryOrdersByTheKeyAndTakesAnOffset) {
  EXPECT_EQ(VerifySql::NextBoundary(TwoColumnKey(), false),
            "SELECT `b`, `a` FROM `my db`.`we``ird` FORCE INDEX (`uk`) WHERE 1 ORDER BY `b`, "
            "`a` LIMIT 1 OFFSET ?");
}

TEST(VerifySqlTest, RowHashesSelectsKeyColumnsThenTheHash) {
  const std::string sql = VerifySql::RowHashes(TwoColumnKey(), HashFunctions::kMySql, false, false);
  EXPECT_EQ(sql.rfind("SELECT `b`, `a`, CAST(CONV(", 0), 0u) << sql;
}

// A narrow key multiplies by k + offset; BIGINT by an odd factor from its low 31 bits,
// and leaves the key out of the image unless asked to keep it (buckets wider than 2^31).
TEST(VerifySqlTest, BucketSumsFactorByKeyType) {
  TableInfo t = IntKeyed();
  EXPECT_EQ(VerifySql::BucketSums(t, false, false, false),
            "SELECT `id` DIV ?, COUNT(*), BIT_XOR((CRC32(CONCAT_WS(CHAR(0), `v`, "
            "CONCAT(ISNULL(`v`)))) * (`id` + 2147483649))) FROM `d`.`t` FORCE INDEX "
            "(`PRIMARY`) WHERE 1 GROUP BY 1 ORDER BY NULL");
  t.column_specs[0].column_type = "int(10) unsigned";
  EXPECT_NE(VerifySql::BucketSums(t, false, false, false).find("(`id` + 1)"), std::string::npos);
  t.column_types[0] = "bigint";
  const std::string narrow = VerifySql::BucketSums(t, false, false, false);
  EXPECT_NE(narrow.find("(((`id` & 2147483647) << 1) | 1)"), std::string::npos) << narrow;
  EXPECT_NE(narrow.find("CONCAT_WS(CHAR(0), `v`,"), std::string::npos) << narrow;
  EXPECT_NE(VerifySql::BucketSums(t, false, false, true).find("CONCAT_WS(CHAR(0), `id`, `v`,"),
            std::string::npos);
}

// With the key the only column the image would be empty: the key stays in.
TEST(VerifySqlTest, BucketSumsOfAKeyOnlyTableHashesTheKey) {
  TableInfo t = IntKeyed();
  for (auto* v : {&t.columns, &t.column_types, &t.column_charsets}) v->resize(1);
  t.column_specs.resize(1);
  t.column_nullable.resize(1);
  EXPECT_NE(VerifySql::BucketSums(t, true, false, false).find("CRC32(CONCAT_WS(CHAR(0), `id`))"),
            std::string::npos);
}

TEST(VerifySqlTest, RowsInOneBetweenPerSpan) {
  EXPECT_EQ(VerifySql::RowsIn(IntKeyed(), true, false, 2),
            "SELECT `id`, `v` FROM `d`.`t` FORCE INDEX (`PRIMARY`) WHERE ((`id` > ?)) AND "
            "(`id` BETWEEN ? AND ? OR `id` BETWEEN ? AND ?)");
}

TEST(VerifySqlTest, RowsByKeysAndRowByKey) {
  EXPECT_EQ(VerifySql::RowsByKeys(IntKeyed(), 3),
            "SELECT `id`, `v` FROM `d`.`t` WHERE `id` IN (?, ?, ?)");
  EXPECT_EQ(VerifySql::RowByKey(TwoColumnKey()),
            "SELECT `a`, `b`, CAST(`f` AS DOUBLE) FROM `my db`.`we``ird` WHERE `b` = ? AND "
            "`a` = ?");
}

TEST(VerifySqlTest, UpsertOverwritesEveryColumn) {
  EXPECT_EQ(VerifySql::Upsert(IntKeyed()),
            "INSERT INTO `d`.`t` (`id`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `id` = "
            "VALUES(`id`), `v` = VALUES(`v`)");
}

TEST(VerifySqlTest, TableChecksumHasCountXorAndSum) {
  const std::string sql = VerifySql::TableChecksum(IntKeyed(), HashFunctions::kMySql);
  EXPECT_EQ(sql.rfind("SELECT COUNT(*), COALESCE(BIT_XOR(", 0), 0u);
  EXPECT_NE(sql.find(" & 0xffffffff), 0) FROM `d`.`t`"), std::string::npos) << sql;
}

}  // namespace
}  // namespace binsync
