// Kubernetes: `kubectl get pods -A -o json` (and `kubectl get nodes -o json`) to training jobs,
// inference services and pools. Mapping decisions and what is lost: docs/importers.md,
// "Kubernetes"; the objects' fields: import/kubernetes_objects.hpp.
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "import/importers.hpp"
#include "import/kubernetes/kubernetes_objects.hpp"
#include "model/duration.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

// A pod records how long it ran, not how fast: as for Alibaba's pods, every job gets this MFU
// of the slowest model it may use, so it runs its recorded time wherever it is placed.
constexpr double kReferenceMfu = 0.4;
// Node clocks (status.startTime) may run behind the API server's (creationTimestamp).
constexpr double kClockSkewS = 60;
// What `run` accepts over all services (docs/workload-format.md, "Demand curve").
constexpr double kMaxDemandSteps = 2'000'000;
constexpr long kMaxPriority = 1'000'000'000;  // the workload's range (system pods go beyond)

enum class Work { kBatch, kGang, kServing, kNodeAgent };

// Kubeflow training operators own their pods directly; one such object is one gang.
bool kubeflow_kind(const std::string& kind) {
  static const std::set<std::string> kinds = {"PyTorchJob", "TFJob",  "MPIJob", "XGBoostJob",
                                              "PaddleJob",  "JAXJob", "MXJob"};
  return kinds.count(kind) > 0;
}

