// The SQL text verify runs, built from the table model (a schema::TableInfo as
// core/verify/compared_table.h gives it: compared columns, verify's key as RowKey()). Pure:
// strings in, strings out; the statements take bound values (`?`), never literals, but
// for the repair script's.
#ifndef BINSYNC_CORE_VERIFY_SQL_H_
#define BINSYNC_CORE_VERIFY_SQL_H_

#include <string>
#include <vector>

#include "core/schema/table_info.h"

namespace binsync {

// The statements verify runs. `lower`/`upper` say whether the range has that bound;
// a range is (lower, upper] in key order, each bound one `?` per key column.
// kMariaDbOnePass: the same hash as kMariaDb with the row image built once (held in a user
// variable between the two CRCs); used after a per-connection check that the server
// evaluates the assignment first.
enum class HashFunctions { kMariaDb, kMariaDbOnePass, kMySql };

struct VerifySql {
  static std::string RowHash(const schema::TableInfo& t, HashFunctions f);  // a BIGINT UNSIGNED expr
  static std::string RangeWhere(const schema::TableInfo& t, bool lower, bool upper);
  // SELECT COUNT(*), BIT_XOR(hash) ... : one row, (count, xor-of-64-bit-row-hashes).
  static std::string ChunkChecksum(const schema::TableInfo& t, HashFunctions f, bool lower, bool upper);
  // The key of the row `offset` rows past `lower` (the next chunk boundary); takes the
  // lower bound values then the offset.
  static std::string NextBoundary(const schema::TableInfo& t, bool lower);
  // Key columns and the row hash of every row in the range.
  static std::string RowHashes(const schema::TableInfo& t, HashFunctions f, bool lower, bool upper);
  // Single integer key k: per bucket k DIV ? of the range (no subtraction: it could
  // overflow BIGINT), (bucket, COUNT(*), BIT_XOR(bucket hash)); takes the width (>= 2), then
  // the range bounds. One scan, few rows out. The bucket hash is CRC32 of the row image
  // times an odd factor from the key (any server with CRC32: MariaDB and MySQL alike);
  // the key column is left out of the image unless `key_in_image` (required when a
  // bucket is wider than 2^31 keys, where the factor repeats).
  static std::string BucketSums(const schema::TableInfo& t, bool lower, bool upper, bool key_in_image);
  // Every column (as SelectValue) of the range's rows inside `spans` single-integer-key
  // intervals (k BETWEEN ? AND ?, OR'ed); takes the range bounds, then a low and high per
  // span.
  static std::string RowsIn(const schema::TableInfo& t, bool lower, bool upper, size_t spans);
  // Every column of the rows whose single-column key is one of `n` values.
  static std::string RowsByKeys(const schema::TableInfo& t, size_t n);
  // Every column of the row with the given key.
  static std::string RowByKey(const schema::TableInfo& t);
  // Whole-table checksum for tables without a usable key.
  static std::string TableChecksum(const schema::TableInfo& t, HashFunctions f);
  // Repair statements: upsert of a full row (INSERT ... ON DUPLICATE KEY UPDATE, so
  // no delete cascades through foreign keys), and delete by key. `values`: one SQL
  // literal per column (per key column for the delete), for a script; empty: `?`
  // placeholders, for a prepared statement.
  static std::string Upsert(const schema::TableInfo& t, const std::vector<std::string>& values = {});
  static std::string DeleteByKey(const schema::TableInfo& t,
                                 const std::vector<std::string>& values = {});
  // The select-list expression for column c when fetching values for repair: exact
  // text for every type (FLOAT/DOUBLE widened so no digits are lost).
  static std::string SelectValue(const schema::TableInfo& t, size_t c);
};

}  // namespace binsync

#endif  // BINSYNC_CORE_VERIFY_SQL_H_
