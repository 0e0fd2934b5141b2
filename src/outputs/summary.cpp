#include "outputs/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "metrics/stats.hpp"
#include "model/input_error.hpp"
#include "outputs/replica_outputs.hpp"
#include "outputs/scheduling_metrics.hpp"
#include "outputs/user_figures.hpp"

namespace gpufleet {

namespace {

using nlohmann::json;

double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

json pools_json(const Fleet& fleet, const RunResult& r, double& fleet_gpu_s, double& fleet_flops,
                double& fleet_energy_j) {
  const auto& tl = r.timeline;
  const double horizon = r.horizon_s;
  json pools = json::array();
  for (int p = 0; p < static_cast<int>(fleet.pools.size()); ++p) {
    const Pool& pool = fleet.pools[p];
    const double capacity_gpu_s = pool.gpus() * horizon;
    const double capacity_flops = pool.peak_flops() * horizon;
    double gpu_s = 0, flops = 0;
    json by_class = json::object();
    for (int c = 0; c < kJobClassCount; ++c) {
      const auto jc = static_cast<JobClass>(c);
      const double g = tl.total_gpu_seconds(p, jc), f = tl.total_flops(p, jc);
      gpu_s += g;
      flops += f;
      by_class[to_string(jc)] = {{"gpu_hours", g / 3600},
                                 {"allocation_utilization", ratio(g, capacity_gpu_s)},
                                 {"effective_utilization", ratio(f, capacity_flops)}};
    }
    const double energy =
        p < static_cast<int>(r.energy_j_per_pool.size()) ? r.energy_j_per_pool[p] : 0;
    fleet_gpu_s += gpu_s;
    fleet_flops += flops;
    fleet_energy_j += energy;
    pools.push_back({{"name", pool.name},
                     {"gpu_model", pool.gpu_model},
                     {"role", to_string(pool.role)},
                     {"gpus", pool.gpus()},
                     {"peak_flops_per_s_per_gpu", pool.peak_flops_per_gpu},
                     {"allocation_utilization", ratio(gpu_s, capacity_gpu_s)},
                     {"effective_utilization", ratio(flops, capacity_flops)},
                     {"energy_kwh", energy / 3.6e6},
                     {"fragmentation_rate",
                      ratio(r.series.fragmented_gpus.total(p), r.series.idle_gpus.total(p))},
                     {"down_gpu_hours", r.series.down_gpus.total(p) / 3600},
                     {"by_class", by_class}});
  }
  return pools;
}

json training_json(const Fleet& fleet, const Workload& w, const RunResult& r) {
  double demand_h = 0, served_h = 0, lost_h = 0;
  std::vector<double> waits, jcts;
  long started = 0, completed = 0, submitted = 0, preemptions = 0, killed = 0, no_walltime = 0;
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& job = w.training[j];
    const auto& run = r.training[j];
    if (job.submit_s >= r.horizon_s) continue;
    ++submitted;
    const double need_h = training_need_gpu_hours(fleet, job);
    demand_h += need_h;
    served_h += need_h * run.work_done_flops / job.work_flops;
    lost_h += need_h * run.lost_work_flops / job.work_flops;
    preemptions += run.preemptions;
    killed += run.killed_s >= 0;
    no_walltime += job.walltime_s <= 0;
    if (run.start_s >= 0) {
      ++started;
      waits.push_back(run.start_s - job.submit_s);
    }
    if (run.end_s >= 0) {
      ++completed;
      jcts.push_back(run.end_s - job.submit_s);
    }
  }
  return {{"jobs_submitted", submitted},
          {"jobs_started", started},
          {"jobs_completed", completed},
          {"jobs_waiting_at_horizon", submitted - started},
          {"jobs_running_at_horizon", started - completed - killed},
          {"demand_gpu_hours", demand_h},
          {"served_gpu_hours", served_h},
          {"capacity_gap", demand_h > 0 ? 1 - served_h / demand_h : 0},
          {"capacity_gap_window_s", {0, r.horizon_s}},
          {"preemptions", preemptions},
          {"lost_gpu_hours", lost_h},
          {"jobs_killed_at_walltime", killed},
          {"jobs_without_walltime", no_walltime},
          {"wait_s", to_json(distribution_of(waits))},
          {"jct_s", to_json(distribution_of(jcts))}};
}

// Where the GPU-time held by training jobs went (docs/metrics.md), GPU-seconds summed over jobs.
struct TrainingGpuTime {
  double allocated = 0, useful = 0, redone_after_failure = 0, redone_after_preemption = 0,
         restart = 0, restart_after_failure = 0, checkpoint = 0, killed_at_walltime = 0;

