#pragma once

// Helpers shared by the libFuzzer targets (docs/fuzzing.md). A target feeds one input to the
// code the CLI runs on that input. Bad input must end in gpufleet::InputError or
// std::invalid_argument with a one-line message (what the CLI prints before exit 2); any other
// exception, a crash, a hang or runaway memory is a finding.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/platform_writer.hpp"
#include "import/importers.hpp"
#include "model/fleet.hpp"

namespace gpufleet::fuzz {

// The input as text.
inline std::string text_of(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A folder of this process's own under /tmp, created once.
const std::string& scratch_dir();

// Writes `content` to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string& name, std::string_view content);

// Splits the input at lines that read "====" (one input carrying several files).
std::vector<std::string> split_files(std::string_view text, size_t max_parts);

// Runs `parse`; returns normally for the two user-facing error types when their message is a
// single non-empty line, and aborts (a finding) otherwise.
void expect_clean(const std::function<void()>& parse);

// A small fixed fleet with every catalog model, for binding fuzzed workloads.
const Fleet& small_fleet();

// What `import` does with a successful import: write the workload and the platform, then
// check that `run` would accept them (a written workload `run` rejects is a finding).
void check_import_output(const Imported& imported);

}  // namespace gpufleet::fuzz
