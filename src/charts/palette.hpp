#pragma once

#include <string>

namespace gpufleet::report {

// Colour-blind-safe categorical colours (Okabe-Ito order, then Tableau), for series i.
inline std::string palette(size_t i) {
  static const char* const colors[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                       "#56B4E9", "#D55E00", "#F0E442", "#4E79A7",
                                       "#9C755F", "#BAB0AC", "#76B7B2", "#B07AA1"};
  return colors[i % (sizeof colors / sizeof *colors)];
}

// The fixed colour of a job class, the same in every chart.
inline std::string class_color(const std::string& job_class) {
  if (job_class == "training") return "#0072B2";
  if (job_class == "inference") return "#E69F00";
  if (job_class == "lease") return "#009E73";
  return "#777777";
}

}  // namespace gpufleet::report
