#include "core/verify/compared_table.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "core/schema/column_types.h"

namespace binsync {
namespace {

using schema::TableInfo;

struct Col {
  // NOLINTNEXTLINE(google-explicit-constructor): {"name", ...} lists read as a table
  Col(const char* n, std::string dt = "int", std::string ct = "int(11)", bool null = false,
      bool gen = false, std::string cs = "")
      : name(n), data_type(std::move(dt)), column_type(std::move(ct)), nullable(null),
        generated(gen), charset(std::move(cs)) {}
  std::string name;
  std::string data_type;
  std::string column_type;
  bool nullable;
  bool generated;
  std::string charset;
};

TableInfo Table(const std::vector<Col>& cols) {
  TableInfo t;
  t.db = "d";
  t.name = "t";
  for (const Col& c : cols) {
    t.columns.push_back(c.name);
    t.column_types.push_back(c.data_type);
    t.column_specs.emplace_back().column_type = c.column_type;
    t.column_charsets.push_back(c.charset);
    t.column_collations.emplace_back();
    t.column_nullable.push_back(c.nullable);
    t.column_generated.push_back(c.generated);
  }
  return t;
}

void AddKey(TableInfo* t, std::string name, std::vector<uint32_t> cols, bool nullable = false,
            bool prefix = false) {
  if (name == "PRIMARY") t->has_primary = true;
  t->unique_key_names.push_back(std::move(name));
  t->unique_keys.push_back(std::move(cols));
  t->unique_key_nullable.push_back(nullable);
  t->unique_key_prefix.push_back(prefix);
}

TEST(ComparedTableTest, GeneratedColumnsLeftOutAndKeyIndexesRemapped) {
  TableInfo t = Table({{"g", "int", "int(11)", false, true}, {"id"}, {"v", "varchar", "varchar(9)"}});
  AddKey(&t, "PRIMARY", {1});
  const TableInfo c = ComparedTable(t);
  EXPECT_EQ(c.columns, (std::vector<std::string>{"id", "v"}));
  EXPECT_EQ(c.column_types, (std::vector<std::string>{"int", "varchar"}));
  EXPECT_EQ(KeyColumns(c), (std::vector<uint32_t>{0}));
  EXPECT_EQ(KeyName(c), "PRIMARY");
  EXPECT_TRUE(HasPrimaryKey(c));
}

// PRIMARY first when present; otherwise the first unique key verify can chunk by: none
// with a NULL-able column, a column prefix or a generated column.
TEST(ComparedTableTest, KeyIsTheFirstUsableUniqueKey) {
  TableInfo t = Table({{"a", "int", "int(11)", true}, {"b"}, {"p", "varchar", "varchar(99)"},
                       {"g", "int", "int(11)", false, true}, {"c"}});
  AddKey(&t, "a_nullable", {0}, /*nullable=*/true);
  AddKey(&t, "b_prefix", {1, 2}, false, /*prefix=*/true);
  AddKey(&t, "g_generated", {3});
  AddKey(&t, "z_usable", {4, 1});
  const TableInfo c = ComparedTable(t);
  EXPECT_EQ(KeyName(c), "z_usable");
  EXPECT_FALSE(HasPrimaryKey(c));
  EXPECT_EQ(KeyColumns(c), (std::vector<uint32_t>{3, 1}));  // g is gone: c moved to 3
}

// A key whose column information_schema says is NULL-able, even if the index row did not.
TEST(ComparedTableTest, NoUsableKeyMeansComparedWhole) {
  TableInfo t = Table({{"a", "int", "int(11)", true}});
  AddKey(&t, "ua", {0});
  const TableInfo c = ComparedTable(t);
  EXPECT_EQ(c.RowKey(), nullptr);
  EXPECT_TRUE(KeyColumns(c).empty());
  EXPECT_EQ(KeyName(c), "");
}

TEST(SchemaDifferenceTest, SameTablesAndColumnNameCaseDoNotDiffer) {
  const TableInfo a = Table({{"id"}, {"Name", "varchar", "varchar(9)"}});
  const TableInfo b = Table({{"ID"}, {"name", "varchar", "varchar(9)"}});
  EXPECT_EQ(SchemaDifference(a, a), std::nullopt);
  EXPECT_EQ(SchemaDifference(a, b), std::nullopt);
}

TEST(SchemaDifferenceTest, NamesWhatDiffers) {
  const TableInfo base = Table({{"id"}, {"v", "varchar", "varchar(9)", true, false, "utf8mb4"}});
  EXPECT_EQ(SchemaDifference(base, Table({{"id"}})), "column v missing on B");
  EXPECT_EQ(SchemaDifference(Table({{"id"}}), base), "column v missing on A");
  EXPECT_EQ(SchemaDifference(base, Table({{"id"}, {"v", "varchar", "varchar(10)", true, false, "utf8mb4"}})),
            "column v is varchar(9) on A, varchar(10) on B");
  EXPECT_EQ(SchemaDifference(base, Table({{"id"}, {"v", "varchar", "varchar(9)", false, false, "utf8mb4"}})),
            "column v is NULL on A, NOT NULL on B");
  EXPECT_EQ(SchemaDifference(base, Table({{"id"}, {"v", "varchar", "varchar(9)", true, false, "latin1"}})),
            "column v has charset utf8mb4 on A, latin1 on B");
  EXPECT_EQ(SchemaDifference(Table({{"a"}, {"b"}}), Table({{"b"}, {"a"}})),
            "columns in another order (position 1: a on A, b on B)");
}

TEST(ColumnTypesTest, ClassesOfTypes) {
  const TableInfo t = Table({{"i"}, {"u", "bigint", "bigint(20) unsigned"}, {"d", "decimal", "decimal(5,2)"},
                             {"f", "double", "double"}, {"b", "varbinary", "varbinary(4)"},
                             {"c", "char", "char(4)", true, false, "binary"}, {"y", "year", "year(4)"},
                             {"s", "varchar", "varchar(4)", false, false, "utf8mb4"}});
  EXPECT_TRUE(schema::IsIntegerColumn(t, 0));
  EXPECT_FALSE(schema::IsUnsignedColumn(t, 0));
  EXPECT_TRUE(schema::IsUnsignedColumn(t, 1));
  EXPECT_TRUE(schema::IsDecimalColumn(t, 2));
  EXPECT_TRUE(schema::IsFloatColumn(t, 3));
  EXPECT_TRUE(schema::IsBinaryColumn(t, 4));
  EXPECT_TRUE(schema::IsBinaryColumn(t, 5));  // a character column in the binary charset
  EXPECT_TRUE(schema::IsNullableColumn(t, 5));
  EXPECT_TRUE(schema::IsIntegerColumn(t, 6));
  EXPECT_FALSE(schema::IsBinaryColumn(t, 7));
  EXPECT_FALSE(schema::IsIntegerColumn(t, 7));
  // Out of range or not loaded: "no", never a crash.
  EXPECT_FALSE(schema::IsNullableColumn(TableInfo{}, 3));
  EXPECT_EQ(schema::ColumnType(TableInfo{}, 0), "");
}

}  // namespace
}  // namespace binsync

