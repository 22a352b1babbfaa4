// What verify found, and its two renderings (the JSON contract of issue 5 and the
// pt-table-checksum-like table).
#ifndef BINSYNC_CORE_VERIFY_REPORT_H_
#define BINSYNC_CORE_VERIFY_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/schema/table_info.h"

namespace binsync {

enum class DiffKind { kOnlyOnA, kOnlyOnB, kDifferent };
[[nodiscard]] const char* DiffKindName(DiffKind k);

struct RowDiff {
  std::vector<std::string> key;  // key values as text, in key column order
  DiffKind kind = DiffKind::kDifferent;
  std::vector<std::string> columns;  // kDifferent: the columns that differ
  // A's row (kOnlyOnA, kDifferent), values as text, for repair.
  std::vector<std::optional<std::string>> a_row;
  std::vector<std::optional<std::string>> b_row;  // B's row (kOnlyOnB, kDifferent)
};

struct TableResult {
  std::string table;  // db.table
  // A's (B's when the table is only on B), as verify compares it (core/verify/compared_table.h).
  schema::TableInfo schema;
  uint64_t rows_a = 0;
  uint64_t rows_b = 0;
  uint64_t chunks = 0;
  uint64_t diff_chunks = 0;
  std::vector<RowDiff> diffs;
  // Rows that differed while replication had not applied what could change them, and that
  // verify could not settle within its budget (core/verify/settle.h): neither reported as
  // differences nor repaired. Their images are the last read's.
  std::vector<RowDiff> unsettled;
  // A difference that is not about rows: "missing on B", "column k is int on A, ...",
  // "no primary or unique key: compared whole, rows not narrowed".
  std::string problem;
  bool differs_unnarrowed = false;  // keyless table whose checksum differs
  bool truncated = false;  // more rows differ than listed (--max-diffs); `problem` says so
  double seconds = 0;

  // Settled differences or a problem: what exit code 1 stands for.
  [[nodiscard]] bool differs() const {
    return !diffs.empty() || !problem.empty() || differs_unnarrowed;
  }
  [[nodiscard]] bool consistent() const { return !differs() && unsettled.empty(); }
};

struct VerifyReport {
  std::vector<TableResult> tables;
  // One line per channel of the pair stopped by an SQL error (core/verify/settle.h's
  // BrokenPairLine): the rows it lacks are unsettled, `binsync resync` mends the pair.
  std::vector<std::string> broken;
  // Nothing differs and nothing is unsettled.
  [[nodiscard]] bool consistent() const;
  // Some table has settled differences or a problem.
  [[nodiscard]] bool differs() const;
  [[nodiscard]] size_t unsettled() const;
};

// verify's exit code: 1 when something differs (whatever else), else 3 when rows are
// unsettled, else 0.
[[nodiscard]] int VerifyExitCode(const VerifyReport& report);

[[nodiscard]] std::string ReportJson(const VerifyReport& report);
[[nodiscard]] std::string ReportTable(const VerifyReport& report);

}  // namespace binsync

#endif  // BINSYNC_CORE_VERIFY_REPORT_H_
