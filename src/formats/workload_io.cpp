#include "formats/workload_io.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "formats/json_fields.hpp"
#include "model/dependency_graph.hpp"
#include "model/duration.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

const char* kFormatName = "gpufleet-workload";
constexpr double kMinDemandIntervalS = 1;
// Below a billionth of peak, an MFU is a unit mistake, not a measurement: the least one
// importers write (a thousandth of a GPU on a model 100x faster than the slowest) is ~4e-6,
// and 1e-300 made a job that could only run to the horizon.
constexpr double kMinMfu = 1e-9;

std::string at(const std::string& list, size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

TrainingGeneration parse_training_generation(const JsonFields& f) {
  f.reject_unknown({"model", "mfu", "relative_speed"});
  TrainingGeneration g;
  g.model = f.text("model");
  if (f.has("mfu") == f.has("relative_speed"))
    f.fail("mfu", "give exactly one of \"mfu\" and \"relative_speed\"");
  if (f.has("mfu")) {
    g.mfu = f.positive("mfu");
    if (g.mfu > 1) f.fail("mfu", "must be in (0, 1], got " + std::to_string(g.mfu));
    if (g.mfu < kMinMfu) f.fail("mfu", "must be at least 1e-9 (a billionth of peak)");
  } else {
    g.relative_speed = f.positive("relative_speed");
  }
  return g;
}

void parse_recorded(const JsonFields& f, TrainingJob& job) {
  f.reject_unknown({"start_s", "end_s"});
  job.recorded_start_s = f.seconds("start_s");
  job.recorded_end_s = f.seconds("end_s");
  if (job.recorded_end_s < job.recorded_start_s)
    f.fail("end_s", "ends before its recorded start", "end_s must be >= start_s");
  if (job.recorded_start_s < job.submit_s)
    f.fail("start_s", "starts before the job's submit_s", "start_s must be >= submit_s");
}

TrainingJob parse_training(const JsonFields& f) {
  f.reject_unknown({"id", "submit_s", "gpus", "work_flops", "generations", "gradient_bytes",
                    "steps", "checkpoint_interval_s", "checkpoint_bytes", "priority", "after",
                    "gpu_share", "recorded", "walltime_s", "user", "account"});
  TrainingJob job;
  job.id = f.text("id");
  job.submit_s = f.seconds("submit_s");
  job.gpus = f.positive_int("gpus");
  job.work_flops = f.positive("work_flops");
  // Less than one FLOP is a unit mistake, and a denormal made fairness_rho 0/0 (jobs.csv: -nan).
  if (job.work_flops < 1)
    f.fail("work_flops", "must be at least 1 FLOP",
           "give the job's total useful work in FLOPs, e.g. 1e21");
  const auto& generations = f.array("generations");
  if (generations.empty()) f.fail("generations", "must list at least one GPU model");
  for (size_t i = 0; i < generations.size(); ++i) {
    auto g = parse_training_generation(
        JsonFields(generations[i], f.file(), f.field(at("generations", i))));
    if (i == 0 && g.mfu == 0)
      f.fail(at("generations", 0), "the first generation needs an \"mfu\"",
             "relative speeds are relative to the first generation");
    job.generations.push_back(std::move(g));
  }
  job.gradient_bytes = f.non_negative_or("gradient_bytes", 0);
  job.steps = f.positive_long_or("steps", 1);
  job.checkpoint_interval_s =
      f.has("checkpoint_interval_s") ? f.positive_seconds("checkpoint_interval_s") : 3600;
  job.checkpoint_bytes = f.non_negative_or("checkpoint_bytes", 0);
  job.priority = f.int_or("priority", 0);
  const auto& after = f.array_or_empty("after");
  for (size_t i = 0; i < after.size(); ++i) {
    if (!after[i].is_string()) f.fail(at("after", i), "expected a job id string");
    job.after.push_back(after[i].get<std::string>());
  }
  job.gpu_share = f.has("gpu_share") ? f.positive("gpu_share") : 1;
  if (job.gpu_share > 1)
    f.fail("gpu_share", "must be in (0, 1], got " + std::to_string(job.gpu_share));
  if (f.has("recorded")) parse_recorded(f.child("recorded"), job);
  if (f.has("walltime_s")) job.walltime_s = f.positive_seconds("walltime_s");
  job.user = f.text_or("user", "");
  job.account = f.text_or("account", "");
  return job;
}

DemandCurve parse_demand(const JsonFields& f) {
  f.reject_unknown({"interval_s", "repeat", "values", "arrival_cv"});
  DemandCurve curve;
  // A step shorter than a second makes the simulation step through more demand changes than
  // any trace records (1e-300 s never reaches the horizon).
  curve.interval_s = f.positive_seconds("interval_s");
  if (curve.interval_s < kMinDemandIntervalS)
    f.fail("interval_s", "is " + std::to_string(curve.interval_s) + " s, shorter than 1 s",
           "give demand in steps of at least 1 s");
  curve.repeat = f.boolean_or("repeat", true);
  const auto& values = f.array("values");
  if (values.empty()) f.fail("values", "must hold at least one value");
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number() || values[i].get<double>() < 0)
      f.fail(at("values", i), "expected a non-negative number, got " + values[i].dump());
    curve.values.push_back(values[i].get<double>());
  }
  const auto& cvs = f.array_or_empty("arrival_cv");
  if (!cvs.empty() && cvs.size() != values.size())
    f.fail("arrival_cv",
           "has " + std::to_string(cvs.size()) + " values for " + std::to_string(values.size()) +
               " demand steps",
           "give one inter-arrival CV per demand step, or leave arrival_cv out (Poisson)");
  for (size_t i = 0; i < cvs.size(); ++i) {
    // Beyond 100 the waiting-time approximation means nothing; a CV of 0 is a clock.
    if (!cvs[i].is_number() || !(cvs[i].get<double>() >= 0 && cvs[i].get<double>() <= 100))
      f.fail(at("arrival_cv", i), "expected a CV between 0 and 100, got " + cvs[i].dump());
    curve.arrival_cv.push_back(cvs[i].get<double>());
  }
  return curve;
}

