// What the apply pipeline knows about a target table: its columns in order and its
// unique keys (primary first), read from the target's information_schema.
#ifndef BINSYNC_CORE_SCHEMA_TABLE_INFO_H_
#define BINSYNC_CORE_SCHEMA_TABLE_INFO_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync::schema {

// A column's type as information_schema.COLUMNS describes it (lower case).
struct ColumnSpec {
  std::string column_type;          // COLUMN_TYPE: "int(11) unsigned", "enum('a','b')"
  uint64_t char_length = 0;         // CHARACTER_MAXIMUM_LENGTH (characters)
  uint64_t octet_length = 0;        // CHARACTER_OCTET_LENGTH
  uint32_t numeric_precision = 0;   // NUMERIC_PRECISION (BIT: bits)
  uint32_t numeric_scale = 0;       // NUMERIC_SCALE
  uint32_t datetime_precision = 0;  // DATETIME_PRECISION
};

struct TableInfo {
  std::string db, name;
  std::vector<std::string> columns;       // in ordinal order
  std::vector<std::string> column_types;  // information_schema DATA_TYPE, lower case
  std::vector<std::string> column_charsets;  // CHARACTER_SET_NAME, empty for non-text
  std::vector<ColumnSpec> column_specs;      // one per column (may be empty in tests)
  // Unique keys as column indexes; the primary key first when has_primary.
  std::vector<std::vector<uint32_t>> unique_keys;
  std::vector<std::string> unique_key_names;
  bool has_primary = false;
  // Child or parent of a foreign key: its changes may cascade or depend on other tables'
  // rows, which its own key values do not capture.
  bool in_foreign_key = false;
  // A unique key on a column prefix: equal hashes cannot be guaranteed for rows the index
  // considers equal, so the table is applied serially.
  bool prefix_unique_key = false;
  // Per column (one each when loaded from a server; may be empty in tests):
  std::vector<bool> column_nullable;             // IS_NULLABLE
  std::vector<std::string> column_collations;    // COLLATION_NAME, empty for non-text
  // A generated column follows from the others and cannot be written (verify leaves it
  // out of its comparison).
  std::vector<bool> column_generated;
  // Per unique key (parallel to unique_keys): some column of it may be NULL, or it is on a
  // column prefix. verify chunks by a key with neither.
  std::vector<bool> unique_key_nullable;
  std::vector<bool> unique_key_prefix;

  [[nodiscard]] std::string QualifiedName() const { return db + "." + name; }
  // The key used to find a row on the target: the primary key, else the first unique key,
  // else none (rows are matched on the full before image).
  [[nodiscard]] const std::vector<uint32_t>* RowKey() const {
    return unique_keys.empty() ? nullptr : &unique_keys.front();
  }
};

// Resolves db.table on the target; NotFound when the table does not exist there.
using TableLookup = std::function<absl::StatusOr<std::shared_ptr<const TableInfo>>(
    std::string_view db, std::string_view table)>;

// Whether replication covers db.table (--databases / --tables).
using TableFilter = std::function<bool(std::string_view db, std::string_view table)>;

}  // namespace binsync::schema

#endif  // BINSYNC_CORE_SCHEMA_TABLE_INFO_H_
