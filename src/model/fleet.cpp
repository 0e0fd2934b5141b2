#include "model/fleet.hpp"

#include <stdexcept>

namespace gpufleet {

PoolRole parse_pool_role(const std::string& text) {
  if (text == "training") return PoolRole::kTraining;
  if (text == "inference") return PoolRole::kInference;
  throw std::invalid_argument("role must be 'training' or 'inference', got '" + text + "'");
}

const char* to_string(PoolRole role) {
  return role == PoolRole::kTraining ? "training" : "inference";
}

int Fleet::total_gpus() const {
  int total = 0;
  for (const auto& pool : pools) total += pool.gpus();
  return total;
}

double Fleet::total_peak_flops() const {
  double total = 0;
  for (const auto& pool : pools) total += pool.peak_flops();
  return total;
}

std::vector<int> Fleet::pools_of_model(const std::string& model) const {
  std::vector<int> found;
  for (int i = 0; i < static_cast<int>(pools.size()); ++i)
    if (pools[i].gpu_model == model) found.push_back(i);
  return found;
}

bool Fleet::has_model(const std::string& model) const {
  return !pools_of_model(model).empty();
}

double Fleet::peak_flops_of_model(const std::string& model) const {
  for (const auto& pool : pools)
    if (pool.gpu_model == model) return pool.peak_flops_per_gpu;
  return 0;
}

}  // namespace gpufleet
