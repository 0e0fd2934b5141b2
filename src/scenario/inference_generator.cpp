#include <algorithm>
#include <cmath>

#include "scenario/scenario_parts.hpp"

namespace gpufleet {

namespace {

constexpr std::uint64_t kInferenceStream = 2000;  // + service index

// Demand relative to the weekly mean, one value per window of the shape's resolution: the
// trace's hourly shape, flattened toward 1 on request, times a lognormal hour-to-hour burst of
// mean 1, times a lognormal window-to-window one within the hour (the trace's own).
std::vector<double> relative_demand(const InferenceMix& mix, const ServiceSpec& service, long hours,
                                    Rng& rng) {
  const auto& shape = mix.shape.by_hour;
  const long week = static_cast<long>(shape.size());
  const long phase = std::lround(service.phase_h);
  const long windows = std::max(1L, std::lround(3600 / mix.shape.window_s));
  const double sigma =
      mix.hourly_log_sigma >= 0 ? mix.hourly_log_sigma : mix.shape.hourly_log_sigma;
  const double window_sigma = mix.shape.window_log_sigma;
  std::vector<double> values;
  for (long h = 0; h < hours; ++h) {
    const double base = shape[((h + phase) % week + week) % week];
    const double burst = std::exp(sigma * rng.normal() - sigma * sigma / 2);
    const double hour = (1 + (1 - mix.flatten) * (base - 1)) * burst;
    for (long w = 0; w < windows; ++w)
      values.push_back(windows == 1 ? hour
                                    : hour * std::exp(window_sigma * rng.normal() -
                                                      window_sigma * window_sigma / 2));
  }
  return values;
}

}  // namespace

std::vector<InferenceService> generate_inference(const InferenceMix& mix,
                                                 const std::vector<PoolSpec>& fleet,
                                                 double horizon_s, unsigned long seed) {
  double inference_gpus = 0;
  for (const auto& pool : fleet)
    if (!is_training_pool(pool)) inference_gpus += pool.gpus;
  const long hours = std::max(1L, static_cast<long>(std::ceil(horizon_s / 3600)));
  const long reference_hours = std::lround(kReferenceS / 3600);

  std::vector<InferenceService> out;
  for (size_t s = 0; s < mix.services.size(); ++s) {
    const auto& spec = mix.services[s];
    InferenceService service;
    service.id = spec.id;
    service.gpus_per_replica = spec.gpus_per_replica;
    service.latency_target_s = spec.latency_target_s;
    // Forward pass: 2 FLOPs per parameter per token (a served model's prompt counted too).
    service.flops_per_unit =
        spec.serving ? spec.serving->flops_per_output_token() : 2 * spec.params;
    service.unit = "tokens";
    service.serving = spec.serving;
    for (const auto& g : spec.generations) {
      service.generations.push_back(
          {g.model, g.offline_tokens_per_gpu_s * spec.gpus_per_replica * mix.online_fraction,
           g.latency_s});
      service.generations.back().tensor_parallel = g.tensor_parallel;
    }
    // Sized by the first generation's rated point; binding derives the model's figures again.
    const double first_throughput = spec.generations.front().model_tokens_per_replica_s > 0
                                        ? spec.generations.front().model_tokens_per_replica_s
                                        : service.generations.front().throughput;

    // Sized so that the peak window of the first 30 days fills its share of the inference GPUs
    // on its first choice. At least 30 days are drawn, hour after hour from the service's
    // stream, so a longer horizon's first 30 days are the same draws, sized alike: a longer run
    // is not emptier (more chances of a high burst would lower the mean of a horizon-wide scale).
    const double peak_replicas =
        spec.share_of_peak_gpus * mix.peak_fill * inference_gpus / spec.gpus_per_replica;
    const double peak_units = peak_replicas * first_throughput;
    const long windows = std::max(1L, std::lround(3600 / mix.shape.window_s));
    Rng rng(seed, kInferenceStream + s);
    auto values = relative_demand(mix, spec, std::max(hours, reference_hours), rng);
    const double top =
        *std::max_element(values.begin(), values.begin() + reference_hours * windows);
    values.resize(static_cast<size_t>(hours * windows));
    service.demand.interval_s = 3600.0 / windows;
    for (size_t i = 0; i < values.size(); ++i) {
      // Grown after sizing: the peak filled is month 0's.
      const double growth =
          growth_factor(mix.growth_per_month, static_cast<double>(i) * service.demand.interval_s);
      values[i] = std::round(values[i] / top * peak_units * growth * 1000) / 1000;
    }
    service.demand.repeat = true;
    service.demand.arrival_cv.assign(values.size(), mix.shape.arrival_cv);
    service.demand.values = std::move(values);
    service.units_per_request = spec.tokens_per_request;
    out.push_back(std::move(service));
  }
  return out;
}

}  // namespace gpufleet
