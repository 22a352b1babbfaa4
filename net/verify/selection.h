// Which tables a verify run compares: the --databases / --tables selection checked
// against both servers, and the selected tables loaded through the one schema loader.
// Internal to net/verify.
#ifndef BINSYNC_NET_VERIFY_SELECTION_H_
#define BINSYNC_NET_VERIFY_SELECTION_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "net/mysql/connection.h"
#include "core/schema/table_info.h"
#include "net/verify/side.h"
#include "net/verify/verify_runner.h"

namespace binsync::verify {

constexpr const char* kSystemSchemas =
    "('mysql','information_schema','performance_schema','sys','binsync')";

// The databases a run can touch, when the selection names them all (--databases, or
// every --tables entry as db.table); empty: any.
[[nodiscard]] std::vector<std::string> SelectedSchemas(const VerifyOptions& o);

// `sql` (a SELECT whose WHERE clause is open) restricted to `schemas` by `column`, with
// bound values, then `tail`. Restricting keeps the server from opening every table
// definition it has (information_schema), which on a server with many tables is slow.
[[nodiscard]] absl::StatusOr<ResultSet> QueryInSchemas(Connection& c, std::string sql,
                                                       std::string_view column,
                                                       const std::vector<std::string>& schemas,
                                                       std::string_view tail);

// The selected tables of `c` (base tables outside the system schemas), as verify compares
// them (core/verify/compared_table.h), by "db.table".
[[nodiscard]] absl::StatusOr<std::map<std::string, schema::TableInfo>> LoadSchemas(
    Connection& c, const VerifyOptions& o);

// A --databases / --tables entry that names nothing on either server is an error: a typo
// would otherwise check zero tables and print "consistent".
[[nodiscard]] absl::Status CheckSelection(Side& a, Side& b, const VerifyOptions& o);

}  // namespace binsync::verify

#endif  // BINSYNC_NET_VERIFY_SELECTION_H_
