#include "formats/workload_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "formats/json_fields.hpp"
#include "model/dependency_graph.hpp"
#include "model/duration.hpp"
#include "model/names.hpp"
#include "serving/model_shapes.hpp"
#include "serving/serving_model.hpp"

namespace gpufleet {

namespace {

const char* kFormatName = "gpufleet-workload";
constexpr double kMinDemandIntervalS = 1;
// Below a billionth of peak, an MFU is a unit mistake, not a measurement: the least one
// importers write (a thousandth of a GPU on a model 100x faster than the slowest) is ~4e-6,
// and 1e-300 made a job that could only run to the horizon.
constexpr double kMinMfu = 1e-9;
// Checkpoints more often than once a minute are a unit mistake (minutes for seconds): a write
// takes at least the failure model's 10-s flush, and 1e-300 s made a 68-day job "complete" in
// 27 h with a negative goodput.
constexpr double kMinCheckpointIntervalS = 60;
// 10 PB: 14 bytes per parameter (BF16 and FP32 weights, two Adam moments) of a model of 700
// trillion parameters, over a thousand times Llama 3 405B's 5.67 TB. 1e308 gave a goodput of
// -521 and more GPU-hours lost than the platform had.
constexpr double kMaxCheckpointBytes = 1e16;
// Units (tokens) per request: at least one, at most ten billion (the Azure importer's requests
// hold at most a billion context plus a billion generated tokens). 1e304 wrote null and NaN
// latencies.
constexpr double kMinUnitsPerRequest = 1;
constexpr double kMaxUnitsPerRequest = 1e10;

// A figure in an error: 1e-300 and 1e308 in a few characters (std::to_string writes 0.000000
// and 309 digits).
std::string shown(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

// A count of tokens or units per request within [lowest, kMaxUnitsPerRequest].
double per_request(const JsonFields& f, const std::string& key, double lowest) {
  const double x = f.number(key);
  if (!(x >= lowest && x <= kMaxUnitsPerRequest))
    f.fail(key, "is " + shown(x) + ", outside " + (lowest > 0 ? "1" : "0") + " to 1e10",
           "give the mean " + std::string(key == "input_tokens" ? "prompt tokens" : "units") +
               " of one request, e.g. 290 tokens");
  return x;
}

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
  if (job.checkpoint_interval_s < kMinCheckpointIntervalS)
    f.fail("checkpoint_interval_s",
           "is " + shown(job.checkpoint_interval_s) + " s, shorter than a minute",
           "give the running time between checkpoints in seconds, at least 60 (e.g. 3600)");
  job.checkpoint_bytes = f.non_negative_or("checkpoint_bytes", 0);
  if (job.checkpoint_bytes > kMaxCheckpointBytes)
    f.fail("checkpoint_bytes",
           "is " + shown(job.checkpoint_bytes) + ", more than 1e16 bytes (10 PB)",
           "give the bytes one checkpoint writes: about 14 per parameter (Llama 3 405B: 5.67e12)");
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

// A model's shape given inline: what the serving model reads, and params (or the rest of a
// Llama-style shape, from which params_from_shape counts them).
ModelShape parse_inline_shape(const JsonFields& f) {
  f.reject_unknown({"name", "params", "layers", "hidden", "attention_heads", "kv_heads", "head_dim",
                    "ffn", "vocab"});
  ModelShape m;
  m.name = f.text_or("name", "custom");
  m.layers = f.positive_int("layers");
  m.hidden = f.positive_int("hidden");
  m.kv_heads = f.positive_int("kv_heads");
  m.head_dim = f.positive_int("head_dim");
  m.attention_heads = f.has("attention_heads") ? f.positive_int("attention_heads") : 0;
  m.ffn = f.has("ffn") ? f.positive_int("ffn") : 0;
  m.vocab = f.has("vocab") ? f.positive_int("vocab") : 0;
  if (f.has("params"))
    m.params = f.positive("params");
  else if (m.attention_heads > 0 && m.ffn > 0 && m.vocab > 0)
    m.params = params_from_shape(m);
  else
    f.fail("params", "is missing",
           "give params, or attention_heads, ffn and vocab to count a Llama-style model's");
  return m;
}

ModelShape parse_shape(const JsonFields& f) {
  if (f.has_object("model")) return parse_inline_shape(f.child("model"));
  const std::string name = f.text("model");
  if (auto shape = find_model_shape(name)) return *shape;
  std::vector<std::string> names;
  for (const auto& shape : model_shapes()) names.push_back(shape.name);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  f.fail("model", "unknown model shape '" + name + "'" + did_you_mean(name, names),
         "use one of " + list +
             ", or give the shape as an object (layers, hidden, kv_heads, "
             "head_dim, params)");
}

// Bytes per weight or cached value: the dtypes the serving model knows.
double parse_dtype_bytes(const JsonFields& f, const std::string& key, double fallback) {
  if (!f.has(key)) return fallback;
  const double bytes = f.number(key);
  if (bytes != 2 && bytes != 1 && bytes != 0.5)
    f.fail(key, "is " + std::to_string(bytes), "give 2 (BF16), 1 (FP8) or 0.5 (FP4)");
  return bytes;
}

// The service's `serving` object; `units_per_request` < 0 when the service did not give it.
ServedModel parse_serving(const JsonFields& f, int gpus_per_replica, double units_per_request) {
  f.reject_unknown({"model", "tensor_parallel", "input_tokens", "output_tokens", "weight_bytes",
                    "kv_bytes", "kv_memory_fraction"});
  ServedModel m;
  m.shape = parse_shape(f);
  m.shape.weight_bytes = parse_dtype_bytes(f, "weight_bytes", m.shape.weight_bytes);
  m.shape.kv_bytes = parse_dtype_bytes(f, "kv_bytes", m.shape.kv_bytes);
  m.setup.tensor_parallel =
      f.has("tensor_parallel") ? f.positive_int("tensor_parallel") : gpus_per_replica;
  if (gpus_per_replica % m.setup.tensor_parallel != 0)
    f.fail("tensor_parallel",
           std::to_string(m.setup.tensor_parallel) + " does not divide gpus_per_replica " +
               std::to_string(gpus_per_replica),
           "a replica runs gpus_per_replica / tensor_parallel engines: give a divisor");
  m.setup.input_tokens = per_request(f, "input_tokens", 0);
  if (f.has("output_tokens")) {
    m.setup.output_tokens = per_request(f, "output_tokens", kMinUnitsPerRequest);
    if (units_per_request > 0 && units_per_request != m.setup.output_tokens)
      f.fail("output_tokens",
             "is " + std::to_string(m.setup.output_tokens) + " but units_per_request is " +
                 std::to_string(units_per_request),
             "demand is in output tokens: give one of them, or the same figure");
  } else if (units_per_request > 0) {
    m.setup.output_tokens = units_per_request;
  } else {
    f.fail("output_tokens", "is missing",
           "give the mean output tokens of a request (or the service's units_per_request)");
  }
  if (f.has("kv_memory_fraction")) {
    m.setup.kv_memory_fraction = f.positive("kv_memory_fraction");
    if (m.setup.kv_memory_fraction > 1)
      f.fail("kv_memory_fraction", "is above 1", "give the share of free HBM, in (0, 1]");
  }
  return m;
}

// A generation's own GPUs per engine (0: the service's), a divisor of the replica's GPUs.
int parse_tensor_parallel(const JsonFields& g, int gpus_per_replica) {
  if (!g.has("tensor_parallel")) return 0;
  const int tp = g.positive_int("tensor_parallel");
  if (gpus_per_replica % tp != 0)
    g.fail("tensor_parallel",
           std::to_string(tp) + " does not divide gpus_per_replica " +
               std::to_string(gpus_per_replica),
           "a replica runs gpus_per_replica / tensor_parallel engines: give a divisor");
  return tp;
}

void parse_generations(const JsonFields& f, InferenceService& s) {
  const auto& generations = f.array("generations");
  if (generations.empty()) f.fail("generations", "must list at least one GPU model");
  for (size_t i = 0; i < generations.size(); ++i) {
    const JsonFields g(generations[i], f.file(), f.field(at("generations", i)));
    g.reject_unknown({"model", "throughput", "latency_s", "tensor_parallel"});
    // With a serving model, typed figures are an override: both or neither.
    if (s.serving && !g.has("throughput") && !g.has("latency_s")) {
      InferenceGeneration rated{g.text("model"), 0, 0};
      rated.tensor_parallel = parse_tensor_parallel(g, s.gpus_per_replica);
      s.generations.push_back(rated);
      continue;
    }
    if (g.has("tensor_parallel"))
      g.fail("tensor_parallel", "is given without the serving model's rating",
             "a generation's tensor_parallel says how the served model runs on it: leave out "
             "throughput and latency_s, or tensor_parallel");
    if (s.serving && !(g.has("throughput") && g.has("latency_s")))
      g.fail(g.has("throughput") ? "latency_s" : "throughput", "is missing",
             "an override gives both throughput and latency_s, or neither (the serving model's)");
    s.generations.push_back({g.text("model"), g.positive("throughput"), g.positive("latency_s")});
  }
}

InferenceService parse_inference(const JsonFields& f) {
  f.reject_unknown({"id", "gpus_per_replica", "latency_target_s", "flops_per_unit", "unit",
                    "generations", "demand", "units_per_request", "request_cv", "cold_start",
                    "serving", "ttft_target_s", "tpot_target_s"});
  InferenceService s;
  s.id = f.text("id");
  s.gpus_per_replica = f.positive_int("gpus_per_replica");
  s.units_per_request =
      f.has("units_per_request") ? per_request(f, "units_per_request", kMinUnitsPerRequest) : 1.0;
  if (f.has("serving")) {
    s.serving = parse_served_model(f, s.gpus_per_replica,
                                   f.has("units_per_request") ? s.units_per_request : -1);
    s.units_per_request = s.serving->setup.output_tokens;
    s.latency_target_s = s.serving->targets.tpot_s;
    s.flops_per_unit = f.has("flops_per_unit") ? f.positive("flops_per_unit")
                                               : s.serving->flops_per_output_token();
  } else {
    for (const char* key : {"ttft_target_s", "tpot_target_s"})
      if (f.has(key))
        f.fail(key, "is given without serving",
               "TTFT and TPOT targets need a served model (serving); without one the SLO is "
               "latency_target_s");
    s.latency_target_s = f.positive("latency_target_s");
    s.flops_per_unit = f.positive("flops_per_unit");
  }
  s.unit = f.text_or("unit", "tokens");
  parse_generations(f, s);
  s.demand = parse_demand(f.child("demand"));
  s.request_cv = f.non_negative_or("request_cv", 1);
  if (s.request_cv > 1)
    f.fail("request_cv", "is " + std::to_string(s.request_cv) + ", above 1",
           "the latency model takes service-time CVs from 0 (alike) to 1 (exponential)");
  if (f.has("cold_start")) parse_cold_start(f.child("cold_start"), s);
  return s;
}

}  // namespace

ServedModel parse_served_model(const JsonFields& f, int gpus_per_replica,
                               double units_per_request) {
  ServedModel m = parse_serving(f.child("serving"), gpus_per_replica, units_per_request);
  if (f.has("latency_target_s"))
    f.fail("latency_target_s", "is given with serving",
           "a served model's SLO is ttft_target_s and tpot_target_s (defaults 2 and 0.2 s)");
  m.targets.ttft_s = f.has("ttft_target_s") ? f.positive("ttft_target_s") : m.targets.ttft_s;
  m.targets.tpot_s = f.has("tpot_target_s") ? f.positive("tpot_target_s") : m.targets.tpot_s;
  return m;
}

namespace {

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

namespace {

nlohmann::json serving_to_json(const ServedModel& m) {
  using nlohmann::json;
  // A shipped shape by name when it is one (as served: the dtypes are the setup's), else inline.
  json model = m.shape.name;
  const auto shipped = find_model_shape(m.shape.name);
  if (!shipped || shipped->params != m.shape.params || shipped->layers != m.shape.layers ||
      shipped->hidden != m.shape.hidden || shipped->kv_heads != m.shape.kv_heads ||
      shipped->head_dim != m.shape.head_dim) {
    model = {{"name", m.shape.name},         {"params", m.shape.params},
             {"layers", m.shape.layers},     {"hidden", m.shape.hidden},
             {"kv_heads", m.shape.kv_heads}, {"head_dim", m.shape.head_dim}};
    if (m.shape.attention_heads > 0) model["attention_heads"] = m.shape.attention_heads;
  }
  return {{"model", model},
          {"tensor_parallel", m.setup.tensor_parallel},
          {"input_tokens", m.setup.input_tokens},
          {"output_tokens", m.setup.output_tokens},
          {"weight_bytes", m.shape.weight_bytes},
          {"kv_bytes", m.shape.kv_bytes},
          {"kv_memory_fraction", m.setup.kv_memory_fraction}};
}

nlohmann::json service_to_json(const InferenceService& s) {
  using nlohmann::json;
  json gens = json::array();
  for (const auto& g : s.generations) {
    // The serving model's figures are derived at binding, not written as an override.
    if (s.serving && (g.from_model || g.throughput <= 0)) {
      gens.push_back({{"model", g.model}});
      if (g.tensor_parallel > 0) gens.back()["tensor_parallel"] = g.tensor_parallel;
    } else
      gens.push_back(
          {{"model", g.model}, {"throughput", g.throughput}, {"latency_s", g.latency_s}});
  }
  json item = {{"id", s.id},
               {"gpus_per_replica", s.gpus_per_replica},
               {"flops_per_unit", s.flops_per_unit},
               {"unit", s.unit},
               {"generations", gens},
               {"demand", demand_to_json(s.demand)},
               {"units_per_request", s.units_per_request},
               {"request_cv", s.request_cv},
               {"cold_start",
                {{"startup_s", s.startup_s},
                 {"weights_bytes", s.resolved_weights_bytes()},
                 {"load_bytes_per_s", s.load_bytes_per_s}}}};
  if (s.serving) {
    item["serving"] = serving_to_json(*s.serving);
    item["ttft_target_s"] = s.serving->targets.ttft_s;
    item["tpot_target_s"] = s.serving->targets.tpot_s;
  } else {
    item["latency_target_s"] = s.latency_target_s;
  }
  return item;
}

}  // namespace

nlohmann::json workload_to_json(const Workload& w) {
  using nlohmann::json;
  json doc = {{"format", kFormatName}, {"version", Workload::kFormatVersion}};
  if (w.horizon_s > 0) doc["horizon_s"] = w.horizon_s;
  json training = json::array();
  for (const auto& j : w.training) training.push_back(training_job_to_json(j));
  json inference = json::array();
  for (const auto& s : w.inference) inference.push_back(service_to_json(s));
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

// A generation's rated point from the service's serving model: throughput of the replica's
// engines at the best batch within the TTFT and TPOT targets, latency_s its TPOT.
void rate_from_model(const InferenceService& s, InferenceGeneration& g, const std::string& file,
                     const std::string& field) {
  const auto& m = *s.serving;
  const std::string service = s.id + " (" + m.shape.name + ")";
  ServingPoint point;
  try {
    const ServingModel model = catalog_serving_model(g.model, m.shape, s.setup_on(g));
    if (!model.fits())
      throw InputError(
          file,
          g.tensor_parallel > 0 ? field + ".tensor_parallel"
                                : field.substr(0, field.find('.')) + ".serving.tensor_parallel",
          service + " does not fit in the HBM of " + std::to_string(s.setup_on(g).tensor_parallel) +
              " " + g.model + " GPUs (" + std::to_string(model.weights_bytes_per_gpu() / 1e9) +
              " GB of weights per GPU leave no KV cache for one request)",
          "more GPUs per engine (tensor_parallel), a smaller weight_bytes, or "
          "throughput and latency_s for this generation");
    point = model.best_point(m.targets);
  } catch (const std::invalid_argument& e) {
    throw InputError(
        file, field + ".model",
        "the serving model of " + service + " cannot rate " + g.model + ": " + e.what(),
        "give throughput and latency_s for this generation, or a GPU the catalog "
        "rates (docs/inference-latency.md)");
  }
  if (point.batch < 1)
    throw InputError(file, field.substr(0, field.find('.')) + ".tpot_target_s",
                     "no batch of " + service + " on " + g.model +
                         " meets TTFT <= " + std::to_string(m.targets.ttft_s) +
                         " s and TPOT <= " + std::to_string(m.targets.tpot_s) +
                         " s (one sequence: TPOT " + std::to_string(point.tpot_s) + " s, TTFT " +
                         std::to_string(point.ttft_s) + " s)",
                     "raise the targets, or serve it on more GPUs per engine");
  g.from_model = true;
  g.batch = point.batch;
  g.throughput = point.tokens_per_s * s.engines_per_replica(g);
  g.latency_s = point.tpot_s;
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
      if (s.serving && (g.from_model || g.throughput <= 0)) rate_from_model(s, g, file, field);
      // Useful work beyond the GPUs' peak (in the served dtype) is a unit mistake (FLOPs per
      // token vs per request), and would report an effective utilization above 100%.
      const double peak =
          s.gpus_per_replica * fleet.peak_flops_of_model(g.model) * s.dtype_speedup_on(g.model);
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

// Each demand step of each service becomes an event, and the latency model keeps what each
// step's state gave (about 300 bytes a step): 1-s steps over 30 days took 736 MB.
constexpr double kMaxDemandSteps = 2'000'000;

void check_demand_steps(const Workload& w, double horizon_s, const std::string& file,
                        bool from_scenario) {
  double total = 0;
  for (const auto& s : w.inference) {
    const double over_horizon = std::ceil(horizon_s / s.demand.interval_s);
    total += s.demand.repeat ? over_horizon
                             : std::min(over_horizon, static_cast<double>(s.demand.values.size()));
  }
  if (total <= kMaxDemandSteps) return;
  // A scenario draws its services' steps from its demand shape's windows.
  if (from_scenario)
    throw InputError(file, "inference.services",
                     std::to_string(w.inference.size()) + " services in steps of " +
                         shown(w.inference.front().demand.interval_s) +
                         " s (the demand shape's "
                         "windows) give " +
                         std::to_string(static_cast<long long>(total)) + " demand steps over the " +
                         std::to_string(std::lround(horizon_s)) + "-s horizon, more than 2000000",
                     "a shorter --horizon, fewer services, or a shape of longer windows");
  for (size_t i = 0; i < w.inference.size(); ++i) {
    const auto& d = w.inference[i].demand;
    const double shortest =
        std::ceil(horizon_s * static_cast<double>(w.inference.size()) / kMaxDemandSteps);
    if (d.interval_s >= shortest) continue;
    throw InputError(file, at("inference", i) + ".demand.interval_s",
                     "steps of " + shown(d.interval_s) + " s give the services " +
                         std::to_string(static_cast<long long>(total)) + " demand steps over the " +
                         std::to_string(std::lround(horizon_s)) + "-s horizon, more than 2000000",
                     "give demand in steps of at least " +
                         std::to_string(static_cast<long long>(shortest)) +
                         " s, or a shorter horizon");
  }
  throw InputError(file, "inference",
                   std::to_string(static_cast<long long>(total)) + " demand steps over the " +
                       std::to_string(std::lround(horizon_s)) + "-s horizon, more than 2000000",
                   "give demand in longer steps, fewer services, or a shorter horizon");
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