void parse_cold_start(const JsonFields& f, InferenceService& s) {
  f.reject_unknown({"startup_s", "weights_bytes", "load_bytes_per_s"});
  s.startup_s = f.has("startup_s") ? f.seconds("startup_s") : s.startup_s;
  s.weights_bytes = f.non_negative_or("weights_bytes", s.weights_bytes);
  s.load_bytes_per_s =
      f.has("load_bytes_per_s") ? f.positive("load_bytes_per_s") : s.load_bytes_per_s;
  if (s.cold_start_s() > kMaxSeconds)
    f.fail("weights_bytes",
           "a replica would take " + std::to_string(s.cold_start_s()) +
               " s to load, more than ten years",
           "check weights_bytes (bytes) and load_bytes_per_s (bytes per second)");
}

InferenceService parse_inference(const JsonFields& f) {
  f.reject_unknown({"id", "gpus_per_replica", "latency_target_s", "flops_per_unit", "unit",
                    "generations", "demand", "units_per_request", "request_cv", "cold_start"});
  InferenceService s;
  s.id = f.text("id");
  s.gpus_per_replica = f.positive_int("gpus_per_replica");
  s.latency_target_s = f.positive("latency_target_s");
  s.flops_per_unit = f.positive("flops_per_unit");
  s.unit = f.text_or("unit", "tokens");
  const auto& generations = f.array("generations");
  if (generations.empty()) f.fail("generations", "must list at least one GPU model");
  for (size_t i = 0; i < generations.size(); ++i) {
    const JsonFields g(generations[i], f.file(), f.field(at("generations", i)));
    g.reject_unknown({"model", "throughput", "latency_s"});
    s.generations.push_back({g.text("model"), g.positive("throughput"), g.positive("latency_s")});
  }
  s.demand = parse_demand(f.child("demand"));
  s.units_per_request = f.has("units_per_request") ? f.positive("units_per_request") : 1.0;
  s.request_cv = f.non_negative_or("request_cv", 1);
  if (s.request_cv > 1)
    f.fail("request_cv", "is " + std::to_string(s.request_cv) + ", above 1",
           "the latency model takes service-time CVs from 0 (alike) to 1 (exponential)");
  if (f.has("cold_start")) parse_cold_start(f.child("cold_start"), s);
  return s;
}

