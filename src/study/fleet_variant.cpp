#include "study/fleet_variant.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "model/duration.hpp"
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
  if (used != rest.size() || !std::isfinite(c.amount))
    throw std::invalid_argument("fleet change '" + text + "': " + fix);
  if (c.percent && !(c.amount >= -100 && c.amount <= kMaxChangePercent))
    throw std::invalid_argument("fleet change '" + text +
                                "': a share must be from -100% to +1000% of the pool");
  if (!c.percent && std::abs(c.amount) > kMaxPoolGpus)
    throw std::invalid_argument("fleet change '" + text +
                                "': at most 1,000,000 GPUs added or taken away at once");
  return c;
}

std::string count(int gpus, const GpuSpec& gpu) {
  const int domains = gpus / gpu.gpus_per_domain;
  return std::to_string(gpus) + " GPUs (" + std::to_string(domains) + " " + gpu.system +
         (domains == 1 ? " domain)" : " domains)");
}

// A number of a change: all of `text`, finite, within [low, high].
bool parse_number(const std::string& text, double low, double high, double& value) {
  size_t used = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size() && std::isfinite(value) && value >= low && value <= high;
}

std::string money(double usd) {
  char text[32];
  std::snprintf(text, sizeof text, "$%.2f", usd);
  return text;
}

std::string days(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", seconds / 86400);
  return text;
}

// A contract's start: a duration (30d, 12h), or 0 (parse_duration_s wants a positive one).
double parse_start_s(const std::string& text) {
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  const std::string unit = used > 0 ? text.substr(used) : "?";
  if (value == 0 && (unit.empty() || std::string("smhdw").find(unit) != std::string::npos) &&
      unit.size() <= 1)
    return 0;
  return parse_duration_s(text);
}

// "contract:MODEL:AMOUNT@PRICE[:TERM[:START]]" on the fleet's `pools`: the contract, its GPUs
// rounded to whole domains of the model's first pool.
Contract parse_contract(const std::string& text, const std::vector<PoolSpec>& pools,
                        double horizon_s, std::vector<std::string>& notes) {
  const std::string fix =
      "write contract:MODEL:AMOUNT@PRICE[:TERM[:START]], AMOUNT GPUs, N% or all, PRICE USD per "
      "GPU-hour, TERM and START durations, e.g. contract:H200:30%@2.6:365d";
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("fleet change '" + text + "': " + why + (why.empty() ? "" : "; ") +
                                 fix);
  };
  const auto colon = text.find(':', 9), at = text.find('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon) throw bad("");
  const std::string typed = text.substr(9, colon - 9);
  const auto gpu = find_gpu(typed);
  if (!gpu) throw bad("unknown GPU model '" + typed + "'" + did_you_mean(typed, gpu_model_names()));
  Contract c;
  c.model = gpu->model;
  int model_gpus = 0, domain = 0;
  for (const auto& p : pools)
    if (p.model == c.model) {
      model_gpus += p.gpus;
      if (domain == 0) domain = p.gpus_per_domain > 0 ? p.gpus_per_domain : gpu->gpus_per_domain;
    }
  if (model_gpus == 0) throw bad("the fleet has no " + c.model + " GPU to commit");
  // After the price: the term and the start, each optional.
  std::vector<std::string> terms;
  for (size_t from = at + 1;;) {
    const auto next = text.find(':', from);
    terms.push_back(text.substr(from, next == std::string::npos ? next : next - from));
    if (next == std::string::npos) break;
    from = next + 1;
  }
  if (terms.size() > 3) throw bad("too many parts after the price");
  if (!parse_number(terms[0], 0, 1000, c.price_per_gpu_hour))
    throw bad("the price must be 0 to 1000 USD per GPU-hour");
  try {
    c.start_s = terms.size() > 2 ? parse_start_s(terms[2]) : 0;
    if (c.start_s >= horizon_s)
      throw std::invalid_argument("it starts at day " + days(c.start_s) +
                                  ", after the run ends (day " + days(horizon_s) + ")");
    c.duration_s = terms.size() > 1 ? parse_duration_s(terms[1]) : horizon_s - c.start_s;
  } catch (const std::invalid_argument& e) {
    throw bad(e.what());
  }
  const std::string amount = text.substr(colon + 1, at - colon - 1);
  double wanted = model_gpus;
  if (amount != "all") {
    const bool percent = !amount.empty() && amount.back() == '%';
    const std::string number = percent ? amount.substr(0, amount.size() - 1) : amount;
    if (!parse_number(number, 0, percent ? 100 : 1e7, wanted) || wanted <= 0)
      throw bad("the amount must be GPUs (> 0), N% (0 to 100) or all");
    if (percent) wanted = model_gpus * wanted / 100;
  }
  c.gpus = static_cast<int>(std::lround(wanted / domain)) * domain;
  if (c.gpus != wanted)
    notes.push_back(text + ": " + std::to_string(c.gpus) + " GPUs, rounded to whole " +
                    gpu->system + " domains of " + std::to_string(domain));
  if (c.gpus <= 0)
    throw bad("it rounds to no GPU: commit at least one domain of " + std::to_string(domain));
  if (c.gpus > model_gpus)
    throw bad("it commits " + std::to_string(c.gpus) + " GPUs but the fleet has " +
              std::to_string(model_gpus) + " " + c.model);
  c.id = text;
  notes.push_back(text + ": " + count(c.gpus, *gpu) + " committed at " +
                  money(c.price_per_gpu_hour) + " per GPU-hour from day " + days(c.start_s) +
                  " for " + days(c.duration_s) + (c.duration_s == 86400 ? " day" : " days"));
  return c;
}

