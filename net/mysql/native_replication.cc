#include "net/mysql/native_replication.h"

#include <thread>

#include "core/util/clock.h"
#include "core/util/strings.h"
#include "core/util/status_macros.h"
#include "net/mysql/inspect.h"

namespace binsync {

absl::Status StartNativeReplication(Connection& replica, const ServerUri& source) {
  RETURN_IF_ERROR(replica.Execute("STOP SLAVE"));
  RETURN_IF_ERROR(replica.Execute(StrCat(
      "CHANGE MASTER TO MASTER_HOST=", replica.QuoteLiteral(source.host),
      ", MASTER_PORT=", source.port, ", MASTER_USER=", replica.QuoteLiteral(source.user),
      ", MASTER_PASSWORD=", replica.QuoteLiteral(source.password.value_or("")),
      ", MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1")));
  return replica.Execute("START SLAVE");
}

absl::Status WaitReplicationRunning(Connection& replica, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ASSIGN_OR_RETURN(const ServerFacts facts, InspectServer(replica));
    if (facts.channels.empty()) {
      return absl::FailedPreconditionError(
          StrCat(replica.endpoint(), ": no replication configured"));
    }
    const ReplicationChannel& c = facts.channels.front();
    if (c.io_running == "Yes" && c.sql_running == "Yes") return absl::OkStatus();
    if (c.last_sql_errno != 0 || (c.last_io_errno != 0 && c.io_running == "No")) {
      return absl::FailedPreconditionError(StrCat(
          replica.endpoint(), ": replication from ", c.source_host, ":", c.source_port,
          " stopped: ", c.last_sql_errno != 0 ? c.last_sql_error : c.last_io_error));
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(StrCat(
          replica.endpoint(), ": replication threads not running after ", timeout.count(),
          " s (IO ", c.io_running, ", SQL ", c.sql_running, ")"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

absl::Status WaitForGtid(Connection& replica, std::string_view gtid_pos,
                         std::chrono::seconds timeout) {
  if (gtid_pos.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const auto r,
                   replica.QueryValue(StrCat("SELECT MASTER_GTID_WAIT(",
                                                   replica.QuoteLiteral(gtid_pos), ", ",
                                                   timeout.count(), ")")));
  if (r.value_or("-1") != "0") {
    return absl::DeadlineExceededError(StrCat(replica.endpoint(), ": has not applied ",
                                                    gtid_pos, " after ", timeout.count(), " s"));
  }
  return absl::OkStatus();
}

absl::Status RestartNativeAt(Connection& replica, const std::string& position) {
  RETURN_IF_ERROR(replica.Execute("STOP SLAVE"));
  RETURN_IF_ERROR(replica.Execute(
      StrCat("SET GLOBAL gtid_slave_pos = ", replica.QuoteLiteral(position))));
  RETURN_IF_ERROR(replica.Execute("CHANGE MASTER TO MASTER_USE_GTID = slave_pos"));
  RETURN_IF_ERROR(replica.Execute("START SLAVE"));
  return WaitReplicationRunning(replica, std::chrono::seconds(30));
}

}  // namespace binsync
