#include <algorithm>
#include <cstdio>

#include "charts/chart.hpp"
#include "charts/palette.hpp"
#include "charts/plot_area.hpp"

namespace gpufleet::report {

namespace {

std::string value_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

}  // namespace

bool has_nonzero(const std::vector<Series>& series) {
  for (const auto& s : series)
    for (const double v : s.y)
      if (v != 0) return true;
  return false;
}

std::string bar_chart(const ChartText& text, const std::vector<std::string>& categories,
                      const std::vector<Series>& series, const std::vector<Whiskers>& whiskers,
                      double min_span) {
  double lo = 0, hi = 0;
  auto widen = [&](const std::vector<double>& values) {
    for (const double v : values) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  };
  for (const auto& s : series) widen(s.y);
  for (const auto& w : whiskers) {
    widen(w.low);
    widen(w.high);
  }
  // Too narrow a span magnifies noise to full height: widen it away from 0 (both ways when the
  // values straddle 0).
  if (hi - lo < min_span) {
    const double missing = min_span - (hi - lo);
    if (lo >= 0)
      hi += missing;
    else if (hi <= 0)
      lo -= missing;
    else {
      lo -= missing / 2;
      hi += missing / 2;
    }
  }
  std::vector<LegendEntry> legend;
  std::vector<std::string> colors;
  for (size_t i = 0; i < series.size(); ++i) {
    colors.push_back(series[i].color.empty() ? palette(i) : series[i].color);
    legend.push_back({series[i].name, colors.back(), false, true});
  }
  PlotArea area(text, series.size() > 1 ? legend : std::vector<LegendEntry>{}, 0, 1, lo,
                hi > lo ? hi : 1, false);
  const double slot = (area.right() - area.left()) / std::max<size_t>(categories.size(), 1);
  const double bar = std::min(40.0, slot * 0.8 / std::max<size_t>(series.size(), 1));
  const double zero = area.y()(0);
  // Long category names get smaller and, when many, slanted.
  const bool slanted = categories.size() > 4;
  for (size_t c = 0; c < categories.size(); ++c) {
    const double center = area.left() + slot * (c + 0.5);
    const double first = center - bar * series.size() / 2;
    for (size_t i = 0; i < series.size(); ++i) {
      const double v = c < series[i].y.size() ? series[i].y[c] : 0;
      const double py = area.y()(v);
      const bool whisker =
          i < whiskers.size() && c < whiskers[i].low.size() && c < whiskers[i].high.size();
      const std::string interval = whisker ? " [" + value_text(whiskers[i].low[c]) + ", " +
                                                 value_text(whiskers[i].high[c]) + "]"
                                           : "";
      area.svg().rect(first + bar * i, std::min(py, zero), bar * 0.92, std::abs(zero - py),
                      fill_style(colors[i], 0.85),
                      categories[c] + ", " + series[i].name + ": " + value_text(v) + interval);
      if (whisker) {
        const double x = first + bar * (i + 0.46), cap = bar * 0.2;
        const double y0 = area.y()(whiskers[i].low[c]), y1 = area.y()(whiskers[i].high[c]);
        const std::string ink = "stroke=\"#222\" stroke-width=\"1.5\"";
        area.svg().line(x, y0, x, y1, ink);
        area.svg().line(x - cap, y0, x + cap, y0, ink);
        area.svg().line(x - cap, y1, x + cap, y1, ink);
      }
    }
    if (slanted)
      area.svg().text(center + 4, area.bottom() + 12, categories[c], "class=\"tick\" fill=\"#333\"",
                      "end", -20);
    else
      area.svg().text(center, area.bottom() + 15, categories[c], "class=\"tick\" fill=\"#333\"",
                      "middle");
  }
  return area.finish();
}

}  // namespace gpufleet::report
