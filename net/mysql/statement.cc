#include "net/mysql/statement.h"

#include <mysql.h>

#include <charconv>
#include <cstring>
#include <utility>

#include "core/util/strings.h"

namespace binsync {
namespace {

MYSQL_BIND* Binds(std::vector<unsigned char>& raw) {
  return reinterpret_cast<MYSQL_BIND*>(raw.data());
}

// 0: fetched as text; 1: a signed, 2: an unsigned integer column, fetched as 8 bytes and
// printed by Query() (ZEROFILL columns stay text: the padding is part of their value).
char IntegerKind(const MYSQL_FIELD& f) {
  switch (f.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
      if ((f.flags & ZEROFILL_FLAG) != 0) return 0;
      return (f.flags & UNSIGNED_FLAG) != 0 ? 2 : 1;
    default:
      return 0;
  }
}

}  // namespace

absl::StatusOr<PreparedStatement> PreparedStatement::Prepare(Connection& conn, std::string sql) {
  MYSQL_STMT* stmt = mysql_stmt_init(conn.raw());
  if (stmt == nullptr) return conn.LastError("mysql_stmt_init");
  PreparedStatement ps(&conn, stmt, std::move(sql));
  if (mysql_stmt_prepare(stmt, ps.sql_.data(), ps.sql_.size()) != 0) {
    return ps.Error("prepare failed");
  }
  return ps;
}

PreparedStatement::PreparedStatement(PreparedStatement&& other) noexcept
    : conn_(other.conn_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      sql_(std::move(other.sql_)) {}

PreparedStatement& PreparedStatement::operator=(PreparedStatement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) mysql_stmt_close(stmt_);
    conn_ = other.conn_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
  }
  return *this;
}

PreparedStatement::~PreparedStatement() {
  if (stmt_ != nullptr) mysql_stmt_close(stmt_);
}

absl::Status PreparedStatement::Error(std::string_view doing) const {
  const unsigned err = mysql_stmt_errno(stmt_);
  const char* message = mysql_stmt_error(stmt_);
  return WithServerError(
      absl::Status(StatusCodeForError(err),
                   StrCat(conn_->endpoint(), ": ", doing, ": ", message, " (error ", err, ")")),
      ServerError{err, mysql_stmt_sqlstate(stmt_), message});
}

absl::Status PreparedStatement::Bind(std::span<const Param> params) {
  const unsigned expected = mysql_stmt_param_count(stmt_);
  if (params.size() != expected) {
    return absl::InvalidArgumentError(StrCat("statement takes ", expected, " values, got ",
                                             params.size(), ": ", sql_));
  }
  if (params.empty()) return absl::OkStatus();
  param_binds_.assign(sizeof(MYSQL_BIND) * params.size(), 0);
  int_params_.assign(params.size(), 0);
  null_flags_.assign(params.size(), 0);
  param_lengths_.assign(params.size(), 0);
  MYSQL_BIND* b = Binds(param_binds_);
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    b[i].is_null = reinterpret_cast<my_bool*>(&null_flags_[i]);
    if (!p.value) {
      null_flags_[i] = 1;
      b[i].buffer_type = MYSQL_TYPE_NULL;
      continue;
    }
    const std::string_view v = *p.value;
    switch (p.type) {
      case ParamType::kSigned:
      case ParamType::kUnsigned: {
        std::from_chars_result r{};
        if (p.type == ParamType::kSigned) {
          long long x = 0;
          r = std::from_chars(v.data(), v.data() + v.size(), x);
          int_params_[i] = x;
        } else {
          unsigned long long x = 0;
          r = std::from_chars(v.data(), v.data() + v.size(), x);
          int_params_[i] = static_cast<long long>(x);
        }
        if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
          return absl::InvalidArgumentError(StrCat("not an integer: '", v, "' for ", sql_));
        }
        b[i].buffer_type = MYSQL_TYPE_LONGLONG;
        b[i].buffer = &int_params_[i];
        b[i].is_unsigned = p.type == ParamType::kUnsigned ? 1 : 0;
        continue;
      }
      case ParamType::kDecimal:
        b[i].buffer_type = MYSQL_TYPE_NEWDECIMAL;
        break;
      case ParamType::kBinary:
        b[i].buffer_type = MYSQL_TYPE_BLOB;
        break;
      case ParamType::kText:
        b[i].buffer_type = MYSQL_TYPE_STRING;
        break;
    }
    // libmariadb only reads the buffer during execute.
    b[i].buffer = const_cast<char*>(v.data());
    b[i].buffer_length = v.size();
    param_lengths_[i] = v.size();
    b[i].length = &param_lengths_[i];
  }
  if (mysql_stmt_bind_param(stmt_, b) != 0) return Error("binding values failed");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> PreparedStatement::Execute(std::span<const Param> params) {
  if (auto st = Bind(params); !st.ok()) return st;
  if (mysql_stmt_execute(stmt_) != 0) return Error("execute failed");
  const uint64_t affected = mysql_stmt_affected_rows(stmt_);
  mysql_stmt_free_result(stmt_);
  return affected;
}

