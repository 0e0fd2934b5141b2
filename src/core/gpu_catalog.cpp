#include "core/gpu_catalog.hpp"

namespace gpufleet {

const std::vector<GpuSpec>& gpu_catalog() {
  // Figures from shared/brief/hardware.md (vendor datasheets, MLPerf, press); see
  // docs/hardware.md for the source of each column. Idle power is an estimate.
  static const std::vector<GpuSpec> catalog = {
      {"GB200", "GB200 NVL72", "training", 72, 2.5e15, 186, 1200, 300, 400, 130000, 4.50, 70000, 8},
      {"GB300", "GB300 NVL72", "training", 72, 2.5e15, 279, 1400, 350, 800, 130000, 6.00, 75000, 8},
      {"H100", "HGX H100", "inference", 8, 989e12, 80, 700, 100, 400, 7200, 2.50, 50000, 32},
      {"H200", "HGX H200", "inference", 8, 989e12, 141, 700, 100, 400, 7200, 3.50, 55000, 32},
  };
  return catalog;
}

std::optional<GpuSpec> find_gpu(std::string_view model) {
  for (const auto& spec : gpu_catalog())
    if (spec.model == model) return spec;
  return std::nullopt;
}

std::string known_gpu_models() {
  std::string names;
  for (const auto& spec : gpu_catalog()) {
    if (!names.empty()) names += ", ";
    names += spec.model;
  }
  return names;
}

}  // namespace gpufleet
