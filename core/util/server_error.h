// Server errors carry their number: a failed query's MySQL/MariaDB error number, SQLSTATE
// and message travel inside the absl::Status as a payload, so callers compare the number
// with the named constants below instead of asking the connection for its last errno.
//
// Contract: net/mysql/ attaches a ServerError to every Status it builds from a failed
// libmariadb call (query, prepare, execute, commit, binlog stream); a Status built
// elsewhere, or re-built with a new message, carries none (ServerErrorOf -> nullopt). The
// payload never shows in product output (binsync prints Status::message(), not ToString()).
//
// Pure: no libmariadb here; net/mysql/connection.cc checks the constants against mysqld_error.h
// and errmsg.h at compile time.
#ifndef BINSYNC_CORE_UTIL_SERVER_ERROR_H_
#define BINSYNC_CORE_UTIL_SERVER_ERROR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace binsync {

// Server errors (mysqld_error.h).
inline constexpr unsigned kErDbCreateExists = 1007;        // CREATE DATABASE: exists
inline constexpr unsigned kErDbDropExists = 1008;          // DROP DATABASE: does not exist
inline constexpr unsigned kErDbAccessDenied = 1044;
inline constexpr unsigned kErAccessDenied = 1045;
inline constexpr unsigned kErBadDb = 1049;                 // unknown database
inline constexpr unsigned kErTableExists = 1050;
inline constexpr unsigned kErBadTable = 1051;              // unknown table (DROP)
inline constexpr unsigned kErServerShutdown = 1053;
inline constexpr unsigned kErDupFieldName = 1060;          // duplicate column
inline constexpr unsigned kErDupKeyName = 1061;
inline constexpr unsigned kErDupEntry = 1062;              // duplicate key
inline constexpr unsigned kErCantDropFieldOrKey = 1091;
inline constexpr unsigned kErTableAccessDenied = 1142;
inline constexpr unsigned kErNoSuchTable = 1146;           // table doesn't exist
inline constexpr unsigned kErLockWaitTimeout = 1205;
inline constexpr unsigned kErLockDeadlock = 1213;
inline constexpr unsigned kErSpecificAccessDenied = 1227;  // needs SUPER or similar
inline constexpr unsigned kErMasterFatalReadingBinlog = 1236;
inline constexpr unsigned kErOptionPreventsStatement = 1290;  // read_only, and others
inline constexpr unsigned kErKeyNotFound = 1032;           // row not found (replication)
inline constexpr unsigned kErConnectionKilled = 1927;      // MariaDB: KILL CONNECTION
inline constexpr unsigned kErQueryInterrupted = 1317;      // KILL QUERY of this statement
inline constexpr unsigned kErReadOnlyMode = 1836;          // MySQL: read-only mode

// Client errors (errmsg.h): 2000 and above; the connection is unusable after most.
inline constexpr unsigned kCrFirstClientError = 2000;
inline constexpr unsigned kCrConnectionError = 2002;       // local socket
inline constexpr unsigned kCrConnHostError = 2003;         // TCP connect
inline constexpr unsigned kCrUnknownHost = 2005;
inline constexpr unsigned kCrServerGoneError = 2006;
inline constexpr unsigned kCrServerLost = 2013;
inline constexpr unsigned kCrServerLostExtended = 2055;

struct ServerError {
  unsigned number = 0;
  std::string sqlstate;  // five characters, e.g. "23000"; may be empty
  std::string message;   // the server's or client library's own text

  friend bool operator==(const ServerError&, const ServerError&) = default;
};

// The one mapping of server and client error numbers to status codes: kUnavailable for a
// lost or killed connection and a server shutting down (callers reconnect and resume),
// kPermissionDenied for privilege errors, kInternal otherwise.
[[nodiscard]] absl::StatusCode StatusCodeForError(unsigned number);

// `status` with `error` attached (replacing any ServerError it carried). An OK status is
// returned unchanged: OK carries no payload.
[[nodiscard]] absl::Status WithServerError(absl::Status status, const ServerError& error);

// `status` (a re-worded failure) with the ServerError `cause` carried, if any.
[[nodiscard]] absl::Status KeepServerError(const absl::Status& cause, absl::Status status);

// The ServerError attached to `status`, or nullopt (OK, or not from a server call).
[[nodiscard]] std::optional<ServerError> ServerErrorOf(const absl::Status& status);

// The attached error number, 0 when none: for `switch` and `==` on the constants.
[[nodiscard]] unsigned ServerErrorNumber(const absl::Status& status);

// What a DBA should do about an error binsync meets on a server ("; check ..."), empty
// when there is nothing general to say. `option` is the server's message for 1290
// (ER_OPTION_PREVENTS_STATEMENT), which names the option (read_only, super_read_only).
[[nodiscard]] std::string_view ServerErrorAdvice(unsigned number, std::string_view message = "");

// A statement for an error message: whitespace runs folded to one space, the contents of
// quoted strings replaced by '?' (a password or a row value never reaches a log), at most
// `max` characters then "...". BINLOG '<base64>' becomes BINLOG '?'.
[[nodiscard]] std::string SqlForMessage(std::string_view sql, size_t max = 100);

// Client errors and a killed or shut-down session: the connection cannot go on; the
// caller reconnects and resumes from its checkpoint.
[[nodiscard]] bool IsLostConnectionError(unsigned number);

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_SERVER_ERROR_H_
