// Catchup batching: consecutive source transactions merged into one target transaction
// (fewer commits; compaction, core/replicate/compaction.h, then works across them). Pure; the
// replicator decides with CanMerge and merges with Merge.
//
// Rule: `next` joins the open batch when neither is a barrier (a barrier runs alone), both
// come from the same FORMAT_DESCRIPTION (one replay format per target transaction) and the
// same origin server_id (one session server_id per target transaction), and the batch is
// still under both limits (source transactions and event bytes; a batch at a limit is
// full). Live mode never merges: each source transaction keeps its own GTID.
#ifndef BINSYNC_CORE_REPLICATE_BATCHING_H_
#define BINSYNC_CORE_REPLICATE_BATCHING_H_

#include <cstddef>
#include <memory>

#include "core/replicate/transaction.h"

namespace binsync::replicate {

struct BatchLimits {
  size_t max_txns = 200;         // source transactions per target transaction
  size_t max_bytes = 16u << 20;  // bytes of events per target transaction
};

[[nodiscard]] bool CanMerge(const Transaction& batch, const Transaction& next,
                            const BatchLimits& limits);

// Appends `next` to `batch`: its events (offsets moved into batch's arena), writeset keys
// and counts; position, GTID and name become the last one's, `first_name` the first's.
// The caller checked CanMerge.
void Merge(Transaction* batch, std::unique_ptr<Transaction> next);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_BATCHING_H_
