// The serving model from hardware (src/serving/serving_model.*) against MLPerf Inference's
// Llama 2 70B results, closed division, per GPU (docs/inference-latency.md, "A serving model
// from hardware"). One efficiency per family, calibrated on one result; the others are checks.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <string>

#include "model/gpu_catalog.hpp"
#include "queueing.hpp"
#include "serving/model_shapes.hpp"
#include "serving/serving_model.hpp"

namespace gpufleet::test {
namespace {

constexpr double kNoLimit = std::numeric_limits<double>::infinity();

// The benchmark's requests (the 24,576 OpenOrca samples of
// open_orca_gpt4_tokenized_llama.sampled_24576.pkl): 222.33 prompt tokens on average; the model
// generates 290.3 tokens per sample (v4.1 DGX H100 offline: 24,524.9 tokens/s / 84.4792
// samples/s).
constexpr double kInputTokens = 222.33;
constexpr double kOutputTokens = 290.3;

// The submissions run FP8 weights and an FP8 KV cache on Hopper (TensorRT-LLM, --kv_cache_dtype
// fp8), FP4 weights and an FP8 KV cache on Blackwell.
ModelShape llama2_70b(double weight_bytes) {
  ModelShape s = find_model_shape("llama-2-70b").value();
  s.weight_bytes = weight_bytes;
  s.kv_bytes = 1;
  return s;
}

// DGX B200 is not in the catalog (the fleet has no HGX B200 pool); its figures, from the brief's
// hardware table (NVIDIA datasheet), for this check only.
GpuSpec b200() {
  GpuSpec g = find_gpu("GB200").value();
  g.model = "B200";
  g.gpus_per_domain = 8;
  g.hbm_gb = 180;
  g.hbm_bytes_per_s = 8e12;
  g.fp8_flops = 4.5e15;
  g.fp4_flops = 9e15;
  g.nvlink_bytes_per_s = 1.8e12;
  return g;
}

struct Submission {
  std::string name;  // round, system
  GpuSpec gpu;
  int tensor_parallel;  // NVIDIA's configs: H100 2 GPUs per engine, H200 and Blackwell 1
  double weight_bytes;
  double kv_memory_fraction;  // kvcache_free_gpu_mem_frac of the configs
  bool server;                // server scenario (TTFT <= 2 s, TPOT <= 200 ms) or offline
  double system_tokens_per_s;
  int gpus;
  double tokens_per_gpu_s() const { return system_tokens_per_s / gpus; }
};

ServingModel model_of(const Submission& s, double efficiency) {
  return ServingModel(s.gpu, llama2_70b(s.weight_bytes),
                      {s.tensor_parallel, kInputTokens, kOutputTokens, s.kv_memory_fraction},
                      efficiency);
}

double predicted_per_gpu(const Submission& s, double efficiency) {
  const LatencyLimits limits = s.server ? LatencyLimits{} : LatencyLimits{kNoLimit, kNoLimit};
  return model_of(s, efficiency).best_point(limits).tokens_per_gpu_s;
}

// The model's error against a result, reported as a [validation] line.
double relative_error(const Submission& s, double efficiency) {
  const double err = predicted_per_gpu(s, efficiency) / s.tokens_per_gpu_s() - 1;
  std::string key = "mlperf_llama2_70b_error_" + s.name;
  for (char& c : key)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  validation::report(key, err);
  return err;
}

// Results as mlperf_log_summary.txt gives them (inference_results_v4.1 and v5.1,
// closed/<submitter>/results/<system>/llama2-70b-99/<scenario>/performance/run_1/).
const GpuSpec kH100 = find_gpu("H100").value();
const GpuSpec kH200 = find_gpu("H200").value();
const Submission kDgxH100Offline{
    "v4.1 NVIDIA DGX H100 offline", kH100, 2, 1, 0.9, false, 24524.9, 8};
const Submission kDgxH100Server{"v4.1 NVIDIA DGX H100 server", kH100, 2, 1, 0.9, true, 21605.79, 8};
const Submission kLenovoOffline{
    "v4.1 Lenovo SR685a V3 H200 offline", kH200, 1, 1, 0.9, false, 31917, 8};
const Submission kLenovoServer{
    "v4.1 Lenovo SR685a V3 H200 server", kH200, 1, 1, 0.9, true, 30068.5, 8};
const Submission kDellOffline{
    "v5.1 Dell XE9680L H200 offline", kH200, 1, 1, 0.9, false, 34588.3, 8};
const Submission kDellServer{"v5.1 Dell XE9680L H200 server", kH200, 1, 1, 0.9, true, 33161.44, 8};
const Submission kB200Offline{
    "v5.1 NVIDIA DGX B200 offline", b200(), 1, 0.5, 0.95, false, 101527, 8};
const Submission kB200Server{
    "v5.1 NVIDIA DGX B200 server", b200(), 1, 0.5, 0.95, true, 99123.04, 8};
const Submission kGb200Offline{"v5.1 NVIDIA GB200 NVL72 (4 GPUs) offline",
                               find_gpu("GB200").value(),
                               1,
                               0.5,
                               0.95,
                               false,
                               51736.9,
                               4};
const Submission kGb200Server{"v5.1 NVIDIA GB200 NVL72 (4 GPUs) server",
                              find_gpu("GB200").value(),
                              1,
                              0.5,
                              0.95,
                              true,
                              49359.61,
                              4};

double calibrated(const Submission& s) {
  return calibrate_efficiency(
      s.gpu, llama2_70b(s.weight_bytes),
      {s.tensor_parallel, kInputTokens, kOutputTokens, s.kv_memory_fraction}, s.tokens_per_gpu_s());
}

TEST(MlperfServing, ShippedEfficienciesAreTheCalibrations) {
  // Hopper: DGX H100, offline (3,066 tokens/s per GPU). Blackwell: DGX B200, offline (12,691).
  EXPECT_NEAR(calibrated(kDgxH100Offline), kHopperEfficiency, 1e-4);
  EXPECT_NEAR(calibrated(kB200Offline), kBlackwellEfficiency, 1e-4);
  EXPECT_EQ(serving_efficiency("H100"), kHopperEfficiency);
  EXPECT_EQ(serving_efficiency("GB200"), kBlackwellEfficiency);
}

TEST(MlperfServing, HopperWithinFifteenPercent) {
  // Calibrated on kDgxH100Offline; every other Hopper result is a check. The model has no
  // queueing, so its server figure is its offline one within the latency limits: an upper
  // bound of what a server at p99 limits sustains (v4.1 H100: +13.5%).
  for (const Submission& s :
       {kDgxH100Offline, kDgxH100Server, kLenovoOffline, kLenovoServer, kDellServer}) {
    const double err = relative_error(s, kHopperEfficiency);
    EXPECT_LT(std::abs(err), 0.15)
        << s.name << ": model " << predicted_per_gpu(s, kHopperEfficiency)
        << " tokens/s per GPU against " << s.tokens_per_gpu_s();
  }
}

TEST(MlperfServing, HopperNewerSoftwareIsFasterThanTheModel) {
  // v5.1's H200 offline ran TensorRT 10.11 against v4.1's 10.2: the same H200 at the same 700 W
  // did 8.4% more (Lenovo v4.1 3,990 to Dell v5.1 4,324 tokens/s per GPU). The model, calibrated
  // on v4.1 software, falls 15.5% short of it: the one check outside 15%, documented.
  const double err = relative_error(kDellOffline, kHopperEfficiency);
  EXPECT_LT(err, 0);
  EXPECT_GT(err, -0.17) << predicted_per_gpu(kDellOffline, kHopperEfficiency);
}

TEST(MlperfServing, H200OverH100WithinTenPercent) {
  // Same round (v4.1), offline: MLPerf 31,917 / 24,524.9 = 1.301; the model 1.19.
  const double measured = kLenovoOffline.tokens_per_gpu_s() / kDgxH100Offline.tokens_per_gpu_s();
  const double model = predicted_per_gpu(kLenovoOffline, kHopperEfficiency) /
                       predicted_per_gpu(kDgxH100Offline, kHopperEfficiency);
  validation::report("mlperf_llama2_70b_h200_over_h100_error", model / measured - 1);
  EXPECT_LT(std::abs(model / measured - 1), 0.10) << "model " << model << ", MLPerf " << measured;
  EXPECT_GT(model, 1.1);  // the larger, faster HBM is worth something
}

TEST(MlperfServing, BlackwellWithinFifteenPercent) {
  for (const Submission& s : {kB200Offline, kB200Server, kGb200Offline, kGb200Server}) {
    const double err = relative_error(s, kBlackwellEfficiency);
    EXPECT_LT(std::abs(err), 0.15)
        << s.name << ": model " << predicted_per_gpu(s, kBlackwellEfficiency)
        << " tokens/s per GPU against " << s.tokens_per_gpu_s();
  }
  const double measured = kGb200Offline.tokens_per_gpu_s() / kB200Offline.tokens_per_gpu_s();
  const double model = predicted_per_gpu(kGb200Offline, kBlackwellEfficiency) /
                       predicted_per_gpu(kB200Offline, kBlackwellEfficiency);
  validation::report("mlperf_llama2_70b_gb200_over_b200_error", model / measured - 1);
  EXPECT_LT(std::abs(model / measured - 1), 0.10) << "model " << model << ", MLPerf " << measured;
}

TEST(MlperfServing, Llama405bAtTensorParallelEightIsPessimistic) {
  // Not a calibration and not within 15%: a documented gap. MLPerf v5.1 Llama 3.1 405B offline
  // on 8 H200 (Nebius, 552.749 tokens/s; 8,313 samples of 9,428.6 prompt tokens on average,
  // 645.5 generated per sample: 552.749 / 0.856236 samples/s) runs 4-way tensor x 2-way pipeline
  // parallelism. The model has no pipeline parallelism: as one 8-way tensor-parallel replica
  // it pays all-reduces over 8 GPUs for every layer and gives 45 tokens/s per GPU against 69.
  ModelShape s = find_model_shape("llama-3.1-405b").value();
  s.weight_bytes = 1;
  s.kv_bytes = 1;
  const ServingModel m(kH200, s, {8, 9428.64, 645.5, 0.95}, kHopperEfficiency);
  const double model = m.best_point({kNoLimit, kNoLimit}).tokens_per_gpu_s;
  const double measured = 552.749 / 8;
  validation::report("mlperf_llama31_405b_tp8_error", model / measured - 1);
  EXPECT_GT(model / measured, 0.6);
  EXPECT_LT(model / measured, 0.75);
}

TEST(MlperfServing, ServerPointsMeetTheLimits) {
  for (const Submission& s : {kDgxH100Server, kLenovoServer, kB200Server, kGb200Server}) {
    const double eff = serving_efficiency(s.gpu.model);
    const ServingPoint p = model_of(s, eff > 0 ? eff : kBlackwellEfficiency).best_point();
    EXPECT_GT(p.batch, 0) << s.name;
    EXPECT_LE(p.tpot_s, 0.2) << s.name;
    EXPECT_LE(p.ttft_s, 2.0) << s.name;
  }
}

}  // namespace
}  // namespace gpufleet::test
