#include "core/lagbench/probe_reader.h"

#include <variant>

#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::lagbench {

absl::Status ProbeReader::Read(const replicate::Transaction& t, std::vector<uint64_t>* ids) {
  for (const replicate::EventRef& ref : t.events) {
    const auto type = static_cast<binlog::EventType>(ref.header.type);
    const bool rows = replicate::IsRowsEventCode(ref.header.type);
    if (type != binlog::EventType::kTableMap && !rows) continue;
    const binlog::EventView ev = t.View(ref);
    binlog::Event decoded;
    RETURN_IF_ERROR(binlog::DecodeEvent(ev, *t.format, t.file, &decoded));
    if (const auto* tm = std::get_if<binlog::TableMapEvent>(&decoded)) {
      if (absl::Status st = maps_.Update(*tm); !st.ok()) {
        return binlog::EventError(st, t.file, ev.offset, ev.header.type);
      }
      continue;
    }
    const auto* event = std::get_if<binlog::RowsEvent>(&decoded);
    if (event == nullptr || event->kind != binlog::RowsKind::kWrite) continue;
    const binlog::TableMap* map = maps_.Find(event->table_id);
    if (map == nullptr || map->database() != db_ || map->table() != table_) continue;
    binlog::RowIterator it(*event, *map);
    for (;;) {
      absl::StatusOr<bool> more = it.Next(nullptr, &after_);
      if (!more.ok()) return binlog::EventError(more.status(), t.file, ev.offset, ev.header.type);
      if (!*more) break;
      const binlog::Value& id = after_.values.empty() ? binlog::Value{} : after_.values[0];
      if (id.kind != binlog::ValueKind::kInt && id.kind != binlog::ValueKind::kUint) {
        return absl::DataLossError(StrCat(db_, ".", table_, ": a probe row of transaction ",
                                          t.Name(), " at ", t.file, ":", ev.offset,
                                          " has no integer probe id in its first column"));
      }
      ids->push_back(id.kind == binlog::ValueKind::kInt ? static_cast<uint64_t>(id.int_value)
                                                         : id.uint_value);
    }
  }
  return absl::OkStatus();
}

}  // namespace binsync::lagbench