  // Everything held that did not move a job forward: allocated - useful, booked once.
  double lost() const {
    return redone_after_failure + redone_after_preemption + restart + checkpoint +
           killed_at_walltime;
  }
};

TrainingGpuTime training_gpu_time(const Workload& w, const RunResult& r) {
  TrainingGpuTime t;
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& run = r.training[j];
    t.allocated += run.held_s * w.training[j].allocated_gpus();
    t.useful += run.useful_gpu_s;
    t.redone_after_failure += run.redone_after_failure_gpu_s;
    t.redone_after_preemption += run.redone_after_preemption_gpu_s;
    t.restart += run.restart_gpu_s;
    t.restart_after_failure += run.restart_after_failure_gpu_s;
    t.checkpoint += run.checkpoint_gpu_s;
    t.killed_at_walltime += run.killed_at_walltime_gpu_s;
  }
  return t;
}

// What failures cost (docs/failures.md): GPU-hours by where they went. Adds training goodput and
// the split of training's GPU-hours to `training`.
json failures_json(const Fleet& fleet, const Workload& w, const RunResult& r, json& training) {
  const TrainingGpuTime t = training_gpu_time(w, r);
  // useful / allocated, written as 1 - lost / allocated: the terms add up to allocated (a test
  // checks it to 1e-9), and a run that lost nothing reads exactly 1.
  training["goodput"] = t.allocated > 0 ? 1 - t.lost() / t.allocated : 1.0;
  training["gpu_hours"] = {{"allocated", t.allocated / 3600},
                           {"useful", t.useful / 3600},
                           {"redone_after_failure", t.redone_after_failure / 3600},
                           {"redone_after_preemption", t.redone_after_preemption / 3600},
                           {"restart", t.restart / 3600},
                           {"checkpoint", t.checkpoint / 3600},
                           {"killed_at_walltime", t.killed_at_walltime / 3600}};
  long interrupted_runs = 0, started = 0;
  for (const auto& run : r.training) {
    interrupted_runs += run.interruptions;
    started += run.start_s >= 0;
  }
  json by_cause = json::object();
  for (const auto& name : r.failure_causes) by_cause[name] = 0;
  long replicas = 0, lease_gpus = 0;
  for (const auto& e : r.failures) {
    by_cause[r.failure_causes[e.cause]] = by_cause[r.failure_causes[e.cause]].get<long>() + 1;
    replicas += e.replicas_hit;
    lease_gpus += e.lease_gpus_hit;
  }
  double down_s = 0;
  for (int p = 0; p < static_cast<int>(fleet.pools.size()); ++p)
    down_s += r.series.down_gpus.total(p);
  const double gpu_days = fleet.total_gpus() * r.horizon_s / 86400;
  const long events = static_cast<long>(r.failures.size());
  return {{"enabled", r.failures_enabled},
          {"restart_delay_s", r.restart_delay_s},
          {"events", events},
          {"events_per_1000_gpu_days", gpu_days > 0 ? events / gpu_days * 1000 : 0.0},
          {"by_cause", by_cause},
          {"interruptions", interrupted_runs},
          {"interruptions_per_started_job", started > 0 ? double(interrupted_runs) / started : 0.0},
          {"replicas_lost", replicas},
          {"lease_gpus_hit", lease_gpus},
          {"gpu_hours_lost",
           {{"lost_work", t.redone_after_failure / 3600},
            {"restart", t.restart_after_failure / 3600},
            {"checkpoint", t.checkpoint / 3600},
            {"repair_downtime", down_s / 3600}}}};
}

