// A table as verify sees it (from information_schema); the SQL verify runs on it is
// verify/sql.h.
#ifndef BINSYNC_SCHEMA_TABLE_SCHEMA_H_
#define BINSYNC_SCHEMA_TABLE_SCHEMA_H_

#include <optional>
#include <string>
#include <vector>

namespace binsync {

struct ColumnInfo {
  std::string name;
  std::string data_type;    // information_schema DATA_TYPE, lower case: int, varchar, ...
  std::string column_type;  // COLUMN_TYPE: int(10) unsigned, varchar(20), ...
  std::string charset;      // empty for non-character columns
  std::string collation;
  bool nullable = false;

  [[nodiscard]] bool IsInteger() const;   // tinyint..bigint, year
  [[nodiscard]] bool IsUnsigned() const;  // column_type says unsigned
  [[nodiscard]] bool IsDecimal() const;
  [[nodiscard]] bool IsFloat() const;     // float, double
  [[nodiscard]] bool IsBinary() const;    // binary strings, blobs, bit, geometry
};

enum class KeyKind { kPrimary, kUnique, kNone };

struct TableSchema {
  std::string db;
  std::string table;
  std::vector<ColumnInfo> columns;  // in ordinal order
  KeyKind key_kind = KeyKind::kNone;
  std::string key_name;       // PRIMARY or the unique index used for chunking
  std::vector<size_t> key;    // indexes into columns, in index order

  [[nodiscard]] std::string Name() const { return db + "." + table; }  // db.table
  [[nodiscard]] std::string QuotedName() const;                        // `db`.`table`
};

// Why a and b cannot be compared column by column, or nullopt when they can: columns
// missing on one side, in another order, or of another type or nullability.
[[nodiscard]] std::optional<std::string> SchemaDifference(const TableSchema& a,
                                                          const TableSchema& b);

}  // namespace binsync

#endif  // BINSYNC_SCHEMA_TABLE_SCHEMA_H_
