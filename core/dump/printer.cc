// binsync dump's rendering: decoded binlog events to JSON lines (the contract in
// ../shared/DESIGN.md), readable text (mysqlbinlog's `###` style), or statistics. Pure: no
// server, no standard output. The caller feeds events (PrintFile for binlog files,
// net/dump/live for a live server) and writes out() where it wants, whenever it has grown
// past kFlushAt or at a commit it wants shown at once.
//
// A corrupt or truncated event is an error naming file:pos; nothing is skipped silently.
// One reused output buffer and reused row images: in steady state no allocation happens per
// row or per value.
#include "core/dump/printer.h"

#include <filesystem>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <variant>

#include "core/binlog/event_types.h"
#include "core/binlog/file_reader.h"
#include "core/binlog/json_format.h"
#include "core/replicate/assembler.h"
#include "core/util/strings.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace binsync::dump {
namespace {

using binlog::ByteView;
using binlog::Event;
using binlog::EventView;
using binlog::FormatDescription;
using binlog::RowImage;
using binlog::RowsKind;
using binlog::TableMap;

// A JSON string of `s`; text that is not UTF-8 is written as "0x" + hex.
void AppendJsonText(std::string_view s, std::string* out) {
  if (!IsValidUtf8(s)) {
    binlog::AppendHexString(ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()), out);
    return;
  }
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

}  // namespace

EventPrinter::EventPrinter(PrintOptions options)
    : o_(std::move(options)), filtered_(!o_.databases.empty() || !o_.tables.empty()) {
  out_.reserve(kFlushAt + (64u << 10));
}

void EventPrinter::StartFile(std::string_view label) {
  file_label_ = label;
  gtid_.clear();  // a transaction never spans files
}

// `skipping`: before --start-position; only state (table maps, GTID) is kept.
absl::Status EventPrinter::Handle(const EventView& ev, const FormatDescription& fd,
                                  std::string_view file, bool skipping) {
  return Handle(ev, fd, file, /*inner=*/false, skipping);
}

// stats counts the event when it passed the --databases / --tables filter (every event
// without one), a TRANSACTION_PAYLOAD when one of its events did; the rest in left_out_.
absl::Status EventPrinter::Handle(const EventView& ev, const FormatDescription& fd,
                                  std::string_view file, bool inner, bool skipping) {
  const bool outer_passed = passed_;
  passed_ = !filtered_;
  absl::Status st = HandleEvent(ev, fd, file, skipping);
  if (st.ok() && !skipping && o_.format == Format::kStats) {
    ++(passed_ ? type_counts_[inner ? 1 : 0][ev.header.type] : left_out_);
  }
  passed_ = outer_passed || passed_;
  return st;
}

void EventPrinter::Passed(std::string_view db, std::string_view table) {
  passed_ = true;
  if (!filtered_) return;
  if (!seen_dbs_.contains(db)) seen_dbs_.emplace(db);
  if (table.empty()) return;
  key_.clear();
  StrAppend(&key_, db, ".", table);
  if (!seen_tables_.contains(key_)) seen_tables_.insert(key_);
}

std::vector<std::string> EventPrinter::UnmatchedFilter() const {
  return UnmatchedSelection(o_.databases, o_.tables,
                            std::vector<std::string>(seen_dbs_.begin(), seen_dbs_.end()),
                            std::vector<std::string>(seen_tables_.begin(), seen_tables_.end()));
}

