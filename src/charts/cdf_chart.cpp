#include <algorithm>

#include "charts/chart.hpp"

namespace gpufleet::report {

constexpr size_t kSteps = 600;

std::string cdf_chart(const ChartText& text, const std::vector<Samples>& samples) {
  std::vector<Series> lines;
  for (const auto& s : samples) {
    std::vector<double> v = s.values;
    std::sort(v.begin(), v.end());
    Series line{s.name + " (n=" + std::to_string(v.size()) + ")", {}, {}, {}, false};
    // A step function: the fraction of values <= x jumps at each value. Beyond kSteps values
    // only every k-th step is drawn (a chart is 500 px wide; the page stays small).
    const size_t stride = std::max<size_t>(1, v.size() / kSteps);
    double previous = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if ((i + 1) % stride != 0 && i + 1 != v.size()) continue;
      line.x.insert(line.x.end(), {v[i], v[i]});
      const double fraction = static_cast<double>(i + 1) / v.size();
      line.y.insert(line.y.end(), {previous, fraction});
      previous = fraction;
    }
    lines.push_back(std::move(line));
  }
  return line_chart(text, lines);
}

}  // namespace gpufleet::report
