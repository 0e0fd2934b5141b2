#include "metrics/slo_tracker.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "serving/latency_mixture.hpp"

namespace gpufleet {

namespace {
constexpr double kHourS = 3600;
}  // namespace

SloTracker::SloTracker(const Fleet& fleet, const Workload& workload, double horizon_s)
    : workload_(workload),
      last_state_(workload.inference.size()),
      last_rates_(workload.inference.size()),
      shares_(workload.inference.size()),
      on_time_units_(workload.inference.size(), 0.0),
      shed_units_(workload.inference.size(), 0.0),
      on_time_(static_cast<int>(workload.inference.size()), horizon_s, kHourS),
      demand_(static_cast<int>(workload.inference.size()), horizon_s, kHourS) {
  for (const auto& service : workload.inference) {
    std::vector<int> on_pool(fleet.pools.size(), -1);
    for (size_t p = 0; p < fleet.pools.size(); ++p)
      for (size_t g = 0; g < service.generations.size(); ++g)
        if (on_pool[p] < 0 && service.generations[g].model == fleet.pools[p].gpu_model)
          on_pool[p] = static_cast<int>(g);
    generation_on_pool_.push_back(std::move(on_pool));
    std::vector<std::optional<ServingModel>> models;
    for (const auto& g : service.generations)
      models.push_back(g.from_model ? std::optional(catalog_serving_model(
                                          g.model, service.serving->shape, service.setup_on(g)))
                                    : std::nullopt);
    models_.push_back(std::move(models));
  }
}

// A step's figures: each pool's share of the demand through its replicas' queues. The
// step's arrival CV enters once, through the queue model (docs/inference-latency.md, "Bursts
// within a step").
SloTracker::Rates SloTracker::rates_of(int service, const State& state) const {
  const auto& spec = workload_.inference[service];
  Rates rates;
  double capacity = 0;
  for (double c : state.capacity_by_pool) capacity += c;
  if (capacity <= 0) {
    rates.shed = state.demand;
    return rates;
  }
  for (size_t p = 0; p < state.capacity_by_pool.size(); ++p)
    add_pool(spec, service, state, p, capacity, rates);
  // Pool shares of the demand sum to it only up to rounding: a fraction of it stays a fraction.
  rates.on_time = std::min(rates.on_time, state.demand);
  rates.shed = std::min(rates.shed, state.demand - rates.on_time);
  return rates;
}

// The arrival CV one replica sees when a pool's stream is spread over `replicas` of them
// without looking at their queues (random routing): Bernoulli splitting (Whitt's QNA),
// ca^2 / n + 1 - 1 / n, since each replica gets a thinned share of every burst.
double split_arrival_cv(double arrival_cv, double replicas) {
  const double share = replicas > 1 ? 1 / replicas : 1.0;
  return std::sqrt(share * arrival_cv * arrival_cv + 1 - share);
}

// Adds pool p's figures: its share of the demand (its share of capacity), admitted up to
// kMostUtilization of its capacity and spread evenly over its replicas.
void SloTracker::add_pool(const InferenceService& spec, int service, const State& state, size_t p,
                          double capacity, Rates& rates) const {
  const double pool_capacity = state.capacity_by_pool[p];
  const int g = generation_on_pool_[service][p];
  if (pool_capacity <= 0 || g < 0) return;
  const auto& gen = spec.generations[g];
  const double pool_demand = state.demand * pool_capacity / capacity;
  const double admitted = std::min(pool_demand, kMostUtilization * pool_capacity);
  const double replicas = pool_capacity / gen.throughput;
  rates.shed += pool_demand - admitted;
  if (admitted <= 0) return;
  Share share;
  double on_time = 0;
  if (const auto& model = models_[service][g]) {
    share = modelled_share(spec, *model, gen.batch, replicas * spec.engines_per_replica(gen),
                           admitted, state.arrival_cv);
  } else {
    const QueueLoad load{admitted / spec.units_per_request / replicas,
                         gen.throughput * gen.latency_s, spec.units_per_request * gen.latency_s,
                         split_arrival_cv(state.arrival_cv, replicas), spec.request_cv};
    share = {admitted,        gen.latency_s, spec.units_per_request,
             wait_time(load), gen.latency_s, gen.latency_s};
  }
  if (spec.serving) {
    // Both targets: TPOT is the batch's, alike for all; TTFT waits.
    const auto& targets = spec.serving->targets;
    if (share.tpot_s <= targets.tpot_s)
      on_time = admitted * share.wait.cdf(targets.ttft_s - share.ttft_s);
  } else {
    const double budget_s = spec.units_per_request * (spec.latency_target_s - gen.latency_s);
    on_time = admitted * share.wait.cdf(budget_s);
  }
  rates.on_time += on_time;
  rates.shares.push_back(share);
}

// Each of `engines` engines (replicas x engines per replica) is offered an even share of the
// admitted output tokens. Its batch n solves Little's law n = rate x TPOT(n)
// (ServingModel::batch_at_rate) within its batch limit; a request holds one of the limit's
// slots for o x TPOT(n), so the G/G/c queue sees n erlangs on `batch_limit` slots.
SloTracker::Share SloTracker::modelled_share(const InferenceService& spec,
                                             const ServingModel& model, int batch_limit,
                                             double engines, double admitted,
                                             double arrival_cv) const {
  const double output = model.setup().output_tokens;
  const double rate = admitted / engines;  // output tokens/s of one engine
  const double batch = model.batch_at_rate(rate, batch_limit);
  const double tpot = model.tpot_s(batch);
  const QueueLoad load{rate / output, static_cast<double>(batch_limit), output * tpot,
                       split_arrival_cv(arrival_cv, engines), spec.request_cv};
  Share share;
  share.units = admitted;
  share.units_per_request = output;
  share.wait = wait_time(load);
  share.ttft_s = model.ttft_s(batch);
  share.tpot_s = tpot;
  // Per unit: the request's time to its last token over its tokens.
  share.latency_s = (share.ttft_s + (output - 1) * tpot) / output;
  return share;
}

double SloTracker::add(int service, double t0, double t1, double demand,
                       const std::vector<double>& capacity_by_pool) {
  if (t1 <= t0) return 0;
  State& last = last_state_[service];
  const double cv = workload_.inference[service].demand.arrival_cv_at(t0);
  Rates& rates = last_rates_[service];
  auto& shares = shares_[service];
  const double span = t1 - t0;
  if (last.demand == demand && last.arrival_cv == cv && last.capacity_by_pool == capacity_by_pool) {
    // The same state as the span before: its shares are the last ones; they grow.
    const size_t first = shares.size() - rates.shares.size();
    for (size_t i = 0; i < rates.shares.size(); ++i)
      shares[first + i].units += rates.shares[i].units * span;
  } else {
    last = {demand, cv, capacity_by_pool};
    rates = rates_of(service, last);
    for (Share share : rates.shares) {
      share.units *= span;
      shares.push_back(share);
    }
  }
  on_time_units_[service] += rates.on_time * span;
  shed_units_[service] += rates.shed * span;
  on_time_.add(service, t0, t1, rates.on_time);
  demand_.add(service, t0, t1, demand);
  return rates.on_time;
}

std::array<double, 3> SloTracker::percentiles(int service, Figure figure) const {
  constexpr std::array<double, 3> kPs = {0.5, 0.9, 0.99};
  const auto& shares = shares_[service];
  double total = shed_units_[service];
  for (const auto& s : shares) total += s.units;
  std::array<double, 3> out{};
  if (total <= 0 || shares.empty()) {
    out.fill(total <= 0 ? 0 : std::numeric_limits<double>::infinity());
    return out;
  }
  if (figure == Figure::kTpot) {
    // Point masses: the least TPOT below which p of the units are.
    std::vector<std::pair<double, double>> masses;
    for (const auto& s : shares) masses.push_back({s.tpot_s, s.units});
    std::sort(masses.begin(), masses.end());
    for (size_t i = 0; i < kPs.size(); ++i) {
      out[i] = std::numeric_limits<double>::infinity();
      double below = 0;
      for (const auto& [tpot, units] : masses)
        if ((below += units) / total >= kPs[i]) {
          out[i] = tpot;
          break;
        }
    }
    return out;
  }
  // The wait in seconds: spread over the request's units for the per-unit latency.
  std::vector<LatencyComponent> components;
  components.reserve(shares.size());
  for (const auto& s : shares)
    components.push_back(figure == Figure::kPerUnit
                             ? LatencyComponent{s.units, s.latency_s, s.units_per_request, s.wait}
                             : LatencyComponent{s.units, s.ttft_s, 1, s.wait});
  const LatencyMixture mixture(components, total);
  for (size_t i = 0; i < kPs.size(); ++i) out[i] = mixture.quantile(kPs[i]);
  return out;
}

SloTracker::Latency SloTracker::result(int service) const {
  Latency out;
  out.on_time_units = on_time_units_[service];
  out.shed_units = shed_units_[service];
  const auto unit = percentiles(service, Figure::kPerUnit);
  const auto ttft = percentiles(service, Figure::kTtft);
  const auto tpot = percentiles(service, Figure::kTpot);
  out.p50_s = unit[0], out.p90_s = unit[1], out.p99_s = unit[2];
  out.ttft_p50_s = ttft[0], out.ttft_p90_s = ttft[1], out.ttft_p99_s = ttft[2];
  out.tpot_p50_s = tpot[0], out.tpot_p90_s = tpot[1], out.tpot_p99_s = tpot[2];
  for (int bin = 0; bin < demand_.bins(); ++bin) {
    const double demand = demand_.integral(service, bin);
    if (demand > 0)
      out.worst_hour = std::min(out.worst_hour, on_time_.integral(service, bin) / demand);
  }
  return out;
}

double SloTracker::worst_hour() const {
  double worst = 1;
  for (int bin = 0; bin < demand_.bins(); ++bin) {
    double demand = 0, on_time = 0;
    for (int s = 0; s < demand_.series(); ++s) {
      demand += demand_.integral(s, bin);
      on_time += on_time_.integral(s, bin);
    }
    if (demand > 0) worst = std::min(worst, on_time / demand);
  }
  return worst;
}

}  // namespace gpufleet
