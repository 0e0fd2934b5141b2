// Alibaba cluster-trace-gpu-v2023 (ATC'23 "Beware of Fragmentation"): the openb pod list and
// node list. Mapping decisions and what is lost: docs/importers.md.
#include <algorithm>
#include <map>
#include <set>

#include "import/importers.hpp"
#include "model/duration.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

// Every imported job runs at this fraction of the peak of the slowest model it may use, on
// every model it may use: the trace records how long a pod ran, not how fast.
constexpr double kReferenceMfu = 0.4;

const char* kPodLayout =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time";

// Column positions found from a header line, so that column order does not matter.
class Columns {
 public:
  Columns(const LineReader& reader, const std::string& header,
          const std::vector<std::string>& required) {
    const auto names = split_fields(header, ',');
    for (size_t i = 0; i < names.size(); ++i) index_[std::string(names[i])] = i;
    for (const auto& name : required)
      if (!index_.count(name))
        throw InputError(reader.file(), "line 1", "the header has no column '" + name + "'",
                         "is this an Alibaba openb pod or node list?");
    count_ = names.size();
  }
  std::string_view get(const std::vector<std::string_view>& row, const std::string& name) const {
    return row[index_.at(name)];
  }
  size_t count() const { return count_; }

 private:
  std::map<std::string, size_t> index_;
  size_t count_ = 0;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const GpuSpec& known_model(std::string_view model) {
  static const std::vector<GpuSpec>& catalog = gpu_catalog();
  for (const auto& spec : catalog)
    if (spec.model == model) return spec;
  throw RowError("unknown GPU model", "GPU model '" + printable(model) + "' is not in the catalog",
                 "use one of " + known_gpu_models() + " (or add it with --catalog FILE)");
}

// GPUs per (model, GPUs per node): one pool each, as a pool's domains are all alike.
using Inventory = std::map<std::pair<std::string, int>, int>;

// Bounds that keep every count an int: GPUs per node (the trace's nodes hold 1-8) and GPUs of
// one model (a billion, as for `platform --pool`).
constexpr long kMaxGpusPerNode = 1024;
constexpr long kMaxGpusPerModel = 999'999'999;

void read_nodes(LineReader& reader, const std::string& header, const ImportOptions& options,
                Inventory& nodes, ImportReport& report) {
  const Columns columns(reader, header, {"sn", "gpu", "model"});
  std::map<std::string, long> model_gpus;
  for_each_row(reader, options.lenient, report, [&](const std::string& line) {
    const auto row = split_fields(line, ',');
    expect_fields(row.size(), columns.count(), "sn,cpu_milli,memory_mib,gpu,model");
    const long gpus = whole_field(columns.get(row, "gpu"), "gpu");
    if (gpus <= 0) {
      ++report.dropped["node without GPUs"];
      return;
    }
    if (gpus > kMaxGpusPerNode)
      throw RowError("out of range", "a node with " + std::to_string(gpus) + " GPUs",
                     "gpu is 0..1024 per node");
    const auto& spec = known_model(columns.get(row, "model"));
    if (model_gpus[spec.model] + gpus > kMaxGpusPerModel)
      throw RowError("out of range", "the node list holds more than 999999999 " + spec.model,
                     "a pool holds fewer than a billion GPUs");
    model_gpus[spec.model] += gpus;
    nodes[{spec.model, static_cast<int>(gpus)}] += 1;
    ++report.kept["GPU nodes"];
  });
}

std::vector<PoolSpec> pools_of(const Inventory& nodes) {
  std::vector<PoolSpec> pools;
  for (const auto& [key, count] : nodes) {
    PoolSpec pool;
    pool.model = key.first;
    pool.gpus_per_domain = key.second;
    pool.gpus = key.second * count;
    pool.name = lower(key.first) + "-x" + std::to_string(key.second);
    pool.role = "training";  // pods are batch work: every pool may run them
    pools.push_back(pool);
  }
  return pools;
}

int priority_of(std::string_view qos) {
  if (qos == "Guaranteed") return 3;
  if (qos == "LS") return 2;
  if (qos == "Burstable") return 1;
  return 0;  // BE and anything else
}

class PodReader {
 public:
  PodReader(std::vector<std::string> models, std::vector<PoolSpec> pools, Workload& w,
            ImportReport& report)
      : models_(std::move(models)), pools_(std::move(pools)), w_(w), report_(report) {}

