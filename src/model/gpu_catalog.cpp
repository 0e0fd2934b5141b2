#include "model/gpu_catalog.hpp"

#include <cstdio>

#include "model/names.hpp"

namespace gpufleet {

namespace {

// The serving model's figures per GPU (src/serving/serving_model.hpp): HBM bandwidth, dense FP8
// and FP4 FLOP/s, NVLink per GPU (both directions). Vendor datasheets via the brief, sources in
// docs/hardware.md. A table of its own, so that the catalog rows below stay as they were.
struct ServingFigures {
  const char* model;
  double hbm_bytes_per_s, fp8_flops, fp4_flops, nvlink_bytes_per_s;
};
// One generation a line.
// clang-format off
constexpr ServingFigures kServingFigures[] = {
    {"GB200", 8e12, 5e15, 10e15, 1.8e12},
    {"GB300", 8e12, 5e15, 15e15, 1.8e12},
    {"H100", 3.35e12, 1.979e15, 0, 900e9},
    {"H200", 4.8e12, 1.979e15, 0, 900e9},
    {"B300", 7.7e12, 4.5e15, 14e15, 1.8e12},
};
// clang-format on

std::vector<GpuSpec> with_serving_figures(std::vector<GpuSpec> catalog) {
  for (auto& spec : catalog)
    for (const auto& f : kServingFigures)
      if (spec.model == f.model) {
        spec.hbm_bytes_per_s = f.hbm_bytes_per_s;
        spec.fp8_flops = f.fp8_flops;
        spec.fp4_flops = f.fp4_flops;
        spec.nvlink_bytes_per_s = f.nvlink_bytes_per_s;
      }
  return catalog;
}

}  // namespace

const std::vector<GpuSpec>& gpu_catalog() {
  // Figures from shared/brief/hardware.md (vendor datasheets, MLPerf, press); see
  // docs/hardware.md for the source of each column. Idle power (a GPU powered and holding
  // nothing, or an idle replica with its model loaded) is an estimate; the measurements it
  // rests on are cited there.
  static const std::vector<GpuSpec> catalog = with_serving_figures({
      {"GB200", "GB200 NVL72", "training", 72, 2.5e15, 186, 1200, 300, 400, 130000, 4.50, 70000, 8,
       2.2},
      {"GB300", "GB300 NVL72", "training", 72, 2.5e15, 279, 1400, 350, 800, 130000, 6.00, 75000, 8,
       2.5},
      {"H100", "HGX H100", "inference", 8, 989e12, 80, 700, 100, 400, 7200, 2.50, 50000, 32, 1.0},
      {"H200", "HGX H200", "inference", 8, 989e12, 141, 700, 100, 400, 7200, 3.50, 55000, 32, 1.1},
      // Newer generations for what-ifs; most of their figures are estimates (EST), sources and
      // reasoning in docs/hardware.md. B300 (HGX): Blackwell Ultra in 8-GPU servers.
      {"B300", "HGX B300", "training", 8, 2.25e15, 270, 1100, 150, 800, 14400, 5.50, 65000, 32,
       2.3},
      // Rubin (Vera Rubin NVL144: 72 packages of two dies in one NVLink domain), all EST.
      {"Rubin", "Vera Rubin NVL144", "training", 72, 5e15, 288, 1800, 400, 1600, 259200, 8.00,
       90000, 8, 5.0},
      // The models of the Alibaba GPU cluster trace (cluster-trace-gpu-v2023). Peak is the
      // dense FP16 tensor rate (these GPUs predate or lack fast BF16). G2 and G3 are
      // undisclosed: G2 stands in as a V100 32 GB server, G3 as an A100 40 GB server
      // (docs/importers.md says why).
      {"T4", "PCIe T4 server", "training", 2, 65e12, 16, 70, 10, 25, 32, 0.35, 2500, 32, 0},
      {"P100", "PCIe P100 server", "training", 2, 18.7e12, 16, 250, 25, 25, 32, 1.46, 6000, 32, 0},
      {"V100M16", "SXM2 V100 16GB server", "training", 8, 125e12, 16, 300, 40, 25, 2400, 2.48,
       10000, 32, 0},
      {"V100M32", "SXM2 V100 32GB server", "training", 8, 125e12, 32, 300, 40, 25, 2400, 2.48,
       12000, 32, 0},
      {"A10", "PCIe A10 server", "training", 1, 125e12, 24, 150, 20, 25, 32, 1.00, 3500, 32, 0},
      {"G2", "undisclosed (V100 32GB stand-in)", "training", 8, 125e12, 32, 300, 40, 25, 2400, 2.48,
       12000, 32, 0},
      {"G3", "undisclosed (A100 40GB stand-in)", "training", 8, 312e12, 40, 400, 50, 100, 4800,
       3.67, 15000, 32, 0},
  });
  return catalog;
}

std::optional<GpuSpec> find_gpu(std::string_view model) {
  for (const auto& spec : gpu_catalog())
    if (same_name(spec.model, model)) return spec;
  return std::nullopt;
}

double GpuSpec::peak_flops_for(double bytes_per_weight) const {
  if (bytes_per_weight >= 2) return bf16_flops;
  if (bytes_per_weight >= 1) return fp8_flops;
  return fp4_flops;
}

double dtype_speedup(std::string_view gpu_model, double bytes_per_weight) {
  const auto gpu = find_gpu(gpu_model);
  if (!gpu || gpu->bf16_flops <= 0) return 1;
  const double peak = gpu->peak_flops_for(bytes_per_weight);
  return peak > 0 ? peak / gpu->bf16_flops : 1;
}

std::vector<std::string> gpu_model_names() {
  std::vector<std::string> names;
  for (const auto& spec : gpu_catalog()) names.push_back(spec.model);
  return names;
}

std::string known_gpu_models() {
  std::string names;
  for (const auto& spec : gpu_catalog()) {
    if (!names.empty()) names += ", ";
    names += spec.model;
  }
  return names;
}

std::string gpu_catalog_table() {
  std::string table;
  for (const auto& spec : gpu_catalog()) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-8s %-34s %3d GPU%s per NVLink domain, %s\n",
                  spec.model.c_str(), spec.system.c_str(), spec.gpus_per_domain,
                  spec.gpus_per_domain == 1 ? "" : "s", spec.role.c_str());
    table += line;
  }
  return table;
}

}  // namespace gpufleet
