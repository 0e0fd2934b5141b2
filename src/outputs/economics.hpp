#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "metrics/run_result.hpp"
#include "model/fleet.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// The cost model's parameters (docs/reports.md). Defaults come from shared/brief/hardware.md:
// 5-year straight-line depreciation (the 5-6 year convention), PUE 1.2 (hyperscale 1.1-1.2)
// and 8 US cents per kWh (industrial 6-10 cents). Per-GPU capex and the internal transfer
// price default to the platform's capex_per_gpu and price_per_gpu_hour properties.
struct EconomicsParams {
  double life_years = 5;
  double pue = 1.2;
  double usd_per_kwh = 0.08;
  std::map<std::string, double> capex_per_gpu;                // by GPU model: overrides
  std::map<std::string, double> internal_price_per_gpu_hour;  // by GPU model: overrides
  std::string file;  // where the overrides came from, for error messages
};

// Reads overrides from a JSON file on top of `base`; errors name the file and field.
EconomicsParams load_economics(const std::string& file, EconomicsParams base);

// Throws InputError when an override names a GPU model the fleet does not have.
void check_economics(const EconomicsParams& params, const Fleet& fleet);

// The "economics" block of summary.json: per pool and for the fleet, depreciation, power
// cost, lease revenue, internal value, margins, cost per useful EFLOP and the payback period.
nlohmann::json economics_json(const Fleet& fleet, const Workload& workload, const RunResult& result,
                              const EconomicsParams& params);

}  // namespace gpufleet
