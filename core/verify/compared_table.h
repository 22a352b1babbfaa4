// The part of a table verify compares, as a schema::TableInfo (the one table model, loaded
// by net/mysql/schema_loader): its columns but the generated ones (they follow from the others
// and cannot be written), and only the unique keys verify can chunk by (every column NOT
// NULL, none on a column prefix, none generated), PRIMARY first. RowKey() is then verify's
// key; none: the table is compared whole. Column names compare without regard to case,
// as the server compares them.
#ifndef BINSYNC_CORE_VERIFY_COMPARED_TABLE_H_
#define BINSYNC_CORE_VERIFY_COMPARED_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/schema/table_info.h"

namespace binsync {

[[nodiscard]] schema::TableInfo ComparedTable(const schema::TableInfo& info);

// Verify's key columns (indexes into columns, in index order); empty without a key.
[[nodiscard]] const std::vector<uint32_t>& KeyColumns(const schema::TableInfo& t);
// The index verify's key is ("PRIMARY" or a unique index); empty without a key.
[[nodiscard]] const std::string& KeyName(const schema::TableInfo& t);
[[nodiscard]] inline bool HasPrimaryKey(const schema::TableInfo& t) {
  return KeyName(t) == "PRIMARY";
}

// How verify compares a table present on both sides with the same columns.
enum class Comparison {
  kRowsByKey,   // only given rows, fetched by primary key (resync's touched rows)
  kChunked,     // chunk by chunk along verify's key, narrowed to rows
  kWholeTable,  // no usable key: one checksum of the whole table, not narrowed
};
// `row_key_columns`: the key columns the caller's rows are given by (nullptr: none). They
// are used when they are t's primary key's columns in order (names in any case).
[[nodiscard]] Comparison ChooseComparison(const schema::TableInfo& t,
                                          const std::vector<std::string>* row_key_columns);

// Why a and b cannot be compared column by column, or nullopt when they can: columns
// missing on one side, in another order, or of another type, nullability or charset.
[[nodiscard]] std::optional<std::string> SchemaDifference(const schema::TableInfo& a,
                                                          const schema::TableInfo& b);

}  // namespace binsync

#endif  // BINSYNC_CORE_VERIFY_COMPARED_TABLE_H_
