#include "core/binlog/rows_event.h"

#include <array>

#include "core/binlog/compressed_event.h"
#include "core/binlog/json_diff.h"
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
  set(EventType::kPartialUpdateRows, RowsKind::kUpdate, 2);
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

absl::Status RowIterator::ColumnError(size_t i, const absl::Status& st) const {
  const std::string_view name = table_.column_name(i);
  return absl::Status(st.code(), StrCat("row ", rows_read_ + 1, ", column ", i + 1,
                                        name.empty() ? "" : " ", name, ": ", ToStd(st.message())));
}

absl::Status RowIterator::ReadImage(ByteView present, RowImage* image, bool partial_after,
                                    const RowImage* old) {
  const size_t width = static_cast<size_t>(event_.width);
  RowImage& img = image != nullptr ? *image : scratch_;
  img.values.resize(width);
  ByteView partial_bits;  // empty: no column of this image holds diffs
  if (partial_after) {
    // Sized once, before this row keeps any text in it (texts must not move).
    if (img.json_text.size() < width) img.json_text.resize(width);
    const uint64_t options = reader_.Packed();
    if (reader_.ok() && options > 1) {
      return absl::DataLossError(
          StrCat("row ", rows_read_ + 1, ": unknown binlog_row_value_options ", options));
    }
    if ((options & 1) != 0) partial_bits = reader_.Bytes((json_columns_ + 7) / 8);
    if (!reader_.ok()) {
      return absl::DataLossError(StrCat("row ", rows_read_ + 1,
                                        ": partial update header "
                                        "truncated"));
    }
  }
  const ByteView nulls = reader_.Bytes((PopCount(present, width) + 7) / 8);
  if (!reader_.ok()) {
    return absl::DataLossError(StrCat("row ", rows_read_ + 1, ": NULL bitmap truncated"));
  }
  size_t present_index = 0;
  size_t json_index = 0;
  for (size_t i = 0; i < width; ++i) {
    Value& v = img.values[i];
    v = Value{};
    const ColumnDef& col = table_.column(i);
    // Every JSON column of the table has a partial bit, present in the image or not.
    const bool partial = !partial_bits.empty() &&
                         col.type == static_cast<uint8_t>(ColumnType::kJson) &&
                         Bit(partial_bits, json_index++);
    if (!Bit(present, i)) continue;  // kAbsent
    if (Bit(nulls, present_index++)) {
      v.kind = ValueKind::kNull;
      continue;
    }
    const size_t at = reader_.position();
    size_t len = 0;
    const ByteView rest = event_.rows.subspan(at);
    absl::Status st = CellLength(col, rest, &len);
    if (st.ok()) st = DecodeCell(col, rest.first(len), &v);
    if (st.ok() && partial) st = ApplyDiffs(i, old, &img, &v);
    if (!st.ok()) return ColumnError(i, st);
    reader_.Skip(len);
  }
  return absl::OkStatus();
}

// `v` holds a diff list; with the column's document in the before image `old`, it becomes
// the new document's text in `img`.
absl::Status RowIterator::ApplyDiffs(size_t i, const RowImage* old, RowImage* img, Value* v) {
  v->json_form = JsonForm::kDiff;
  // Not wanted by the caller (scratch), or no before image to apply to.
  if (img == &scratch_ || old == nullptr || i >= old->values.size()) return absl::OkStatus();
  const Value& before = old->values[i];
  switch (before.kind) {
    case ValueKind::kAbsent:
      return absl::OkStatus();  // minimal before image: the diffs stay as they are
    case ValueKind::kJson:
      break;
    default:
      return absl::DataLossError("JSON diffs for a column whose before value is not a document");
  }
  if (before.json_form != JsonForm::kBinary) {
    return absl::DataLossError("JSON diffs against a before value that is not binary JSON");
  }
  std::string& text = img->json_text[i];  // sized by ReadImage before any text is kept
  text.clear();
  if (absl::Status st = ApplyJsonDiffs(before.bytes, v->bytes, &text); !st.ok()) return st;
  v->json_form = JsonForm::kText;
  v->bytes = AsBytes(text);
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
    for (const ColumnDef& col : table_.columns()) {
      json_columns_ += col.type == static_cast<uint8_t>(ColumnType::kJson) ? 1 : 0;
    }
    checked_ = true;
  }
  if (reader_.empty()) return false;
  const size_t start = reader_.position();
  switch (event_.kind) {
    case RowsKind::kWrite:
      if (absl::Status st = ReadImage(event_.columns_before, after, false, nullptr); !st.ok()) {
        return st;
      }
      break;
    case RowsKind::kDelete:
      if (absl::Status st = ReadImage(event_.columns_before, before, false, nullptr); !st.ok()) {
        return st;
      }
      break;
    case RowsKind::kUpdate: {
      if (absl::Status st = ReadImage(event_.columns_before, before, false, nullptr); !st.ok()) {
        return st;
      }
      if (reader_.empty()) {
        return absl::DataLossError(StrCat("row ", rows_read_ + 1, ": after image missing"));
      }
      // A partial update's diffs apply to the before image just read (into the caller's
      // image, or into scratch_ when the caller wants only the after image).
      const bool partial = event_.is_partial_update();
      const RowImage* old = before != nullptr ? before : (after != nullptr ? &scratch_ : nullptr);
      if (absl::Status st = ReadImage(event_.columns_after, after, partial, old); !st.ok()) {
        return st;
      }
      break;
    }
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
