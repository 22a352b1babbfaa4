// Walks the row changes of a Transaction in source order: decodes its TABLE_MAPs and rows
// events, resolves each table with a schema::TableLookup, checks that the table has the columns the
// rows carry, and hands every row (before and/or after image) to the caller. Statements
// (QUERY, QUERY_COMPRESSED) are handed over in their place. One walker per thread: it
// reuses its table maps and row images, so steady-state walking allocates nothing per row.
//
// Used by the writeset pass (reader thread), the applier (workers) and resync's plan.
#ifndef BINSYNC_CORE_REPLICATE_ROW_WALKER_H_
#define BINSYNC_CORE_REPLICATE_ROW_WALKER_H_

#include <memory>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"
#include "core/schema/column_fit.h"
#include "core/schema/table_info.h"
#include "core/replicate/transaction.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "spdlog/spdlog.h"

namespace binsync::replicate {

// How rows of db.table, logged with `column_count` columns, fit the target: left out (the
// filter rejects the table, or `lookup` gives no schema::TableInfo), applied with `*info`, or the
// column counts differ. A lookup error (the table missing on the target) is returned.
enum class TableFit { kApply, kLeftOut, kColumnsDiffer };
[[nodiscard]] inline absl::StatusOr<TableFit> FitTable(std::string_view db, std::string_view table,
                                                       size_t column_count,
                                                       const schema::TableLookup& lookup,
                                                       const schema::TableFilter& filter,
                                                       std::shared_ptr<const schema::TableInfo>* info) {
  if (filter && !filter(db, table)) return TableFit::kLeftOut;
  absl::StatusOr<std::shared_ptr<const schema::TableInfo>> found = lookup(db, table);
  if (!found.ok()) return found.status();
  *info = *std::move(found);
  if (*info == nullptr) return TableFit::kLeftOut;
  return (*info)->columns.size() == column_count ? TableFit::kApply : TableFit::kColumnsDiffer;
}

// " (transaction 0-1-5 at mariadb-bin.000001:1234)": where an error of a row change of `t`,
// in the event at `offset`, happened; appended to messages that name a table or row.
[[nodiscard]] inline std::string InTransaction(const Transaction& t, uint64_t offset) {
  return StrCat(" (transaction ", t.Name(), " at ", t.file, ":", offset, ")");
}

class RowWalker {
 public:
  // Rows whose columns do not fit the table's (count, order or types) are left out
  // instead of being an error (resync's plan reads history the schema may have changed
  // since).
  void set_skip_mismatched_tables(bool skip) { skip_mismatched_ = skip; }
  // The source's schema (information_schema of the source server), for what the binlog
  // leaves out: signedness, charsets, labels, column names (see column_fit.h). Optional.
  void set_source_lookup(schema::TableLookup lookup) { source_lookup_ = std::move(lookup); }

  // Checks that the rows of `map` fit `info` without changing a value (column_fit.h) and
  // says once per table what could not be checked. The fit maps source columns to the
  // target's; errors name db.table.column.
  [[nodiscard]] absl::StatusOr<const schema::ColumnFit*> Fit(binlog::TableMap* map,
                                                     const std::shared_ptr<const schema::TableInfo>& info) {
    absl::StatusOr<const schema::ColumnFit*> fit = fitter_.Fit(map, info, source_lookup_);
    if (fit.ok() && !(*fit)->caveat.empty() && said_.size() < 10000 &&
        said_.insert(info->QualifiedName()).second) {
      spdlog::warn("{}", (*fit)->caveat);
    }
    return fit;
  }

