#include "outputs/economics.hpp"

#include "formats/json_fields.hpp"
#include "model/input_error.hpp"

namespace gpufleet {

namespace {

using nlohmann::json;

constexpr double kSecondsPerYear = 365.0 * 86400;
constexpr double kFlopsPerEflop = 1e18;

double lookup(const std::map<std::string, double>& overrides, const std::string& model,
              double fallback) {
  const auto it = overrides.find(model);
  return it == overrides.end() ? fallback : it->second;
}

void check_models(const std::map<std::string, double>& overrides, const Fleet& fleet,
                  const EconomicsParams& params, const char* key) {
  for (const auto& [model, value] : overrides)
    if (!fleet.has_model(model))
      throw InputError(params.file, std::string(key) + "." + model,
                       "no pool of GPU model '" + model + "' in the platform",
                       "use a model of the platform's pools or remove the entry");
}

// Lease revenue per pool: GPUs x hours held inside the window x the lease's price.
std::vector<double> lease_revenue_by_pool(const Workload& w, const RunResult& r, size_t pools) {
  std::vector<double> revenue(pools, 0.0);
  for (size_t l = 0; l < w.leases.size(); ++l) {
    const auto& run = r.leases[l];
    if (!run.decided || !run.accepted || run.pool < 0) continue;
    const double end = run.end_s >= 0 ? run.end_s : r.horizon_s;
    revenue[run.pool] +=
        w.leases[l].gpus * (end - run.start_s) / 3600 * w.leases[l].price_per_gpu_hour;
  }
  return revenue;
}

struct Money {
  double capex = 0, depreciation = 0, power = 0, lease_revenue = 0, internal_value = 0;
  double useful_flops = 0;

  double cost() const { return depreciation + power; }
  void add(const Money& m) {
    capex += m.capex;
    depreciation += m.depreciation;
    power += m.power;
    lease_revenue += m.lease_revenue;
    internal_value += m.internal_value;
    useful_flops += m.useful_flops;
  }
};

json money_json(const Money& m, double horizon_s) {
  const double eflops = m.useful_flops / kFlopsPerEflop;
  // Payback: capex over the yearly operating cash of the run's rate (revenue and internal
  // value minus power); no payback when that is not positive.
  const double yearly =
      (m.lease_revenue + m.internal_value - m.power) * kSecondsPerYear / horizon_s;
  return {{"capex_usd", m.capex},
          {"depreciation_usd", m.depreciation},
          {"power_cost_usd", m.power},
          {"cost_usd", m.cost()},
          {"lease_revenue_usd", m.lease_revenue},
          {"internal_value_usd", m.internal_value},
          {"cash_margin_usd", m.lease_revenue - m.cost()},
          {"margin_usd", m.lease_revenue + m.internal_value - m.cost()},
          {"useful_eflop", eflops},
          {"cost_per_useful_eflop_usd", eflops > 0 ? json(m.cost() / eflops) : json(nullptr)},
          {"payback_years", yearly > 0 ? json(m.capex / yearly) : json(nullptr)}};
}

}  // namespace

EconomicsParams load_economics(const std::string& file, EconomicsParams base) {
  const json doc = read_json_file(file);
  const JsonFields f(doc, file, "");
  f.reject_unknown(
      {"life_years", "pue", "usd_per_kwh", "capex_per_gpu", "internal_price_per_gpu_hour"});
  base.file = file;
  if (f.has("life_years")) base.life_years = f.positive("life_years");
  if (f.has("pue")) base.pue = f.positive("pue");
  if (f.has("usd_per_kwh")) base.usd_per_kwh = f.non_negative("usd_per_kwh");
  if (base.pue < 1) f.fail("pue", "must be >= 1 (total facility power / IT power)");
  for (const char* key : {"capex_per_gpu", "internal_price_per_gpu_hour"}) {
    if (!f.has(key)) continue;
    const JsonFields models = f.child(key);
    auto& target =
        std::string(key) == "capex_per_gpu" ? base.capex_per_gpu : base.internal_price_per_gpu_hour;
    for (const auto& [model, value] : doc[key].items()) target[model] = models.non_negative(model);
  }
  return base;
}

void check_economics(const EconomicsParams& params, const Fleet& fleet) {
  check_models(params.capex_per_gpu, fleet, params, "capex_per_gpu");
  check_models(params.internal_price_per_gpu_hour, fleet, params, "internal_price_per_gpu_hour");
}

json economics_json(const Fleet& fleet, const Workload& workload, const RunResult& r,
                    const EconomicsParams& params) {
  check_economics(params, fleet);
  const auto revenue = lease_revenue_by_pool(workload, r, fleet.pools.size());
  const double life_s = params.life_years * kSecondsPerYear;
  Money total;
  json pools = json::array();
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    const Pool& pool = fleet.pools[p];
    const int pi = static_cast<int>(p);
    const double capex_per_gpu = lookup(params.capex_per_gpu, pool.gpu_model, pool.capex_per_gpu);
    const double price =
        lookup(params.internal_price_per_gpu_hour, pool.gpu_model, pool.price_per_gpu_hour);
    const double internal_gpu_h = (r.timeline.total_gpu_seconds(pi, JobClass::kTraining) +
                                   r.timeline.total_gpu_seconds(pi, JobClass::kInference)) /
                                  3600;
    const double energy_kwh = p < r.energy_j_per_pool.size() ? r.energy_j_per_pool[p] / 3.6e6 : 0;
    Money m;
    m.capex = capex_per_gpu * pool.gpus();
    m.depreciation = m.capex * r.horizon_s / life_s;
    m.power = energy_kwh * params.pue * params.usd_per_kwh;
    m.lease_revenue = revenue[p];
    m.internal_value = internal_gpu_h * price;
    for (int c = 0; c < kJobClassCount; ++c)
      m.useful_flops += r.timeline.total_flops(pi, static_cast<JobClass>(c));
    total.add(m);
    json row = money_json(m, r.horizon_s);
    row["name"] = pool.name;
    row["gpu_model"] = pool.gpu_model;
    row["capex_per_gpu_usd"] = capex_per_gpu;
    row["internal_price_per_gpu_hour_usd"] = price;
    row["internal_gpu_hours"] = internal_gpu_h;
    pools.push_back(row);
  }
  return {{"parameters",
           {{"life_years", params.life_years},
            {"pue", params.pue},
            {"usd_per_kwh", params.usd_per_kwh}}},
          {"pools", pools},
          {"fleet", money_json(total, r.horizon_s)}};
}

}  // namespace gpufleet
