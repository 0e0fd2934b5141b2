#pragma once

#include <string>
#include <vector>

#include "charts/axis.hpp"
#include "charts/chart.hpp"
#include "charts/svg.hpp"

namespace gpufleet::report {

struct LegendEntry {
  std::string name;
  std::string color;
  bool dashed = false;
  bool area = false;
};

// The frame every chart shares: title, legend rows, grid, axes with ticks and labels. The
// chart then draws its data with x() and y().
class PlotArea {
 public:
  // x_ticks empty: no x axis ticks (a bar chart labels its categories itself).
  PlotArea(const ChartText& text, const std::vector<LegendEntry>& legend, double x_lo, double x_hi,
           double y_lo, double y_hi, bool x_ticks = true);

  Svg& svg() { return svg_; }
  const Scale& x() const { return x_; }
  const Scale& y() const { return y_; }
  double left() const { return left_; }
  double right() const { return right_; }
  double bottom() const { return bottom_; }
  double top() const { return top_; }
  std::string finish();

 private:
  static int legend_rows(const std::vector<LegendEntry>& legend);
  double draw_legend(const std::vector<LegendEntry>& legend);  // returns its height
  void draw_axes(const ChartText& text, const Ticks& xt, const Ticks& yt, bool x_ticks);

  double height_;  // grows with the legend's rows
  Svg svg_;
  double bottom_;
  double left_ = 70, right_ = kChartWidth - 18, top_ = 0;
  Scale x_{0, 1, 0, 1}, y_{0, 1, 0, 1};
};

// "#RRGGBB" stroke/fill styles shared by the charts.
std::string stroke_style(const std::string& color, bool dashed, double width = 1.8);
std::string fill_style(const std::string& color, double opacity);

}  // namespace gpufleet::report
