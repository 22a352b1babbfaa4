#include "core/lagbench/preflight.h"

#include "core/util/strings.h"

namespace binsync::lagbench {

absl::Status CheckNativeDirection(const ServerFacts& source, uint16_t source_port,
                                  const ServerFacts& target) {
  if (!target.log_bin || !target.log_slave_updates) {
    return absl::FailedPreconditionError(StrCat(
        target.endpoint, " does not binlog what its replication applies (log_bin=",
        target.log_bin ? "ON" : "OFF", ", log_slave_updates=", target.log_slave_updates ? "ON" : "OFF",
        "): lagbench times each transaction's arrival in the target's binlog; set log_bin and "
        "log_slave_updates=ON in its my.cnf and restart it"));
  }
  for (const ReplicationChannel& c : target.channels) {
    if (c.source_port != source_port) continue;
    if (c.io_running == "Yes" && c.sql_running == "Yes") return absl::OkStatus();
    return absl::FailedPreconditionError(StrCat(
        target.endpoint, " replicates from ", source.endpoint, " but its channel '", c.name,
        "' is not running (IO ", c.io_running, ", SQL ", c.sql_running,
        c.last_sql_errno != 0 ? StrCat(", error ", c.last_sql_errno, ": ", c.last_sql_error) : "",
        "): fix it and START SLAVE, or measure binsync instead (--engine binsync)"));
  }
  return absl::FailedPreconditionError(StrCat(
      target.endpoint, " has no replication channel from ", source.endpoint,
      ": --engine native measures the pair's own replication; set it up (CHANGE MASTER TO ... "
      "MASTER_USE_GTID=slave_pos; START SLAVE) or drop this direction (--direction)"));
}

std::map<std::string, std::string> RecordedSettings(const ServerFacts& f) {
  std::map<std::string, std::string> s;
  s["server_id"] = std::to_string(f.server_id);
  s["binlog_format"] = f.binlog_format;
  s["binlog_row_image"] = f.binlog_row_image;
  s["log_slave_updates"] = f.log_slave_updates ? "ON" : "OFF";
  s["read_only"] = f.read_only ? "ON" : "OFF";
  for (const ReplicationChannel& c : f.channels) {
    const std::string p = c.name.empty() ? "channel" : StrCat("channel ", c.name);
    s[p + ".source"] = StrCat(c.source_host, ":", c.source_port);
    s[p + ".using_gtid"] = c.using_gtid;
    s[p + ".running"] = StrCat("IO ", c.io_running, ", SQL ", c.sql_running);
  }
  return s;
}

}  // namespace binsync::lagbench
