// binsync dump FILE...: decode binlog files to JSON lines (the contract in DESIGN.md),
// readable text, or statistics. A corrupt or truncated event stops the dump with one
// line naming file:pos and exit 2; nothing is skipped silently.
//
// Output goes through one reused buffer written to stdout in large blocks; in steady
// state no allocation happens per row or per value.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "core/util/clock.h"
#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/binlog/file_reader.h"
#include "core/binlog/json_format.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/statement_context.h"
#include "core/binlog/table_map.h"
#include "core/util/log.h"
#include "absl/container/flat_hash_map.h"
#include "core/util/strings.h"
#include "core/replicate/assembler.h"
#include "net/mysql/binlog_stream.h"
#include "net/mysql/schema_cache.h"
#include "spdlog/spdlog.h"
#include "tools/cli.h"

namespace binsync {
namespace {

using binlog::ByteView;
using binlog::Event;
using binlog::EventView;
using binlog::FormatDescription;
using binlog::RowImage;
using binlog::RowsKind;
using binlog::TableMap;

enum class Format { kJson, kText, kStats };

struct DumpOptions {
  std::vector<std::string> files;
  std::string source;
  std::string start;
  bool stop_never = false;
  uint32_t server_id = kDefaultBinsyncServerId;
  uint64_t start_position = 0;
  std::string format = "json";
  std::vector<std::string> databases;
  std::vector<std::string> tables;
};

constexpr size_t kFlushAt = 1u << 20;  // write stdout in blocks of about 1 MiB

// A JSON string of `s`; text that is not UTF-8 is written as "0x" + hex.
void AppendJsonText(std::string_view s, std::string* out) {
  if (!IsValidUtf8(s)) {
    binlog::AppendHexString(
        ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()), out);
    return;
  }
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

struct TableStats {
  uint64_t inserts = 0, updates = 0, deletes = 0;
};

class Dumper {
 public:
  Dumper(const DumpOptions& o, Format format) : o_(o), format_(format) {
    out_.reserve(kFlushAt + (64u << 10));
  }

