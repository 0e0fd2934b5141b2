// Azure LLM inference trace 2023 (Splitwise, ISCA'24): one row per request. Mapping decisions
// and what is lost: docs/importers.md.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "import/civil_date.hpp"
#include "import/importers.hpp"
#include "import/llm_service.hpp"
#include "model/duration.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

// Most demand steps an import makes (a million: two years of minutes), so that a short
// --interval or a timestamp far from the others cannot ask for gigabytes.
constexpr double kMaxSteps = 1'000'000;
// Most tokens one request may carry (context windows hold about a million).
constexpr double kMaxTokens = 1e9;

// A whole field of a timestamp within [low, high].
long part(std::string_view text, const char* name, long low, long high) {
  const long x = whole_field(text, name);
  if (x < low || x > high) throw RowError("bad number", name, "");
  return x;
}

// "2023-11-16 18:17:03.9799600" -> seconds.
double parse_timestamp(std::string_view text) {
  const auto bad = [&] {
    return RowError("bad number", "TIMESTAMP '" + printable(text) + "' is not a time",
                    "write YYYY-MM-DD HH:MM:SS[.fraction]");
  };
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':')
    throw bad();
  try {
    const long days = days_from_civil(part(text.substr(0, 4), "year", 0, 9999),
                                      part(text.substr(5, 2), "month", 1, 12),
                                      part(text.substr(8, 2), "day", 1, 31));
    const double second = number_field(text.substr(17), "second");
    if (!(second >= 0 && second < 61)) throw bad();  // 60: a leap second
    return days * 86400.0 + part(text.substr(11, 2), "hour", 0, 23) * 3600.0 +
           part(text.substr(14, 2), "minute", 0, 59) * 60.0 + second;
  } catch (const RowError&) {
    throw bad();
  }
}

// Inter-arrival times inside one step, for their CV.
struct Gaps {
  long n = 0;
  double sum = 0, squares = 0;
  void add(double gap) {
    ++n;
    sum += gap;
    squares += gap * gap;
  }
  // 1 (Poisson) with too few gaps to tell; bounded as the workload format bounds it.
  double cv() const {
    if (n < 2 || sum <= 0) return 1;
    const double mean = sum / n;
    const double variance = std::max(0.0, squares / n - mean * mean);
    return std::min(100.0, std::sqrt(variance) / mean);
  }
};

}  // namespace

Imported import_azure_llm_2023(const std::vector<std::string>& inputs,
                               const ImportOptions& options) {
  if (inputs.size() != 1)
    throw std::invalid_argument("azure-llm-2023 reads one CSV file, got " +
                                std::to_string(inputs.size()));
  // The CLI checks > 0; below a second a step holds no request at the trace's resolution.
  if (!(options.interval_s >= 1 && options.interval_s <= kMaxSeconds))
    throw std::invalid_argument("--interval must be between 1s and 3660d for azure-llm-2023");
  Imported out;
  LineReader reader(inputs.front());
  std::string header;
  if (!reader.next(header) || header.rfind("TIMESTAMP,", 0) != 0)
    throw InputError(reader.file(), "line 1",
                     "expected the header TIMESTAMP,ContextTokens,GeneratedTokens",
                     "pass an AzureLLMInferenceTrace_*.csv file");
  bool any = false;  // times before 1970 are negative: no sentinel value will do
  double first = 0, last = 0;
  std::vector<double> tokens;  // per interval
  std::vector<Gaps> gaps;      // per interval: its requests' inter-arrival times
  double all_tokens = 0;
  for_each_row(reader, options.lenient, out.report, [&](const std::string& line) {
    const auto row = split_fields(line, ',');
    expect_fields(row.size(), 3, "TIMESTAMP,ContextTokens,GeneratedTokens");
    const double t = parse_timestamp(row[0]);
    const double context = number_field(row[1], "ContextTokens");
    const double generated = number_field(row[2], "GeneratedTokens");
    if (context < 0 || generated < 0)
      throw RowError("bad number", "negative token count", "token counts are >= 0");
    if (context > kMaxTokens || generated > kMaxTokens)
      throw RowError("out of range", "a request of more than a billion tokens",
                     "token counts are at most 1000000000");
    if (any && t < last)
      throw RowError("timestamps out of order", "this request is earlier than the previous row",
                     "rows must be sorted by TIMESTAMP");
    if (!any) first = t;
    const double step = std::floor((t - first) / options.interval_s);
    if (step >= kMaxSteps)
      throw RowError("out of range",
                     "this request is " + std::to_string(static_cast<long>(step)) + " steps of " +
                         std::to_string(options.interval_s) + " s after the first, beyond " +
                         std::to_string(static_cast<long>(kMaxSteps)),
                     "pass a longer --interval or split the trace");
    const auto bin = static_cast<size_t>(step);
    if (tokens.size() <= bin) {
      tokens.resize(bin + 1, 0.0);
      gaps.resize(bin + 1);
    }
    if (any && static_cast<size_t>(std::floor((last - first) / options.interval_s)) == bin)
      gaps[bin].add(t - last);  // an inter-arrival time inside the step
    any = true;
    last = t;
    tokens[bin] += context + generated;
    all_tokens += context + generated;
    ++out.report.kept["requests"];
  });
  if (tokens.empty()) throw InputError(reader.file(), "", "no request rows", "");
  for (double& v : tokens) v /= options.interval_s;
  std::vector<double> cv;
  for (const auto& g : gaps) cv.push_back(g.cv());
  const double per_request =
      std::max(1.0, all_tokens / static_cast<double>(out.report.kept["requests"]));
  const std::string id = "azure-" + std::filesystem::path(reader.file()).stem().string();
  out.workload.inference.push_back(
      llm_service(id, options.interval_s, tokens, per_request, std::move(cv)));
  out.workload.horizon_s = static_cast<double>(tokens.size()) * options.interval_s;
  out.pools = {pool_for_peak(out.workload.inference.back())};
  ++out.report.kept["inference services"];
  return out;
}

}  // namespace gpufleet
