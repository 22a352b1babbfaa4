// The writeset of a transaction: one 64-bit XXH3 hash per (db, table, unique key, key
// values) for the primary key and every unique key of every before and after image it
// contains. Two transactions that touch the same row, or that fight over the same unique
// value, share a hash; the scheduler keeps such transactions apart.
//
// Invariants (each conservative: a wrong guess only costs parallelism, never order):
//   - values are normalised before hashing so that values a unique index may consider
//     equal hash equal: strings compare case-insensitively (ASCII folded) and without
//     trailing spaces; a collision between different values only serialises more;
//   - a key with a NULL part is not hashed (NULLs never collide in a unique index); a row
//     none of whose unique keys is free of NULLs has no identity, and makes the
//     transaction a barrier;
//   - a key part missing from a (minimal) image, a table without any unique key, a table
//     in a foreign-key relation, and any statement (DDL or statement-based DML) make the
//     transaction a barrier: it runs alone.
#ifndef BINSYNC_CORE_REPLICATE_WRITESET_H_
#define BINSYNC_CORE_REPLICATE_WRITESET_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"
#include "core/replicate/row_walker.h"
#include "core/schema/table_info.h"
#include "core/replicate/transaction.h"

namespace binsync::replicate {

// Appends the normalised key form of `v` to `out` (see the invariants above).
void AppendKeyValue(const binlog::Value& v, std::string* out);

// The identity of one row: XXH3 of (db, table, row key values) for the table's row key
// (primary key, else first unique key; see schema::TableInfo::RowKey). False when the table has
// no key or a key part is missing from `image` or NULL.
[[nodiscard]] bool RowKeyHash(const schema::TableInfo& info, const binlog::RowImage& image,
                              uint64_t* hash);

// "(id=5, name='x')": the row key's values for messages (first 8 columns when keyless).
[[nodiscard]] std::string DescribeRowKey(const schema::TableInfo& info, const binlog::RowImage& image);

// The primary key values of `image` as text (integers as decimal digits, strings as their
// bytes), in key column order; false when the table has no primary key or a key part is
// of another type, missing or NULL.
[[nodiscard]] bool PrimaryKeyText(const schema::TableInfo& info, const binlog::RowImage& image,
                                  std::vector<std::string>* out);

class WritesetBuilder {
 public:
  // Fills t->keys, t->barrier and t->row_changes. Errors name the event's file:pos (a
  // missing target table is reported by `lookup`, naming db.table).
  [[nodiscard]] absl::Status Build(Transaction* t, const schema::TableLookup& lookup,
                                   const schema::TableFilter& filter);
  // The source's schema, for the column check (RowWalker::set_source_lookup).
  void set_source_lookup(schema::TableLookup lookup) { walker_.set_source_lookup(std::move(lookup)); }

 private:
  void HashImage(const schema::TableInfo& info, const binlog::RowImage& image, Transaction* t);

  RowWalker walker_;
  std::string buf_;
};

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_WRITESET_H_
