#include "cli/economics_options.hpp"

#include <cstdio>
#include <stdexcept>

namespace gpufleet {

namespace {

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

}  // namespace

void add_economics_options(CLI::App* cmd, EconomicsOptions& o) {
  cmd->add_option("--economics", o.file,
                  "Cost-model overrides as JSON: life_years, pue, usd_per_kwh, capex_per_gpu and "
                  "internal_price_per_gpu_hour by GPU model (docs/reports.md)");
  cmd->add_option("--life-years", o.life_years, "Depreciation life in years (default 5)");
  cmd->add_option("--pue", o.pue, "Power usage effectiveness (default 1.2)");
  cmd->add_option("--usd-per-kwh", o.usd_per_kwh, "Electricity price, USD per kWh (default 0.08)");
}

EconomicsParams economics_params(const EconomicsOptions& o) {
  EconomicsParams p;
  if (!o.file.empty()) p = load_economics(o.file, p);
  if (o.life_years) {
    if (!(*o.life_years > 0)) throw std::invalid_argument("--life-years must be > 0");
    p.life_years = *o.life_years;
  }
  if (o.pue) {
    if (!(*o.pue >= 1)) throw std::invalid_argument("--pue must be >= 1");
    p.pue = *o.pue;
  }
  if (o.usd_per_kwh) {
    if (!(*o.usd_per_kwh >= 0)) throw std::invalid_argument("--usd-per-kwh must be >= 0");
    p.usd_per_kwh = *o.usd_per_kwh;
  }
  return p;
}

std::vector<std::string> economics_args(const EconomicsOptions& o) {
  std::vector<std::string> args;
  if (!o.file.empty()) args.insert(args.end(), {"--economics", o.file});
  if (o.life_years) args.insert(args.end(), {"--life-years", number(*o.life_years)});
  if (o.pue) args.insert(args.end(), {"--pue", number(*o.pue)});
  if (o.usd_per_kwh) args.insert(args.end(), {"--usd-per-kwh", number(*o.usd_per_kwh)});
  return args;
}

}  // namespace gpufleet
