#include "core/lagbench/workload.h"

#include <map>

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

TEST(WorkloadTest, ParsesMixAndHotKeysOrSaysWhatIsExpected) {
  WorkloadSpec s;
  ASSERT_TRUE(ParseMix("70:20:10", &s).ok());
  EXPECT_EQ(s.insert_weight, 70u);
  EXPECT_EQ(s.update_weight, 20u);
  EXPECT_EQ(s.delete_weight, 10u);
  for (const char* bad : {"", "70:20", "0:0:0", "a:1:1", "1:2:3:4", "-1:2:3", "1::1"}) {
    EXPECT_FALSE(ParseMix(bad, &s).ok()) << bad;
  }
  ASSERT_TRUE(ParseHotKeys("zipf:0.99", &s).ok());
  EXPECT_DOUBLE_EQ(s.zipf_theta, 0.99);
  ASSERT_TRUE(ParseHotKeys("uniform", &s).ok());
  EXPECT_EQ(s.zipf_theta, 0);
  for (const char* bad : {"zipf:", "zipf:1", "zipf:0", "zipf:1.5", "zipf:x", "hot"}) {
    EXPECT_FALSE(ParseHotKeys(bad, &s).ok()) << bad;
  }
}

TEST(WorkloadTest, TheMixAndTheKeyRangeAreKeptAndSeedsRepeat) {
  WorkloadSpec spec;
  spec.rows_per_txn = 4;
  ASSERT_TRUE(ParseMix("2:1:1", &spec).ok());
  spec.key_first = 500000;
  spec.key_count = 1000;
  WorkloadGenerator a(spec, 5), b(spec, 5);
  std::vector<PlannedChange> ta, tb;
  std::map<RowChange, int> counts;
  for (int i = 0; i < 20000; ++i) {
    a.Next(&ta);
    b.Next(&tb);
    ASSERT_EQ(ta.size(), 4u);
    for (size_t j = 0; j < ta.size(); ++j) {
      ASSERT_EQ(ta[j].change, tb[j].change);
      ASSERT_EQ(ta[j].key, tb[j].key);
      ASSERT_GE(ta[j].key, 500000u);
      ASSERT_LT(ta[j].key, 501000u);
      ++counts[ta[j].change];
    }
  }
  EXPECT_NEAR(counts[RowChange::kInsert] / 80000.0, 0.5, 0.01);
  EXPECT_NEAR(counts[RowChange::kUpdate] / 80000.0, 0.25, 0.01);
  EXPECT_NEAR(counts[RowChange::kDelete] / 80000.0, 0.25, 0.01);
}

TEST(WorkloadTest, ZipfMakesTheFirstKeysHotUniformDoesNot) {
  WorkloadSpec spec;
  spec.key_first = 1;
  spec.key_count = 10000;
  WorkloadGenerator uniform(spec, 1);
  spec.zipf_theta = 0.99;
  WorkloadGenerator zipf(spec, 1);
  int hot_u = 0, hot_z = 0, top_z = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    hot_u += uniform.NextKey() <= 10;
    const uint64_t k = zipf.NextKey();
    hot_z += k <= 10;
    top_z += k == 1;
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, 10000u);
  }
  EXPECT_LT(hot_u, n / 500);  // ~0.1%
  // Zipf(0.99) over 10,000 keys: the 10 hottest draw ~30%, the hottest ~10%.
  EXPECT_GT(hot_z, n / 5);
  EXPECT_NEAR(top_z / static_cast<double>(n), 0.1, 0.02);
}

}  // namespace
}  // namespace binsync::lagbench
