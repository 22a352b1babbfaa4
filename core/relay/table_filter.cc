#include "core/relay/table_filter.h"

#include <variant>

#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"
#include "core/replicate/assembler.h"
#include "core/replicate/transaction.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::relay {
namespace {

constexpr uint16_t kStmtEnd = 1;

}  // namespace

absl::Status EventSelector::Select(std::span<const binlog::EventView> events,
                                   const binlog::FormatDescription& fd, std::string_view file,
                                   EventSelection* out) {
  *out = EventSelection{};
  out->keep.assign(events.size(), true);
  binlog::Event decoded;
  for (size_t i = 0; i < events.size(); ++i) {
    const binlog::EventView& ev = events[i];
    const uint8_t type = ev.header.type;
    const bool rows = replicate::IsRowsEventCode(type);
    if (type != static_cast<uint8_t>(binlog::EventType::kTableMap) && !rows &&
        type != static_cast<uint8_t>(binlog::EventType::kQuery)) {
      continue;
    }
    RETURN_IF_ERROR(binlog::DecodeEvent(ev, fd, file, &decoded));
    if (const auto* tm = std::get_if<binlog::TableMapEvent>(&decoded)) {
      const bool pass = filter_(tm->database, tm->table);
      selected_[tm->table_id] = pass;
      out->keep[i] = pass;
    } else if (const auto* q = std::get_if<binlog::QueryEvent>(&decoded)) {
      if (replicate::IsTransactionControl(q->sql)) continue;
      out->keep[i] = q->db.empty() || filter_(q->db, std::string_view());
      out->kept_statement = out->kept_statement || out->keep[i];
    } else if (const auto* r = std::get_if<binlog::RowsEvent>(&decoded)) {
      // A table_id without its TABLE_MAP cannot be judged: kept (never lose a change).
      const auto it = selected_.find(r->table_id);
      out->keep[i] = it == selected_.end() || it->second;
      if (out->keep[i]) {
        ++out->kept_rows;
        statement_kept_ = true;
      }
      if ((r->flags & kStmtEnd) == 0) continue;
      if (!out->keep[i] && statement_kept_) {
        return binlog::EventError(
            absl::FailedPreconditionError(
                "one statement changes tables --databases/--tables select and tables they do "
                "not, and its end is on an unselected table's rows: relay mode cannot send part "
                "of it; replicate these tables with --mode live, or select all of them"),
            file, ev.offset, type);
      }
      statement_kept_ = false;
    }
  }
  return absl::OkStatus();
}

}  // namespace binsync::relay