// A latency percentile: null when more than 1 - p of the requests were shed or waited forever.
json latency(double seconds) {
  return std::isfinite(seconds) ? json(seconds) : json(nullptr);
}

// A share of all services' demand, kept within [0, 1]: its part and whole are sums of sums
// (each service's on-time units are capped at its demand where they are counted, SloTracker).
double share_of(double part, double whole, double none) {
  return whole > 0 ? std::clamp(part / whole, 0.0, 1.0) : none;
}

// A service's targets: 0 latency_target_s, 1 TTFT, 2 TPOT; null where its SLO has none.
json target(const InferenceService& s, int which) {
  if (!s.serving) return which == 0 ? json(s.latency_target_s) : json(nullptr);
  if (which == 0) return nullptr;
  return which == 1 ? s.serving->targets.ttft_s : s.serving->targets.tpot_s;
}

json inference_json(const Workload& w, const RunResult& r) {
  double demand = 0, served = 0, on_time = 0, shed = 0;
  json services = json::array();
  for (size_t s = 0; s < w.inference.size(); ++s) {
    const auto& sr = r.services[s];
    demand += sr.demand_units;
    served += sr.served_units;
    on_time += sr.on_time_units;
    shed += sr.shed_units;
    services.push_back(
        {{"id", w.inference[s].id},
         {"unit", w.inference[s].unit},
         {"demand_units", sr.demand_units},
         {"served_units", sr.served_units},
         {"on_time_units", sr.on_time_units},
         {"shed_units", sr.shed_units},
         {"slo_attainment", sr.demand_units > 0 ? sr.on_time_units / sr.demand_units : 1.0},
         {"worst_hour_slo_attainment", sr.worst_hour_slo_attainment},
         {"served_fraction", sr.demand_units > 0 ? sr.served_units / sr.demand_units : 1.0},
         {"latency_p50_s", latency(sr.latency_p50_s)},
         {"latency_p90_s", latency(sr.latency_p90_s)},
         {"latency_p99_s", latency(sr.latency_p99_s)},
         {"ttft_p50_s", latency(sr.ttft_p50_s)},
         {"ttft_p90_s", latency(sr.ttft_p90_s)},
         {"ttft_p99_s", latency(sr.ttft_p99_s)},
         {"tpot_p50_s", latency(sr.tpot_p50_s)},
         {"tpot_p90_s", latency(sr.tpot_p90_s)},
         {"tpot_p99_s", latency(sr.tpot_p99_s)},
         // The SLO: TTFT and TPOT targets for a served model, else the per-unit target.
         {"latency_target_s", target(w.inference[s], 0)},
         {"ttft_target_s", target(w.inference[s], 1)},
         {"tpot_target_s", target(w.inference[s], 2)},
         {"replicas", replica_churn_json(r, static_cast<int>(s))}});
  }
  // The service that pays for lending: the lowest share on time, and the worst hour of any one
  // service (a fleet-wide figure weighted by units averages them away).
  json worst = nullptr, worst_hour = nullptr;
  for (const auto& s : services) {
    if (worst.is_null() || s["slo_attainment"] < worst["slo_attainment"]) worst = s;
    if (worst_hour.is_null() ||
        s["worst_hour_slo_attainment"] < worst_hour["worst_hour_slo_attainment"])
      worst_hour = s;
  }
  // The highest p99 of any service (null: some service's is unbounded).
  const auto highest = [&](const char* key) {
    json most = services.empty() ? json(nullptr) : json(0.0);
    for (const auto& s : services)
      if (s[key].is_null() || most.is_null())
        most = nullptr;
      else
        most = std::max(most.get<double>(), s[key].get<double>());
    return most;
  };
  json out = {{"services", services},
              {"worst_ttft_p99_s", highest("ttft_p99_s")},
              {"worst_tpot_p99_s", highest("tpot_p99_s")},
              {"forecast", r.forecast},
              {"replicas_started", static_cast<long>(r.replicas.size())},
              {"replicas", replica_churn_json(r, -1)},
              {"slo_attainment", share_of(on_time, demand, 1.0)},
              {"worst_hour_slo_attainment", r.inference_worst_hour},
              {"served_fraction", share_of(served, demand, 1.0)},
              {"shed_fraction", share_of(shed, demand, 0.0)}};
  if (worst.is_null()) return out;
  out["worst_service"] = {{"id", worst["id"]},
                          {"slo_attainment", worst["slo_attainment"]},
                          {"worst_hour_slo_attainment", worst["worst_hour_slo_attainment"]}};
  out["worst_service_slo_attainment"] = worst["slo_attainment"];
  out["worst_service_hour_slo_attainment"] = worst_hour["worst_hour_slo_attainment"];
  out["worst_service_hour_id"] = worst_hour["id"];
  return out;
}

