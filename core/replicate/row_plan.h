// Row statement plans: for each row operation the applier runs, a table, and the shape
// of the row images (which columns each carries), the SQL text and which value binds
// each placeholder. Pure code: no server, no libmariadb. The executor (net/replicate/applier)
// builds a plan once per shape, prepares it, caches it under RowPlanKey, and binds
// values by the plan's parameter list; tests read plans as strings
// (tests/core/replicate/row_plan_test.cc).
//
// How a row is found (the WHERE of updates, deletes and existence checks):
//   by key    the table's row key (schema::TableInfo::RowKey: the primary key, else the first
//             unique key) when the before image carries every column of it:
//             `k = ?` for a primary key, `k <=> ?` for a unique key (its columns may be
//             NULL); otherwise as "matching" below (a keyless table, a minimal image, or a
//             unique key whose value in the before image has a NULL part: such a key
//             does not identify one row).
//   matching  every column the before image carries, `c <=> ?`, then `LIMIT 1`: the
//             row must equal the image, not only share its key.
// A character column in a charset other than utf8mb4/utf8mb3/utf8/ascii takes
// `CAST(? AS CHAR CHARACTER SET cs)` and its value is bound as bytes; INET6 and UUID
// values are padded to 16 bytes, INET4 to 4 (the binlog drops trailing zero bytes).
#ifndef BINSYNC_CORE_REPLICATE_ROW_PLAN_H_
#define BINSYNC_CORE_REPLICATE_ROW_PLAN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/binlog/rows_event.h"
#include "core/schema/table_info.h"

namespace binsync::replicate {

// Every statement shape the applier runs for a row change. Single-row operations bind
// image 0 (the before image: the row to find) and image 1 (the after image); multi-row
// operations bind image r for row r.
enum class RowOp : uint8_t {
  kInsert,          // INSERT of the after image's columns; a duplicate key is an error
  kUpsert,          // the same ... ON DUPLICATE KEY UPDATE each of them (insert or overwrite)
  kUpdateByKey,     // UPDATE ... SET the after image's columns, row found by key
  kUpdateMatching,  // the same, row found matching the whole before image
  kDeleteByKey,     // DELETE, row found by key
  kDeleteMatching,  // DELETE, row found matching the whole before image
  kExistsByKey,     // SELECT 1 ... LIMIT 1, row found by key
  kExistsMatching,  // SELECT 1 ... LIMIT 1, row found matching the whole image
  kUpsertRows,      // catchup: multi-row upsert of full images, every column
  kDeleteRowsByPrimaryKey,  // catchup: DELETE ... WHERE (primary key) IN ((...), ...)
};

// "insert", "upsert", "update by key", ...: for messages and tests.
[[nodiscard]] std::string_view RowOpName(RowOp op);
// True for kUpsertRows and kDeleteRowsByPrimaryKey.
[[nodiscard]] bool IsMultiRow(RowOp op);

// What a plan is built for besides the operation and the table. Only which values of an
// image are ValueKind::kAbsent matters (binlog_row_image=MINIMAL leaves columns out); the
// images are not kept. Single-row operations: `before` for updates, deletes and existence
// checks (for kExistsMatching the image to find, whichever it is), `after` for inserts,
// upserts and updates; `rows` is 1. Multi-row operations: no images (every column, or
// the primary key's, of each row), `rows` >= 1.
struct RowShape {
  const binlog::RowImage* before = nullptr;
  const binlog::RowImage* after = nullptr;
  uint32_t rows = 1;
};

// Which value binds a placeholder.
struct PlanParam {
  uint16_t image = 0;    // single-row: 0 before, 1 after; multi-row: the row
  uint32_t column = 0;   // index into schema::TableInfo::columns
  bool as_text = false;  // utf8/ascii character column: a string binds as text, else bytes
  uint8_t pad_to = 0;    // INET6/UUID 16, INET4 4: zero bytes appended up to this length

  friend bool operator==(const PlanParam&, const PlanParam&) = default;
};

// One statement: its SQL and, in placeholder order, what binds each `?`.
struct RowPlan {
  RowOp op = RowOp::kInsert;
  std::string sql;
  std::vector<PlanParam> params;
};

// Builds the statement for `op` on `info` and `shape`. InvalidArgument when the shape
// does not fit the operation (a missing image, rows != 1 for a single-row operation or 0
// for a multi-row one, kDeleteRowsByPrimaryKey on a table without a primary key, a
// schema::TableInfo whose per-column vectors disagree).
[[nodiscard]] absl::StatusOr<RowPlan> BuildRowPlan(RowOp op, const schema::TableInfo& info,
                                                   const RowShape& shape);

// The statement cache key: everything BuildRowPlan reads from its arguments (operation,
// row count, table name, which columns each image carries), so equal keys mean equal
// plans for one schema::TableInfo. Replaces the contents of `*key`, reusing its capacity: no
// allocation per row once the buffer has grown.
void RowPlanKey(RowOp op, const schema::TableInfo& info, const RowShape& shape, std::string* key);

// The parameters as text, in order: "before.id, after.name:text, row1.ip:pad16"
// (single-row images are named before/after, multi-row images row0, row1, ...).
[[nodiscard]] std::string DescribeParams(const RowPlan& plan, const schema::TableInfo& info);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_ROW_PLAN_H_
