// MySQL binary JSON (the storage format of JSON columns, MySQL 5.7+; sql/json_binary.h in
// MySQL): bounds-checked views over a document and its conversion to JSON text.
//
// Grammar (integers little-endian; an empty document is the JSON null literal):
//   doc          := type<1> value
//   type         := 00 small object | 01 large object | 02 small array | 03 large array
//                 | 04 literal | 05 int16 | 06 uint16 | 07 int32 | 08 uint32 | 09 int64
//                 | 0a uint64 | 0b double | 0c string | 0f opaque
//   object       := count size key-entry[count] value-entry[count] key* value*
//   array        := count size value-entry[count] value*
//     count, size    uint16 in small, uint32 in large containers; size = bytes of the
//                    container from `count` on; every offset below is relative to `count`
//   key-entry    := key-offset (uint16 | uint32) key-length<2>
//   value-entry  := type<1> (offset | inlined value) (uint16 | uint32)
//                   inlined: literals, int16, uint16; in large containers also int32, uint32
//   literal      := 00 null | 01 true | 02 false
//   int/uint<n>  := n-byte integer; double := IEEE 754 binary64
//   string       := varlen length, utf8mb4 bytes
//   opaque       := field-type<1> varlen length, bytes; field type NEWDECIMAL (246) holds
//                   precision<1> scale<1> packed decimal; DATE (10), TIME (11), DATETIME
//                   (12), TIMESTAMP (7) hold a packed int64 (MySQL's *_to_longlong_packed)
//   varlen       := 1-5 bytes, 7 bits each, low group first; bit 7 set = another follows
//
// JSON text is compact (no spaces) and keeps the document's key order; scalars are printed
// as MySQL prints them: doubles in shortest round-trip form with ".0" added to integral
// values, opaque DECIMAL as a number with its scale ("9.00"), opaque DATE "YYYY-MM-DD",
// TIME "[-]HH:MM:SS.ffffff", DATETIME/TIMESTAMP "YYYY-MM-DD HH:MM:SS.ffffff", any other
// opaque value "base64:typeN:<base64>" (MySQL's base64, a newline every 76 characters).
//
// Bounds: every offset and length is checked against its container; nesting deeper than
// kMaxJsonNesting and text longer than kJsonTextExpansion x the document (only reachable
// with overlapping offsets, which MySQL never writes) are errors. Views point into the
// document bytes and live as long as they do. Nothing here allocates except `out`.
#ifndef BINSYNC_CORE_BINLOG_JSON_BINARY_H_
#define BINSYNC_CORE_BINLOG_JSON_BINARY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"

namespace binsync::binlog {

// MySQL refuses documents nested deeper than 100 (JSON_DOCUMENT_MAX_DEPTH).
inline constexpr int kMaxJsonNesting = 100;
// JSON text of a well-formed document is at most ~6x its size (strings of control
// characters); this bound only stops documents whose offsets overlap.
inline constexpr size_t kJsonTextExpansion = 16;

enum class JsonType : uint8_t {
  kObject,
  kArray,
  kNull,
  kTrue,
  kFalse,
  kInt,   // int16, int32, int64
  kUint,  // uint16, uint32, uint64
  kDouble,
  kString,
  kOpaque,  // a MySQL value of another type (opaque_type, opaque_data)
};

// One value inside a document. Cheap to copy; views the document.
class JsonValue {
 public:
  // The value a whole document (a JSON column value) holds.
  [[nodiscard]] static absl::Status ParseDocument(ByteView doc, JsonValue* out);

  [[nodiscard]] JsonType type() const { return type_; }
  [[nodiscard]] bool is_container() const {
    return type_ == JsonType::kObject || type_ == JsonType::kArray;
  }

  // Containers: number of members / elements.
  [[nodiscard]] uint32_t count() const { return count_; }
  // Object member i's key (0 <= i < count()).
  [[nodiscard]] absl::Status Key(uint32_t i, std::string_view* key) const;
  // Member or element i's value (0 <= i < count()).
  [[nodiscard]] absl::Status Element(uint32_t i, JsonValue* out) const;

  // Scalars.
  [[nodiscard]] int64_t int_value() const { return int_; }
  [[nodiscard]] uint64_t uint_value() const { return uint_; }
  [[nodiscard]] double double_value() const { return double_; }
  [[nodiscard]] std::string_view string_value() const { return AsChars(data_); }
  [[nodiscard]] uint8_t opaque_type() const { return opaque_type_; }
  [[nodiscard]] ByteView opaque_data() const { return data_; }

 private:
  // `type` is a type byte; `data` runs from the value's first byte to the end of the
  // enclosing container (or document).
  static absl::Status Parse(uint8_t type, ByteView data, JsonValue* out);

  JsonType type_ = JsonType::kNull;
  bool large_ = false;
  uint32_t count_ = 0;
  int64_t int_ = 0;
  uint64_t uint_ = 0;
  double double_ = 0;
  uint8_t opaque_type_ = 0;
  ByteView data_;  // container: from `count` to its size; string/opaque: the bytes
};

// Appends the JSON text of a scalar `value` (not an object or array).
[[nodiscard]] absl::Status AppendJsonScalar(const JsonValue& value, std::string* out);

// Appends the JSON text of the document `doc` (a JSON column value).
[[nodiscard]] absl::Status AppendJsonDocument(ByteView doc, std::string* out);

// Appends `s` as a quoted JSON string (escaping quotes, backslashes, control characters).
void AppendJsonString(std::string_view s, std::string* out);


}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_JSON_BINARY_H_
