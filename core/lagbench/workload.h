// What each probe transaction writes besides its probe row (issue 14, "Load"): `rows` row
// changes on the direction's load table, drawn from the insert:update:delete mix, on keys
// from the direction's own key range (so both directions can run at once without writing
// the same rows), uniform or Zipf-skewed (hot keys).
//
// Deterministic for a seed: a worker draws each transaction's changes from its own
// WorkloadGenerator, so a rerun writes the same load.
#ifndef BINSYNC_CORE_LAGBENCH_WORKLOAD_H_
#define BINSYNC_CORE_LAGBENCH_WORKLOAD_H_

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace binsync::lagbench {

enum class RowChange : uint8_t { kInsert, kUpdate, kDelete };

struct WorkloadSpec {
  uint32_t rows_per_txn = 1;
  // Weights of insert, update, delete (--mix 1:0:0 by default: inserts only).
  uint32_t insert_weight = 1, update_weight = 0, delete_weight = 0;
  double zipf_theta = 0;   // 0: uniform keys; (0, 1): Zipf skew (--hot-keys zipf:0.99)
  uint64_t key_first = 1;  // the direction's key range [key_first, key_first + key_count)
  uint64_t key_count = 100000;
};

// --mix "insert:update:delete" weights, e.g. "70:20:10"; at least one non-zero.
[[nodiscard]] absl::Status ParseMix(std::string_view text, WorkloadSpec* spec);
// --hot-keys "zipf:THETA" with 0 < THETA < 1, or "uniform".
[[nodiscard]] absl::Status ParseHotKeys(std::string_view text, WorkloadSpec* spec);

struct PlannedChange {
  RowChange change;
  uint64_t key;
};

class WorkloadGenerator {
 public:
  WorkloadGenerator(const WorkloadSpec& spec, uint64_t seed);
  // The row changes of the next transaction (replaces `*out`, reusing its capacity).
  void Next(std::vector<PlannedChange>* out);
  // One key drawn from the range (rank 0 = key_first is the hottest under Zipf).
  [[nodiscard]] uint64_t NextKey();

 private:
  WorkloadSpec spec_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  // Zipf by Gray et al.'s closed form ("Quickly generating billion-record synthetic
  // databases", SIGMOD 1994), precomputed for the range.
  double zeta_n_ = 0, alpha_ = 0, eta_ = 0, zeta_2_ = 0;
};

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_WORKLOAD_H_
