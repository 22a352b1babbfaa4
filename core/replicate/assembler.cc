#include "core/replicate/assembler.h"

#include <utility>
#include <variant>

#include "core/binlog/event_types.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::replicate {

using binlog::EventType;

bool IsTransactionControl(std::string_view sql) {
  return EqualsIgnoreCase(sql, "BEGIN") || EqualsIgnoreCase(sql, "COMMIT") ||
         EqualsIgnoreCase(sql, "ROLLBACK");
}

std::string Transaction::Name() const {
  if (!first_name.empty() && source_txns > 1) {
    Transaction last = Transaction();
    last.has_gtid = has_gtid;
    last.gtid = gtid;
    last.mysql_gtid = mysql_gtid;
    last.file = file;
    last.start_pos = start_pos;
    return StrCat(first_name, "..", last.Name());
  }
  if (has_gtid) return StrCat(gtid.domain_id, "-", gtid.server_id, "-", gtid.seq_no);
  if (!mysql_gtid.empty()) return mysql_gtid;
  return StrCat(file, ":", start_pos);
}

std::string Transaction::NameAt() const { return StrCat(Name(), " at ", file, ":", start_pos); }

Assembler::Assembler(const MariaDbGtidPos& start) {
  for (const MariaDbGtid& g : start) domains_[g.domain_id] = g;
}

std::string Assembler::Position() const {
  MariaDbGtidPos pos;
  pos.reserve(domains_.size());
  for (const auto& [domain, gtid] : domains_) pos.push_back(gtid);
  return FormatMariaDbGtidPos(pos);
}

absl::Status Assembler::Append(const binlog::EventView& ev) {
  Transaction& t = *current_;
  EventRef ref;
  ref.header = ev.header;
  ref.source_offset = ev.offset;
  ref.raw_offset = static_cast<uint32_t>(t.arena.size());
  ref.raw_size = static_cast<uint32_t>(ev.raw.size());
  ref.body_offset = ref.raw_offset + static_cast<uint32_t>(ev.body.data() - ev.raw.data());
  ref.body_size = static_cast<uint32_t>(ev.body.size());
  if (t.arena.size() + ev.raw.size() > (size_t{1} << 31)) {
    return binlog::EventError(
        absl::ResourceExhaustedError("transaction larger than 2 GiB"), t.file, ev.offset,
        ev.header.type);
  }
  t.arena.insert(t.arena.end(), ev.raw.data(), ev.raw.data() + ev.raw.size());
  t.events.push_back(ref);
  t.end_pos = ev.header.log_pos != 0 ? ev.header.log_pos : ev.offset + ev.raw.size();
  return absl::OkStatus();
}

void Assembler::MaybeEmitPart(std::unique_ptr<Transaction>* done) {
  Transaction& t = *current_;
  if (part_limit_ == 0 || t.arena.size() < part_limit_) return;
  auto next = std::make_unique<Transaction>();
  next->has_gtid = t.has_gtid;
  next->gtid = t.gtid;
  next->mysql_gtid = t.mysql_gtid;
  next->commit_id = t.commit_id;
  next->gtid_flags = t.gtid_flags;
  next->server_id = t.server_id;
  next->timestamp = t.timestamp;
  next->file = t.file;
  next->start_pos = t.start_pos;
  next->end_pos = t.end_pos;
  next->format = t.format;
  if (t.part == 0) t.part = 1;
  next->part = t.part + 1;
  t.last_part = false;
  t.bytes = t.arena.size() + t.events.size() * sizeof(EventRef) + sizeof(Transaction);
  *done = std::move(current_);
  current_ = std::move(next);
}

absl::Status Assembler::Finish(std::unique_ptr<Transaction>* done) {
  Transaction& t = *current_;
  t.last_part = true;
  if (t.has_gtid) domains_[t.gtid.domain_id] = t.gtid;
  t.gtid_pos_after = Position();
  t.bytes = t.arena.size() + t.events.size() * sizeof(EventRef) + sizeof(Transaction);
  *done = std::move(current_);
  begun_ = false;
  return absl::OkStatus();
}

