#include "verify/sql.h"

#include "util/strings.h"

namespace binsync {
namespace {

std::string KeyList(const TableSchema& t) {
  std::string out;
  for (size_t i = 0; i < t.key.size(); ++i) {
    if (i > 0) out += ", ";
    out += QuoteIdentifier(t.columns[t.key[i]].name);
  }
  return out;
}

// (k1, k2, k3) > (?, ?, ?) expanded so the range optimizer uses the index:
// k1 > ? OR (k1 = ? AND k2 > ?) OR (k1 = ? AND k2 = ? AND k3 > ?). Placeholders are
// numbered per key column: the caller binds each bound's values once per use, see
// BoundParamsOrder() in the runner.
std::string Compare(const TableSchema& t, const char* op_last) {
  std::string out = "(";
  for (size_t i = 0; i < t.key.size(); ++i) {
    if (i > 0) out += " OR ";
    out += "(";
    for (size_t j = 0; j <= i; ++j) {
      if (j > 0) out += " AND ";
      const bool last = j == i;
      const char* op = last ? op_last : "=";
      if (last && i + 1 < t.key.size() && std::string_view(op_last) == "<=") op = "<";
      out += StrCat(QuoteIdentifier(t.columns[t.key[j]].name), " ", op, " ?");
    }
    out += ")";
  }
  out += ")";
  return out;
}

// Byte-exact row image: every column (but `skip`, if set) as the server renders it,
// NUL-separated, and a NULL bitmap so NULL differs from ''. CONCAT_WS skips NULLs; the
// bitmap restores them.
std::string RowImage(const TableSchema& t, const ColumnInfo* skip = nullptr) {
  std::string cols;
  std::string nulls;
  for (const ColumnInfo& c : t.columns) {
    if (&c == skip) continue;
    if (!cols.empty()) cols += ", ";
    cols += c.IsFloat() ? StrCat("CAST(", QuoteIdentifier(c.name), " AS DOUBLE)") : QuoteIdentifier(c.name);
    if (c.nullable) {
      if (!nulls.empty()) nulls += ", ";
      nulls += StrCat("ISNULL(", QuoteIdentifier(c.name), ")");
    }
  }
  std::string image = StrCat("CONCAT_WS(CHAR(0), ", cols);
  if (!nulls.empty()) image += StrCat(", CONCAT(", nulls, ")");
  image += ")";
  return image;
}

}  // namespace

std::string VerifySql::RowHash(const TableSchema& t, HashFunctions f) {
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

std::string VerifySql::RangeWhere(const TableSchema& t, bool lower, bool upper) {
  std::string out;
  if (lower) out += Compare(t, ">");
  if (upper) {
    if (!out.empty()) out += " AND ";
    out += Compare(t, "<=");
  }
  return out.empty() ? "1" : out;
}

std::string VerifySql::ChunkChecksum(const TableSchema& t, HashFunctions f, bool lower,
                                     bool upper) {
  return StrCat("SELECT COUNT(*), COALESCE(BIT_XOR(", RowHash(t, f), "), 0) FROM ",
                t.QuotedName(), " FORCE INDEX (", QuoteIdentifier(t.key_name), ") WHERE ",
                RangeWhere(t, lower, upper));
}

std::string VerifySql::NextBoundary(const TableSchema& t, bool lower) {
  return StrCat("SELECT ", KeyList(t), " FROM ", t.QuotedName(), " FORCE INDEX (",
                QuoteIdentifier(t.key_name), ") WHERE ", RangeWhere(t, lower, false), " ORDER BY ",
                KeyList(t), " LIMIT 1 OFFSET ?");
}

std::string VerifySql::RowHashes(const TableSchema& t, HashFunctions f, bool lower, bool upper) {
  return StrCat("SELECT ", KeyList(t), ", ", RowHash(t, f), " FROM ", t.QuotedName(),
                " FORCE INDEX (", QuoteIdentifier(t.key_name), ") WHERE ", RangeWhere(t, lower, upper));
}

std::string VerifySql::BucketSums(const TableSchema& t, bool lower, bool upper, bool key_in_image) {
  const ColumnInfo& key = t.columns[t.key[0]];
  const std::string k = QuoteIdentifier(key.name);
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
  const bool narrow_key = key.data_type != "bigint";
  const std::string factor =
      narrow_key ? StrCat("(", k, key.IsUnsigned() ? " + 1)" : " + 2147483649)")
                 : StrCat("(((", k, " & 2147483647) << 1) | 1)");
  const bool with_key = (key_in_image && !narrow_key) || t.columns.size() == 1;
  const std::string hash =
      StrCat("(CRC32(", RowImage(t, with_key ? nullptr : &key), ") * ", factor, ")");
  return StrCat("SELECT ", k, " DIV ?, COUNT(*), BIT_XOR(", hash, ") FROM ",
                t.QuotedName(), " FORCE INDEX (", QuoteIdentifier(t.key_name), ") WHERE ",
                RangeWhere(t, lower, upper), " GROUP BY 1 ORDER BY NULL");
}

std::string VerifySql::RowsIn(const TableSchema& t, bool lower, bool upper, size_t spans) {
  const std::string k = QuoteIdentifier(t.columns[t.key[0]].name);
  std::string cols;
  for (const ColumnInfo& c : t.columns) StrAppend(&cols, cols.empty() ? "" : ", ", SelectValue(c));
  std::string in;
  for (size_t i = 0; i < spans; ++i) StrAppend(&in, i == 0 ? "" : " OR ", k, " BETWEEN ? AND ?");
  return StrCat("SELECT ", cols, " FROM ", t.QuotedName(), " FORCE INDEX (",
                QuoteIdentifier(t.key_name), ") WHERE ", RangeWhere(t, lower, upper), " AND (", in,
                ")");
}

std::string VerifySql::RowsByKeys(const TableSchema& t, size_t n) {
  std::string cols;
  for (const ColumnInfo& c : t.columns) StrAppend(&cols, cols.empty() ? "" : ", ", SelectValue(c));
  std::string marks;
  for (size_t i = 0; i < n; ++i) marks += i == 0 ? "?" : ", ?";
  return StrCat("SELECT ", cols, " FROM ", t.QuotedName(), " WHERE ",
                QuoteIdentifier(t.columns[t.key[0]].name), " IN (", marks, ")");
}

std::string VerifySql::SelectValue(const ColumnInfo& c) {
  if (c.IsFloat()) return StrCat("CAST(", QuoteIdentifier(c.name), " AS DOUBLE)");
  return QuoteIdentifier(c.name);
}

std::string VerifySql::RowByKey(const TableSchema& t) {
  std::string cols;
  for (const ColumnInfo& c : t.columns) {
    if (!cols.empty()) cols += ", ";
    cols += SelectValue(c);
  }
  std::string where;
  for (size_t k : t.key) {
    if (!where.empty()) where += " AND ";
    where += StrCat(QuoteIdentifier(t.columns[k].name), " = ?");
  }
  return StrCat("SELECT ", cols, " FROM ", t.QuotedName(), " WHERE ", where);
}

std::string VerifySql::TableChecksum(const TableSchema& t, HashFunctions f) {
  return StrCat("SELECT COUNT(*), COALESCE(BIT_XOR(", RowHash(t, f), "), 0), COALESCE(SUM(",
                RowHash(t, f), " & 0xffffffff), 0) FROM ", t.QuotedName());
}

std::string VerifySql::Upsert(const TableSchema& t, const std::vector<std::string>& values) {
  std::string cols;
  std::string marks;
  std::string updates;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const std::string q = QuoteIdentifier(t.columns[i].name);
    if (i > 0) {
      cols += ", ";
      marks += ", ";
      updates += ", ";
    }
    cols += q;
    marks += values.empty() ? "?" : values[i];
    StrAppend(&updates, q, " = VALUES(", q, ")");
  }
  return StrCat("INSERT INTO ", t.QuotedName(), " (", cols, ") VALUES (", marks,
                ") ON DUPLICATE KEY UPDATE ", updates);
}

std::string VerifySql::DeleteByKey(const TableSchema& t, const std::vector<std::string>& values) {
  std::string where;
  for (size_t i = 0; i < t.key.size(); ++i) {
    if (i > 0) where += " AND ";
    StrAppend(&where, QuoteIdentifier(t.columns[t.key[i]].name), " = ",
              values.empty() ? std::string_view("?") : std::string_view(values[i]));
  }
  return StrCat("DELETE FROM ", t.QuotedName(), " WHERE ", where);
}

}  // namespace binsync
