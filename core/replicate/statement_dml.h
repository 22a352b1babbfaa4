// Statement-based DML in a row-format stream: a source whose binlog_format is MIXED or
// STATEMENT (or a session that switched it for one write) logs some DML as SQL text.
// Replaying that text from a client is not the same write: auto-increment ids, NOW(),
// RAND(), user variables and the statement's timestamp come from the context events
// (INTVAR, RAND, USER_VAR) and session state that only the server's replica thread
// restores. binsync applies row events only, so such a transaction is refused by name,
// before anything of it is applied; a DBA who applied it by hand passes it with --skip.
#ifndef BINSYNC_CORE_REPLICATE_STATEMENT_DML_H_
#define BINSYNC_CORE_REPLICATE_STATEMENT_DML_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/schema/table_info.h"
#include "core/replicate/transaction.h"

namespace binsync::replicate {

// The table a DML statement writes ("db.t", qualified with `default_db` when the
// statement does not name one); empty when `sql` is not INSERT/REPLACE/UPDATE/DELETE/LOAD.
[[nodiscard]] std::string StatementDmlTable(std::string_view sql, std::string_view default_db);

// FailedPrecondition naming the transaction, its position, the table and the statement
// when `t` holds statement-based DML on a table the filter keeps (or context events
// that only statements use); OK otherwise (rows, DDL).
[[nodiscard]] absl::Status CheckNoStatementDml(const Transaction& t, const schema::TableFilter& filter);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_STATEMENT_DML_H_
