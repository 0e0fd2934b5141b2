#pragma once

#include <string>
#include <vector>

#include "report/comparison.hpp"
#include "report/run_data.hpp"

namespace gpufleet::report {

// report.html of one run (docs/reports.md lists its plots and tables).
std::string run_report_html(const RunData& run);

// report.html of a comparison: `runs[i]` holds the outputs of `outcomes[i]` when it succeeded;
// the verdict compares every policy with `outcomes[baseline]`.
std::string comparison_report_html(const std::vector<PolicyOutcome>& outcomes,
                                   const std::vector<RunData>& runs, size_t baseline);

// Writes DIR/report.html from a run's or a comparison's directory (comparison.json marks a
// comparison); returns the file written. InputError when DIR holds neither.
std::string write_report(const std::string& directory);

}  // namespace gpufleet::report
