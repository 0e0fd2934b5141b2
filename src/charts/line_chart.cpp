#include <algorithm>
#include <limits>

#include "charts/chart.hpp"
#include "charts/palette.hpp"
#include "charts/plot_area.hpp"

namespace gpufleet::report {

namespace {

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// Cumulative tops of the stacked series, point by point.
std::vector<std::vector<double>> stack_tops(const std::vector<Series>& stacked) {
  std::vector<std::vector<double>> tops;
  for (const auto& s : stacked) {
    std::vector<double> top = s.y;
    if (!tops.empty())
      for (size_t i = 0; i < top.size() && i < tops.back().size(); ++i) top[i] += tops.back()[i];
    tops.push_back(std::move(top));
  }
  return tops;
}

std::string color_of(const Series& s, size_t& next) {
  return s.color.empty() ? palette(next++) : s.color;
}

}  // namespace

std::string line_chart(const ChartText& text, const std::vector<Series>& lines,
                       const std::vector<Series>& stacked) {
  const auto tops = stack_tops(stacked);
  Range xr, yr;
  yr.add(0);
  for (size_t i = 0; i < stacked.size(); ++i)
    for (size_t k = 0; k < stacked[i].x.size(); ++k) {
      xr.add(stacked[i].x[k]);
      yr.add(tops[i][k]);
    }
  for (const auto& s : lines)
    for (size_t k = 0; k < s.x.size(); ++k) {
      xr.add(s.x[k]);
      yr.add(s.y[k]);
    }
  if (xr.empty()) xr = Range{0, 1};
  size_t next = 0;
  std::vector<LegendEntry> legend;
  std::vector<std::string> stacked_colors, line_colors;
  for (const auto& s : stacked) {
    stacked_colors.push_back(color_of(s, next));
    legend.push_back({s.name, stacked_colors.back(), false, true});
  }
  for (const auto& s : lines) {
    line_colors.push_back(color_of(s, next));
    legend.push_back({s.name, line_colors.back(), s.dashed, false});
  }
  PlotArea area(text, legend, xr.lo, xr.hi, yr.lo, yr.hi);
  for (size_t i = 0; i < stacked.size(); ++i) {
    std::vector<std::pair<double, double>> outline;
    const auto& xs = stacked[i].x;
    for (size_t k = 0; k < xs.size(); ++k)
      outline.emplace_back(area.x()(xs[k]), area.y()(tops[i][k]));
    for (size_t k = xs.size(); k-- > 0;)
      outline.emplace_back(area.x()(xs[k]), area.y()(i == 0 ? 0 : tops[i - 1][k]));
    area.svg().polygon(outline, fill_style(stacked_colors[i], 0.75));
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::pair<double, double>> points;
    for (size_t k = 0; k < lines[i].x.size(); ++k)
      points.emplace_back(area.x()(lines[i].x[k]), area.y()(lines[i].y[k]));
    area.svg().polyline(points, stroke_style(line_colors[i], lines[i].dashed));
  }
  return area.finish();
}

}  // namespace gpufleet::report
