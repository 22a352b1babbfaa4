// Whether the rows of a source table can be written into the target's table without any
// value changing, and where each source column goes.
//
// The source's column i is described by its TABLE_MAP (type code and metadata: integer
// width, string byte length, DECIMAL precision/scale, fractional digits; signedness,
// charsets, names and ENUM/SET labels only with binlog_row_metadata=MINIMAL/FULL),
// completed from the source's own information_schema when the binlog leaves a fact out.
// The target's column is described by the target's information_schema.
//
// Rules (a value must come out of the target exactly as it went into the source):
//   - integers: the target's range contains the source's (TINYINT -> INT, INT UNSIGNED ->
//     BIGINT; never signed -> unsigned, never narrower);
//   - DECIMAL: at least as many integer digits and as many fraction digits;
//   - FLOAT -> FLOAT|DOUBLE, DOUBLE -> DOUBLE; BIT(n) -> BIT(>= n); YEAR -> YEAR;
//   - DATE, TIME, DATETIME, TIMESTAMP: the same kind with at least the source's fraction
//     digits;
//   - character strings: at least as many characters, in a charset that holds every
//     character of the source's (the same, utf8mb4 for anything, utf8mb3 for latin1 and
//     ascii); VARCHAR -> CHAR is refused (CHAR drops trailing spaces);
//   - binary strings: at least as many bytes; BINARY(n) only to BINARY(n) (the target
//     would pad with zero bytes); INET6/UUID/INET4 to the same type;
//   - ENUM/SET: the binlog carries indexes, so the source's labels must be the target's
//     first labels, in order (labels appended at the end are fine);
//   - JSON, GEOMETRY: the same kind (GEOMETRY subtypes: equal, or GEOMETRY on the target).
// Column order: with column names in the binlog (binlog_row_metadata=FULL) columns are
// matched by name (case-insensitive, as the server compares them), so a target with the
// same columns in another order is fine; without them, names come from the source's schema
// and a different order is refused (the binlog's positions could not be trusted to mean
// those names); with neither, columns are matched by position and the check says so.
#ifndef BINSYNC_CORE_SCHEMA_COLUMN_FIT_H_
#define BINSYNC_CORE_SCHEMA_COLUMN_FIT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/binlog/table_map.h"
#include "core/schema/table_info.h"

namespace binsync::schema {

// One column as far as lossless copying is concerned.
struct ColumnShape {
  enum class Kind : uint8_t {
    kUnknown, kInt, kDecimal, kFloat, kDouble, kBit, kYear, kDate, kTime, kDatetime,
    kTimestamp, kText, kBinary, kString /* text or binary: not known */, kEnum, kSet,
    kJson, kGeometry, kVector
  };
  Kind kind = Kind::kUnknown;
  uint8_t int_bytes = 0;        // kInt: 1, 2, 3, 4, 8
  bool is_unsigned = false;
  bool signedness_known = true;
  uint32_t precision = 0;       // kDecimal precision, kBit bits, kVector dimensions
  uint32_t scale = 0;           // kDecimal scale, temporal fraction digits
  bool fixed = false;           // CHAR / BINARY (padded)
  uint64_t max_bytes = 0;       // strings: longest value in bytes (0 = unknown)
  uint64_t max_chars = 0;       // character strings (0 = unknown)
  std::string charset;          // lower case, "" = unknown
  std::vector<std::string> labels;  // ENUM/SET
  bool labels_known = false;
  std::string special;          // inet6, uuid, inet4, geometry subtype ("point", ...)
  std::string type_text;        // for messages: "int(11) unsigned", "VARCHAR (80 bytes)"
};

// The shape of column `c` of a target (or source) table from its information_schema row.
[[nodiscard]] ColumnShape ShapeFromSchema(const TableInfo& info, size_t c);
// The shape of column `c` as the TABLE_MAP describes it.
[[nodiscard]] ColumnShape ShapeFromMap(const binlog::TableMap& map, size_t c);
// `from_map` completed with what the binlog left out (signedness, charset, text or
// binary, labels, INET6/UUID) from the source's schema, when that column is of the same
// kind there.
void CompleteFromSchema(const ColumnShape& from_schema, ColumnShape* from_map);

// Empty when every value of `source` is stored unchanged by `target`; else why not
// ("values would be truncated", ...).
[[nodiscard]] std::string WhyNotLossless(const ColumnShape& source, const ColumnShape& target);

// Maximum bytes per character of a charset (1 for unknown and binary).
[[nodiscard]] uint32_t MaxBytesPerChar(std::string_view charset);
// True when every character of `source` has a code in `target`.
[[nodiscard]] bool CharsetHolds(std::string_view target, std::string_view source);

struct ColumnFit {
  // target_of[i]: the target column that source column i goes to.
  std::vector<uint32_t> target_of;
  bool identity = true;
  // Same order and the very same column types on both sides (the source's schema known):
  // what the target's own row applier (BINLOG replay) needs to take the rows as they are.
  bool exact = false;
  // Facts the check could not establish (no names and no source schema), said once.
  std::string caveat;
};

// Checks a source table (its TABLE_MAP, and its schema when readable: may be null) against
// the target's. Errors name db.table.column and both types, or the column missing on the
// target, and say what to do. `map` must have the target's column count (FitTable checks).
[[nodiscard]] absl::StatusOr<ColumnFit> FitColumns(const binlog::TableMap& map,
                                                   const TableInfo* source,
                                                   const TableInfo& target);

// Caches FitColumns per table map and schema objects (one per walker: not thread-safe).
// When the binlog carries no signedness and the source's schema is known, sets the map's
// columns' signedness from it, so that values decode as the source stored them.
class ColumnFitter {
 public:
  [[nodiscard]] absl::StatusOr<const ColumnFit*> Fit(binlog::TableMap* map,
                                                     const std::shared_ptr<const TableInfo>& target,
                                                     const TableLookup& source_lookup);

 private:
  struct Entry {
    uint64_t map_version = 0;
    std::shared_ptr<const TableInfo> target, source;
    absl::StatusOr<ColumnFit> fit;
  };
  absl::flat_hash_map<const binlog::TableMap*, Entry> entries_;
};

}  // namespace binsync::schema

#endif  // BINSYNC_CORE_SCHEMA_COLUMN_FIT_H_
