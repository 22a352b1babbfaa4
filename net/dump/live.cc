#include "net/dump/live.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "core/binlog/event_types.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/mysql/connection.h"
#include "net/mysql/schema_cache.h"
#include "spdlog/spdlog.h"

namespace binsync::dump {
namespace {

// A map without COLUMN_NAME metadata, read from a live source: names from the source's
// information_schema when the column count agrees; otherwise @1, @2... stay. After the
// first failure to read information_schema (other than a missing table) it stops asking.
class SchemaColumnNamer : public ColumnNamer {
 public:
  explicit SchemaColumnNamer(const ConnectOptions& connect)
      : cache_(std::make_unique<SchemaCache>(connect)) {}

  void Name(binlog::TableMap* map) override {
    if (cache_ == nullptr || map->has_column_names()) return;
    absl::StatusOr<std::shared_ptr<const schema::TableInfo>> info =
        cache_->Get(map->database(), map->table());
    if (info.ok()) {
      map->SetColumnNames((*info)->columns);
    } else if (!absl::IsNotFound(info.status())) {
      spdlog::warn("column names from information_schema: {}; names shown as @1, @2...",
                   info.status().message());
      cache_.reset();
    }
  }

  void Invalidate() override {
    if (cache_ != nullptr) cache_->Invalidate();
  }

 private:
  std::unique_ptr<SchemaCache> cache_;
};

// One connection's events, until the end (stop_at_end) or an error. `resume` follows the
// last event boundary printed, for a reconnect.
absl::Status StreamEvents(BinlogStream& stream, bool stop_never, EventPrinter& printer,
                          const std::function<absl::Status()>& flush, BinlogStreamOptions* resume) {
  binlog::EventView ev;
  for (;;) {
    absl::StatusOr<bool> more = stream.Next(&ev);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
    printer.CountBytes(ev.raw.size());
    printer.set_file_label(stream.file());
    const auto type = static_cast<binlog::EventType>(ev.header.type);
    // A FORMAT_DESCRIPTION is handled even when artificial (it governs what follows).
    if (!IsStreamArtificial(ev) || type == binlog::EventType::kFormatDescription) {
      if (absl::Status st = printer.Handle(ev, stream.format(), stream.file(), false); !st.ok()) {
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
    const bool commit_point =
        stop_never && (type == binlog::EventType::kXid || type == binlog::EventType::kHeartbeat ||
                       type == binlog::EventType::kQuery);
    if (printer.out().size() >= EventPrinter::kFlushAt || commit_point) {
      if (absl::Status st = flush(); !st.ok()) return st;
    }
  }
}

}  // namespace

absl::Status PrintLive(BinlogStreamOptions options, bool stop_never, EventPrinter& printer,
                       const std::function<absl::Status()>& flush) {
  SchemaColumnNamer namer(options.connect);
  printer.set_column_namer(&namer);
  int failures = 0;
  absl::Status result;
  for (;;) {
    absl::StatusOr<std::unique_ptr<BinlogStream>> stream = BinlogStream::Open(options);
    if (stream.ok()) {
      failures = 0;
      absl::Status st = StreamEvents(**stream, stop_never, printer, flush, &options);
      if (st.ok() || !stop_never || !absl::IsUnavailable(st)) {
        result = st;
        break;
      }
      spdlog::warn("{}; reconnecting at {}:{}", st.message(), options.start_file,
                   options.start_pos);
    } else if (!stop_never || !absl::IsUnavailable(stream.status()) || failures > 30) {
      result = stream.status();
      break;
    } else {
      spdlog::warn("{}; retrying", stream.status().message());
    }
    if (absl::Status fl = flush(); !fl.ok()) {
      result = fl;
      break;
    }
    ++failures;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(100 << std::min(failures, 5), 3000)));
  }
  printer.set_column_namer(nullptr);
  return result;
}

absl::StatusOr<std::vector<std::string>> AbsentDatabases(
    const ConnectOptions& source, const std::vector<std::string>& databases) {
  if (databases.empty()) return std::vector<std::string>();
  ASSIGN_OR_RETURN(Connection c, Connection::Open(source));
  ASSIGN_OR_RETURN(const ResultSet rs,
                   c.Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"));
  std::vector<std::string> schemas;
  for (const auto& row : rs.rows()) schemas.push_back(row[0].value_or(""));
  return UnmatchedSelection(databases, {}, schemas, {});
}

}  // namespace binsync::dump
