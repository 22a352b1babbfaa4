#include "core/topology/server_facts.h"

#include "core/util/server_error.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

std::string ChannelName(const ReplicationChannel& c) {
  return c.name.empty() ? std::string("default channel") : StrCat("channel '", c.name, "'");
}

std::string ErrorAdvice(int err) {
  switch (err) {
    case kErDupEntry:
      return "a row replicated from the peer already exists here (duplicate key): the pair has "
             "diverged; run `binsync resync` instead of skipping the event or re-seeding";
    case kErKeyNotFound:
      return "a row the peer changed does not exist here: the pair has diverged; run "
             "`binsync resync` instead of skipping the event or re-seeding";
    case kErMasterFatalReadingBinlog:
      return "the peer no longer has the binlog this server needs (purged?): run `binsync resync`, "
             "which falls back to verify + repair for what the binlogs no longer hold";
    default:
      return "fix the cause, then START SLAVE; `binsync resync` repairs a diverged pair";
  }
}

void CheckOne(const ServerFacts& s, std::vector<Finding>* out) {
  auto add = [&](Severity sev, std::string code, std::string msg) {
    out->push_back(Finding{s.endpoint, sev, std::move(code), std::move(msg)});
  };
  if (!s.log_bin) {
    add(Severity::kError, "binlog_off",
        "log_bin=OFF: this server writes no binlog, so neither its peer nor binsync can see its "
        "changes; set log_bin in the server config and restart");
  } else {
    if (ToUpper(s.binlog_format) != "ROW") {
      add(Severity::kError, "binlog_format",
          StrCat("binlog_format=", s.binlog_format,
                       ": binsync reads row events only; SET GLOBAL binlog_format=ROW and put it "
                       "in the config"));
    }
    if (!s.binlog_row_image.empty() && ToUpper(s.binlog_row_image) != "FULL") {
      add(Severity::kWarning, "binlog_row_image",
          StrCat("binlog_row_image=", s.binlog_row_image,
                       ": before images lack columns, so conflicts on them cannot be detected; "
                       "FULL is recommended for master-master"));
    }
    if (!s.binlog_row_metadata.empty() && ToUpper(s.binlog_row_metadata) != "FULL") {
      add(Severity::kInfo, "binlog_row_metadata",
          StrCat("binlog_row_metadata=", s.binlog_row_metadata,
                       ": column names come from information_schema instead of the binlog; "
                       "FULL makes decoding independent of later schema changes"));
    }
  }
  if (!s.log_slave_updates && !s.channels.empty()) {
    add(Severity::kInfo, "log_slave_updates",
        "log_slave_updates=OFF: changes replicated into this server are not in its binlog, so a "
        "third server or a resync through it cannot see them");
  }
  for (const ReplicationChannel& c : s.channels) {
    const std::string where = DescribeChannel(c);
    if (c.last_sql_errno != 0 && c.sql_running != "Yes") {
      add(Severity::kError, "sql_thread_error",
          StrCat(where, ": SQL thread stopped on error ", c.last_sql_errno, " (",
                       c.last_sql_error, "); ", ErrorAdvice(c.last_sql_errno)));
    } else if (c.sql_running != "Yes") {
      add(Severity::kWarning, "sql_thread_stopped",
          StrCat(where, ": SQL thread not running; START SLAVE resumes it"));
    }
    if (c.last_io_errno != 0 && c.io_running != "Yes") {
      add(Severity::kError, "io_thread_error",
          StrCat(where, ": IO thread stopped on error ", c.last_io_errno, " (",
                       c.last_io_error, "); ", ErrorAdvice(c.last_io_errno)));
    } else if (c.io_running == "No") {
      add(Severity::kWarning, "io_thread_stopped",
          StrCat(where, ": IO thread not running; START SLAVE resumes it"));
    }
    if (s.flavour == Flavour::kMariaDb && ToLower(c.using_gtid) == "no") {
      add(Severity::kInfo, "not_using_gtid",
          StrCat(where, ": replicates by file:pos; MASTER_USE_GTID=slave_pos survives "
                              "fail-over and is what binsync hands back"));
    }
  }
}

void CheckGroup(const std::vector<ServerFacts>& servers, std::vector<Finding>* out) {
  for (size_t i = 0; i < servers.size(); ++i) {
    for (size_t j = i + 1; j < servers.size(); ++j) {
      const ServerFacts& a = servers[i];
      const ServerFacts& b = servers[j];
      const std::string pair = StrCat(a.endpoint, " <-> ", b.endpoint);
      if (a.server_id == b.server_id) {
        out->push_back(Finding{
            pair, Severity::kError, "same_server_id",
            StrCat("both have server_id=", a.server_id,
                         ": each drops the other's events as its own; give every server a "
                         "distinct server_id")});
      }
      if (a.gtid_domain_id && b.gtid_domain_id && *a.gtid_domain_id == *b.gtid_domain_id) {
        out->push_back(Finding{
            pair, Severity::kWarning, "same_gtid_domain",
            StrCat("both have gtid_domain_id=", *a.gtid_domain_id,
                         ": writes on both masters interleave in one GTID domain, which breaks "
                         "GTID positions after a fail-over; use one domain per master")});
      }
      const uint32_t n = static_cast<uint32_t>(servers.size());
      if (a.auto_increment_increment < n || b.auto_increment_increment < n) {
        out->push_back(Finding{
            pair, Severity::kWarning, "auto_increment_increment",
            StrCat("auto_increment_increment is ", a.auto_increment_increment, " and ",
                         b.auto_increment_increment, " for ", n,
                         " masters: inserts on both sides generate the same ids (error 1062); "
                         "set it to ", n, " on every master")});
      } else if (a.auto_increment_increment == b.auto_increment_increment &&
                 a.auto_increment_offset % a.auto_increment_increment ==
                     b.auto_increment_offset % b.auto_increment_increment) {
        out->push_back(Finding{
            pair, Severity::kWarning, "auto_increment_offset",
            StrCat("both have auto_increment_offset=", a.auto_increment_offset,
                         ": inserts on both sides generate the same ids (error 1062); give each "
                         "master its own offset")});
      }
    }
  }
}

}  // namespace

std::vector<Finding> CheckServers(const std::vector<ServerFacts>& servers) {
  std::vector<Finding> out;
  for (const ServerFacts& s : servers) CheckOne(s, &out);
  if (servers.size() >= 2) CheckGroup(servers, &out);
  return out;
}

std::string DescribeChannel(const ReplicationChannel& c) {
  return StrCat(ChannelName(c), " from ", c.source_host, ":", c.source_port);
}

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "?";
}

const char* FlavourName(Flavour f) { return f == Flavour::kMariaDb ? "MariaDB" : "MySQL"; }

}  // namespace binsync
