#include "charts/plot_area.hpp"

#include <algorithm>
#include <cmath>

namespace gpufleet::report {

namespace {

constexpr double kTitleY = 20;
constexpr double kLegendRow = 16;
constexpr double kCharWidth = 6.4;  // of the 11 px legend font, for layout only
const std::string kText = "fill=\"#222\"";
const std::string kMuted = "fill=\"#555\"";

}  // namespace

std::string stroke_style(const std::string& color, bool dashed, double width) {
  return "stroke=\"" + color + "\" stroke-width=\"" + coord(width) + "\"" +
         (dashed ? " stroke-dasharray=\"6 4\"" : "");
}

std::string fill_style(const std::string& color, double opacity) {
  return "fill=\"" + color + "\" fill-opacity=\"" + coord(opacity) + "\"";
}

PlotArea::PlotArea(const ChartText& text, const std::vector<LegendEntry>& legend, double x_lo,
                   double x_hi, double y_lo, double y_hi, bool x_ticks)
    : height_(kChartHeight + (legend_rows(legend) - 1) * kLegendRow),
      svg_(kChartWidth, height_, text.title),
      bottom_(height_ - 44) {
  svg_.rect(0, 0, kChartWidth, height_, "fill=\"#fff\"");
  svg_.text(12, kTitleY, text.title, "class=\"chart-title\" " + kText);
  top_ = kTitleY + 12 + draw_legend(legend);
  const Ticks xt = nice_ticks(x_lo, x_hi, 6);
  const Ticks yt = nice_ticks(y_lo, y_hi, 5);
  // Time axes start where the data start; value axes include the round tick beyond the data.
  x_ = Scale{x_ticks ? x_lo : 0, x_ticks ? x_hi : 1, left_, right_};
  y_ = Scale{yt.lo, yt.hi, bottom_, top_};
  draw_axes(text, xt, yt, x_ticks);
}

// Rows the legend takes (at least one), laid out as draw_legend() does.
int PlotArea::legend_rows(const std::vector<LegendEntry>& legend) {
  double x = 70;
  int rows = 1;
  for (const auto& e : legend) {
    const double w = 26 + kCharWidth * e.name.size() + 12;
    if (x + w > kChartWidth - 18 && x > 70) {
      x = 70;
      ++rows;
    }
    x += w;
  }
  return rows;
}

double PlotArea::draw_legend(const std::vector<LegendEntry>& legend) {
  if (legend.empty()) return 0;
  double x = left_, row = 0;
  for (const auto& e : legend) {
    const double w = 26 + kCharWidth * e.name.size() + 12;
    if (x + w > right_ && x > left_) {
      x = left_;
      ++row;
    }
    const double y = kTitleY + 16 + row * kLegendRow;
    if (e.area)
      svg_.rect(x, y - 8, 18, 10, fill_style(e.color, 0.75));
    else
      svg_.line(x, y - 3, x + 18, y - 3, stroke_style(e.color, e.dashed, 2.2));
    svg_.text(x + 24, y + 1, e.name, "class=\"legend\" " + kText);
    x += w;
  }
  return (row + 1) * kLegendRow;
}

void PlotArea::draw_axes(const ChartText& text, const Ticks& xt, const Ticks& yt, bool x_ticks) {
  const std::string grid = "stroke=\"#e3e3e3\" stroke-width=\"1\"";
  const std::string axis = "stroke=\"#888\" stroke-width=\"1\"";
  for (const double v : yt.values) {
    const double py = y_(v);
    svg_.line(left_, py, right_, py, grid);
    svg_.text(left_ - 6, py + 4, tick_label(v, yt.step, std::max(std::abs(yt.lo), std::abs(yt.hi))),
              "class=\"tick\" " + kMuted, "end");
  }
  if (x_ticks)
    for (const double v : xt.values) {
      if (v < x_.d0 - 1e-9 || v > x_.d1 + 1e-9) continue;
      const double px = x_(v);
      svg_.line(px, bottom_, px, bottom_ + 4, axis);
      svg_.text(px, bottom_ + 17,
                tick_label(v, xt.step, std::max(std::abs(xt.lo), std::abs(xt.hi))),
                "class=\"tick\" " + kMuted, "middle");
    }
  svg_.line(left_, bottom_, right_, bottom_, axis);
  svg_.line(left_, top_, left_, bottom_, axis);
  svg_.text((left_ + right_) / 2, height_ - 8, text.x_label, "class=\"axis-label\" " + kText,
            "middle");
  const double mid = (top_ + bottom_) / 2;
  svg_.text(16, mid, text.y_label, "class=\"axis-label\" " + kText, "middle", -90);
}

std::string PlotArea::finish() {
  return svg_.finish();
}

}  // namespace gpufleet::report
