// The exact encoding of a row's key, shared by verify (chunk diffs, narrowing, repair) and
// replicate's catchup compaction: one encoding for "the same row".
//
//   key  := part*
//   part := tag:u8 (0 = NULL, 1 = value) [length:u32 little-endian  bytes[length]]   (value only)
//
// Exact: no case or trailing-space folding. Writeset keys fold on purpose (a unique index may
// treat 'a' and 'A ' as equal, core/replicate/writeset.h); a row key must not. Two keys are equal
// exactly when their encodings are equal, and byte order of encodings is a total order that
// two sorted lists can be merged by, not the index's order.
#ifndef BINSYNC_CORE_SCHEMA_ROW_KEY_H_
#define BINSYNC_CORE_SCHEMA_ROW_KEY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace binsync::schema {

// Appends one part (nullopt = SQL NULL) to `key`.
void AppendKeyPart(std::string* key, std::optional<std::string_view> part);

// The parts of `key`, in order. False (and `parts` unspecified) when `key` is not a whole
// encoding: a bad tag or a length past its end.
[[nodiscard]] bool DecodeRowKey(std::string_view key,
                                std::vector<std::optional<std::string>>* parts);

}  // namespace binsync::schema

#endif  // BINSYNC_CORE_SCHEMA_ROW_KEY_H_
