// The applier's statements, read as strings: every RowOp on tables with a primary key,
// a composite key, only a unique key, no key, a latin1 column, INET6/INET4/UUID columns,
// and minimal images. No server.
#include "core/replicate/row_plan.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

using binlog::RowImage;
using binlog::ValueKind;

struct Col {
  std::string name, type, charset;
};

schema::TableInfo Table(std::string name, const std::vector<Col>& cols,
                     std::vector<std::vector<uint32_t>> keys, bool has_primary) {
  schema::TableInfo t;
  t.db = "shop";
  t.name = std::move(name);
  for (const Col& c : cols) {
    t.columns.push_back(c.name);
    t.column_types.push_back(c.type);
    t.column_charsets.push_back(c.charset);
  }
  t.unique_keys = std::move(keys);
  t.has_primary = has_primary;
  return t;
}

// "1" per carried column, "0" per absent one (binlog_row_image=MINIMAL).
RowImage Image(std::string_view carried) {
  RowImage img;
  img.values.resize(carried.size());
  for (size_t i = 0; i < carried.size(); ++i) {
    img.values[i].kind = carried[i] == '1' ? ValueKind::kInt : ValueKind::kAbsent;
  }
  return img;
}

// The plan as "SQL\nparams: ...", or the error.
std::string Show(RowOp op, const schema::TableInfo& t, const RowShape& shape) {
  absl::StatusOr<RowPlan> plan = BuildRowPlan(op, t, shape);
  if (!plan.ok()) return "error: " + std::string(plan.status().message());
  if (plan->op != op) return "plan for another operation";
  return plan->sql + "\nparams: " + DescribeParams(*plan, t);
}

// id INT, name VARCHAR utf8mb4, qty INT; PRIMARY KEY (id).
schema::TableInfo Item() {
  return Table("item", {{"id", "int", ""}, {"name", "varchar", "utf8mb4"}, {"qty", "int", ""}},
               {{0}}, true);
}

TEST(RowPlanTest, PrimaryKeyEveryOperation) {
  const schema::TableInfo t = Item();
  const RowImage full = Image("111");
  const RowShape before{.before = &full};
  const RowShape after{.after = &full};
  const RowShape both{.before = &full, .after = &full};
  EXPECT_EQ(Show(RowOp::kInsert, t, after),
            "INSERT INTO `shop`.`item` (`id`, `name`, `qty`) VALUES (?, ?, ?)\n"
            "params: after.id, after.name:text, after.qty");
  EXPECT_EQ(Show(RowOp::kUpsert, t, after),
            "INSERT INTO `shop`.`item` (`id`, `name`, `qty`) VALUES (?, ?, ?) ON DUPLICATE KEY "
            "UPDATE `id` = VALUES(`id`), `name` = VALUES(`name`), `qty` = VALUES(`qty`)\n"
            "params: after.id, after.name:text, after.qty");
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, both),
            "UPDATE `shop`.`item` SET `id` = ?, `name` = ?, `qty` = ? WHERE `id` = ?\n"
            "params: after.id, after.name:text, after.qty, before.id");
  EXPECT_EQ(Show(RowOp::kUpdateMatching, t, both),
            "UPDATE `shop`.`item` SET `id` = ?, `name` = ?, `qty` = ? WHERE `id` <=> ? AND "
            "`name` <=> ? AND `qty` <=> ? LIMIT 1\n"
            "params: after.id, after.name:text, after.qty, before.id, before.name:text, "
            "before.qty");
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, before),
            "DELETE FROM `shop`.`item` WHERE `id` = ?\n"
            "params: before.id");
  EXPECT_EQ(Show(RowOp::kDeleteMatching, t, before),
            "DELETE FROM `shop`.`item` WHERE `id` <=> ? AND `name` <=> ? AND `qty` <=> ? "
            "LIMIT 1\n"
            "params: before.id, before.name:text, before.qty");
  EXPECT_EQ(Show(RowOp::kExistsByKey, t, before),
            "SELECT 1 FROM `shop`.`item` WHERE `id` = ? LIMIT 1\n"
            "params: before.id");
  EXPECT_EQ(Show(RowOp::kExistsMatching, t, before),
            "SELECT 1 FROM `shop`.`item` WHERE `id` <=> ? AND `name` <=> ? AND `qty` <=> ? "
            "LIMIT 1\n"
            "params: before.id, before.name:text, before.qty");
  EXPECT_EQ(Show(RowOp::kUpsertRows, t, {.rows = 1}),
            "INSERT INTO `shop`.`item` (`id`, `name`, `qty`) VALUES (?, ?, ?) ON DUPLICATE KEY "
            "UPDATE `id` = VALUES(`id`), `name` = VALUES(`name`), `qty` = VALUES(`qty`)\n"
            "params: row0.id, row0.name:text, row0.qty");
  EXPECT_EQ(Show(RowOp::kDeleteRowsByPrimaryKey, t, {.rows = 1}),
            "DELETE FROM `shop`.`item` WHERE (`id`) IN ((?))\n"
            "params: row0.id");
}

