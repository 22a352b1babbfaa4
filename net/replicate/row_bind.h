// Binding one decoded binlog value to a prepared statement's parameter (libmariadb's
// MYSQL_BIND), in the type the server compares it as: integers as integers (signedness
// kept), DECIMAL as exact text, temporals as MYSQL_TIME (TIMESTAMP from its UTC seconds),
// strings as text or bytes as the plan says (fixed-size binary types padded back).
// Allocation-free in steady state: each parameter's storage (BindSlot) is reused.
#ifndef BINSYNC_NET_REPLICATE_ROW_BIND_H_
#define BINSYNC_NET_REPLICATE_ROW_BIND_H_

#include <mysql.h>

#include <string>

#include "absl/status/status.h"
#include "core/binlog/column_codec.h"
#include "core/replicate/row_plan.h"
#include "core/schema/table_info.h"

namespace binsync {

// One bound parameter's storage; MYSQL_BIND points into it until the next bind.
struct BindSlot {
  MYSQL_TIME tm;
  long long i = 0;  // NOLINT(google-runtime-int): MYSQL_BIND's type
  double d = 0;
  std::string text;
  unsigned long length = 0;  // NOLINT(google-runtime-int)
  my_bool is_null = 0;
};

// Binds `v` (parameter `p` of a plan for `info`) into `*bind`, storing what it points to in
// `*slot`. Error when the row image lacks the column or a DECIMAL does not decode.
[[nodiscard]] absl::Status BindRowValue(const binlog::Value& v, const replicate::PlanParam& p,
                                        const schema::TableInfo& info, MYSQL_BIND* bind,
                                        BindSlot* slot);

}  // namespace binsync

#endif  // BINSYNC_NET_REPLICATE_ROW_BIND_H_
