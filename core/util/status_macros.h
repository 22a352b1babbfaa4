// Status propagation helpers. Debian 12's abseil (20220623) predates absl's own status
// macros, so binsync keeps this one small header.
#ifndef BINSYNC_CORE_UTIL_STATUS_MACROS_H_
#define BINSYNC_CORE_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BINSYNC_CONCAT_INNER_(a, b) a##b
#define BINSYNC_CONCAT_(a, b) BINSYNC_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                         \
  do {                                                \
    if (absl::Status _st = (expr); !_st.ok()) {       \
      return _st;                                     \
    }                                                 \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares/assigns x from a StatusOr, or returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(BINSYNC_CONCAT_(_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()

#endif  // BINSYNC_CORE_UTIL_STATUS_MACROS_H_
