// What the applier does with a server error, by its number (core/util/server_error.h). Pure;
// the applier reads the number from the Status and acts.
#ifndef BINSYNC_CORE_REPLICATE_APPLY_ERRORS_H_
#define BINSYNC_CORE_REPLICATE_APPLY_ERRORS_H_

#include "absl/status/status.h"

namespace binsync::replicate {

// The status code of a failed row statement: kAborted for a deadlock or lock wait timeout
// (roll back and apply the transaction again), kAlreadyExists for a duplicate key (the
// conflict rules decide, core/replicate/conflict.h), kUnavailable for a lost connection
// (reconnect and resume from the checkpoint), kInternal otherwise.
[[nodiscard]] absl::StatusCode RowStatementErrorCode(unsigned number);

// A failed BINLOG replay (live mode's fast path) of one transaction.
enum class ReplayFailure {
  kRetry,          // deadlock or lock wait timeout: roll back and apply again
  kReconnect,      // the connection is lost
  kDisableReplay,  // the target refuses BINLOG statements (privilege): statements from now on
  kApplyByRows,    // anything else: this transaction again by statements, with their checks
};
[[nodiscard]] ReplayFailure ClassifyReplayFailure(unsigned number);

// DDL errors that mean "this statement already ran here" (a DDL re-read after a crash
// between its implicit commit and its checkpoint): database or table exists or is gone,
// duplicate column or key name, cannot drop what is not there.
[[nodiscard]] bool IsAlreadyAppliedDdlError(unsigned number);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_APPLY_ERRORS_H_