// One change of a fleet, applied to `pools` or added to `variant`'s contracts.
void apply_change(const std::string& text, std::vector<PoolSpec>& pools, FleetVariant& variant,
                  double horizon_s, std::vector<std::string>& notes) {
  if (text.rfind("contract:", 0) == 0) {
    Contract c = parse_contract(text, pools, horizon_s, notes);
    int same = 1;  // the same change twice: two contracts, two ids
    for (const auto& other : variant.contracts)
      same += other.id == c.id || other.id.rfind(c.id + " #", 0) == 0;
    if (same > 1) c.id += " #" + std::to_string(same);
    variant.contracts.push_back(std::move(c));
    return;
  }
  const Change c = parse_change(text);
  const GpuSpec gpu = *find_gpu(c.model);
  PoolSpec* pool = nullptr;
  for (auto& p : pools)
    if (p.model == c.model && pool == nullptr) pool = &p;
  if (pool == nullptr && (c.percent || c.amount <= 0))
    throw std::invalid_argument("fleet change '" + text + "': the fleet has no " + c.model +
                                " pool to change; add one with " + c.model + ":+GPUS");
  const double wanted = c.percent ? pool->gpus * c.amount / 100 : c.amount;
  const int domain =
      pool && pool->gpus_per_domain > 0 ? pool->gpus_per_domain : gpu.gpus_per_domain;
  const int delta = static_cast<int>(std::lround(wanted / domain)) * domain;
  if (delta == 0)
    throw std::invalid_argument("fleet change '" + text + "' rounds to no GPU: " + c.model +
                                " changes by whole " + gpu.system + " domains of " +
                                std::to_string(domain) + " GPUs; change it by at least " +
                                std::to_string(domain));
  if (delta != wanted)
    notes.push_back(text + ": " + (delta >= 0 ? "+" : "") + std::to_string(delta) +
                    " GPUs, rounded to whole " + gpu.system + " domains of " +
                    std::to_string(domain));
  if (pool == nullptr) {
    PoolSpec added;
    added.model = c.model;
    added.gpus = delta;
    added.role = c.role;
    pools.push_back(added);
    notes.push_back(text + ": a new " + c.model + " pool of " + count(delta, gpu));
    return;
  }
  if (pool->gpus + delta <= 0)
    throw std::invalid_argument("fleet change '" + text + "' leaves the " + c.model +
                                " pool with no GPU: it has " + std::to_string(pool->gpus));
  if (pool->gpus + static_cast<double>(delta) > kMaxPoolGpus)
    throw std::invalid_argument("fleet change '" + text + "' makes a " + c.model + " pool of " +
                                std::to_string(pool->gpus + static_cast<long>(delta)) +
                                " GPUs, more than 1,000,000");
  pool->gpus += delta;
}

}  // namespace

FleetVariant apply_fleet_changes(std::vector<PoolSpec> pools,
                                 const std::vector<std::string>& changes, double horizon_s,
                                 std::vector<std::string>& notes) {
  FleetVariant variant;
  for (size_t k = 0; k < changes.size(); ++k) try {
      apply_change(changes[k], pools, variant, horizon_s, notes);
    } catch (const FleetChangeError&) {
      throw;
    } catch (const std::invalid_argument& e) {
      throw FleetChangeError(k, e.what());
    }
  variant.pools = std::move(pools);
  return variant;
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

}  // namespace gpufleet
