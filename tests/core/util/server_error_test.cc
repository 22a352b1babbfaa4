#include "core/util/server_error.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace binsync {
namespace {

TEST(ServerErrorTest, RoundTripsNumberSqlstateAndMessage) {
  const ServerError e{kErDupEntry, "23000", "Duplicate entry '5' for key 'PRIMARY'"};
  const absl::Status st = WithServerError(absl::InternalError("db.t: failed"), e);
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(st.message(), "db.t: failed");  // the payload does not change the message
  ASSERT_TRUE(ServerErrorOf(st).has_value());
  EXPECT_EQ(*ServerErrorOf(st), e);
  EXPECT_EQ(ServerErrorNumber(st), 1062u);
}

TEST(ServerErrorTest, MessageWithSpacesNewlinesAndEmptySqlstateSurvives) {
  const ServerError e{kCrServerLost, "", "Lost connection\nduring query 1 2 3"};
  const std::optional<ServerError> got = ServerErrorOf(WithServerError(absl::UnavailableError("x"), e));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->number, kCrServerLost);
  EXPECT_EQ(got->sqlstate, "");
  EXPECT_EQ(got->message, "Lost connection\nduring query 1 2 3");
}

TEST(ServerErrorTest, OkStatusCarriesNothing) {
  const absl::Status st = WithServerError(absl::OkStatus(), {kErDupEntry, "23000", "dup"});
  EXPECT_TRUE(st.ok());
  EXPECT_FALSE(ServerErrorOf(st).has_value());
  EXPECT_EQ(ServerErrorNumber(st), 0u);
}

TEST(ServerErrorTest, StatusNotFromAServerCarriesNothing) {
  EXPECT_FALSE(ServerErrorOf(absl::InternalError("decode failed")).has_value());
  EXPECT_EQ(ServerErrorNumber(absl::AbortedError("deadlock")), 0u);
}

TEST(ServerErrorTest, RebuildingTheStatusDropsThePayload) {
  // A caller that re-wraps the message must compare before it re-wraps (documented contract).
  const absl::Status st = WithServerError(absl::InternalError("a"), {kErBadDb, "42000", "x"});
  const absl::Status rebuilt(st.code(), "prefix: " + std::string(st.message()));
  EXPECT_EQ(ServerErrorNumber(rebuilt), 0u);
}

