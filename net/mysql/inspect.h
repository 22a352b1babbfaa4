// Reads a live server's replication-relevant facts (binsync status, resync's first step).
#ifndef BINSYNC_NET_MYSQL_INSPECT_H_
#define BINSYNC_NET_MYSQL_INSPECT_H_

#include "absl/status/statusor.h"
#include "core/topology/server_facts.h"
#include "net/mysql/connection.h"

namespace binsync {

// Variables, binlog list and every replication channel. Needs a user with
// REPLICATION CLIENT (MariaDB: BINLOG MONITOR, SLAVE MONITOR) to see everything; a
// missing privilege is reported as an error naming the statement.
[[nodiscard]] absl::StatusOr<ServerFacts> InspectServer(Connection& conn);

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_INSPECT_H_
