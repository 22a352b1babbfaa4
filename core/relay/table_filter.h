// --databases/--tables in relay mode: which events of a transaction the replica gets.
// replicate applies the filter row by row; a replica applies whatever it is sent, so binsync
// leaves out the events of unselected tables instead:
//   TABLE_MAP of an unselected db.table            dropped, and every rows event of its table_id
//   a statement (DDL) whose default database is unselected    dropped (as replicate's applier)
//   everything else (BEGIN, COMMIT, XID, ANNOTATE_ROWS, ...)  kept
// A statement's rows events end with one carrying STMT_END_F (1): the replica closes the
// statement's tables there. When that event is dropped while earlier rows events of the same
// statement are kept (one statement changing selected and unselected tables: a multi-table
// UPDATE or DELETE), the replica would never see the statement end: refused, naming the
// event (use --mode live, which filters row by row, for such statements).
#ifndef BINSYNC_CORE_RELAY_TABLE_FILTER_H_
#define BINSYNC_CORE_RELAY_TABLE_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/event_header.h"
#include "core/binlog/events.h"
#include "core/schema/table_info.h"

namespace binsync::relay {

struct EventSelection {
  std::vector<bool> keep;       // per event of the input
  size_t kept_rows = 0;         // rows events kept
  bool kept_statement = false;  // a statement other than BEGIN/COMMIT kept
  // Nothing of the transaction is left for the replica: leave the whole of it out.
  [[nodiscard]] bool empty() const { return kept_rows == 0 && !kept_statement; }
};

// Selects the events of one transaction under `filter` (never null), decoded under `fd`;
// `file` names the source in errors. A transaction handed out in parts is selected part by
// part with the same selector (the TABLE_MAPs of an earlier part decide a later part's rows);
// Begin() starts the next transaction.
class EventSelector {
 public:
  explicit EventSelector(schema::TableFilter filter) : filter_(std::move(filter)) {}
  void Begin() { selected_.clear(); }
  [[nodiscard]] absl::Status Select(std::span<const binlog::EventView> events,
                                    const binlog::FormatDescription& fd, std::string_view file,
                                    EventSelection* out);

 private:
  schema::TableFilter filter_;
  std::map<uint64_t, bool> selected_;  // table_id -> its TABLE_MAP passed the filter
  bool statement_kept_ = false;        // rows of the open statement kept
};

}  // namespace binsync::relay

#endif  // BINSYNC_CORE_RELAY_TABLE_FILTER_H_
