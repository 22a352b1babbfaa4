#include "net/verify/selection.h"

#include <algorithm>

#include "net/mysql/schema_loader.h"
#include "net/mysql/statement.h"
#include "core/util/both.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "core/verify/compared_table.h"
#include "net/verify/reads.h"

namespace binsync::verify {
namespace {

// The databases and base tables ("db.table") `c` has, for UnmatchedSelection.
struct ExistingNames {
  std::vector<std::string> schemas;
  std::vector<std::string> tables;
};

absl::StatusOr<ExistingNames> LoadNames(Connection& c, const VerifyOptions& o) {
  ExistingNames out;
  ASSIGN_OR_RETURN(const ResultSet dbs,
                   QueryInSchemas(c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE 1",
                                  "SCHEMA_NAME", SelectedSchemas(o), ""));
  for (const auto& r : dbs.rows()) out.schemas.push_back(r[0].value_or(""));
  if (!o.tables.empty()) {
    ASSIGN_OR_RETURN(const ResultSet ts,
                     QueryInSchemas(c,
                                    "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
                                    "WHERE TABLE_TYPE = 'BASE TABLE'",
                                    "TABLE_SCHEMA", SelectedSchemas(o), ""));
    for (const auto& r : ts.rows()) {
      out.tables.push_back(StrCat(r[0].value_or(""), ".", r[1].value_or("")));
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> SelectedSchemas(const VerifyOptions& o) {
  if (!o.databases.empty()) return o.databases;
  std::vector<std::string> out;
  for (const std::string& t : o.tables) {
    const size_t dot = t.find('.');
    if (dot == std::string::npos) return {};
    out.push_back(t.substr(0, dot));
  }
  return out;
}

absl::StatusOr<ResultSet> QueryInSchemas(Connection& c, std::string sql, std::string_view column,
                                         const std::vector<std::string>& schemas,
                                         std::string_view tail) {
  std::vector<Param> params;
  if (!schemas.empty()) {
    StrAppend(&sql, " AND ", column, " IN (");
    for (size_t i = 0; i < schemas.size(); ++i) {
      StrAppend(&sql, i == 0 ? "?" : ", ?");
      params.push_back(Param{std::string_view(schemas[i]), ParamType::kText});
    }
    sql += ")";
  }
  StrAppend(&sql, " ", tail);
  ASSIGN_OR_RETURN(PreparedStatement ps, PreparedStatement::Prepare(c, sql));
  std::vector<ResultSet::Row> rows;
  size_t ncols = 0;
  RETURN_IF_ERROR(ps.Query(params, [&](const RowValues& v) {
    ncols = v.size();
    rows.push_back(CopyRow(v));
    return absl::OkStatus();
  }));
  return ResultSet(std::vector<std::string>(ncols), std::move(rows));
}

absl::StatusOr<std::map<std::string, TableInfo>> LoadSchemas(Connection& c,
                                                             const VerifyOptions& o) {
  TableScope scope;
  scope.schemas = SelectedSchemas(o);
  scope.user_base_tables = true;
  scope.foreign_keys = false;  // verify does not use them
  ASSIGN_OR_RETURN(auto loaded, LoadTableInfos(c, scope));
  std::map<std::string, TableInfo> out;
  for (const auto& [name, info] : loaded) {
    if (!TableSelected(o.databases, o.tables, info.db, info.name)) continue;
    if (std::find(o.ignore_databases.begin(), o.ignore_databases.end(), info.db) !=
        o.ignore_databases.end()) {
      continue;
    }
    if (!o.ignore_tables.empty() && TableSelected({}, o.ignore_tables, info.db, info.name)) {
      continue;
    }
    TableInfo compared = ComparedTable(info);
    if (compared.columns.empty()) continue;  // only generated columns: nothing to compare
    out.emplace(name, std::move(compared));
  }
  return out;
}

absl::Status CheckSelection(Side& a, Side& b, const VerifyOptions& o) {
  if (!o.require_selected || (o.databases.empty() && o.tables.empty())) return absl::OkStatus();
  auto [na, nb] = Both([&] { return LoadNames(a.conn, o); }, [&] { return LoadNames(b.conn, o); });
  if (!na.ok()) return na.status();
  if (!nb.ok()) return nb.status();
  const std::vector<std::string> on_a =
      UnmatchedSelection(o.databases, o.tables, na->schemas, na->tables);
  const std::vector<std::string> on_b =
      UnmatchedSelection(o.databases, o.tables, nb->schemas, nb->tables);
  for (const std::string& entry : on_a) {
    if (std::find(on_b.begin(), on_b.end(), entry) == on_b.end()) continue;
    const bool table = entry.rfind("--tables", 0) == 0;
    return absl::InvalidArgumentError(
        StrCat(entry, ": no such ", table ? "table" : "database", " on A (", a.conn.endpoint(),
               ") nor B (", b.conn.endpoint(), "); check the name"));
  }
  return absl::OkStatus();
}

}  // namespace binsync::verify