absl::Status Assembler::Add(const binlog::EventView& ev, const binlog::Event& decoded,
                            const binlog::FormatDescription& fd, std::string_view file,
                            std::unique_ptr<Transaction>* done) {
  done->reset();
  const auto type = static_cast<EventType>(ev.header.type);
  auto error = [&](std::string_view what) {
    return binlog::EventError(absl::DataLossError(std::string(what)), file, ev.offset, ev.header.type);
  };

  // Refused wherever they appear, inside a transaction or not: what follows them cannot
  // be applied faithfully.
  if (const auto* incident = std::get_if<binlog::IncidentEvent>(&decoded)) {
    // As native replication does: a replica stops at an incident (LOST_EVENTS: the source
    // failed to log some changes, so its binlog no longer matches its data).
    return binlog::EventError(
        absl::DataLossError(StrCat(
            "the source logged incident ", binlog::IncidentName(incident->incident), " (",
            incident->incident, "): \"", incident->message,
            "\"; its binlog misses changes from here on, so replication stops. Check the "
            "source's error log, bring the pair back in line (binsync verify --repair, or "
            "binsync resync), then restart replicate with --start ", file, ":",
            ev.offset + ev.raw.size())),
        file, ev.offset, ev.header.type);
  }
  if (std::holds_alternative<binlog::LoadBlockEvent>(decoded) ||
      std::holds_alternative<binlog::ExecuteLoadQueryEvent>(decoded) ||
      std::holds_alternative<binlog::DeleteFileEvent>(decoded)) {
    return binlog::EventError(
        absl::FailedPreconditionError(StrCat(
            "statement-based LOAD DATA: its data file exists only in the source's binlog, and "
            "binsync does not replay LOAD DATA. Set binlog_format=ROW on the source (LOAD DATA "
            "is then logged as rows), bring the pair back in line (binsync verify --repair, or "
            "binsync resync), then restart replicate with --start after this LOAD DATA's "
            "EXECUTE_LOAD_QUERY (or DELETE_FILE) event")),
        file, ev.offset, ev.header.type);
  }

  if (const auto* g = std::get_if<binlog::MariaGtidEvent>(&decoded)) {
    if (current_ != nullptr) return error("GTID inside an unfinished transaction");
    if (g->is_xa) {
      return error(
          "XA transactions are not supported by binsync replicate yet; resolve them with "
          "native replication");
    }
    if (format_ == nullptr || format_source_ != &fd || format_version_ != fd.server_version ||
        format_->checksum != fd.checksum) {
      format_ = std::make_shared<const binlog::FormatDescription>(fd);
      format_source_ = &fd;
      format_version_ = fd.server_version;
    }
    current_ = std::make_unique<Transaction>();
    // MariaDB logs no BEGIN: a GTID without FL_STANDALONE opens a transaction that an XID
    // or COMMIT ends (statement-based DML included); a standalone one (DDL) ends with its
    // statement.
    begun_ = (g->flags2 & binlog::MariaGtidEvent::kFlagStandalone) == 0;
    Transaction& t = *current_;
    t.has_gtid = true;
    t.gtid = MariaDbGtid{g->domain_id, ev.header.server_id, g->seq_no};
    t.commit_id = g->has_commit_id ? g->commit_id : 0;
    t.gtid_flags = g->flags2;
    t.server_id = ev.header.server_id;
    t.timestamp = ev.header.timestamp;
    t.file.assign(file);
    t.start_pos = ev.offset;
    t.format = format_;
    t.end_pos = ev.header.log_pos;
    return absl::OkStatus();
  }
  if (std::holds_alternative<binlog::MysqlGtidEvent>(decoded) ||
      type == EventType::kTransactionPayload) {
    return error(
        "MySQL GTID transactions are decoded by `binsync dump` but not applied by replicate "
        "yet; use a MariaDB source");
  }

  if (current_ == nullptr) {
    switch (type) {
      case EventType::kFormatDescription:
      case EventType::kRotate:
      case EventType::kMariaGtidList:
      case EventType::kMariaBinlogCheckpoint:
      case EventType::kPreviousGtids:
      case EventType::kHeartbeat:
      case EventType::kHeartbeatV2:
      case EventType::kStop:
        return absl::OkStatus();
      default:
        break;
    }
    if (std::holds_alternative<binlog::IgnorableEvent>(decoded)) return absl::OkStatus();
    return error("event outside a transaction (no GTID before it); binsync needs GTIDs "
                 "(MariaDB 10.0+) to group transactions");
  }

  Transaction& t = *current_;
  if (const auto* q = std::get_if<binlog::QueryEvent>(&decoded)) {
    if (EqualsIgnoreCase(q->sql, "BEGIN")) {
      begun_ = true;
      return Append(ev);
    }
    if (EqualsIgnoreCase(q->sql, "COMMIT") || EqualsIgnoreCase(q->sql, "ROLLBACK")) {
      // A group ending in ROLLBACK holds only changes to non-transactional tables (they
      // happened anyway); the applier applies its rows like a committed group.
      RETURN_IF_ERROR(Append(ev));
      return Finish(done);
    }
    if ((q->sql.size() > 3 && EqualsIgnoreCase(q->sql.substr(0, 3), "XA "))) {
      return error("XA statements are not supported by binsync replicate yet");
    }
    t.has_statements = true;
    RETURN_IF_ERROR(Append(ev));
    if (!begun_) {  // DDL: standalone, no COMMIT follows
      t.self_committed = true;
      return Finish(done);
    }
    return absl::OkStatus();
  }
  switch (type) {
    case EventType::kXid:
      RETURN_IF_ERROR(Append(ev));
      return Finish(done);
    case EventType::kTableMap:
    case EventType::kMariaAnnotateRows:
    case EventType::kRowsQuery:
    case EventType::kIntvar:
    case EventType::kRand:
    case EventType::kUserVar:
      return Append(ev);
    case EventType::kHeartbeat:
    case EventType::kHeartbeatV2:
      return absl::OkStatus();
    default:
      break;
  }
  if (std::holds_alternative<binlog::RowsEvent>(decoded)) {
    t.has_rows = true;
    RETURN_IF_ERROR(Append(ev));
    MaybeEmitPart(done);
    return absl::OkStatus();
  }
  if (std::holds_alternative<binlog::IgnorableEvent>(decoded)) return absl::OkStatus();
  return error("event not expected inside a transaction");
}

}  // namespace binsync::replicate
