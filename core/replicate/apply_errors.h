// What the applier does with a server error, by its number (core/util/server_error.h). Pure;
// the applier reads the number from the Status and acts.
#ifndef BINSYNC_CORE_REPLICATE_APPLY_ERRORS_H_
#define BINSYNC_CORE_REPLICATE_APPLY_ERRORS_H_

#include <chrono>
#include <string_view>

#include "absl/status/status.h"

namespace binsync::replicate {

// The status code of a failed row statement: kAborted for a deadlock, a lock wait timeout
// or a read-only target (roll back and apply the transaction again, as DecideApplyRetry
// says), kAlreadyExists for a duplicate key (the
// conflict rules decide, core/replicate/conflict.h), kUnavailable for a lost connection
// (reconnect and resume from the checkpoint), kInternal otherwise.
[[nodiscard]] absl::StatusCode RowStatementErrorCode(unsigned number);

// A failed BINLOG replay (live mode's fast path) of one transaction.
enum class ReplayFailure {
  kRetry,          // deadlock, lock wait timeout, read-only target, or the statement was
                   // interrupted (KILL QUERY): roll back, the worker decides (DecideApplyRetry)
  kReconnect,      // the connection is lost
  kDisableReplay,  // the target refuses BINLOG statements (privilege): statements from now on
  kApplyByRows,    // anything else: this transaction again by statements, with their checks
};
[[nodiscard]] ReplayFailure ClassifyReplayFailure(unsigned number);

// What a worker does once a source transaction failed on the target (while applying it or
// at its COMMIT), after rolling it back.
enum class ApplyErrorAction {
  kRetry,      // wait `delay`, then apply the transaction again
  kReconnect,  // the connection is lost: the stream resumes from the checkpoint
  kFail,       // stop the stream now with the error (exit 2)
};

struct ApplyRetry {
  ApplyErrorAction action = ApplyErrorAction::kFail;
  std::chrono::milliseconds delay{0};
  bool log = false;         // say it now: the first failure of a kind, then about once a minute
  std::string_view advice;  // what a DBA can do about it (may be empty)
};

// Deadlocks and lock wait timeouts are retried this many times, as native replication's
// slave_transaction_retries (10) does, then the stream stops with the error.
inline constexpr int kMaxLockRetries = 10;

// The decision, by the failure's server error number (else its status code) and how many
// times this transaction failed before (0 on its first failure):
//  - deadlock, lock wait timeout (also a lock_wait_timeout on a table lock, LOCK TABLES):
//    retried at once, then after 5, 10 .. 320 ms, kMaxLockRetries times; then kFail;
//  - the target refuses writes for now (read_only, error 1290; MySQL's 1836): retried
//    without a limit every 0.2 s doubling to 5 s, so a switchover that sets read_only for a
//    while recovers by itself (logged at once, then about every minute);
//  - a lost or killed connection, a server shutting down: kReconnect;
//  - anything else (duplicate key, a trigger's SIGNAL, a missing row, KILL QUERY of the
//    statement, ...): kFail at once.
[[nodiscard]] ApplyRetry DecideApplyRetry(const absl::Status& failure, int failures_before);

// DDL errors that mean "this statement already ran here" (a DDL re-read after a crash
// between its implicit commit and its checkpoint): database or table exists or is gone,
// duplicate column or key name, cannot drop what is not there.
[[nodiscard]] bool IsAlreadyAppliedDdlError(unsigned number);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_APPLY_ERRORS_H_
