// The serving model from hardware (src/serving/serving_model.*): figures worked by hand from
// the equations of docs/inference-latency.md, "A serving model from hardware".
#include "serving/serving_model.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

#include "model/gpu_catalog.hpp"
#include "serving/model_shapes.hpp"

namespace gpufleet::test {
namespace {

constexpr double kNoLimit = std::numeric_limits<double>::infinity();

GpuSpec gpu(const char* model) {
  return find_gpu(model).value();
}

ModelShape shape(const char* name, double weight_bytes = 2, double kv_bytes = 2) {
  ModelShape s = find_model_shape(name).value();
  s.weight_bytes = weight_bytes;
  s.kv_bytes = kv_bytes;
  return s;
}

// MLPerf's Llama 2 70B requests: 222.33 prompt and 290.3 generated tokens on average.
ServingSetup mlperf_setup(int tp) {
  return {tp, 222.33, 290.3, 0.9};
}

TEST(ServingModel, ShapesCountTheirPublishedParameters) {
  // Model cards: Llama 2 70B 68,976,648,192 parameters; Llama 3.1 70B 70.6B; 405B 405.9B.
  EXPECT_DOUBLE_EQ(shape("llama-2-70b").params, 68'976'648'192.0);
  EXPECT_NEAR(shape("llama-3.1-70b").params / 1e9, 70.55, 0.01);
  EXPECT_NEAR(shape("llama-3.1-405b").params / 1e9, 405.85, 0.01);
  EXPECT_EQ(shape("Llama-3.1-405B").head_dim, 128);  // 16384 / 128 heads
  EXPECT_FALSE(find_model_shape("gpt-4").has_value());
}

TEST(ServingModel, KvBytesPerTokenByHand) {
  // 2 (K and V) x layers x KV heads x head dim x bytes.
  const ServingModel l70(gpu("H100"), shape("llama-2-70b"), {1, 0, 1}, 0.5);
  EXPECT_DOUBLE_EQ(l70.kv_bytes_per_token(), 2.0 * 80 * 8 * 128 * 2);  // 327,680
  EXPECT_DOUBLE_EQ(l70.kv_bytes_per_token(), 327'680);
  const ServingModel l405(gpu("H200"), shape("llama-3.1-405b", 1, 2), {8, 0, 1}, 0.5);
  EXPECT_DOUBLE_EQ(l405.kv_bytes_per_token(), 516'096);  // 2 x 126 x 8 x 128 x 2
  // FP8 halves it; 16-way tensor parallelism keeps one copy of a KV head per GPU: 16 heads.
  const ServingModel fp8(gpu("GB200"), shape("llama-2-70b", 1, 1), {16, 0, 1}, 0.5);
  EXPECT_DOUBLE_EQ(fp8.kv_bytes_per_token(), 2.0 * 80 * 16 * 128 * 1);
}

TEST(ServingModel, BatchLimitFromHbmByHand) {
  // H200, Llama 2 70B in FP8 on one GPU: 141 GB - 68.977 GB of weights = 72.023 GB; 90% of it,
  // 64.821 GB, holds 64.821e9 / 163,840 = 395,636 tokens; a sequence holds 222.33 + 290.3 / 2
  // = 367.48 on average: 1,076 sequences.
  const ServingModel h200(gpu("H200"), shape("llama-2-70b", 1, 1), mlperf_setup(1), 0.5);
  EXPECT_NEAR(h200.weights_bytes_per_gpu(), 68.976648192e9, 1);
  EXPECT_NEAR(h200.kv_capacity_tokens(), (141e9 - 68.976648192e9) * 0.9 / 163'840, 1e-6);
  EXPECT_NEAR(h200.context_tokens(), 367.48, 1e-9);
  EXPECT_EQ(h200.max_batch(), 1076);
  // H100 x2: 34.488 GB of weights per GPU, 2 x 45.512 GB x 0.9 / 163,840 = 500,006 tokens.
  const ServingModel h100(gpu("H100"), shape("llama-2-70b", 1, 1), mlperf_setup(2), 0.5);
  EXPECT_NEAR(h100.kv_capacity_tokens(), 500'006.2, 0.1);
  EXPECT_EQ(h100.max_batch(), 1360);
  // 405B in BF16 (811.7 GB) does not fit on eight H100s (640 GB).
  const ServingModel big(gpu("H100"), shape("llama-3.1-405b"), mlperf_setup(8), 0.5);
  EXPECT_FALSE(big.fits());
  EXPECT_THROW(big.best_point(), std::invalid_argument);
}

TEST(ServingModel, BatchOfOneIsBoundByReadingTheWeights) {
  // One sequence: the step reads the weights and its own KV cache at the efficiency's share of
  // the bandwidth; its 2 x params x (1 + in/out) FLOPs take 123 us, far less.
  const double eff = 0.5, bw = 4.8e12, weights = 68.976648192e9;
  const ServingModel m(gpu("H200"), shape("llama-2-70b", 1, 1), mlperf_setup(1), eff);
  const double kv = 367.48 * 163'840;
  EXPECT_NEAR(m.decode_step_s(1), (weights + kv) / bw / eff, 1e-12);
  EXPECT_NEAR(m.decode_step_s(1) * 1e3, 28.766, 0.001);
  EXPECT_NEAR(m.tokens_per_s(1), 1 / m.decode_step_s(1), 1e-12);
  // Without its KV (no context) it is exactly weights / bandwidth / efficiency.
  EXPECT_DOUBLE_EQ(m.pass_s(1, 0), weights / bw / eff);
}

TEST(ServingModel, LargeBatchesAreComputeBoundAndPayForTheirPrompts) {
  // At 1,000 sequences the GEMMs compute 1,000 x (1 + 222.33 / 290.3) tokens' worth of
  // 2 x params FLOPs at the FP8 peak: slower than reading the weights once.
  const double eff = 0.5, r = 222.33 / 290.3;
  const ServingModel m(gpu("H200"), shape("llama-2-70b", 1, 1), mlperf_setup(1), eff);
  const double compute = 2 * 68.976648192e9 * 1000 * (1 + r) / 1.979e15;
  const double attention = 1000 * 367.48 * 163'840 / 4.8e12;
  EXPECT_NEAR(m.decode_step_s(1000), (compute + attention) / eff, 1e-12);
  // Throughput stops growing there: the same at 500 and 1,000 sequences.
  EXPECT_NEAR(m.tokens_per_s(500), m.tokens_per_s(1000), 1e-9 * m.tokens_per_s(1000));
}

TEST(ServingModel, TensorParallelAllReducesByHand) {
  // Two GPUs: 2 all-reduces x 80 layers, each GPU sending 2 (2-1)/2 = 1 x 8192 x 2 bytes per
  // token over 450 GB/s (one direction of 900 GB/s NVLink).
  const double eff = 0.5, tokens = 10'000;
  const ServingModel m(gpu("H100"), shape("llama-2-70b", 1, 1), mlperf_setup(2), eff);
  const double compute = 2 * 68.976648192e9 * tokens / (2 * 1.979e15);
  const double all_reduce = 2 * 80 * 1.0 * tokens * 8192 * 2 / 450e9;
  EXPECT_NEAR(m.pass_s(tokens, 0), (compute + all_reduce) / eff, 1e-12);
}

TEST(ServingModel, TtftIsTheStepThatCarriesThePrompt) {
  const ServingModel m(gpu("H100"), shape("llama-2-70b", 1, 1), mlperf_setup(2), 0.5);
  // Idle: the prompt alone, 222 tokens through weights that take longer to read.
  EXPECT_DOUBLE_EQ(m.ttft_s(0), m.prefill_s(222.33));
  EXPECT_NEAR(m.prefill_s(222.33), m.pass_s(222.33, 222.33 / 2), 1e-15);
  // Loaded: one step with the prompt's tokens added, longer than the step without it.
  EXPECT_GT(m.ttft_s(500), m.decode_step_s(500));
  EXPECT_NEAR(m.ttft_s(500),
              m.pass_s(500 * (1 + 222.33 / 290.3) + 222.33, 500 * 367.48 + 222.33 / 2), 1e-15);
}

TEST(ServingModel, BestPointIsTheSmallestBatchOfTheHighestThroughput) {
  for (const char* g : {"H100", "H200", "GB200"}) {
    const ServingModel m(gpu(g), shape("llama-2-70b", 1, 1), mlperf_setup(2), 0.5);
    const ServingPoint best = m.best_point({kNoLimit, kNoLimit});
    double top = 0;
    int first_top = 0;
    for (int b = 1; b <= m.max_batch(); ++b)
      if (m.tokens_per_s(b) > top * (1 + 1e-12)) top = m.tokens_per_s(b), first_top = b;
    EXPECT_EQ(best.batch, first_top) << g;
    EXPECT_NEAR(best.tokens_per_s, top, 1e-9 * top) << g;
    EXPECT_EQ(best.bound, "compute") << g;
    EXPECT_DOUBLE_EQ(best.tokens_per_gpu_s, best.tokens_per_s / 2) << g;
    EXPECT_DOUBLE_EQ(best.tpot_s, m.tpot_s(best.batch)) << g;
  }
}

TEST(ServingModel, BestPointMeetsTheLatencyLimits) {
  const ServingModel m(gpu("H100"), shape("llama-2-70b", 1, 1), mlperf_setup(2), 0.5);
  const ServingPoint free = m.best_point({kNoLimit, kNoLimit});
  // A TPOT limit below the compute-bound batch's step: the largest batch within it.
  const double tpot = (m.tpot_s(1) + free.tpot_s) / 2;
  const ServingPoint tight = m.best_point({kNoLimit, tpot});
  EXPECT_EQ(tight.bound, "tpot");
  EXPECT_LE(tight.tpot_s, tpot);
  EXPECT_GT(m.tpot_s(tight.batch + 1), tpot);
  EXPECT_LT(tight.tokens_per_s, free.tokens_per_s);
  // A TTFT limit the same way.
  const double ttft = (m.ttft_s(1) + free.ttft_s) / 2;
  const ServingPoint quick = m.best_point({ttft, kNoLimit});
  EXPECT_EQ(quick.bound, "ttft");
  EXPECT_LE(quick.ttft_s, ttft);
  EXPECT_GT(m.ttft_s(quick.batch + 1), ttft);
  // Limits no batch meets: batch 0, no throughput.
  const ServingPoint none = m.best_point({kNoLimit, m.tpot_s(1) / 2});
  EXPECT_EQ(none.batch, 0);
  EXPECT_EQ(none.tokens_per_s, 0);
  EXPECT_EQ(none.bound, "tpot");
  // A short KV cache: 405B (FP8 weights, BF16 cache) on eight H100s with 4,000-token prompts
  // holds 81 sequences, fewer than the 99 at which its GEMMs turn compute-bound.
  const ServingModel big(gpu("H100"), shape("llama-3.1-405b", 1, 2), {8, 4000, 2000, 0.9}, 0.5);
  const ServingPoint full = big.best_point({kNoLimit, kNoLimit});
  EXPECT_EQ(full.bound, "kv-cache");
  EXPECT_EQ(full.batch, big.max_batch());
  EXPECT_EQ(full.batch, 81);
}

TEST(ServingModel, CalibrationIsProportional) {
  const ServingSetup setup = mlperf_setup(2);
  const ModelShape s = shape("llama-2-70b", 1, 1);
  const double eff = calibrate_efficiency(gpu("H100"), s, setup, 3000);
  const ServingModel m(gpu("H100"), s, setup, eff);
  EXPECT_NEAR(m.best_point({kNoLimit, kNoLimit}).tokens_per_gpu_s, 3000, 1e-9);
  EXPECT_NEAR(calibrate_efficiency(gpu("H100"), s, setup, 1500), eff / 2, 1e-12);
}

TEST(ServingModel, EfficiencyPerFamily) {
  EXPECT_EQ(serving_efficiency("H100"), kHopperEfficiency);
  EXPECT_EQ(serving_efficiency("h200"), kHopperEfficiency);
  EXPECT_EQ(serving_efficiency("GB300"), kBlackwellEfficiency);
  EXPECT_EQ(serving_efficiency("Rubin"), 0);
  EXPECT_EQ(serving_efficiency("T4"), 0);
}

TEST(ServingModel, CatalogCarriesTheServingFigures) {
  EXPECT_EQ(gpu("H100").hbm_bytes_per_s, 3.35e12);
  EXPECT_EQ(gpu("H200").hbm_bytes_per_s, 4.8e12);
  EXPECT_EQ(gpu("H200").fp8_flops, 1.979e15);
  EXPECT_EQ(gpu("H100").fp4_flops, 0);
  EXPECT_EQ(gpu("GB200").fp4_flops, 10e15);
  EXPECT_EQ(gpu("GB300").nvlink_bytes_per_s, 1.8e12);
  EXPECT_EQ(gpu("B300").hbm_bytes_per_s, 7.7e12);
  EXPECT_EQ(gpu("T4").hbm_bytes_per_s, 0);  // not rated: the serving model refuses it
  // The catalog's other columns are untouched by the serving table.
  EXPECT_EQ(gpu("H100").hbm_gb, 80);
  EXPECT_EQ(gpu("GB200").bf16_flops, 2.5e15);
}

TEST(ServingModel, RefusesWhatItCannotModel) {
  const ModelShape fp8 = shape("llama-2-70b", 1, 1);
  auto message = [](auto make) {
    try {
      make();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // T4: no serving figures in the catalog.
  EXPECT_NE(message([&] {
              (void)ServingModel(gpu("T4"), fp8, mlperf_setup(1), 0.5);
            }).find("hbm_bytes_per_s"),
            std::string::npos);
  // FP4 weights on Hopper: no FP4 peak.
  EXPECT_NE(message([&] {
              (void)ServingModel(gpu("H100"), shape("llama-2-70b", 0.5, 1), mlperf_setup(1), 0.5);
            }).find("fp4_flops"),
            std::string::npos);
  // More GPUs than one NVLink domain of HGX H100.
  EXPECT_NE(message([&] {
              (void)ServingModel(gpu("H100"), fp8, mlperf_setup(16), 0.5);
            }).find("NVLink domain"),
            std::string::npos);
  // No calibrated efficiency.
  EXPECT_NE(
      message([&] { (void)ServingModel(gpu("H100"), fp8, mlperf_setup(1), 0); }).find("efficiency"),
      std::string::npos);
  EXPECT_NE(message([&] {
              (void)ServingModel(gpu("H100"), fp8, {1, 100, 0, 0.9}, 0.5);
            }).find("output_tokens"),
            std::string::npos);
}

TEST(ServingModel, SeedServicesAsDocumented) {
  // docs/inference-latency.md, "What the seed's services get": FP8 weights and KV cache, the
  // seed's 8-GPU replicas, MLPerf's request lengths, Hopper's efficiency, MLPerf server limits.
  struct Row {
    const char* model;
    const char* gpu;
    double tokens_per_s, tpot_ms, ttft_ms;
    int batch;
  };
  for (const Row& r : {Row{"llama-3.1-70b", "H100", 13'769, 12.2, 21, 168},
                       Row{"llama-3.1-70b", "H200", 14'033, 8.3, 17, 117},
                       Row{"llama-3.1-405b", "H200", 3'310, 35.4, 73, 117}}) {
    const ServingModel m(gpu(r.gpu), shape(r.model, 1, 1), mlperf_setup(8),
                         serving_efficiency(r.gpu));
    const ServingPoint p = m.best_point();
    EXPECT_EQ(p.batch, r.batch) << r.model << " " << r.gpu;
    EXPECT_NEAR(p.tokens_per_s, r.tokens_per_s, 1) << r.model << " " << r.gpu;
    EXPECT_NEAR(p.tpot_s * 1e3, r.tpot_ms, 0.05) << r.model << " " << r.gpu;
    EXPECT_NEAR(p.ttft_s * 1e3, r.ttft_ms, 0.5) << r.model << " " << r.gpu;
  }
}

}  // namespace
}  // namespace gpufleet::test
