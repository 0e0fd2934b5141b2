// Alibaba ServeGen (2025) client traces: per-client 600 s windows of request rate. The files
// are read by src/scenario/demand_shape.cpp, which `gpufleet shape` also uses. Mapping decisions
// and what is lost: docs/importers.md.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "import/importers.hpp"
#include "import/llm_service.hpp"
#include "model/input_error.hpp"
#include "scenario/demand_shape.hpp"

namespace gpufleet {

namespace {

// ServeGen's CSVs give request rates, not tokens: a request is taken as this many tokens
// (prompt + output; an estimate, see docs/importers.md).
constexpr double kTokensPerRequest = 1000;
// Most windows an import makes (a million: 19 years of ServeGen's 600 s windows), so that
// windows far apart or 1 s wide cannot ask for gigabytes.
constexpr long kMaxWindows = 1'000'000;
// The workload format's bound on an arrival CV (beyond it the waiting-time model means nothing).
constexpr double kMostArrivalCv = 100;

}  // namespace

Imported import_servegen(const std::vector<std::string>& inputs, const ImportOptions&) {
  if (inputs.size() != 1)
    throw std::invalid_argument("servegen reads one model directory (e.g. .../m-small), got " +
                                std::to_string(inputs.size()) + " inputs");
  const std::string& directory = inputs.front();
  Imported out;
  const auto files = servegen_trace_files(directory);
  long rows = 0;
  const auto total = servegen_total_rate(files, &rows);
  if (total.size() < 2) throw InputError(directory, "", "fewer than two time windows");
  const long window = servegen_window_s(total, directory);
  if (total.rbegin()->first / window >= kMaxWindows)
    throw InputError(directory, "window_start_s",
                     "the trace spans " + std::to_string(total.rbegin()->first / window + 1) +
                         " windows of " + std::to_string(window) + " s, more than " +
                         std::to_string(kMaxWindows),
                     "import a shorter span, or make the windows longer");
  // Windows no client reported are gaps: they keep a zero demand. Demand is in tokens/s;
  // the arrival CV of each window is the superposition of its clients' (Whitt's QNA).
  std::vector<double> rate(total.rbegin()->first / window + 1, 0.0);
  for (const auto& [start, value] : total) rate[start / window] += value * kTokensPerRequest;
  std::vector<double> cv(rate.size(), 1.0);
  for (const auto& [start, rate_cv2] : servegen_rate_cv2(files))
    if (total.at(start) > 0)
      cv[start / window] = std::min(kMostArrivalCv, std::sqrt(rate_cv2 / total.at(start)));
  // Every data row read, over all client files; the windows they sum into are counted apart.
  out.report.rows = rows;
  out.report.kept["client trace files"] = static_cast<long>(files.size());
  out.report.kept["windows of summed demand"] = static_cast<long>(rate.size());
  const std::string id = "servegen-" + std::filesystem::path(directory).filename().string();
  out.workload.inference.push_back(llm_service(id, static_cast<double>(window), std::move(rate),
                                               kTokensPerRequest, std::move(cv)));
  out.workload.horizon_s =
      static_cast<double>(out.workload.inference.back().demand.values.size() * window);
  out.pools = {pool_for_peak(out.workload.inference.back())};
  ++out.report.kept["inference services"];
  return out;
}

}  // namespace gpufleet
