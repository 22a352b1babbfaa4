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