Work work_of(const std::string& owner_kind) {
  if (owner_kind == "ReplicaSet" || owner_kind == "StatefulSet" ||
      owner_kind == "ReplicationController")
    return Work::kServing;
  if (owner_kind == "DaemonSet" || owner_kind == "Node") return Work::kNodeAgent;
  if (kubeflow_kind(owner_kind)) return Work::kGang;
  return Work::kBatch;  // Job (CronJob's too), a bare pod, and any other owner
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// GPU feature discovery's product label (the NVML name, spaces as dashes) to a catalog model:
// a catalog name itself first (so --catalog can add one), then the NVIDIA names of the
// catalog's models. Empty when nothing matches.
std::string model_of_product(const std::string& product) {
  std::string p = product;
  for (const char* prefix : {"NVIDIA-", "Tesla-"})
    if (p.rfind(prefix, 0) == 0) p = p.substr(std::string(prefix).size());
  for (const auto& candidate : {product, p})
    if (const auto gpu = find_gpu(candidate)) return gpu->model;
  if (p.find("-MIG-") != std::string::npos) return {};  // MIG slices are not whole GPUs
  std::string u = lower(p);
  // Time-slicing appends -SHARED: the devices are still whole GPUs of that model.
  if (u.size() > 7 && u.compare(u.size() - 7, 7, "-shared") == 0) u.resize(u.size() - 7);
  const auto starts = [&](const char* s) { return u.rfind(s, 0) == 0; };
  const auto has = [&](const char* s) { return u.find(s) != std::string::npos; };
  if (starts("gb200")) return "GB200";
  if (starts("gb300")) return "GB300";
  if (starts("b200")) return "B200";
  if (starts("b300")) return "B300";
  if (starts("h200")) return "H200";
  if (starts("h100")) return "H100";
  if (starts("a100") && has("80gb")) return "A100-80";
  if (starts("a100") && has("40gb")) return "A100-40";
  if (starts("l40s")) return "L40S";
  if (u == "a10") return "A10";
  if (starts("t4")) return "T4";
  if (starts("v100") && has("32gb")) return "V100M32";
  if (starts("v100") && has("16gb")) return "V100M16";
  if (starts("p100")) return "P100";
  return {};
}

// Runs fn(i) on every item, turning a FieldError into an InputError naming the file and the
// field, or, when lenient, skipping and counting the item.
template <typename Fn>
void each_item(const std::string& file, size_t count, const ImportOptions& options,
               ImportReport& report, Fn fn) {
  for (size_t i = 0; i < count; ++i) {
    try {
      fn(i);
    } catch (const FieldError& e) {
      if (!options.lenient)
        throw InputError(file, e.path(), e.kind() + ": " + e.what(),
                         e.fix() + "; or pass --lenient to skip and count such items");
      ++report.dropped["malformed item: " + e.kind()];
    }
  }
}

struct Node {
  std::string model;
  int gpus = 0;
  double serving_gpu_s = 0, training_gpu_s = 0;  // what its pods held
};

// The nodes with GPUs, by name; `heartbeat` gets the latest time a node reported.
std::map<std::string, Node> read_nodes(const std::string& file, const ImportOptions& options,
                                       ImportReport& report, double& heartbeat) {
  const auto items = read_kube_list(file, "Node");
  std::map<std::string, Node> nodes;
  each_item(file, items.size(), options, report, [&](size_t i) {
    ++report.rows;
    const KubeNode n = read_node(items[i], "items[" + std::to_string(i) + "]");
    heartbeat = std::max(heartbeat, n.heartbeat);
    if (n.gpus == 0) {
      ++report.dropped["node without GPUs"];
      return;
    }
    const std::string label = n.path + ".metadata.labels[\"nvidia.com/gpu.product\"]";
    std::string model;
    if (n.product.empty() && options.gpu_model_given) model = options.gpu_model;
    if (n.product.empty() && model.empty())
      throw FieldError(label, "no GPU product", "node " + n.name + " has GPUs but no label",
                       "label it (NVIDIA GPU feature discovery does) or pass --gpu-model for "
                       "nodes without one");
    if (!n.product.empty()) model = model_of_product(n.product);
    if (model.empty())
      throw FieldError(
          label, "unknown GPU model",
          "node " + n.name + ": product '" + printable(n.product) + "' is no catalog model",
          "add a model of that name with --catalog FILE (docs/hardware.md); "
          "known: " +
              known_gpu_models());
    nodes[n.name] = {model, n.gpus, 0, 0};
    ++report.kept["GPU nodes"];
  });
  return nodes;
}

// How a pod ended, for the report: its phase, and for a failure the first reason given (a
// DisruptionTarget condition's, status.reason, a container's terminated reason).
std::string outcome(const KubePod& pod) {
  if (pod.phase == "Running") return "Running at capture (run cut at the capture)";
  if (pod.phase != "Failed") return pod.phase;
  const std::string why = !pod.disruption.empty() ? pod.disruption
                          : !pod.reason.empty()   ? pod.reason
                          : !pod.failure.empty()  ? pod.failure
                                                  : "Error";
  return "Failed (" + why + ")";
}

// A pod's run: when its GPUs were held.
struct Run {
  double start = 0, end = 0;
};

// Phase and reason to a run, or an empty optional with the reason it is dropped. The GPUs
// are the pod's from status.startTime (the kubelet admits the pod and its device plugin
// allocates them then, before images are pulled and init containers run) to the last
// container's finish; a pod still Running at capture is cut there.
std::optional<Run> run_of(const KubePod& pod, double capture, ImportReport& report) {
  const bool started = pod.start >= 0 || pod.container_start >= 0;
  if (pod.phase == "Pending" || pod.phase.empty() || (pod.phase == "Failed" && !started)) {
    ++report.dropped[pod.phase == "Failed" ? "pod failed before it started (" + pod.reason + ")"
                                           : "pod never started (Pending)"];
    return std::nullopt;
  }
  if (pod.phase != "Running" && pod.phase != "Succeeded" && pod.phase != "Failed") {
    ++report.dropped["pod in phase " + pod.phase + " (its node stopped reporting)"];
    return std::nullopt;
  }
  if (pod.phase != "Running" && pod.finish < 0) {
    ++report.dropped["pod ended without a container finish time"];
    return std::nullopt;
  }
  Run run;
  run.start = pod.start >= 0 ? pod.start : pod.container_start;
  run.end = pod.phase == "Running" ? capture : pod.finish;
  if (run.start < pod.created && run.start >= pod.created - kClockSkewS) run.start = pod.created;
  if (run.start < pod.created || run.end < run.start)
    throw FieldError(pod.path + ".status", "timestamps out of order",
                     "created " + std::to_string(pod.created) + ", started " +
                         std::to_string(run.start) + ", ended " + std::to_string(run.end) +
                         " (seconds since 1970)",
                     "times must satisfy creationTimestamp <= startTime <= finishedAt");
  ++report.kept["pods " + outcome(pod)];
  return run;
}

// A pod that made work, with what it is part of.
struct Kept {
  const KubePod* pod;
  Run run;
};

// The owner a serving pod's replicas count for: a Deployment's ReplicaSets are named
// "<deployment>-<pod-template-hash>", so all its rollouts make one service.
std::string service_name(const KubePod& pod) {
  const std::string& n = pod.owner_name;
  const std::string suffix = "-" + pod.template_hash;
  if (pod.owner_kind == "ReplicaSet" && !pod.template_hash.empty() && n.size() > suffix.size() &&
      n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
    return n.substr(0, n.size() - suffix.size());
  return n;
}

class Builder {
 public:
  Builder(const ImportOptions& options, std::map<std::string, Node>& nodes, Imported& out)
      : options_(options), nodes_(nodes), out_(out) {}

  void add(const KubePod& pod, Run run) {
    const Work work = work_of(pod.owner_kind);
    const double gpu_s = pod.gpus * (run.end - run.start);
    if (auto it = nodes_.find(pod.node); it != nodes_.end())
      (work == Work::kServing ? it->second.serving_gpu_s : it->second.training_gpu_s) += gpu_s;
    if (work == Work::kServing)
      services_[pod.ns + "/" + service_name(pod) + "\x01" + pod.owner_kind].push_back({&pod, run});
    else if (work == Work::kGang)
      gangs_[pod.ns + "/" + pod.owner_name + "\x01" + pod.owner_kind].push_back({&pod, run});
    else
      gangs_[pod.ns + "/" + pod.name + "\x01pod"].push_back({&pod, run});
    origin_ = std::min(origin_, pod.created);
  }

  void build(double capture) {
    if (gangs_.empty() && services_.empty())
      throw std::invalid_argument("no GPU pod of the pods file ever ran: nothing to import");
    capture_ = capture;
    if (capture - origin_ > kMaxSeconds)
      throw std::invalid_argument(
          "the pods span more than ten years (from their earliest creationTimestamp to the "
          "latest time they record): a workload covers at most 316224000 s; check the clocks");
    out_.workload.horizon_s = std::max(1.0, capture - origin_);
    for (const auto& [key, pods] : gangs_) training(pods);
    check_demand_steps();
    for (const auto& [key, pods] : services_) service(pods);
    for (const auto& s : out_.workload.inference)
      if (!out_.pools.empty() && !has_inference_pool(s))
        ++out_.report.kept
              ["inference services without an inference pool of their models (no replicas under "
               "replay or static-partition)"];
    out_.notes["time_origin"] = std::to_string(static_cast<long long>(std::floor(origin_)));
  }

 private:
  // Catalog models of the nodes the pods ran on, most GPU-seconds first; every model of the
  // node list for a pod whose node it does not hold.
  std::vector<const GpuSpec*> models_of(const std::vector<Kept>& pods) {
    std::map<std::string, double> held;
    bool unknown = false;
    for (const auto& k : pods) {
      const auto it = nodes_.find(k.pod->node);
      if (it != nodes_.end()) held[it->second.model] += k.pod->gpus * (k.run.end - k.run.start);
      if (it == nodes_.end() && !nodes_.empty()) {
        unknown = true;
        ++out_.report.kept["pods on a node the nodes file lacks (may run on any of its models)"];
      }
    }
    if (nodes_.empty()) held = {{options_.gpu_model, 1}};
    if (unknown)
      for (const auto& [name, node] : nodes_) held.emplace(node.model, 0);
    std::vector<std::pair<std::string, double>> order(held.begin(), held.end());
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<const GpuSpec*> models;
    for (const auto& [model, s] : order) models.push_back(&*find_spec(model));
    return models;
  }

  static const GpuSpec* find_spec(const std::string& model) {
    for (const auto& spec : gpu_catalog())
      if (same_name(spec.model, model)) return &spec;
    throw std::invalid_argument("unknown GPU model '" + model + "'; known: " + known_gpu_models() +
                                " (others: --catalog FILE, docs/hardware.md)");
  }

  static double slowest_peak(const std::vector<const GpuSpec*>& models) {
    double slowest = models.front()->bf16_flops;
    for (const auto* m : models) slowest = std::min(slowest, m->bf16_flops);
    return slowest;
  }

  // A pod of a Job or a bare pod is one job; the pods of a Kubeflow job are one gang: its
  // GPUs summed, from its first pod's creation, held from the first start to the last end.
  void training(const std::vector<Kept>& pods) {
    TrainingJob job;
    const KubePod& first = *pods.front().pod;
    const bool gang = pods.size() > 1 || kubeflow_kind(first.owner_kind);
    job.id = gang ? first.ns + "/" + first.owner_name : first.ns + "/" + first.name;
    if (!ids_.insert(job.id).second) job.id += "-" + lower(first.owner_kind);
    double submit = first.created, start = pods.front().run.start, end = pods.front().run.end;
    long gpus = 0, priority = first.priority;
    double deadline = 0;
    for (const auto& k : pods) {
      gpus += k.pod->gpus;
      submit = std::min(submit, k.pod->created);
      start = std::min(start, k.run.start);
      end = std::max(end, k.run.end);
      priority = std::max(priority, k.pod->priority);
      deadline = std::max(deadline, k.pod->deadline_s);
    }
    job.gpus = static_cast<int>(gpus);
    job.submit_s = submit - origin_;
    job.recorded_start_s = start - origin_;
    job.recorded_end_s = end - origin_;
    job.priority = static_cast<int>(std::clamp(priority, -kMaxPriority, kMaxPriority));
    job.walltime_s = deadline;
    job.user = first.user;
    job.account = first.ns;
    const auto models = models_of(pods);
    const double rate = kReferenceMfu * slowest_peak(models);
    job.work_flops = rate * job.gpus * std::max(1.0, end - start);
    for (const auto* m : models) job.generations.push_back({m->model, rate / m->bf16_flops, 0});
    if (!fits_a_pool(job)) {
      ++out_.report.dropped["training job larger than every pool of its GPU models"];
      return;
    }
    ++out_.report
          .kept[gang ? "training jobs: gangs of pods (" + first.owner_kind + ")"
                     : "training jobs: one pod each (" +
                           (first.owner_kind.empty() ? std::string("bare pod") : first.owner_kind) +
                           ")"];
    out_.workload.training.push_back(std::move(job));
  }

  bool has_inference_pool(const InferenceService& s) const {
    for (const auto& pool : out_.pools)
      for (const auto& g : s.generations)
        if (pool.model == g.model && pool.role == "inference") return true;
    return false;
  }

  bool fits_a_pool(const TrainingJob& job) const {
    if (out_.pools.empty()) return true;
    for (const auto& pool : out_.pools)
      for (const auto& g : job.generations)
        if (pool.model == g.model && pool.gpus >= job.gpus) return true;
    return false;
  }

  void check_demand_steps() const {
    const double steps = std::ceil(out_.workload.horizon_s / options_.interval_s);
    if (steps * static_cast<double>(services_.size()) > kMaxDemandSteps)
      throw std::invalid_argument(
          std::to_string(services_.size()) + " services over " +
          std::to_string(static_cast<long>(out_.workload.horizon_s)) + " s make more than " +
          "2000000 demand steps of --interval " + std::to_string(options_.interval_s) +
          " s: pass --interval " +
          std::to_string(static_cast<long>(std::ceil(
              out_.workload.horizon_s * static_cast<double>(services_.size()) / kMaxDemandSteps))) +
          "s or more");
  }

  // Pods of one Deployment or StatefulSet make one service whose demand, in "replicas", is the
  // most of its pods that ran at once in each --interval step; each replica serves one.
  void service(const std::vector<Kept>& pods) {
    InferenceService s;
    const KubePod& first = *pods.front().pod;
    s.id = first.ns + "/" + service_name(first);
    // A Deployment and a StatefulSet of one name in one namespace are two services.
    if (!service_ids_.insert(s.id).second) s.id += "-" + lower(first.owner_kind);
    for (const auto& k : pods) s.gpus_per_replica = std::max(s.gpus_per_replica, k.pod->gpus);
    for (const auto& k : pods)
      if (k.pod->gpus != s.gpus_per_replica) {
        ++out_.report.kept["services whose pods asked different GPU counts (the most kept)"];
        break;
      }
    const auto models = models_of(pods);
    s.unit = "replicas";
    s.units_per_request = 1;
    // A pod list records no requests and no latency target. An hour per unit lets every unit
    // its replicas admit be on time, so SLO attainment counts only demand they could not serve
    // (replicas missing); a tight target would report the fully loaded replicas as late.
    s.latency_target_s = 3600;
    s.flops_per_unit = kReferenceMfu * slowest_peak(models) * s.gpus_per_replica;
    for (const auto* m : models) s.generations.push_back({m->model, 1, 0.5, false, 0, 0});
    s.demand.interval_s = options_.interval_s;
    s.demand.repeat = false;
    s.demand.values = replicas_per_step(pods);
    ++out_.report.kept["inference services (" + pods.front().pod->owner_kind + ")"];
    out_.report.kept["pods -> replicas of inference services"] += static_cast<long>(pods.size());
    out_.workload.inference.push_back(std::move(s));
  }

  // The most pods running at once within each step, from the origin to the capture.
  std::vector<double> replicas_per_step(const std::vector<Kept>& pods) const {
    std::vector<std::pair<double, int>> events;  // ends sort before starts at the same time
    for (const auto& k : pods) {
      events.push_back({k.run.start - origin_, +1});
      events.push_back({k.run.end - origin_, -1});
    }
    std::sort(events.begin(), events.end());
    const double step = options_.interval_s;
    const auto steps = static_cast<size_t>(std::ceil(out_.workload.horizon_s / step));
    std::vector<double> values(std::max<size_t>(1, steps), 0.0);
    int running = 0;
    size_t e = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      const double to = static_cast<double>(i + 1) * step;
      int most = running;
      for (; e < events.size() && events[e].first < to; ++e) {
        running += events[e].second;
        most = std::max(most, running);
      }
      values[i] = most;
    }
    return values;
  }

  const ImportOptions& options_;
  std::map<std::string, Node>& nodes_;
  Imported& out_;
  std::map<std::string, std::vector<Kept>> gangs_, services_;
  std::set<std::string> ids_, service_ids_;
  double origin_ = INFINITY;
  double capture_ = 0;
};

// Pools of the node list: a node serves when most of the GPU-seconds its pods held were
// serving pods' (role inference), else it trains (role training; a node no GPU pod ran on
// too); one pool per (model, role, GPUs per node).
std::vector<PoolSpec> pools_of(const std::map<std::string, Node>& nodes, ImportReport& report) {
  std::map<std::tuple<std::string, std::string, int>, int> count;
  for (const auto& [name, n] : nodes)
    ++count[{n.model, n.serving_gpu_s > n.training_gpu_s ? "inference" : "training", n.gpus}];
  std::vector<PoolSpec> pools;
  for (const auto& [key, nodes_of] : count) {
    const auto& [model, role, per_node] = key;
    PoolSpec pool;
    pool.model = model;
    pool.role = role;
    pool.gpus = per_node * nodes_of;
    pool.name = lower(model) + "-x" + std::to_string(per_node) + "-" + role;
    // Nodes that together make whole NVLink domains of the catalog (18 GB200 trays of 4 in an
    // NVL72) keep them; otherwise each node is its own domain.
    const int domain = find_gpu(model)->gpus_per_domain;
    pool.gpus_per_domain = domain % per_node == 0 && pool.gpus % domain == 0 ? domain : per_node;
    if (pool.gpus_per_domain != domain)
      ++report.kept["pools whose nodes make no whole " + model + " NVLink domain of " +
                    std::to_string(domain) + " (one per node)"];
    pools.push_back(pool);
  }
  return pools;
}

}  // namespace

