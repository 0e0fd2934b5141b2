#pragma once

#include <string>

namespace gpufleet {

// SHA-256 of a file's bytes, as 64 lowercase hex digits (provenance in summary.json: which
// exact inputs a result came from). Throws InputError naming the file when it cannot be read.
std::string sha256_of_file(const std::string& file);
std::string sha256_of_text(const std::string& text);

}  // namespace gpufleet
