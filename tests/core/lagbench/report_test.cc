#include "core/lagbench/report.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace binsync::lagbench {
namespace {

StepReport Step(std::string engine, std::string direction, int round, double rate,
                double applied, int64_t lag_us) {
  StepReport s;
  s.engine = std::move(engine);
  s.direction = std::move(direction);
  s.round = round;
  s.offered_tps = rate;
  s.stats.achieved_tps = rate;
  s.stats.applied_tps = applied;
  for (int i = 0; i < 100; ++i) s.stats.lag.Record(lag_us);
  s.stats.p99_first_half_us = s.stats.p99_second_half_us = lag_us;
  s.stats.sent = s.stats.committed = s.stats.measured = 100;
  return s;
}

TEST(JudgeStepsTest, OneVerdictPerEngineDirectionAndRoundInOrder) {
  const std::vector<StepReport> steps = {
      Step("native", "a-b", 1, 500, 500, 900),   Step("native", "a-b", 1, 1000, 700, 9000),
      Step("binsync", "a-b", 1, 500, 500, 1200), Step("binsync", "a-b", 1, 1000, 1000, 1500),
      Step("native", "a-b", 2, 500, 500, 800),   Step("native", "a-b", 2, 1000, 1000, 900)};
  const auto v = JudgeSteps(steps, {"native", "binsync"}, {"a-b", "b-a"}, 2, Slo{99, 1000});
  ASSERT_EQ(v.size(), 3u);  // round 2 of binsync and every b-a: no steps, no verdict
  EXPECT_EQ(v[0].first, "native a-b (round 1)");
  EXPECT_EQ(*v[0].second.saturation_tps, 500);
  EXPECT_TRUE(v[0].second.saturated_within);
  EXPECT_EQ(*v[0].second.slo_tps, 500);  // 900 us < 1 ms
  EXPECT_EQ(v[1].first, "binsync a-b (round 1)");
  EXPECT_EQ(*v[1].second.saturation_tps, 1000);
  EXPECT_FALSE(v[1].second.slo_tps);  // 1.2 ms and more: never under 1 ms
  EXPECT_EQ(v[2].first, "native a-b (round 2)");
  EXPECT_EQ(*v[2].second.slo_tps, 1000);
  EXPECT_EQ(JudgeSteps(steps, {"native"}, {"a-b"}, 1, std::nullopt)[0].first, "native a-b");
}

TEST(ReportTest, TextAndJsonCountEveryTransactionAndSayWhatWasNotMeasured) {
  LagbenchReport r;
  r.method.engines = {"native"};
  r.method.rates = {500};
  r.steps = {Step("native", "a-b", 1, 500, 500, 900)};
  r.sent = r.measured = 100;
  r.verdicts = JudgeSteps(r.steps, {"native"}, {"a-b"}, 1, std::nullopt);
  EXPECT_TRUE(EveryTransactionMeasured(r));
  const std::string text = ReportText(r);
  EXPECT_NE(text.find("sent 100, measured 100: every transaction measured"), std::string::npos);
  EXPECT_NE(text.find("native a-b: kept up at every rate up to 500 TPS"), std::string::npos);
  const auto j = nlohmann::json::parse(ReportJson(r));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["steps"][0]["lag"]["p50_us"], 900);
  EXPECT_EQ(j["verdicts"][0]["saturation_tps"], 500);
  EXPECT_TRUE(j["totals"]["every_transaction_measured"]);
  r.measured = 90;
  r.unmeasured = 10;
  EXPECT_FALSE(EveryTransactionMeasured(r));
  EXPECT_NE(ReportText(r).find("unmeasured 10 (committed, never seen in the target's binlog)"),
            std::string::npos);
}

}  // namespace
}  // namespace binsync::lagbench
