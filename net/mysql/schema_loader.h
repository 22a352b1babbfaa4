// The one information_schema loader of table descriptions (schema::TableInfo): replicate's
// SchemaCache reads one table at a time through it, verify every table of its selection
// at once. One rule for both: index columns are matched to table columns by name without
// regard to case (as the server matches column names).
#ifndef BINSYNC_NET_MYSQL_SCHEMA_LOADER_H_
#define BINSYNC_NET_MYSQL_SCHEMA_LOADER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "net/mysql/connection.h"
#include "core/schema/table_info.h"

namespace binsync {

// Which tables LoadTableInfos reads.
struct TableScope {
  std::vector<std::string> schemas;  // empty: every schema
  std::optional<std::string> table;  // only this table of `schemas`
  // Base tables outside the system schemas (mysql, information_schema,
  // performance_schema, sys, binsync) only: what verify compares. Off: any table
  // (replicate: a sequence carries rows too).
  bool user_base_tables = false;
  // Reads TableInfo::in_foreign_key (one more information_schema query); off: false.
  bool foreign_keys = true;
};

// "db.table" -> its description, as information_schema names them. A table that does not
// exist is absent (an empty map when nothing matches), not an error.
[[nodiscard]] absl::StatusOr<std::map<std::string, schema::TableInfo>> LoadTableInfos(
    Connection& c, const TableScope& scope);

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_SCHEMA_LOADER_H_