absl::Status EventPrinter::HandleEvent(const EventView& ev, const FormatDescription& fd,
                                       std::string_view file, bool skipping) {
  if (skipping) {
    const uint8_t t = ev.header.type;
    if (t != static_cast<uint8_t>(binlog::EventType::kTableMap) &&
        t != static_cast<uint8_t>(binlog::EventType::kGtid) &&
        t != static_cast<uint8_t>(binlog::EventType::kAnonymousGtid) &&
        t != static_cast<uint8_t>(binlog::EventType::kMariaGtid)) {
      return absl::OkStatus();
    }
  }
  Event event;
  if (absl::Status st = binlog::DecodeEvent(ev, fd, file, &event); !st.ok()) return st;
  if (auto* tm = std::get_if<binlog::TableMapEvent>(&event)) {
    if (absl::Status st = maps_.Update(*tm); !st.ok()) {
      return binlog::EventError(st, file, ev.offset, ev.header.type);
    }
    if (namer_ != nullptr) {
      if (binlog::TableMap* map = maps_.FindMutable(tm->table_id)) namer_->Name(map);
    }
    if (const TableMap* map = maps_.Find(tm->table_id);
        map != nullptr && TableSelected(o_.databases, o_.tables, map->database(), map->table())) {
      Passed(map->database(), map->table());
    }
  } else if (auto* g = std::get_if<binlog::MariaGtidEvent>(&event)) {
    gtid_.clear();
    context_.Clear();
    StrAppend(&gtid_, g->domain_id, "-", g->server_id, "-", g->seq_no);
  } else if (auto* mg = std::get_if<binlog::MysqlGtidEvent>(&event)) {
    gtid_.clear();
    context_.Clear();
    if (!mg->anonymous) binlog::AppendMysqlGtidText(*mg, &gtid_);  // uuid[:tag]:gno
  } else if (skipping) {
    return absl::OkStatus();
  } else if (auto* rows = std::get_if<binlog::RowsEvent>(&event)) {
    return Rows(*rows, ev, file);
  } else if (auto* q = std::get_if<binlog::QueryEvent>(&event)) {
    return Query(*q, ev, nullptr, file);
  } else if (auto* elq = std::get_if<binlog::ExecuteLoadQueryEvent>(&event)) {
    return Query(elq->query, ev, elq, file);
  } else if (context_.Add(event)) {
    // INTVAR, RAND, USER_VAR: shown with the statement they precede.
  } else if (auto* block = std::get_if<binlog::LoadBlockEvent>(&event)) {
    uint64_t& bytes = load_bytes_[block->file_id];
    bytes = (block->begin ? 0 : bytes) + block->block.size();
  } else if (auto* del = std::get_if<binlog::DeleteFileEvent>(&event)) {
    DeleteFile(*del, ev);
  } else if (auto* incident = std::get_if<binlog::IncidentEvent>(&event)) {
    passed_ = true;  // shown whatever the filters
    Incident(*incident, ev);
  } else if (auto* xa = std::get_if<binlog::XaPrepareEvent>(&event)) {
    XaPrepare(*xa, ev);
  } else if (auto* p = std::get_if<binlog::TransactionPayloadEvent>(&event)) {
    if (absl::Status st = payload_.Reset(*p, ev, file, fd.header_length); !st.ok()) return st;
    const std::string inner_name = StrCat(file, ":", ev.offset, "/payload");
    const uint64_t outer_offset = ev.offset;
    EventView inner_ev;
    for (;;) {
      absl::StatusOr<bool> more = payload_.Next(&inner_ev);
      if (!more.ok()) return more.status();
      if (!*more) break;
      // Rows inside the payload are reported at the payload's position.
      pos_override_ = outer_offset;
      absl::Status st = Handle(inner_ev, fd, inner_name, /*inner=*/true, false);
      pos_override_.reset();
      if (!st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

uint64_t EventPrinter::Pos(const EventView& ev) const {
  return pos_override_ ? *pos_override_ : ev.offset;
}

// "type":..,"db":..,"table":..,"gtid":..,"server_id":..,"ts":..,"pos":..
void EventPrinter::JsonHeader(std::string_view type, std::string_view db,
                              const std::string_view* table, const EventView& ev) {
  JsonHeader(type, db, table, ev, &out_);
}
void EventPrinter::JsonHeader(std::string_view type, std::string_view db,
                              const std::string_view* table, const EventView& ev,
                              std::string* out) const {
  StrAppend(out, "{\"type\":\"", type, "\",\"db\":");
  AppendJsonText(db, out);
  if (table != nullptr) {
    out->append(",\"table\":");
    AppendJsonText(*table, out);
  }
  out->append(",\"gtid\":");
  if (gtid_.empty()) {
    out->append("null");
  } else {
    StrAppend(out, "\"", gtid_, "\"");
  }
  StrAppend(out, ",\"server_id\":", ev.header.server_id, ",\"ts\":", ev.header.timestamp,
            ",\"pos\":\"");
  AppendJsonEscaped(file_label_, out);
  StrAppend(out, ":", Pos(ev), "\"");
}

void EventPrinter::TextHeader(const EventView& ev) {
  StrAppend(&out_, "# at ", file_label_, ":", Pos(ev), "  server_id ", ev.header.server_id, "  ts ",
            ev.header.timestamp);
  if (!gtid_.empty()) StrAppend(&out_, "  GTID ", gtid_);
  out_ += '\n';
}

// A statement, with the context logged before it (INTVAR, RAND, USER_VAR) and, for
// EXECUTE_LOAD_QUERY (`load`), its LOAD DATA file: name, and the bytes of the blocks
// that carried it.
absl::Status EventPrinter::Query(const binlog::QueryEvent& q, const EventView& ev,
                                 const binlog::ExecuteLoadQueryEvent* load, std::string_view file) {
  absl::Status st = QueryOutput(q, ev, load);
  context_.Clear();
  if (load != nullptr) load_bytes_.erase(load->file_id);
  if (!st.ok()) return binlog::EventError(st, file, ev.offset, ev.header.type);
  return absl::OkStatus();
}

absl::Status EventPrinter::QueryOutput(const binlog::QueryEvent& q, const EventView& ev,
                                       const binlog::ExecuteLoadQueryEvent* load) {
  if (namer_ != nullptr && !replicate::IsTransactionControl(q.sql)) namer_->Invalidate();
  // BEGIN and COMMIT frame transactions; a ROLLBACK is shown (its rows were not undone
  // on non-transactional tables, and the reader should know).
  if (EqualsIgnoreCase(q.sql, "BEGIN") || EqualsIgnoreCase(q.sql, "COMMIT")) {
    return absl::OkStatus();
  }
  // Statements name no table: with --tables they are left out.
  if (!TableSelected(o_.databases, {}, q.db, {}) || !o_.tables.empty()) return absl::OkStatus();
  Passed(q.db, {});
  const auto found = load != nullptr ? load_bytes_.find(load->file_id) : load_bytes_.end();
  if (o_.format == Format::kJson) {
    JsonHeader("query", q.db, nullptr, ev);
    out_ += ",\"sql\":";
    AppendJsonText(q.sql, &out_);
    if (absl::Status st = context_.AppendJson(&out_); !st.ok()) return st;
    if (load != nullptr) {
      static constexpr std::string_view kDuplicates[] = {"error", "ignore", "replace"};
      StrAppend(&out_, ",\"load_data\":{\"file_id\":", load->file_id, ",\"file_name\":");
      AppendJsonText(load->file_name(), &out_);
      out_ += ",\"bytes\":";
      if (found == load_bytes_.end()) {
        out_ += "null";
      } else {
        StrAppend(&out_, found->second);
      }
      StrAppend(&out_, ",\"duplicates\":\"", kDuplicates[load->dup_handling], "\"}");
    }
    out_ += "}\n";
  } else if (o_.format == Format::kText) {
    TextHeader(ev);
    if (!q.db.empty()) StrAppend(&out_, "use `", q.db, "`;\n");
    if (absl::Status st = context_.AppendSql(
            binlog::StatementContext::UnknownCollation::kBinaryWithComment, &out_);
        !st.ok()) {
      return st;
    }
    if (load != nullptr) {
      StrAppend(&out_, "# LOAD DATA file_id ", load->file_id, ": ");
      if (found == load_bytes_.end()) {
        out_ += "its data blocks were not read (before the start position)\n";
      } else {
        StrAppend(&out_, found->second,
                  " bytes of data in BEGIN_LOAD_QUERY/APPEND_BLOCK events (not shown)\n");
      }
    }
    out_ += q.sql;
    out_ += ";\n";
  }
  return absl::OkStatus();
}

// The LOAD DATA whose blocks were logged did not run (it failed on the source).
void EventPrinter::DeleteFile(const binlog::DeleteFileEvent& del, const EventView& ev) {
  const auto found = load_bytes_.find(del.file_id);
  const uint64_t bytes = found == load_bytes_.end() ? 0 : found->second;
  if (found != load_bytes_.end()) load_bytes_.erase(found);
  if (o_.format != Format::kText || !o_.tables.empty()) return;
  TextHeader(ev);
  StrAppend(&out_, "# LOAD DATA file_id ", del.file_id, " discarded unexecuted (", bytes,
            " bytes of data)\n");
}

// The source lost events here (or logged another incident): always shown, whatever the
// filters, and warned about on stderr.
void EventPrinter::Incident(const binlog::IncidentEvent& incident, const EventView& ev) {
  const std::string_view name = binlog::IncidentName(incident.incident);
  spdlog::warn(
      "{}:{}: INCIDENT {} ({}): {}: the source's binlog misses events after this "
      "point; check its error log and compare the pair (binsync verify)",
      file_label_, Pos(ev), name, incident.incident, incident.message);
  if (o_.format == Format::kJson) {
    StrAppend(&out_, "{\"type\":\"incident\",\"gtid\":");
    if (gtid_.empty()) {
      out_ += "null";
    } else {
      StrAppend(&out_, "\"", gtid_, "\"");
    }
    StrAppend(&out_, ",\"server_id\":", ev.header.server_id, ",\"ts\":", ev.header.timestamp,
              ",\"pos\":\"");
    AppendJsonEscaped(file_label_, &out_);
    StrAppend(&out_, ":", Pos(ev), "\",\"incident\":", incident.incident, ",\"name\":\"", name,
              "\",\"message\":");
    AppendJsonText(incident.message, &out_);
    out_ += "}\n";
  } else if (o_.format == Format::kText) {
    TextHeader(ev);
    StrAppend(&out_, "# Incident: ", name, " (", incident.incident, "): ", incident.message, "\n");
  }
}

// MySQL XA PREPARE, shown as the statement mysqlbinlog prints for it.
void EventPrinter::XaPrepare(const binlog::XaPrepareEvent& xa, const EventView& ev) {
  if (!o_.tables.empty() || o_.format == Format::kStats) return;
  xa_sql_.clear();
  xa_sql_ += "XA PREPARE ";
  for (const ByteView part : {xa.gtrid, xa.bqual}) {
    xa_sql_ += "X'";
    for (const uint8_t b : part) fmt::format_to(std::back_inserter(xa_sql_), "{:02x}", b);
    xa_sql_ += "',";
  }
  StrAppend(&xa_sql_, xa.format_id);
  if (xa.one_phase) xa_sql_ = StrCat("XA COMMIT", xa_sql_.substr(10), " ONE PHASE");
  if (o_.format == Format::kJson) {
    JsonHeader("query", "", nullptr, ev);
    out_ += ",\"sql\":";
    AppendJsonText(xa_sql_, &out_);
    out_ += "}\n";
  } else {
    TextHeader(ev);
    StrAppend(&out_, xa_sql_, ";\n");
  }
}

absl::Status EventPrinter::TextImage(const RowImage& image, const TableMap& map) {
  for (size_t i = 0; i < image.values.size(); ++i) {
    const binlog::Value& v = image.values[i];
    if (v.kind == binlog::ValueKind::kAbsent) continue;
    out_ += "###   ";
    if (map.has_column_names()) {
      out_ += map.column_name(i);
    } else {
      StrAppend(&out_, "@", i + 1);
    }
    out_ += '=';
    if (absl::Status st = binlog::AppendJsonValue(v, map.labels(i), &out_); !st.ok()) {
      return absl::Status(st.code(), StrCat("column ", i + 1, ": ", ToStd(st.message())));
    }
    out_ += '\n';
  }
  return absl::OkStatus();
}

absl::Status EventPrinter::Rows(const binlog::RowsEvent& rows, const EventView& ev,
                                std::string_view file) {
  const TableMap* map = maps_.Find(rows.table_id);
  if (map == nullptr) {
    return binlog::EventError(
        absl::DataLossError(StrCat("no TABLE_MAP for table id ", rows.table_id)), file, ev.offset,
        ev.header.type);
  }
  const bool wanted = TableSelected(o_.databases, o_.tables, map->database(), map->table());
  // stats decodes every row even when filtered out (a corrupt one is still found), but
  // counts only the selected ones; json/text skip filtered tables.
  if (wanted) Passed(map->database(), map->table());
  if (!wanted && o_.format != Format::kStats) return absl::OkStatus();
  binlog::RowIterator it(rows, *map);
  const std::string_view kind = rows.kind == RowsKind::kWrite    ? "insert"
                                : rows.kind == RowsKind::kUpdate ? "update"
                                                                 : "delete";
  TableStats* ts = nullptr;
  if (o_.format == Format::kStats && wanted) {
    key_.clear();
    StrAppend(&key_, map->database(), ".", map->table());
    auto found = table_counts_.find(key_);
    if (found == table_counts_.end()) found = table_counts_.emplace(key_, TableStats{}).first;
    ts = &found->second;
  }
  const std::string_view table = map->table();
  if (o_.format == Format::kJson) {  // the same for every row of the event
    row_header_.clear();
    JsonHeader(kind, map->database(), &table, ev, &row_header_);
  }
  for (;;) {
    absl::StatusOr<bool> more = it.Next(&before_, &after_);
    if (!more.ok()) return binlog::EventError(more.status(), file, ev.offset, ev.header.type);
    if (!*more) break;
    absl::Status st;
    switch (o_.format) {
      case Format::kStats:
        if (ts != nullptr) {
          ++(rows.kind == RowsKind::kWrite    ? ts->inserts
             : rows.kind == RowsKind::kUpdate ? ts->updates
                                              : ts->deletes);
          ++row_changes_;
        }
        break;
      case Format::kJson:
        out_ += row_header_;
        if (rows.kind != RowsKind::kWrite) {
          out_ += ",\"before\":";
          st = binlog::AppendJsonRow(before_, *map, &out_);
        }
        if (st.ok() && rows.kind != RowsKind::kDelete) {
          out_ += ",\"after\":";
          st = binlog::AppendJsonRow(after_, *map, &out_);
        }
        out_ += "}\n";
        break;
      case Format::kText:
        TextHeader(ev);
        if (rows.kind == RowsKind::kWrite) {
          StrAppend(&out_, "### INSERT INTO `", map->database(), "`.`", table, "`\n### SET\n");
          st = TextImage(after_, *map);
        } else if (rows.kind == RowsKind::kUpdate) {
          StrAppend(&out_, "### UPDATE `", map->database(), "`.`", table, "`\n### WHERE\n");
          st = TextImage(before_, *map);
          if (st.ok()) {
            out_ += "### SET\n";
            st = TextImage(after_, *map);
          }
        } else {
          StrAppend(&out_, "### DELETE FROM `", map->database(), "`.`", table, "`\n### WHERE\n");
          st = TextImage(before_, *map);
        }
        break;
    }
    if (!st.ok()) return binlog::EventError(st, file, ev.offset, ev.header.type);
  }
  return absl::OkStatus();
}

void EventPrinter::PrintStats(double secs) {
  StrAppend(&out_, "events by type:\n");
  std::map<std::string, uint64_t> by_name;  // sorted by name, inner events as "in:X"
  for (int inner = 0; inner < 2; ++inner) {
    for (size_t t = 0; t < 256; ++t) {
      if (type_counts_[inner][t] == 0) continue;
      by_name[StrCat(inner ? "in:" : "", binlog::EventTypeName(static_cast<uint8_t>(t)))] +=
          type_counts_[inner][t];
    }
  }
  for (const auto& [name, n] : by_name) StrAppend(&out_, "  ", name, " ", n, "\n");
  StrAppend(&out_, "rows by table (insert update delete):\n");
  for (const auto& [name, t] : table_counts_) {
    StrAppend(&out_, "  ", name, " ", t.inserts, " ", t.updates, " ", t.deletes, "\n");
  }
  const double mb = static_cast<double>(bytes_read_) / 1e6;
  if (filtered_) StrAppend(&out_, "events left out by --databases/--tables ", left_out_, "\n");
  StrAppend(&out_, "row changes ", row_changes_, "\n");
  StrAppend(&out_, "bytes ", bytes_read_, "\n");
  StrAppend(&out_, fmt::format("seconds {:.3f}\n", secs));
  StrAppend(&out_, fmt::format("MB/s {:.1f}\n", secs > 0 ? mb / secs : 0.0));
}

absl::Status PrintFile(const std::string& path, uint64_t start, EventPrinter& printer,
                       const std::function<absl::Status()>& flush) {
  auto reader = binlog::FileReader::Open(path);
  if (!reader.ok()) return reader.status();
  printer.StartFile(std::filesystem::path(path).filename().string());
  printer.CountBytes(4);  // magic
  if (start != 0 && start < 4) {
    return absl::InvalidArgumentError(
        StrCat(path, ":", start, ": --start-position is inside the file header"));
  }
  EventView ev;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&ev);
    if (!more.ok()) return more.status();
    if (!*more) break;
    printer.CountBytes(ev.raw.size());
    const bool skipping = ev.offset < start;
    if (skipping && ev.offset + ev.raw.size() > start) {
      return absl::InvalidArgumentError(
          StrCat(path, ":", start, ": --start-position is not at an event boundary (the event at ",
                 ev.offset, " ends at ", ev.offset + ev.raw.size(), ")"));
    }
    if (absl::Status st = printer.Handle(ev, (*reader)->format(), path, skipping); !st.ok()) {
      return st;
    }
    if (printer.out().size() >= EventPrinter::kFlushAt) {
      if (absl::Status st = flush(); !st.ok()) return st;
    }
  }
  if (start > (*reader)->position()) {
    return absl::InvalidArgumentError(StrCat(path, ":", start,
                                             ": --start-position is past the end of the file (",
                                             (*reader)->position(), " bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace binsync::dump
