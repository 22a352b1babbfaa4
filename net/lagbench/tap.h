// BinlogTap: reads one server's binlog as a replica would (net/mysql/binlog_stream, the project's
// own live binlog source) from a given GTID position, groups it into transactions
// (core/replicate/assembler) and stamps, on lagbench's one monotonic clock, when each probe
// transaction arrives: the moment its end event (XID/COMMIT) is read. Lag is the difference
// between two taps' stamps of one probe, so the taps' own delay and the hosts' clock skew
// cancel (DESIGN.md, "Lag").
//
// Threading: Start opens the stream on the caller's thread (so a refused connection is an
// error at once), then one thread per tap reads until Stop. Books are written only by their
// tap; anyone may read them.
#ifndef BINSYNC_NET_LAGBENCH_TAP_H_
#define BINSYNC_NET_LAGBENCH_TAP_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/lagbench/arrivals.h"
#include "net/mysql/connection.h"
#include "core/util/clock.h"

namespace binsync::lagbench {

// lagbench's replica server_ids ("lag" in ASCII and a tap number): each tap registers with
// its own id, since a server drops an older dump connection registered with the same id.
inline constexpr uint32_t kTapServerIdBase = 0x6c616700;

struct TapProbeTable {
  std::string db;
  std::string table;
  ArrivalBook* book = nullptr;  // not owned; outlives the tap
};

struct TapOptions {
  ConnectOptions server;
  uint32_t server_id = kTapServerIdBase;
  std::string start_gtid;  // the server's @@gtid_binlog_pos before the load started
  std::vector<TapProbeTable> probes;
  Clock::time_point epoch;  // stamps are microseconds since this instant
};

class BinlogTap {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BinlogTap>> Start(TapOptions options);
  ~BinlogTap();
  BinlogTap(const BinlogTap&) = delete;
  BinlogTap& operator=(const BinlogTap&) = delete;

  // Asks the thread to stop (it notices within a heartbeat, 100 ms) and joins it.
  void Stop();
  // The first error the thread met (OK while it runs or after a clean stop).
  [[nodiscard]] absl::Status status() const;
  [[nodiscard]] uint64_t transactions() const { return transactions_.load(); }
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  explicit BinlogTap(TapOptions options) : options_(std::move(options)) {}
  absl::Status Run(void* stream);

  TapOptions options_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> transactions_{0};
  mutable std::mutex mu_;
  absl::Status status_;
  std::thread thread_;
};

}  // namespace binsync::lagbench

#endif  // BINSYNC_NET_LAGBENCH_TAP_H_
