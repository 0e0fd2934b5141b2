// GPU catalog JSON, as `--catalog FILE` reads it: gpu_catalog_from_json over the shipped
// catalog. Beyond a clean error, a catalog it accepts must hold figures a platform can use:
// every model named, finite, positive where the reader says so, idle power at most the TDP.
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "model/gpu_catalog.hpp"

namespace {

bool usable(const gpufleet::GpuSpec& s) {
  const double figures[] = {s.bf16_flops,
                            s.hbm_gb,
                            s.tdp_w,
                            s.idle_w,
                            s.scaleout_gbps,
                            s.nvlink_domain_GBps,
                            s.price_per_gpu_hour,
                            s.capex_per_gpu,
                            s.training_speed,
                            s.hbm_bytes_per_s,
                            s.fp8_flops,
                            s.fp4_flops,
                            s.nvlink_bytes_per_s};
  for (double x : figures)
    if (!std::isfinite(x) || x < 0) return false;
  // A domain's FLOP/s and bandwidth are what the platform file writes: they must stay finite.
  const double domain_flops = s.gpus_per_domain * s.bf16_flops;
  return !s.model.empty() && s.gpus_per_domain >= 1 && s.bf16_flops > 0 && s.tdp_w > 0 &&
         s.idle_w <= s.tdp_w && std::isfinite(domain_flops) &&
         (s.role == "training" || s.role == "inference");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gpufleet;
  const auto doc = nlohmann::json::parse(fuzz::text_of(data, size), nullptr, false);
  if (doc.is_discarded()) return 0;  // read_json_file's syntax errors are the workload target's
  fuzz::expect_clean([&] {
    for (const auto& spec : gpu_catalog_from_json(doc, "catalog.json", shipped_gpu_catalog()))
      if (!usable(spec)) std::abort();
  });
  return 0;
}
