#include "core/replicate/compaction.h"

#include <algorithm>
#include <cstring>

#include "core/replicate/writeset.h"
#include "core/schema/row_key.h"

namespace binsync::replicate {

using binlog::RowImage;
using binlog::RowsKind;
using binlog::Value;
using binlog::ValueKind;

namespace {

// Every field of `v` that tells it from another value of its kind. Integers, temporal
// values and NULL take the writeset's form, which is exact for them; the kinds the
// writeset folds or shortens are written whole here.
void AppendExactValue(const Value& v, std::string* out) {
  switch (v.kind) {
    case ValueKind::kFloat:
    case ValueKind::kDouble: {
      out->push_back(static_cast<char>(v.kind));
      char bits[sizeof(double)];  // the bits: -0.0 and 0.0 differ (only costs a flush)
      std::memcpy(bits, &v.double_value, sizeof bits);
      out->append(bits, sizeof bits);
      return;
    }
    case ValueKind::kDecimal:
    case ValueKind::kJson:
    case ValueKind::kString:
    case ValueKind::kGeometry:
    case ValueKind::kVector: {
      const char header[] = {static_cast<char>(v.kind), static_cast<char>(v.precision),
                             static_cast<char>(v.decimals), static_cast<char>(v.json_form)};
      out->append(header, sizeof header);
      out->append(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size());
      return;
    }
    default:
      AppendKeyValue(v, out);
  }
}

}  // namespace

bool IsFullImage(const schema::TableInfo& info, const RowImage& image) {
  for (size_t c = 0; c < info.columns.size(); ++c) {
    if (c >= image.values.size() || image.values[c].kind == ValueKind::kAbsent) return false;
  }
  return true;
}

bool Compactable(bool catchup, bool checked, const schema::TableInfo& info) {
  return catchup && !checked && info.has_primary && info.unique_keys.size() == 1 &&
         !info.in_foreign_key && !info.prefix_unique_key;
}

std::optional<StagedChange> PlanStaging(const schema::TableInfo& info, RowsKind kind,
                                        const RowImage* before, const RowImage* after) {
  StagedChange c;
  const bool keyed_before = before != nullptr && IsFullImage(info, *before) &&
                            RowKeyHash(info, *before, &c.before_hash);
  const bool keyed_after = after != nullptr && IsFullImage(info, *after) &&
                           RowKeyHash(info, *after, &c.after_hash);
  switch (kind) {
    case RowsKind::kWrite:
      if (!keyed_after) return std::nullopt;
      c.upsert_after = true;
      return c;
    case RowsKind::kDelete:
      if (!keyed_before) return std::nullopt;
      c.delete_before = true;
      return c;
    case RowsKind::kUpdate:
      if (!keyed_before || !keyed_after) return std::nullopt;
      c.delete_before = c.before_hash != c.after_hash;  // the key changed
      c.upsert_after = true;
      return c;
  }
  return std::nullopt;
}

void AppendExactRowKey(const schema::TableInfo& info, const RowImage& image,
                       std::string* scratch, std::string* out) {
  for (uint32_t c : info.unique_keys.front()) {
    const Value& v = image.values[c];
    if (v.kind == ValueKind::kNull) {
      schema::AppendKeyPart(out, std::nullopt);
      continue;
    }
    scratch->clear();
    AppendExactValue(v, scratch);
    schema::AppendKeyPart(out, *scratch);
  }
}

uint32_t NextRun(size_t remaining) {
  for (uint32_t run : {64u, 8u, 1u}) {
    if (remaining >= run) return run;
  }
  return 0;
}

RowCompaction::StageResult RowCompaction::Stage(
    const std::shared_ptr<const schema::TableInfo>& info, bool upsert, const RowImage& image,
    uint64_t key_hash) {
  if (auto it = index_.find(key_hash); it != index_.end()) {
    PendingRow& p = pending_[it->second];
    if (p.info.get() != info.get()) return StageResult::kFlushFirst;
    key_.clear();
    staged_key_.clear();
    AppendExactRowKey(*info, image, &scratch_, &key_);
    AppendExactRowKey(*p.info, pool_[p.image], &scratch_, &staged_key_);
    if (key_ != staged_key_) return StageResult::kFlushFirst;
    p.upsert = upsert;  // the later change is the net effect
    pool_[p.image].values.assign(image.values.begin(), image.values.end());
    return StageResult::kMerged;
  }
  const auto slot = static_cast<uint32_t>(pending_.size());
  if (pool_.size() <= slot) pool_.resize(slot + 1);
  pool_[slot].values.assign(image.values.begin(), image.values.end());
  pending_.push_back(PendingRow{info, upsert, slot});
  index_.emplace(key_hash, slot);
  return StageResult::kAdded;
}

std::span<const FlushBatch> RowCompaction::PlanFlush() {
  tables_.clear();
  for (const PendingRow& p : pending_) {
    if (std::find(tables_.begin(), tables_.end(), p.info.get()) == tables_.end()) {
      tables_.push_back(p.info.get());
    }
  }
  // Reserved up front: the batches' spans view ordered_, which must not reallocate.
  ordered_.clear();
  ordered_.reserve(pending_.size());
  batches_.clear();
  for (const schema::TableInfo* table : tables_) {
    for (const bool upsert : {false, true}) {
      const size_t start = ordered_.size();
      for (const PendingRow& p : pending_) {
        if (p.info.get() == table && p.upsert == upsert) ordered_.push_back(&pool_[p.image]);
      }
      if (ordered_.size() == start) continue;
      batches_.push_back(FlushBatch{
          table, upsert ? RowOp::kUpsertRows : RowOp::kDeleteRowsByPrimaryKey,
          std::span<const RowImage* const>(ordered_.data() + start, ordered_.size() - start)});
    }
  }
  return batches_;
}

void RowCompaction::Clear() {
  pending_.clear();
  index_.clear();
}

}  // namespace binsync::replicate