LeaseRequest parse_lease(const JsonFields& f) {
  f.reject_unknown(
      {"id", "gpus", "model", "start_s", "duration_s", "price_per_gpu_hour", "preemptible"});
  LeaseRequest l;
  l.id = f.text("id");
  l.gpus = f.positive_int("gpus");
  l.model = f.text("model");
  l.start_s = f.seconds("start_s");
  l.duration_s = f.positive_seconds("duration_s");
  l.price_per_gpu_hour = f.non_negative("price_per_gpu_hour");
  l.preemptible = f.boolean_or("preemptible", false);
  return l;
}

Contract parse_contract(const JsonFields& f) {
  f.reject_unknown({"id", "gpus", "model", "start_s", "duration_s", "price_per_gpu_hour"});
  Contract c;
  c.id = f.text("id");
  c.gpus = f.positive_int("gpus");
  c.model = f.text("model");
  c.start_s = f.has("start_s") ? f.seconds("start_s") : 0;
  c.duration_s = f.positive_seconds("duration_s");
  c.price_per_gpu_hour = f.non_negative("price_per_gpu_hour");
  return c;
}

template <typename T, typename Parse>
std::vector<T> parse_list(const JsonFields& top, const std::string& key, Parse parse) {
  std::vector<T> items;
  std::set<std::string> ids;
  const auto& array = top.array_or_empty(key);
  for (size_t i = 0; i < array.size(); ++i) {
    const JsonFields f(array[i], top.file(), at(key, i));
    T item = parse(f);
    if (!ids.insert(item.id).second)
      f.fail("id", "duplicate id '" + item.id + "'", "make ids unique");
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

Workload parse_workload(const nlohmann::json& document, const std::string& file) {
  const JsonFields top(document, file, "");
  top.reject_unknown(
      {"format", "version", "horizon_s", "training", "inference", "leases", "contracts", "meta"});
  if (top.text("format") != kFormatName)
    top.fail("format", "expected \"" + std::string(kFormatName) + "\"");
  const double version = top.number("version");
  if (!document.at("version").is_number_integer() || version != Workload::kFormatVersion)
    top.fail("version", "unsupported version",
             "this gpufleet reads version " + std::to_string(Workload::kFormatVersion));
  Workload w;
  w.horizon_s = top.has("horizon_s") ? top.seconds("horizon_s") : 0;
  w.training = parse_list<TrainingJob>(top, "training", parse_training);
  w.inference = parse_list<InferenceService>(top, "inference", parse_inference);
  w.leases = parse_list<LeaseRequest>(top, "leases", parse_lease);
  w.contracts = parse_list<Contract>(top, "contracts", parse_contract);
  return w;
}

Workload load_workload(const std::string& file) {
  return parse_workload(read_json_file(file), file);
}

nlohmann::json training_job_to_json(const TrainingJob& j) {
  using nlohmann::json;
  json gens = json::array();
  for (const auto& g : j.generations)
    gens.push_back(g.relative_speed > 0
                       ? json{{"model", g.model}, {"relative_speed", g.relative_speed}}
                       : json{{"model", g.model}, {"mfu", g.mfu}});
  json item = {{"id", j.id},
               {"submit_s", j.submit_s},
               {"gpus", j.gpus},
               {"work_flops", j.work_flops},
               {"generations", gens},
               {"gradient_bytes", j.gradient_bytes},
               {"steps", j.steps},
               {"checkpoint_interval_s", j.checkpoint_interval_s},
               {"priority", j.priority}};
  if (j.checkpoint_bytes > 0) item["checkpoint_bytes"] = j.checkpoint_bytes;
  if (!j.after.empty()) item["after"] = j.after;
  if (j.gpu_share != 1) item["gpu_share"] = j.gpu_share;
  if (j.recorded_start_s >= 0)
    item["recorded"] = {{"start_s", j.recorded_start_s}, {"end_s", j.recorded_end_s}};
  if (j.walltime_s > 0) item["walltime_s"] = j.walltime_s;
  // Written only when given: workloads without users keep their bytes.
  if (!j.user.empty()) item["user"] = j.user;
  if (!j.account.empty()) item["account"] = j.account;
  return item;
}

std::string workload_to_text(const Workload& w, const nlohmann::json& meta) {
  // The training list is written one job at a time: a JSON tree of every job would take
  // several KB per job (measured: 1.1 GB for 141k imported pods).
  Workload rest;
  rest.horizon_s = w.horizon_s;
  rest.inference = w.inference;
  rest.leases = w.leases;
  rest.contracts = w.contracts;
  nlohmann::json doc = workload_to_json(rest);
  if (!meta.is_null()) doc["meta"] = meta;
  std::string text = "{";
  bool first = true;
  for (const auto& [key, value] : doc.items()) {
    text += std::string(first ? "" : ",") + "\n " + nlohmann::json(key).dump() + ": ";
    first = false;
    if (key != "training") {
      text += value.dump();
      continue;
    }
    text += "[";
    for (size_t i = 0; i < w.training.size(); ++i)
      text += std::string(i ? "," : "") + "\n  " + training_job_to_json(w.training[i]).dump();
    text += "]";
  }
  return text + "\n}\n";
}

nlohmann::json demand_to_json(const DemandCurve& d) {
  nlohmann::json out = {{"interval_s", d.interval_s}, {"repeat", d.repeat}, {"values", d.values}};
  if (!d.arrival_cv.empty()) out["arrival_cv"] = d.arrival_cv;
  return out;
}

namespace {

// A value dumped with dump(1) as if it sat `depth` levels deep: dump(1) indents one space per
// level, and its only literal newlines are those before elements (strings escape theirs).
std::string indented(const std::string& text, int depth) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(depth, ' ');
  }
  return out;
}

}  // namespace