TEST(RowPlanTest, ParamsCarryImageColumnTextAndPadding) {
  const schema::TableInfo t = Item();
  const RowImage full = Image("111");
  absl::StatusOr<RowPlan> plan =
      BuildRowPlan(RowOp::kUpdateByKey, t, {.before = &full, .after = &full});
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<PlanParam> want = {
      {.image = 1, .column = 0, .as_text = false, .pad_to = 0},
      {.image = 1, .column = 1, .as_text = true, .pad_to = 0},
      {.image = 1, .column = 2, .as_text = false, .pad_to = 0},
      {.image = 0, .column = 0, .as_text = false, .pad_to = 0},
  };
  EXPECT_EQ(plan->params, want);
}

TEST(RowPlanTest, CompositePrimaryKey) {
  // PRIMARY KEY (b, a): key order, not column order.
  const schema::TableInfo t = Table(
      "pair", {{"a", "int", ""}, {"b", "varchar", "utf8mb4"}, {"v", "int", ""}}, {{1, 0}}, true);
  const RowImage full = Image("111");
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, {.before = &full, .after = &full}),
            "UPDATE `shop`.`pair` SET `a` = ?, `b` = ?, `v` = ? WHERE `b` = ? AND `a` = ?\n"
            "params: after.a, after.b:text, after.v, before.b:text, before.a");
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &full}),
            "DELETE FROM `shop`.`pair` WHERE `b` = ? AND `a` = ?\n"
            "params: before.b:text, before.a");
  EXPECT_EQ(Show(RowOp::kExistsByKey, t, {.before = &full}),
            "SELECT 1 FROM `shop`.`pair` WHERE `b` = ? AND `a` = ? LIMIT 1\n"
            "params: before.b:text, before.a");
  EXPECT_EQ(Show(RowOp::kDeleteRowsByPrimaryKey, t, {.rows = 2}),
            "DELETE FROM `shop`.`pair` WHERE (`b`, `a`) IN ((?, ?), (?, ?))\n"
            "params: row0.b:text, row0.a, row1.b:text, row1.a");
}

