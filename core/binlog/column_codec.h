// Table-driven column codec: for every MySQL/MariaDB column type as logged in TABLE_MAP,
// how many metadata bytes it has, how long one cell is (to skip it), and how to decode a
// cell into a Value.
//
// Metadata (TABLE_MAP, per column; byte order as stored):
//   FLOAT, DOUBLE             1  pack length (4 / 8)
//   BLOB, JSON, GEOMETRY,     1  number of length bytes (1..4) before the data
//   VECTOR
//   TIMESTAMP2, DATETIME2,    1  fractional-second precision (fsp) 0..6
//   TIME2
//   VARCHAR, VAR_STRING       2  little-endian max length in bytes (prefix 1 byte if < 256)
//   NEWDECIMAL                2  precision, scale
//   BIT                       2  bits % 8, whole bytes
//   STRING (254)              2  byte0 = real type (STRING, ENUM, SET), byte1 = length;
//                                for STRING, bits 4-5 of byte0 hold inverted bits 8-9 of
//                                the max byte length (CHAR of > 255 bytes)
//   everything else           0
//
// Cells (row image):
//   TINY 1, SHORT 2, INT24 3, LONG 4, LONGLONG 8, YEAR 1 (0 or 1900+v)   little-endian
//   FLOAT 4, DOUBLE 8                                                     IEEE little-endian
//   DATE 3        LE uint24: day 5 bits | month 4 bits | year rest
//   TIME 3        LE int24 = [-]HHMMSS (pre-5.6 form)
//   DATETIME 8    LE uint64 = YYYYMMDDhhmmss (pre-5.6 form)
//   TIMESTAMP 4   LE seconds since the epoch, UTC (pre-5.6 form)
//   TIMESTAMP2    BE uint32 seconds + (fsp+1)/2 bytes BE fraction
//   DATETIME2     5 bytes BE, offset 0x8000000000: sign 1 | year*13+month 17 | day 5 |
//                 hour 5 | minute 6 | second 6; then (fsp+1)/2 bytes BE fraction
//   TIME2         3 bytes BE, offset 0x800000: sign 1 | unused 1 | hour 10 | minute 6 |
//                 second 6; then the fraction; negatives are complemented over integer and
//                 fraction together (see DecodeTime2)
//   NEWDECIMAL    groups of 9 digits in 4 bytes BE, partial leading/trailing groups in
//                 {0,1,1,2,2,3,3,4,4,4}[digits] bytes; first byte's top bit flipped; all
//                 bytes inverted for negatives
//   BIT           (bits+7)/8 bytes BE
//   ENUM          1-2 bytes LE index (1-based, 0 = ''), SET 1-8 bytes LE bitmask
//   VARCHAR, STRING   1- or 2-byte LE length, then bytes (CHAR is right-trimmed)
//   BLOB/TEXT, JSON, GEOMETRY, VECTOR   1-4 byte LE length (metadata), then bytes
//                 (GEOMETRY = 4-byte SRID + WKB; JSON = MySQL binary JSON; VECTOR = floats)
//
// Values are views: a Value's `bytes` point into the event buffer the row came from
// and are valid only as long as that buffer. No function here allocates.
#ifndef BINSYNC_CORE_BINLOG_COLUMN_CODEC_H_
#define BINSYNC_CORE_BINLOG_COLUMN_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"

