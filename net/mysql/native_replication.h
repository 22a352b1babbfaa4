// Native MariaDB replication control: what the reference procedure does by hand
// (CHANGE MASTER TO ... MASTER_USE_GTID, START SLAVE, wait for positions), for the
// demo, the tests and resync's hand-back.
#ifndef BINSYNC_NET_MYSQL_NATIVE_REPLICATION_H_
#define BINSYNC_NET_MYSQL_NATIVE_REPLICATION_H_

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "net/mysql/connection.h"
#include "net/mysql/server_uri.h"

namespace binsync {

// Points `replica`'s default channel at `source` (host, port, user, password of the
// replication account as the replica must use them) with MASTER_USE_GTID=slave_pos,
// and starts both threads. The password goes to the server only, never to a log.
[[nodiscard]] absl::Status StartNativeReplication(Connection& replica, const ServerUri& source);

// Waits until the default channel's IO and SQL threads both run; an error naming the
// replication error if either stopped on one.
[[nodiscard]] absl::Status WaitReplicationRunning(Connection& replica,
                                                  std::chrono::seconds timeout);

// Restarts `replica`'s default channel from `position` (its new gtid_slave_pos) with
// MASTER_USE_GTID=slave_pos, after binsync applied what native replication would have:
// nothing is fetched twice. Waits until both threads run.
[[nodiscard]] absl::Status RestartNativeAt(Connection& replica, const std::string& position);

// Waits until `replica` has applied `gtid_pos` (MASTER_GTID_WAIT).
[[nodiscard]] absl::Status WaitForGtid(Connection& replica, std::string_view gtid_pos,
                                       std::chrono::seconds timeout);

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_NATIVE_REPLICATION_H_
