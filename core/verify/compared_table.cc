#include "core/verify/compared_table.h"

#include <algorithm>

#include "core/schema/column_types.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

using schema::TableInfo;

template <typename T>
void CopyIf(const std::vector<T>& from, const std::vector<bool>& keep, std::vector<T>* to) {
  if (from.size() != keep.size()) return;  // not loaded (tests): stays empty
  for (size_t i = 0; i < from.size(); ++i) {
    if (keep[i]) to->push_back(from[i]);
  }
}

bool Flag(const std::vector<bool>& v, size_t i) { return i < v.size() && v[i]; }

std::optional<size_t> FindColumn(const TableInfo& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (EqualsIgnoreCase(t.columns[i], name)) return i;
  }
  return std::nullopt;
}

}  // namespace

TableInfo ComparedTable(const TableInfo& info) {
  const size_t n = info.columns.size();
  std::vector<bool> keep(n);
  std::vector<uint32_t> new_index(n);
  uint32_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    keep[i] = !Flag(info.column_generated, i);
    new_index[i] = kept;
    if (keep[i]) ++kept;
  }
  TableInfo out;
  out.db = info.db;
  out.name = info.name;
  CopyIf(info.columns, keep, &out.columns);
  CopyIf(info.column_types, keep, &out.column_types);
  CopyIf(info.column_charsets, keep, &out.column_charsets);
  CopyIf(info.column_specs, keep, &out.column_specs);
  CopyIf(info.column_nullable, keep, &out.column_nullable);
  CopyIf(info.column_collations, keep, &out.column_collations);
  out.column_generated.assign(out.columns.size(), false);
  out.in_foreign_key = info.in_foreign_key;
  for (size_t k = 0; k < info.unique_keys.size(); ++k) {
    const std::vector<uint32_t>& cols = info.unique_keys[k];
    const bool usable =
        !cols.empty() && !Flag(info.unique_key_nullable, k) && !Flag(info.unique_key_prefix, k) &&
        std::all_of(cols.begin(), cols.end(), [&](uint32_t c) {
          return c < n && keep[c] && !Flag(info.column_nullable, c);
        });
    if (!usable) continue;
    std::vector<uint32_t>& key = out.unique_keys.emplace_back();
    for (uint32_t c : cols) key.push_back(new_index[c]);
    const std::string& name = k < info.unique_key_names.size() ? info.unique_key_names[k] : "";
    out.unique_key_names.push_back(name);
    out.unique_key_nullable.push_back(false);
    out.unique_key_prefix.push_back(false);
    if (name == "PRIMARY") out.has_primary = true;
  }
  return out;
}

const std::vector<uint32_t>& KeyColumns(const TableInfo& t) {
  static const std::vector<uint32_t> kNone;
  const std::vector<uint32_t>* key = t.RowKey();
  return key != nullptr ? *key : kNone;
}

const std::string& KeyName(const TableInfo& t) {
  static const std::string kNone;
  return t.unique_key_names.empty() ? kNone : t.unique_key_names.front();
}

Comparison ChooseComparison(const TableInfo& t, const std::vector<std::string>* row_key_columns) {
  const std::vector<uint32_t>& key = KeyColumns(t);
  if (row_key_columns != nullptr && HasPrimaryKey(t) && key.size() == row_key_columns->size() &&
      std::equal(key.begin(), key.end(), row_key_columns->begin(),
                 [&](uint32_t c, const std::string& name) { return EqualsIgnoreCase(t.columns[c], name); })) {
    return Comparison::kRowsByKey;
  }
  return key.empty() ? Comparison::kWholeTable : Comparison::kChunked;
}

std::optional<std::string> SchemaDifference(const TableInfo& a, const TableInfo& b) {
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const std::string& name = a.columns[i];
    const std::optional<size_t> j = FindColumn(b, name);
    if (!j) return StrCat("column ", name, " missing on B");
    if (schema::ColumnType(b, *j) != schema::ColumnType(a, i)) {
      return StrCat("column ", name, " is ", schema::ColumnType(a, i), " on A, ",
                    schema::ColumnType(b, *j), " on B");
    }
    const bool null_a = schema::IsNullableColumn(a, i);
    const bool null_b = schema::IsNullableColumn(b, *j);
    if (null_a != null_b) {
      return StrCat("column ", name, " is ", null_a ? "NULL" : "NOT NULL", " on A, ",
                    null_b ? "NULL" : "NOT NULL", " on B");
    }
    const std::string charset_a = i < a.column_charsets.size() ? a.column_charsets[i] : "";
    const std::string charset_b = *j < b.column_charsets.size() ? b.column_charsets[*j] : "";
    if (charset_a != charset_b) {
      return StrCat("column ", name, " has charset ", charset_a, " on A, ", charset_b, " on B");
    }
  }
  for (const std::string& name : b.columns) {
    if (!FindColumn(a, name)) return StrCat("column ", name, " missing on A");
  }
  for (size_t i = 0; i < a.columns.size(); ++i) {
    if (!EqualsIgnoreCase(a.columns[i], b.columns[i])) {
      return StrCat("columns in another order (position ", i + 1, ": ", a.columns[i], " on A, ",
                    b.columns[i], " on B)");
    }
  }
  return std::nullopt;
}

}  // namespace binsync
