// sacct records -> training jobs: which states ran, for how long, on which model (gres types
// and the partition map, which the inventory reader uses too), and the pools the recorded runs
// needed. The table of states is in docs/importers.md.
#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "formats/json_fields.hpp"
#include "import/slurm/slurm.hpp"
#include "model/duration.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

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

// The MFU a job is taken to reach on its model, as for SWF: sacct records how long a job ran,
// not how fast, so work is sized for the recorded run at this MFU.
constexpr double kMfu = 0.4;

// Slurm's job states (slurm.h, sacct's man page); anything else is not a State column.
const std::set<std::string, std::less<>> kStates = {
    "BOOT_FAIL",   "CANCELLED",    "COMPLETED",     "COMPLETING",    "CONFIGURING", "DEADLINE",
    "FAILED",      "NODE_FAIL",    "OUT_OF_MEMORY", "PENDING",       "PREEMPTED",   "REQUEUED",
    "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING",      "RESV_DEL_HOLD", "REVOKED",     "RUNNING",
    "SIGNALING",   "SPECIAL_EXIT", "STAGE_OUT",     "STOPPED",       "SUSPENDED",   "TIMEOUT"};

// "CANCELLED by 0" -> "CANCELLED".
std::string state_word(const std::string& state) {
  const std::string word = state.substr(0, state.find(' '));
  if (!kStates.count(word))
    throw RowError("unknown state", "State is '" + printable(state) + "', not a Slurm job state",
                   "the State column holds COMPLETED, FAILED, TIMEOUT, CANCELLED, ...");
  return word;
}