void write_workload_json(std::ostream& out, const Workload& w) {
  Workload rest;  // everything but the training jobs, as one small tree
  rest.horizon_s = w.horizon_s;
  rest.inference = w.inference;
  rest.leases = w.leases;
  rest.contracts = w.contracts;
  const nlohmann::json doc = workload_to_json(rest);
  const char* separator = "{\n ";
  for (const auto& [key, value] : doc.items()) {
    out << separator << nlohmann::json(key).dump() << ": ";
    separator = ",\n ";
    if (key != "training" || w.training.empty()) {
      out << indented(value.dump(1), 1);
      continue;
    }
    for (size_t i = 0; i < w.training.size(); ++i)
      out << (i ? ",\n  " : "[\n  ") << indented(training_job_to_json(w.training[i]).dump(1), 2);
    out << "\n ]";
  }
  out << "\n}\n";
}

nlohmann::json workload_to_json(const Workload& w) {
  using nlohmann::json;
  json doc = {{"format", kFormatName}, {"version", Workload::kFormatVersion}};
  if (w.horizon_s > 0) doc["horizon_s"] = w.horizon_s;
  json training = json::array();
  for (const auto& j : w.training) training.push_back(training_job_to_json(j));
  json inference = json::array();
  for (const auto& s : w.inference) {
    json gens = json::array();
    for (const auto& g : s.generations)
      gens.push_back(
          {{"model", g.model}, {"throughput", g.throughput}, {"latency_s", g.latency_s}});
    inference.push_back({{"id", s.id},
                         {"gpus_per_replica", s.gpus_per_replica},
                         {"latency_target_s", s.latency_target_s},
                         {"flops_per_unit", s.flops_per_unit},
                         {"unit", s.unit},
                         {"generations", gens},
                         {"demand", demand_to_json(s.demand)},
                         {"units_per_request", s.units_per_request},
                         {"request_cv", s.request_cv},
                         {"cold_start",
                          {{"startup_s", s.startup_s},
                           {"weights_bytes", s.resolved_weights_bytes()},
                           {"load_bytes_per_s", s.load_bytes_per_s}}}});
  }
  json leases = json::array();
  for (const auto& l : w.leases)
    leases.push_back({{"id", l.id},
                      {"gpus", l.gpus},
                      {"model", l.model},
                      {"start_s", l.start_s},
                      {"duration_s", l.duration_s},
                      {"price_per_gpu_hour", l.price_per_gpu_hour},
                      {"preemptible", l.preemptible}});
  doc["training"] = training;
  doc["inference"] = inference;
  doc["leases"] = leases;
  // Written only when there are some: workloads without contracts keep their bytes.
  if (!w.contracts.empty()) {
    json contracts = json::array();
    for (const auto& c : w.contracts)
      contracts.push_back({{"id", c.id},
                           {"gpus", c.gpus},
                           {"model", c.model},
                           {"start_s", c.start_s},
                           {"duration_s", c.duration_s},
                           {"price_per_gpu_hour", c.price_per_gpu_hour}});
    doc["contracts"] = contracts;
  }
  return doc;
}

