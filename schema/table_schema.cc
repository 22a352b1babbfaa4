#include "schema/table_schema.h"

#include <algorithm>

#include "util/strings.h"

namespace binsync {
namespace {

bool In(std::string_view v, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

}  // namespace

bool ColumnInfo::IsInteger() const {
  return In(data_type, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"});
}
bool ColumnInfo::IsUnsigned() const { return ContainsIgnoreCase(column_type, "unsigned"); }
bool ColumnInfo::IsDecimal() const { return In(data_type, {"decimal", "numeric"}); }
bool ColumnInfo::IsFloat() const { return In(data_type, {"float", "double", "real"}); }
bool ColumnInfo::IsBinary() const {
  return In(data_type, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
                        "bit", "geometry", "point", "linestring", "polygon", "multipoint",
                        "multilinestring", "multipolygon", "geometrycollection"}) ||
         (charset == "binary");
}

std::string TableSchema::QuotedName() const { return QuoteIdentifier(db) + "." + QuoteIdentifier(table); }

std::optional<std::string> SchemaDifference(const TableSchema& a, const TableSchema& b) {
  for (const ColumnInfo& ca : a.columns) {
    auto it = std::find_if(b.columns.begin(), b.columns.end(),
                           [&](const ColumnInfo& c) { return c.name == ca.name; });
    if (it == b.columns.end()) return StrCat("column ", ca.name, " missing on B");
    if (it->column_type != ca.column_type) {
      return StrCat("column ", ca.name, " is ", ca.column_type, " on A, ", it->column_type,
                    " on B");
    }
    if (it->nullable != ca.nullable) {
      return StrCat("column ", ca.name, " is ", ca.nullable ? "NULL" : "NOT NULL", " on A, ",
                    it->nullable ? "NULL" : "NOT NULL", " on B");
    }
    if (it->charset != ca.charset) {
      return StrCat("column ", ca.name, " has charset ", ca.charset, " on A, ", it->charset,
                    " on B");
    }
  }
  for (const ColumnInfo& cb : b.columns) {
    if (std::none_of(a.columns.begin(), a.columns.end(),
                     [&](const ColumnInfo& c) { return c.name == cb.name; })) {
      return StrCat("column ", cb.name, " missing on A");
    }
  }
  for (size_t i = 0; i < a.columns.size(); ++i) {
    if (a.columns[i].name != b.columns[i].name) {
      return StrCat("columns in another order (position ", i + 1, ": ", a.columns[i].name,
                    " on A, ", b.columns[i].name, " on B)");
    }
  }
  return std::nullopt;
}

}  // namespace binsync