TEST(RowPlanTest, UniqueKeyOnlyIsNullSafeWithoutLimit) {
  // No primary key: the first unique key finds the row, compared with <=> (its columns
  // may be NULL).
  const schema::TableInfo t = Table(
      "person", {{"id", "int", ""}, {"email", "varchar", "ascii"}, {"v", "int", ""}}, {{1}},
      false);
  const RowImage full = Image("111");
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, {.before = &full, .after = &full}),
            "UPDATE `shop`.`person` SET `id` = ?, `email` = ?, `v` = ? WHERE `email` <=> ?\n"
            "params: after.id, after.email:text, after.v, before.email:text");
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &full}),
            "DELETE FROM `shop`.`person` WHERE `email` <=> ?\n"
            "params: before.email:text");
  EXPECT_EQ(Show(RowOp::kExistsByKey, t, {.before = &full}),
            "SELECT 1 FROM `shop`.`person` WHERE `email` <=> ? LIMIT 1\n"
            "params: before.email:text");
  EXPECT_EQ(Show(RowOp::kDeleteMatching, t, {.before = &full}),
            "DELETE FROM `shop`.`person` WHERE `id` <=> ? AND `email` <=> ? AND `v` <=> ? "
            "LIMIT 1\n"
            "params: before.id, before.email:text, before.v");
  EXPECT_EQ(Show(RowOp::kUpsertRows, t, {.rows = 1}),
            "INSERT INTO `shop`.`person` (`id`, `email`, `v`) VALUES (?, ?, ?) ON DUPLICATE KEY "
            "UPDATE `id` = VALUES(`id`), `email` = VALUES(`email`), `v` = VALUES(`v`)\n"
            "params: row0.id, row0.email:text, row0.v");
  EXPECT_EQ(Show(RowOp::kDeleteRowsByPrimaryKey, t, {.rows = 2}),
            "error: shop.person: no multi-row delete by primary key statement: the table has no "
            "primary key");
  // NULL in the unique key: many rows may hold it, so the whole image finds one row.
  RowImage null_email = Image("111");
  null_email.values[1].kind = ValueKind::kNull;
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, {.before = &null_email, .after = &full}),
            "UPDATE `shop`.`person` SET `id` = ?, `email` = ?, `v` = ? WHERE `id` <=> ? AND "
            "`email` <=> ? AND `v` <=> ? LIMIT 1\n"
            "params: after.id, after.email:text, after.v, before.id, before.email:text, before.v");
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &null_email}),
            "DELETE FROM `shop`.`person` WHERE `id` <=> ? AND `email` <=> ? AND `v` <=> ? "
            "LIMIT 1\n"
            "params: before.id, before.email:text, before.v");
  std::string by_key, by_image;
  RowPlanKey(RowOp::kDeleteByKey, t, {.before = &full}, &by_key);
  RowPlanKey(RowOp::kDeleteByKey, t, {.before = &null_email}, &by_image);
  EXPECT_NE(by_key, by_image);  // two statements, cached apart
}

TEST(RowPlanTest, KeylessTableFindsRowsByTheWholeImage) {
  const schema::TableInfo t =
      Table("log", {{"at", "datetime", ""}, {"msg", "text", "utf8mb3"}}, {}, false);
  const RowImage full = Image("11");
  // By key and matching are the same statement without a key.
  const std::string update =
      "UPDATE `shop`.`log` SET `at` = ?, `msg` = ? WHERE `at` <=> ? AND `msg` <=> ? LIMIT 1\n"
      "params: after.at, after.msg:text, before.at, before.msg:text";
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, {.before = &full, .after = &full}), update);
  EXPECT_EQ(Show(RowOp::kUpdateMatching, t, {.before = &full, .after = &full}), update);
  const std::string del =
      "DELETE FROM `shop`.`log` WHERE `at` <=> ? AND `msg` <=> ? LIMIT 1\n"
      "params: before.at, before.msg:text";
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &full}), del);
  EXPECT_EQ(Show(RowOp::kDeleteMatching, t, {.before = &full}), del);
  // Exactly one LIMIT 1 either way.
  const std::string exists =
      "SELECT 1 FROM `shop`.`log` WHERE `at` <=> ? AND `msg` <=> ? LIMIT 1\n"
      "params: before.at, before.msg:text";
  EXPECT_EQ(Show(RowOp::kExistsByKey, t, {.before = &full}), exists);
  EXPECT_EQ(Show(RowOp::kExistsMatching, t, {.before = &full}), exists);
  EXPECT_EQ(Show(RowOp::kInsert, t, {.after = &full}),
            "INSERT INTO `shop`.`log` (`at`, `msg`) VALUES (?, ?)\n"
            "params: after.at, after.msg:text");
}