namespace {

std::string platform_models(const Fleet& fleet) {
  std::string list;
  for (const auto& pool : fleet.pools)
    if (list.find(pool.gpu_model) == std::string::npos)
      list += (list.empty() ? "" : ", ") + pool.gpu_model;
  return list;
}

int largest_pool_of(const Fleet& fleet, const std::string& model) {
  int most = 0;
  for (int p : fleet.pools_of_model(model)) most = std::max(most, fleet.pools[p].gpus());
  return most;
}

// Model names match without regard to case; the platform's spelling is kept.
void check_model(const Fleet& fleet, const std::string& file, const std::string& field,
                 std::string& model) {
  if (fleet.has_model(model)) return;
  std::vector<std::string> models;
  for (const auto& pool : fleet.pools) {
    if (same_name(pool.gpu_model, model)) {
      model = pool.gpu_model;
      return;
    }
    models.push_back(pool.gpu_model);
  }
  throw InputError(file, field,
                   "unknown GPU model '" + model + "'" + did_you_mean(model, models) +
                       ": the platform has " + platform_models(fleet),
                   "use one of the platform's models or add a pool of " + model);
}

// Contracts are commitments: those of a model that run at the same time must fit its GPUs.
void check_contracts(Workload& w, const Fleet& fleet, const std::string& file) {
  for (size_t i = 0; i < w.contracts.size(); ++i) {
    auto& c = w.contracts[i];
    check_model(fleet, file, at("contracts", i) + ".model", c.model);
    int gpus = 0;
    for (int p : fleet.pools_of_model(c.model)) gpus += fleet.pools[p].gpus();
    int committed = 0;  // at c's start, by the contracts then running
    for (const auto& other : w.contracts)
      if (other.model == c.model && other.start_s <= c.start_s && other.end_s() > c.start_s)
        committed += other.gpus;
    if (committed > gpus)
      throw InputError(file, at("contracts", i) + ".gpus",
                       "contracts for " + c.model + " running at " +
                           std::to_string(std::lround(c.start_s)) + " s hold " +
                           std::to_string(committed) + " GPUs, more than the platform's " +
                           std::to_string(gpus),
                       "lower gpus or move the term");
  }
}

// Unknown ids, then cycles (Boost.Graph, src/model/dependency_graph.cpp), with the jobs named.
void check_dependencies(const Workload& w, const std::string& file) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < w.training.size(); ++i) index[w.training[i].id] = i;
  for (size_t i = 0; i < w.training.size(); ++i)
    for (size_t k = 0; k < w.training[i].after.size(); ++k)
      if (!index.count(w.training[i].after[k]))
        throw InputError(file, at("training", i) + "." + at("after", k),
                         "unknown job id '" + w.training[i].after[k] + "'",
                         "name a training job of this file");
  const auto cycle = find_dependency_cycle(w);
  if (cycle.empty()) return;
  std::string names;
  for (int job : cycle) names += (names.empty() ? "" : " -> ") + w.training[job].id;
  throw InputError(file, at("training", cycle.front()) + ".after", "dependency cycle: " + names,
                   "remove one of these dependencies");
}

}  // namespace

