// Writeset normalisation without a server: keys fold ASCII case and trailing spaces on
// purpose (a unique index may treat those as equal), NULL or missing key parts give no
// identity, tables and key values keep keys apart, and the row-key helpers.
#include "core/replicate/writeset.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/core/replicate/test_values.h"

namespace binsync::replicate {
namespace {

using binlog::RowImage;
using binlog::Value;
using binlog::ValueKind;
using testing::Int;
using testing::Null;
using testing::Text;

schema::TableInfo Table(std::string db, std::string name) {
  schema::TableInfo t;
  t.db = std::move(db);
  t.name = std::move(name);
  t.columns = {"id", "code", "v"};
  t.unique_keys = {{0}, {1}};  // PRIMARY KEY (id), UNIQUE (code)
  t.has_primary = true;
  return t;
}




std::string KeyForm(const Value& v) {
  std::string out;
  AppendKeyValue(v, &out);
  return out;
}

TEST(AppendKeyValueTest, StringsFoldAsciiCaseAndTrailingSpaces) {
  const std::string a = "Hello", b = "hELLO  ", c = "hello";
  EXPECT_EQ(KeyForm(Text(a)), KeyForm(Text(b)));
  EXPECT_EQ(KeyForm(Text(a)), KeyForm(Text(c)));
}

TEST(AppendKeyValueTest, LeadingSpacesAndNonAsciiAreNotFolded) {
  const std::string a = "x", lead = " x", e_acute = "\xC3\xA9", e_acute_upper = "\xC3\x89";
  EXPECT_NE(KeyForm(Text(a)), KeyForm(Text(lead)));
  EXPECT_NE(KeyForm(Text(e_acute)), KeyForm(Text(e_acute_upper)));  // conservative: only ASCII
}

TEST(AppendKeyValueTest, StringTerminatorKeepsCompositePartsApart) {
  const std::string ab = "ab", c = "c", a = "a", bc = "bc";
  std::string x, y;
  AppendKeyValue(Text(ab), &x);
  AppendKeyValue(Text(c), &x);
  AppendKeyValue(Text(a), &y);
  AppendKeyValue(Text(bc), &y);
  EXPECT_NE(x, y);
}

TEST(AppendKeyValueTest, NegativeZeroIsZeroAndKindsDiffer) {
  Value pz, nz;
  pz.kind = nz.kind = ValueKind::kDouble;
  pz.double_value = 0.0;
  nz.double_value = -0.0;
  EXPECT_EQ(KeyForm(pz), KeyForm(nz));
  Value u;
  u.kind = ValueKind::kUint;
  u.uint_value = 5;
  EXPECT_NE(KeyForm(Int(5)), KeyForm(u));  // signed 5 and unsigned 5 are other columns' values
}

TEST(AppendKeyValueTest, TemporalPartsAndTimestampMicrosCount) {
  Value d;
  d.kind = ValueKind::kDatetime;
  d.temporal = {2024, 2, 29, 23, 59, 59, 0, false};
  Value later = d;
  later.temporal.micro = 1;
  EXPECT_NE(KeyForm(d), KeyForm(later));
  Value ts;
  ts.kind = ValueKind::kTimestamp;
  ts.int_value = 10;
  Value ts2 = ts;
  ts2.temporal.micro = 500;
  EXPECT_NE(KeyForm(ts), KeyForm(ts2));
}

TEST(RowKeyHashTest, FoldedValuesHashEqualOtherTablesAndDatabasesDiffer) {
  const schema::TableInfo t = Table("shop", "item"), u = Table("shop", "order"),
                          other_db = Table("shop2", "item");
  RowImage a, b;
  const std::string lower = "k", upper = "K ";
  a.values = {Text(lower), Int(1), Int(2)};
  b.values = {Text(upper), Int(9), Int(9)};
  uint64_t ha = 0, hb = 0, hu = 0, hd = 0;
  ASSERT_TRUE(RowKeyHash(t, a, &ha));
  ASSERT_TRUE(RowKeyHash(t, b, &hb));
  EXPECT_EQ(ha, hb);  // only the row key counts, folded
  ASSERT_TRUE(RowKeyHash(u, a, &hu));
  ASSERT_TRUE(RowKeyHash(other_db, a, &hd));
  EXPECT_NE(ha, hu);
  EXPECT_NE(ha, hd);
}

TEST(RowKeyHashTest, DatabaseAndTableNamesDoNotRunTogether) {
  RowImage a;
  a.values = {Int(1), Int(1), Int(1)};
  uint64_t h1 = 0, h2 = 0;
  ASSERT_TRUE(RowKeyHash(Table("ab", "c"), a, &h1));
  ASSERT_TRUE(RowKeyHash(Table("a", "bc"), a, &h2));
  EXPECT_NE(h1, h2);
}

TEST(RowKeyHashTest, NoIdentityWithoutAKeyOrWithANullOrMissingPart) {
  schema::TableInfo keyless = Table("shop", "log");
  keyless.unique_keys.clear();
  keyless.has_primary = false;
  RowImage a;
  a.values = {Int(1), Int(2), Int(3)};
  uint64_t h = 0;
  EXPECT_FALSE(RowKeyHash(keyless, a, &h));

  schema::TableInfo unique_only = Table("shop", "u");
  unique_only.unique_keys = {{1}};
  unique_only.has_primary = false;
  RowImage null_part;
  null_part.values = {Int(1), Null(), Int(3)};
  EXPECT_FALSE(RowKeyHash(unique_only, null_part, &h));  // NULLs never collide in an index

  RowImage absent;
  absent.values = {Int(1), Int(2), Int(3)};
  absent.values[0].kind = ValueKind::kAbsent;
  EXPECT_FALSE(RowKeyHash(Table("shop", "item"), absent, &h));
  RowImage short_image;
  EXPECT_FALSE(RowKeyHash(Table("shop", "item"), short_image, &h));
}

TEST(PrimaryKeyTextTest, IntegersAndStringsOnly) {
  const schema::TableInfo t = Table("shop", "item");
  std::vector<std::string> out;
  RowImage a;
  a.values = {Int(-7), Int(0), Int(0)};
  ASSERT_TRUE(PrimaryKeyText(t, a, &out));
  EXPECT_EQ(out, std::vector<std::string>{"-7"});
  const std::string s = "Ab ";
  a.values[0] = Text(s);
  ASSERT_TRUE(PrimaryKeyText(t, a, &out));
  EXPECT_EQ(out, std::vector<std::string>{"Ab "});  // exact: not folded
  a.values[0] = Null();
  EXPECT_FALSE(PrimaryKeyText(t, a, &out));
  schema::TableInfo unique_only = t;
  unique_only.has_primary = false;
  a.values[0] = Int(1);
  EXPECT_FALSE(PrimaryKeyText(unique_only, a, &out));
}

TEST(DescribeRowKeyTest, KeyColumnsOrFirstColumnsWhenKeyless) {
  const schema::TableInfo t = Table("shop", "item");
  RowImage a;
  const std::string s = "x";
  a.values = {Int(5), Text(s), Null()};
  EXPECT_EQ(DescribeRowKey(t, a), "(id=5)");
  schema::TableInfo keyless = t;
  keyless.unique_keys.clear();
  EXPECT_EQ(DescribeRowKey(keyless, a), "(id=5, code='x', v=NULL)");
}

}  // namespace
}  // namespace binsync::replicate
