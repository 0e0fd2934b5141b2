// The value model's parameters: defaults, the JSON file of overrides, and their checks.
#include <algorithm>
#include <cmath>

#include "formats/json_fields.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"
#include "outputs/economics.hpp"

namespace gpufleet {

namespace {

using nlohmann::json;

constexpr const char* kByModel[] = {"capex_per_gpu", "internal_price_per_gpu_hour",
                                    "shortfall_price_per_gpu_hour"};

// The override map of a by-model key, const or not as `p` is.
template <typename Params>
auto& by_model(Params& p, const std::string& key) {
  if (key == "capex_per_gpu") return p.capex_per_gpu;
  if (key == "internal_price_per_gpu_hour") return p.internal_price_per_gpu_hour;
  return p.shortfall_price_per_gpu_hour;
}

void read_map(const json& doc, const JsonFields& f, const std::string& key,
              std::map<std::string, double>& target) {
  if (!f.has(key)) return;
  const JsonFields entries = f.child(key);
  for (const auto& [name, value] : doc[key].items()) target[name] = entries.non_negative(name);
}

// Steps from the highest threshold down, each crediting more than the one above it.
std::vector<SlaCredit> read_credits(const JsonFields& f) {
  const auto& list = f.array("sla_credits");
  std::vector<SlaCredit> credits;
  for (size_t i = 0; i < list.size(); ++i) {
    const JsonFields step(list[i], f.file(), f.field("sla_credits[" + std::to_string(i) + "]"));
    step.reject_unknown({"below", "credit"});
    const SlaCredit c{step.positive("below"), step.non_negative("credit")};
    if (c.below > 1) step.fail("below", "above 1", "write a share of demand on time, e.g. 0.99");
    if (c.credit > 1) step.fail("credit", "above 1", "write a share of the bill, e.g. 0.1");
    if (!credits.empty() && !(c.below < credits.back().below && c.credit >= credits.back().credit))
      step.fail("below",
                "steps must go from the highest threshold down, each crediting at least as much "
                "as the one above it",
                "order the steps, e.g. [{\"below\": 0.9999, \"credit\": 0.1}, {\"below\": 0.99, "
                "\"credit\": 0.3}]");
    credits.push_back(c);
  }
  return credits;
}

void check_names(const std::map<std::string, double>& overrides,
                 const std::vector<std::string>& known, const EconomicsParams& params,
                 const std::string& key, const std::string& what) {
  for (const auto& [name, value] : overrides)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw InputError(params.file, key + "." + name,
                       "no " + what + " '" + name + "'" + did_you_mean(name, known),
                       "use a " + what + " of the run or remove the entry");
}

}  // namespace

double EconomicsParams::credit_for(double on_time_share) const {
  double credit = 0;
  for (const auto& step : sla_credits)
    if (on_time_share < step.below) credit = std::max(credit, step.credit);
  return credit;
}

EconomicsParams load_economics(const std::string& file, EconomicsParams base) {
  const json doc = read_json_file(file);
  if (!doc.is_object())
    throw InputError(file, "", "expected a JSON object", "see docs/reports.md, \"Economics\"");
  const JsonFields f(doc, file, "");
  f.reject_unknown({"life_years", "pue", "usd_per_kwh", "discount_rate", "sla_period_days",
                    "sla_credits", "capex_per_gpu", "internal_price_per_gpu_hour",
                    "shortfall_price_per_gpu_hour", "usd_per_million_units"});
  base.file = file;
  if (f.has("life_years")) base.life_years = f.positive("life_years");
  if (base.life_years > 50) f.fail("life_years", "above 50 years", "GPUs last 4 to 6 years");
  if (f.has("pue")) base.pue = f.positive("pue");
  if (base.pue < 1 || base.pue > 5)
    f.fail("pue", "must be 1 to 5 (total facility power / IT power)");
  if (f.has("usd_per_kwh")) base.usd_per_kwh = f.non_negative("usd_per_kwh");
  if (f.has("discount_rate")) base.discount_rate = f.non_negative("discount_rate");
  if (base.discount_rate > 1) f.fail("discount_rate", "above 1", "write a yearly rate, e.g. 0.08");
  if (f.has("sla_period_days")) base.sla_period_days = f.positive("sla_period_days");
  if (base.sla_period_days > 3660) f.fail("sla_period_days", "above ten years");
  if (f.has("sla_credits")) base.sla_credits = read_credits(f);
  for (const char* key : kByModel) read_map(doc, f, key, by_model(base, key));
  read_map(doc, f, "usd_per_million_units", base.usd_per_million_units);
  return base;
}

void check_economics(const EconomicsParams& params, const Fleet& fleet, const Workload& workload) {
  std::vector<std::string> models, services;
  for (const auto& pool : fleet.pools) models.push_back(pool.gpu_model);
  for (const auto& service : workload.inference) services.push_back(service.id);
  for (const char* key : kByModel)
    check_names(by_model(params, key), models, params, key, "GPU model");
  check_names(params.usd_per_million_units, services, params, "usd_per_million_units", "service");
}

double usd_per_unit(const EconomicsParams& params, const Fleet& fleet,
                    const InferenceService& service) {
  if (const auto it = params.usd_per_million_units.find(service.id);
      it != params.usd_per_million_units.end())
    return it->second / 1e6;
  const auto& first = service.generations.front();
  const auto pools = fleet.pools_of_model(first.model);
  if (pools.empty()) return 0;
  const auto& pool = fleet.pools[pools.front()];
  const auto price = params.internal_price_per_gpu_hour.find(first.model);
  const double usd_per_gpu_hour =
      price == params.internal_price_per_gpu_hour.end() ? pool.price_per_gpu_hour : price->second;
  const double units_per_gpu_hour = first.throughput / service.gpus_per_replica * 3600;
  return units_per_gpu_hour > 0 ? usd_per_gpu_hour / units_per_gpu_hour : 0;
}

}  // namespace gpufleet
