#include "core/lagbench/html_report.h"

#include <string>

#include "gtest/gtest.h"

namespace binsync::lagbench {
namespace {

size_t Count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

// The text of the <svg id="..."> element.
std::string Svg(const std::string& html, const std::string& id) {
  const size_t at = html.find("<svg id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  return html.substr(at, html.find("</svg>", at) - at);
}

StepReport Step(std::string engine, double rate, int64_t lag_us, int seconds) {
  StepReport s;
  s.engine = std::move(engine);
  s.direction = "a-b";
  s.offered_tps = rate;
  for (int i = 0; i < seconds; ++i) {
    for (int k = 0; k < 100; ++k) s.stats.lag.Record(lag_us + k);
    s.stats.series.push_back({100, lag_us + 50, lag_us + 99, lag_us + 99, 0});
  }
  s.sbm_samples = static_cast<uint64_t>(seconds);
  s.sbm_max_s = 0;
  s.sbm_series.assign(static_cast<size_t>(seconds), 0);
  return s;
}

TEST(HtmlReportTest, EveryChartHoldsItsPointsAndTheFileNeedsNothingElse) {
  LagbenchReport r;
  r.a.endpoint = "127.0.0.1:3306";
  r.b.endpoint = "127.0.0.1:3307";
  r.steps = {Step("native", 500, 800, 3), Step("native", 1000, 900, 3),
             Step("binsync", 500, 1200, 3), Step("binsync", 1000, 50000, 3)};
  for (auto& s : r.steps) r.floor.Merge(s.stats.lag);
  SweepVerdict v;
  v.saturation_tps = 500;
  v.saturated_within = true;
  r.verdicts = {{"binsync a-b", v}};
  const std::string html = ReportHtml(r);
  // 2 engines x 6 seconds of p99.
  EXPECT_EQ(Count(Svg(html, "lag-over-time"), "class=\"pt\""), 12u);
  EXPECT_EQ(Count(Svg(html, "spectrum"), "class=\"pt\""), 12u);  // 6 percentiles x 2
  EXPECT_EQ(Count(Svg(html, "lag-vs-rate"), "class=\"pt\""), 4u);
  EXPECT_NE(Svg(html, "lag-vs-rate").find("saturation binsync a-b"), std::string::npos);
  EXPECT_GT(Count(Svg(html, "cdf"), "class=\"pt\""), 10u);
  EXPECT_EQ(Count(Svg(html, "sbm-vs-lag"), "class=\"pt\""), 24u);  // SBM + measured max, 2 x 6
  EXPECT_NE(Svg(html, "lag-vs-rate").find("data-x=\"1000\" data-y=\"50.099\""), std::string::npos);
  // Self-contained: no script, no external resource.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
  EXPECT_EQ(Count(html, "<svg id="), 5u);
}

TEST(HtmlReportTest, TheStepsTableShowsEachStepsVerdictAndReason) {
  LagbenchReport r;
  r.steps = {Step("native", 100, 800, 4), Step("native", 200, 900, 4),
             Step("native", 400, 900, 4)};
  r.steps[0].stats.achieved_tps = r.steps[0].stats.applied_tps = 100;
  r.steps[0].stats.window_s = 4;
  r.steps[1].stats.achieved_tps = 200;
  r.steps[1].stats.applied_tps = 150;
  r.steps[1].stats.window_s = 4;
  for (size_t i = 0; i < 4; ++i) r.steps[1].stats.series[i].backlog = 50 * (i + 1);
  r.steps[2].stats.achieved_tps = r.steps[2].stats.applied_tps = 10;  // of 400 offered
  const std::string html = ReportHtml(r);
  EXPECT_NE(html.find("<th>SBM max</th><th class=\"verdict\">verdict</th></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"verdict keeps-up\">keeps up</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"verdict behind\">behind: backlog grew 0 -&gt; 200 over 4 s "
                      "(+50/s, 25.0% of the rate), applied 75.0% of achieved</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td class=\"verdict source-limited\">source-limited: the source reached "
                      "2.5% of the offered rate</td></tr>"),
            std::string::npos);
  EXPECT_EQ(Count(html, "<td class=\"verdict "), 3u);
}

TEST(HtmlReportTest, NamesAreEscaped) {
  LagbenchReport r;
  r.a.endpoint = "<a>&\"";
  r.steps = {Step("native", 100, 500, 1)};
  r.steps[0].direction = "<b>";
  const std::string html = ReportHtml(r);
  EXPECT_EQ(html.find("<a>&"), std::string::npos);
  EXPECT_NE(html.find("&lt;a&gt;&amp;&quot;"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
}

TEST(HtmlReportTest, AnEmptyRunStillRendersEveryChart) {
  const std::string html = ReportHtml(LagbenchReport{});
  for (const char* id : {"lag-over-time", "spectrum", "lag-vs-rate", "cdf", "sbm-vs-lag"}) {
    EXPECT_FALSE(Svg(html, id).empty()) << id;
  }
}

}  // namespace
}  // namespace binsync::lagbench
