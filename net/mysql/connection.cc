#include "net/mysql/connection.h"

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include <utility>

#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

// core/util/server_error.h is pure and cannot include libmariadb's headers: its constants are
// checked against them here.
static_assert(kErDbCreateExists == ER_DB_CREATE_EXISTS && kErDbDropExists == ER_DB_DROP_EXISTS);
static_assert(kErDbAccessDenied == ER_DBACCESS_DENIED_ERROR &&
              kErAccessDenied == ER_ACCESS_DENIED_ERROR);
static_assert(kErBadDb == ER_BAD_DB_ERROR && kErTableExists == ER_TABLE_EXISTS_ERROR &&
              kErBadTable == ER_BAD_TABLE_ERROR && kErServerShutdown == ER_SERVER_SHUTDOWN);
static_assert(kErDupFieldName == ER_DUP_FIELDNAME && kErDupKeyName == ER_DUP_KEYNAME &&
              kErDupEntry == ER_DUP_ENTRY && kErCantDropFieldOrKey == ER_CANT_DROP_FIELD_OR_KEY);
static_assert(kErTableAccessDenied == ER_TABLEACCESS_DENIED_ERROR &&
              kErLockWaitTimeout == ER_LOCK_WAIT_TIMEOUT && kErLockDeadlock == ER_LOCK_DEADLOCK);
static_assert(kErSpecificAccessDenied == ER_SPECIFIC_ACCESS_DENIED_ERROR &&
              kErMasterFatalReadingBinlog == ER_MASTER_FATAL_ERROR_READING_BINLOG &&
              kErKeyNotFound == ER_KEY_NOT_FOUND && kErConnectionKilled == ER_CONNECTION_KILLED);
static_assert(kErOptionPreventsStatement == ER_OPTION_PREVENTS_STATEMENT &&
              kErQueryInterrupted == ER_QUERY_INTERRUPTED && kErReadOnlyMode == ER_READ_ONLY_MODE);
static_assert(kCrFirstClientError == CR_MIN_ERROR && kCrConnectionError == CR_CONNECTION_ERROR &&
              kCrConnHostError == CR_CONN_HOST_ERROR && kCrUnknownHost == CR_UNKNOWN_HOST);
static_assert(kCrServerGoneError == CR_SERVER_GONE_ERROR && kCrServerLost == CR_SERVER_LOST &&
              kCrServerLostExtended == CR_SERVER_LOST_EXTENDED);

static_assert(kErNoSuchTable == ER_NO_SUCH_TABLE);

}  // namespace

absl::StatusOr<SslMode> ParseSslMode(std::string_view text) {
  const std::string t = ToUpper(text);
  if (t == "DISABLED") return SslMode::kDisabled;
  if (t == "PREFERRED") return SslMode::kPreferred;
  if (t == "REQUIRED") return SslMode::kRequired;
  if (t == "VERIFY_CA") return SslMode::kVerifyCa;
  if (t == "VERIFY_IDENTITY") return SslMode::kVerifyIdentity;
  return absl::InvalidArgumentError(StrCat(
      "--ssl-mode: unknown mode '", text,
      "'; use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"));
}

int ResultSet::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (EqualsIgnoreCase(columns_[i], name)) return static_cast<int>(i);
  }
  return -1;
}

std::optional<std::string> ResultSet::Get(size_t row, std::string_view column) const {
  const int idx = ColumnIndex(column);
  if (idx < 0 || row >= rows_.size()) return std::nullopt;
  return rows_[row][static_cast<size_t>(idx)];
}

absl::StatusOr<Connection> Connection::Open(const ConnectOptions& options) {
  const std::string endpoint =
      options.unix_socket.empty() ? options.uri.Endpoint() : options.unix_socket;
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) {
    return absl::ResourceExhaustedError(StrCat(endpoint, ": out of memory in mysql_init"));
  }
  Connection conn(mysql, endpoint);  // closes the handle on every error path below

  const unsigned connect_timeout = static_cast<unsigned>(options.connect_timeout.count());
  const unsigned read_timeout = static_cast<unsigned>(options.read_timeout.count());
  const unsigned write_timeout = static_cast<unsigned>(options.write_timeout.count());
  mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const my_bool on = 1;
  const my_bool off = 0;
  switch (options.ssl_mode) {
    case SslMode::kDisabled:
      break;
    case SslMode::kPreferred:
      if (!options.ssl_ca.empty()) mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, options.ssl_ca.c_str());
      break;
    case SslMode::kRequired:
      mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
      mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
      if (!options.ssl_ca.empty()) mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, options.ssl_ca.c_str());
      break;
    case SslMode::kVerifyCa:
    case SslMode::kVerifyIdentity:
      if (options.ssl_ca.empty()) {
        return absl::InvalidArgumentError(StrCat(
            endpoint, ": --ssl-mode=VERIFY_CA/VERIFY_IDENTITY needs --ssl-ca FILE"));
      }
      mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
      mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, options.ssl_ca.c_str());
      mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
      break;
  }

  const char* password = options.uri.password ? options.uri.password->c_str() : nullptr;
  const bool use_socket = !options.unix_socket.empty();
  if (mysql_real_connect(mysql, use_socket ? "localhost" : options.uri.host.c_str(),
                         options.uri.user.c_str(), password, nullptr,
                         use_socket ? 0 : options.uri.port,
                         use_socket ? options.unix_socket.c_str() : nullptr,
                         CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS |
                             (options.found_rows ? CLIENT_FOUND_ROWS : 0)) == nullptr) {
    return conn.LastError("cannot connect");
  }
  return conn;
}

