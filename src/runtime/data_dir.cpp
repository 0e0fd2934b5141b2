#include "runtime/data_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "runtime/command_line.hpp"

namespace gpufleet {

namespace fs = std::filesystem;

namespace {

bool holds_data(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "platforms", ec);
}

std::optional<fs::path> executable_dir() {
  if (const auto stand_in = stand_in_executable()) return fs::path(*stand_in).parent_path();
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return exe.parent_path();
}

}  // namespace

std::optional<std::string> data_dir() {
  // An explicit setting wins even when it is wrong, so that a typo is not hidden by a fallback.
  if (const char* env = std::getenv("GPUFLEET_DATA"); env != nullptr && *env != '\0')
    return std::string(env);
  if (const auto exe = executable_dir()) {
    for (const fs::path& candidate :
         {*exe / ".." / "share" / "gpufleet", *exe / "share" / "gpufleet"})
      if (holds_data(candidate)) return candidate.lexically_normal().string();
  }
  return std::nullopt;
}

std::string shipped_file(const std::string& relative) {
  std::error_code ec;
  if (fs::exists(relative, ec) || fs::path(relative).is_absolute()) return relative;
  const auto dir = data_dir();
  if (!dir) return relative;
  const fs::path shipped = fs::path(*dir) / relative;
  // A user's own file that is missing is reported under the name the user gave.
  return fs::exists(shipped, ec) ? shipped.string() : relative;
}

}  // namespace gpufleet
