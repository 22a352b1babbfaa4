// JSON text of decoded values and row images, per the value table in DESIGN.md:
//
//   integers, YEAR, BIT       number, signedness applied (BIGINT UNSIGNED exact)
//   DECIMAL                   string, exact digits and scale: "-12.3400"
//   FLOAT, DOUBLE             number, shortest round-trip form
//   DATE/DATETIME/TIME        "YYYY-MM-DD" / "YYYY-MM-DD HH:MM:SS[.f]" / "[-]HHH:MM:SS[.f]",
//                             fraction digits = column precision
//   TIMESTAMP                 UTC, same text as DATETIME (0 -> "0000-00-00 00:00:00")
//   character strings, TEXT   string (UTF-8; latin1 converted)
//   ENUM / SET                label / array of labels; number when labels are unknown
//   binary strings, BLOB,     "0x" + lowercase hex
//   GEOMETRY, unknown charset
//   MySQL JSON                the JSON value itself, compact, as json_binary.h describes
//                             (an empty binary value is null); a partial update's diffs
//                             that could not be applied (no before image) as
//                             {"$json_diff":[{"op":..,"path":..,"value":..}]} (json_diff.h)
//   VECTOR                    array of numbers (float32)
//   NULL                      null
//
// Everything appends to a caller-owned std::string, which the caller reuses: no
// allocation per value once the string has grown to its working size.
#ifndef BINSYNC_CORE_BINLOG_JSON_FORMAT_H_
#define BINSYNC_CORE_BINLOG_JSON_FORMAT_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/binlog/column_codec.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"

namespace binsync::binlog {

// Appends the JSON text of `value`. `labels` are the ENUM/SET labels of its column
// (empty when unknown). kAbsent values append nothing. Errors for corrupt DECIMAL bytes
// and corrupt binary JSON (what was appended of the value is then left in `out`).
[[nodiscard]] absl::Status AppendJsonValue(const Value& value,
                                           std::span<const std::string_view> labels,
                                           std::string* out);

// Appends {"col":value,...} over the columns present in `image`, keyed by the column
// names of `table` or "@1", "@2"... when it has none. Errors name the column.
[[nodiscard]] absl::Status AppendJsonRow(const RowImage& image, const TableMap& table,
                                         std::string* out);

// Appends `bytes` as a JSON string "0x..." (lowercase hex).
void AppendHexString(ByteView bytes, std::string* out);

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_JSON_FORMAT_H_
