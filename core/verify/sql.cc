#include "core/verify/sql.h"

#include <optional>

#include "core/schema/column_types.h"
#include "core/util/strings.h"
#include "core/verify/compared_table.h"

namespace binsync {
namespace {

using schema::IsFloatColumn;
using schema::QuotedName;
using schema::TableInfo;

std::string KeyList(const TableInfo& t) {
  std::string out;
  for (size_t i = 0; i < KeyColumns(t).size(); ++i) {
    if (i > 0) out += ", ";
    out += QuoteIdentifier(t.columns[KeyColumns(t)[i]]);
  }
  return out;
}

// (k1, k2, k3) > (?, ?, ?) expanded so the range optimizer uses the index:
// k1 > ? OR (k1 = ? AND k2 > ?) OR (k1 = ? AND k2 = ? AND k3 > ?). Placeholders are
// numbered per key column: the caller binds each bound's values once per use, see
// BoundParamsOrder() in the runner.
std::string Compare(const TableInfo& t, const char* op_last) {
  std::string out = "(";
  for (size_t i = 0; i < KeyColumns(t).size(); ++i) {
    if (i > 0) out += " OR ";
    out += "(";
    for (size_t j = 0; j <= i; ++j) {
      if (j > 0) out += " AND ";
      const bool last = j == i;
      const char* op = last ? op_last : "=";
      if (last && i + 1 < KeyColumns(t).size() && std::string_view(op_last) == "<=") op = "<";
      out += StrCat(QuoteIdentifier(t.columns[KeyColumns(t)[j]]), " ", op, " ?");
    }
    out += ")";
  }
  out += ")";
  return out;
}

// Byte-exact row image: every column (but `skip`, if set) as the server renders it,
// NUL-separated, and a NULL bitmap so NULL differs from ''. CONCAT_WS skips NULLs; the
// bitmap restores them.
std::string RowImage(const TableInfo& t, std::optional<size_t> skip = std::nullopt) {
  std::string cols;
  std::string nulls;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (c == skip) continue;
    if (!cols.empty()) cols += ", ";
    cols += VerifySql::SelectValue(t, c);
    if (schema::IsNullableColumn(t, c)) {
      if (!nulls.empty()) nulls += ", ";
      nulls += StrCat("ISNULL(", QuoteIdentifier(t.columns[c]), ")");
    }
  }
  std::string image = StrCat("CONCAT_WS(CHAR(0), ", cols);
  if (!nulls.empty()) image += StrCat(", CONCAT(", nulls, ")");
  image += ")";
  return image;
}

}  // namespace

std::string VerifySql::RowHash(const TableInfo& t, HashFunctions f) {
  const std::string image = RowImage(t);
  // Measured on 250k sysbench rows (docs/verify.md): CRC32 x CRC32C 0.16-0.22 s,
  // (CRC32 << 32 | CRC32C) 0.16-0.18 s, SHA1 0.26-0.40 s, MD5 0.64 s. CRCs alone are
  // linear over GF(2): two rows changed by the same bit delta cancel in a XOR
  // aggregate (k+1 on two even values did, in testing). Their product is not linear,
  // costs no more, and spans 64 bits. MySQL has no CRC32C: 64 bits of SHA1 there.
  // One pass (measured on 250k sysbench rows: 0.127 s against 0.156 s) keeps the image
  // in a user variable between the two CRCs instead of building it twice.
  if (f == HashFunctions::kMariaDbOnePass) {
    return StrCat("(CRC32(@binsync_row := ", image, ") * CRC32C(@binsync_row))");
  }
  if (f == HashFunctions::kMariaDb) return StrCat("(CRC32(", image, ") * CRC32C(", image, "))");
  return StrCat("CAST(CONV(LEFT(SHA1(", image, "), 16), 16, 10) AS UNSIGNED)");
}

std::string VerifySql::RangeWhere(const TableInfo& t, bool lower, bool upper) {
  std::string out;
  if (lower) out += Compare(t, ">");
  if (upper) {
    if (!out.empty()) out += " AND ";
    out += Compare(t, "<=");
  }
  return out.empty() ? "1" : out;
}

std::string VerifySql::ChunkChecksum(const TableInfo& t, HashFunctions f, bool lower,
                                     bool upper) {
  return StrCat("SELECT COUNT(*), COALESCE(BIT_XOR(", RowHash(t, f), "), 0) FROM ",
                QuotedName(t), " FORCE INDEX (", QuoteIdentifier(KeyName(t)), ") WHERE ",
                RangeWhere(t, lower, upper));
}

std::string VerifySql::NextBoundary(const TableInfo& t, bool lower) {
  return StrCat("SELECT ", KeyList(t), " FROM ", QuotedName(t), " FORCE INDEX (",
                QuoteIdentifier(KeyName(t)), ") WHERE ", RangeWhere(t, lower, false), " ORDER BY ",
                KeyList(t), " LIMIT 1 OFFSET ?");
}

std::string VerifySql::RowHashes(const TableInfo& t, HashFunctions f, bool lower, bool upper) {
  return StrCat("SELECT ", KeyList(t), ", ", RowHash(t, f), " FROM ", QuotedName(t),
                " FORCE INDEX (", QuoteIdentifier(KeyName(t)), ") WHERE ", RangeWhere(t, lower, upper));
}

