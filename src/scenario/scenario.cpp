#include "scenario/scenario.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "formats/json_fields.hpp"
#include "formats/workload_io.hpp"
#include "model/gpu_catalog.hpp"
#include "model/names.hpp"
#include "serving/serving_model.hpp"

namespace gpufleet {

double LogNormal::mean() const {
  // E[clamp(X, a, b)] for X = exp(mu + sigma Z): the two clamped tails plus the partial
  // lognormal mean between them.
  if (sigma <= 0) return std::clamp(median, min, max);
  const auto cdf = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  const double mu = std::log(median);
  const double alpha = (std::log(min) - mu) / sigma;
  const double beta = (std::log(max) - mu) / sigma;
  return min * cdf(alpha) + max * (1 - cdf(beta)) +
         std::exp(mu + sigma * sigma / 2) * (cdf(beta - sigma) - cdf(alpha - sigma));
}

namespace {

double bounded(const JsonFields& f, const std::string& key, double lo, double hi) {
  const double x = f.number(key);
  if (!(x >= lo && x <= hi))  // NaN too
    f.fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                    std::to_string(x));
  return x;
}

double fraction(const JsonFields& f, const std::string& key) {
  return bounded(f, key, 0, 1);
}

// Absent: 0 (no growth).
double growth_per_month(const JsonFields& f) {
  return f.has("growth_per_month")
             ? bounded(f, "growth_per_month", kMinGrowthPerMonth, kMaxGrowthPerMonth)
             : 0;
}

// Bounds that keep the draws finite and their number sane; wider values describe no fleet.
constexpr double kMinCv = 0.01, kMaxCv = 10;
constexpr double kMaxSigma = 5;

std::string gpu_model(const JsonFields& f, const std::string& key) {
  const std::string model = f.text(key);
  const auto gpu = find_gpu(model);
  if (!gpu)
    f.fail(key, "unknown GPU model '" + model + "'" + did_you_mean(model, gpu_model_names()),
           "use one of: " + known_gpu_models());
  return gpu->model;  // the catalog's spelling, whatever case was typed
}

LogNormal read_lognormal(const JsonFields& f) {
  f.reject_unknown({"median", "sigma", "min", "max"});
  LogNormal d{f.positive("median"), bounded(f, "sigma", 0, kMaxSigma), f.positive("min"),
              f.positive("max")};
  if (d.min > d.median || d.median > d.max)
    f.fail("median", "needs min <= median <= max", "check min, median and max");
  return d;
}

GpuRange read_gpu_range(const JsonFields& f) {
  f.reject_unknown({"min", "max", "multiple", "scale_exponent"});
  GpuRange g{f.positive_int("min"), f.positive_int("max"), f.positive_int("multiple"),
             f.non_negative_or("scale_exponent", 0)};
  if (g.min > g.max) f.fail("min", "is larger than max");
  if (g.scale_exponent > 1) f.fail("scale_exponent", "must be between 0 and 1");
  return g;
}

// Most GPUs a scenario's fleet holds at scale 1 (the seed has 10,000): counts stay ints at any
// plausible --scale, and a draw fits in memory.
constexpr long kMaxScenarioGpus = 10'000'000;

// A pool name becomes a SimGrid cluster id and host prefix in the platform XML: letters,
// digits, '.', '_' and '-' only, so that it cannot break the XML.
bool plain_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

std::vector<PoolSpec> read_fleet(const JsonFields& f) {
  std::vector<PoolSpec> fleet;
  long total = 0;
  const auto& pools = f.array("fleet");
  for (size_t i = 0; i < pools.size(); ++i) {
    const JsonFields p(pools[i], f.file(), f.field("fleet[" + std::to_string(i) + "]"));
    p.reject_unknown({"model", "gpus", "name", "role"});
    PoolSpec spec;
    spec.model = gpu_model(p, "model");
    spec.gpus = p.positive_int("gpus");
    spec.name = p.text_or("name", "");
    if (!plain_name(spec.name))
      p.fail("name", "'" + printable(spec.name) + "' is not a plain name",
             "use letters, digits, '.', '_' and '-'");
    total += spec.gpus;
    if (total > kMaxScenarioGpus)
      p.fail("gpus", "the fleet passes 10000000 GPUs", "scale a smaller fleet up with --scale");
    spec.role = p.text_or("role", "");
    if (!spec.role.empty() && spec.role != "training" && spec.role != "inference")
      p.fail("role", "unknown role '" + spec.role + "'", "use training or inference");
    fleet.push_back(spec);
  }
  if (fleet.empty()) f.fail("fleet", "no pool", "list at least one pool");
  return fleet;
}

// The MFU a class reaches on each generation must stay a fraction of that GPU's peak.
void check_mfu_everywhere(const TrainingMix& mix, const JsonFields& c) {
  const auto& first = mix.generations.front();
  const double mfu = mix.classes.back().mfu;
  for (const auto& model : mix.generations) {
    const double there = mfu * mix.relative_speed.at(model) / mix.relative_speed.at(first) *
                         find_gpu(first)->bf16_flops / find_gpu(model)->bf16_flops;
    if (there > 1)
      c.fail("mfu", "gives an MFU of " + std::to_string(there) + " on " + model,
             "lower the MFU or that model's relative_speed");
  }
}

TrainingClass read_training_class(const JsonFields& c) {
  c.reject_unknown({"name", "share_of_demand", "gpus", "duration_h", "interarrival_cv", "mfu",
                    "params", "step_s", "priority", "max_walltime_h"});
  TrainingClass k;
  k.name = c.text("name");
  k.share_of_demand = fraction(c, "share_of_demand");
  k.gpus = read_gpu_range(c.child("gpus"));
  k.duration_h = read_lognormal(c.child("duration_h"));
  k.interarrival_cv = bounded(c, "interarrival_cv", kMinCv, kMaxCv);
  k.mfu = fraction(c, "mfu");
  if (k.mfu == 0) c.fail("mfu", "must be > 0");
  k.params = c.positive("params");
  k.step_s = c.positive("step_s");
  k.priority = c.int_or("priority", 0);
  if (c.has("max_walltime_h")) {
    k.max_walltime_h = c.positive("max_walltime_h");
    // A job longer than its partition's limit could never finish; the model's values start at
    // five minutes, so a limit under an hour leaves it nothing to choose from.
    if (k.max_walltime_h < k.duration_h.max || k.max_walltime_h < 1 ||
        k.max_walltime_h > kMaxDays * 24)
      c.fail("max_walltime_h",
             "must be at least 1 h and at least duration_h.max (" +
                 std::to_string(k.duration_h.max) + " h), at most ten years",
             "give the longest limit the class's users may ask for");
  }
  return k;
}

// Zipf exponents beyond 5 give every job to the first user; a million users is no lab.
constexpr double kMaxZipfExponent = 5;
constexpr int kMaxUsers = 1'000'000;

UserMix read_users(const JsonFields& u) {
  u.reject_unknown({"count", "accounts", "zipf_exponent"});
  UserMix users;
  users.count = u.positive_int("count");
  users.accounts = u.positive_int("accounts");
  if (users.count > kMaxUsers) u.fail("count", "is above a million", "give at most 1000000");
  if (users.accounts > users.count)
    u.fail("accounts", "is more than the users (" + std::to_string(users.count) + ")",
           "give at most as many accounts as users");
  users.zipf_exponent =
      u.has("zipf_exponent") ? bounded(u, "zipf_exponent", 0, kMaxZipfExponent) : 1;
  return users;
}

TrainingMix read_training(const JsonFields& t) {
  t.reject_unknown({"offered_load", "generations", "relative_speed", "checkpoint_interval_h",
                    "classes", "growth_per_month", "users"});
  TrainingMix mix;
  mix.offered_load = t.non_negative("offered_load");
  mix.growth_per_month = growth_per_month(t);
  if (t.has("users")) mix.users = read_users(t.child("users"));
  mix.checkpoint_interval_h = t.positive("checkpoint_interval_h");
  if (mix.checkpoint_interval_h < 1.0 / 60)  // as a workload's checkpoint_interval_s
    t.fail("checkpoint_interval_h", "is shorter than a minute", "give hours, e.g. 1");
  const JsonFields speeds = t.child("relative_speed");
  const auto& generations = t.array("generations");
  for (size_t i = 0; i < generations.size(); ++i) {
    if (!generations[i].is_string())
      t.fail("generations[" + std::to_string(i) + "]", "expected a GPU model name");
    const std::string model = generations[i].get<std::string>();
    if (!find_gpu(model) || find_gpu(model)->model != model)
      t.fail("generations[" + std::to_string(i) + "]",
             "unknown GPU model '" + model + "'" + did_you_mean(model, gpu_model_names()),
             "use one of: " + known_gpu_models() +
                 " (as written here: relative_speed uses the "
                 "same names as keys)");
    mix.generations.push_back(model);
    mix.relative_speed[model] = speeds.positive(model);
  }
  speeds.reject_unknown(mix.generations);  // a speed for an unlisted model is a typo
  if (mix.generations.empty()) t.fail("generations", "empty", "list the models jobs may use");
  const auto& classes = t.array("classes");
  double shares = 0;
  for (size_t i = 0; i < classes.size(); ++i) {
    const JsonFields c(classes[i], t.file(), t.field("classes[" + std::to_string(i) + "]"));
    mix.classes.push_back(read_training_class(c));
    shares += mix.classes.back().share_of_demand;
    for (size_t j = 0; j + 1 < mix.classes.size(); ++j)
      if (mix.classes[j].name == mix.classes.back().name)
        c.fail("name", "'" + mix.classes.back().name + "' names two classes",
               "job ids start with the class name: make it unique");
    check_mfu_everywhere(mix, c);
  }
  if (!mix.classes.empty() && std::abs(shares - 1) > 1e-6)
    t.fail("classes", "shares of demand add up to " + std::to_string(shares),
           "make the classes' share_of_demand add up to 1");
  return mix;
}

// A generation the service's serving model rates: its replica's output tokens/s, or an error
// naming the generation's model.
double model_rating(const ServiceSpec& spec, const JsonFields& g, const std::string& model,
                    int tensor_parallel) {
  const auto& m = *spec.serving;
  ServingSetup setup = m.setup;
  if (tensor_parallel > 0) setup.tensor_parallel = tensor_parallel;
  if (spec.gpus_per_replica % setup.tensor_parallel != 0)
    g.fail("tensor_parallel", "does not divide gpus_per_replica", "give a divisor");
  try {
    const ServingPoint point = catalog_serving_model(model, m.shape, setup).best_point(m.targets);
    if (point.batch < 1) throw std::invalid_argument("no batch meets the TTFT and TPOT targets");
    return point.tokens_per_s * (spec.gpus_per_replica / setup.tensor_parallel);
  } catch (const std::invalid_argument& e) {
    g.fail("model", std::string("the serving model cannot rate it: ") + e.what(),
           "give offline_tokens_per_gpu_s and latency_s, or another GPU");
  }
}

ServiceSpec read_service(const JsonFields& s) {
  s.reject_unknown({"id", "share_of_peak_gpus", "params", "gpus_per_replica", "latency_target_s",
                    "phase_h", "generations", "tokens_per_request", "serving", "ttft_target_s",
                    "tpot_target_s"});
  ServiceSpec spec;
  spec.id = s.text("id");
  spec.share_of_peak_gpus = fraction(s, "share_of_peak_gpus");
  spec.gpus_per_replica = s.positive_int("gpus_per_replica");
  spec.phase_h = s.number_or("phase_h", 0);
  if (s.has("tokens_per_request")) spec.tokens_per_request = s.positive("tokens_per_request");
  if (s.has("serving")) {
    spec.serving = parse_served_model(s, spec.gpus_per_replica,
                                      s.has("tokens_per_request") ? spec.tokens_per_request : -1);
    spec.tokens_per_request = spec.serving->setup.output_tokens;
    spec.latency_target_s = spec.serving->targets.tpot_s;
    spec.params = s.has("params") ? s.positive("params") : spec.serving->shape.params;
  } else {
    spec.latency_target_s = s.positive("latency_target_s");
    spec.params = s.positive("params");
  }
  const auto& generations = s.array("generations");
  for (size_t i = 0; i < generations.size(); ++i) {
    const JsonFields g(generations[i], s.file(), s.field("generations[" + std::to_string(i) + "]"));
    g.reject_unknown({"model", "offline_tokens_per_gpu_s", "latency_s", "tensor_parallel"});
    const std::string model = gpu_model(g, "model");
    if (spec.serving && !g.has("offline_tokens_per_gpu_s") && !g.has("latency_s")) {
      ServiceGeneration rated{model, 0, 0};
      rated.tensor_parallel = g.has("tensor_parallel") ? g.positive_int("tensor_parallel") : 0;
      rated.model_tokens_per_replica_s = model_rating(spec, g, model, rated.tensor_parallel);
      spec.generations.push_back(rated);
      continue;
    }
    spec.generations.push_back(
        {model, g.positive("offline_tokens_per_gpu_s"), g.positive("latency_s")});
  }
  if (spec.generations.empty()) s.fail("generations", "empty", "list the models it may run on");
  return spec;
}

InferenceMix read_inference(const JsonFields& f, const std::string& scenario_file) {
  f.reject_unknown({"shape", "peak_fill", "flatten", "hourly_log_sigma", "online_fraction",
                    "services", "growth_per_month"});
  InferenceMix mix;
  mix.growth_per_month = growth_per_month(f);
  const auto shape = std::filesystem::path(f.text("shape"));
  mix.shape_file = shape.is_absolute()
                       ? shape.string()
                       : (std::filesystem::path(scenario_file).parent_path() / shape).string();
  mix.shape = load_demand_shape(mix.shape_file);
  mix.peak_fill = fraction(f, "peak_fill");
  mix.flatten = fraction(f, "flatten");
  mix.hourly_log_sigma = f.has("hourly_log_sigma") ? bounded(f, "hourly_log_sigma", 0, 2) : -1;
  mix.online_fraction = fraction(f, "online_fraction");
  if (mix.online_fraction == 0) f.fail("online_fraction", "must be > 0");
  const auto& services = f.array("services");
  double shares = 0;
  for (size_t i = 0; i < services.size(); ++i) {
    mix.services.push_back(read_service(
        JsonFields(services[i], f.file(), f.field("services[" + std::to_string(i) + "]"))));
    shares += mix.services.back().share_of_peak_gpus;
  }
  if (shares > 1 + 1e-9)
    f.fail("services", "shares of the peak add up to " + std::to_string(shares) + " > 1");
  return mix;
}

LeaseMix read_leases(const JsonFields& f) {
  f.reject_unknown({"offered_load", "gpus", "duration_d", "interarrival_cv", "preemptible_share",
                    "preemptible_discount", "models"});
  LeaseMix mix;
  mix.offered_load = f.non_negative("offered_load");
  mix.gpus = read_gpu_range(f.child("gpus"));
  mix.duration_d = read_lognormal(f.child("duration_d"));
  mix.interarrival_cv = bounded(f, "interarrival_cv", kMinCv, kMaxCv);
  mix.preemptible_share = fraction(f, "preemptible_share");
  mix.preemptible_discount = fraction(f, "preemptible_discount");
  const auto& models = f.array("models");
  double shares = 0;
  for (size_t i = 0; i < models.size(); ++i) {
    const JsonFields m(models[i], f.file(), f.field("models[" + std::to_string(i) + "]"));
    m.reject_unknown({"model", "share", "price_per_gpu_hour"});
    mix.models.push_back(
        {gpu_model(m, "model"), fraction(m, "share"), m.positive("price_per_gpu_hour")});
    shares += mix.models.back().share;
  }
  if (!mix.models.empty() && std::abs(shares - 1) > 1e-6)
    f.fail("models", "shares add up to " + std::to_string(shares), "make them add up to 1");
  return mix;
}

bool in_fleet(const std::vector<PoolSpec>& fleet, const std::string& model) {
  return std::any_of(fleet.begin(), fleet.end(),
                     [&](const PoolSpec& p) { return p.model == model; });
}

// Every model the workload may use must be in the fleet, or the workload would not bind.
void check_against_fleet(const Scenario& s, const JsonFields& f) {
  const auto missing = [&](const std::string& field, const std::string& model) {
    throw InputError(s.file, field, "model " + model + " has no pool in the scenario's fleet",
                     "add a pool of it to \"fleet\" or remove it here");
  };
  const auto& t = s.training;
  for (size_t i = 0; i < t.generations.size(); ++i)
    if (!in_fleet(s.fleet, t.generations[i]))
      missing("training.generations[" + std::to_string(i) + "]", t.generations[i]);
  const bool wants_training = t.offered_load > 0 && !t.classes.empty();
  const bool has_training_pool = std::any_of(s.fleet.begin(), s.fleet.end(), [&](const auto& p) {
    const std::string role = p.role.empty() ? find_gpu(p.model)->role : p.role;
    return role == "training" && t.relative_speed.count(p.model);
  });
  if (wants_training && !has_training_pool)
    f.fail("training", "no training pool of the listed generations in the fleet",
           "add one, or set training.offered_load to 0");
  for (size_t i = 0; i < s.inference.services.size(); ++i) {
    const auto& service = s.inference.services[i];
    for (size_t j = 0; j < service.generations.size(); ++j) {
      const auto& model = service.generations[j].model;
      const std::string field = "inference.services[" + std::to_string(i) + "].generations[" +
                                std::to_string(j) + "].model";
      if (!in_fleet(s.fleet, model)) missing(field, model);
      if (service.gpus_per_replica > find_gpu(model)->gpus_per_domain)
        throw InputError(s.file, "inference.services[" + std::to_string(i) + "].gpus_per_replica",
                         "a replica must fit one NVLink domain (" +
                             std::to_string(find_gpu(model)->gpus_per_domain) + " GPUs on " +
                             model + ")");
    }
  }
  for (size_t i = 0; i < s.leases.models.size(); ++i)
    if (!in_fleet(s.fleet, s.leases.models[i].model))
      missing("leases.models[" + std::to_string(i) + "].model", s.leases.models[i].model);
}

}  // namespace

Scenario load_scenario(const std::string& file) {
  const auto doc = read_json_file(file);
  const JsonFields f(doc, file, "");
  f.reject_unknown(
      {"scenario", "description", "days", "seed", "fleet", "training", "inference", "leases"});
  Scenario s;
  s.file = file;
  s.name = f.text("scenario");
  s.description = f.text_or("description", "");
  s.days = bounded(f, "days", 1.0 / 24, kMaxDays);
  s.seed = static_cast<unsigned long>(f.positive_long_or("seed", 1));
  s.fleet = read_fleet(f);
  s.training = read_training(f.child("training"));
  s.inference = read_inference(f.child("inference"), file);
  s.leases = read_leases(f.child("leases"));
  check_against_fleet(s, f);
  return s;
}

}  // namespace gpufleet