Imported import_kubernetes(const std::vector<std::string>& inputs, const ImportOptions& options) {
  if (inputs.size() > 2)
    throw std::invalid_argument("kubernetes reads PODS.json [NODES.json], got " +
                                std::to_string(inputs.size()) + " files");
  if (inputs.size() == 1 && !options.gpu_model_given)
    throw std::invalid_argument(
        "without a nodes file (kubectl get nodes -o json) the pods' GPU model is unknown: pass "
        "it as a second file or give --gpu-model");
  if (inputs.size() == 1 && !find_gpu(options.gpu_model))
    throw std::invalid_argument("unknown --gpu-model '" + options.gpu_model + "'; known: " +
                                known_gpu_models() + " (others: --catalog FILE, docs/hardware.md)");
  Imported out;
  const auto& file = inputs.front();
  const auto items = read_kube_list(file, "Pod");
  std::map<std::string, Node> nodes;
  double heartbeat = -1;
  if (inputs.size() == 2) nodes = read_nodes(inputs[1], options, out.report, heartbeat);
  if (inputs.size() == 2 && nodes.empty())
    throw InputError(inputs[1], "", "no node with GPUs", "pass kubectl get nodes -o json");
  std::vector<KubePod> pods;
  std::set<std::string> names;
  each_item(file, items.size(), options, out.report, [&](size_t i) {
    ++out.report.rows;
    KubePod pod = read_pod(items[i], "items[" + std::to_string(i) + "]", options.user_label);
    if (!names.insert(pod.ns + "/" + pod.name).second)
      throw FieldError(pod.path + ".metadata.name", "duplicate pod",
                       "pod " + pod.ns + "/" + pod.name + " appears twice",
                       "pass one kubectl get pods output");
    pods.push_back(std::move(pod));
  });
  // The capture time, which kubectl's output does not carry: the latest time either file
  // records. Kubelets report their node's status at least every 5 minutes
  // (nodeStatusReportFrequency), so a nodes file taken with the pods pins it within that.
  double capture = heartbeat;
  for (const auto& p : pods) capture = std::max(capture, p.latest);
  std::vector<std::pair<const KubePod*, Run>> kept;
  each_item(file, pods.size(), options, out.report, [&](size_t i) {
    const KubePod& pod = pods[i];
    if (pod.gpus == 0) {
      ++out.report.dropped["pod without GPUs (no nvidia.com/gpu)"];
      return;
    }
    if (work_of(pod.owner_kind) == Work::kNodeAgent) {
      ++out.report.dropped["per-node agent pod (" + pod.owner_kind + ")"];
      return;
    }
    if (const auto run = run_of(pod, capture, out.report)) kept.push_back({&pod, *run});
  });
  Builder builder(options, nodes, out);
  for (const auto& [pod, run] : kept) builder.add(*pod, run);
  out.pools = pools_of(nodes, out.report);
  builder.build(capture);
  return out;
}

}  // namespace gpufleet