std::string VerifySql::BucketSums(const TableInfo& t, bool lower, bool upper, bool key_in_image) {
  const size_t key = KeyColumns(t)[0];
  const std::string k = QuoteIdentifier(t.columns[key]);
  // A bucket only has to say "differs": the rows of a differing bucket are then compared
  // one by one. So one CRC32 of the image (no second CRC, no user variable: 0.131 s per
  // 250k sysbench rows against 0.160 s, docs/verify.md), times a non-zero factor from
  // the key: the product of two 32-bit values fits BIGINT UNSIGNED and is exact; two rows
  // changed by the same bit delta no longer cancel in the XOR as bare CRCs do; and the
  // factor differs for every key of a bucket, so the key column need not be in the image
  // (a row moved to another key of its bucket changes the factor). Keys of 32 bits or
  // less: k + 2^31 + 1 (signed) or k + 1 (unsigned), one operation, every key its own
  // factor. BIGINT: ((k mod 2^31) << 1) | 1, distinct within buckets up to 2^31 keys
  // wide; wider ones keep the key in the image. A changed row goes unseen only if its new
  // image has the same CRC32 (2^-32 for a random change, never for a change within 32
  // contiguous bits of an image of the same length).
  const bool narrow_key = t.column_types[key] != "bigint";
  const std::string factor =
      narrow_key ? StrCat("(", k, schema::IsUnsignedColumn(t, key) ? " + 1)" : " + 2147483649)")
                 : StrCat("(((", k, " & 2147483647) << 1) | 1)");
  const bool with_key = (key_in_image && !narrow_key) || t.columns.size() == 1;
  const std::string hash =
      StrCat("(CRC32(", RowImage(t, with_key ? std::nullopt : std::optional<size_t>(key)), ") * ", factor, ")");
  return StrCat("SELECT ", k, " DIV ?, COUNT(*), BIT_XOR(", hash, ") FROM ",
                QuotedName(t), " FORCE INDEX (", QuoteIdentifier(KeyName(t)), ") WHERE ",
                RangeWhere(t, lower, upper), " GROUP BY 1 ORDER BY NULL");
}

std::string VerifySql::RowsIn(const TableInfo& t, bool lower, bool upper, size_t spans) {
  const std::string k = QuoteIdentifier(t.columns[KeyColumns(t)[0]]);
  std::string cols;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    StrAppend(&cols, cols.empty() ? "" : ", ", SelectValue(t, c));
  }
  std::string in;
  for (size_t i = 0; i < spans; ++i) StrAppend(&in, i == 0 ? "" : " OR ", k, " BETWEEN ? AND ?");
  return StrCat("SELECT ", cols, " FROM ", QuotedName(t), " FORCE INDEX (",
                QuoteIdentifier(KeyName(t)), ") WHERE ", RangeWhere(t, lower, upper), " AND (", in,
                ")");
}

std::string VerifySql::RowsByKeys(const TableInfo& t, size_t n) {
  std::string cols;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    StrAppend(&cols, cols.empty() ? "" : ", ", SelectValue(t, c));
  }
  std::string marks;
  for (size_t i = 0; i < n; ++i) marks += i == 0 ? "?" : ", ?";
  return StrCat("SELECT ", cols, " FROM ", QuotedName(t), " WHERE ",
                QuoteIdentifier(t.columns[KeyColumns(t)[0]]), " IN (", marks, ")");
}

std::string VerifySql::SelectValue(const TableInfo& t, size_t c) {
  if (IsFloatColumn(t, c)) return StrCat("CAST(", QuoteIdentifier(t.columns[c]), " AS DOUBLE)");
  return QuoteIdentifier(t.columns[c]);
}

std::string VerifySql::RowByKey(const TableInfo& t) {
  std::string cols;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (!cols.empty()) cols += ", ";
    cols += SelectValue(t, c);
  }
  std::string where;
  for (uint32_t k : KeyColumns(t)) {
    if (!where.empty()) where += " AND ";
    where += StrCat(QuoteIdentifier(t.columns[k]), " = ?");
  }
  return StrCat("SELECT ", cols, " FROM ", QuotedName(t), " WHERE ", where);
}

std::string VerifySql::TableChecksum(const TableInfo& t, HashFunctions f) {
  return StrCat("SELECT COUNT(*), COALESCE(BIT_XOR(", RowHash(t, f), "), 0), COALESCE(SUM(",
                RowHash(t, f), " & 0xffffffff), 0) FROM ", QuotedName(t));
}

std::string VerifySql::Upsert(const TableInfo& t, const std::vector<std::string>& values) {
  std::string cols;
  std::string marks;
  std::string updates;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const std::string q = QuoteIdentifier(t.columns[i]);
    if (i > 0) {
      cols += ", ";
      marks += ", ";
      updates += ", ";
    }
    cols += q;
    marks += values.empty() ? "?" : values[i];
    StrAppend(&updates, q, " = VALUES(", q, ")");
  }
  return StrCat("INSERT INTO ", QuotedName(t), " (", cols, ") VALUES (", marks,
                ") ON DUPLICATE KEY UPDATE ", updates);
}

std::string VerifySql::DeleteByKey(const TableInfo& t, const std::vector<std::string>& values) {
  std::string where;
  for (size_t i = 0; i < KeyColumns(t).size(); ++i) {
    if (i > 0) where += " AND ";
    StrAppend(&where, QuoteIdentifier(t.columns[KeyColumns(t)[i]]), " = ",
              values.empty() ? std::string_view("?") : std::string_view(values[i]));
  }
  return StrCat("DELETE FROM ", QuotedName(t), " WHERE ", where);
}

}  // namespace binsync
