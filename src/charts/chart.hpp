#pragma once

#include <string>
#include <vector>

namespace gpufleet::report {

// What a chart says about itself: a title, and axis labels that carry the unit.
struct ChartText {
  std::string title;
  std::string x_label;
  std::string y_label;
};

// One named series of points (or, in a bar chart, one value per category).
struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
  std::string color;  // empty: the next palette colour
  bool dashed = false;
};

constexpr double kChartWidth = 600;
constexpr double kChartHeight = 330;

// Lines over a linear x axis; `stacked` series (same x) are drawn first as stacked areas.
std::string line_chart(const ChartText& text, const std::vector<Series>& lines,
                       const std::vector<Series>& stacked = {});

// Empirical CDFs of samples, one step line per named sample set.
struct Samples {
  std::string name;
  std::vector<double> values;
};
std::string cdf_chart(const ChartText& text, const std::vector<Samples>& samples);

// An interval per bar of one series (e.g. a 95% CI), drawn as a whisker from low to high.
struct Whiskers {
  std::vector<double> low, high;
};

// Grouped vertical bars: one group per category, one bar per series (y[i] for category i),
// with whiskers[s] on series s where given. The value axis spans at least `min_span` (in the
// values' unit), so that differences near the display rounding do not fill the chart.
std::string bar_chart(const ChartText& text, const std::vector<std::string>& categories,
                      const std::vector<Series>& series, const std::vector<Whiskers>& whiskers = {},
                      double min_span = 0);

// Whether any value of the series is not 0: a chart of none says nothing.
bool has_nonzero(const std::vector<Series>& series);

}  // namespace gpufleet::report