json lease_json(const Workload& w, const RunResult& r) {
  long requested = 0, accepted = 0, rejected = 0, reclaimed = 0;
  double revenue = 0, gpu_hours = 0;
  for (size_t l = 0; l < w.leases.size(); ++l) {
    const auto& run = r.leases[l];
    if (!run.decided) continue;
    ++requested;
    if (!run.accepted) {
      ++rejected;
      continue;
    }
    ++accepted;
    reclaimed += run.reclaimed;
    const double end = run.end_s >= 0 ? run.end_s : r.horizon_s;
    gpu_hours += w.leases[l].gpus * (end - run.start_s) / 3600;
    revenue += lease_revenue_usd(w.leases[l], run, r.horizon_s);
  }
  return {{"requested", requested}, {"accepted", accepted},   {"rejected", rejected},
          {"reclaimed", reclaimed}, {"gpu_hours", gpu_hours}, {"revenue_usd", revenue}};
}

// Contracts (docs/workload-format.md): GPUs committed to external tenants for a term.
json contracts_json(const Workload& w, const RunResult& r) {
  long started = 0, gpus = 0;
  double gpu_hours = 0, revenue = 0;
  for (size_t c = 0; c < w.contracts.size(); ++c) {
    const auto& run = r.contracts[c];
    gpus += w.contracts[c].gpus;
    if (run.start_s < 0) continue;
    ++started;
    const double end = run.end_s >= 0 ? run.end_s : r.horizon_s;
    long held = 0;
    for (int g : run.gpus_by_pool) held += g;
    gpu_hours += held * (end - run.start_s) / 3600;
    revenue += held * (end - run.start_s) / 3600 * w.contracts[c].price_per_gpu_hour;
  }
  return {{"count", static_cast<long>(w.contracts.size())},
          {"started", started},
          {"gpus", gpus},
          {"gpu_hours", gpu_hours},
          {"revenue_usd", revenue}};
}

}  // namespace

double lease_revenue_usd(const LeaseRequest& lease, const LeaseRun& run, double horizon_s) {
  if (!run.decided || !run.accepted) return 0;
  const double end = run.end_s >= 0 ? run.end_s : horizon_s;
  const double gpu_hours = lease.gpus * (end - run.start_s) / 3600;
  return gpu_hours * lease.price_per_gpu_hour;
}

double training_need_gpu_hours(const Fleet& fleet, const TrainingJob& job) {
  const auto& pref = job.generations.front();
  return job.work_flops / (fleet.peak_flops_of_model(pref.model) * pref.mfu) / 3600 * job.gpu_share;
}

