#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outputs/economics.hpp"

namespace gpufleet {

// The cost model's command-line overrides, shared by run and compare.
struct EconomicsOptions {
  std::string file;
  std::optional<double> life_years, pue, usd_per_kwh;
};

void add_economics_options(CLI::App* cmd, EconomicsOptions& o);
// Defaults, then the file, then the flags. Throws std::invalid_argument or InputError.
EconomicsParams economics_params(const EconomicsOptions& o);
// The same options as arguments for a child `gpufleet run`.
std::vector<std::string> economics_args(const EconomicsOptions& o);

}  // namespace gpufleet