  // on_row(const std::shared_ptr<const schema::TableInfo>&, binlog::RowsKind, const RowImage* before,
  //        const RowImage* after, const binlog::EventView& ev) -> absl::Status
  //   before is null for inserts, after for deletes.
  // on_statement(const binlog::EventView& ev) -> absl::Status, for QUERY events. (A
  //   statement's context events, INTVAR/RAND/USER_VAR, are not walked: transactions
  //   holding them are statement-based DML, refused before they are applied;
  //   statement_dml.h.)
  // Tables the filter rejects, and tables for which `lookup` returns a null schema::TableInfo, are
  // left out. A lookup error (the table missing on the target) stops the walk.
  template <typename OnRow, typename OnStatement>
  absl::Status Walk(const Transaction& t, const schema::TableLookup& lookup, const schema::TableFilter& filter,
                    OnRow&& on_row, OnStatement&& on_statement) {
    const binlog::FormatDescription& fd = *t.format;
    for (const EventRef& ref : t.events) {
      const auto type = static_cast<binlog::EventType>(ref.header.type);
      const bool query = type == binlog::EventType::kQuery ||
                         type == binlog::EventType::kMariaQueryCompressed;
      if (type != binlog::EventType::kTableMap && !query && !IsRowsEventCode(ref.header.type)) {
        continue;  // annotations, XID: nothing to walk
      }
      const binlog::EventView ev = t.View(ref);
      if (query) {
        RETURN_IF_ERROR(on_statement(ev));
        continue;
      }
      binlog::Event decoded;
      RETURN_IF_ERROR(binlog::DecodeEvent(ev, fd, t.file, &decoded));
      if (const auto* tm = std::get_if<binlog::TableMapEvent>(&decoded)) {
        if (absl::Status st = maps_.Update(*tm); !st.ok()) {
          return binlog::EventError(st, t.file, ev.offset, ev.header.type);
        }
        continue;
      }
      const auto* rows = std::get_if<binlog::RowsEvent>(&decoded);
      if (rows == nullptr) continue;
      binlog::TableMap* map = maps_.FindMutable(rows->table_id);
      if (map == nullptr) {
        return binlog::EventError(
            absl::DataLossError(StrCat("no TABLE_MAP for table id ", rows->table_id)), t.file,
            ev.offset, ev.header.type);
      }
      std::shared_ptr<const schema::TableInfo> info;
      const absl::StatusOr<TableFit> fit =
          FitTable(map->database(), map->table(), map->column_count(), lookup, filter, &info);
      if (!fit.ok()) {
        // The table is missing (or unreadable) on the target: said with where it stopped.
        return absl::Status(fit.status().code(),
                            StrCat(fit.status().message(), InTransaction(t, ev.offset)));
      }
      if (*fit == TableFit::kLeftOut) continue;
      if (*fit == TableFit::kColumnsDiffer) {
        if (skip_mismatched_) continue;
        return absl::FailedPreconditionError(
            StrCat(info->QualifiedName(), ": the source row has ", map->column_count(),
                   " columns but the target table has ", info->columns.size(),
                   " (transaction ", t.Name(), " at ", t.file, ":", ev.offset,
                   "); make the target's table match the source's, then restart"));
      }
      absl::StatusOr<const schema::ColumnFit*> cols = Fit(map, info);
      if (!cols.ok() && skip_mismatched_) continue;
      if (!cols.ok()) {
        return absl::Status(cols.status().code(),
                            StrCat(cols.status().message(), InTransaction(t, ev.offset)));
      }
      binlog::RowIterator it(*rows, *map);
      for (;;) {
        binlog::RowImage* before = rows->kind == binlog::RowsKind::kWrite ? nullptr : &before_;
        binlog::RowImage* after = rows->kind == binlog::RowsKind::kDelete ? nullptr : &after_;
        absl::StatusOr<bool> more = it.Next(before, after);
        if (!more.ok()) {
          return binlog::EventError(more.status(), t.file, ev.offset, ev.header.type);
        }
        if (!*more) break;
        if (!(*cols)->identity) {
          // Source column order -> the target's (matched by name).
          if (before != nullptr) Permute(**cols, before);
          if (after != nullptr) Permute(**cols, after);
        }
        RETURN_IF_ERROR(on_row(info, rows->kind, before, after, ev));
      }
    }
    return absl::OkStatus();
  }

 private:
  void Permute(const schema::ColumnFit& fit, binlog::RowImage* image) {
    scratch_.assign(image->values.begin(), image->values.end());
    for (size_t i = 0; i < scratch_.size() && i < fit.target_of.size(); ++i) {
      image->values[fit.target_of[i]] = scratch_[i];
    }
  }

  binlog::TableMapCache maps_;
  binlog::RowImage before_, after_;
  std::vector<binlog::Value> scratch_;  // Permute's copy, reused
  schema::ColumnFitter fitter_;
  schema::TableLookup source_lookup_;
  absl::flat_hash_set<std::string> said_;  // tables whose caveat was logged
  bool skip_mismatched_ = false;
};

// For walks that have no use for statements.
inline absl::Status IgnoreStatement(const binlog::EventView& /*ev*/) { return absl::OkStatus(); }

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_ROW_WALKER_H_
