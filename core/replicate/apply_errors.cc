#include "core/replicate/apply_errors.h"

#include "core/util/server_error.h"

namespace binsync::replicate {

absl::StatusCode RowStatementErrorCode(unsigned number) {
  if (number == kErLockDeadlock || number == kErLockWaitTimeout) {
    return absl::StatusCode::kAborted;
  }
  if (number == kErDupEntry) return absl::StatusCode::kAlreadyExists;
  if (IsLostConnectionError(number)) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kInternal;
}

ReplayFailure ClassifyReplayFailure(unsigned number) {
  if (number == kErLockDeadlock || number == kErLockWaitTimeout) return ReplayFailure::kRetry;
  if (IsLostConnectionError(number)) return ReplayFailure::kReconnect;
  if (number == kErSpecificAccessDenied || number == kErAccessDenied ||
      number == kErTableAccessDenied) {
    return ReplayFailure::kDisableReplay;
  }
  return ReplayFailure::kApplyByRows;
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
