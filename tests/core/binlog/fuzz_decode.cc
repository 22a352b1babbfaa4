// libFuzzer target for the binlog decoder (built only with Clang; see docs/dump.md).
// The first input byte picks what the rest is fed to:
//   0, 1   events after a FORMAT_DESCRIPTION of MySQL 8.0 (0) or MariaDB 10.11 (1), both
//          without checksums so mutations reach the parsers: framing, every event parser,
//          table maps, row iteration (both images) and the JSON text of every row image,
//          the events inside TRANSACTION_PAYLOAD included
//   2      a binary JSON document (AppendJsonDocument)
//   3      a JSON diff list applied to a document: byte 1 = the document's length
// Every input must give an error or a result, never a crash, leak or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/binlog/events.h"
#include "core/binlog/file_reader.h"
#include "core/binlog/json_binary.h"
#include "core/binlog/json_diff.h"
#include "core/binlog/json_format.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog {
namespace {

void DecodeEvents(bool maria, ByteView events) {
  testing::EventBuilder b(maria ? testing::Flavor::kMariaDb1011 : testing::Flavor::kMysql80,
                          /*crc32=*/false);
  std::vector<uint8_t> file = testing::EventBuilder::File({b.Fde()});
  file.insert(file.end(), events.begin(), events.end());
  auto reader = FileReader::FromBuffer("fuzz", file);
  if (!reader.ok()) return;
  DecodeScratch scratch;
  TableMapCache maps;
  RowImage before, after;
  std::string text;
  PayloadReader payload;
  auto rows = [&](const RowsEvent& re) {
    const TableMap* map = maps.Find(re.table_id);
    if (map == nullptr) return;
    RowIterator it(re, *map);
    for (int n = 0; n < 10000; ++n) {
      absl::StatusOr<bool> more = it.Next(&before, &after);
      if (!more.ok() || !*more) return;
      text.clear();
      (void)AppendJsonRow(before, *map, &text);
      (void)AppendJsonRow(after, *map, &text);
    }
  };
  auto handle = [&](const EventView& ev, const FormatDescription& fd, auto& self) -> void {
    Event event;
    if (!DecodeEvent(ev, fd, "fuzz", &scratch, &event).ok()) return;
    if (const auto* tm = std::get_if<TableMapEvent>(&event)) {
      (void)maps.Update(*tm);
    } else if (const auto* re = std::get_if<RowsEvent>(&event)) {
      rows(*re);
    } else if (const auto* pg = std::get_if<PreviousGtidsEvent>(&event)) {
      std::vector<PreviousGtidsEvent::Entry> entries;
      (void)pg->Decode(&entries);
    } else if (const auto* g = std::get_if<MysqlGtidEvent>(&event)) {
      text.clear();
      AppendMysqlGtidText(*g, &text);
    } else if (const auto* p = std::get_if<TransactionPayloadEvent>(&event)) {
      if (!payload.Reset(*p, ev, "fuzz", fd.header_length, size_t{1} << 24).ok()) return;
      EventView inner;
      for (int n = 0; n < 1000; ++n) {
        absl::StatusOr<bool> more = payload.Next(&inner);
        if (!more.ok() || !*more) return;
        if (inner.header.type == static_cast<uint8_t>(EventType::kTransactionPayload)) return;
        self(inner, fd, self);
      }
    }
  };
  EventView ev;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&ev);
    if (!more.ok() || !*more) return;
    handle(ev, (*reader)->format(), handle);
  }
}

}  // namespace
}  // namespace binsync::binlog

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace binsync::binlog;  // NOLINT(google-build-using-namespace)
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  std::string out;
  switch (data[0] % 4) {
    case 0:
    case 1:
      DecodeEvents(data[0] % 4 == 1, rest);
      break;
    case 2:
      (void)AppendJsonDocument(rest, &out);
      break;
    default: {
      if (rest.empty()) break;
      const size_t doc = std::min<size_t>(rest[0], rest.size() - 1);
      (void)ApplyJsonDiffs(rest.subspan(1, doc), rest.subspan(1 + doc), &out);
      out.clear();
      (void)AppendJsonDiffText(rest.subspan(1 + doc), &out);
      break;
    }
  }
  return 0;
}