json summarize(const Fleet& fleet, const Workload& workload, const RunResult& r) {
  double gpu_s = 0, flops = 0, energy_j = 0;
  json pools = pools_json(fleet, r, gpu_s, flops, energy_j);
  json training = training_json(fleet, workload, r);
  training["plan_with"] = r.plan_with;
  training["walltime"] = r.walltime;
  training.update(scheduling_metrics_json(fleet, workload, r));
  json failures = failures_json(fleet, workload, r, training);
  json summary = {{"schema_version", kOutputSchemaVersion},
                  {"failures", failures},
                  {"policy", r.policy},
                  {"policy_params", r.policy_params},
                  {"placement", to_string(r.placement)},
                  {"seed", r.seed},
                  {"horizon_s", r.horizon_s},
                  {"interval_s", r.timeline.interval_s()},
                  {"assumptions", {{"lease_mfu", r.assumptions.lease_mfu}}},
                  {"fleet",
                   {{"gpus", fleet.total_gpus()},
                    {"allocation_utilization", ratio(gpu_s, fleet.total_gpus() * r.horizon_s)},
                    {"effective_utilization", ratio(flops, fleet.total_peak_flops() * r.horizon_s)},
                    {"energy_kwh", energy_j / 3.6e6}}},
                  {"pools", pools},
                  {"training", training},
                  {"inference", inference_json(workload, r)},
                  {"lease", lease_json(workload, r)},
                  {"contracts", contracts_json(workload, r)}};
  // Only under replay: other policies' summaries keep their bytes.
  if (replays_trace(r.policy)) summary["replay"] = replay_json(replay_lateness(workload, r));
  // Only for workloads with users or accounts: the others keep their bytes.
  if (json users = users_json(fleet, workload, r); !users.is_null()) summary["users"] = users;
  return summary;
}

namespace {

std::string line(const char* format, auto... args) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

double pct(const json& x) {
  return 100 * x.get<double>();
}

// Millions of USD with the sign before the dollar: "-$2.40M".
std::string musd(const json& usd) {
  const double m = usd.get<double>() / 1e6;
  return line("%s$%.2fM", m < 0 ? "-" : "", std::abs(m));
}

}  // namespace

