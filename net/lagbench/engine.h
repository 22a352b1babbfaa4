// binsync as the engine of one direction (issue 14, "Engines"): it takes the direction over
// from the target's native replication and hands it back afterwards as resync does: the
// channel stopped, `binsync replicate` (live or catchup) applying from exactly where native
// stopped, then native restarted at the position binsync read through, so nothing is fetched
// or applied twice and the channel's settings stay as they were (only gtid_slave_pos moves).
#ifndef BINSYNC_NET_LAGBENCH_ENGINE_H_
#define BINSYNC_NET_LAGBENCH_ENGINE_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "net/mysql/connection.h"
#include "net/replicate/replicator.h"

namespace binsync::lagbench {

struct BinsyncEngineOptions {
  ConnectOptions source, target;
  ApplyMode mode = ApplyMode::kLive;
  int workers = 4;
  std::string label;  // "A->B"
};

// A killed lagbench may have left `target`'s channel from `source` stopped with binsync in
// charge (its hand-over record says so): restarts native where binsync got to and clears
// the record. Nothing to do without a record.
[[nodiscard]] absl::Status RestoreAfterKilledRun(const ConnectOptions& source,
                                                 const ConnectOptions& target);

class BinsyncEngine {
 public:
  // Stops the target's channel from the source and starts binsync on a thread.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BinsyncEngine>> Start(
      const BinsyncEngineOptions& options);
  ~BinsyncEngine();
  BinsyncEngine(const BinsyncEngine&) = delete;
  BinsyncEngine& operator=(const BinsyncEngine&) = delete;

  // Stops binsync (what it applies commits) and restarts native replication where binsync
  // got to. Called once; the destructor calls it if nobody did.
  [[nodiscard]] absl::Status Stop();
  // True when binsync ended by itself (an error: it runs until stopped otherwise).
  [[nodiscard]] bool ended() const { return ended_.load(); }

 private:
  BinsyncEngine() = default;

  BinsyncEngineOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::thread thread_;
  absl::StatusOr<ReplicateResult> result_ = absl::UnknownError("not run");
  bool stopped_ = false;
  uint32_t source_id_ = 0;
  uint64_t seq_then_ = 0;  // binsync's checkpoint seq when it took over
};

}  // namespace binsync::lagbench

#endif  // BINSYNC_NET_LAGBENCH_ENGINE_H_