TEST(ServerErrorTest, KeepServerErrorCarriesTheCausesErrorIntoARewordedStatus) {
  const absl::Status cause =
      WithServerError(absl::InternalError("x"), ServerError{1290, "HY000", "read-only"});
  const absl::Status kept = KeepServerError(cause, absl::AbortedError("re-worded"));
  EXPECT_EQ(kept.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(kept.message(), "re-worded");
  EXPECT_EQ(ServerErrorNumber(kept), 1290u);
  EXPECT_EQ(ServerErrorNumber(KeepServerError(absl::InternalError("no"), absl::AbortedError("y"))),
            0u);
}

TEST(ServerErrorTest, SecondAttachReplacesTheFirst) {
  absl::Status st = WithServerError(absl::InternalError("a"), {kErDupEntry, "23000", "dup"});
  st = WithServerError(st, {kErLockDeadlock, "40001", "deadlock"});
  EXPECT_EQ(ServerErrorNumber(st), kErLockDeadlock);
  EXPECT_EQ(ServerErrorOf(st)->sqlstate, "40001");
}

TEST(ServerErrorTest, MalformedPayloadIsNotAnError) {
  absl::Status st = absl::InternalError("a");
  st.SetPayload("binsync.dev/ServerError", absl::Cord("not a number\nmsg"));
  EXPECT_FALSE(ServerErrorOf(st).has_value());
  st.SetPayload("binsync.dev/ServerError", absl::Cord("99999999999 x\nmsg"));  // > 32 bits
  EXPECT_FALSE(ServerErrorOf(st).has_value());
  st.SetPayload("binsync.dev/ServerError", absl::Cord("1062 23000"));  // no newline
  EXPECT_FALSE(ServerErrorOf(st).has_value());
}

TEST(StatusCodeForErrorTest, LostOrKilledConnectionsAreUnavailable) {
  for (unsigned n : {kCrConnectionError, kCrConnHostError, kCrUnknownHost, kCrServerGoneError,
                     kCrServerLost, kCrServerLostExtended, kErConnectionKilled,
                     kErServerShutdown}) {
    EXPECT_EQ(StatusCodeForError(n), absl::StatusCode::kUnavailable) << n;
  }
}

TEST(StatusCodeForErrorTest, PrivilegeErrorsArePermissionDenied) {
  for (unsigned n : {kErAccessDenied, kErDbAccessDenied, kErSpecificAccessDenied,
                     kErTableAccessDenied}) {
    EXPECT_EQ(StatusCodeForError(n), absl::StatusCode::kPermissionDenied) << n;
  }
}

TEST(StatusCodeForErrorTest, EverythingElseIsInternal) {
  // Deadlocks and duplicates are not mapped here: the applier decides those per statement.
  for (unsigned n : {0u, kErDupEntry, kErLockDeadlock, kErLockWaitTimeout, kErBadDb, 2001u}) {
    EXPECT_EQ(StatusCodeForError(n), absl::StatusCode::kInternal) << n;
  }
}

TEST(IsLostConnectionErrorTest, EveryClientErrorAndKilledSessions) {
  EXPECT_TRUE(IsLostConnectionError(kCrFirstClientError));
  EXPECT_TRUE(IsLostConnectionError(2001));  // a client error the mapping does not name
  EXPECT_TRUE(IsLostConnectionError(kErConnectionKilled));
  EXPECT_TRUE(IsLostConnectionError(kErServerShutdown));
  EXPECT_FALSE(IsLostConnectionError(0));
  EXPECT_FALSE(IsLostConnectionError(1999));
  EXPECT_FALSE(IsLostConnectionError(kErAccessDenied));
  EXPECT_FALSE(IsLostConnectionError(kErLockDeadlock));
}

// Item 7 of issue 19: a read-only target said "query failed: ... (error 1290)" and
// nothing about what to do.
TEST(ServerErrorAdviceTest, ReadOnlyNamesTheFix) {
  EXPECT_EQ(ServerErrorAdvice(kErOptionPreventsStatement,
                              "The MariaDB server is running with the --read-only option so it "
                              "cannot execute this statement"),
            "; the server is read-only: SET GLOBAL read_only = OFF on it (binsync writes as a "
            "client, so read_only applies unless its user has READ_ONLY ADMIN), then restart");
  EXPECT_EQ(ServerErrorAdvice(kErOptionPreventsStatement, "running with --skip-grant-tables"),
            "; the server's configuration refuses this statement: change the option it names");
  EXPECT_EQ(ServerErrorAdvice(kErSpecificAccessDenied),
            "; grant the missing privilege to this user");
  EXPECT_EQ(ServerErrorAdvice(kErDupEntry), "");
}

TEST(SqlForMessageTest, FoldsSpaceHidesStringsAndCuts) {
  EXPECT_EQ(SqlForMessage("UPDATE  binsync.lease\n\tSET holder = 'pid 5' WHERE x = \"a\\\"b\""),
            "UPDATE binsync.lease SET holder = '?' WHERE x = \"?\"");
  EXPECT_EQ(SqlForMessage("CREATE USER u IDENTIFIED BY 'secret'"),
            "CREATE USER u IDENTIFIED BY '?'");
  EXPECT_EQ(SqlForMessage("BINLOG 'AAAABBBBCCCC'"), "BINLOG '?'");
  EXPECT_EQ(SqlForMessage("SELECT 1234567890", 10), "SELECT 123...");
  EXPECT_EQ(SqlForMessage("SELECT 1", 8), "SELECT 1");
  EXPECT_EQ(SqlForMessage("SET x = 'unterminated"), "SET x = '?'");
}

}  // namespace
}  // namespace binsync
