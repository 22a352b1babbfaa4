#include "core/lagbench/html_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "core/util/strings.h"

namespace binsync::lagbench {
namespace {

// A series of points for one chart.
struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                   "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Num(double v) { return fmt::format("{:.6g}", std::abs(v) < 1e-12 ? 0.0 : v); }

// Axis mapping: linear or log10, with a little headroom.
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  double Map(double v, double from, double to) const {
    double a = lo, b = hi, x = v;
    if (log) {
      a = std::log10(lo);
      b = std::log10(hi);
      x = std::log10(std::max(v, lo));
    }
    return from + (x - a) / (b - a) * (to - from);
  }
};

Axis Fit(const std::vector<Series>& series, bool y, bool log) {
  Axis axis;
  axis.log = log;
  bool any = false;
  for (const Series& s : series) {
    for (const auto& [x, v] : s.points) {
      const double d = y ? v : x;
      if (log && d <= 0) continue;
      axis.lo = any ? std::min(axis.lo, d) : d;
      axis.hi = any ? std::max(axis.hi, d) : d;
      any = true;
    }
  }
  if (!any) {
    axis.lo = log ? 1 : 0;
    axis.hi = log ? 10 : 1;
  }
  if (log) {
    axis.lo = std::pow(10.0, std::floor(std::log10(axis.lo)));
    axis.hi = std::pow(10.0, std::ceil(std::log10(axis.hi * 1.0001)));
  } else {
    if (axis.hi == axis.lo) axis.hi = axis.lo + 1;
    axis.lo = std::min(axis.lo, 0.0);
    axis.hi *= 1.05;
  }
  return axis;
}

// Tick values: decades for a log axis, five steps for a linear one.
std::vector<double> Ticks(const Axis& a) {
  std::vector<double> t;
  if (a.log) {
    for (double v = a.lo; v <= a.hi * 1.0001; v *= 10) t.push_back(v);
  } else {
    // A 1, 2 or 5 x 10^k step giving about five ticks.
    const double raw = (a.hi - a.lo) / 5;
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / decade < 1.5 ? decade : raw / decade < 3.5 ? 2 * decade : 5 * decade;
    for (double v = std::ceil(a.lo / step) * step; v <= a.hi + step * 1e-9; v += step) t.push_back(v);
  }
  return t;
}

std::string Chart(std::string_view id, std::string_view title, std::string_view x_label,
                  std::string_view y_label, const std::vector<Series>& series, bool log_x,
                  bool log_y, bool lines, const std::vector<std::pair<double, std::string>>& marks = {}) {
  constexpr double W = 760, H = 360, L = 80, R = 20, T = 30, B = 50;
  const Axis x = Fit(series, false, log_x), y = Fit(series, true, log_y);
  std::string svg = fmt::format(
      "<h2>{}</h2>\n<svg id=\"{}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\n",
      Escape(title), id, W, H, W, H);
  StrAppend(&svg, fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" "
                              "stroke=\"#999\"/>\n",
                              L, T, W - L - R, H - T - B));
  for (double t : Ticks(x)) {
    const double px = x.Map(t, L, W - R);
    StrAppend(&svg, fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#eee\"/>"
                                "<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                                px, T, px, H - B, px, H - B + 15, Num(t)));
  }
  for (double t : Ticks(y)) {
    const double py = y.Map(t, H - B, T);
    StrAppend(&svg, fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#eee\"/>"
                                "<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
                                L, py, W - R, py, L - 5, py + 4, Num(t)));
  }
  StrAppend(&svg, fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n"
                              "<text x=\"15\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" "
                              "transform=\"rotate(-90 15 {})\">{}</text>\n",
                              (L + W - R) / 2, H - 10, Escape(x_label), (T + H - B) / 2,
                              (T + H - B) / 2, Escape(y_label)));
  for (const auto& [at, label] : marks) {
    const double px = x.Map(at, L, W - R);
    StrAppend(&svg, fmt::format("<line class=\"mark\" x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" "
                                "stroke=\"#444\" stroke-dasharray=\"4 3\"/><text x=\"{:.1f}\" y=\"{}\" "
                                "font-size=\"11\">{}</text>\n",
                                px, T, px, H - B, px + 3, T + 12, Escape(label)));
  }
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const char* color = kColors[i % std::size(kColors)];
    std::string path;
    for (const auto& [vx, vy] : s.points) {
      StrAppend(&path, path.empty() ? "" : " ", fmt::format("{:.1f},{:.1f}", x.Map(vx, L, W - R),
                                                            y.Map(vy, H - B, T)));
    }
    if (lines && s.points.size() > 1) {
      StrAppend(&svg, fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" "
                                  "points=\"{}\"/>\n",
                                  color, path));
    }
    for (const auto& [vx, vy] : s.points) {
      StrAppend(&svg, fmt::format("<circle class=\"pt\" data-series=\"{}\" data-x=\"{}\" data-y=\"{}\" "
                                  "cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"/>\n",
                                  Escape(s.name), Num(vx), Num(vy), x.Map(vx, L, W - R),
                                  y.Map(vy, H - B, T), lines ? 1.5 : 3.5, color));
    }
    StrAppend(&svg, fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                                "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n",
                                L + 10, T + 8 + 16 * static_cast<double>(i), color, L + 25,
                                T + 17 + 16 * static_cast<double>(i), Escape(s.name)));
  }
  StrAppend(&svg, "</svg>\n");
  return svg;
}

