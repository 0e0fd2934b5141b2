// Azure LLM inference trace 2023 (Splitwise, ISCA'24): one row per request. Mapping decisions
// and what is lost: docs/importers.md.
#include <cmath>
#include <filesystem>

#include "import/importers.hpp"
#include "import/llm_service.hpp"
#include "model/input_error.hpp"

namespace gpufleet {

namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm): the trace's timestamps
// carry no zone, and only differences between them matter.
long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "2023-11-16 18:17:03.9799600" -> seconds.
double parse_timestamp(std::string_view text) {
  const auto bad = [&] {
    return RowError("bad number", "TIMESTAMP '" + std::string(text) + "' is not a time",
                    "write YYYY-MM-DD HH:MM:SS[.fraction]");
  };
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':')
    throw bad();
  try {
    const long days = days_from_civil(whole_field(text.substr(0, 4), "year"),
                                      whole_field(text.substr(5, 2), "month"),
                                      whole_field(text.substr(8, 2), "day"));
    return days * 86400.0 + whole_field(text.substr(11, 2), "hour") * 3600.0 +
           whole_field(text.substr(14, 2), "minute") * 60.0 +
           number_field(text.substr(17), "second");
  } catch (const RowError&) {
    throw bad();
  }
}

}  // namespace

Imported import_azure_llm_2023(const std::vector<std::string>& inputs,
                               const ImportOptions& options) {
  if (inputs.size() != 1)
    throw std::invalid_argument("azure-llm-2023 reads one CSV file, got " +
                                std::to_string(inputs.size()));
  Imported out;
  LineReader reader(inputs.front());
  std::string header;
  if (!reader.next(header) || header.rfind("TIMESTAMP,", 0) != 0)
    throw InputError(reader.file(), "line 1",
                     "expected the header TIMESTAMP,ContextTokens,GeneratedTokens",
                     "pass an AzureLLMInferenceTrace_*.csv file");
  double first = -1, last = -1;
  std::vector<double> tokens;  // per interval
  for_each_row(reader, options.lenient, out.report, [&](const std::string& line) {
    const auto row = split_fields(line, ',');
    expect_fields(row.size(), 3, "TIMESTAMP,ContextTokens,GeneratedTokens");
    const double t = parse_timestamp(row[0]);
    const double context = number_field(row[1], "ContextTokens");
    const double generated = number_field(row[2], "GeneratedTokens");
    if (context < 0 || generated < 0)
      throw RowError("bad number", "negative token count", "token counts are >= 0");
    if (t < last)
      throw RowError("timestamps out of order", "this request is earlier than the previous row",
                     "rows must be sorted by TIMESTAMP");
    if (first < 0) first = t;
    last = t;
    const auto bin = static_cast<size_t>((t - first) / options.interval_s);
    if (tokens.size() <= bin) tokens.resize(bin + 1, 0.0);
    tokens[bin] += context + generated;
    ++out.report.kept["requests"];
  });
  if (tokens.empty()) throw InputError(reader.file(), "", "no request rows", "");
  for (double& v : tokens) v /= options.interval_s;
  const std::string id = "azure-" + std::filesystem::path(reader.file()).stem().string();
  out.workload.inference.push_back(llm_service(id, options.interval_s, tokens, 1.0));
  out.workload.horizon_s = static_cast<double>(tokens.size()) * options.interval_s;
  out.pools = {pool_for_peak(out.workload.inference.back())};
  ++out.report.kept["inference services"];
  return out;
}

}  // namespace gpufleet
