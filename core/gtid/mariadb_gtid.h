// MariaDB GTID positions: "domain-server-seq[,domain-server-seq...]", one entry per domain.
#ifndef BINSYNC_CORE_GTID_MARIADB_GTID_H_
#define BINSYNC_CORE_GTID_MARIADB_GTID_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync {

struct MariaDbGtid {
  uint32_t domain_id = 0;
  uint32_t server_id = 0;
  uint64_t seq_no = 0;
  friend bool operator==(const MariaDbGtid&, const MariaDbGtid&) = default;
};

using MariaDbGtidPos = std::vector<MariaDbGtid>;

[[nodiscard]] absl::StatusOr<MariaDbGtidPos> ParseMariaDbGtidPos(std::string_view text);
[[nodiscard]] std::string FormatMariaDbGtidPos(const MariaDbGtidPos& pos);

// The entries a replica can wait for: drops those written by `own_server_id` (a server
// never replicates its own events back, so MASTER_GTID_WAIT on them would block).
[[nodiscard]] MariaDbGtidPos WithoutServer(const MariaDbGtidPos& pos, uint32_t own_server_id);
// As WithoutServer, and also drops the entries of the server's own GTID domain.
[[nodiscard]] MariaDbGtidPos WithoutOwn(const MariaDbGtidPos& pos, uint32_t own_server_id,
                                        std::optional<uint32_t> own_domain_id);

// A server's GTID state as verify sees it: the position it had applied right after a
// read, whether it replicates (a running SQL thread), and its own domain.
struct GtidSide {
  std::string_view pos;
  bool replicating = false;
  std::optional<uint32_t> domain_id;
};

// True when re-reading the two servers later could give another result: positions are
// taken after the reads, so any domain in which they differ may be in flight (the side
// behind still applying, or the side ahead having written more after its read), except
// one the side behind never receives: it does not replicate and the domain is not its
// own (a replica's local writes that go nowhere). Unparsable positions (MySQL GTID
// sets): true unless equal.
[[nodiscard]] bool MayStillConverge(const GtidSide& a, const GtidSide& b);

}  // namespace binsync

#endif  // BINSYNC_CORE_GTID_MARIADB_GTID_H_
