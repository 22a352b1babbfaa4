#include "core/replicate/batching.h"

#include <utility>

namespace binsync::replicate {

bool CanMerge(const Transaction& batch, const Transaction& next, const BatchLimits& limits) {
  return !batch.barrier && !next.barrier && batch.format == next.format &&
         batch.server_id == next.server_id && batch.source_txns < limits.max_txns &&
         batch.arena.size() < limits.max_bytes;
}

void Merge(Transaction* batch, std::unique_ptr<Transaction> next) {
  const auto shift = static_cast<uint32_t>(batch->arena.size());
  batch->arena.insert(batch->arena.end(), next->arena.begin(), next->arena.end());
  for (EventRef ref : next->events) {
    ref.raw_offset += shift;
    ref.body_offset += shift;
    batch->events.push_back(ref);
  }
  batch->keys.insert(batch->keys.end(), next->keys.begin(), next->keys.end());
  if (batch->first_name.empty()) batch->first_name = batch->Name();
  batch->end_pos = next->end_pos;
  batch->file = std::move(next->file);
  batch->gtid_pos_after = std::move(next->gtid_pos_after);
  batch->gtid = next->gtid;
  batch->has_rows = batch->has_rows || next->has_rows;
  batch->source_txns += next->source_txns;
  batch->row_changes += next->row_changes;
  batch->bytes += next->bytes;
}

}  // namespace binsync::replicate
