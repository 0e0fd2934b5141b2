#include "serving/serving_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "model/names.hpp"

namespace gpufleet {

namespace {

// Tensor-parallel all-reduces carry BF16 activations (TensorRT-LLM and vLLM reduce in the
// activation dtype, not in the FP8 of the weights).
constexpr double kActivationBytes = 2;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("serving model: " + what);
}

std::string label(const GpuSpec& gpu, const ModelShape& shape, int tp) {
  return shape.name + " on " + gpu.model + " x" + std::to_string(tp);
}

}  // namespace

double params_from_shape(const ModelShape& s) {
  const double h = s.hidden, q = double(s.attention_heads) * s.head_dim,
               kv = double(s.kv_heads) * s.head_dim;
  // Q and O projections, K and V projections, gate/up/down of the SwiGLU MLP, two RMSNorms.
  const double per_layer = 2 * h * q + 2 * h * kv + 3 * h * s.ffn + 2 * h;
  // Input embedding and output head (untied), final norm.
  return s.layers * per_layer + 2.0 * s.vocab * h + h;
}

double serving_efficiency(const std::string& gpu_model) {
  for (const char* hopper : {"H100", "H200"})
    if (same_name(gpu_model, hopper)) return kHopperEfficiency;
  for (const char* blackwell : {"B200", "B300", "GB200", "GB300"})
    if (same_name(gpu_model, blackwell)) return kBlackwellEfficiency;
  return 0;
}

ServingModel::ServingModel(GpuSpec gpu, ModelShape shape, ServingSetup setup, double efficiency)
    : gpu_(std::move(gpu)), shape_(std::move(shape)), setup_(setup), efficiency_(efficiency) {
  const int tp = setup_.tensor_parallel;
  require(shape_.params > 0 && shape_.layers > 0 && shape_.hidden > 0 && shape_.kv_heads > 0 &&
              shape_.head_dim > 0,
          shape_.name + ": params, layers, hidden, kv_heads and head_dim must be > 0");
  require(shape_.weight_bytes > 0 && shape_.kv_bytes > 0,
          shape_.name + ": weight_bytes and kv_bytes must be > 0 (2 BF16, 1 FP8, 0.5 FP4)");
  require(tp >= 1, "tensor_parallel must be >= 1, got " + std::to_string(tp));
  require(gpu_.gpus_per_domain <= 0 || tp <= gpu_.gpus_per_domain,
          "tensor_parallel " + std::to_string(tp) + " exceeds the " +
              std::to_string(gpu_.gpus_per_domain) + " GPUs of one " + gpu_.model +
              " NVLink domain");
  require(setup_.input_tokens >= 0 && setup_.output_tokens > 0,
          "input_tokens must be >= 0 and output_tokens > 0");
  require(setup_.kv_memory_fraction > 0 && setup_.kv_memory_fraction <= 1,
          "kv_memory_fraction must be in (0, 1]");
  require(efficiency_ > 0 && efficiency_ <= 1, "efficiency must be in (0, 1]; " + gpu_.model +
                                                   " has no calibrated one (serving_efficiency)");
  require(gpu_.hbm_gb > 0 && gpu_.hbm_bytes_per_s > 0,
          gpu_.model + " has no hbm_gb or hbm_bytes_per_s in the GPU catalog");
  require(peak_flops() > 0, gpu_.model + " has no peak for " + shape_.name + "'s weight dtype (" +
                                std::to_string(shape_.weight_bytes) +
                                " bytes): bf16_flops, fp8_flops or fp4_flops in the GPU catalog");
  require(tp == 1 || gpu_.nvlink_bytes_per_s > 0,
          gpu_.model +
              " has no nvlink_bytes_per_s in the GPU catalog (needed for tensor_parallel > 1)");
}

double ServingModel::peak_flops() const {
  return gpu_.peak_flops_for(shape_.weight_bytes);
}

double ServingModel::weights_bytes_per_gpu() const {
  return shape_.params * shape_.weight_bytes / setup_.tensor_parallel;
}

double ServingModel::kv_bytes_per_token() const {
  // K and V per layer. Tensor parallelism splits the KV heads over the GPUs; beyond one head per
  // GPU each GPU keeps a copy of the one its query heads use.
  const int heads = std::max(shape_.kv_heads, setup_.tensor_parallel);
  return 2.0 * shape_.layers * heads * shape_.head_dim * shape_.kv_bytes;
}

double ServingModel::kv_capacity_tokens() const {
  const double free_per_gpu = gpu_.hbm_gb * 1e9 - weights_bytes_per_gpu();
  if (free_per_gpu <= 0) return 0;
  return free_per_gpu * setup_.kv_memory_fraction * setup_.tensor_parallel / kv_bytes_per_token();
}

double ServingModel::context_tokens() const {
  // A running sequence holds its prompt and, on average over its life, half of its output.
  return setup_.input_tokens + setup_.output_tokens / 2;
}

int ServingModel::max_batch() const {
  return static_cast<int>(std::floor(kv_capacity_tokens() / context_tokens()));
}

