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

}  // namespace binsync

#endif  // BINSYNC_CORE_GTID_MARIADB_GTID_H_
