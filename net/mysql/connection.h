// A RAII connection to one MySQL/MariaDB server over libmariadb.
//
// Ownership: a Connection owns its MYSQL handle and closes it on destruction; it is
// movable, not copyable, and must be used by one thread at a time (libmariadb handles
// are not thread-safe). Every error names the server as `host:port`, the cause and, for
// the common failures, what to do; no message ever contains the password.
#ifndef BINSYNC_NET_MYSQL_CONNECTION_H_
#define BINSYNC_NET_MYSQL_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/util/server_error.h"  // StatusCodeForError, ServerErrorOf
#include "core/util/strings.h"  // QuoteIdentifier
#include "net/mysql/server_uri.h"

struct st_mysql;  // MYSQL, from <mysql.h>; kept out of this header.

namespace binsync {

// TLS policy, as MySQL clients name it.
enum class SslMode {
  kDisabled,        // never TLS
  kPreferred,       // TLS when --ssl-ca is given, else plain (libmariadb's default)
  kRequired,        // TLS or fail; certificate not verified
  kVerifyCa,        // TLS, server certificate verified against --ssl-ca
  kVerifyIdentity,  // as kVerifyCa, and the certificate must name the host
};
[[nodiscard]] absl::StatusOr<SslMode> ParseSslMode(std::string_view text);

struct ConnectOptions {
  ServerUri uri;
  SslMode ssl_mode = SslMode::kPreferred;
  std::string ssl_ca;             // CA file; empty: none
  std::string unix_socket;        // when set, used instead of TCP (sandbox bootstrap)
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds read_timeout{60};
  std::chrono::seconds write_timeout{60};
  // UPDATE reports matched rather than changed rows (the applier tells "row missing"
  // from "row already as wanted" this way).
  bool found_rows = false;
};

// A fully buffered result: column names and rows of nullable text values. For
// inspection queries (status, schema); hot paths use prepared statements instead.
class ResultSet {
 public:
  using Row = std::vector<std::optional<std::string>>;

  ResultSet() = default;
  ResultSet(std::vector<std::string> columns, std::vector<Row> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}

  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }
  [[nodiscard]] const std::vector<Row>& rows() const { return rows_; }
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  // Index of a column by case-insensitive name, or -1.
  [[nodiscard]] int ColumnIndex(std::string_view name) const;
  // Value of `column` in row `row`; nullopt when NULL or the column does not exist.
  [[nodiscard]] std::optional<std::string> Get(size_t row, std::string_view column) const;

 private:
  std::vector<std::string> columns_;
  std::vector<Row> rows_;
};

class Connection {
 public:
  // Connects and sets the session up (utf8mb4). Fails fast with a one-line error
  // naming host:port when the server cannot be reached or refuses the login.
  [[nodiscard]] static absl::StatusOr<Connection> Open(const ConnectOptions& options);

  // Not connected: a placeholder to move an opened Connection into.
  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs a statement (or several separated by ';') and discards any result.
  [[nodiscard]] absl::Status Execute(std::string_view sql);
  // Runs one statement returning rows.
  [[nodiscard]] absl::StatusOr<ResultSet> Query(std::string_view sql);
  // One value of a one-row query (NULL -> nullopt); error when no row.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> QueryValue(std::string_view sql);

  // A string literal, quoted and escaped for this connection's charset: for the few
  // statements that cannot take bound parameters (CHANGE MASTER TO, SET GLOBAL).
  [[nodiscard]] std::string QuoteLiteral(std::string_view value) const;

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] std::string server_version() const;
  [[nodiscard]] bool is_mariadb() const;
  // For libmariadb APIs binsync wraps elsewhere (mariadb_rpl). Still owned here.
  [[nodiscard]] st_mysql* raw() { return mysql_; }

  // The last libmariadb error of this connection as a Status naming the server and
  // what was being done, carrying the ServerError (core/util/server_error.h).
  [[nodiscard]] absl::Status LastError(std::string_view doing) const;
  // LastError of a failed `sql`, named in the message (SqlForMessage: strings hidden).
  [[nodiscard]] absl::Status QueryError(std::string_view sql) const;

 private:
  Connection(st_mysql* mysql, std::string endpoint) : mysql_(mysql), endpoint_(std::move(endpoint)) {}

  st_mysql* mysql_ = nullptr;
  std::string endpoint_;
};

// The server's @@server_id; an error naming the server when it is not a number.
[[nodiscard]] absl::StatusOr<uint32_t> ServerIdOf(Connection& conn);

// Runs `fn` (statements on `conn`) with binlogging off for this session, for binsync's own
// bookkeeping, which never replicates; binlogging is restored whatever `fn` returned.
template <typename Fn>
[[nodiscard]] absl::Status Unlogged(Connection& conn, Fn fn) {
  if (absl::Status off = conn.Execute("SET SESSION sql_log_bin = 0"); !off.ok()) return off;
  const absl::Status st = fn();
  const absl::Status restore = conn.Execute("SET SESSION sql_log_bin = 1");
  return st.ok() ? restore : st;
}

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_CONNECTION_H_
