#include "model/gpu_catalog.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

// Reading a catalog document (catalogs/gpu-catalog.json, schemas/gpu-catalog.schema.json) is
// in the model layer, below formats/ and its JsonFields, because the shipped catalog is parsed
// from the copy compiled into the binary by whatever first asks for a GPU's figures.

namespace {

using nlohmann::json;

enum class Kind { kName, kText, kRole, kCount, kNumber };

// One field of a model: its bounds keep every figure physical and every product a platform file
// derives from it (GPUs x FLOP/s, domains x GB/s) finite.
struct Field {
  const char* name;
  Kind kind;
  bool required;  // for a model the catalog does not have yet
  double min, max;
  bool min_exclusive;
};

// clang-format off
const Field kFields[] = {
    {"model", Kind::kName, true, 0, 0, false},
    {"system", Kind::kText, true, 0, 0, false},
    {"role", Kind::kRole, true, 0, 0, false},
    {"gpus_per_domain", Kind::kCount, true, 1, 4096, false},
    {"bf16_flops", Kind::kNumber, true, 1e9, 1e18, false},
    {"hbm_gb", Kind::kNumber, true, 0, 1e5, true},
    {"tdp_w", Kind::kNumber, true, 0, 1e5, true},
    {"idle_w", Kind::kNumber, true, 0, 1e5, false},
    {"scaleout_gbps", Kind::kNumber, true, 0, 1e6, true},
    {"nvlink_domain_GBps", Kind::kNumber, true, 0, 1e8, true},
    {"price_per_gpu_hour", Kind::kNumber, true, 0, 1e4, false},
    {"capex_per_gpu", Kind::kNumber, true, 0, 1e8, false},
    {"hosts_per_leaf", Kind::kCount, true, 1, 4096, false},
    {"training_speed", Kind::kNumber, false, 0, 1e3, false},
    {"hbm_bytes_per_s", Kind::kNumber, false, 0, 1e15, false},
    {"fp8_flops", Kind::kNumber, false, 0, 1e18, false},
    {"fp4_flops", Kind::kNumber, false, 0, 1e18, false},
    {"nvlink_bytes_per_s", Kind::kNumber, false, 0, 1e15, false},
    {"note", Kind::kText, false, 0, 0, false},  // free text: where the figures come from
};
// clang-format on

std::string describe(const Field& f) {
  if (f.kind == Kind::kCount)
    return "a whole number from " + std::to_string(static_cast<int>(f.min)) + " to " +
           std::to_string(static_cast<int>(f.max));
  char text[96];
  std::snprintf(text, sizeof text, "a number %s %g and at most %g",
                f.min_exclusive ? ">" : ">=", f.min, f.max);
  return text;
}

// Names go into pool specs (MODEL:GPUS), host names and XML: letters, digits, '.', '_', '-'.
bool good_name(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

bool good_text(const std::string& s) {
  if (s.empty() || s.size() > 200) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&' || c == '"') return false;
  return true;
}

struct Reader {
  const std::string& file;

  [[noreturn]] void fail(const std::string& where, const std::string& problem,
                         const std::string& fix = {}) const {
    throw InputError(file, where, problem, fix);
  }

  void check_number(const json& v, const Field& f, const std::string& where) const {
    const bool integer = v.is_number_integer();
    if (f.kind == Kind::kCount && !integer)
      fail(where, "expected a whole number (a JSON integer)", "write " + describe(f));
    if (!v.is_number()) fail(where, "expected a number", "write " + describe(f));
    const double x = v.get<double>();
    const bool low = f.min_exclusive ? x <= f.min : x < f.min;
    if (!std::isfinite(x) || low || x > f.max)
      fail(where, "out of range: " + v.dump(), "write " + describe(f));
  }

  void check_text(const json& v, const Field& f, const std::string& where) const {
    if (!v.is_string()) fail(where, "expected a string");
    const auto s = v.get<std::string>();
    if (f.kind == Kind::kName && !good_name(s))
      fail(where, "bad model name '" + s + "'",
           "1-32 letters, digits, '.', '_' or '-' (no ':' or spaces: it is typed in --pool)");
    if (f.kind == Kind::kRole && s != "training" && s != "inference")
      fail(where, "unknown role '" + s + "'", "training or inference");
    if (f.kind == Kind::kText && !good_text(s))
      fail(where, "expected 1-200 printable characters without < > & \"");
  }

  void apply(const json& v, const Field& f, const std::string& where, GpuSpec& spec) const {
    if (f.kind == Kind::kCount || f.kind == Kind::kNumber)
      check_number(v, f, where);
    else
      check_text(v, f, where);
    const std::string name = f.name;
    if (name == "model")
      spec.model = v.get<std::string>();
    else if (name == "system")
      spec.system = v.get<std::string>();
    else if (name == "role")
      spec.role = v.get<std::string>();
    else if (name == "gpus_per_domain")
      spec.gpus_per_domain = v.get<int>();
    else if (name == "hosts_per_leaf")
      spec.hosts_per_leaf = v.get<int>();
    else if (name != "note")
      *number_field(spec, name) = v.get<double>();
  }

  static double* number_field(GpuSpec& s, const std::string& name) {
    const std::pair<const char*, double*> fields[] = {
        {"bf16_flops", &s.bf16_flops},
        {"hbm_gb", &s.hbm_gb},
        {"tdp_w", &s.tdp_w},
        {"idle_w", &s.idle_w},
        {"scaleout_gbps", &s.scaleout_gbps},
        {"nvlink_domain_GBps", &s.nvlink_domain_GBps},
        {"price_per_gpu_hour", &s.price_per_gpu_hour},
        {"capex_per_gpu", &s.capex_per_gpu},
        {"training_speed", &s.training_speed},
        {"hbm_bytes_per_s", &s.hbm_bytes_per_s},
        {"fp8_flops", &s.fp8_flops},
        {"fp4_flops", &s.fp4_flops},
        {"nvlink_bytes_per_s", &s.nvlink_bytes_per_s}};
    for (const auto& [key, field] : fields)
      if (name == key) return field;
    throw std::logic_error("gpu catalog: no field " + name);
  }

  const Field* field(const std::string& key) const {
    for (const auto& f : kFields)
      if (key == f.name) return &f;
    return nullptr;
  }

  // One entry of "models": a new model (every required field) or an override of `base`'s
  // model of that name (case ignored), whose fields it replaces one by one.
  void read_model(const json& entry, const std::string& where, std::vector<GpuSpec>& catalog,
                  std::set<std::string>& seen) const {
    if (!entry.is_object()) fail(where, "expected an object, one GPU model");
    std::vector<std::string> names;
    for (const auto& f : kFields) names.push_back(f.name);
    for (const auto& [key, value] : entry.items())
      if (!field(key))
        fail(where + "." + key, "unknown field" + did_you_mean(key, names),
             "the fields are listed in docs/hardware.md, \"Catalog files\"");
    if (!entry.contains("model")) fail(where + ".model", "missing", "name the GPU model");
    check_text(entry["model"], kFields[0], where + ".model");
    const auto name = entry["model"].get<std::string>();
    if (!seen.insert(lower(name)).second)
      fail(where + ".model", "model '" + name + "' is defined twice in this file",
           "merge the two entries");
    auto it = std::find_if(catalog.begin(), catalog.end(),
                           [&](const GpuSpec& s) { return same_name(s.model, name); });
    const bool added = it == catalog.end();
    GpuSpec spec = added ? GpuSpec{} : *it;
    for (const auto& f : kFields) {
      const std::string at = where + "." + f.name;
      // An override keeps the catalog's spelling of the name, which platform files carry.
      if (entry.contains(f.name) && (added || f.kind != Kind::kName))
        apply(entry[f.name], f, at, spec);
      else if (added && f.required)
        fail(at, "missing: model '" + name + "' is not in the catalog, so every figure is needed",
             "add " + std::string(f.name) + " (docs/hardware.md lists the fields)");
    }
    if (spec.idle_w > spec.tdp_w)
      fail(where + ".idle_w", "idle power above the TDP (" + std::to_string(spec.tdp_w) + " W)",
           "an idle GPU draws at most its TDP");
    if (added)
      catalog.push_back(spec);
    else
      *it = spec;
  }

  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
};

}  // namespace

std::vector<GpuSpec> gpu_catalog_from_json(const json& doc, const std::string& file,
                                           std::vector<GpuSpec> base) {
  const Reader r{file};
  if (!doc.is_object()) r.fail("", "expected a JSON object (a GPU catalog)");
  for (const auto& [key, value] : doc.items())
    if (key != "format" && key != "version" && key != "models" && key != "meta")
      r.fail(key, "unknown field", "a catalog has format, version, models and meta");
  if (!doc.contains("format") || doc["format"] != "gpufleet-gpu-catalog")
    r.fail("format", "missing or not \"gpufleet-gpu-catalog\"",
           "start the file with \"format\": \"gpufleet-gpu-catalog\"");
  if (!doc.contains("version") || !doc["version"].is_number_integer() || doc["version"] != 1)
    r.fail("version", "missing or not 1", "write \"version\": 1");
  if (!doc.contains("models") || !doc["models"].is_array())
    r.fail("models", "missing or not an array", "list the models: \"models\": [{...}]");
  std::set<std::string> seen;
  for (size_t i = 0; i < doc["models"].size(); ++i)
    r.read_model(doc["models"][i], "models[" + std::to_string(i) + "]", base, seen);
  if (base.empty()) r.fail("models", "no GPU model", "define at least one model");
  return base;
}

// catalogs/gpu-catalog.json as it was at build time (CMake writes it into a generated source):
// a bare binary needs no data folder to know its GPUs.
extern const char kShippedGpuCatalogJson[];

namespace {

// The process's catalog: the shipped one unless the command line installs another before the
// first read (install_gpu_catalog). Never changed once read, so every reader, on any thread,
// sees one table for the whole process.
struct ProcessCatalog {
  std::vector<GpuSpec> specs = shipped_gpu_catalog();
  std::atomic<bool> sealed{false};
};

ProcessCatalog& process_catalog() {
  static ProcessCatalog catalog;
  return catalog;
}

}  // namespace

const std::vector<GpuSpec>& shipped_gpu_catalog() {
  // Figures and their sources: docs/hardware.md. Parsed once; an error here is a build defect.
  static const std::vector<GpuSpec> catalog = gpu_catalog_from_json(
      nlohmann::json::parse(kShippedGpuCatalogJson), "catalogs/gpu-catalog.json (built in)", {});
  return catalog;
}

void install_gpu_catalog(std::vector<GpuSpec> catalog) {
  auto& process = process_catalog();
  if (process.sealed.exchange(true))
    throw std::logic_error("the GPU catalog is installed once, before anything reads it");
  process.specs = std::move(catalog);
}

const std::vector<GpuSpec>& gpu_catalog() {
  auto& process = process_catalog();
  process.sealed.store(true);
  return process.specs;
}

std::optional<GpuSpec> find_gpu(std::string_view model) {
  for (const auto& spec : gpu_catalog())
    if (same_name(spec.model, model)) return spec;
  return std::nullopt;
}

double GpuSpec::peak_flops_for(double bytes_per_weight) const {
  if (bytes_per_weight >= 2) return bf16_flops;
  if (bytes_per_weight >= 1) return fp8_flops;
  return fp4_flops;
}

double dtype_speedup(std::string_view gpu_model, double bytes_per_weight) {
  const auto gpu = find_gpu(gpu_model);
  if (!gpu || gpu->bf16_flops <= 0) return 1;
  const double peak = gpu->peak_flops_for(bytes_per_weight);
  return peak > 0 ? peak / gpu->bf16_flops : 1;
}

std::vector<std::string> gpu_model_names() {
  std::vector<std::string> names;
  for (const auto& spec : gpu_catalog()) names.push_back(spec.model);
  return names;
}

std::string known_gpu_models() {
  std::string names;
  for (const auto& spec : gpu_catalog()) {
    if (!names.empty()) names += ", ";
    names += spec.model;
  }
  return names;
}

std::string gpu_catalog_table(const std::vector<GpuSpec>& catalog) {
  std::string table;
  for (const auto& spec : catalog) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-8s %-34s %3d GPU%s per NVLink domain, %s\n",
                  spec.model.c_str(), spec.system.c_str(), spec.gpus_per_domain,
                  spec.gpus_per_domain == 1 ? "" : "s", spec.role.c_str());
    table += line;
  }
  return table;
}

}  // namespace gpufleet
