// Values as Slurm prints them: TRES lists, gres types, times and time limits, and the
// partition map that places partitions on GPU models and roles (docs/importers.md).
#include <charconv>
#include <cmath>

#include "formats/json_fields.hpp"
#include "import/slurm.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"

namespace gpufleet {

namespace {

constexpr long kMaxGpus = 1'000'000;  // per job or node: far beyond any machine

// Lower case without '-', '_' and spaces: "A100-80" and "a100_80" compare equal.
std::string folded(std::string_view text) {
  std::string out;
  for (const char c : text)
    if (c != '-' && c != '_' && c != ' ')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Sites' usual gres type names for catalog models whose catalog name differs.
const std::map<std::string, std::string> kAliases = {
    {"a100", "A100-80"},    {"a10080g", "A100-80"},  {"a10080gb", "A100-80"},
    {"a10040g", "A100-40"}, {"a10040gb", "A100-40"}, {"v100", "V100M32"},
    {"v10032g", "V100M32"}, {"v10016g", "V100M16"},  {"mi300", "MI300X"}};

long whole(std::string_view text, std::string_view field) {
  long x = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || x < 0 ||
      x > kMaxGpus)
    throw RowError("bad number",
                   "field '" + std::string(field) + "' has GPU count '" + printable(text) +
                       "', not a whole number from 0 to 1000000",
                   "GPU counts are whole numbers, e.g. gres/gpu:h100=8");
  return x;
}

int two_digits(std::string_view text, size_t at) {
  const char a = text[at], b = text[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
  return (a - '0') * 10 + (b - '0');
}

// Days from 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

[[noreturn]] void bad_time(std::string_view text, std::string_view field) {
  throw RowError("bad time",
                 "field '" + std::string(field) + "' is '" + printable(text) +
                     "', not a sacct time such as 2026-12-07T05:36:57",
                 "run sacct without SLURM_TIME_FORMAT (its default ISO format), or fix the row");
}

}  // namespace

std::optional<std::string> model_of_gres_type(std::string_view type) {
  const std::string key = folded(type);
  if (key.empty()) return std::nullopt;
  for (const auto& spec : gpu_catalog())
    if (folded(spec.model) == key) return spec.model;
  if (const auto alias = kAliases.find(key); alias != kAliases.end())
    if (find_gpu(alias->second)) return alias->second;
  return std::nullopt;
}

SlurmGpus gpus_of_tres(std::string_view tres, std::string_view field) {
  SlurmGpus gpus;
  long untyped = -1, typed = 0;
  for (const auto item : split_fields(tres, ',')) {
    const auto eq = item.find('=');
    const auto key = item.substr(0, eq);
    if (key != "gres/gpu" && key.rfind("gres/gpu:", 0) != 0) continue;
    if (eq == std::string_view::npos)
      throw RowError(
          "bad number",
          "field '" + std::string(field) + "' has '" + printable(item) + "' without a count",
          "write gres/gpu[:type]=N");
    const long count = whole(item.substr(eq + 1), field);
    if (key == "gres/gpu") {
      untyped = count;
      continue;
    }
    const std::string type(key.substr(9));
    if (count == 0) continue;
    if (!gpus.type.empty() && gpus.type != type)
      throw RowError("GPUs of two types",
                     "field '" + std::string(field) + "' gives GPUs of types " + gpus.type +
                         " and " + printable(type) + " to one job",
                     "gpufleet places a job on one GPU model: split the job, or drop the row");
    gpus.type = type;
    typed += count;
  }
  // gres/gpu counts all of the job's GPUs; the typed entries, when the cluster tracks them
  // (AccountingStorageTRES=gres/gpu:TYPE), say which ones.
  gpus.count = untyped >= 0 ? std::max(untyped, typed) : typed;
  return gpus;
}

double sacct_time_s(std::string_view text, std::string_view field) {
  if (text.empty() || text == "Unknown" || text == "None") return -1;
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':')
    bad_time(text, field);
  const int c = two_digits(text, 0), y = two_digits(text, 2), mo = two_digits(text, 5),
            d = two_digits(text, 8), h = two_digits(text, 11), mi = two_digits(text, 14),
            s = two_digits(text, 17);
  if (c < 0 || y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
      mi > 59 || s < 0 || s > 60)
    bad_time(text, field);
  const long days = days_from_civil(c * 100 + y, mo, d);
  return static_cast<double>(days) * 86400 + h * 3600 + mi * 60 + s;
}

double sacct_duration_s(std::string_view text, std::string_view field) {
  if (text.empty() || text == "UNLIMITED" || text == "Partition_Limit" || text == "INVALID")
    return 0;
  const auto bad = [&] {
    throw RowError("bad time limit",
                   "field '" + std::string(field) + "' is '" + printable(text) +
                       "', not D-HH:MM:SS, HH:MM:SS, MM:SS or UNLIMITED",
                   "write a limit as sacct prints it, e.g. 1-00:00:00");
  };
  long days = 0;
  std::string_view rest = text;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    const auto d = text.substr(0, dash);
    const auto [end, error] = std::from_chars(d.data(), d.data() + d.size(), days);
    if (d.empty() || error != std::errc() || end != d.data() + d.size() || days < 0 || days > 3660)
      bad();
    rest = text.substr(dash + 1);
  }
  const auto parts = split_fields(rest, ':');
  if (parts.size() < 2 || parts.size() > 3 || (days > 0 && parts.size() != 3)) bad();
  double seconds = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    long x = 0;
    const auto part = parts[i];
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), x);
    // Minutes and seconds below 60; the leading part (hours, or minutes of MM:SS) below 24
    // after days, else below 100000.
    const long most = i > 0 ? 59 : days > 0 ? 23 : 99999;
    if (part.empty() || error != std::errc() || end != part.data() + part.size() || x < 0 ||
        x > most)
      bad();
    seconds = seconds * 60 + static_cast<double>(x);
  }
  return days * 86400.0 + seconds;
}

PartitionMap read_partition_map(const std::string& file) {
  PartitionMap map;
  if (file.empty()) return map;
  const auto doc = read_json_file(file);
  if (!doc.is_object())
    throw InputError(file, "", "a partition map is a JSON object",
                     R"(write {"PARTITION": {"model": "H100", "role": "training"}})");
  for (const auto& [partition, entry] : doc.items()) {
    if (!entry.is_object())
      throw InputError(file, partition, "each partition maps to an object",
                       R"(write {"model": "H100", "role": "training"})");
    const JsonFields fields(entry, file, partition);
    fields.reject_unknown({"model", "role"});
    PartitionPlacement place;
    if (fields.has("model")) {
      const auto gpu = find_gpu(fields.text("model"));
      if (!gpu)
        fields.fail("model", "unknown GPU model '" + fields.text("model") + "'",
                    "use one of " + known_gpu_models() + " (or add it with --catalog FILE)");
      place.model = gpu->model;
    }
    if (fields.has("role")) {
      place.role = fields.text("role");
      if (place.role != "training" && place.role != "inference")
        fields.fail("role", "unknown role '" + place.role + "'", "use training or inference");
    }
    map[partition] = place;
  }
  return map;
}

}  // namespace gpufleet
