#include "net/mysql/inspect.h"

#include <charconv>
#include <map>
#include <string>

#include "core/util/strings.h"
#include "core/util/status_macros.h"

namespace binsync {
namespace {

template <typename T>
T ToNumber(const std::optional<std::string>& text, T fallback = 0) {
  if (!text) return fallback;
  T value{};
  const auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  return ec == std::errc() ? value : fallback;
}

bool IsOn(const std::optional<std::string>& v) {
  return v && (EqualsIgnoreCase(*v, "ON") || *v == "1");
}

}  // namespace

absl::StatusOr<ServerFacts> InspectServer(Connection& conn) {
  ServerFacts f;
  f.endpoint = conn.endpoint();
  f.flavour = conn.is_mariadb() ? Flavour::kMariaDb : Flavour::kMySql;

  // One round trip; a variable this flavour or version lacks is simply absent.
  ASSIGN_OR_RETURN(const ResultSet vars,
                   conn.Query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ("
                              "'version','server_id','gtid_domain_id','server_uuid','log_bin',"
                              "'binlog_format','binlog_row_image','binlog_row_metadata',"
                              "'log_slave_updates','log_replica_updates','read_only',"
                              "'auto_increment_increment','auto_increment_offset',"
                              "'gtid_binlog_pos','gtid_slave_pos','gtid_current_pos',"
                              "'gtid_executed','gtid_purged')"));
  std::map<std::string, std::optional<std::string>> v;
  for (const auto& row : vars.rows()) {
    if (row.size() >= 2 && row[0]) v[ToLower(*row[0])] = row[1];
  }
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = v.find(name);
    return it == v.end() ? std::nullopt : it->second;
  };
  f.version = get("version").value_or(conn.server_version());
  if (ContainsIgnoreCase(f.version, "mariadb")) f.flavour = Flavour::kMariaDb;
  f.server_id = ToNumber<uint32_t>(get("server_id"));
  if (auto d = get("gtid_domain_id")) f.gtid_domain_id = ToNumber<uint32_t>(d);
  f.server_uuid = get("server_uuid").value_or("");
  f.log_bin = IsOn(get("log_bin"));
  f.binlog_format = get("binlog_format").value_or("");
  f.binlog_row_image = get("binlog_row_image").value_or("");
  f.binlog_row_metadata = get("binlog_row_metadata").value_or("");
  f.log_slave_updates = IsOn(get("log_slave_updates")) || IsOn(get("log_replica_updates"));
  f.read_only = IsOn(get("read_only"));
  f.auto_increment_increment = ToNumber<uint32_t>(get("auto_increment_increment"), 1);
  f.auto_increment_offset = ToNumber<uint32_t>(get("auto_increment_offset"), 1);
  if (f.flavour == Flavour::kMariaDb) {
    f.gtid_binlog_pos = get("gtid_binlog_pos").value_or("");
    f.gtid_slave_pos = get("gtid_slave_pos").value_or("");
    f.gtid_current_pos = get("gtid_current_pos").value_or("");
  } else {
    f.gtid_binlog_pos = get("gtid_executed").value_or("");
    f.gtid_current_pos = f.gtid_binlog_pos;
    f.gtid_purged = get("gtid_purged").value_or("");
  }

  if (f.log_bin) {
    ASSIGN_OR_RETURN(const ResultSet logs, conn.Query("SHOW BINARY LOGS"));
    for (size_t i = 0; i < logs.rows().size(); ++i) {
      f.binlogs.push_back(BinlogFile{logs.Get(i, "Log_name").value_or(""),
                                     ToNumber<uint64_t>(logs.Get(i, "File_size"))});
    }
  }

  const bool mariadb = f.flavour == Flavour::kMariaDb;
  auto channels = conn.Query(mariadb ? "SHOW ALL SLAVES STATUS" : "SHOW REPLICA STATUS");
  if (!channels.ok() && !mariadb) channels = conn.Query("SHOW SLAVE STATUS");  // MySQL < 8.0.22
  if (!channels.ok()) return channels.status();
  // MySQL 8.0.22+ renamed the columns (Source_*, Replica_*); accept both spellings.
  auto col = [&](size_t i, const char* old_name, const char* new_name) {
    auto value = channels->Get(i, old_name);
    return value ? value : channels->Get(i, new_name);
  };
  for (size_t i = 0; i < channels->rows().size(); ++i) {
    ReplicationChannel c;
    c.name = col(i, "Connection_name", "Channel_Name").value_or("");
    c.source_host = col(i, "Master_Host", "Source_Host").value_or("");
    c.source_port = ToNumber<uint16_t>(col(i, "Master_Port", "Source_Port"));
    c.source_server_id = ToNumber<uint32_t>(col(i, "Master_Server_Id", "Source_Server_Id"));
    c.io_running = col(i, "Slave_IO_Running", "Replica_IO_Running").value_or("");
    c.sql_running = col(i, "Slave_SQL_Running", "Replica_SQL_Running").value_or("");
    if (auto lag = col(i, "Seconds_Behind_Master", "Seconds_Behind_Source")) {
      c.seconds_behind = ToNumber<int64_t>(lag);
    }
    c.last_io_errno = ToNumber<int>(channels->Get(i, "Last_IO_Errno"));
    c.last_io_error = channels->Get(i, "Last_IO_Error").value_or("");
    c.last_sql_errno = ToNumber<int>(channels->Get(i, "Last_SQL_Errno"));
    c.last_sql_error = channels->Get(i, "Last_SQL_Error").value_or("");
    c.using_gtid = channels->Get(i, "Using_Gtid").value_or("");
    c.gtid_io_pos = channels->Get(i, "Gtid_IO_Pos").value_or("");
    c.source_log_file = col(i, "Master_Log_File", "Source_Log_File").value_or("");
    c.read_source_log_pos =
        ToNumber<uint64_t>(col(i, "Read_Master_Log_Pos", "Read_Source_Log_Pos"));
    c.exec_source_log_file =
        col(i, "Relay_Master_Log_File", "Relay_Source_Log_File").value_or("");
    c.exec_source_log_pos =
        ToNumber<uint64_t>(col(i, "Exec_Master_Log_Pos", "Exec_Source_Log_Pos"));
    f.channels.push_back(std::move(c));
  }
  return f;
}

}  // namespace binsync
