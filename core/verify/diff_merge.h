// The one sorted merge verify's comparisons use: two lists sorted ascending by the same
// key, walked together, each key reported once as on A only, on B only, or on both. It
// serves (key, row hash) lists, bucket sums and rows read by key; what "differs" means
// for a key on both sides is the caller's (the visitor's) decision.
//
// Contract: both lists sorted ascending by `compare`. A key repeated within one list is
// paired with the other list's equal key once, its repeats then count as on that side only.
// Runs in O(size_a + size_b) and allocates nothing.
#ifndef BINSYNC_CORE_VERIFY_DIFF_MERGE_H_
#define BINSYNC_CORE_VERIFY_DIFF_MERGE_H_

#include <compare>
#include <cstddef>

namespace binsync {

enum class MergeSide { kOnlyA, kOnlyB, kBoth };

// `compare(i, j)` orders A's i-th key against B's j-th (a std::strong_ordering or
// std::weak_ordering); `visit(side, i, j)` is called in key order, `i` meaningful for
// kOnlyA and kBoth, `j` for kOnlyB and kBoth.
template <typename Compare, typename Visit>
void MergeSorted(size_t size_a, size_t size_b, Compare&& compare, Visit&& visit) {
  size_t i = 0;
  size_t j = 0;
  while (i < size_a && j < size_b) {
    const auto order = compare(i, j);
    if (order < 0) {
      visit(MergeSide::kOnlyA, i++, j);
    } else if (order > 0) {
      visit(MergeSide::kOnlyB, i, j++);
    } else {
      visit(MergeSide::kBoth, i++, j++);
    }
  }
  for (; i < size_a; ++i) visit(MergeSide::kOnlyA, i, j);
  for (; j < size_b; ++j) visit(MergeSide::kOnlyB, i, j);
}

}  // namespace binsync

#endif  // BINSYNC_CORE_VERIFY_DIFF_MERGE_H_
