#include "import/importers.hpp"

#include <stdexcept>

namespace gpufleet {

namespace {

struct Format {
  const char* name;
  Imported (*run)(const std::vector<std::string>&, const ImportOptions&);
};

constexpr Format kFormats[] = {{"alibaba-gpu-2023", import_alibaba_gpu_2023},
                               {"azure-llm-2023", import_azure_llm_2023},
                               {"kubernetes", import_kubernetes},
                               {"servegen", import_servegen},
                               {"slurm", import_slurm},
                               {"swf", import_swf}};

}  // namespace

std::string import_formats() {
  std::string names;
  for (const auto& f : kFormats) names += (names.empty() ? "" : ", ") + std::string(f.name);
  return names;
}

Imported import_trace(const std::string& format, const std::vector<std::string>& inputs,
                      const ImportOptions& options) {
  if (inputs.empty()) throw std::invalid_argument("no input file given");
  for (const auto& f : kFormats)
    if (format == f.name) return f.run(inputs, options);
  throw std::invalid_argument("unknown import format '" + format +
                              "'; formats: " + import_formats());
}

}  // namespace gpufleet
