#include "net/mysql/schema_loader.h"

#include <functional>

#include "net/mysql/statement.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

constexpr const char* kSystemSchemas =
    "('mysql','information_schema','performance_schema','sys','binsync')";

// information_schema numbers (NULL for columns they do not apply to) read as 0.
uint64_t ParseU64(std::optional<std::string_view> s) {
  return ParseUint64(s.value_or("0")).value_or(0);
}

// " AND <schema> = ?" (one schema: information_schema then opens only its tables) or
// " AND <schema> IN (?, ...)", and " AND <table> = ?", with their values.
void AppendScope(const TableScope& scope, std::string_view schema_col, std::string_view table_col,
                 std::string* sql, std::vector<Param>* params) {
  if (scope.schemas.size() == 1) {
    StrAppend(sql, " AND ", schema_col, " = ?");
  } else if (!scope.schemas.empty()) {
    StrAppend(sql, " AND ", schema_col, " IN (");
    for (size_t i = 0; i < scope.schemas.size(); ++i) StrAppend(sql, i == 0 ? "?" : ", ?");
    *sql += ")";
  }
  for (const std::string& s : scope.schemas) params->push_back(Param{s, ParamType::kText});
  if (scope.table) {
    StrAppend(sql, " AND ", table_col, " = ?");
    params->push_back(Param{*scope.table, ParamType::kText});
  }
}

// "db.table" of a row whose first two values are the schema and the table, in a reused
// buffer.
void TableName(const RowValues& row, std::string* name) {
  name->assign(row[0].value_or(""));
  StrAppend(name, ".", row[1].value_or(""));
}

absl::Status Run(Connection& c, const std::string& sql, const std::vector<Param>& params,
                 const std::function<absl::Status(const RowValues&)>& row) {
  ASSIGN_OR_RETURN(PreparedStatement st, PreparedStatement::Prepare(c, sql));
  return st.Query(params, row);
}

absl::Status LoadColumns(Connection& c, const TableScope& scope,
                         std::map<std::string, schema::TableInfo>* out) {
  std::string sql =
      "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, LOWER(c.DATA_TYPE), "
      "c.CHARACTER_SET_NAME, LOWER(c.COLUMN_TYPE), c.CHARACTER_MAXIMUM_LENGTH, "
      "c.CHARACTER_OCTET_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION, "
      "c.COLLATION_NAME, c.IS_NULLABLE, c.EXTRA FROM information_schema.COLUMNS c";
  if (scope.user_base_tables) {
    StrAppend(&sql, " JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND "
                    "t.TABLE_NAME = c.TABLE_NAME WHERE t.TABLE_TYPE = 'BASE TABLE' AND "
                    "c.TABLE_SCHEMA NOT IN ", kSystemSchemas);
  } else {
    sql += " WHERE 1";
  }
  std::vector<Param> params;
  AppendScope(scope, "c.TABLE_SCHEMA", "c.TABLE_NAME", &sql, &params);
  sql += " ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION";
  std::string name;
  return Run(c, sql, params, [&](const RowValues& row) {
    TableName(row, &name);
    schema::TableInfo& info = (*out)[name];
    if (info.columns.empty()) {
      info.db = std::string(row[0].value_or(""));
      info.name = std::string(row[1].value_or(""));
    }
    info.columns.emplace_back(row[2].value_or(""));
    info.column_types.emplace_back(row[3].value_or(""));
    info.column_charsets.emplace_back(row[4].value_or(""));
    schema::ColumnSpec& spec = info.column_specs.emplace_back();
    spec.column_type = std::string(row[5].value_or(""));
    spec.char_length = ParseU64(row[6]);
    spec.octet_length = ParseU64(row[7]);
    spec.numeric_precision = static_cast<uint32_t>(ParseU64(row[8]));
    spec.numeric_scale = static_cast<uint32_t>(ParseU64(row[9]));
    spec.datetime_precision = static_cast<uint32_t>(ParseU64(row[10]));
    info.column_collations.emplace_back(row[11].value_or(""));
    info.column_nullable.push_back(row[12].value_or("") == "YES");
    info.column_generated.push_back(ContainsIgnoreCase(row[13].value_or(""), "GENERATED"));
    return absl::OkStatus();
  });
}

