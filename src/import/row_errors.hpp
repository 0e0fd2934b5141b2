#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "import/line_reader.hpp"

namespace gpufleet {

// What an import read, made and left out, for the user and the tests.
struct ImportReport {
  long rows = 0;                        // data rows read (comments and headers excluded)
  std::map<std::string, long> kept;     // what the rows became, e.g. "training jobs"
  std::map<std::string, long> dropped;  // rows left out, by reason
  std::string text() const;             // one line per count
};

// One malformed row. `kind` names the class of problem (it is the reason counted under
// --lenient); the row loop adds the file and line.
class RowError : public std::runtime_error {
 public:
  RowError(std::string kind, const std::string& problem, std::string fix)
      : std::runtime_error(problem), kind_(std::move(kind)), fix_(std::move(fix)) {}
  const std::string& kind() const { return kind_; }
  const std::string& fix() const { return fix_; }

 private:
  std::string kind_;
  std::string fix_;
};

// Calls `handle` on every remaining non-empty line. A RowError stops the import with an
// InputError naming the file and line, or, when lenient, skips the row and counts it under
// "malformed row: <kind>".
void for_each_row(LineReader& reader, bool lenient, ImportReport& report,
                  const std::function<void(const std::string& line)>& handle);

// Field parsers for rows: they throw RowError("bad number", ...) naming the field.
double number_field(std::string_view text, std::string_view name);
long whole_field(std::string_view text, std::string_view name);
// Throws RowError("truncated row", ...) unless the row has at least `count` fields.
void expect_fields(size_t have, size_t count, std::string_view layout);

}  // namespace gpufleet