TEST(RowPlanTest, NonUtf8CharacterColumnIsCastFromBytes) {
  const schema::TableInfo t = Table(
      "legacy",
      {{"id", "int", ""}, {"name", "varchar", "latin1"}, {"code", "char", "ASCII"},
       {"bin", "varbinary", ""}},
      {{0}}, true);
  const RowImage full = Image("1111");
  EXPECT_EQ(Show(RowOp::kUpsert, t, {.after = &full}),
            "INSERT INTO `shop`.`legacy` (`id`, `name`, `code`, `bin`) VALUES (?, CAST(? AS "
            "CHAR CHARACTER SET latin1), ?, ?) ON DUPLICATE KEY UPDATE `id` = VALUES(`id`), "
            "`name` = VALUES(`name`), `code` = VALUES(`code`), `bin` = VALUES(`bin`)\n"
            "params: after.id, after.name, after.code:text, after.bin");
  EXPECT_EQ(Show(RowOp::kDeleteMatching, t, {.before = &full}),
            "DELETE FROM `shop`.`legacy` WHERE `id` <=> ? AND `name` <=> CAST(? AS CHAR "
            "CHARACTER SET latin1) AND `code` <=> ? AND `bin` <=> ? LIMIT 1\n"
            "params: before.id, before.name, before.code:text, before.bin");
}

TEST(RowPlanTest, LatinKeyColumnIsCastInEveryPlacement) {
  const schema::TableInfo t = Table(
      "tag", {{"name", "varchar", "latin1"}, {"n", "int", ""}}, {{0}}, true);
  const RowImage full = Image("11");
  EXPECT_EQ(Show(RowOp::kExistsByKey, t, {.before = &full}),
            "SELECT 1 FROM `shop`.`tag` WHERE `name` = CAST(? AS CHAR CHARACTER SET latin1) "
            "LIMIT 1\n"
            "params: before.name");
  EXPECT_EQ(Show(RowOp::kDeleteRowsByPrimaryKey, t, {.rows = 2}),
            "DELETE FROM `shop`.`tag` WHERE (`name`) IN ((CAST(? AS CHAR CHARACTER SET latin1)), "
            "(CAST(? AS CHAR CHARACTER SET latin1)))\n"
            "params: row0.name, row1.name");
}

TEST(RowPlanTest, FixedSizeBinaryTypesArePadded) {
  const schema::TableInfo t = Table(
      "host", {{"id", "int", ""}, {"ip", "inet6", ""}, {"ip4", "inet4", ""}, {"u", "uuid", ""}},
      {{1}}, true);
  const RowImage full = Image("1111");
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, {.before = &full, .after = &full}),
            "UPDATE `shop`.`host` SET `id` = ?, `ip` = ?, `ip4` = ?, `u` = ? WHERE `ip` = ?\n"
            "params: after.id, after.ip:pad16, after.ip4:pad4, after.u:pad16, before.ip:pad16");
  EXPECT_EQ(Show(RowOp::kDeleteRowsByPrimaryKey, t, {.rows = 2}),
            "DELETE FROM `shop`.`host` WHERE (`ip`) IN ((?), (?))\n"
            "params: row0.ip:pad16, row1.ip:pad16");
}

TEST(RowPlanTest, MinimalImages) {
  const schema::TableInfo t = Item();
  const RowImage key_only = Image("100");
  const RowImage qty_only = Image("001");
  const RowImage no_key = Image("011");
  const RowImage short_image = Image("1");  // fewer values than columns: the rest absent
  // binlog_row_image=MINIMAL update: the key in the before image, the changed column after.
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, {.before = &key_only, .after = &qty_only}),
            "UPDATE `shop`.`item` SET `qty` = ? WHERE `id` = ?\n"
            "params: after.qty, before.id");
  EXPECT_EQ(Show(RowOp::kUpdateMatching, t, {.before = &key_only, .after = &qty_only}),
            "UPDATE `shop`.`item` SET `qty` = ? WHERE `id` <=> ? LIMIT 1\n"
            "params: after.qty, before.id");
  // A before image without the key: found by the columns it carries.
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &no_key}),
            "DELETE FROM `shop`.`item` WHERE `name` <=> ? AND `qty` <=> ? LIMIT 1\n"
            "params: before.name:text, before.qty");
  EXPECT_EQ(Show(RowOp::kExistsByKey, t, {.before = &no_key}),
            "SELECT 1 FROM `shop`.`item` WHERE `name` <=> ? AND `qty` <=> ? LIMIT 1\n"
            "params: before.name:text, before.qty");
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &short_image}),
            "DELETE FROM `shop`.`item` WHERE `id` = ?\n"
            "params: before.id");
  EXPECT_EQ(Show(RowOp::kInsert, t, {.after = &no_key}),
            "INSERT INTO `shop`.`item` (`name`, `qty`) VALUES (?, ?)\n"
            "params: after.name:text, after.qty");
  EXPECT_EQ(Show(RowOp::kUpsert, t, {.after = &short_image}),
            "INSERT INTO `shop`.`item` (`id`) VALUES (?) ON DUPLICATE KEY UPDATE `id` = "
            "VALUES(`id`)\n"
            "params: after.id");
}