Connection::Connection(Connection&& other) noexcept
    : mysql_(std::exchange(other.mysql_, nullptr)), endpoint_(std::move(other.endpoint_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (mysql_ != nullptr) mysql_close(mysql_);
    mysql_ = std::exchange(other.mysql_, nullptr);
    endpoint_ = std::move(other.endpoint_);
  }
  return *this;
}

Connection::~Connection() {
  if (mysql_ != nullptr) mysql_close(mysql_);
}

absl::Status Connection::LastError(std::string_view doing) const {
  const unsigned err = mysql_errno(mysql_);
  const char* message = mysql_error(mysql_);
  return WithServerError(absl::Status(StatusCodeForError(err),
                                      StrCat(endpoint_, ": ", doing, ": ", message, " (error ",
                                             err, ")", ServerErrorAdvice(err, message))),
                         ServerError{err, mysql_sqlstate(mysql_), message});
}

absl::Status Connection::QueryError(std::string_view sql) const {
  return LastError(StrCat("query failed (", SqlForMessage(sql), ")"));
}

absl::Status Connection::Execute(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return QueryError(sql);
  // Drain every result of a multi-statement so the connection stays usable.
  for (;;) {
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (res != nullptr) mysql_free_result(res);
    const int next = mysql_next_result(mysql_);
    if (next > 0) return QueryError(sql);
    if (next < 0) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<ResultSet> Connection::Query(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return QueryError(sql);
  MYSQL_RES* res = mysql_store_result(mysql_);
  if (res == nullptr) {
    if (mysql_errno(mysql_) != 0) return LastError("reading result failed");
    return ResultSet();
  }
  const unsigned ncols = mysql_num_fields(res);
  std::vector<std::string> columns;
  columns.reserve(ncols);
  const MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned i = 0; i < ncols; ++i) columns.emplace_back(fields[i].name, fields[i].name_length);
  std::vector<ResultSet::Row> rows;
  rows.reserve(mysql_num_rows(res));
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    ResultSet::Row r;
    r.reserve(ncols);
    for (unsigned i = 0; i < ncols; ++i) {
      if (row[i] == nullptr) {
        r.emplace_back(std::nullopt);
      } else {
        r.emplace_back(std::string(row[i], lengths[i]));
      }
    }
    rows.push_back(std::move(r));
  }
  mysql_free_result(res);
  while (mysql_next_result(mysql_) == 0) {
    if (MYSQL_RES* extra = mysql_store_result(mysql_); extra != nullptr) mysql_free_result(extra);
  }
  return ResultSet(std::move(columns), std::move(rows));
}

absl::StatusOr<std::optional<std::string>> Connection::QueryValue(std::string_view sql) {
  auto rs = Query(sql);
  if (!rs.ok()) return rs.status();
  if (rs->empty() || rs->columns().empty()) {
    return absl::NotFoundError(StrCat(endpoint_, ": no row from: ", sql));
  }
  return rs->rows()[0][0];
}

std::string Connection::QuoteLiteral(std::string_view value) const {
  std::string out(value.size() * 2 + 3, '\0');
  out[0] = '\'';
  const unsigned long n =
      mysql_real_escape_string(mysql_, out.data() + 1, value.data(), value.size());
  out.resize(n + 1);
  out += '\'';
  return out;
}

std::string Connection::server_version() const { return mysql_get_server_info(mysql_); }

bool Connection::is_mariadb() const {
  return mariadb_connection(mysql_) != 0;
}

absl::StatusOr<uint32_t> ServerIdOf(Connection& conn) {
  ASSIGN_OR_RETURN(const std::optional<std::string> id, conn.QueryValue("SELECT @@global.server_id"));
  ASSIGN_OR_RETURN(const uint64_t n, NumberOf(StrCat(conn.endpoint(), ": @@server_id"), id.value_or("0")));
  return static_cast<uint32_t>(n);
}

}  // namespace binsync