  void row(const Columns& columns, const std::vector<std::string_view>& row) {
    expect_fields(row.size(), columns.count(), kPodLayout);
    const long num_gpu = whole_field(columns.get(row, "num_gpu"), "num_gpu");
    const long milli = whole_field(columns.get(row, "gpu_milli"), "gpu_milli");
    const auto allowed = allowed_models(columns.get(row, "gpu_spec"));
    const double created = number_field(columns.get(row, "creation_time"), "creation_time");
    const double deleted = number_field(columns.get(row, "deletion_time"), "deletion_time");
    const auto scheduled_text = columns.get(row, "scheduled_time");
    const double scheduled =
        scheduled_text.empty() ? -1 : number_field(scheduled_text, "scheduled_time");
    check_times(created, scheduled, deleted);
    if (num_gpu < 0 || num_gpu > 1024 || milli < 0 || milli > 1000)
      throw RowError("bad number",
                     "num_gpu " + std::to_string(num_gpu) + ", gpu_milli " + std::to_string(milli) +
                         " out of range",
                     "num_gpu is 0..1024 and gpu_milli 0..1000");
    horizon_ = std::max(horizon_, deleted);
    if (num_gpu == 0 || milli == 0) {
      ++report_.dropped["CPU-only pod (no GPU)"];
      return;
    }
    check_fits(num_gpu, allowed);
    TrainingJob job;
    job.id = std::string(columns.get(row, "name"));
    if (job.id.empty() || !valid_utf8(job.id))
      throw RowError("bad name", "pod name '" + printable(job.id) + "' is empty or not UTF-8",
                     "give each pod a name in UTF-8");
    if (!names_.insert(job.id).second)
      throw RowError("duplicate pod name", "pod '" + job.id + "' appears twice",
                     "give each pod a unique name");
    job.submit_s = created;
    job.gpus = static_cast<int>(num_gpu);
    job.gpu_share = milli / 1000.0;
    job.priority = priority_of(columns.get(row, "qos"));
    // A pod never scheduled (Pending) has no recorded run: its lifetime stands in for its
    // duration under other policies, and the replay never starts it.
    const double begin = scheduled >= 0 ? scheduled : created;
    const double duration = std::max(1.0, deleted - begin);
    if (scheduled >= 0) {
      job.recorded_start_s = scheduled;
      job.recorded_end_s = deleted;
      ++report_.kept["training jobs with a recorded run"];
    } else {
      ++report_.kept["training jobs never scheduled (Pending)"];
    }
    size_gpu_work(job, allowed, duration);
    w_.training.push_back(std::move(job));
  }

  double horizon() const { return horizon_; }

 private:
  std::vector<const GpuSpec*> allowed_models(std::string_view spec_text) const {
    std::vector<const GpuSpec*> allowed;
    if (spec_text.empty()) {
      for (const auto& model : models_) allowed.push_back(&known_model(model));
      return allowed;
    }
    for (const auto& name : split_fields(spec_text, '|')) {
      const GpuSpec& spec = known_model(name);
      if (std::find(models_.begin(), models_.end(), spec.model) == models_.end())
        throw RowError("unknown GPU model",
                       "gpu_spec names " + spec.model + ", which no node of the node list has",
                       "give the node list that goes with this pod list");
      if (std::find(allowed.begin(), allowed.end(), &spec) == allowed.end())
        allowed.push_back(&spec);
    }
    return allowed;
  }

  // A pod larger than every pool of its models would make a workload `run` refuses.
  void check_fits(long num_gpu, const std::vector<const GpuSpec*>& allowed) const {
    long largest = 0;
    for (const auto& pool : pools_)
      for (const auto* spec : allowed)
        if (pool.model == spec->model) largest = std::max<long>(largest, pool.gpus);
    if (num_gpu > largest)
      throw RowError("larger than the inventory",
                     "the pod asks " + std::to_string(num_gpu) +
                         " GPUs, more than the largest pool of its models holds (" +
                         std::to_string(largest) + ")",
                     "give the node list that goes with this pod list");
  }

