#include "study/fleet_variant.hpp"

#include <cmath>
#include <stdexcept>

#include "model/gpu_catalog.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

struct Change {
  std::string model;  // the catalog's spelling
  double amount = 0;  // GPUs, or percent when `percent`
  bool percent = false;
  std::string role;  // for a new pool; empty: the catalog's
};

Change parse_change(const std::string& text) {
  const std::string fix =
      "write MODEL:+GPUS, MODEL:-GPUS or MODEL:+-PERCENT%, e.g. H100:-50% or "
      "GB300:+504 (optionally :ROLE for a new pool)";
  const auto colon = text.find(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("fleet change '" + text + "': " + fix);
  Change c;
  const auto gpu = find_gpu(text.substr(0, colon));
  if (!gpu)
    throw std::invalid_argument(
        "fleet change '" + text + "': unknown GPU model '" + text.substr(0, colon) + "'" +
        did_you_mean(text.substr(0, colon), gpu_model_names()) + "; known: " + known_gpu_models());
  c.model = gpu->model;
  std::string rest = text.substr(colon + 1);
  if (const auto role = rest.find(':'); role != std::string::npos) {
    c.role = rest.substr(role + 1);
    rest = rest.substr(0, role);
    if (c.role != "training" && c.role != "inference")
      throw std::invalid_argument("fleet change '" + text +
                                  "': role must be training or inference");
  }
  if (rest.empty() || (rest[0] != '+' && rest[0] != '-'))
    throw std::invalid_argument("fleet change '" + text + "': " + fix);
  c.percent = rest.back() == '%';
  if (c.percent) rest.pop_back();
  size_t used = 0;
  try {
    c.amount = std::stod(rest, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != rest.size() || !std::isfinite(c.amount) || std::abs(c.amount) > 1e7 ||
      (c.percent && c.amount < -100))
    throw std::invalid_argument("fleet change '" + text + "': " + fix);
  return c;
}

std::string count(int gpus, const GpuSpec& gpu) {
  const int domains = gpus / gpu.gpus_per_domain;
  return std::to_string(gpus) + " GPUs (" + std::to_string(domains) + " " + gpu.system +
         (domains == 1 ? " domain)" : " domains)");
}

}  // namespace

std::vector<PoolSpec> apply_fleet_changes(std::vector<PoolSpec> pools,
                                          const std::vector<std::string>& changes,
                                          std::vector<std::string>& notes) {
  for (const auto& text : changes) {
    const Change c = parse_change(text);
    const GpuSpec gpu = *find_gpu(c.model);
    PoolSpec* pool = nullptr;
    for (auto& p : pools)
      if (p.model == c.model && pool == nullptr) pool = &p;
    const double wanted = c.percent ? (pool ? pool->gpus : 0) * c.amount / 100 : c.amount;
    const int domain =
        pool && pool->gpus_per_domain > 0 ? pool->gpus_per_domain : gpu.gpus_per_domain;
    const int delta = static_cast<int>(std::lround(wanted / domain)) * domain;
    if (delta != wanted)
      notes.push_back(text + ": " + (delta >= 0 ? "+" : "") + std::to_string(delta) +
                      " GPUs, rounded to whole " + gpu.system + " domains of " +
                      std::to_string(domain));
    if (pool == nullptr) {
      if (delta <= 0)
        throw std::invalid_argument("fleet change '" + text + "': the fleet has no " + c.model +
                                    " pool to change; add one with " + c.model + ":+GPUS");
      PoolSpec added;
      added.model = c.model;
      added.gpus = delta;
      added.role = c.role;
      pools.push_back(added);
      notes.push_back(text + ": a new " + c.model + " pool of " + count(delta, gpu));
      continue;
    }
    if (pool->gpus + delta <= 0)
      throw std::invalid_argument("fleet change '" + text + "' leaves the " + c.model +
                                  " pool with no GPU: it has " + std::to_string(pool->gpus));
    pool->gpus += delta;
  }
  return pools;
}

}  // namespace gpufleet
