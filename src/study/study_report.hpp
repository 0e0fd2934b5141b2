#pragma once

#include <string>
#include <vector>

#include "study/study_spec.hpp"
#include "study/study_tables.hpp"

namespace gpufleet {

// report.html of a study (docs/studies.md): the verdicts first (each arm against the baseline,
// paired, with 95% CIs), then bars with CI whiskers, then the means. Self-contained.
std::string study_report_html(const StudySpec& spec, const std::vector<StudyRun>& runs);

}  // namespace gpufleet
