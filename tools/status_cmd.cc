// binsync status URI...: the first step of every recovery, done properly.
#include <cstdio>
#include <iostream>

#include "core/util/strings.h"
#include "absl/strings/str_join.h"
#include "core/topology/server_facts.h"
#include "net/mysql/inspect.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {
namespace {

std::string HumanBytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }
const char* OnOff(bool b) { return b ? "ON" : "OFF"; }

void PrintText(const std::vector<ServerFacts>& servers, const std::vector<Finding>& findings) {
  for (const ServerFacts& s : servers) {
    std::cout << s.endpoint << "  " << FlavourName(s.flavour) << " " << s.version << "\n";
    std::cout << "  server_id " << s.server_id;
    if (s.gtid_domain_id) std::cout << "  gtid_domain_id " << *s.gtid_domain_id;
    if (!s.server_uuid.empty()) std::cout << "  server_uuid " << s.server_uuid;
    std::cout << "  read_only " << OnOff(s.read_only) << "\n";
    std::cout << "  binlog " << OnOff(s.log_bin) << "  format " << OrDash(s.binlog_format)
              << "  row_image " << OrDash(s.binlog_row_image) << "  row_metadata "
              << OrDash(s.binlog_row_metadata) << "  log_slave_updates "
              << OnOff(s.log_slave_updates) << "\n";
    std::cout << "  auto_increment increment " << s.auto_increment_increment << " offset "
              << s.auto_increment_offset << "\n";
    if (s.flavour == Flavour::kMariaDb) {
      std::cout << "  gtid binlog_pos " << OrDash(s.gtid_binlog_pos) << "  slave_pos "
                << OrDash(s.gtid_slave_pos) << "  current_pos " << OrDash(s.gtid_current_pos)
                << "\n";
    } else {
      std::cout << "  gtid executed " << OrDash(s.gtid_binlog_pos) << "  purged "
                << OrDash(s.gtid_purged) << "\n";
    }
    if (!s.binlogs.empty()) {
      uint64_t total = 0;
      for (const BinlogFile& b : s.binlogs) total += b.size;
      std::cout << "  binlogs " << s.binlogs.size() << " (" << s.binlogs.front().name;
      if (s.binlogs.size() > 1) std::cout << " .. " << s.binlogs.back().name;
      std::cout << ", " << HumanBytes(total) << ")\n";
    }
    if (s.channels.empty()) std::cout << "  replication: none configured\n";
    for (const ReplicationChannel& c : s.channels) {
      std::cout << "  replication " << (c.name.empty() ? "(default)" : "'" + c.name + "'")
                << " from " << c.source_host << ":" << c.source_port << "  IO "
                << OrDash(c.io_running) << "  SQL " << OrDash(c.sql_running) << "  lag "
                << (c.seconds_behind ? StrCat(*c.seconds_behind, " s") : "-");
      if (!c.using_gtid.empty()) std::cout << "  using_gtid " << c.using_gtid;
      std::cout << "\n";
      if (!c.gtid_io_pos.empty()) std::cout << "    gtid_io_pos " << c.gtid_io_pos << "\n";
      std::cout << "    read " << OrDash(c.source_log_file) << ":" << c.read_source_log_pos
                << "  executed " << OrDash(c.exec_source_log_file) << ":"
                << c.exec_source_log_pos << "\n";
      if (c.last_io_errno != 0) {
        std::cout << "    last IO error " << c.last_io_errno << ": " << c.last_io_error << "\n";
      }
      if (c.last_sql_errno != 0) {
        std::cout << "    last SQL error " << c.last_sql_errno << ": " << c.last_sql_error << "\n";
      }
    }
    std::cout << "\n";
  }
  if (findings.empty()) {
    std::cout << "no warnings\n";
    return;
  }
  std::cout << "warnings:\n";
  for (const Finding& f : findings) {
    std::cout << "  " << SeverityName(f.severity) << "  " << f.server << "  " << f.code << ": "
              << f.message << "\n";
  }
}

