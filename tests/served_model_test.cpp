// A service that names its model (docs/inference-latency.md, "TTFT and TPOT from the serving
// model"): binding rates each generation from the GPU catalog, the batch follows the load by
// Little's law, and TTFT and TPOT rise with load; bad input names the file and field.
#include <gtest/gtest.h>

#include <cmath>

#include "formats/platform_writer.hpp"
#include "formats/workload_io.hpp"
#include "model/gpu_catalog.hpp"
#include "serving/model_shapes.hpp"
#include "serving/queue_model.hpp"
#include "serving/serving_model.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

ServingModel h100_engine() {
  ModelShape shape = find_model_shape("llama-3.1-70b").value();
  shape.weight_bytes = shape.kv_bytes = 1;
  return catalog_serving_model("H100", shape, {4, 222.33, 290.3, 0.9});
}

TEST(ServedModel, BatchIsLittlesLawFixedPoint) {
  const ServingModel m = h100_engine();
  const int limit = m.best_point().batch;
  double last = 0;
  for (const double share : {0.05, 0.3, 0.6, 0.9, 0.98}) {
    const double rate = share * m.tokens_per_s(limit);
    const double n = m.batch_at_rate(rate, limit);
    // n sequences each emit a token per step: n = rate x TPOT(n).
    EXPECT_NEAR(n, rate * m.tpot_s(n), 1e-9 * n) << share;
    EXPECT_GT(n, last);
    EXPECT_LE(n, limit);
    last = n;
  }
  EXPECT_EQ(m.batch_at_rate(0, limit), 0);
  EXPECT_EQ(m.batch_at_rate(2 * m.tokens_per_s(limit), limit), limit);
  // Below the compute knee a step is (weights + n x per-sequence time) / eta: linear, so the
  // fixed point is closed-form, n = r a / (1 - r b) with a = TPOT(0), b = TPOT(1) - TPOT(0).
  const double a = m.tpot_s(0), b = m.tpot_s(1) - a, r = 0.3 * m.tokens_per_s(limit);
  EXPECT_NEAR(m.batch_at_rate(r, limit), r * a / (1 - r * b), 1e-6);
}

TEST(ServedModel, BindingRatesGenerationsFromTheCatalog) {
  Workload w =
      parse_workload(workload(3600, json::array(), json::array({served_service({1})})), "w.json");
  bind_workload(w, fleet_of({pool("H100", 16)}), "w.json");
  const auto& g = w.inference[0].generations[0];
  const ServingPoint point = h100_engine().best_point();
  EXPECT_TRUE(g.from_model);
  EXPECT_EQ(g.batch, point.batch);
  EXPECT_DOUBLE_EQ(g.throughput, 2 * point.tokens_per_s);  // two engines per replica
  EXPECT_DOUBLE_EQ(g.latency_s, point.tpot_s);
  EXPECT_DOUBLE_EQ(w.inference[0].units_per_request, 290.3);      // demand is output tokens
  EXPECT_DOUBLE_EQ(w.inference[0].serving->targets.ttft_s, 2.0);  // MLPerf's server limits
  EXPECT_DOUBLE_EQ(w.inference[0].serving->targets.tpot_s, 0.2);
  // Written back, the figures stay derived and the file reads the same.
  const json doc = workload_to_json(w);
  EXPECT_FALSE(doc["inference"][0]["generations"][0].contains("throughput"));
  Workload again = parse_workload(doc, "again.json");
  bind_workload(again, fleet_of({pool("H100", 16)}), "again.json");
  EXPECT_DOUBLE_EQ(again.inference[0].generations[0].throughput, g.throughput);
}

TEST(ServedModel, TypedFiguresOverrideTheModel) {
  json service = served_service({1});
  service["generations"][0]["throughput"] = 5000;
  service["generations"][0]["latency_s"] = 0.05;
  Workload w = parse_workload(workload(3600, json::array(), json::array({service})), "w.json");
  bind_workload(w, fleet_of({pool("H100", 16)}), "w.json");
  EXPECT_FALSE(w.inference[0].generations[0].from_model);
  EXPECT_DOUBLE_EQ(w.inference[0].generations[0].throughput, 5000);
}

