// Catchup compaction: a group of source transactions reduced to the net effect per row
// key, flushed as multi-row deletes and upserts. Pure: the applier (net/replicate/)
// runs the flush plan.
//
// Which tables: catchup mode, no per-row conflict check (resync), and a table whose only
// unique key is its primary key, in no foreign key and with no prefix unique key. Then
// only the last change of each row matters and rows do not constrain each other, so
// "these keys deleted, these rows as in their last after image" is the whole effect, and
// idempotent as catchup promises.
//
// Staging, per row change (PlanStaging):
//   insert            upsert the after image
//   delete            delete the before image's key
//   update, same key  upsert the after image
//   update, new key   delete the before image's key, then upsert the after image
//   anything else (a key part missing: minimal image; NULL) is not staged: the caller
//   flushes what is staged and applies the change alone, so order across it is kept.
// A staged key staged again is replaced by the later change (upsert or delete wins as
// the later one). A different key whose (case-folded) hash equals a staged one is not
// merged: Stage answers kFlushFirst, the caller flushes and stages again, so two keys a
// case-insensitive index may treat as one keep their order.
//
// Flushing (PlanFlush): per table in first-staged order, that table's deletes, then its
// upserts; each key appears once, so the two never touch the same row. The caller runs
// each batch in runs of 64, 8 and 1 rows (NextRun).
//
// Memory: images are copied into a pool whose capacity is reused; after warm-up staging
// and planning allocate nothing per row. Values of staged images view the transaction's
// event buffer: flush before that buffer goes away.
#ifndef BINSYNC_CORE_REPLICATE_COMPACTION_H_
#define BINSYNC_CORE_REPLICATE_COMPACTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/binlog/rows_event.h"
#include "core/replicate/row_plan.h"
#include "core/schema/table_info.h"

namespace binsync::replicate {

// True when `image` carries every column of the table (not a minimal image).
[[nodiscard]] bool IsFullImage(const schema::TableInfo& info, const binlog::RowImage& image);

// Whether rows of `info` are compacted (see the file comment). `catchup`: catchup mode;
// `checked`: every change is checked against the target's row (resync's --on-conflict).
[[nodiscard]] bool Compactable(bool catchup, bool checked, const schema::TableInfo& info);

// The staged form of one row change (see the file comment); each hash is RowKeyHash.
struct StagedChange {
  bool delete_before = false;
  uint64_t before_hash = 0;
  bool upsert_after = false;
  uint64_t after_hash = 0;
};
[[nodiscard]] std::optional<StagedChange> PlanStaging(const schema::TableInfo& info,
                                                      binlog::RowsKind kind,
                                                      const binlog::RowImage* before,
                                                      const binlog::RowImage* after);

// Appends the exact key of `image` (the table's primary key) to `out`: one
// schema::AppendKeyPart per key column holding every field that tells two values apart
// (kind, number, bits of a double, temporal parts, bytes, ...). No folding: 'a' and 'A'
// differ. `scratch` is reused storage.
void AppendExactRowKey(const schema::TableInfo& info, const binlog::RowImage& image,
                       std::string* scratch, std::string* out);

// The largest run size (64, 8, 1) not above `remaining`; 0 when nothing remains.
[[nodiscard]] uint32_t NextRun(size_t remaining);

// One statement batch of a flush: `rows` of `table`, all with `op` (kDeleteRowsByPrimaryKey
// or kUpsertRows).
struct FlushBatch {
  const schema::TableInfo* table = nullptr;
  RowOp op = RowOp::kUpsertRows;
  std::span<const binlog::RowImage* const> rows;
};

class RowCompaction {
 public:
  // Past this many staged rows the caller flushes (bounds memory and statement size).
  static constexpr size_t kMaxStagedRows = 20000;

  enum class StageResult {
    kAdded,       // a new key
    kMerged,      // the key was staged: the later change replaced it
    kFlushFirst,  // another key with the same hash is staged: flush, Clear, Stage again
  };
  [[nodiscard]] StageResult Stage(const std::shared_ptr<const schema::TableInfo>& info,
                                  bool upsert, const binlog::RowImage& image,
                                  uint64_t key_hash);

  [[nodiscard]] bool empty() const { return pending_.empty(); }
  [[nodiscard]] size_t size() const { return pending_.size(); }
  [[nodiscard]] bool full() const { return pending_.size() >= kMaxStagedRows; }

  // The batches to run, in order, without empty ones. Valid until the next Stage, Clear or
  // PlanFlush.
  [[nodiscard]] std::span<const FlushBatch> PlanFlush();
  // Drops everything staged (after a flush, or with a rolled-back attempt).
  void Clear();

 private:
  struct PendingRow {
    std::shared_ptr<const schema::TableInfo> info;
    bool upsert = false;
    uint32_t image = 0;  // index into pool_
  };
  std::vector<PendingRow> pending_;
  std::vector<binlog::RowImage> pool_;  // images of pending rows; capacity reused
  std::unordered_map<uint64_t, uint32_t> index_;  // key hash -> pending_
  std::string key_, staged_key_, scratch_;
  // PlanFlush's storage, reused.
  std::vector<const schema::TableInfo*> tables_;
  std::vector<const binlog::RowImage*> ordered_;
  std::vector<FlushBatch> batches_;
};

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_COMPACTION_H_