  static void check_times(double created, double scheduled, double deleted) {
    const double begin = scheduled >= 0 ? scheduled : created;
    if (deleted > kMaxSeconds)
      throw RowError("out of range", "deletion_time " + std::to_string(deleted) + " s",
                     "times are at most ten years (316224000 s)");
    if (created < 0 || (scheduled >= 0 && scheduled < created) || deleted < begin)
      throw RowError("timestamps out of order",
                     "creation_time " + std::to_string(created) + ", scheduled_time " +
                         (scheduled >= 0 ? std::to_string(scheduled) : "(none)") +
                         ", deletion_time " + std::to_string(deleted),
                     "times must satisfy 0 <= creation <= scheduled <= deletion");
  }

  // The same duration on every allowed model: per-GPU useful rate is kReferenceMfu x the
  // slowest allowed peak x the GPU share, and each model's MFU is that rate over its peak.
  static void size_gpu_work(TrainingJob& job, const std::vector<const GpuSpec*>& allowed,
                            double duration) {
    double slowest = allowed.front()->bf16_flops;
    for (const auto* spec : allowed) slowest = std::min(slowest, spec->bf16_flops);
    const double rate = kReferenceMfu * slowest * job.gpu_share;
    job.work_flops = rate * job.gpus * duration;
    for (const auto* spec : allowed)
      job.generations.push_back({spec->model, rate / spec->bf16_flops, 0});
  }

  const std::vector<std::string> models_;
  const std::vector<PoolSpec> pools_;
  Workload& w_;
  ImportReport& report_;
  std::set<std::string> names_;
  double horizon_ = 0;
};

// The inventory's models, most GPUs first: the order of preference of a pod that names none
// (the trace does not say where such a pod ran; most likely on the largest fleet).
std::vector<std::string> models_of(const Inventory& nodes) {
  std::map<std::string, long> gpus;
  for (const auto& [key, count] : nodes) gpus[key.first] += long{key.second} * count;
  std::vector<std::string> models;
  for (const auto& [model, total] : gpus) models.push_back(model);
  std::stable_sort(models.begin(), models.end(),
                   [&](const auto& a, const auto& b) { return gpus[a] > gpus[b]; });
  return models;
}

}  // namespace

Imported import_alibaba_gpu_2023(const std::vector<std::string>& inputs,
                                 const ImportOptions& options) {
  Imported out;
  Inventory nodes;
  std::vector<std::string> pod_lists;
  // Node lists first: pods are checked against the inventory they ran on.
  for (const auto& file : inputs) {
    LineReader reader(file);
    std::string header;
    if (!reader.next(header))
      throw InputError(file, "", "the file is empty", "pass an openb pod list or node list CSV");
    if (header.rfind("sn,", 0) == 0)
      read_nodes(reader, header, options, nodes, out.report);
    else if (header.rfind("name,", 0) == 0)
      pod_lists.push_back(file);
    else
      throw InputError(file, "line 1", "not an openb pod list (name,...) or node list (sn,...)",
                       "pass openb_pod_list_*.csv and openb_node_list_*.csv");
  }
  if (pod_lists.size() != 1)
    throw std::invalid_argument("alibaba-gpu-2023 needs exactly one pod list, got " +
                                std::to_string(pod_lists.size()));
  if (nodes.empty())
    throw std::invalid_argument(
        "alibaba-gpu-2023 needs the node list (openb_node_list_gpu_node.csv) too: pods may run "
        "on any of its GPU models");
  out.pools = pools_of(nodes);
  PodReader pods(models_of(nodes), out.pools, out.workload, out.report);
  LineReader reader(pod_lists.front());
  std::string header;
  reader.next(header);
  const Columns columns(reader, header,
                        {"name", "num_gpu", "gpu_milli", "gpu_spec", "qos", "creation_time",
                         "deletion_time", "scheduled_time"});
  for_each_row(reader, options.lenient, out.report,
               [&](const std::string& line) { pods.row(columns, split_fields(line, ',')); });
  out.workload.horizon_s = pods.horizon();
  return out;
}

}  // namespace gpufleet
