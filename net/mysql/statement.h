// Prepared statements over libmariadb: values are always bound, never spliced into SQL.
//
// Results are fetched as text into buffers owned by the statement and reused across
// rows: a row callback sees string_views valid until it returns, and a steady stream of
// rows allocates nothing. A PreparedStatement borrows its Connection, which must outlive
// it and not run other statements while a Query() is streaming.
#ifndef BINSYNC_NET_MYSQL_STATEMENT_H_
#define BINSYNC_NET_MYSQL_STATEMENT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/mysql/connection.h"

struct st_mysql_stmt;
struct st_mysql_bind;

namespace binsync {

// How a text value is sent: integers as integers (no float comparison of big BIGINTs
// against string parameters), DECIMAL exactly, binary strings as BLOB, the rest as text.
enum class ParamType { kText, kBinary, kSigned, kUnsigned, kDecimal };

struct Param {
  std::optional<std::string_view> value;  // nullopt: SQL NULL
  ParamType type = ParamType::kText;
};

using RowValues = std::vector<std::optional<std::string_view>>;
// Called once per row; returning an error stops the stream and is returned by Query().
using RowFn = std::function<absl::Status(const RowValues& row)>;

class PreparedStatement {
 public:
  [[nodiscard]] static absl::StatusOr<PreparedStatement> Prepare(Connection& conn,
                                                                 std::string sql);
  PreparedStatement(PreparedStatement&& other) noexcept;
  PreparedStatement& operator=(PreparedStatement&& other) noexcept;
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement();

  // Executes a statement without a result set; returns the affected row count.
  [[nodiscard]] absl::StatusOr<uint64_t> Execute(std::span<const Param> params);
  // Executes and streams the result rows to `fn` (unbuffered: the server sends as we read).
  [[nodiscard]] absl::Status Query(std::span<const Param> params, const RowFn& fn);

  [[nodiscard]] const std::string& sql() const { return sql_; }

 private:
  PreparedStatement(Connection* conn, st_mysql_stmt* stmt, std::string sql)
      : conn_(conn), stmt_(stmt), sql_(std::move(sql)) {}
  [[nodiscard]] absl::Status Bind(std::span<const Param> params);
  [[nodiscard]] absl::Status Error(std::string_view doing) const;

  Connection* conn_ = nullptr;
  st_mysql_stmt* stmt_ = nullptr;
  std::string sql_;
  // Parameter storage, reused across executions.
  std::vector<long long> int_params_;
  std::vector<char> null_flags_;
  std::vector<unsigned long> param_lengths_;
  std::vector<unsigned char> param_binds_;  // raw MYSQL_BIND array
  // Result storage, reused across rows.
  std::vector<unsigned char> result_binds_;  // raw MYSQL_BIND array
  std::vector<std::string> result_buffers_;
  std::vector<unsigned long> result_lengths_;
  std::vector<char> result_nulls_;
  std::vector<uint64_t> result_ints_;     // integer columns' values as fetched
  std::vector<char> result_int_kinds_;    // 0 text, 1 signed, 2 unsigned integer column
  RowValues row_;
};

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_STATEMENT_H_
