#include "core/replicate/apply_errors.h"

#include <algorithm>

#include "core/util/server_error.h"

namespace binsync::replicate {
namespace {

bool IsLockError(unsigned number) {
  return number == kErLockDeadlock || number == kErLockWaitTimeout;
}

bool IsReadOnlyError(unsigned number) {
  return number == kErOptionPreventsStatement || number == kErReadOnlyMode;
}

}  // namespace

absl::StatusCode RowStatementErrorCode(unsigned number) {
  if (IsLockError(number) || IsReadOnlyError(number)) return absl::StatusCode::kAborted;
  if (number == kErDupEntry) return absl::StatusCode::kAlreadyExists;
  if (IsLostConnectionError(number)) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kInternal;
}

ReplayFailure ClassifyReplayFailure(unsigned number) {
  if (IsLockError(number) || IsReadOnlyError(number) || number == kErQueryInterrupted) {
    return ReplayFailure::kRetry;
  }
  if (IsLostConnectionError(number)) return ReplayFailure::kReconnect;
  if (number == kErSpecificAccessDenied || number == kErAccessDenied ||
      number == kErTableAccessDenied) {
    return ReplayFailure::kDisableReplay;
  }
  return ReplayFailure::kApplyByRows;
}

ApplyRetry DecideApplyRetry(const absl::Status& failure, int failures_before) {
  using std::chrono::milliseconds;
  const unsigned number = ServerErrorNumber(failure);
  const int n = std::max(failures_before, 0);
  ApplyRetry r;
  if (IsReadOnlyError(number)) {
    r.action = ApplyErrorAction::kRetry;
    r.delay = milliseconds(std::min(200 << std::min(n, 5), 5000));
    r.log = n % 12 == 0;
    r.advice = "the target refuses writes (read_only): waiting until it accepts them; SET "
               "GLOBAL read_only = 0 there, or grant binsync's user READ_ONLY ADMIN";
  } else if (IsLockError(number) || (number == 0 && absl::IsAborted(failure))) {
    if (n >= kMaxLockRetries) return r;
    r.action = ApplyErrorAction::kRetry;
    r.delay = milliseconds(n == 0 ? 0 : 5 << std::min(n - 1, 6));
    r.log = number == kErLockWaitTimeout;
    if (r.log) {
      r.advice = "a lock on the target was held longer than --lock-wait-timeout (LOCK TABLES, "
                 "a long transaction?)";
    }
  } else if (IsLostConnectionError(number) || absl::IsUnavailable(failure)) {
    r.action = ApplyErrorAction::kReconnect;
  }
  return r;
}

bool IsAlreadyAppliedDdlError(unsigned number) {
  switch (number) {
    case kErDbCreateExists:
    case kErDbDropExists:
    case kErTableExists:
    case kErBadTable:
    case kErDupFieldName:
    case kErDupKeyName:
    case kErCantDropFieldOrKey:
      return true;
    default:
      return false;
  }
}

}  // namespace binsync::replicate