TEST(ServedModel, GenerationsRunTheirOwnEngines) {
  // MLPerf's shapes: Llama 70B as 2-GPU engines on H100, 1-GPU ones on H200.
  json service = served_service({1});
  service["generations"] = json::array(
      {{{"model", "H100"}, {"tensor_parallel", 2}}, {{"model", "H200"}, {"tensor_parallel", 1}}});
  Workload w = parse_workload(workload(3600, json::array(), json::array({service})), "w.json");
  bind_workload(w, fleet_of({pool("H100", 16), pool("H200", 16)}), "w.json");
  ModelShape shape = find_model_shape("llama-3.1-70b").value();
  shape.weight_bytes = shape.kv_bytes = 1;
  const auto rated = [&](const char* gpu, int tp) {
    return catalog_serving_model(gpu, shape, {tp, 222.33, 290.3, 0.9}).best_point();
  };
  EXPECT_DOUBLE_EQ(w.inference[0].generations[0].throughput, 4 * rated("H100", 2).tokens_per_s);
  EXPECT_DOUBLE_EQ(w.inference[0].generations[1].throughput, 8 * rated("H200", 1).tokens_per_s);
  EXPECT_EQ(w.inference[0].generations[1].batch, rated("H200", 1).batch);
  EXPECT_EQ(workload_to_json(w)["inference"][0]["generations"][1]["tensor_parallel"], 1);
}

// A run at a constant demand: the summary's service figures.
json run_at(double share_of_one_replica) {
  const double replica = 2 * h100_engine().best_point().tokens_per_s;
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("H100", 8)},
                   workload(2 * 3600, json::array(),
                            json::array({served_service({share_of_one_replica * replica,
                                                         share_of_one_replica * replica})})));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(read_file(dir.path("out/summary.json")))["inference"]["services"][0];
}

TEST(ServedModel, TtftAndTpotRiseWithLoad) {
  // One replica (two engines); each engine gets half the demand, Poisson arrivals.
  const ServingModel m = h100_engine();
  const int limit = m.best_point().batch;
  json last;
  for (const double share : {0.2, 0.6, 0.95}) {
    const json s = run_at(share);
    const double rate = share * m.tokens_per_s(limit);  // per engine
    const double n = m.batch_at_rate(rate, limit);
    // TPOT is the decode step at the load's batch, alike for every request of the run.
    EXPECT_NEAR(s["tpot_p50_s"].get<double>(), m.tpot_s(n), 1e-12) << share;
    EXPECT_NEAR(s["tpot_p99_s"].get<double>(), m.tpot_s(n), 1e-12) << share;
    // TTFT: the G/G/c wait on the batch limit's slots, then the step that carries the prompt.
    const WaitTime wait =
        wait_time(QueueLoad{rate / 290.3, double(limit), 290.3 * m.tpot_s(n), 1, 1});
    EXPECT_NEAR(s["ttft_p99_s"].get<double>(), m.ttft_s(n) + wait.quantile(0.99),
                1e-6 * s["ttft_p99_s"].get<double>())
        << share;
    EXPECT_NEAR(s["slo_attainment"].get<double>(), wait.cdf(2.0 - m.ttft_s(n)), 1e-9);
    EXPECT_EQ(s["ttft_target_s"], 2.0);
    EXPECT_TRUE(s["latency_target_s"].is_null());
    if (!last.is_null()) {
      EXPECT_GT(s["tpot_p50_s"].get<double>(), last["tpot_p50_s"].get<double>());
      EXPECT_GT(s["ttft_p50_s"].get<double>(), last["ttft_p50_s"].get<double>());
      EXPECT_GE(s["ttft_p99_s"].get<double>(), last["ttft_p99_s"].get<double>());
    }
    last = s;
  }
  EXPECT_GT(last["ttft_p99_s"].get<double>(), m.ttft_s(0));
}

TEST(ServedModel, ATypedGenerationOfAServedServiceIsJudgedByTtftAndTpot) {
  // The override's slots (5,000 x 0.05 = 250), a request holding one for 290.3 x 0.05 s; on
  // time when its wait fits in 2 s - 0.05 s (TPOT 0.05 s is within 0.2 s).
  json service = served_service({4750, 4750});
  service["generations"][0]["throughput"] = 5000;
  service["generations"][0]["latency_s"] = 0.05;
  TempDir dir;
  const auto r = run_scenario(dir, {pool("H100", 8)},
                              workload(2 * 3600, json::array(), json::array({service})));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(read_file(dir.path("out/summary.json")))["inference"]["services"][0];
  const WaitTime wait = wait_time(QueueLoad{4750 / 290.3, 250, 290.3 * 0.05, 1, 1});
  EXPECT_NEAR(s["slo_attainment"].get<double>(), wait.cdf(2 - 0.05), 1e-9);
  EXPECT_LT(s["slo_attainment"].get<double>(), 1);
  EXPECT_DOUBLE_EQ(s["tpot_p99_s"].get<double>(), 0.05);
  EXPECT_NEAR(s["ttft_p99_s"].get<double>(), 0.05 + wait.quantile(0.99), 1e-6);
}

