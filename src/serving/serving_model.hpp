#pragma once

#include <string>

#include "model/gpu_catalog.hpp"
#include "model/workload.hpp"

namespace gpufleet {

// A serving model of one (service, generation) from hardware and model shape
// (docs/inference-latency.md, "A serving model from hardware"): how many sequences a replica
// holds, how long a decode step takes at a batch, and what follows (output tokens/s, TPOT,
// TTFT). A roofline: each pass reads the weights once and computes 2 x params FLOPs per token;
// attention reads the batch's KV cache; tensor parallelism all-reduces activations over NVLink.

// The parameters of a Llama-style model (SwiGLU MLP, untied embeddings, RMSNorm) from its shape:
// what the model cards count (Llama 2 70B: 68,976,648,192).
double params_from_shape(const ModelShape& shape);

// A replica's operating point.
struct ServingPoint {
  int batch = 0;                // concurrent sequences (0: no batch meets the limits)
  double tokens_per_s = 0;      // output tokens/s of the replica
  double tokens_per_gpu_s = 0;  // the same per GPU of the replica
  double tpot_s = 0;            // time per output token = one decode step at that batch
  double ttft_s = 0;            // time to first token without queueing
  // Why not a larger batch: "compute" (throughput no longer grows), "kv-cache", "tpot", "ttft".
  std::string bound;
};

// The hardware efficiency of a generation family: the achieved fraction of peak HBM bandwidth,
// FLOP/s and NVLink bandwidth, calibrated once on one MLPerf result (docs/inference-latency.md).
// 0 when the family has none (Rubin, the Alibaba trace's models).
double serving_efficiency(const std::string& gpu_model);
// The calibrations behind it, reproduced by the tests.
constexpr double kHopperEfficiency = 0.4955;     // MLPerf v4.1 DGX H100, Llama 2 70B offline
constexpr double kBlackwellEfficiency = 0.4390;  // MLPerf v5.1 DGX B200, Llama 2 70B offline

class ServingModel {
 public:
  // Throws std::invalid_argument naming the missing figure when the GPU lacks one the model
  // needs (HBM bandwidth, the peak of the weights' dtype, NVLink for tensor_parallel > 1), or
  // when the shape, setup or efficiency is out of range.
  ServingModel(GpuSpec gpu, ModelShape shape, ServingSetup setup, double efficiency);

  double weights_bytes_per_gpu() const;
  double kv_bytes_per_token() const;  // the whole replica's, all layers, K and V
  double kv_capacity_tokens() const;  // KV cache of the replica, tokens (0: weights do not fit)
  double context_tokens() const;      // mean tokens a running sequence holds: in + out / 2
  int max_batch() const;              // sequences the KV cache holds at that mean context
  bool fits() const { return max_batch() >= 1; }

  // One pass over the replica: `computed_tokens` through the weights, `kv_tokens_read` cached
  // tokens read by attention.
  double pass_s(double computed_tokens, double kv_tokens_read) const;
  // A decode step of `batch` sequences under continuous batching: each sequence's prompt is
  // prefilled in chunks within the steps, in / out prompt tokens per output token.
  double decode_step_s(double batch) const;
  double tpot_s(double batch) const { return decode_step_s(batch); }
  double tokens_per_s(double batch) const;       // output tokens/s of the replica
  double prefill_s(double prompt_tokens) const;  // a prompt alone on an idle replica
  // A new request's first token: the step that carries its whole prompt beside `batch` running
  // sequences (0: an idle replica, prefill_s(input_tokens)).
  double ttft_s(double batch) const;
  // The batch of the highest throughput within the KV cache and the limits, the smallest such
  // batch (throughput is flat once the weights' GEMMs are compute-bound, and TPOT is not).
  ServingPoint best_point(const LatencyLimits& limits = {}) const;
  // The batch a replica runs at when offered `output_tokens_per_s`: the fixed point of Little's
  // law n = rate x TPOT(n) (each running sequence emits one token per decode step, so it stays
  // o x TPOT(n) for o tokens), within [0, batch_limit]. Unique: n - rate x TPOT(n) is concave
  // (TPOT is convex, piecewise linear in n), negative at 0. batch_limit when the rate reaches
  // the throughput there. Fractional: a mean over time.
  double batch_at_rate(double output_tokens_per_s, double batch_limit) const;

  const GpuSpec& gpu() const { return gpu_; }
  const ModelShape& shape() const { return shape_; }
  const ServingSetup& setup() const { return setup_; }

 private:
  double peak_flops() const;  // of the weights' dtype
  double prompt_per_output() const { return setup_.input_tokens / setup_.output_tokens; }
  GpuSpec gpu_;
  ModelShape shape_;
  ServingSetup setup_;
  double efficiency_;
};

// The serving model of `shape` run as `setup` on a GPU of the catalog (model/gpu_catalog.hpp),
// at its family's calibrated efficiency. Throws std::invalid_argument naming what is missing:
// a GPU the catalog lacks, a figure it lacks, or an efficiency.
ServingModel catalog_serving_model(const std::string& gpu_model, const ModelShape& shape,
                                   const ServingSetup& setup);

// The efficiency that makes the model give `measured_tokens_per_gpu_s` at its best batch
// without latency limits (MLPerf offline): throughput is proportional to the efficiency.
double calibrate_efficiency(const GpuSpec& gpu, const ModelShape& shape, const ServingSetup& setup,
                            double measured_tokens_per_gpu_s);

}  // namespace gpufleet
