#pragma once

#include <stdexcept>
#include <string>

#include "model/names.hpp"

namespace gpufleet {

// A user-facing problem with an input file: which file, where in it, what is wrong and how
// to fix it. The CLI prints it once and exits with status 2.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string where, std::string problem, std::string fix = {})
      : std::runtime_error(compose(file, where, problem, fix)),
        file_(std::move(file)),
        where_(std::move(where)) {}

  const std::string& file() const { return file_; }
  const std::string& where() const { return where_; }

 private:
  static std::string compose(const std::string& file, const std::string& where,
                             const std::string& problem, const std::string& fix) {
    std::string text = file.empty() ? std::string("input") : file;
    if (!where.empty()) text += ": " + where;
    text += ": " + problem;
    if (!fix.empty()) text += " (fix: " + fix + ")";
    // Parts quote the input (a JSON key, a CSV field), which may hold control characters or
    // bytes that are not UTF-8: escaped, the message stays the one line the CLI promises.
    return printable(text, std::string::npos);
  }

  std::string file_;
  std::string where_;
};

}  // namespace gpufleet
