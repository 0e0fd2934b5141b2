#include "study/fleet_variant.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "model/gpu_catalog.hpp"
#include "model/names.hpp"
#include "outputs/economics.hpp"

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

// "contract:MODEL:GPUS@PRICE" or "contract:MODEL:all@PRICE" as a change of -GPUS, and its terms.
std::string parse_contract(const std::string& text, FleetContract& contract,
                           const std::vector<PoolSpec>& pools) {
  const std::string fix =
      "write contract:MODEL:GPUS@PRICE or contract:MODEL:all@PRICE, e.g. "
      "contract:H100:all@2.1 (USD per GPU-hour)";
  const auto colon = text.find(':', 9), at = text.find('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon)
    throw std::invalid_argument("fleet change '" + text + "': " + fix);
  const auto gpu = find_gpu(text.substr(9, colon - 9));
  if (!gpu) throw std::invalid_argument("fleet change '" + text + "': unknown GPU model; " + fix);
  contract.model = gpu->model;
  size_t used = 0;
  const std::string price = text.substr(at + 1);
  try {
    contract.price_per_gpu_hour = std::stod(price, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != price.size() || !std::isfinite(contract.price_per_gpu_hour) ||
      contract.price_per_gpu_hour < 0 || contract.price_per_gpu_hour > 1000)
    throw std::invalid_argument("fleet change '" + text +
                                "': the price must be 0 to 1000 USD "
                                "per GPU-hour; " +
                                fix);
  const std::string gpus = text.substr(colon + 1, at - colon - 1);
  if (gpus == "all") {
    int all = 0;
    for (const auto& p : pools)
      if (p.model == contract.model) all += p.gpus;
    return contract.model + ":-" + std::to_string(all);
  }
  return contract.model + ":-" + gpus;
}

}  // namespace

std::vector<PoolSpec> apply_fleet_changes(std::vector<PoolSpec> pools,
                                          const std::vector<std::string>& changes,
                                          std::vector<std::string>& notes,
                                          std::vector<FleetContract>* contracts) {
  for (const auto& given : changes) {
    std::string text = given;
    FleetContract contract;
    const bool is_contract = given.rfind("contract:", 0) == 0;
    if (is_contract) text = parse_contract(given, contract, pools);
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
    if (is_contract) {
      contract.gpus = -delta;
      if (contracts) contracts->push_back(contract);
      char price[32];
      std::snprintf(price, sizeof price, "$%.2f", contract.price_per_gpu_hour);
      notes.push_back(given + ": " + count(-delta, gpu) + " leased out at " + price +
                      " per GPU-hour");
      if (pool->gpus + delta == 0) {  // the whole pool
        pools.erase(pools.begin() + (pool - pools.data()));
        continue;
      }
    }
    if (pool->gpus + delta <= 0)
      throw std::invalid_argument("fleet change '" + given + "' leaves the " + c.model +
                                  " pool with no GPU: it has " + std::to_string(pool->gpus));
    pool->gpus += delta;
  }
  return pools;
}

long add_training_generations(Workload& workload, const std::vector<PoolSpec>& pools) {
  std::vector<GpuSpec> training;
  for (const auto& p : pools) {
    const GpuSpec gpu = *find_gpu(p.model);
    if ((p.role.empty() ? gpu.role : p.role) == "training" && gpu.training_speed > 0)
      training.push_back(gpu);
  }
  long added = 0;
  for (auto& job : workload.training) {
    const auto first = find_gpu(job.generations.front().model);
    if (!first || first->training_speed <= 0) continue;
    for (const auto& gpu : training) {
      const bool listed = std::any_of(job.generations.begin(), job.generations.end(),
                                      [&](const auto& g) { return g.model == gpu.model; });
      if (listed) continue;
      TrainingGeneration g;
      g.model = gpu.model;
      g.relative_speed = gpu.training_speed / first->training_speed;
      job.generations.push_back(g);
      ++added;
    }
  }
  return added;
}

long drop_absent_models(Workload& workload, const std::vector<PoolSpec>& pools) {
  auto absent = [&](const std::string& model) {
    return std::none_of(pools.begin(), pools.end(),
                        [&](const auto& p) { return p.model == model; });
  };
  long dropped = 0;
  for (auto& job : workload.training) {
    const auto& first = job.generations.front();
    const auto first_gpu = find_gpu(first.model);
    for (auto& g : job.generations)
      if (g.relative_speed > 0 && first_gpu && find_gpu(g.model)) {
        g.mfu =
            g.relative_speed * first.mfu * first_gpu->bf16_flops / find_gpu(g.model)->bf16_flops;
        g.relative_speed = 0;
      }
    dropped += std::erase_if(job.generations, [&](const auto& g) { return absent(g.model); });
    if (job.generations.empty())
      throw std::invalid_argument("training job '" + job.id +
                                  "' may run on no model left in "
                                  "the fleet: keep a pool it may use");
  }
  for (auto& service : workload.inference) {
    dropped += std::erase_if(service.generations, [&](const auto& g) { return absent(g.model); });
    if (service.generations.empty())
      throw std::invalid_argument("service '" + service.id +
                                  "' may run on no model left in "
                                  "the fleet: keep a pool it may use");
  }
  dropped += std::erase_if(workload.leases, [&](const auto& l) { return absent(l.model); });
  return dropped;
}

nlohmann::json contracts_json(const std::vector<FleetContract>& contracts, double horizon_s) {
  const EconomicsParams defaults;
  const double hours = horizon_s / 3600;
  long gpus = 0;
  double revenue = 0, depreciation = 0, power = 0;
  for (const auto& c : contracts) {
    const GpuSpec gpu = *find_gpu(c.model);
    gpus += c.gpus;
    revenue += c.gpus * hours * c.price_per_gpu_hour;
    depreciation += c.gpus * gpu.capex_per_gpu * hours / (defaults.life_years * 8760);
    power += c.gpus * gpu.tdp_w / 1000 * hours * defaults.pue * defaults.usd_per_kwh;
  }
  return {{"gpus", gpus},
          {"revenue_usd", revenue},
          {"depreciation_usd", depreciation},
          {"power_cost_usd", power},
          {"margin_usd", revenue - depreciation - power}};
}

}  // namespace gpufleet
