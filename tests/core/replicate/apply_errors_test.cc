// What the applier does with each server error number, without a server.
#include "core/replicate/apply_errors.h"

#include "gtest/gtest.h"
#include "core/util/server_error.h"

namespace binsync::replicate {
namespace {

TEST(RowStatementErrorCodeTest, EachClass) {
  EXPECT_EQ(RowStatementErrorCode(kErLockDeadlock), absl::StatusCode::kAborted);
  EXPECT_EQ(RowStatementErrorCode(kErLockWaitTimeout), absl::StatusCode::kAborted);
  EXPECT_EQ(RowStatementErrorCode(kErDupEntry), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(RowStatementErrorCode(kCrServerLost), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RowStatementErrorCode(2001), absl::StatusCode::kUnavailable);  // any client error
  EXPECT_EQ(RowStatementErrorCode(kErConnectionKilled), absl::StatusCode::kUnavailable);
  // A privilege error on a row statement is not retried nor reconnected: it fails.
  EXPECT_EQ(RowStatementErrorCode(kErTableAccessDenied), absl::StatusCode::kInternal);
  EXPECT_EQ(RowStatementErrorCode(kErKeyNotFound), absl::StatusCode::kInternal);
  EXPECT_EQ(RowStatementErrorCode(0), absl::StatusCode::kInternal);
}

TEST(ClassifyReplayFailureTest, EachClass) {
  EXPECT_EQ(ClassifyReplayFailure(kErLockDeadlock), ReplayFailure::kRetry);
  EXPECT_EQ(ClassifyReplayFailure(kErLockWaitTimeout), ReplayFailure::kRetry);
  EXPECT_EQ(ClassifyReplayFailure(kCrServerGoneError), ReplayFailure::kReconnect);
  EXPECT_EQ(ClassifyReplayFailure(kErServerShutdown), ReplayFailure::kReconnect);
  EXPECT_EQ(ClassifyReplayFailure(kErSpecificAccessDenied), ReplayFailure::kDisableReplay);
  EXPECT_EQ(ClassifyReplayFailure(kErAccessDenied), ReplayFailure::kDisableReplay);
  EXPECT_EQ(ClassifyReplayFailure(kErTableAccessDenied), ReplayFailure::kDisableReplay);
  // kErDbAccessDenied is a privilege error too, but the replay never named it: rows.
  EXPECT_EQ(ClassifyReplayFailure(kErDbAccessDenied), ReplayFailure::kApplyByRows);
  EXPECT_EQ(ClassifyReplayFailure(kErDupEntry), ReplayFailure::kApplyByRows);
  EXPECT_EQ(ClassifyReplayFailure(kErKeyNotFound), ReplayFailure::kApplyByRows);
  EXPECT_EQ(ClassifyReplayFailure(0), ReplayFailure::kApplyByRows);  // no number attached
}

TEST(RowStatementErrorCodeTest, AReadOnlyTargetIsRetriedNotFailed) {
  EXPECT_EQ(RowStatementErrorCode(kErOptionPreventsStatement), absl::StatusCode::kAborted);
  EXPECT_EQ(RowStatementErrorCode(kErReadOnlyMode), absl::StatusCode::kAborted);
  EXPECT_EQ(RowStatementErrorCode(kErQueryInterrupted), absl::StatusCode::kInternal);
}

TEST(ClassifyReplayFailureTest, ReadOnlyAndInterruptedAreNotReplayedAgainByStatements) {
  // By statements they would meet the same refusal, or block again on the same lock.
  EXPECT_EQ(ClassifyReplayFailure(kErOptionPreventsStatement), ReplayFailure::kRetry);
  EXPECT_EQ(ClassifyReplayFailure(kErQueryInterrupted), ReplayFailure::kRetry);
}

absl::Status Failed(unsigned number, absl::StatusCode code = absl::StatusCode::kInternal) {
  return WithServerError(absl::Status(code, "failed"), ServerError{number, "HY000", "failed"});
}

TEST(DecideApplyRetryTest, LocksAreRetriedTenTimesWithBackoffThenFail) {
  for (unsigned number : {kErLockDeadlock, kErLockWaitTimeout}) {
    const ApplyRetry first = DecideApplyRetry(Failed(number), 0);
    EXPECT_EQ(first.action, ApplyErrorAction::kRetry) << number;
    EXPECT_EQ(first.delay.count(), 0) << number;
    EXPECT_EQ(DecideApplyRetry(Failed(number), 1).delay.count(), 5);
    EXPECT_EQ(DecideApplyRetry(Failed(number), 9).delay.count(), 320);
    EXPECT_EQ(DecideApplyRetry(Failed(number), kMaxLockRetries - 1).action,
              ApplyErrorAction::kRetry);
    EXPECT_EQ(DecideApplyRetry(Failed(number), kMaxLockRetries).action, ApplyErrorAction::kFail);
  }
  // A lock wait timeout is said each time (a lock held that long is news); deadlocks are
  // routine: counted only.
  EXPECT_TRUE(DecideApplyRetry(Failed(kErLockWaitTimeout), 3).log);
  EXPECT_FALSE(DecideApplyRetry(Failed(kErLockDeadlock), 0).log);
  EXPECT_NE(DecideApplyRetry(Failed(kErLockWaitTimeout), 0).advice.find("--lock-wait-timeout"),
            std::string_view::npos);
  // An Aborted status without a number (a deadlock re-worded on its way) counts as one.
  EXPECT_EQ(DecideApplyRetry(absl::AbortedError("deadlock"), 0).action, ApplyErrorAction::kRetry);
}

TEST(DecideApplyRetryTest, AReadOnlyTargetIsWaitedForWithoutLimitSaidAboutOnceAMinute) {
  for (unsigned number : {kErOptionPreventsStatement, kErReadOnlyMode}) {
    EXPECT_EQ(DecideApplyRetry(Failed(number), 0).action, ApplyErrorAction::kRetry);
    EXPECT_EQ(DecideApplyRetry(Failed(number), 1000).action, ApplyErrorAction::kRetry);
  }
  const absl::Status ro = Failed(kErOptionPreventsStatement);
  EXPECT_EQ(DecideApplyRetry(ro, 0).delay.count(), 200);
  EXPECT_EQ(DecideApplyRetry(ro, 1).delay.count(), 400);
  EXPECT_EQ(DecideApplyRetry(ro, 4).delay.count(), 3200);
  EXPECT_EQ(DecideApplyRetry(ro, 5).delay.count(), 5000);
  EXPECT_EQ(DecideApplyRetry(ro, 500).delay.count(), 5000);
  EXPECT_TRUE(DecideApplyRetry(ro, 0).log);
  EXPECT_FALSE(DecideApplyRetry(ro, 1).log);
  EXPECT_TRUE(DecideApplyRetry(ro, 12).log);  // 12 x 5 s
  EXPECT_NE(DecideApplyRetry(ro, 0).advice.find("read_only"), std::string_view::npos);
}

TEST(DecideApplyRetryTest, ALostConnectionReconnectsAndTheRestFailAtOnce) {
  EXPECT_EQ(DecideApplyRetry(Failed(kCrServerLost), 0).action, ApplyErrorAction::kReconnect);
  EXPECT_EQ(DecideApplyRetry(Failed(kErConnectionKilled), 0).action,
            ApplyErrorAction::kReconnect);
  EXPECT_EQ(DecideApplyRetry(absl::UnavailableError("gone"), 0).action,
            ApplyErrorAction::kReconnect);
  // Duplicate key, a trigger's SIGNAL (1644), a missing row, a DBA's KILL QUERY, an error
  // without a number: the stream stops at once with it.
  for (unsigned number : {kErDupEntry, 1644u, kErKeyNotFound, kErQueryInterrupted, 0u}) {
    EXPECT_EQ(DecideApplyRetry(Failed(number), 0).action, ApplyErrorAction::kFail) << number;
  }
  EXPECT_EQ(DecideApplyRetry(Failed(kErQueryInterrupted, absl::StatusCode::kAborted), 0).action,
            ApplyErrorAction::kFail);
}

TEST(IsAlreadyAppliedDdlErrorTest, OnlyTheExistsOrGoneErrors) {
  for (unsigned n : {kErDbCreateExists, kErDbDropExists, kErTableExists, kErBadTable,
                     kErDupFieldName, kErDupKeyName, kErCantDropFieldOrKey}) {
    EXPECT_TRUE(IsAlreadyAppliedDdlError(n)) << n;
  }
  for (unsigned n : {0u, kErBadDb, kErDupEntry, kErSpecificAccessDenied, kErLockDeadlock,
                     1146u /* table doesn't exist: not a re-run */}) {
    EXPECT_FALSE(IsAlreadyAppliedDdlError(n)) << n;
  }
}

}  // namespace
}  // namespace binsync::replicate
