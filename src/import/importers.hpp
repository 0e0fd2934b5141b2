#pragma once

#include <map>
#include <string>
#include <vector>

#include "formats/platform_writer.hpp"
#include "import/row_errors.hpp"
#include "model/workload.hpp"

namespace gpufleet {

struct ImportOptions {
  bool lenient = false;            // skip and count malformed rows instead of stopping
  double interval_s = 60;          // demand-curve step of imported inference services
  int procs_per_gpu = 1;           // SWF: processors that make one GPU
  std::string gpu_model = "H100";  // SWF/LLM traces: the model their work is sized for
  bool gpu_model_given = false;    // --gpu-model typed (kubernetes requires it without nodes)
  std::string user_label;          // kubernetes: the pod label that names its user ("": none)
  // SWF: > 0: every job's walltime is drawn from the model of user estimates with this limit
  // (docs/importers.md), instead of the log's requested time.
  double model_walltime_limit_s = 0;
  // Slurm: --partition-map FILE (docs/importers.md), placing partitions on models and roles.
  std::string partition_map;
};

// A trace turned into gpufleet's inputs.
struct Imported {
  Workload workload;
  std::vector<PoolSpec> pools;  // the trace's own inventory, when it has one
  ImportReport report;
  std::map<std::string, std::string> notes;  // extra keys of the workload's meta
};

// Reads the inputs of `format` (one of import_formats()). Throws InputError on bad files and
// std::invalid_argument on a bad format name or inputs.
Imported import_trace(const std::string& format, const std::vector<std::string>& inputs,
                      const ImportOptions& options);
std::string import_formats();

// One per file of src/import/.
Imported import_alibaba_gpu_2023(const std::vector<std::string>& inputs,
                                 const ImportOptions& options);
Imported import_azure_llm_2023(const std::vector<std::string>& inputs,
                               const ImportOptions& options);
Imported import_kubernetes(const std::vector<std::string>& inputs, const ImportOptions& options);
Imported import_slurm(const std::vector<std::string>& inputs, const ImportOptions& options);
Imported import_servegen(const std::vector<std::string>& inputs, const ImportOptions& options);
Imported import_swf(const std::vector<std::string>& inputs, const ImportOptions& options);

}  // namespace gpufleet