double ServingModel::pass_s(double computed_tokens, double kv_tokens_read) const {
  const int tp = setup_.tensor_parallel;
  // The weights' GEMMs: bound by reading the weights or by their FLOPs, whichever is slower.
  const double read_weights = weights_bytes_per_gpu() / gpu_.hbm_bytes_per_s;
  const double compute = 2 * shape_.params * computed_tokens / (tp * peak_flops());
  // Attention: a separate kernel, memory-bound in decode (about 2 x query/KV heads FLOPs per
  // byte of cache), so its time adds to the GEMMs' rather than hiding under them.
  const double attention = kv_tokens_read * kv_bytes_per_token() / (tp * gpu_.hbm_bytes_per_s);
  // Two ring all-reduces per layer (after attention and after the MLP), each GPU sending
  // 2 (tp - 1) / tp of the activations over one direction of its NVLink.
  double all_reduce = 0;
  if (tp > 1)
    all_reduce = 2.0 * shape_.layers * (2.0 * (tp - 1) / tp) * computed_tokens * shape_.hidden *
                 kActivationBytes / (gpu_.nvlink_bytes_per_s / 2);
  return (std::max(read_weights, compute) + attention + all_reduce) / efficiency_;
}

double ServingModel::decode_step_s(double batch) const {
  return pass_s(batch * (1 + prompt_per_output()), batch * context_tokens());
}

double ServingModel::tokens_per_s(double batch) const {
  return batch > 0 ? batch / decode_step_s(batch) : 0;
}

double ServingModel::prefill_s(double prompt_tokens) const {
  // Causal attention over the prompt reads, on average, half of it.
  return pass_s(prompt_tokens, prompt_tokens / 2);
}

double ServingModel::ttft_s(double batch) const {
  const double in = setup_.input_tokens;
  return pass_s(batch * (1 + prompt_per_output()) + in, batch * context_tokens() + in / 2);
}

ServingPoint ServingModel::best_point(const LatencyLimits& limits) const {
  const int tp = setup_.tensor_parallel;
  const int kv_limit = max_batch();
  require(kv_limit >= 1, label(gpu_, shape_, tp) + ": the weights (" +
                             std::to_string(weights_bytes_per_gpu() / 1e9) +
                             " GB per GPU) leave no KV cache for one sequence; use more GPUs per "
                             "replica or a smaller weight dtype");
  // Throughput B / step(B) grows until the GEMMs turn compute-bound, then stays flat (every
  // other term grows with B): the smallest compute-bound batch is the best one.
  const double per_sequence = 2 * shape_.params * (1 + prompt_per_output()) / (tp * peak_flops());
  const double knee = std::ceil(weights_bytes_per_gpu() / gpu_.hbm_bytes_per_s / per_sequence);
  const int compute_limit = static_cast<int>(std::clamp(knee, 1.0, double(kv_limit)));
  // TPOT and TTFT grow with the batch: the largest batch within both, by bisection.
  auto meets = [&](int b) { return tpot_s(b) <= limits.tpot_s && ttft_s(b) <= limits.ttft_s; };
  int latency_limit = 0;
  for (int lo = 1, hi = kv_limit; lo <= hi;) {
    const int mid = lo + (hi - lo) / 2;
    if (meets(mid))
      latency_limit = mid, lo = mid + 1;
    else
      hi = mid - 1;
  }

  ServingPoint p;
  p.batch = std::min({compute_limit, kv_limit, latency_limit});
  const int first_late = p.batch + 1;
  if (p.batch == compute_limit && compute_limit < kv_limit)
    p.bound = "compute";
  else if (p.batch == kv_limit && latency_limit == kv_limit)
    p.bound = "kv-cache";
  else
    p.bound = tpot_s(first_late) > limits.tpot_s ? "tpot" : "ttft";
  const int shown = std::max(p.batch, 1);
  p.tokens_per_s = tokens_per_s(p.batch);
  p.tokens_per_gpu_s = p.tokens_per_s / tp;
  p.tpot_s = tpot_s(shown);
  p.ttft_s = ttft_s(shown);
  return p;
}

double ServingModel::batch_at_rate(double output_tokens_per_s, double batch_limit) const {
  if (output_tokens_per_s <= 0 || batch_limit <= 0) return 0;
  if (output_tokens_per_s >= tokens_per_s(batch_limit)) return batch_limit;
  // f(n) = n - rate x step(n): negative at 0, positive at the limit, concave: one root.
  double lo = 0, hi = batch_limit;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (mid - output_tokens_per_s * decode_step_s(mid) >= 0 ? hi : lo) = mid;
  }
  return hi;
}

ServingModel catalog_serving_model(const std::string& gpu_model, const ModelShape& shape,
                                   const ServingSetup& setup) {
  const auto gpu = find_gpu(gpu_model);
  require(gpu.has_value(), gpu_model + " is not in the GPU catalog (" + known_gpu_models() +
                               "): the serving model has no figures for it");
  const double efficiency = serving_efficiency(gpu->model);
  require(efficiency > 0, gpu->model +
                              " has no calibrated serving efficiency (Hopper and "
                              "Blackwell have one: docs/inference-latency.md)");
  return ServingModel(*gpu, shape, setup, efficiency);
}

double calibrate_efficiency(const GpuSpec& gpu, const ModelShape& shape, const ServingSetup& setup,
                            double measured_tokens_per_gpu_s) {
  // Every term of a pass is divided by the efficiency and the best batch does not depend on it,
  // so the throughput is the efficiency times the throughput at efficiency 1.
  constexpr double kNoLimit = std::numeric_limits<double>::infinity();
  const ServingModel ideal(gpu, shape, setup, 1.0);
  return measured_tokens_per_gpu_s / ideal.best_point({kNoLimit, kNoLimit}).tokens_per_gpu_s;
}

}  // namespace gpufleet
