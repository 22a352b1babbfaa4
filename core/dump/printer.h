// binsync dump's rendering (docs/dump.md): decoded binlog events to JSON lines (the contract
// in ../shared/DESIGN.md), readable text, or statistics. Pure code: no server, no standard
// output; the caller feeds events and writes out().
//
// Calling protocol: StartFile(label) before the events of each file (set_file_label for a
// live stream; positions print as label:offset); Handle() for every event in order; CountBytes()
// for what was read; PrintStats() once at the end with --format stats. out() grows until the caller
// writes and clears it (it should when it passes kFlushAt).
//
// Threading: one EventPrinter per thread.
#ifndef BINSYNC_CORE_DUMP_PRINTER_H_
#define BINSYNC_CORE_DUMP_PRINTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/binlog/events.h"
#include "core/binlog/file_reader.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/statement_context.h"
#include "core/binlog/table_map.h"

namespace binsync::dump {

enum class Format { kJson, kText, kStats };

struct PrintOptions {
  Format format = Format::kJson;
  std::vector<std::string> databases;  // only these (empty: all)
  std::vector<std::string> tables;     // only these, db.table or table; statements left out
};

// Column names for table maps logged without binlog_row_metadata=FULL: a live source's
// information_schema (net/dump/live). Name() leaves a map it cannot name as it is (@1,
// @2...); Invalidate() after a statement that may have changed a table.
class ColumnNamer {
 public:
  virtual ~ColumnNamer() = default;
  virtual void Name(binlog::TableMap* map) = 0;
  virtual void Invalidate() = 0;
};

class EventPrinter {
 public:
  static constexpr size_t kFlushAt = 1u << 20;  // write out() in blocks of about 1 MiB

  explicit EventPrinter(PrintOptions options);

  // Not owned; null (the default) leaves unnamed columns as @1, @2...
  void set_column_namer(ColumnNamer* namer) { namer_ = namer; }

  // A new binlog file: its label names positions; a transaction never spans files.
  void StartFile(std::string_view label);
  // The label of the live binlog the next events come from (a transaction continues
  // across a ROTATE of a live stream).
  void set_file_label(std::string_view label) { file_label_ = label; }

  // One event. `file` names it in errors (a path or the live binlog's name). `skipping`:
  // before --start-position; only state (table maps, GTID) is kept, nothing printed.
  [[nodiscard]] absl::Status Handle(const binlog::EventView& ev,
                                    const binlog::FormatDescription& fd, std::string_view file,
                                    bool skipping);

  void CountBytes(uint64_t n) { bytes_read_ += n; }
  // --format stats: with a filter, the events and row changes that passed it, and a line
  // counting the events it left out; bytes and MB/s are what was read.
  void PrintStats(double seconds);

  // The --databases / --tables entries that selected no event of what was handled, as
  // "--databases x" / "--tables y" (a typo, or nothing of it in this stretch of binlog).
  [[nodiscard]] std::vector<std::string> UnmatchedFilter() const;

  std::string& out() { return out_; }

 private:
  struct TableStats {
    uint64_t inserts = 0, updates = 0, deletes = 0;
  };

  absl::Status Handle(const binlog::EventView& ev, const binlog::FormatDescription& fd,
                      std::string_view file, bool inner, bool skipping);
  absl::Status HandleEvent(const binlog::EventView& ev, const binlog::FormatDescription& fd,
                           std::string_view file, bool skipping);
  // The event being handled passed the filter: `db` (and `table`, when not empty) is
  // selected. Remembers the names for UnmatchedFilter().
  void Passed(std::string_view db, std::string_view table);
  uint64_t Pos(const binlog::EventView& ev) const;
  void JsonHeader(std::string_view type, std::string_view db, const std::string_view* table,
                  const binlog::EventView& ev);
  void JsonHeader(std::string_view type, std::string_view db, const std::string_view* table,
                  const binlog::EventView& ev, std::string* out) const;
  void TextHeader(const binlog::EventView& ev);
  absl::Status Query(const binlog::QueryEvent& q, const binlog::EventView& ev,
                     const binlog::ExecuteLoadQueryEvent* load, std::string_view file);
  absl::Status QueryOutput(const binlog::QueryEvent& q, const binlog::EventView& ev,
                           const binlog::ExecuteLoadQueryEvent* load);
  void DeleteFile(const binlog::DeleteFileEvent& del, const binlog::EventView& ev);
  void Incident(const binlog::IncidentEvent& incident, const binlog::EventView& ev);
  void XaPrepare(const binlog::XaPrepareEvent& xa, const binlog::EventView& ev);
  absl::Status TextImage(const binlog::RowImage& image, const binlog::TableMap& map);
  absl::Status Rows(const binlog::RowsEvent& rows, const binlog::EventView& ev,
                    std::string_view file);

  const PrintOptions o_;
  const bool filtered_;    // --databases or --tables given
  bool passed_ = false;    // the event being handled passed the filter
  uint64_t left_out_ = 0;  // stats: events the filter left out
  std::set<std::string, std::less<>> seen_dbs_;     // names that passed the filter
  std::set<std::string, std::less<>> seen_tables_;  // "db.table"
  ColumnNamer* namer_ = nullptr;
  std::string out_;
  std::string file_label_;
  std::string gtid_;
  std::string key_;
  std::string row_header_;  // JSON header shared by the rows of one event
  std::optional<uint64_t> pos_override_;
  binlog::TableMapCache maps_;
  binlog::PayloadReader payload_;
  binlog::StatementContext context_;  // INTVAR/RAND/USER_VAR before the next statement
  absl::flat_hash_map<uint32_t, uint64_t> load_bytes_;  // LOAD DATA file_id -> data bytes
  std::string xa_sql_;
  binlog::RowImage before_, after_;
  uint64_t bytes_read_ = 0;
  uint64_t row_changes_ = 0;
  uint64_t type_counts_[2][256] = {};  // [inner][event type]
  std::map<std::string, TableStats, std::less<>> table_counts_;
};

// Prints the events of the binlog file at `path`, from byte offset `start` (0: its first
// event; else the offset of an event boundary, --start-position), calling `flush` whenever
// printer.out() has passed kFlushAt. Errors name path:offset.
[[nodiscard]] absl::Status PrintFile(const std::string& path, uint64_t start, EventPrinter& printer,
                                     const std::function<absl::Status()>& flush);

}  // namespace binsync::dump

#endif  // BINSYNC_CORE_DUMP_PRINTER_H_