void check_text(const std::string& text, const char* field) {
  if (!valid_utf8(text))
    throw RowError("not UTF-8", std::string(field) + " '" + printable(text) + "' is not UTF-8",
                   "convert the file to UTF-8 (iconv)");
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

std::string SlurmJobs::model_of(const SacctRecord& r) const {
  const auto place = map_.find(r.partition);
  const bool mapped = place != map_.end() && !place->second.model.empty();
  if (!r.gpus.type.empty())
    if (const auto model = model_of_gres_type(r.gpus.type)) return *model;
  if (mapped) return place->second.model;
  if (r.gpus.type.empty())
    throw RowError(
        "no GPU type",
        "job " + r.id + " (partition '" + r.partition + "') has GPUs of no type (gres/gpu=N only)",
        "name the partition's model with --partition-map FILE, e.g. {\"" + r.partition +
            "\": {\"model\": \"H100\"}}");
  throw RowError("unknown GPU model",
                 "job " + r.id + ": gres type '" + printable(r.gpus.type) +
                     "' is not a GPU model of the catalog (" + known_gpu_models() + ")",
                 "map partition '" + r.partition +
                     "' to a model with --partition-map FILE, or add a model of that name with "
                     "--catalog FILE");
}

std::string SlurmJobs::role_of(const std::string& partition) const {
  const auto place = map_.find(partition);
  return place != map_.end() && !place->second.role.empty() ? place->second.role : "training";
}

void SlurmJobs::add(const SacctRecord& r) {
  for (const auto& [text, field] : {std::pair{&r.id, "JobID"},
                                    {&r.user, "User"},
                                    {&r.account, "Account"},
                                    {&r.partition, "Partition"}})
    check_text(*text, field);
  const std::string state = state_word(r.state);
  auto& dropped = out_.report.dropped;
  // A job cancelled while pending has a Start (the cancel time) but no allocation.
  if (r.start < 0 || !r.allocated) {
    ++dropped[state + " before it started (no Start or no AllocTRES)"];
    return;
  }
  if (r.gpus.count == 0) {
    ++dropped["CPU job (no gres/gpu in AllocTRES or ReqTRES)"];
    return;
  }
  if (r.submit < 0)
    throw RowError("bad time", "job " + r.id + " has no Submit time", "give every job its Submit");
  double end = r.end;
  if (end < 0 && r.elapsed >= 0) end = r.start + r.elapsed;  // still running when sacct ran
  if (r.start < r.submit || (end >= 0 && end < r.start))
    throw RowError("timestamps out of order", "job " + r.id + ": Submit, Start, End out of order",
                   "times must satisfy Submit <= Start <= End");
  if (end < 0)
    throw RowError("bad time", "job " + r.id + " (" + state + ") has a Start but no End or Elapsed",
                   "add the Elapsed column (sacct --format=...,Elapsed)");
  if (end - r.submit > kMaxSeconds)
    throw RowError("out of range", "job " + r.id + " spans more than ten years",
                   "check the row's times");
  if (!ids_.emplace(r.id, true).second)
    throw RowError("duplicate job", "job " + r.id + " appears twice",
                   "run sacct without -D (--duplicates): one row per job");
  if (end <= r.start) {
    ++dropped["ran 0 s (End = Start)"];
    return;
  }
  Pending p;
  p.job.id = r.id;
  p.job.gpus = static_cast<int>(r.gpus.count);
  const std::string model = model_of(r);
  p.job.generations = {{model, kMfu, 0}};
  p.job.work_flops = kMfu * find_gpu(model)->bf16_flops * p.job.gpus * (end - r.start);
  p.job.submit_s = r.submit;
  p.job.recorded_start_s = r.start;
  p.job.recorded_end_s = end;
  p.job.walltime_s = r.limit_s;
  p.job.user = r.user;
  p.job.account = r.account;
  p.eligible = r.eligible;
  p.role = role_of(r.partition);
  p.state = r.end < 0 ? state + " when sacct ran (run cut at Start + Elapsed)" : state;
  jobs_.push_back(std::move(p));
}

void SlurmJobs::finish() {
  double origin = INFINITY, horizon = 0;
  for (const auto& p : jobs_) origin = std::min(origin, p.job.submit_s);
  for (auto& p : jobs_) {
    auto& job = p.job;
    // Eligible, when later than Submit (held, or waiting on a dependency), is when the job
    // could first start: what a policy of the simulation sees as its submission.
    job.submit_s = std::max(job.submit_s, std::min(p.eligible, job.recorded_start_s)) - origin;
    job.recorded_start_s -= origin;
    job.recorded_end_s -= origin;
    horizon = std::max(horizon, job.recorded_end_s);
    ++out_.report.kept["training jobs: " + p.state];
    if (job.walltime_s <= 0) ++out_.report.kept["training jobs without a Timelimit: no walltime"];
  }
  if (horizon > kMaxSeconds)
    throw std::invalid_argument(
        "the sacct rows span more than ten years: select a window (-S, -E)");
  out_.workload.horizon_s = std::ceil(horizon);
  make_pools();
  // By submission, then id: the same jobs in the same order from --parsable2 and --json
  // (which lists array tasks in another order).
  std::stable_sort(jobs_.begin(), jobs_.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.job.submit_s, a.job.id) < std::tie(b.job.submit_s, b.job.id);
  });
  for (auto& p : jobs_) out_.workload.training.push_back(std::move(p.job));
}

// The smallest fleet the recorded runs fit: per (model, role), the most GPUs in use at once,
// rounded up to whole NVLink domains.
void SlurmJobs::make_pools() {
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<double, long>>> events;
  for (const auto& p : jobs_) {
    auto& e = events[{p.job.generations.front().model, p.role}];
    e.push_back({p.job.recorded_start_s, p.job.gpus});
    e.push_back({p.job.recorded_end_s, -p.job.gpus});
  }
  for (auto& [key, e] : events) {
    std::sort(e.begin(), e.end());  // at one time, ends (negative) before starts
    long in_use = 0, peak = 0;
    for (const auto& [t, delta] : e) peak = std::max(peak, in_use += delta);
    const int domain = find_gpu(key.first)->gpus_per_domain;
    if (peak > 999'999'999 - domain)
      throw std::invalid_argument("slurm: more than 999999999 " + key.first +
                                  " GPUs in use at once: select a smaller window");
    PoolSpec pool;
    pool.model = key.first;
    pool.role = key.second;
    pool.gpus = static_cast<int>((peak + domain - 1) / domain * domain);
    out_.pools.push_back(pool);
  }
}

}  // namespace gpufleet