namespace binsync {
namespace {

schema::TableInfo KeyedBy(std::string key_name, std::vector<std::string> cols) {
  schema::TableInfo t;
  t.columns = {"ID", "b", "c"};
  t.unique_key_names = {std::move(key_name)};
  std::vector<uint32_t> key;
  for (const std::string& c : cols) key.push_back(c == "ID" ? 0 : c == "b" ? 1 : 2);
  t.unique_keys = {key};
  t.has_primary = t.unique_key_names[0] == "PRIMARY";
  return t;
}

TEST(ChooseComparisonTest, GivenRowsOnlyByThePrimaryKeysColumnsInOrderAnyCase) {
  const std::vector<std::string> id_b = {"id", "B"};
  EXPECT_EQ(ChooseComparison(KeyedBy("PRIMARY", {"ID", "b"}), &id_b), Comparison::kRowsByKey);
  const std::vector<std::string> b_id = {"b", "id"};
  EXPECT_EQ(ChooseComparison(KeyedBy("PRIMARY", {"ID", "b"}), &b_id), Comparison::kChunked);
  const std::vector<std::string> id = {"id"};
  EXPECT_EQ(ChooseComparison(KeyedBy("PRIMARY", {"ID", "b"}), &id), Comparison::kChunked);
  // A unique key with the same columns is not what the rows were keyed by.
  EXPECT_EQ(ChooseComparison(KeyedBy("uk", {"ID", "b"}), &id_b), Comparison::kChunked);
}

TEST(ChooseComparisonTest, WithoutGivenRowsChunkedByAnyKeyElseWhole) {
  EXPECT_EQ(ChooseComparison(KeyedBy("uk", {"c"}), nullptr), Comparison::kChunked);
  schema::TableInfo keyless;
  keyless.columns = {"a"};
  EXPECT_EQ(ChooseComparison(keyless, nullptr), Comparison::kWholeTable);
  const std::vector<std::string> a = {"a"};
  EXPECT_EQ(ChooseComparison(keyless, &a), Comparison::kWholeTable);
}

}  // namespace
}  // namespace binsync
