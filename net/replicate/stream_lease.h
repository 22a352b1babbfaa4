// One writer per replication stream: a lease held on the target, so that two binsync
// processes (or binsync and the target's own replication) never apply the same source
// to the same target at once.
//
// The lease is a named lock on the target (GET_LOCK('binsync.stream.<stream>')), held by a
// connection of its own: the server releases it when that connection ends, so a binsync
// killed with -9 (or a target restart) frees it without anyone cleaning up, and the next
// binsync takes it over. Who holds it is written beside it, unlogged, in
// `binsync.lease` (stream, holder "binsync pid P on host H", its connection id, since,
// epoch), so a refused process names the holder.
//
// The lock alone excludes only processes that ask for it: a holder whose lease connection
// is killed keeps applying until it notices. So taking the lease also increments the row's
// epoch, and every transaction the holder applies is fenced on it
// (core/replicate/lease_fence.h): the takeover waits for the old holder's transactions in
// flight, and the old holder's later ones fail. Taken, the lease stays this process's as
// long as its connection lasts; lost with its connection (a KILL, a network cut, a target
// restart), Ensure() says so (Unavailable) and the caller starts again from the
// checkpoint, taking the lease anew (a new epoch) unless another process has it by then.
//
// Ensure() also refuses a direction that the target's own replication applies: a
// replication channel of the target whose master is this source (by server_id) with its
// SQL thread running.
#ifndef BINSYNC_NET_REPLICATE_STREAM_LEASE_H_
#define BINSYNC_NET_REPLICATE_STREAM_LEASE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/mysql/connection.h"

namespace binsync {

class StreamLease {
 public:
  // `stream`: "from_server_<source id>", as the checkpoint names it. Nothing is held yet.
  // `check_native`: also refuse when the target's native replication applies this source
  // (off for leases that are not a replication stream, e.g. resync's own).
  StreamLease(ConnectOptions target, std::string stream, uint32_t source_server_id,
              bool check_native = true);

  // Takes the lease (a new epoch), or confirms this process still holds it.
  // FailedPrecondition naming the holder when another process holds it, or when the
  // target's native replication applies this source; Unavailable when the target cannot be
  // reached, or when the lease was lost with its connection: the caller stops applying with
  // the old epoch and calls Ensure() again to take it anew.
  [[nodiscard]] absl::Status Ensure();
  // Releases the lease (also done by the destructor, and by the server on disconnect).
  void Release();
  ~StreamLease();
  StreamLease(const StreamLease&) = delete;
  StreamLease& operator=(const StreamLease&) = delete;

  [[nodiscard]] const std::string& lock_name() const { return lock_; }
  // The epoch this process wrote when it took the lease (0 before): what every transaction
  // it applies is fenced on (ApplierOptions::lease_epoch).
  [[nodiscard]] uint64_t epoch() const { return epoch_; }
  // Relay mode: the target's channel named `name` is binsync's own (its master is binsync,
  // presenting the source's server_id), so it is not native replication of the source.
  void set_own_channel(std::string name) { own_channel_ = std::move(name); }

 private:
  absl::Status Take();
  // After GET_LOCK: the row written with a new epoch (table created or migrated first).
  absl::Status Record();
  absl::Status RefuseNativeReplication();
  absl::Status RefuseHeld(std::string_view lock);

  ConnectOptions target_;
  std::string stream_, lock_;
  uint32_t source_server_id_;
  bool check_native_;
  std::string own_channel_;  // relay: binsync's own channel on the target, not native
  Connection conn_;  // holds the lock while open
  bool held_ = false;
  uint64_t epoch_ = 0;
};

}  // namespace binsync

#endif  // BINSYNC_NET_REPLICATE_STREAM_LEASE_H_
