#include "core/verify/diff_merge.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace binsync {
namespace {

// The merge of two sorted int lists as a string: "a1 b2 =3" (A only, B only, both).
std::string Merge(const std::vector<int>& a, const std::vector<int>& b) {
  std::string out;
  MergeSorted(
      a.size(), b.size(), [&](size_t i, size_t j) { return a[i] <=> b[j]; },
      [&](MergeSide side, size_t i, size_t j) {
        if (!out.empty()) out += ' ';
        switch (side) {
          case MergeSide::kOnlyA: out += "a" + std::to_string(a[i]); break;
          case MergeSide::kOnlyB: out += "b" + std::to_string(b[j]); break;
          case MergeSide::kBoth:
            EXPECT_EQ(a[i], b[j]);
            out += "=" + std::to_string(a[i]);
            break;
        }
      });
  return out;
}

TEST(MergeSortedTest, EmptySides) {
  EXPECT_EQ(Merge({}, {}), "");
  EXPECT_EQ(Merge({1, 2}, {}), "a1 a2");
  EXPECT_EQ(Merge({}, {1, 2}), "b1 b2");
}

TEST(MergeSortedTest, AllEqual) { EXPECT_EQ(Merge({1, 2, 3}, {1, 2, 3}), "=1 =2 =3"); }

TEST(MergeSortedTest, InterleavedAndDisjointTails) {
  EXPECT_EQ(Merge({1, 3, 5, 9}, {2, 3, 4, 10, 11}), "a1 b2 =3 b4 a5 a9 b10 b11");
  EXPECT_EQ(Merge({5, 6}, {1, 2}), "b1 b2 a5 a6");
}

TEST(MergeSortedTest, RepeatedKeyPairsOnceThenCountsAsOneSided) {
  EXPECT_EQ(Merge({1, 1, 2}, {1, 2}), "=1 a1 =2");
  EXPECT_EQ(Merge({1}, {1, 1}), "=1 b1");
}

// Byte strings as encoded row keys merge by byte order (std::string's compare), not
// by the numbers they hold: what matters is one total order on both sides.
TEST(MergeSortedTest, StringKeysByByteOrder) {
  const std::vector<std::string> a = {"10", "9"};
  const std::vector<std::string> b = {"10", "11", "9"};
  std::string out;
  MergeSorted(
      a.size(), b.size(), [&](size_t i, size_t j) { return a[i].compare(b[j]) <=> 0; },
      [&](MergeSide side, size_t i, size_t j) {
        out += side == MergeSide::kBoth ? "=" + a[i] : side == MergeSide::kOnlyA ? "a" + a[i] : "b" + b[j];
        out += ' ';
      });
  EXPECT_EQ(out, "=10 b11 =9 ");
}

}  // namespace
}  // namespace binsync
