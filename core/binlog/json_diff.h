// MySQL JSON partial updates (PARTIAL_UPDATE_ROWS, binlog_row_value_options=PARTIAL_JSON):
// the diff list a JSON column of a partial after image holds, its text form, and applying
// it to the before image's document.
//
// Diff list (the cell payload; the column's 4-byte length prefix is its length):
//   diff        := operation<1> path-length (packed int) path [value-length (packed int)
//                  value]; the value (a binary JSON document, json_binary.h) is absent for
//                  REMOVE
//   operation   := 0 REPLACE | 1 INSERT | 2 REMOVE
//   path        := a MySQL JSON path without wildcards: "$" then legs ".key", ."quoted
//                  key"" (JSON string escapes), "[n]", "[last]", "[last-n]"
// Semantics (MySQL json_diff.cc, apply_json_diff): REPLACE replaces the value at the path,
// which must exist; INSERT adds a member (the key must not exist; it goes to its sorted
// place, shorter keys first, as MySQL keeps objects) or inserts an array element before
// position n (n clamped to the array size); REMOVE deletes the member or element. A path
// must have at least one leg.
//
// Applying builds the document as a tree (this allocates, per partial update) and writes
// it as JSON text: a partial update's full after value is JSON text, not binary JSON.
// Trees are bounded like json_binary.h's text (nesting, and size against the input).
#ifndef BINSYNC_CORE_BINLOG_JSON_DIFF_H_
#define BINSYNC_CORE_BINLOG_JSON_DIFF_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/binlog/byte_reader.h"

namespace binsync::binlog {

enum class JsonDiffOp : uint8_t { kReplace = 0, kInsert = 1, kRemove = 2 };

struct JsonDiff {
  JsonDiffOp op = JsonDiffOp::kReplace;
  std::string_view path;
  ByteView value;  // binary JSON document; empty for REMOVE
};

// Iterates the diffs of a diff list; views into it.
class JsonDiffReader {
 public:
  explicit JsonDiffReader(ByteView diffs) : reader_(diffs) {}
  // The next diff into `out`; false at the end of the list.
  [[nodiscard]] absl::StatusOr<bool> Next(JsonDiff* out);

 private:
  ByteReader reader_;
  size_t index_ = 0;
};

// Appends the text form of a diff list, for an after image whose before image lacks the
// column (binlog_row_image=MINIMAL): {"$json_diff":[{"op":"replace","path":"$.a",
// "value":1},{"op":"remove","path":"$.b"}]}.
[[nodiscard]] absl::Status AppendJsonDiffText(ByteView diffs, std::string* out);

// Applies `diffs` to the binary document `before` and appends the resulting document as
// JSON text (the form json_binary.h writes). Errors say which diff failed and why.
[[nodiscard]] absl::Status ApplyJsonDiffs(ByteView before, ByteView diffs, std::string* out);

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_JSON_DIFF_H_
