#include "import/row_errors.hpp"

#include <charconv>
#include <cmath>

#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

std::string ImportReport::text() const {
  std::string out = "read " + std::to_string(rows) + " rows\n";
  for (const auto& [what, count] : kept)
    out += "  made " + std::to_string(count) + " " + what + "\n";
  for (const auto& [why, count] : dropped)
    out += "  dropped " + std::to_string(count) + " rows: " + why + "\n";
  return out;
}

void for_each_row(LineReader& reader, bool lenient, ImportReport& report,
                  const std::function<void(const std::string& line)>& handle) {
  std::string line;
  while (reader.next(line)) {
    if (line.empty()) continue;
    ++report.rows;
    try {
      handle(line);
    } catch (const RowError& e) {
      if (!lenient)
        throw InputError(reader.file(), "line " + std::to_string(reader.line_number()),
                         e.kind() + ": " + e.what(),
                         e.fix() + "; or pass --lenient to skip and count such rows");
      ++report.dropped["malformed row: " + e.kind()];
    }
  }
}

double number_field(std::string_view text, std::string_view name) {
  double x = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(x))
    throw RowError("bad number",
                   "field '" + std::string(name) + "' is '" + printable(text) + "', not a number",
                   "write a plain decimal number");
  return x;
}

long whole_field(std::string_view text, std::string_view name) {
  long x = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw RowError(
        "bad number",
        "field '" + std::string(name) + "' is '" + printable(text) + "', not a whole number",
        "write a whole number");
  return x;
}

void expect_fields(size_t have, size_t count, std::string_view layout) {
  if (have < count)
    throw RowError("truncated row",
                   "has " + std::to_string(have) + " fields, expected " + std::to_string(count),
                   "rows read " + std::string(layout));
}

}  // namespace gpufleet
