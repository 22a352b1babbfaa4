// A run recorded by an earlier resync of servers 1 (a:1, --from) -> 2 (b:2, --to) under
// from-wins, stopped at `step`: the shared starting point of the run-state and plan tests.
#ifndef BINSYNC_TESTS_CORE_RESYNC_RECORDED_RUN_H_
#define BINSYNC_TESTS_CORE_RESYNC_RECORDED_RUN_H_

#include "core/resync/run_state.h"

namespace binsync {

inline ResyncRun RecordedRun(ResyncStep step, const char* id = "20260101-120000-42") {
  ResyncRun r;
  r.id = id;
  r.from_server_id = 1;
  r.to_server_id = 2;
  r.from = "a:1";
  r.to = "b:2";
  r.policy = "from-wins";
  r.started = "2026-01-01 12:00:00";
  r.step = step;
  return r;
}

}  // namespace binsync

#endif  // BINSYNC_TESTS_CORE_RESYNC_RECORDED_RUN_H_
