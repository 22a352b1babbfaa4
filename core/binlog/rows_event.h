// WRITE/UPDATE/DELETE_ROWS events, v1 (MySQL 5.1+, MariaDB) and v2 (MySQL 5.6+), MySQL's
// PARTIAL_UPDATE_ROWS (39), MariaDB's compressed forms (166-171, compressed_event.h), and
// the row iterator that decodes their images against a TableMap.
//
// Post-header:
//   table_id    int<6>  (int<4> when the FDE's post-header length for the type is 6)
//   flags       int<2>  bit 0 STMT_END_F; unknown bits are kept, not rejected
//   v2 only: extra_len int<2> (counts itself), extra_data str<extra_len - 2>
//            (NDB info or partition ids; not interpreted here)
// Body:
//   width        packed int, number of table columns
//   columns      (width+7)/8 bytes, LSB-first: column present in the (before) image
//   columns_ai   UPDATE only: the same for the after image
//   rows, to the end: per row one image (WRITE: after; DELETE: before), or two (UPDATE:
//   before then after). An image is
//     null_bitmap  (present_count+7)/8 bytes, LSB-first over the *present* columns
//     cells        one per present, non-NULL column, in column order (column_codec.h)
//   In the compressed types the rows are one compressed record (compressed_event.h);
//   ParseRowsEvent leaves them compressed (rows_compressed), DecodeEvent inflates them.
//
// PARTIAL_UPDATE_ROWS (39, binlog_row_value_options=PARTIAL_JSON) is UPDATE_ROWS_V2 whose
// after images start with
//   value_options  packed int; bit 0 PARTIAL_JSON_UPDATES (other bits: corrupt)
//   partial_bits   only with that bit: (json_columns+7)/8 bytes, LSB-first, one bit per
//                  JSON column *of the table* (present in the image or not), in column order
// A present, non-NULL JSON column whose partial bit is set holds a diff list (json_diff.h)
// in place of the document. The iterator applies it to the before image's document, so
// the after value is the full document, as JSON text (Value::json_form kText, bytes in
// RowImage::json_text); when the before image lacks the column (binlog_row_image=MINIMAL)
// the value stays the diff list (kDiff).
#ifndef BINSYNC_CORE_BINLOG_ROWS_EVENT_H_
#define BINSYNC_CORE_BINLOG_ROWS_EVENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/binlog/byte_reader.h"
#include "core/binlog/column_codec.h"
#include "core/binlog/event_header.h"
#include "core/binlog/table_map.h"

namespace binsync::binlog {

enum class RowsKind : uint8_t { kWrite, kUpdate, kDelete };

inline constexpr uint16_t kRowsFlagStmtEnd = 0x0001;

// Zero-copy view of a rows event; views into the event buffer.
struct RowsEvent {
  RowsKind kind = RowsKind::kWrite;
  uint8_t type = 0;     // the EventType code as logged
  uint8_t version = 1;  // 1 or 2
  uint64_t table_id = 0;
  uint16_t flags = 0;
  ByteView extra_data;  // v2 extra data, without its length field
  uint64_t width = 0;
  ByteView columns_before;  // present-columns bitmap of the before image (or the only image)
  ByteView columns_after;   // UPDATE: present-columns bitmap of the after image
  ByteView rows;
  // True while `rows` still holds a MariaDB compressed record (types 166-171 straight from
  // ParseRowsEvent). DecodeEvent inflates it and clears the flag; RowIterator refuses it.
  bool rows_compressed = false;

  // PARTIAL_UPDATE_ROWS: after images carry value_options (see the file comment).
  [[nodiscard]] bool is_partial_update() const { return type == 39; }
};

// Parses the plain part of a rows event of any rows type (23-25, 30-32, 166-171). For the
// compressed types `rows` is the compressed record (rows_compressed is set): decode those
// through DecodeEvent (events.h), which inflates them.
[[nodiscard]] absl::Status ParseRowsEvent(const EventView& event, const FormatDescription& fd,
                                          RowsEvent* out);

// One row image: values[i] for table column i (kAbsent when not in the image).
// Reuse one RowImage across rows and events: it only grows, never shrinks.
struct RowImage {
  std::vector<Value> values;
  // Text of column i's JSON document when it was rebuilt from a partial update's diffs;
  // values[i].bytes views it until the next row is read into this image. Sized on first
  // use only.
  std::vector<std::string> json_text;
};

// Iterates the rows of `event`, decoding each image with `table`. Both must outlive the
// iterator; decoded Values view the event buffer.
class RowIterator {
 public:
  RowIterator(const RowsEvent& event, const TableMap& table) : event_(event), table_(table),
      reader_(event.rows) {}

  // Decodes the next row into `before`/`after` (each may be null when the event kind has
  // no such image: WRITE has only after, DELETE only before; or when the caller does not
  // want it). Returns false after the last row. Errors name the row number and column.
  // For PARTIAL_UPDATE_ROWS, JSON diffs are applied only when `after` is given.
  [[nodiscard]] absl::StatusOr<bool> Next(RowImage* before, RowImage* after);

  [[nodiscard]] size_t rows_read() const { return rows_read_; }

 private:
  // `partial_after`: a PARTIAL_UPDATE_ROWS after image, whose diffs apply to `old` (the
  // row's before image; may be null).
  absl::Status ReadImage(ByteView present, RowImage* image, bool partial_after,
                         const RowImage* old);
  absl::Status ApplyDiffs(size_t i, const RowImage* old, RowImage* img, Value* v);
  absl::Status ColumnError(size_t i, const absl::Status& st) const;

  const RowsEvent& event_;
  const TableMap& table_;
  ByteReader reader_;
  RowImage scratch_;  // decodes images the caller did not ask for (to advance the cursor)
  size_t rows_read_ = 0;
  size_t json_columns_ = 0;  // JSON columns of the table (partial_bits width)
  bool checked_ = false;
};

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_ROWS_EVENT_H_
