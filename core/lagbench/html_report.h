// lagbench's HTML report (issue 14, "Outputs"): one self-contained file (inline CSS and SVG,
// no script, no network access needed to view it) with five charts, each an <svg> with an id
// and one <circle> per data point (class "pt", data-x/data-y attributes), so a test can
// read the charts from the DOM:
//   lag-over-time    p99 lag per second of every step, per engine x direction (log y)
//   spectrum         lag at p50..p99.99 and max, per engine x direction (log y)
//   lag-vs-rate      p99 lag against offered TPS per step, the saturation rate marked
//   cdf              cumulative fraction of transactions against lag (log x), native vs binsync
//   sbm-vs-lag       Seconds_Behind_Master sampled against the measured max lag per second
// Pure: text from the report model.
#ifndef BINSYNC_CORE_LAGBENCH_HTML_REPORT_H_
#define BINSYNC_CORE_LAGBENCH_HTML_REPORT_H_

#include <string>

#include "core/lagbench/report.h"

namespace binsync::lagbench {

[[nodiscard]] std::string ReportHtml(const LagbenchReport& r);

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_HTML_REPORT_H_