std::string summary_table(const json& s) {
  std::string out;
  out += line("gpufleet: policy %s, horizon %.1f days\n\n", s["policy"].get<std::string>().c_str(),
              s["horizon_s"].get<double>() / 86400);
  const auto& f = s["fleet"];
  out += line(
      "headline   fleet effective utilization %.1f%% (useful FLOPs / peak), allocation "
      "%.1f%% (GPU-time held)\n",
      pct(f["effective_utilization"]), pct(f["allocation_utilization"]));
  out += line("           training capacity gap %.1f%%, inference SLO attainment %.2f%%",
              pct(s["training"]["capacity_gap"]), pct(s["inference"]["slo_attainment"]));
  if (s["inference"].contains("worst_service"))
    out += line(" (worst service %s %.2f%%)",
                s["inference"]["worst_service"]["id"].get<std::string>().c_str(),
                pct(s["inference"]["worst_service_slo_attainment"]));
  out += "\n";
  if (s.contains("economics")) {
    const auto& e = s["economics"]["fleet"];
    const double days = s["economics"]["period"]["days"].get<double>();
    out += line("value      net %s over %.4g days (%s a year) = work served %s + leases and\n",
                musd(e["net_value_usd"]).c_str(), days,
                musd(s["economics"]["fleet_per_year"]["net_value_usd"]).c_str(),
                musd(e["work_value_usd"]).c_str());
    out += line("           contracts %s - SLA penalties %s - training shortfall %s - cost %s\n",
                musd(e["lease_revenue_usd"].get<double>() + e["contract_revenue_usd"].get<double>())
                    .c_str(),
                musd(e["sla_penalty_usd"]).c_str(), musd(e["shortfall_cost_usd"]).c_str(),
                musd(e["cost_usd"]).c_str());
  }
  out += "\n";
  out += line("%-12s %-6s %-9s %8s %11s %10s %11s\n", "pool", "model", "role", "GPUs", "allocation",
              "effective", "energy MWh");
  for (const auto& p : s["pools"])
    out +=
        line("%-12s %-6s %-9s %8d %10.1f%% %9.1f%% %11.1f\n", p["name"].get<std::string>().c_str(),
             p["gpu_model"].get<std::string>().c_str(), p["role"].get<std::string>().c_str(),
             p["gpus"].get<int>(), pct(p["allocation_utilization"]),
             pct(p["effective_utilization"]), p["energy_kwh"].get<double>() / 1000);
  out += line("%-12s %-6s %-9s %8d %10.1f%% %9.1f%% %11.1f\n\n", "fleet", "", "",
              f["gpus"].get<int>(), pct(f["allocation_utilization"]),
              pct(f["effective_utilization"]), f["energy_kwh"].get<double>() / 1000);
  const auto& t = s["training"];
  out += line("training   capacity gap %.1f%% (served %.0f of %.0f GPU-h demanded)\n",
              pct(t["capacity_gap"]), t["served_gpu_hours"].get<double>(),
              t["demand_gpu_hours"].get<double>());
  out += line("           jobs %ld submitted, %ld started, %ld completed\n",
              t["jobs_submitted"].get<long>(), t["jobs_started"].get<long>(),
              t["jobs_completed"].get<long>());
  out += line("           wait p50 %.1f h, p95 %.1f h; JCT p50 %.1f h, p95 %.1f h\n",
              t["wait_s"]["p50"].get<double>() / 3600, t["wait_s"]["p95"].get<double>() / 3600,
              t["jct_s"]["p50"].get<double>() / 3600, t["jct_s"]["p95"].get<double>() / 3600);
  const auto& inf = s["inference"];
  out += line(
      "inference  SLO attainment %.2f%% of requests on time (worst hour %.2f%%), %.2f%% "
      "served; forecast %s\n",
      pct(inf["slo_attainment"]), pct(inf["worst_hour_slo_attainment"]),
      pct(inf["served_fraction"]), inf["forecast"].get<std::string>().c_str());
  for (const auto& svc : inf["services"]) {
    const auto ms = [&](const char* key) {
      return svc[key].is_number() ? line("%.1f ms", svc[key].get<double>() * 1e3)
                                  : std::string("unbounded");
    };
    out += line("           %-12s %.2f%% on time; TTFT p50 %s, p99 %s; TPOT p50 %s, p99 %s\n",
                svc["id"].get<std::string>().c_str(), pct(svc["slo_attainment"]),
                ms("ttft_p50_s").c_str(), ms("ttft_p99_s").c_str(), ms("tpot_p50_s").c_str(),
                ms("tpot_p99_s").c_str());
  }
  if (s.contains("users")) {
    const auto& u = s["users"];
    out += line(
        "users      %ld users in %ld accounts; Jain's index of normalized service %.3f over "
        "users, %.3f over accounts\n",
        u["users"].get<long>(), u["accounts"].get<long>(), u["jain_index"].get<double>(),
        u["jain_index_accounts"].get<double>());
  }
  const auto& l = s["lease"];
  out += line("leases     %ld accepted (%ld reclaimed early), %ld rejected, revenue $%.0f\n",
              l["accepted"].get<long>(), l["reclaimed"].get<long>(), l["rejected"].get<long>(),
              l["revenue_usd"].get<double>());
  return out;
}

namespace {

void check_finite_at(const nlohmann::json& value, const std::string& path,
                     const std::string& file) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items())
      check_finite_at(item, path.empty() ? key : path + "." + key, file);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      check_finite_at(value[i], path + "[" + std::to_string(i) + "]", file);
  } else if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    throw InputError(file, path,
                     "came out as " + std::to_string(value.get<double>()) +
                         ", not a finite figure: the run's inputs are beyond what gpufleet models",
                     "check the inputs against the bounds in docs/fuzzing.md, and report the "
                     "command and its inputs");
  }
}

}  // namespace

void check_finite_figures(const nlohmann::json& summary, const std::string& file) {
  check_finite_at(summary, "", file);
}

}  // namespace gpufleet
