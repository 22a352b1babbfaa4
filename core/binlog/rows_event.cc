#include "core/binlog/rows_event.h"

#include <array>

#include "core/binlog/compressed_event.h"
#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

size_t PopCount(ByteView bitmap, uint64_t width) {
  size_t n = 0;
  for (uint64_t i = 0; i < width; ++i) n += (bitmap[i / 8] >> (i % 8)) & 1;
  return n;
}

bool Bit(ByteView bitmap, size_t i) { return ((bitmap[i / 8] >> (i % 8)) & 1) != 0; }

// Kind and layout version per rows event type; version 0 = not a rows type this parser reads.
struct RowsType {
  RowsKind kind = RowsKind::kWrite;
  uint8_t version = 0;
};

constexpr std::array<RowsType, 256> MakeRowsTypes() {
  std::array<RowsType, 256> t{};
  auto set = [&t](EventType type, RowsKind kind, uint8_t version) {
    t[static_cast<uint8_t>(type)] = {kind, version};
  };
  set(EventType::kWriteRowsV1, RowsKind::kWrite, 1);
  set(EventType::kUpdateRowsV1, RowsKind::kUpdate, 1);
  set(EventType::kDeleteRowsV1, RowsKind::kDelete, 1);
  set(EventType::kWriteRowsV2, RowsKind::kWrite, 2);
  set(EventType::kUpdateRowsV2, RowsKind::kUpdate, 2);
  set(EventType::kDeleteRowsV2, RowsKind::kDelete, 2);
  set(EventType::kMariaWriteRowsCompressedV1, RowsKind::kWrite, 1);
  set(EventType::kMariaUpdateRowsCompressedV1, RowsKind::kUpdate, 1);
  set(EventType::kMariaDeleteRowsCompressedV1, RowsKind::kDelete, 1);
  set(EventType::kMariaWriteRowsCompressed, RowsKind::kWrite, 2);
  set(EventType::kMariaUpdateRowsCompressed, RowsKind::kUpdate, 2);
  set(EventType::kMariaDeleteRowsCompressed, RowsKind::kDelete, 2);
  return t;
}
constexpr std::array<RowsType, 256> kRowsTypes = MakeRowsTypes();

}  // namespace

absl::Status ParseRowsEvent(const EventView& event, const FormatDescription& fd,
                            RowsEvent* out) {
  out->type = event.header.type;
  const RowsType& rt = kRowsTypes[out->type];
  if (rt.version == 0) return absl::InvalidArgumentError("not a v1/v2 rows event");
  out->kind = rt.kind;
  out->version = rt.version;
  ByteReader r(event.body);
  out->table_id = fd.PostHeaderLength(out->type) == 6 ? r.U32() : r.U48();
  out->flags = r.U16();
  out->extra_data = {};
  if (out->version == 2) {
    const uint16_t extra_len = r.U16();
    if (r.ok() && extra_len < 2) {
      return absl::DataLossError(StrCat("extra_data_len ", extra_len, " is below 2"));
    }
    out->extra_data = r.Bytes(extra_len - 2u);
  }
  out->width = r.Packed();
  if (!r.ok()) return absl::DataLossError("rows event post-header truncated");
  if (out->width == 0 || out->width > 4096) {
    return absl::DataLossError(StrCat("rows event width ", out->width, " invalid"));
  }
  const size_t bitmap_len = (out->width + 7) / 8;
  out->columns_before = r.Bytes(bitmap_len);
  out->columns_after = out->kind == RowsKind::kUpdate ? r.Bytes(bitmap_len) : ByteView{};
  if (!r.ok()) return absl::DataLossError("rows event column bitmaps truncated");
  out->rows = r.Rest();
  out->rows_compressed = IsMariaCompressedType(out->type);
  return absl::OkStatus();
}

absl::Status RowIterator::ReadImage(ByteView present, RowImage* image) {
  const size_t width = static_cast<size_t>(event_.width);
  RowImage& img = image != nullptr ? *image : scratch_;
  img.values.resize(width);
  const ByteView nulls = reader_.Bytes((PopCount(present, width) + 7) / 8);
  if (!reader_.ok()) {
    return absl::DataLossError(StrCat("row ", rows_read_ + 1, ": NULL bitmap truncated"));
  }
  size_t present_index = 0;
  for (size_t i = 0; i < width; ++i) {
    Value& v = img.values[i];
    v = Value{};
    if (!Bit(present, i)) continue;  // kAbsent
    if (Bit(nulls, present_index++)) {
      v.kind = ValueKind::kNull;
      continue;
    }
    const ColumnDef& col = table_.column(i);
    const size_t at = reader_.position();
    size_t len = 0;
    const ByteView rest = event_.rows.subspan(at);
    absl::Status st = CellLength(col, rest, &len);
    if (st.ok()) st = DecodeCell(col, rest.first(len), &v);
    if (!st.ok()) {
      return absl::Status(st.code(), StrCat("row ", rows_read_ + 1, ", column ", i + 1,
                                            table_.column_name(i).empty() ? "" : " ",
                                            table_.column_name(i), ": ", ToStd(st.message())));
    }
    reader_.Skip(len);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RowIterator::Next(RowImage* before, RowImage* after) {
  if (!checked_) {
    if (event_.rows_compressed) {
      return absl::FailedPreconditionError(
          "rows are still compressed: decode the event with DecodeEvent, which inflates them");
    }
    if (event_.width != table_.column_count()) {
      return absl::DataLossError(StrCat("rows event has ", event_.width, " columns but the map of ",
                                        table_.database(), ".", table_.table(), " has ",
                                        table_.column_count()));
    }
    checked_ = true;
  }
  if (reader_.empty()) return false;
  const size_t start = reader_.position();
  switch (event_.kind) {
    case RowsKind::kWrite:
      if (absl::Status st = ReadImage(event_.columns_before, after); !st.ok()) return st;
      break;
    case RowsKind::kDelete:
      if (absl::Status st = ReadImage(event_.columns_before, before); !st.ok()) return st;
      break;
    case RowsKind::kUpdate:
      if (absl::Status st = ReadImage(event_.columns_before, before); !st.ok()) return st;
      if (reader_.empty()) {
        return absl::DataLossError(StrCat("row ", rows_read_ + 1, ": after image missing"));
      }
      if (absl::Status st = ReadImage(event_.columns_after, after); !st.ok()) return st;
      break;
  }
  if (reader_.position() == start) {
    // An image with no present columns occupies no bytes: the rest can never be read.
    return absl::DataLossError(StrCat("row ", rows_read_ + 1, ": empty row image with ",
                                      reader_.remaining(), " bytes left"));
  }
  ++rows_read_;
  return true;
}

}  // namespace binsync::binlog
