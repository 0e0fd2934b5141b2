// The value of a run (docs/reports.md, "Economics"): work is valued by what was served, never by
// the capacity held for it, and what was not served is priced as the risk it is.
#include "outputs/economics.hpp"

#include <algorithm>
#include <cmath>

#include "outputs/summary.hpp"

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

// A model's price from the first pool of that model (the platform's figure) unless overridden.
double model_price(const std::map<std::string, double>& overrides, const Fleet& fleet,
                   const std::string& model) {
  const auto pools = fleet.pools_of_model(model);
  return lookup(overrides, model,
                pools.empty() ? 0 : fleet.pools[pools.front()].price_per_gpu_hour);
}

double end_or_horizon(double end_s, double horizon_s) {
  return end_s >= 0 ? end_s : horizon_s;
}

// Cash per pool: what the GPUs cost and what external tenants pay for them.
struct PoolCash {
  double capex = 0, depreciation = 0, power = 0, lease_revenue = 0, contract_revenue = 0;
  double useful_flops = 0;

  double cost() const { return depreciation + power; }
  double revenue() const { return lease_revenue + contract_revenue; }
  void add(const PoolCash& o) {
    capex += o.capex;
    depreciation += o.depreciation;
    power += o.power;
    lease_revenue += o.lease_revenue;
    contract_revenue += o.contract_revenue;
    useful_flops += o.useful_flops;
  }
};

std::vector<PoolCash> pool_cash(const Fleet& fleet, const Workload& w, const RunResult& r,
                                const EconomicsParams& params) {
  std::vector<PoolCash> cash(fleet.pools.size());
  const double life_s = params.life_years * kSecondsPerYear;
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    const Pool& pool = fleet.pools[p];
    auto& c = cash[p];
    c.capex = lookup(params.capex_per_gpu, pool.gpu_model, pool.capex_per_gpu) * pool.gpus();
    c.depreciation = c.capex * r.horizon_s / life_s;
    const double kwh = p < r.energy_j_per_pool.size() ? r.energy_j_per_pool[p] / 3.6e6 : 0;
    c.power = kwh * params.pue * params.usd_per_kwh;
    for (int k = 0; k < kJobClassCount; ++k)
      c.useful_flops += r.timeline.total_flops(static_cast<int>(p), static_cast<JobClass>(k));
  }
  for (size_t l = 0; l < w.leases.size(); ++l) {
    const auto& run = r.leases[l];
    if (!run.decided || !run.accepted || run.pool < 0) continue;
    const double hours = (end_or_horizon(run.end_s, r.horizon_s) - run.start_s) / 3600;
    cash[run.pool].lease_revenue += w.leases[l].gpus * hours * w.leases[l].price_per_gpu_hour;
  }
  for (size_t k = 0; k < w.contracts.size(); ++k) {
    const auto& run = r.contracts[k];
    if (run.start_s < 0) continue;
    const double hours = (end_or_horizon(run.end_s, r.horizon_s) - run.start_s) / 3600;
    for (size_t p = 0; p < run.gpus_by_pool.size(); ++p)
      cash[p].contract_revenue += run.gpus_by_pool[p] * hours * w.contracts[k].price_per_gpu_hour;
  }
  return cash;
}

json cash_json(const PoolCash& c) {
  const double eflop = c.useful_flops / kFlopsPerEflop;
  return {{"capex_usd", c.capex},
          {"depreciation_usd", c.depreciation},
          {"power_cost_usd", c.power},
          {"cost_usd", c.cost()},
          {"lease_revenue_usd", c.lease_revenue},
          {"contract_revenue_usd", c.contract_revenue},
          {"cash_margin_usd", c.revenue() - c.cost()},
          {"useful_eflop", eflop},
          {"cost_per_useful_eflop_usd", eflop > 0 ? json(c.cost() / eflop) : json(nullptr)}};
}

// Training: the lab has its training demand done. What the fleet serves within the window is done
// in-house; the rest is rented, at the rental price of the generation each job asked for first, to
// keep the schedule. The work is worth its transfer price wherever it ran, so the policy and the
// fleet move the net value through the rent alone: each GPU-hour served in-house is worth the rent
// it saves, once (valuing it and also charging the rent of its absence would count it twice).
struct TrainingValue {
  double demand_h = 0, served_h = 0, value = 0, in_house_value = 0, shortfall_cost = 0;
};

TrainingValue training_value(const Fleet& fleet, const Workload& w, const RunResult& r,
                             const EconomicsParams& params) {
  TrainingValue t;
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& job = w.training[j];
    if (job.submit_s >= r.horizon_s) continue;
    const std::string& model = job.generations.front().model;
    const double need_h = training_need_gpu_hours(fleet, job);
    const double served_h = need_h * r.training[j].work_done_flops / job.work_flops;
    const double price = model_price(params.internal_price_per_gpu_hour, fleet, model);
    t.demand_h += need_h;
    t.served_h += served_h;
    t.value += need_h * price;
    t.in_house_value += served_h * price;
    t.shortfall_cost += std::max(0.0, need_h - served_h) *
                        model_price(params.shortfall_price_per_gpu_hour, fleet, model);
  }
  return t;
}

// One service: its work on time valued at its price per unit; each billing period whose share
// on time falls below a step of the SLA credit schedule credits that share of its bill.
struct ServiceValue {
  double value = 0, bill = 0, penalty = 0;
  json row;
};