std::string Label(const StepReport& s) { return StrCat(s.engine, " ", s.direction); }

// The steps table's last cell: the verdict and its reason, classed by verdict
// ("keeps-up", "behind", "source-limited") so it can be styled and read from the DOM.
std::string VerdictCell(const StepReport& s) {
  const StepJudgement j = JudgeStep(FactsOf(s, std::nullopt));
  std::string css(StepVerdictName(j.verdict));
  std::replace(css.begin(), css.end(), ' ', '-');
  return fmt::format("<td class=\"verdict {}\">{}</td>", css, Escape(j.reason));
}

}  // namespace

std::string ReportHtml(const LagbenchReport& r) {
  // Per engine x direction: every step's lag merged, and its series back to back in time.
  std::map<std::string, LagHistogram> merged;
  std::map<std::string, Series> over_time, vs_rate, sbm, measured_max;
  std::map<std::string, double> clock;  // seconds already drawn per series
  for (const StepReport& s : r.steps) {
    const std::string name = Label(s);
    merged[name].Merge(s.stats.lag);
    Series& t = over_time[name];
    t.name = name;
    double& at = clock[name];
    for (const SecondStats& x : s.stats.series) {
      if (x.count > 0) t.points.emplace_back(at, static_cast<double>(std::max<int64_t>(x.p99_us, 1)) / 1000.0);
      at += 1;
    }
    Series& v = vs_rate[name];
    v.name = name;
    if (s.stats.lag.count() > 0) {
      v.points.emplace_back(s.offered_tps,
                            static_cast<double>(std::max<int64_t>(s.stats.lag.ValueAtPercentile(99), 1)) / 1000.0);
    }
    if (s.sbm_samples > 0) {
      Series& b = sbm[name];
      b.name = StrCat("SBM ", name);
      Series& m = measured_max[name];
      m.name = StrCat("measured max ", name);
      const double base = at - static_cast<double>(s.stats.series.size());
      for (size_t i = 0; i < s.stats.series.size(); ++i) {
        if (s.sbm_series.size() > i && s.sbm_series[i] >= 0) {
          b.points.emplace_back(base + static_cast<double>(i), static_cast<double>(s.sbm_series[i]));
        }
        if (s.stats.series[i].count > 0) {
          m.points.emplace_back(base + static_cast<double>(i),
                                static_cast<double>(s.stats.series[i].max_us) / 1e6);
        }
      }
    }
  }
  std::vector<Series> time_series, spectrum, rate_series, cdf, sbm_series;
  for (auto& [name, s] : over_time) time_series.push_back(s);
  for (auto& [name, s] : vs_rate) rate_series.push_back(s);
  for (auto& [name, s] : sbm) sbm_series.push_back(s);
  for (auto& [name, s] : measured_max) sbm_series.push_back(s);
  for (const auto& [name, h] : merged) {
    if (h.count() == 0) continue;
    Series sp{name, {}};
    // x: "nines" (p50 = 0.3, p90 = 1, p99 = 2, p99.9 = 3, p99.99 = 4), max at 5.
    for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) {
      sp.points.emplace_back(-std::log10(1 - p / 100),
                             static_cast<double>(std::max<int64_t>(h.ValueAtPercentile(p), 1)) / 1000.0);
    }
    sp.points.emplace_back(5, static_cast<double>(std::max<int64_t>(h.max(), 1)) / 1000.0);
    spectrum.push_back(std::move(sp));
    Series c{name, {}};
    uint64_t seen = 0;
    h.ForEachBucket([&](int64_t, int64_t hi, uint64_t n) {
      seen += n;
      c.points.emplace_back(static_cast<double>(std::max<int64_t>(hi, 1)) / 1000.0,
                            static_cast<double>(seen) / static_cast<double>(h.count()));
    });
    cdf.push_back(std::move(c));
  }
  // One mark per saturation rate, naming every engine x direction (x round) found there.
  std::map<double, std::string> at_rate;
  for (const auto& [name, v] : r.verdicts) {
    if (v.saturation_tps && v.saturated_within) {
      std::string& label = at_rate[*v.saturation_tps];
      StrAppend(&label, label.empty() ? "saturation " : ", ", name);
    }
  }
  std::vector<std::pair<double, std::string>> marks(at_rate.begin(), at_rate.end());
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<title>binsync lagbench</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;"
      "text-align:right;white-space:nowrap}th{background:#f3f3f3}.verdict{text-align:left}"
      "td.verdict{white-space:normal}td.behind{color:#b00000}"
      "td.source-limited{color:#777}svg.chart{display:block;margin-bottom:1em}"
      "</style></head><body>\n<h1>binsync lagbench</h1>\n";
  StrAppend(&html, "<p>A: ", Escape(r.a.endpoint), " (", Escape(r.a.version), "), B: ",
            Escape(r.b.endpoint), " (", Escape(r.b.version), "). Lag = arrival in the target's "
            "binlog &minus; arrival in the source's binlog, both stamped by lagbench's taps on one "
            "monotonic clock. Floor (two taps of one binlog): p99 ",
            r.floor.ValueAtPercentile(99), " us. Visibility gap (binlog &rarr; query, 1% polled): "
            "p50 ", r.visibility.ValueAtPercentile(50), " us.</p>\n");
  StrAppend(&html, "<table id=\"steps\"><tr><th>engine</th><th>dir</th><th>offered</th>"
                   "<th>achieved</th><th>applied</th><th>measured</th><th>p50 us</th><th>p99 us</th>"
                   "<th>p99.9 us</th><th>max us</th><th>SBM max</th>"
                   "<th class=\"verdict\">verdict</th></tr>\n");
  for (const StepReport& s : r.steps) {
    const LagHistogram& h = s.stats.lag;
    StrAppend(&html, fmt::format("<tr><td>{}/{}</td><td>{}</td><td>{:.0f}</td><td>{:.1f}</td>"
                                 "<td>{:.1f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                                 "<td>{}</td><td>{}</td>{}</tr>\n",
                                 Escape(s.engine), s.round, Escape(s.direction), s.offered_tps,
                                 s.stats.achieved_tps, s.stats.applied_tps, s.stats.measured,
                                 h.ValueAtPercentile(50), h.ValueAtPercentile(99),
                                 h.ValueAtPercentile(99.9), h.max(),
                                 s.sbm_samples > 0 ? StrCat(s.sbm_max_s, " s") : "-",
                                 VerdictCell(s)));
  }
  StrAppend(&html, "</table>\n");
  StrAppend(&html, Chart("lag-over-time", "Lag over time (p99 per second)", "seconds of measuring",
                         "p99 lag (ms)", time_series, false, true, true));
  StrAppend(&html, Chart("spectrum", "Percentile spectrum", "nines (p50=0.3, p90=1, p99=2, p99.9=3, p99.99=4, max=5)",
                         "lag (ms)", spectrum, false, true, true));
  // Points, not lines: with --engine both every rate is measured in three rounds.
  StrAppend(&html, Chart("lag-vs-rate", "Lag against offered rate", "offered TPS", "p99 lag (ms)",
                         rate_series, false, true, false, marks));
  StrAppend(&html, Chart("cdf", "Cumulative distribution", "lag (ms)", "fraction of transactions",
                         cdf, true, false, true));
  StrAppend(&html, Chart("sbm-vs-lag", "Seconds_Behind_Master against measured lag",
                         "seconds of measuring", "seconds", sbm_series, false, false, true));
  StrAppend(&html, "</body></html>\n");
  return html;
}

}  // namespace binsync::lagbench
