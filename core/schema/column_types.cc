#include "core/schema/column_types.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "core/util/strings.h"

namespace binsync::schema {
namespace {

bool In(std::string_view v, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

std::string_view DataType(const TableInfo& t, size_t c) {
  return c < t.column_types.size() ? std::string_view(t.column_types[c]) : std::string_view();
}

}  // namespace

bool IsIntegerColumn(const TableInfo& t, size_t c) {
  return In(DataType(t, c), {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"});
}

bool IsUnsignedColumn(const TableInfo& t, size_t c) {
  return ContainsIgnoreCase(ColumnType(t, c), "unsigned");
}

bool IsDecimalColumn(const TableInfo& t, size_t c) { return In(DataType(t, c), {"decimal", "numeric"}); }

bool IsFloatColumn(const TableInfo& t, size_t c) {
  return In(DataType(t, c), {"float", "double", "real"});
}

bool IsBinaryColumn(const TableInfo& t, size_t c) {
  return In(DataType(t, c), {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
                             "bit", "geometry", "point", "linestring", "polygon", "multipoint",
                             "multilinestring", "multipolygon", "geometrycollection"}) ||
         (c < t.column_charsets.size() && t.column_charsets[c] == "binary");
}

bool IsNullableColumn(const TableInfo& t, size_t c) {
  return c < t.column_nullable.size() && t.column_nullable[c];
}

const std::string& ColumnType(const TableInfo& t, size_t c) {
  static const std::string kUnknown;
  return c < t.column_specs.size() ? t.column_specs[c].column_type : kUnknown;
}

std::string QuotedName(const TableInfo& t) { return QuoteIdentifier(t.db) + "." + QuoteIdentifier(t.name); }

}  // namespace binsync::schema