ServiceValue service_value(const Fleet& fleet, const Workload& w, const RunResult& r, int s,
                           const EconomicsParams& params) {
  const auto& service = w.inference[s];
  const double price = usd_per_unit(params, fleet, service);
  const auto& demand = r.series.demand_units;
  const auto& on_time = r.series.on_time_units;
  const double period_s = params.sla_period_days * 86400;
  const int periods = std::max(1, static_cast<int>(std::ceil(r.horizon_s / period_s - 1e-9)));
  std::vector<double> period_demand(periods, 0.0), period_on_time(periods, 0.0);
  for (int b = 0; b < demand.bins(); ++b) {  // a bin belongs to the period it starts in
    const int k = std::min(periods - 1, static_cast<int>(demand.bin_start(b) / period_s));
    period_demand[k] += demand.integral(s, b);
    period_on_time[k] += on_time.integral(s, b);
  }
  ServiceValue v;
  json rows = json::array();
  for (int k = 0; k < periods; ++k) {
    const double share = period_demand[k] > 0 ? period_on_time[k] / period_demand[k] : 1.0;
    const double bill = period_demand[k] * price;
    const double credit = params.credit_for(share);
    v.bill += bill;
    v.penalty += credit * bill;
    rows.push_back({{"start_s", k * period_s},
                    {"slo_attainment", share},
                    {"credit", credit},
                    {"bill_usd", bill},
                    {"sla_penalty_usd", credit * bill}});
  }
  const double on_time_units = r.services[s].on_time_units;
  v.value = on_time_units * price;
  v.row = {{"id", service.id},
           {"unit", service.unit},
           {"usd_per_million_units", price * 1e6},
           {"on_time_units", on_time_units},
           {"value_usd", v.value},
           {"bill_usd", v.bill},
           {"sla_penalty_usd", v.penalty},
           {"periods", rows}};
  return v;
}

// The money figures of the fleet, over the window (per year: scaled by a year / the window).
json fleet_json(const PoolCash& cash, const TrainingValue& training, double inference_value,
                double penalty, double scale) {
  const double work = training.value + inference_value;
  const double net = cash.revenue() + work - penalty - training.shortfall_cost - cash.cost();
  return {{"depreciation_usd", cash.depreciation * scale},
          {"power_cost_usd", cash.power * scale},
          {"cost_usd", cash.cost() * scale},
          {"lease_revenue_usd", cash.lease_revenue * scale},
          {"contract_revenue_usd", cash.contract_revenue * scale},
          {"training_value_usd", training.value * scale},
          {"inference_value_usd", inference_value * scale},
          {"work_value_usd", work * scale},
          {"sla_penalty_usd", penalty * scale},
          {"shortfall_cost_usd", training.shortfall_cost * scale},
          {"net_value_usd", net * scale},
          {"cash_margin_usd", (cash.revenue() - cash.cost()) * scale}};
}

json credits_json(const std::vector<SlaCredit>& credits) {
  json steps = json::array();
  for (const auto& c : credits) steps.push_back({{"below", c.below}, {"credit", c.credit}});
  return steps;
}

}  // namespace

json economics_json(const Fleet& fleet, const Workload& workload, const RunResult& r,
                    const EconomicsParams& params) {
  check_economics(params, fleet, workload);
  const auto cash = pool_cash(fleet, workload, r, params);
  PoolCash total;
  json pools = json::array();
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    const Pool& pool = fleet.pools[p];
    total.add(cash[p]);
    json row = cash_json(cash[p]);
    row["name"] = pool.name;
    row["gpu_model"] = pool.gpu_model;
    row["capex_per_gpu_usd"] = lookup(params.capex_per_gpu, pool.gpu_model, pool.capex_per_gpu);
    row["internal_price_per_gpu_hour_usd"] =
        lookup(params.internal_price_per_gpu_hour, pool.gpu_model, pool.price_per_gpu_hour);
    row["shortfall_price_per_gpu_hour_usd"] =
        lookup(params.shortfall_price_per_gpu_hour, pool.gpu_model, pool.price_per_gpu_hour);
    pools.push_back(row);
  }
  const TrainingValue training = training_value(fleet, workload, r, params);
  double inference_value = 0, penalty = 0;
  json services = json::array();
  for (size_t s = 0; s < workload.inference.size(); ++s) {
    ServiceValue v = service_value(fleet, workload, r, static_cast<int>(s), params);
    inference_value += v.value;
    penalty += v.penalty;
    services.push_back(std::move(v.row));
  }
  json fleet_row = cash_json(total);
  fleet_row.update(fleet_json(total, training, inference_value, penalty, 1.0));
  const double per_year = r.horizon_s > 0 ? kSecondsPerYear / r.horizon_s : 0;
  return {{"period", {{"window_s", r.horizon_s}, {"days", r.horizon_s / 86400}}},
          {"parameters",
           {{"life_years", params.life_years},
            {"pue", params.pue},
            {"usd_per_kwh", params.usd_per_kwh},
            {"discount_rate", params.discount_rate},
            {"sla_period_days", params.sla_period_days},
            {"sla_credits", credits_json(params.sla_credits)}}},
          {"pools", pools},
          {"training",
           {{"demand_gpu_hours", training.demand_h},
            {"served_gpu_hours", training.served_h},
            {"shortfall_gpu_hours", std::max(0.0, training.demand_h - training.served_h)},
            {"value_usd", training.value},
            {"in_house_value_usd", training.in_house_value},
            {"rented_value_usd", training.value - training.in_house_value},
            {"shortfall_cost_usd", training.shortfall_cost}}},
          {"services", services},
          {"fleet", fleet_row},
          {"fleet_per_year", fleet_json(total, training, inference_value, penalty, per_year)}};
}

}  // namespace gpufleet