namespace binsync::binlog {

// Field type codes (enum_field_types).
enum class ColumnType : uint8_t {
  kDecimal = 0,
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,
  kDatetime = 12,
  kYear = 13,
  kNewDate = 14,
  kVarchar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDatetime2 = 18,
  kTime2 = 19,
  kVector = 242,
  kJson = 245,
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,
  kGeometry = 255,
};

[[nodiscard]] std::string_view ColumnTypeName(uint8_t type);

// Collation 63 is "binary"; 0 means "not known" (no optional metadata).
inline constexpr uint16_t kBinaryCollation = 63;

enum class Charset : uint8_t { kUnknown, kBinary, kUtf8, kLatin1, kAscii };
[[nodiscard]] Charset CharsetOfCollation(uint32_t collation);

// One column as described by a TABLE_MAP, with its metadata resolved. Cell framing is
// precomputed: a cell is `fixed_length` bytes, or, when `length_bytes` > 0, a
// little-endian length of that many bytes followed by that many data bytes.
struct ColumnDef {
  uint8_t type = 0;       // as logged
  uint8_t real_type = 0;  // STRING's metadata quirk resolved: STRING, ENUM or SET
  uint16_t metadata = 0;  // raw metadata, byte0 | byte1 << 8
  uint8_t length_bytes = 0;
  uint32_t fixed_length = 0;
  uint32_t max_length = 0;  // VARCHAR/STRING: max bytes; BIT: bits
  uint8_t precision = 0;    // DECIMAL
  uint8_t decimals = 0;     // DECIMAL scale, temporal fsp
  bool is_unsigned = false;
  bool nullable = true;
  uint32_t collation = 0;   // character and binary columns, from optional metadata
};

// Number of TABLE_MAP metadata bytes for `type`, or -1 for a type this codec does not
// support (the TABLE_MAP is then rejected naming the type).
[[nodiscard]] int MetadataLength(uint8_t type);

// Fills type/real_type/metadata and the framing fields of `col` from the logged type
// and its metadata bytes (`meta`, exactly MetadataLength(type) bytes).
[[nodiscard]] absl::Status ResolveColumn(uint8_t type, ByteView meta, ColumnDef* col);

// True for columns whose charset metadata (DEFAULT_CHARSET / COLUMN_CHARSET) applies:
// CHAR, VARCHAR, BLOB/TEXT, VECTOR (not ENUM/SET, JSON, GEOMETRY).
[[nodiscard]] bool IsCharacterColumn(const ColumnDef& col);
// True for columns counted by SIGNEDNESS: integer types, FLOAT, DOUBLE, DECIMAL, YEAR.
[[nodiscard]] bool IsNumericColumn(const ColumnDef& col);
[[nodiscard]] bool IsEnumColumn(const ColumnDef& col);
[[nodiscard]] bool IsSetColumn(const ColumnDef& col);
[[nodiscard]] bool IsGeometryColumn(const ColumnDef& col);

enum class ValueKind : uint8_t {
  kAbsent,  // not in this (minimal) row image
  kNull,
  kInt,        // int_value (signed integers)
  kUint,       // uint_value (unsigned integers, BIT)
  kFloat,      // double_value holds the float, widened exactly
  kDouble,     // double_value
  kDecimal,    // bytes = packed decimal; precision, decimals = scale
  kYear,       // uint_value (0 or 1901..2155)
  kDate,       // temporal
  kTime,       // temporal (hour up to 838, negative flag)
  kDatetime,   // temporal
  kTimestamp,  // int_value = seconds since the epoch (UTC), temporal.micro
  kString,     // bytes, collation
  kEnum,       // uint_value = 1-based index (0 = invalid '')
  kSet,        // uint_value = bitmask
  kJson,       // bytes = MySQL binary JSON (empty = JSON null), or see Value::json_form
  kGeometry,   // bytes = SRID + WKB
  kVector,     // bytes = little-endian float32 array
};

struct Temporal {
  int32_t year = 0;
  uint8_t month = 0;
  uint8_t day = 0;
  uint32_t hour = 0;  // TIME: up to 838
  uint8_t minute = 0;
  uint8_t second = 0;
  uint32_t micro = 0;
  bool negative = false;  // TIME only
};

// What `bytes` of a kJson value hold. Only PARTIAL_UPDATE_ROWS after images produce
// anything but kBinary (rows_event.h, json_diff.h).
enum class JsonForm : uint8_t {
  kBinary,  // MySQL binary JSON
  kText,    // JSON text: the full document after applying a partial update's diffs
  kDiff,    // a partial update's diff list, left unapplied (the before image lacks it)
};

// A decoded cell. Trivially copyable; `bytes` views the event buffer (or, for kJson
// values in kText form, the RowImage that holds them).
struct Value {
  ValueKind kind = ValueKind::kAbsent;
  uint8_t precision = 0;  // DECIMAL
  uint8_t decimals = 0;   // DECIMAL scale, temporal fsp
  uint32_t collation = 0;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double double_value = 0;
  Temporal temporal;
  ByteView bytes;
  JsonForm json_form = JsonForm::kBinary;

  [[nodiscard]] std::string_view text() const { return AsChars(bytes); }
};

// Length in bytes of the cell at the start of `data`. Error if `data` is too short.
[[nodiscard]] absl::Status CellLength(const ColumnDef& col, ByteView data, size_t* length);

// Decodes the `cell` (exactly CellLength bytes) of column `col`.
[[nodiscard]] absl::Status DecodeCell(const ColumnDef& col, ByteView cell, Value* out);

// Appends the exact decimal text of a packed DECIMAL ("-12.3400"). Error if the bytes do
// not match precision/scale or hold a non-decimal digit group.
[[nodiscard]] absl::Status AppendDecimal(ByteView packed, int precision, int scale,
                                         std::string* out);
// Packed size of a DECIMAL(precision, scale).
[[nodiscard]] size_t DecimalBinarySize(int precision, int scale);

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_COLUMN_CODEC_H_