nlohmann::json ToJson(const ServerFacts& s) {
  nlohmann::json channels = nlohmann::json::array();
  for (const ReplicationChannel& c : s.channels) {
    channels.push_back({
        {"name", c.name},
        {"source", StrCat(c.source_host, ":", c.source_port)},
        {"io_running", c.io_running},
        {"sql_running", c.sql_running},
        {"seconds_behind", c.seconds_behind ? nlohmann::json(*c.seconds_behind) : nullptr},
        {"last_io_errno", c.last_io_errno},
        {"last_io_error", c.last_io_error},
        {"last_sql_errno", c.last_sql_errno},
        {"last_sql_error", c.last_sql_error},
        {"using_gtid", c.using_gtid},
        {"gtid_io_pos", c.gtid_io_pos},
        {"read_pos", StrCat(c.source_log_file, ":", c.read_source_log_pos)},
        {"exec_pos", StrCat(c.exec_source_log_file, ":", c.exec_source_log_pos)},
    });
  }
  nlohmann::json binlogs = nlohmann::json::array();
  for (const BinlogFile& b : s.binlogs) binlogs.push_back({{"name", b.name}, {"size", b.size}});
  return {
      {"server", s.endpoint},
      {"flavour", FlavourName(s.flavour)},
      {"version", s.version},
      {"server_id", s.server_id},
      {"gtid_domain_id", s.gtid_domain_id ? nlohmann::json(*s.gtid_domain_id) : nullptr},
      {"server_uuid", s.server_uuid},
      {"read_only", s.read_only},
      {"log_bin", s.log_bin},
      {"binlog_format", s.binlog_format},
      {"binlog_row_image", s.binlog_row_image},
      {"binlog_row_metadata", s.binlog_row_metadata},
      {"log_slave_updates", s.log_slave_updates},
      {"auto_increment_increment", s.auto_increment_increment},
      {"auto_increment_offset", s.auto_increment_offset},
      {"gtid_binlog_pos", s.gtid_binlog_pos},
      {"gtid_slave_pos", s.gtid_slave_pos},
      {"gtid_current_pos", s.gtid_current_pos},
      {"gtid_purged", s.gtid_purged},
      {"binlogs", binlogs},
      {"replication", channels},
  };
}

}  // namespace

RunFn RegisterStatus(CLI::App& app, const GlobalOptions& g) {
  struct Opts {
    std::vector<std::string> uris;
    std::string format = "table";
  };
  auto o = std::make_shared<Opts>();
  app.add_option("uri", o->uris, "servers to inspect: mysql://[user@]host[:port] (user, password from option files: [client], [binsync])")
      ->required();
  app.add_option("--format", o->format, "table|json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.footer("Exit: 0 no error findings, 1 error findings (broken replication, binlog off, "
             "equal server_ids), 2 a server could not be inspected.");
  return [o, &g]() -> int {
    std::vector<ServerFacts> servers;
    bool failed = false;
    for (const std::string& uri : o->uris) {
      auto options = MakeConnectOptions(uri, g, "");
      if (!options.ok()) return FailWith(options.status());
      auto conn = Connection::Open(*options);
      if (!conn.ok()) {
        spdlog::error("{}", conn.status().message());
        failed = true;
        continue;
      }
      auto facts = InspectServer(*conn);
      if (!facts.ok()) {
        spdlog::error("{}", facts.status().message());
        failed = true;
        continue;
      }
      servers.push_back(*std::move(facts));
    }
    if (failed && servers.empty()) return kExitError;
    const std::vector<Finding> findings = CheckServers(servers);
    if (o->format == "json") {
      nlohmann::json j;
      j["servers"] = nlohmann::json::array();
      for (const ServerFacts& s : servers) j["servers"].push_back(ToJson(s));
      j["warnings"] = nlohmann::json::array();
      for (const Finding& f : findings) {
        j["warnings"].push_back({{"server", f.server},
                                 {"severity", SeverityName(f.severity)},
                                 {"code", f.code},
                                 {"message", f.message}});
      }
      std::cout << j.dump(2) << "\n";
    } else {
      PrintText(servers, findings);
    }
    if (failed) return kExitError;
    for (const Finding& f : findings) {
      if (f.severity == Severity::kError) return kExitDifferences;
    }
    return kExitOk;
  };
}

}  // namespace binsync