absl::Status PreparedStatement::Query(std::span<const Param> params, const RowFn& fn) {
  if (auto st = Bind(params); !st.ok()) return st;
  if (mysql_stmt_execute(stmt_) != 0) return Error("execute failed");
  const unsigned ncols = mysql_stmt_field_count(stmt_);
  if (result_buffers_.size() != ncols) {
    result_binds_.assign(sizeof(MYSQL_BIND) * ncols, 0);
    result_buffers_.assign(ncols, std::string(256, '\0'));
    result_lengths_.assign(ncols, 0);
    result_nulls_.assign(ncols, 0);
    result_ints_.assign(ncols, 0);
    result_int_kinds_.assign(ncols, 0);
  }
  // Integer columns come as 8-byte integers and are printed below with to_chars:
  // libmariadb's own integer-to-text conversion divides once per digit, which was a
  // tenth of verify's client CPU (20-digit row hashes).
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt_);
  const MYSQL_FIELD* fields = meta != nullptr ? mysql_fetch_fields(meta) : nullptr;
  MYSQL_BIND* rb = Binds(result_binds_);
  for (unsigned i = 0; i < ncols; ++i) {
    std::memset(&rb[i], 0, sizeof(MYSQL_BIND));
    result_int_kinds_[i] = fields != nullptr ? IntegerKind(fields[i]) : 0;
    if (result_int_kinds_[i] != 0) {
      rb[i].buffer_type = MYSQL_TYPE_LONGLONG;
      rb[i].buffer = &result_ints_[i];
      rb[i].buffer_length = sizeof(result_ints_[i]);
      rb[i].is_unsigned = result_int_kinds_[i] == 2;
    } else {
      rb[i].buffer_type = MYSQL_TYPE_STRING;
      rb[i].buffer = result_buffers_[i].data();
      rb[i].buffer_length = result_buffers_[i].size();
    }
    rb[i].length = &result_lengths_[i];
    rb[i].is_null = reinterpret_cast<my_bool*>(&result_nulls_[i]);
  }
  if (meta != nullptr) mysql_free_result(meta);
  if (ncols > 0 && mysql_stmt_bind_result(stmt_, rb) != 0) return Error("binding results failed");
  row_.assign(ncols, std::nullopt);
  absl::Status status = absl::OkStatus();
  for (;;) {
    const int r = mysql_stmt_fetch(stmt_);
    if (r == MYSQL_NO_DATA) break;
    if (r == 1) {
      status = Error("fetch failed");
      break;
    }
    for (unsigned i = 0; i < ncols; ++i) {
      if (result_nulls_[i] != 0) {
        row_[i] = std::nullopt;
        continue;
      }
      if (result_int_kinds_[i] != 0) {
        char* out = result_buffers_[i].data();
        const auto [end, ec] =
            result_int_kinds_[i] == 2
                ? std::to_chars(out, out + result_buffers_[i].size(), result_ints_[i])
                : std::to_chars(out, out + result_buffers_[i].size(),
                                static_cast<int64_t>(result_ints_[i]));
        row_[i] = std::string_view(out, static_cast<size_t>(end - out));
        continue;
      }
      if (result_lengths_[i] > result_buffers_[i].size()) {  // truncated: grow, fetch again
        result_buffers_[i].resize(result_lengths_[i] * 2);
        rb[i].buffer = result_buffers_[i].data();
        rb[i].buffer_length = result_buffers_[i].size();
        if (mysql_stmt_fetch_column(stmt_, &rb[i], i, 0) != 0) {
          status = Error("fetching a long value failed");
          break;
        }
      }
      row_[i] = std::string_view(result_buffers_[i].data(), result_lengths_[i]);
    }
    if (!status.ok()) break;
    if (r == MYSQL_DATA_TRUNCATED) mysql_stmt_bind_result(stmt_, rb);  // buffers moved
    if (status = fn(row_); !status.ok()) break;
  }
  mysql_stmt_free_result(stmt_);
  return status;
}

}  // namespace binsync