// Unique keys in the order RowKey() relies on: PRIMARY first, then by index name.
absl::Status LoadUniqueKeys(Connection& c, const TableScope& scope,
                            std::map<std::string, schema::TableInfo>* out) {
  std::string sql =
      "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, COLUMN_NAME, NULLABLE, SUB_PART FROM "
      "information_schema.STATISTICS WHERE NON_UNIQUE = 0";
  if (scope.user_base_tables) StrAppend(&sql, " AND TABLE_SCHEMA NOT IN ", kSystemSchemas);
  std::vector<Param> params;
  AppendScope(scope, "TABLE_SCHEMA", "TABLE_NAME", &sql, &params);
  sql += " ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX";
  // With one table in scope every row is that table's, whatever case the server's
  // information_schema gives its name in.
  const bool one_table = scope.table.has_value() && scope.schemas.size() == 1 && out->size() == 1;
  std::string name;
  return Run(c, sql, params, [&](const RowValues& row) {
    TableName(row, &name);
    const auto it = one_table ? out->begin() : out->find(name);
    if (it == out->end()) return absl::OkStatus();  // not a table of the scope
    schema::TableInfo& info = it->second;
    const std::string_view index = row[2].value_or("");
    if (info.unique_key_names.empty() || info.unique_key_names.back() != index) {
      info.unique_key_names.emplace_back(index);
      info.unique_keys.emplace_back();
      info.unique_key_nullable.push_back(false);
      info.unique_key_prefix.push_back(false);
      if (index == "PRIMARY") info.has_primary = true;
    }
    const std::string_view col = row[3].value_or("");
    for (uint32_t i = 0; i < info.columns.size(); ++i) {
      if (EqualsIgnoreCase(info.columns[i], col)) {
        info.unique_keys.back().push_back(i);
        break;
      }
    }
    if (row[4].value_or("") == "YES") info.unique_key_nullable.back() = true;
    if (row[5].has_value()) {
      info.prefix_unique_key = true;
      info.unique_key_prefix.back() = true;
    }
    return absl::OkStatus();
  });
}

// Child or parent of a foreign key. With one table in scope, any match is that table's.
absl::Status LoadForeignKeys(Connection& c, const TableScope& scope,
                             std::map<std::string, schema::TableInfo>* out) {
  std::string child;
  std::string parent;
  std::vector<Param> params;
  AppendScope(scope, "TABLE_SCHEMA", "TABLE_NAME", &child, &params);
  AppendScope(scope, "REFERENCED_TABLE_SCHEMA", "REFERENCED_TABLE_NAME", &parent, &params);
  const std::string sql =
      StrCat("SELECT TABLE_SCHEMA, TABLE_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME "
             "FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_NAME IS NOT NULL "
             "AND ((1", child, ") OR (1", parent, "))");
  const bool one_table = scope.table.has_value() && scope.schemas.size() == 1;
  return Run(c, sql, params, [&](const RowValues& row) {
    if (one_table) {
      for (auto& [name, info] : *out) info.in_foreign_key = true;
      return absl::OkStatus();
    }
    for (size_t side : {0, 2}) {
      const auto it = out->find(StrCat(row[side].value_or(""), ".", row[side + 1].value_or("")));
      if (it != out->end()) it->second.in_foreign_key = true;
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<std::map<std::string, schema::TableInfo>> LoadTableInfos(Connection& c,
                                                                        const TableScope& scope) {
  std::map<std::string, schema::TableInfo> out;
  RETURN_IF_ERROR(LoadColumns(c, scope, &out));
  if (out.empty()) return out;
  RETURN_IF_ERROR(LoadUniqueKeys(c, scope, &out));
  if (scope.foreign_keys) RETURN_IF_ERROR(LoadForeignKeys(c, scope, &out));
  return out;
}

}  // namespace binsync
