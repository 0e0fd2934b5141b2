#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// One step of an SLA's credit schedule: a billing period whose share of demand served on time
// is below `below` credits `credit` of that period's bill back to the customer.
struct SlaCredit {
  double below = 0;
  double credit = 0;
};

// The value model's parameters (docs/reports.md, "Economics"). Defaults: 5-year straight-line
// depreciation (the 5-6 year convention), PUE 1.2 (hyperscale 1.1-1.2) and 8 US cents per kWh
// (industrial 6-10 cents), all from shared/brief/hardware.md; the SLA credit schedule of AWS's
// compute SLA (region level: below 99.99% a month, 10% of the bill; below 99%, 30%; below 95%,
// 100%); a discount rate of 8% (EST, a large firm's cost of capital). Per-GPU capex, the
// transfer price of work served and the price of renting missing training capacity default to
// the platform's capex_per_gpu and price_per_gpu_hour properties.
struct EconomicsParams {
  double life_years = 5;
  double pue = 1.2;
  double usd_per_kwh = 0.08;
  double discount_rate = 0.08;
  double sla_period_days = 30;
  std::vector<SlaCredit> sla_credits = {{0.999, 0.10}, {0.99, 0.25}, {0.95, 1.00}};
  std::map<std::string, double> capex_per_gpu;                 // by GPU model: overrides
  std::map<std::string, double> internal_price_per_gpu_hour;   // by GPU model: overrides
  std::map<std::string, double> shortfall_price_per_gpu_hour;  // by GPU model: overrides
  std::map<std::string, double> usd_per_million_units;         // by service id: overrides
  std::string file;  // where the overrides came from, for error messages

  // The share of a period's bill credited when that share of its demand was on time.
  double credit_for(double on_time_share) const;
};

// Reads overrides from a JSON file on top of `base`; errors name the file and field.
EconomicsParams load_economics(const std::string& file, EconomicsParams base);

// Throws InputError when an override names a GPU model the fleet lacks or a service the
// workload lacks.
void check_economics(const EconomicsParams& params, const Fleet& fleet, const Workload& workload);

// USD per unit of a service's work served on time: the override, or the GPU-hours that unit
// takes at its first generation's rated throughput times that model's transfer price.
double usd_per_unit(const EconomicsParams& params, const Fleet& fleet,
                    const InferenceService& service);

// The "economics" block of summary.json: per pool what the GPUs cost and earn in cash; for
// training and each service the value of the work served and the price of what was not; for the
// fleet the net value and its parts, over the run's window and per year.
nlohmann::json economics_json(const Fleet& fleet, const Workload& workload, const RunResult& result,
                              const EconomicsParams& params);

}  // namespace gpufleet