  absl::Status Run(const BinlogStreamOptions* live) {
    const auto t0 = Clock::now();
    if (live != nullptr) {
      // Tables logged without binlog_row_metadata=FULL get their column names from the
      // source's information_schema (as the table is now; refreshed after each DDL).
      names_ = std::make_unique<SchemaCache>(live->connect);
      absl::Status st = DumpLive(*live);
      if (absl::Status fl = Flush(); st.ok()) st = fl;
      if (!st.ok()) return st;
    }
    for (size_t i = 0; i < o_.files.size(); ++i) {
      absl::Status st = DumpFile(o_.files[i], i == 0 ? o_.start_position : 0);
      if (absl::Status fl = Flush(); st.ok()) st = fl;
      if (!st.ok()) return st;
    }
    if (format_ == Format::kStats) {
      const double secs =
          SecondsSince(t0);
      PrintStats(secs);
      if (absl::Status st = Flush(); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status DumpFile(const std::string& path, uint64_t start) {
    auto reader = binlog::FileReader::Open(path);
    if (!reader.ok()) return reader.status();
    file_ = path;
    file_label_ = std::filesystem::path(path).filename().string();
    gtid_.clear();  // a transaction never spans files
    bytes_read_ += 4;  // magic
    if (start != 0 && start < 4) {
      return absl::InvalidArgumentError(
          StrCat(path, ":", start, ": --start-position is inside the file header"));
    }
    EventView ev;
    for (;;) {
      absl::StatusOr<bool> more = (*reader)->Next(&ev);
      if (!more.ok()) return more.status();
      if (!*more) break;
      bytes_read_ += ev.raw.size();
      const bool skipping = ev.offset < start;
      if (skipping && ev.offset + ev.raw.size() > start) {
        return absl::InvalidArgumentError(StrCat(
            path, ":", start, ": --start-position is not at an event boundary (the event at ",
            ev.offset, " ends at ", ev.offset + ev.raw.size(), ")"));
      }
      if (absl::Status st = Handle(ev, (*reader)->format(), path, /*inner=*/false, skipping);
          !st.ok()) {
        return st;
      }
      if (out_.size() >= kFlushAt) {
        if (absl::Status st = Flush(); !st.ok()) return st;
      }
    }
    if (start > (*reader)->position()) {
      return absl::InvalidArgumentError(StrCat(path, ":", start,
                                               ": --start-position is past the end of the file (",
                                               (*reader)->position(), " bytes)"));
    }
    return absl::OkStatus();
  }

  // A live server: follows ROTATE across files; with --stop-never reconnects with backoff
  // after a lost connection, at the last event boundary it printed.
  absl::Status DumpLive(BinlogStreamOptions options) {
    int failures = 0;
    for (;;) {
      absl::StatusOr<std::unique_ptr<BinlogStream>> stream = BinlogStream::Open(options);
      if (stream.ok()) {
        failures = 0;
        absl::Status st = StreamEvents(**stream, &options);
        if (st.ok()) return st;
        if (!o_.stop_never || !absl::IsUnavailable(st)) return st;
        spdlog::warn("{}; reconnecting at {}:{}", st.message(), options.start_file,
                     options.start_pos);
      } else if (!o_.stop_never || !absl::IsUnavailable(stream.status()) || failures > 30) {
        return stream.status();
      } else {
        spdlog::warn("{}; retrying", stream.status().message());
      }
      if (absl::Status fl = Flush(); !fl.ok()) return fl;
      ++failures;
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min(100 << std::min(failures, 5), 3000)));
    }
  }

  absl::Status StreamEvents(BinlogStream& stream, BinlogStreamOptions* resume) {
    EventView ev;
    for (;;) {
      absl::StatusOr<bool> more = stream.Next(&ev);
      if (!more.ok()) return more.status();
      if (!*more) return absl::OkStatus();
      bytes_read_ += ev.raw.size();
      file_label_ = stream.file();
      const auto type = static_cast<binlog::EventType>(ev.header.type);
      // A FORMAT_DESCRIPTION is handled even when artificial (it governs what follows).
      if (!IsStreamArtificial(ev) || type == binlog::EventType::kFormatDescription) {
        if (absl::Status st = Handle(ev, stream.format(), stream.file(), false, false);
            !st.ok()) {
          return st;
        }
      }
      if (!stream.file().empty() && stream.position() >= 4) {
        // Resume after a reconnect at this event boundary (table maps stay cached).
        resume->start_gtid.clear();
        resume->start_file = stream.file();
        resume->start_pos = stream.position();
      }
      // Following a live server, a committed transaction is shown at once.
      const bool commit_point = o_.stop_never && (type == binlog::EventType::kXid ||
                                                  type == binlog::EventType::kHeartbeat ||
                                                  type == binlog::EventType::kQuery);
      if (out_.size() >= kFlushAt || commit_point) {
        if (absl::Status st = Flush(); !st.ok()) return st;
      }
    }
  }

  // `skipping`: before --start-position; only state (table maps, GTID) is kept.
  absl::Status Handle(const EventView& ev, const FormatDescription& fd, std::string_view file,
                      bool inner, bool skipping) {
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
    if (!skipping && format_ == Format::kStats) {
      ++type_counts_[inner ? 1 : 0][ev.header.type];
    }
    if (auto* tm = std::get_if<binlog::TableMapEvent>(&event)) {
      if (absl::Status st = maps_.Update(*tm); !st.ok()) {
        return binlog::EventError(st, file, ev.offset, ev.header.type);
      }
      NameColumns(tm->table_id);
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

  uint64_t Pos(const EventView& ev) const { return pos_override_ ? *pos_override_ : ev.offset; }

  // "type":..,"db":..,"table":..,"gtid":..,"server_id":..,"ts":..,"pos":..
  void JsonHeader(std::string_view type, std::string_view db, const std::string_view* table,
                  const EventView& ev) {
    JsonHeader(type, db, table, ev, &out_);
  }
  void JsonHeader(std::string_view type, std::string_view db, const std::string_view* table,
                  const EventView& ev, std::string* out) const {
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

  void TextHeader(const EventView& ev) {
    StrAppend(&out_, "# at ", file_label_, ":", Pos(ev), "  server_id ", ev.header.server_id,
              "  ts ", ev.header.timestamp);
    if (!gtid_.empty()) StrAppend(&out_, "  GTID ", gtid_);
    out_ += '\n';
  }

  // A map without COLUMN_NAME metadata, read from a live source: names from the source's
  // information_schema when the column count agrees; otherwise @1, @2... stay.
  void NameColumns(uint64_t table_id) {
    binlog::TableMap* map = maps_.FindMutable(table_id);
    if (names_ == nullptr || map == nullptr || map->has_column_names()) return;
    absl::StatusOr<std::shared_ptr<const schema::TableInfo>> info =
        names_->Get(map->database(), map->table());
    if (info.ok()) {
      map->SetColumnNames((*info)->columns);
    } else if (!absl::IsNotFound(info.status())) {
      spdlog::warn("column names from information_schema: {}; names shown as @1, @2...",
                   info.status().message());
      names_.reset();
    }
  }

  // A statement, with the context logged before it (INTVAR, RAND, USER_VAR) and, for
  // EXECUTE_LOAD_QUERY (`load`), its LOAD DATA file: name, and the bytes of the blocks
  // that carried it.
  absl::Status Query(const binlog::QueryEvent& q, const EventView& ev,
                     const binlog::ExecuteLoadQueryEvent* load, std::string_view file) {
    absl::Status st = QueryOutput(q, ev, load);
    context_.Clear();
    if (load != nullptr) load_bytes_.erase(load->file_id);
    if (!st.ok()) return binlog::EventError(st, file, ev.offset, ev.header.type);
    return absl::OkStatus();
  }

  absl::Status QueryOutput(const binlog::QueryEvent& q, const EventView& ev,
                           const binlog::ExecuteLoadQueryEvent* load) {
    if (names_ != nullptr && !replicate::IsTransactionControl(q.sql)) names_->Invalidate();
    // BEGIN and COMMIT frame transactions; a ROLLBACK is shown (its rows were not undone
    // on non-transactional tables, and the reader should know).
    if (EqualsIgnoreCase(q.sql, "BEGIN") || EqualsIgnoreCase(q.sql, "COMMIT")) {
      return absl::OkStatus();
    }
    // Statements name no table: with --tables they are left out.
    if (!TableSelected(o_.databases, {}, q.db, {}) || !o_.tables.empty()) return absl::OkStatus();
    const auto found = load != nullptr ? load_bytes_.find(load->file_id) : load_bytes_.end();
    if (format_ == Format::kJson) {
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
    } else if (format_ == Format::kText) {
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
  void DeleteFile(const binlog::DeleteFileEvent& del, const EventView& ev) {
    const auto found = load_bytes_.find(del.file_id);
    const uint64_t bytes = found == load_bytes_.end() ? 0 : found->second;
    if (found != load_bytes_.end()) load_bytes_.erase(found);
    if (format_ != Format::kText || !o_.tables.empty()) return;
    TextHeader(ev);
    StrAppend(&out_, "# LOAD DATA file_id ", del.file_id, " discarded unexecuted (", bytes,
              " bytes of data)\n");
  }

  // The source lost events here (or logged another incident): always shown, whatever the
  // filters, and warned about on stderr.
  void Incident(const binlog::IncidentEvent& incident, const EventView& ev) {
    const std::string_view name = binlog::IncidentName(incident.incident);
    spdlog::warn("{}:{}: INCIDENT {} ({}): {}: the source's binlog misses events after this "
                 "point; check its error log and compare the pair (binsync verify)",
                 file_label_, Pos(ev), name, incident.incident, incident.message);
    if (format_ == Format::kJson) {
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
    } else if (format_ == Format::kText) {
      TextHeader(ev);
      StrAppend(&out_, "# Incident: ", name, " (", incident.incident, "): ", incident.message,
                "\n");
    }
  }

  // MySQL XA PREPARE, shown as the statement mysqlbinlog prints for it.
  void XaPrepare(const binlog::XaPrepareEvent& xa, const EventView& ev) {
    if (!o_.tables.empty() || format_ == Format::kStats) return;
    xa_sql_.clear();
    xa_sql_ += "XA PREPARE ";
    for (const ByteView part : {xa.gtrid, xa.bqual}) {
      xa_sql_ += "X'";
      for (const uint8_t b : part) fmt::format_to(std::back_inserter(xa_sql_), "{:02x}", b);
      xa_sql_ += "',";
    }
    StrAppend(&xa_sql_, xa.format_id);
    if (xa.one_phase) xa_sql_ = StrCat("XA COMMIT", xa_sql_.substr(10), " ONE PHASE");
    if (format_ == Format::kJson) {
      JsonHeader("query", "", nullptr, ev);
      out_ += ",\"sql\":";
      AppendJsonText(xa_sql_, &out_);
      out_ += "}\n";
    } else {
      TextHeader(ev);
      StrAppend(&out_, xa_sql_, ";\n");
    }
  }

  absl::Status TextImage(const RowImage& image, const TableMap& map) {
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

  absl::Status Rows(const binlog::RowsEvent& rows, const EventView& ev, std::string_view file) {
    const TableMap* map = maps_.Find(rows.table_id);
    if (map == nullptr) {
      return binlog::EventError(
          absl::DataLossError(StrCat("no TABLE_MAP for table id ", rows.table_id)), file,
          ev.offset, ev.header.type);
    }
    const bool wanted = TableSelected(o_.databases, o_.tables, map->database(), map->table());
    // stats decodes every row even when filtered out; json/text skip filtered tables.
    if (!wanted && format_ != Format::kStats) return absl::OkStatus();
    binlog::RowIterator it(rows, *map);
    const std::string_view kind = rows.kind == RowsKind::kWrite    ? "insert"
                                  : rows.kind == RowsKind::kUpdate ? "update"
                                                                   : "delete";
    TableStats* ts = nullptr;
    if (format_ == Format::kStats && wanted) {
      key_.clear();
      StrAppend(&key_, map->database(), ".", map->table());
      auto found = table_counts_.find(key_);
      if (found == table_counts_.end()) found = table_counts_.emplace(key_, TableStats{}).first;
      ts = &found->second;
    }
    const std::string_view table = map->table();
    if (format_ == Format::kJson) {  // the same for every row of the event
      row_header_.clear();
      JsonHeader(kind, map->database(), &table, ev, &row_header_);
    }
    for (;;) {
      absl::StatusOr<bool> more = it.Next(&before_, &after_);
      if (!more.ok()) return binlog::EventError(more.status(), file, ev.offset, ev.header.type);
      if (!*more) break;
      absl::Status st;
      switch (format_) {
        case Format::kStats:
          if (ts != nullptr) {
            ++(rows.kind == RowsKind::kWrite    ? ts->inserts
               : rows.kind == RowsKind::kUpdate ? ts->updates
                                                : ts->deletes);
          }
          ++row_changes_;
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
            StrAppend(&out_, "### DELETE FROM `", map->database(), "`.`", table,
                      "`\n### WHERE\n");
            st = TextImage(before_, *map);
          }
          break;
      }
      if (!st.ok()) return binlog::EventError(st, file, ev.offset, ev.header.type);
    }
    return absl::OkStatus();
  }

  void PrintStats(double secs) {
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
    StrAppend(&out_, "row changes ", row_changes_, "\n");
    StrAppend(&out_, "bytes ", bytes_read_, "\n");
    StrAppend(&out_, fmt::format("seconds {:.3f}\n", secs));
    StrAppend(&out_, fmt::format("MB/s {:.1f}\n", secs > 0 ? mb / secs : 0.0));
  }

  absl::Status Flush() {
    if (out_.empty()) return absl::OkStatus();
    const size_t n = std::fwrite(out_.data(), 1, out_.size(), stdout);
    const bool ok = n == out_.size() && std::fflush(stdout) == 0;
    out_.clear();
    if (!ok) return absl::UnavailableError("cannot write to standard output");
    return absl::OkStatus();
  }

  const DumpOptions& o_;
  const Format format_;
  std::string out_;
  std::string file_;
  std::string file_label_;
  std::string gtid_;
  std::string key_;
  std::string row_header_;  // JSON header shared by the rows of one event
  std::optional<uint64_t> pos_override_;
  binlog::TableMapCache maps_;
  std::unique_ptr<SchemaCache> names_;  // live source: column names when not logged
  binlog::PayloadReader payload_;
  binlog::StatementContext context_;  // INTVAR/RAND/USER_VAR before the next statement
  absl::flat_hash_map<uint32_t, uint64_t> load_bytes_;  // LOAD DATA file_id -> data bytes
  std::string xa_sql_;
  RowImage before_, after_;
  uint64_t bytes_read_ = 0;
  uint64_t row_changes_ = 0;
  uint64_t type_counts_[2][256] = {};  // [inner][event type]
  std::map<std::string, TableStats, std::less<>> table_counts_;
};

}  // namespace

RunFn RegisterDump(CLI::App& app, const GlobalOptions& g) {
  auto o = std::make_shared<DumpOptions>();
  app.add_option("files", o->files, "binlog files, read in the order given");
  app.add_option("--source", o->source,
                 "read a live server's binlog instead of files: mysql://user@host:port");
  app.add_option("--start", o->start,
                 "with --source: a MariaDB GTID position (0-1-100,1-2-7) or file:pos; "
                 "default: the server's first binlog");
  app.add_flag("--stop-never", o->stop_never,
               "with --source: keep waiting for new events (and reconnect) instead of "
               "stopping at the end of what the server had");
  app.add_option("--server-id", o->server_id,
                 "with --source: the replica server_id binsync registers with")
      ->capture_default_str();
  app.add_option("--start-position", o->start_position,
                 "byte offset of the first event to print in the first file");
  app.add_option("--format", o->format, "json (one object per row change) | text | stats")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "text", "stats"}));
  // One value each (comma-separated): a greedy vector option would swallow FILE arguments.
  app.add_option("--databases", o->databases, "only these databases (comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--tables", o->tables,
                 "only these tables, db.table or table (comma-separated); statements are "
                 "then left out")
      ->delimiter(',')
      ->allow_extra_args(false);
  return [o, &g] {
    if (o->files.empty() == o->source.empty()) {
      return FailWith(absl::InvalidArgumentError(
          "dump: give binlog files or --source URI (one of the two)"));
    }
    std::optional<BinlogStreamOptions> live;
    if (!o->source.empty()) {
      absl::StatusOr<ConnectOptions> conn = MakeConnectOptions(o->source, g);
      if (!conn.ok()) return FailWith(conn.status());
      if (absl::Status st = CheckReplicaServerId(o->server_id); !st.ok()) return FailWith(st);
      live.emplace();
      live->connect = *std::move(conn);
      live->server_id = o->server_id;
      live->stop_at_end = !o->stop_never;
      if (absl::Status st = ParseStartPosition(o->start, &*live); !st.ok()) return FailWith(st);
    } else if (!o->start.empty() || o->stop_never) {
      return FailWith(absl::InvalidArgumentError("dump: --start and --stop-never need --source"));
    }
    const Format f = o->format == "text"    ? Format::kText
                     : o->format == "stats" ? Format::kStats
                                            : Format::kJson;
    auto dumper = std::make_unique<Dumper>(*o, f);
    if (absl::Status st = dumper->Run(live ? &*live : nullptr); !st.ok()) return FailWith(st);
    return kExitOk;
  };
}

}  // namespace binsync
