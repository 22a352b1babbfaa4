// What binsync knows about one server of a master-master pair, and the checks that
// turn those facts into warnings. Pure data and logic: gathering lives in
// net/mysql/inspect.h, so these checks are unit-tested without a server.
#ifndef BINSYNC_CORE_TOPOLOGY_SERVER_FACTS_H_
#define BINSYNC_CORE_TOPOLOGY_SERVER_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace binsync {

enum class Flavour { kMariaDb, kMySql };

struct BinlogFile {
  std::string name;
  uint64_t size = 0;
};

// One replication channel (`SHOW ALL SLAVES STATUS` / `SHOW REPLICA STATUS` row).
struct ReplicationChannel {
  std::string name;  // "" for the default channel
  std::string source_host;
  uint16_t source_port = 0;
  // Master_Server_Id: the source's server_id, known once the IO thread has connected since
  // the replica started; 0 before that.
  uint32_t source_server_id = 0;
  std::string io_running;   // Yes / No / Connecting
  std::string sql_running;  // Yes / No
  std::optional<int64_t> seconds_behind;
  int last_io_errno = 0;
  std::string last_io_error;
  int last_sql_errno = 0;
  std::string last_sql_error;
  std::string using_gtid;  // MariaDB: No / Current_Pos / Slave_Pos
  std::string gtid_io_pos;
  std::string source_log_file;  // Master_Log_File (IO thread)
  uint64_t read_source_log_pos = 0;
  std::string exec_source_log_file;  // Relay_Master_Log_File (SQL thread)
  uint64_t exec_source_log_pos = 0;
};

struct ServerFacts {
  std::string endpoint;  // host:port
  std::string version;
  Flavour flavour = Flavour::kMariaDb;
  uint32_t server_id = 0;
  std::optional<uint32_t> gtid_domain_id;  // MariaDB
  std::string server_uuid;                  // MySQL
  bool log_bin = false;
  std::string binlog_format;
  std::string binlog_row_image;
  std::string binlog_row_metadata;  // empty where the server has no such variable
  bool log_slave_updates = false;
  bool read_only = false;
  uint32_t auto_increment_increment = 1;
  uint32_t auto_increment_offset = 1;
  // MariaDB: gtid_binlog_pos / gtid_slave_pos / gtid_current_pos.
  // MySQL: gtid_executed in gtid_binlog_pos and gtid_current_pos, gtid_purged in gtid_purged.
  std::string gtid_binlog_pos;
  std::string gtid_slave_pos;
  std::string gtid_current_pos;
  std::string gtid_purged;
  std::vector<BinlogFile> binlogs;
  std::vector<ReplicationChannel> channels;
};

enum class Severity { kInfo, kWarning, kError };

struct Finding {
  std::string server;  // endpoint, or "a <-> b" for pair findings
  Severity severity = Severity::kWarning;
  std::string code;     // stable identifier, e.g. "sql_thread_error"
  std::string message;  // one line: what is wrong and what to do
};

// Checks each server on its own and, when two or more are given, the set as a
// master-master group (equal server_ids, colliding auto-increment settings, ...).
[[nodiscard]] std::vector<Finding> CheckServers(const std::vector<ServerFacts>& servers);

// "default channel from host:port" or "channel 'x' from host:port".
[[nodiscard]] std::string DescribeChannel(const ReplicationChannel& c);

[[nodiscard]] const char* SeverityName(Severity s);
[[nodiscard]] const char* FlavourName(Flavour f);

}  // namespace binsync

#endif  // BINSYNC_CORE_TOPOLOGY_SERVER_FACTS_H_
