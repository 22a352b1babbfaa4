// Fault injection for tests: BINSYNC_FAULT="point:N[,point:N...]" makes FaultHit(point)
// true the N-th time the process reaches `point` (once per point). Unset (production),
// FaultHit is one relaxed load. Documented in docs/DEVELOPING.md with every point.
#ifndef BINSYNC_CORE_UTIL_FAULT_H_
#define BINSYNC_CORE_UTIL_FAULT_H_

#include <string_view>

namespace binsync {

[[nodiscard]] bool FaultHit(std::string_view point);

// A test's kill -9 at `point`: when FaultHit(point), the process dies at once by SIGKILL:
// no destructor, no rollback, no cleanup; the servers roll back its open transactions and
// drop its connections, as after a real kill -9 or a lost machine. (The fault's log line
// is flushed first, so the test log says where it died.)
void FaultKill(std::string_view point);

// A test's SIGTERM at `point`: when FaultHit(point), the process signals itself as a DBA's
// `kill` or Ctrl-C would, and carries on to its own orderly stop.
void FaultTerm(std::string_view point);

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_FAULT_H_
