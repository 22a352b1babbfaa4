#include "mysql/schema_cache.h"

#include <charconv>
#include <vector>

#include "util/status_macros.h"
#include "util/strings.h"
#include "mysql/statement.h"

namespace binsync {
namespace {
// information_schema numbers (NULL for columns they do not apply to) read as 0.
uint64_t ParseU64(std::optional<std::string_view> s) { return ParseUint64(s.value_or("0")).value_or(0); }
}  // namespace

absl::StatusOr<std::shared_ptr<const schema::TableInfo>> SchemaCache::Get(std::string_view db,
                                                                       std::string_view table) {
  std::lock_guard lock(mu_);
  // Called per table per transaction: the key is built in a reused buffer (no allocation
  // once it has grown), copied only when a table is loaded.
  key_.assign(db);
  key_.push_back('.');
  key_.append(table);
  if (auto it = tables_.find(key_); it != tables_.end()) return it->second;
  ASSIGN_OR_RETURN(std::shared_ptr<const schema::TableInfo> info, Load(db, table));
  tables_.emplace(key_, info);
  return info;
}

void SchemaCache::Invalidate() {
  std::lock_guard lock(mu_);
  tables_.clear();
  generation_.fetch_add(1);
}

absl::StatusOr<std::shared_ptr<const schema::TableInfo>> SchemaCache::Load(std::string_view db,
                                                                        std::string_view table) {
  if (conn_.raw() == nullptr) {
    ASSIGN_OR_RETURN(conn_, Connection::Open(options_));
  }
  auto info = std::make_shared<schema::TableInfo>();
  info->db = std::string(db);
  info->name = std::string(table);
  const Param where[] = {{db, ParamType::kText}, {table, ParamType::kText}};
  {
    ASSIGN_OR_RETURN(PreparedStatement st,
                     PreparedStatement::Prepare(
                         conn_,
                         "SELECT COLUMN_NAME, LOWER(DATA_TYPE), CHARACTER_SET_NAME, "
                         "LOWER(COLUMN_TYPE), CHARACTER_MAXIMUM_LENGTH, "
                         "CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, "
                         "DATETIME_PRECISION "
                         "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND "
                         "TABLE_NAME = ? ORDER BY ORDINAL_POSITION"));
    RETURN_IF_ERROR(st.Query(where, [&](const RowValues& row) {
      info->columns.emplace_back(row[0].value_or(""));
      info->column_types.emplace_back(row[1].value_or(""));
      info->column_charsets.emplace_back(row[2].value_or(""));
      schema::ColumnSpec& spec = info->column_specs.emplace_back();
      spec.column_type = std::string(row[3].value_or(""));
      spec.char_length = ParseU64(row[4]);
      spec.octet_length = ParseU64(row[5]);
      spec.numeric_precision = static_cast<uint32_t>(ParseU64(row[6]));
      spec.numeric_scale = static_cast<uint32_t>(ParseU64(row[7]));
      spec.datetime_precision = static_cast<uint32_t>(ParseU64(row[8]));
      return absl::OkStatus();
    }));
  }
  if (info->columns.empty()) {
    return absl::NotFoundError(StrCat(
        db, ".", table, ": table not found on the ", role_, " ", conn_.endpoint(),
        "; create it there (same columns as on the source), then restart"));
  }
  {
    ASSIGN_OR_RETURN(PreparedStatement st,
                     PreparedStatement::Prepare(
                         conn_,
                         "SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM "
                         "information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND "
                         "TABLE_NAME = ? AND NON_UNIQUE = 0 "
                         "ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX"));
    RETURN_IF_ERROR(st.Query(where, [&](const RowValues& row) {
      const std::string_view name = row[0].value_or("");
      if (info->unique_key_names.empty() || info->unique_key_names.back() != name) {
        info->unique_key_names.emplace_back(name);
        info->unique_keys.emplace_back();
        if (name == "PRIMARY") info->has_primary = true;
      }
      const std::string_view col = row[1].value_or("");
      for (uint32_t i = 0; i < info->columns.size(); ++i) {
        if (EqualsIgnoreCase(info->columns[i], col)) {
          info->unique_keys.back().push_back(i);
          break;
        }
      }
      if (row[2].has_value()) info->prefix_unique_key = true;
      return absl::OkStatus();
    }));
  }
  {
    const Param fk[] = {{db, ParamType::kText},
                        {table, ParamType::kText},
                        {db, ParamType::kText},
                        {table, ParamType::kText}};
    ASSIGN_OR_RETURN(PreparedStatement st,
                     PreparedStatement::Prepare(
                         conn_,
                         "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE WHERE "
                         "REFERENCED_TABLE_NAME IS NOT NULL AND ((TABLE_SCHEMA = ? AND "
                         "TABLE_NAME = ?) OR (REFERENCED_TABLE_SCHEMA = ? AND "
                         "REFERENCED_TABLE_NAME = ?))"));
    RETURN_IF_ERROR(st.Query(fk, [&](const RowValues& row) {
      info->in_foreign_key = row[0].value_or("0") != "0";
      return absl::OkStatus();
    }));
  }
  return info;
}

}  // namespace binsync