TEST(RowPlanTest, MultiRowRuns) {
  const schema::TableInfo t = Item();
  EXPECT_EQ(Show(RowOp::kUpsertRows, t, {.rows = 2}),
            "INSERT INTO `shop`.`item` (`id`, `name`, `qty`) VALUES (?, ?, ?), (?, ?, ?) ON "
            "DUPLICATE KEY UPDATE `id` = VALUES(`id`), `name` = VALUES(`name`), `qty` = "
            "VALUES(`qty`)\n"
            "params: row0.id, row0.name:text, row0.qty, row1.id, row1.name:text, row1.qty");
  EXPECT_EQ(Show(RowOp::kDeleteRowsByPrimaryKey, t, {.rows = 2}),
            "DELETE FROM `shop`.`item` WHERE (`id`) IN ((?), (?))\n"
            "params: row0.id, row1.id");

  std::string tuples, keys;
  for (int r = 0; r < 64; ++r) {
    tuples += r == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
    keys += r == 0 ? "(?)" : ", (?)";
  }
  absl::StatusOr<RowPlan> up = BuildRowPlan(RowOp::kUpsertRows, t, {.rows = 64});
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->sql, "INSERT INTO `shop`.`item` (`id`, `name`, `qty`) VALUES " + tuples +
                         " ON DUPLICATE KEY UPDATE `id` = VALUES(`id`), `name` = "
                         "VALUES(`name`), `qty` = VALUES(`qty`)");
  ASSERT_EQ(up->params.size(), 192u);
  EXPECT_EQ(up->params[3], (PlanParam{.image = 1, .column = 0}));
  EXPECT_EQ(up->params[190], (PlanParam{.image = 63, .column = 1, .as_text = true}));
  EXPECT_EQ(up->params[191], (PlanParam{.image = 63, .column = 2}));

  absl::StatusOr<RowPlan> del = BuildRowPlan(RowOp::kDeleteRowsByPrimaryKey, t, {.rows = 64});
  ASSERT_TRUE(del.ok()) << del.status();
  EXPECT_EQ(del->sql, "DELETE FROM `shop`.`item` WHERE (`id`) IN (" + keys + ")");
  ASSERT_EQ(del->params.size(), 64u);
  for (uint16_t r = 0; r < 64; ++r) {
    EXPECT_EQ(del->params[r], (PlanParam{.image = r, .column = 0})) << "row " << r;
  }
}

TEST(RowPlanTest, IdentifiersAreQuoted) {
  schema::TableInfo t = Table("we`ird", {{"a`b", "int", ""}, {"c", "int", ""}}, {{0}}, true);
  t.db = "d`b";
  const RowImage full = Image("11");
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &full}),
            "DELETE FROM `d``b`.`we``ird` WHERE `a``b` = ?\n"
            "params: before.a`b");
}

TEST(RowPlanTest, ShapesThatDoNotFitAreRefused) {
  const schema::TableInfo t = Item();
  const RowImage full = Image("111");
  EXPECT_EQ(Show(RowOp::kInsert, t, {.before = &full}),
            "error: shop.item: no insert statement: no after image");
  EXPECT_EQ(Show(RowOp::kUpdateByKey, t, {.after = &full}),
            "error: shop.item: no update by key statement: no before image");
  EXPECT_EQ(Show(RowOp::kUpdateMatching, t, {.before = &full}),
            "error: shop.item: no update matching the row statement: no after image");
  EXPECT_EQ(Show(RowOp::kExistsMatching, t, {.after = &full}),
            "error: shop.item: no exists matching the row statement: no before image");
  EXPECT_EQ(Show(RowOp::kDeleteByKey, t, {.before = &full, .rows = 2}),
            "error: shop.item: no delete by key statement: a single-row operation takes rows = 1");
  EXPECT_EQ(Show(RowOp::kUpsertRows, t, {.rows = 0}),
            "error: shop.item: no multi-row upsert statement: 1 to 65536 rows");
  EXPECT_EQ(Show(RowOp::kUpsertRows, t, {.rows = 65537}),
            "error: shop.item: no multi-row upsert statement: 1 to 65536 rows");
  schema::TableInfo broken = t;
  broken.column_charsets.pop_back();
  EXPECT_EQ(Show(RowOp::kInsert, broken, {.after = &full}),
            "error: shop.item: no insert statement: the table's column names, types and "
            "charsets differ in number");
  broken = t;
  broken.unique_keys = {{3}};
  EXPECT_EQ(Show(RowOp::kDeleteByKey, broken, {.before = &full}),
            "error: shop.item: no delete by key statement: a key names column 3 of 3");
}