TEST(ServedModel, TypedServicesReportTtftAndTpotFromLatency) {
  TempDir dir;
  const auto r = run_scenario(dir, {pool("H100", 16)},
                              workload(3600, json::array(), json::array({h100_service({50})})));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(read_file(dir.path("out/summary.json")))["inference"]["services"][0];
  EXPECT_DOUBLE_EQ(s["tpot_p99_s"].get<double>(), 0.5);  // latency_s, whatever the load
  EXPECT_GE(s["ttft_p99_s"].get<double>(), 0.5);
  EXPECT_TRUE(s["ttft_target_s"].is_null());
  EXPECT_EQ(s["latency_target_s"], 1.0);
}

TEST(ServedModel, UsefulFlopsCountThePromptAgainstTheServedDtypesPeak) {
  // 1,000 output tokens/s for 2 h on 8 H100s, FP8: each token is worth 2 x params x (222.33 +
  // 290.3) / 290.3 FLOPs (its share of the prompt), computed at FP8's peak, twice BF16's.
  TempDir dir;
  const auto r =
      run_scenario(dir, {pool("H100", 8)},
                   workload(2 * 3600, json::array(), json::array({served_service({1000, 1000})})));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(read_file(dir.path("out/summary.json")));
  const double served = summary["inference"]["services"][0]["served_units"].get<double>();
  EXPECT_NEAR(served, 1000 * 7200, 1e-6 * served);
  const double params = find_model_shape("llama-3.1-70b").value().params;
  const double flops = served * 2 * params * (222.33 + 290.3) / 290.3;
  const double fp8_peak = find_gpu("H100")->fp8_flops;  // 1,979 TFLOP/s dense per GPU
  EXPECT_NEAR(summary["pools"][0]["effective_utilization"].get<double>(),
              flops / (8 * fp8_peak * 7200), 1e-9);
  // The same service typed at BF16 counts against BF16's peak.
  EXPECT_DOUBLE_EQ(dtype_speedup("H100", 2), 1);
  EXPECT_DOUBLE_EQ(dtype_speedup("H100", 1), 1979.0 / 989);
  EXPECT_DOUBLE_EQ(dtype_speedup("T4", 1), 1);  // not in the catalog: BF16's peak
}

// Bad input: exit 2, one line naming the file and the field.
void expect_refused(const json& service, const std::vector<PoolSpec>& pools,
                    const std::string& field, const std::string& words) {
  TempDir dir;
  const auto r = run_scenario(dir, pools, workload(3600, json::array(), json::array({service})));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("workload.json: " + field), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
}

TEST(ServedModel, BadInputNamesTheField) {
  json unknown = served_service({1});
  unknown["serving"]["model"] = "llama-3.1-7b";
  expect_refused(unknown, {pool("H100", 16)}, "inference[0].serving.model",
                 "unknown model shape 'llama-3.1-7b'");
  json too_big = served_service({1});
  too_big["serving"]["model"] = "llama-3.1-405b";
  too_big["serving"]["tensor_parallel"] = 2;
  expect_refused(too_big, {pool("H100", 16)}, "inference[0].serving.tensor_parallel",
                 "does not fit in the HBM");
  json t4 = served_service({1});  // the catalog has no serving figures for T4
  t4["generations"][0]["model"] = "T4";
  expect_refused(t4, {pool("T4", 16, 8)}, "inference[0].generations[0].model", "cannot rate T4");
  json three = served_service({1});
  three["generations"][0]["tensor_parallel"] = 3;
  expect_refused(three, {pool("H100", 16)}, "inference[0].generations[0].tensor_parallel",
                 "does not divide gpus_per_replica 8");
  json small = served_service({1});
  small["serving"]["model"] = "llama-3.1-405b";
  small["serving"]["tensor_parallel"] = 8;
  small["generations"][0]["tensor_parallel"] = 4;
  expect_refused(small, {pool("H100", 16)}, "inference[0].generations[0].tensor_parallel",
                 "does not fit in the HBM of 4 H100 GPUs");
  json both = served_service({1});
  both["latency_target_s"] = 1;
  expect_refused(both, {pool("H100", 16)}, "inference[0].latency_target_s", "with serving");
  json half = served_service({1});
  half["generations"][0]["throughput"] = 10;
  expect_refused(half, {pool("H100", 16)}, "inference[0].generations[0].latency_s", "is missing");
}

}  // namespace
}  // namespace gpufleet::test
