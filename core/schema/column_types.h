// What a column's information_schema type says about its values, for code that reads or
// binds them as text (verify's hashes, bounds and repairs). Column `c` of a TableInfo
// loaded from a server (column_types, column_specs, column_charsets, column_nullable one
// per column); a vector left empty (tests) reads as "no".
#ifndef BINSYNC_CORE_SCHEMA_COLUMN_TYPES_H_
#define BINSYNC_CORE_SCHEMA_COLUMN_TYPES_H_

#include <cstddef>
#include <string>

#include "core/schema/table_info.h"

namespace binsync::schema {

[[nodiscard]] bool IsIntegerColumn(const TableInfo& t, size_t c);   // tinyint..bigint, year
[[nodiscard]] bool IsUnsignedColumn(const TableInfo& t, size_t c);  // COLUMN_TYPE says unsigned
[[nodiscard]] bool IsDecimalColumn(const TableInfo& t, size_t c);
[[nodiscard]] bool IsFloatColumn(const TableInfo& t, size_t c);     // float, double, real
// Binary strings, blobs, bit, geometry, and character columns in the binary charset.
[[nodiscard]] bool IsBinaryColumn(const TableInfo& t, size_t c);
[[nodiscard]] bool IsNullableColumn(const TableInfo& t, size_t c);
// The column's COLUMN_TYPE ("int(10) unsigned"), empty when unknown.
[[nodiscard]] const std::string& ColumnType(const TableInfo& t, size_t c);

// `db`.`table`
[[nodiscard]] std::string QuotedName(const TableInfo& t);

}  // namespace binsync::schema

#endif  // BINSYNC_CORE_SCHEMA_COLUMN_TYPES_H_