TEST(RowPlanTest, KeyTellsShapesApart) {
  const schema::TableInfo t = Item();
  const schema::TableInfo other = Table("other", {{"id", "int", ""}, {"name", "varchar", "utf8mb4"},
                                               {"qty", "int", ""}}, {{0}}, true);
  const RowImage full = Image("111");
  const RowImage full_too = Image("111");
  const RowImage minimal = Image("101");
  auto key = [](RowOp op, const schema::TableInfo& info, const RowShape& shape) {
    std::string k;
    RowPlanKey(op, info, shape, &k);
    return k;
  };
  const std::string base = key(RowOp::kUpdateByKey, t, {.before = &full, .after = &full});
  EXPECT_EQ(base, key(RowOp::kUpdateByKey, t, {.before = &full_too, .after = &full_too}));
  EXPECT_NE(base, key(RowOp::kUpdateMatching, t, {.before = &full, .after = &full}));
  EXPECT_NE(base, key(RowOp::kUpdateByKey, other, {.before = &full, .after = &full}));
  EXPECT_NE(base, key(RowOp::kUpdateByKey, t, {.before = &minimal, .after = &full}));
  EXPECT_NE(base, key(RowOp::kUpdateByKey, t, {.before = &full, .after = &minimal}));
  // The same columns carried by the other image are another shape.
  EXPECT_NE(key(RowOp::kExistsMatching, t, {.before = &full}),
            key(RowOp::kExistsMatching, t, {.after = &full}));
  EXPECT_NE(key(RowOp::kUpsertRows, t, {.rows = 8}), key(RowOp::kUpsertRows, t, {.rows = 64}));
}

TEST(RowPlanTest, KeyReusesItsBuffer) {
  const schema::TableInfo t = Item();
  const RowImage full = Image("111");
  std::string k;
  k.reserve(256);
  const char* data = k.data();
  RowPlanKey(RowOp::kUpdateByKey, t, {.before = &full, .after = &full}, &k);
  const std::string first = k;
  RowPlanKey(RowOp::kDeleteByKey, t, {.before = &full}, &k);
  RowPlanKey(RowOp::kUpdateByKey, t, {.before = &full, .after = &full}, &k);
  EXPECT_EQ(k, first);  // replaced, not appended to
  EXPECT_EQ(k.data(), data);
}

TEST(RowPlanTest, EveryOperationHasAName) {
  const RowOp all[] = {RowOp::kInsert,         RowOp::kUpsert,          RowOp::kUpdateByKey,
                       RowOp::kUpdateMatching, RowOp::kDeleteByKey,     RowOp::kDeleteMatching,
                       RowOp::kExistsByKey,    RowOp::kExistsMatching,  RowOp::kUpsertRows,
                       RowOp::kDeleteRowsByPrimaryKey};
  std::vector<std::string_view> names;
  for (RowOp op : all) {
    EXPECT_NE(RowOpName(op), "unknown row operation");
    for (std::string_view seen : names) EXPECT_NE(RowOpName(op), seen);
    names.push_back(RowOpName(op));
    EXPECT_EQ(IsMultiRow(op), op == RowOp::kUpsertRows || op == RowOp::kDeleteRowsByPrimaryKey);
  }
}

}  // namespace
}  // namespace binsync::replicate
