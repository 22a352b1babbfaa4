// Test helper: decodes a whole binlog (file or buffer) through FileReader, DecodeEvent,
// TableMapCache, RowIterator and the JSON formatter, including the events inside
// TRANSACTION_PAYLOAD, and records what it saw as text for assertions.
#ifndef BINSYNC_TESTS_CORE_BINLOG_DECODE_ALL_H_
#define BINSYNC_TESTS_CORE_BINLOG_DECODE_ALL_H_

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/events.h"
#include "core/binlog/file_reader.h"
#include "core/binlog/json_format.h"
#include "core/util/strings.h"

namespace binsync::binlog::testing {

struct DecodeResult {
  absl::Status status;                 // first error, or OK after a clean end
  std::map<std::string, int> counts;   // event type name -> count (inner events as "in:X")
  std::vector<std::string> rows;       // "insert db.t {..}", "update db.t {..} -> {..}"
  std::vector<std::string> queries;    // QUERY / ROWS_QUERY / ANNOTATE_ROWS text
  std::vector<std::string> gtids;      // "domain-server-seq", "uuid[:tag]:gno", "anonymous"
  int events = 0;                      // outer events
};

class Decoder {
 public:
  explicit Decoder(DecodeResult* result) : r_(result) {}

  absl::Status Handle(const EventView& ev, const FormatDescription& fd, std::string_view file,
                      bool inner) {
    Event event;
    if (absl::Status st = DecodeEvent(ev, fd, file, &event); !st.ok()) return st;
    r_->counts[StrCat(inner ? "in:" : "", EventTypeName(ev.header.type))]++;
    if (auto* q = std::get_if<QueryEvent>(&event)) {
      r_->queries.emplace_back(q->sql);
    } else if (auto* rq = std::get_if<RowsQueryEvent>(&event)) {
      r_->queries.emplace_back(rq->sql);
    } else if (auto* a = std::get_if<AnnotateRowsEvent>(&event)) {
      r_->queries.emplace_back(a->sql);
    } else if (auto* g = std::get_if<MariaGtidEvent>(&event)) {
      r_->gtids.push_back(StrCat(g->domain_id, "-", g->server_id, "-", g->seq_no));
    } else if (auto* mg = std::get_if<MysqlGtidEvent>(&event)) {
      std::string text;
      AppendMysqlGtidText(*mg, &text);
      r_->gtids.push_back(mg->anonymous ? std::string("anonymous") : text);
    } else if (auto* tm = std::get_if<TableMapEvent>(&event)) {
      if (absl::Status st = maps_.Update(*tm); !st.ok()) {
        return EventError(st, file, ev.offset, ev.header.type);
      }
    } else if (auto* rows = std::get_if<RowsEvent>(&event)) {
      return Rows(*rows, ev, file);
    } else if (auto* p = std::get_if<TransactionPayloadEvent>(&event)) {
      PayloadReader payload;
      if (absl::Status st = payload.Reset(*p, ev, file, fd.header_length); !st.ok()) return st;
      EventView inner_ev;
      for (;;) {
        absl::StatusOr<bool> more = payload.Next(&inner_ev);
        if (!more.ok()) return more.status();
        if (!*more) break;
        if (absl::Status st = Handle(inner_ev, fd, StrCat(file, ":", ev.offset, "/payload"), true);
            !st.ok()) {
          return st;
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Rows(const RowsEvent& rows, const EventView& ev, std::string_view file) {
    const TableMap* map = maps_.Find(rows.table_id);
    if (map == nullptr) {
      return EventError(absl::DataLossError(StrCat("no TABLE_MAP for table id ", rows.table_id)),
                        file, ev.offset, ev.header.type);
    }
    RowIterator it(rows, *map);
    for (;;) {
      absl::StatusOr<bool> more = it.Next(&before_, &after_);
      if (!more.ok()) return EventError(more.status(), file, ev.offset, ev.header.type);
      if (!*more) break;
      text_.clear();
      const std::string_view kind = rows.kind == RowsKind::kWrite    ? "insert"
                                    : rows.kind == RowsKind::kUpdate ? "update"
                                                                     : "delete";
      StrAppend(&text_, kind, " ", map->database(), ".", map->table(), " ");
      absl::Status st;
      if (rows.kind != RowsKind::kWrite) st = AppendJsonRow(before_, *map, &text_);
      if (st.ok() && rows.kind == RowsKind::kUpdate) text_ += " -> ";
      if (st.ok() && rows.kind != RowsKind::kDelete) st = AppendJsonRow(after_, *map, &text_);
      if (!st.ok()) return EventError(st, file, ev.offset, ev.header.type);
      r_->rows.push_back(text_);
    }
    return absl::OkStatus();
  }

  DecodeResult* r_;
  TableMapCache maps_;
  RowImage before_, after_;
  std::string text_;
};

inline DecodeResult DecodeReader(FileReader& reader) {
  DecodeResult result;
  Decoder decoder(&result);
  EventView ev;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&ev);
    if (!more.ok()) {
      result.status = more.status();
      break;
    }
    if (!*more) break;
    ++result.events;
    if (absl::Status st = decoder.Handle(ev, reader.format(), reader.name(), false); !st.ok()) {
      result.status = st;
      break;
    }
  }
  return result;
}

inline DecodeResult DecodeFile(const std::string& path) {
  absl::StatusOr<std::unique_ptr<FileReader>> reader = FileReader::Open(path);
  if (!reader.ok()) {
    DecodeResult r;
    r.status = reader.status();
    return r;
  }
  return DecodeReader(**reader);
}

inline DecodeResult DecodeBuffer(const std::string& name, ByteView data) {
  absl::StatusOr<std::unique_ptr<FileReader>> reader = FileReader::FromBuffer(name, data);
  if (!reader.ok()) {
    DecodeResult r;
    r.status = reader.status();
    return r;
  }
  return DecodeReader(**reader);
}

}  // namespace binsync::binlog::testing

#endif  // BINSYNC_TESTS_CORE_BINLOG_DECODE_ALL_H_
