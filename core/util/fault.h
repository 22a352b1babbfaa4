// Fault injection for tests: BINSYNC_FAULT="point:N[,point:N...]" makes FaultHit(point)
// true the N-th time the process reaches `point` (once per point). Unset (production),
// FaultHit is one relaxed load. Documented in docs/DEVELOPING.md with every point.
#ifndef BINSYNC_CORE_UTIL_FAULT_H_
#define BINSYNC_CORE_UTIL_FAULT_H_

#include <string_view>

namespace binsync {

[[nodiscard]] bool FaultHit(std::string_view point);

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_FAULT_H_
