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
  s.stats.window_s = 4;
  for (int sec = 0; sec < 4; ++sec) s.stats.series.push_back({25, lag_us, lag_us, lag_us, 0});
  return s;
}

// Its backlog at the window's start, then at the end of each second.
StepReport WithBacklog(StepReport s, const std::vector<uint64_t>& backlog) {
  s.stats.backlog_start = backlog.front();
  s.stats.series.resize(backlog.size() - 1);
  for (size_t i = 1; i < backlog.size(); ++i) s.stats.series[i - 1].backlog = backlog[i];
  s.stats.window_s = static_cast<double>(backlog.size() - 1);
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

TEST(ReportTest, EachStepShowsItsVerdictAndReasonInTheTableAndTheJson) {
  LagbenchReport r;
  r.method.engines = {"native"};
  r.method.rates = {100, 200, 400};
  // 100 TPS: one spike (p99 1 ms, then 60 ms): keeps up. 200 TPS: the backlog grows.
  // 400 TPS: the source reached 300.
  StepReport spike = Step("native", "a-b", 1, 100, 100, 1070);
  spike.stats.p99_second_half_us = 60'000;
  spike = WithBacklog(spike, {0, 0, 6, 0, 0});
  StepReport growing = WithBacklog(Step("native", "a-b", 1, 200, 194, 900), {0, 6, 12, 18, 24});
  StepReport limited = Step("native", "a-b", 1, 400, 300, 900);
  limited.stats.achieved_tps = 300;
  r.steps = {spike, growing, limited};
  r.verdicts = JudgeSteps(r.steps, {"native"}, {"a-b"}, 1, std::nullopt);
  const std::string text = ReportText(r);
  EXPECT_NE(text.find("SBM_max  verdict\n"), std::string::npos) << text;
  EXPECT_NE(text.find("      -  keeps up\n"), std::string::npos) << text;
  EXPECT_NE(text.find("      -  behind: backlog grew 0 -> 24 over 4 s (+6/s, 3.0% of the rate)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("      -  source-limited: the source reached 75.0% of the offered rate\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("native a-b: saturation at 100 TPS"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(ReportJson(r));
  const auto& v = j["steps"][0]["verdict"];
  EXPECT_EQ(v["name"], "keeps up");
  EXPECT_EQ(v["reason"], "keeps up");
  EXPECT_EQ(v["backlog_start"], 0);
  EXPECT_EQ(v["backlog_end"], 0);
  EXPECT_EQ(v["backlog_growth_tps"], 0.0);
  EXPECT_EQ(v["applied_ratio"], 1.0);
  EXPECT_EQ(v["p99_first_half_us"], 1070);
  EXPECT_EQ(v["p99_second_half_us"], 60000);
  EXPECT_EQ(j["steps"][1]["verdict"]["name"], "behind");
  EXPECT_EQ(j["steps"][1]["verdict"]["backlog_end"], 24);
  EXPECT_EQ(j["steps"][1]["verdict"]["backlog_growth_tps"], 6.0);
  EXPECT_EQ(j["steps"][2]["verdict"]["name"], "source-limited");
  EXPECT_EQ(j["steps"][2]["verdict"]["achieved_ratio"], 0.75);
  // The per-sweep verdicts are unchanged in shape.
  EXPECT_EQ(j["verdicts"][0]["steps"],
            nlohmann::json::array({"keeps up", "behind", "source-limited"}));
  EXPECT_EQ(j["verdicts"][0]["saturation_tps"], 100);
  EXPECT_EQ(j["schema_version"], 1);
  // A step too short for a trend says so; one without a series judges by rates alone.
  StepReport one_second = WithBacklog(Step("native", "a-b", 1, 100, 100, 900), {0, 0});
  EXPECT_EQ(JudgeStep(FactsOf(one_second, std::nullopt)).reason,
            "keeps up (window under 4 s: judged by the applied rate alone)");
}

}  // namespace
}  // namespace binsync::lagbench
