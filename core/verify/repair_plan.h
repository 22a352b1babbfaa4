// How verify repairs B: from a report's differences to the statements that make B like A,
// in order, and the session around them. Pure: the executor (ApplyRepair in
// net/verify/verify_runner) prepares and binds; RepairScript writes the same plan with
// literal values (--repair-sql).
//
// The plan: per table in report order, the rows only on B deleted by key first, then A's
// rows (only on A, or different) upserted. Upserts (INSERT ... ON DUPLICATE KEY UPDATE)
// never delete, so nothing cascades through foreign keys; foreign key checks are off for
// the session so rows may arrive in any order; binlogging is off unless asked for (the
// fix stays on B). Unsettled rows are never part of a repair.
#ifndef BINSYNC_CORE_VERIFY_REPAIR_PLAN_H_
#define BINSYNC_CORE_VERIFY_REPAIR_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/verify/report.h"

namespace binsync {

struct RepairOptions {
  bool binlog = false;  // --repair-binlog: binlog the fix on B (off: it stays on B)
  size_t rows_per_transaction = 200;
};

enum class RepairOp { kDeleteByKey, kUpsert };

// One statement of a repair: `op` for diff `diff` of report table `table`.
struct RepairStep {
  RepairOp op = RepairOp::kUpsert;
  size_t table = 0;
  size_t diff = 0;
  bool operator==(const RepairStep&) const = default;
};

[[nodiscard]] std::vector<RepairStep> PlanRepair(const VerifyReport& report);

// The session settings a repair runs under, and those it leaves behind.
[[nodiscard]] std::string RepairSessionStart(const RepairOptions& options);
[[nodiscard]] std::string RepairSessionEnd();

// Quotes a text value as an SQL string literal for the server the script is for.
using QuoteLiteralFn = std::function<std::string(std::string_view)>;

// The --repair-sql script: idempotent statements that make B like A, values as literals
// (NULL, X'hex' for binary columns, `quote` for the rest).
[[nodiscard]] std::string RepairScript(const VerifyReport& report, const RepairOptions& options,
                                       const QuoteLiteralFn& quote);

// A repair's session and transactions over `execute` (one statement, or several separated
// by ';'). Begin() sets the session and opens a transaction; StatementDone() commits and
// opens the next every rows_per_transaction statements; Finish() commits and restores the
// session. On every other path (an error midway, a lost connection, an early return) the
// destructor rolls back the open transaction and restores binlogging and foreign key
// checks, ignoring errors: the connection may be gone, and the first error is the one
// the caller reports.
class RepairSession {
 public:
  using ExecuteFn = std::function<absl::Status(std::string_view sql)>;

  RepairSession(ExecuteFn execute, const RepairOptions& options)
      : execute_(std::move(execute)), options_(options) {}
  RepairSession(const RepairSession&) = delete;
  RepairSession& operator=(const RepairSession&) = delete;
  ~RepairSession();

  [[nodiscard]] absl::Status Begin();
  [[nodiscard]] absl::Status StatementDone();
  [[nodiscard]] absl::Status Finish();

 private:
  ExecuteFn execute_;
  RepairOptions options_;
  bool started_ = false;  // the session settings may have been changed
  bool finished_ = false;
  size_t in_transaction_ = 0;
};

}  // namespace binsync

#endif  // BINSYNC_CORE_VERIFY_REPAIR_PLAN_H_