void bind_workload(Workload& w, const Fleet& fleet, const std::string& file) {
  for (size_t i = 0; i < w.training.size(); ++i) {
    auto& job = w.training[i];
    const std::string where = at("training", i);
    int most = 0;
    for (size_t k = 0; k < job.generations.size(); ++k) {
      auto& g = job.generations[k];
      check_model(fleet, file, where + "." + at("generations", k) + ".model", g.model);
      if (g.relative_speed > 0) {
        const auto& first = job.generations.front();
        g.mfu = g.relative_speed * first.mfu * fleet.peak_flops_of_model(first.model) /
                fleet.peak_flops_of_model(g.model);
        if (g.mfu > 1)
          throw InputError(file, where + "." + at("generations", k) + ".relative_speed",
                           "implies an MFU of " + std::to_string(g.mfu) + " > 1 on " + g.model,
                           "lower the relative speed");
        if (g.mfu < kMinMfu)
          throw InputError(file, where + "." + at("generations", k) + ".relative_speed",
                           "implies an MFU below 1e-9 on " + g.model, "raise the relative speed");
      }
      most = std::max(most, largest_pool_of(fleet, g.model));
    }
    if (job.gpus > most)
      throw InputError(file, where + ".gpus",
                       "job '" + job.id + "' asks " + std::to_string(job.gpus) +
                           " GPUs but its largest allowed pool has " + std::to_string(most),
                       "lower gpus or allow a larger pool");
  }
  check_dependencies(w, file);
  for (size_t i = 0; i < w.inference.size(); ++i) {
    auto& s = w.inference[i];
    for (size_t k = 0; k < s.generations.size(); ++k) {
      auto& g = s.generations[k];
      const std::string field = at("inference", i) + "." + at("generations", k);
      check_model(fleet, file, field + ".model", g.model);
      // Useful work beyond the GPUs' peak is a unit mistake (FLOPs per token vs per request),
      // and would report an effective utilization above 100%.
      const double peak = s.gpus_per_replica * fleet.peak_flops_of_model(g.model);
      if (g.throughput * s.flops_per_unit > peak)
        throw InputError(file, field + ".throughput",
                         "a replica would do " + std::to_string(g.throughput * s.flops_per_unit) +
                             " useful FLOP/s, more than its " + std::to_string(s.gpus_per_replica) +
                             " " + g.model + " GPUs' peak of " + std::to_string(peak),
                         "check throughput and flops_per_unit (useful FLOPs per " + s.unit + ")");
      for (int p : fleet.pools_of_model(g.model))
        if (fleet.pools[p].gpus_per_domain < s.gpus_per_replica)
          throw InputError(file, at("inference", i) + ".gpus_per_replica",
                           "a replica of " + std::to_string(s.gpus_per_replica) +
                               " GPUs does not fit in one " + g.model + " domain of " +
                               std::to_string(fleet.pools[p].gpus_per_domain),
                           "replicas must fit in one NVLink domain");
    }
  }
  for (size_t i = 0; i < w.leases.size(); ++i) {
    auto& l = w.leases[i];
    check_model(fleet, file, at("leases", i) + ".model", l.model);
    if (l.gpus > largest_pool_of(fleet, l.model))
      throw InputError(file, at("leases", i) + ".gpus",
                       "lease '" + l.id + "' asks more GPUs than any " + l.model + " pool has",
                       "lower gpus");
  }
  check_contracts(w, fleet, file);
}

std::vector<int> unusable_pools(const Workload& w, const Fleet& fleet) {
  std::set<std::string> named;
  for (const auto& job : w.training)
    for (const auto& g : job.generations) named.insert(g.model);
  for (const auto& service : w.inference)
    for (const auto& g : service.generations) named.insert(g.model);
  for (const auto& lease : w.leases) named.insert(lease.model);
  for (const auto& contract : w.contracts) named.insert(contract.model);
  std::vector<int> unusable;
  for (size_t p = 0; p < fleet.pools.size(); ++p)
    if (!named.count(fleet.pools[p].gpu_model)) unusable.push_back(static_cast<int>(p));
  return unusable;
}

}  // namespace gpufleet
