#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpufleet {

// One GPU generation as shipped in a system: the figures the platform generator writes into
// platform XML. Sources are listed in docs/hardware.md; EST values are estimates.
struct GpuSpec {
  std::string model;              // "GB200", "H100", ...
  std::string system;             // "GB200 NVL72", "HGX H100"
  std::string role;               // default pool role: "training" or "inference"
  int gpus_per_domain = 0;        // GPUs in one NVLink domain (= one SimGrid host)
  double bf16_flops = 0;          // dense BF16 FLOP/s per GPU
  double hbm_gb = 0;              // HBM per GPU
  double tdp_w = 0;               // board power per GPU at full load
  double idle_w = 0;              // per GPU when it computes nothing (EST, docs/hardware.md)
  double scaleout_gbps = 0;       // InfiniBand per GPU, Gb/s
  double nvlink_domain_GBps = 0;  // aggregate NVLink bandwidth of one domain, GB/s
  double price_per_gpu_hour = 0;  // on-demand rental, USD
  double capex_per_gpu = 0;       // all-in capital cost per GPU, USD (EST)
  int hosts_per_leaf = 0;         // NVLink domains under one leaf switch (scalable unit)
  // LLM training speed per GPU against H100 at the same precision (0: not rated); gives the
  // relative_speed of a generation added to jobs by a fleet what-if (study/fleet_variant.hpp).
  double training_speed = 0;
  // Figures of the serving model (src/serving/serving_model.hpp), per GPU; 0: not in the
  // catalog for this generation (the serving model refuses it). Sources in docs/hardware.md.
  double hbm_bytes_per_s = 0;     // HBM bandwidth, bytes/s
  double fp8_flops = 0;           // dense FP8 FLOP/s
  double fp4_flops = 0;           // dense FP4 FLOP/s (0: no FP4 tensor cores)
  double nvlink_bytes_per_s = 0;  // NVLink bandwidth, both directions together (as quoted)

  // Dense peak of the dtype a model with `bytes_per_weight` computes in (W8A8 FP8 and W4A4 FP4,
  // as the MLPerf results run): 2 BF16, 1 FP8, 0.5 FP4. 0 when the catalog has no such peak.
  double peak_flops_for(double bytes_per_weight) const;
};

// How many times its dense BF16 peak a catalog GPU computes in the dtype of `bytes_per_weight`
// (H100 at FP8: 2). 1 for BF16, or for a GPU the catalog does not rate in that dtype.
double dtype_speedup(std::string_view gpu_model, double bytes_per_weight);

// The models gpufleet ships: catalogs/gpu-catalog.json, compiled into the binary (sources of
// every figure in docs/hardware.md).
const std::vector<GpuSpec>& shipped_gpu_catalog();
// A catalog document (format "gpufleet-gpu-catalog", schemas/gpu-catalog.schema.json) applied
// onto `base`: an entry naming a model of `base` (case ignored) overrides the fields it gives,
// any other entry adds a model and must give every required field. InputError naming `file`
// and the field (e.g. "models[2].tdp_w") for anything unknown, missing, duplicated or out of range.
std::vector<GpuSpec> gpu_catalog_from_json(const nlohmann::json& doc, const std::string& file,
                                           std::vector<GpuSpec> base);

// The process's catalog, which everything that needs a GPU's figures reads: the shipped one, or
// the one a command installed at start-up (--catalog FILE). It is one table per process on
// purpose: it is installed once, before the first read, and never changes afterwards, so that
// every layer agrees on a model's figures without each call site carrying the catalog.
const std::vector<GpuSpec>& gpu_catalog();
// Installs `catalog` as the process's; std::logic_error if the catalog was read or installed
// before (a start-up ordering bug, not an input error).
void install_gpu_catalog(std::vector<GpuSpec> catalog);
// The catalog's entry for a model name, case ignored ("gb200" finds "GB200").
std::optional<GpuSpec> find_gpu(std::string_view model);
std::vector<std::string> gpu_model_names();
std::string known_gpu_models();  // "GB200, GB300, H100, H200" for error messages
// One line per model: name, system, GPUs per NVLink domain, default role (for --help).
std::string gpu_catalog_table(const std::vector<GpuSpec>& catalog);

}  // namespace gpufleet
