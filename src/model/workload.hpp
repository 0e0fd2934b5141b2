#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gpufleet {

// A generation a training job may run on, with the MFU it reaches there.
// Exactly one of mfu and relative_speed is given in the file; bind_workload() turns a
// relative speed (per-GPU throughput relative to the first listed generation) into an MFU.
struct TrainingGeneration {
  std::string model;
  double mfu = 0;             // achieved / peak dense BF16 FLOPs on that generation
  double relative_speed = 0;  // 0 when mfu was given
};

// A gang-scheduled training job: all of its GPUs start and stop together.
struct TrainingJob {
  std::string id;
  double submit_s = 0;
  int gpus = 0;
  double work_flops = 0;                        // useful model FLOPs of the whole job
  std::vector<TrainingGeneration> generations;  // allowed, in order of preference
  double gradient_bytes = 0;                    // gradient size all-reduced at each step
  long steps = 1;                               // optimizer steps (all-reduces) of the job
  double checkpoint_interval_s = 3600;
  // Bytes one checkpoint writes (with failures on: its write time, and the Young/Daly
  // interval); 0: the failure model's estimate from gradient_bytes.
  double checkpoint_bytes = 0;
  int priority = 0;                // larger runs first where a policy uses priorities
  std::vector<std::string> after;  // ids of jobs that must complete first
  // Fraction of each of its GPUs the job uses (< 1: a GPU shared with other jobs, as in
  // real traces). Placement still gives it whole GPUs; allocation is accounted x share.
  double gpu_share = 1;
  // When a real trace says the job ran (negative: not recorded, e.g. never scheduled). The
  // replay policy starts it at recorded_start_s; importers size work_flops so that it ends
  // at recorded_end_s on every generation it may use.
  double recorded_start_s = -1;
  double recorded_end_s = -1;
  // The run-time limit the user asked for (Slurm's --time), seconds of wall time on the job's
  // first generation; 0: none. It is what planning policies know of the job's length
  // (SchedulerCore::planned_runtime_s), stretched on slower generations (run_limit_s), and with
  // `--walltime kill` a run still going at its limit is killed.
  double walltime_s = 0;
  // Who submitted it and the account its use is charged to, as Slurm's user and account
  // (fair-share and per-user figures; empty: not given). Policies read them as integer ids
  // (src/scheduler/associations.hpp), never as strings.
  std::string user;
  std::string account;

  double allocated_gpus() const { return gpus * gpu_share; }
};

// What the serving model (src/serving/serving_model.hpp) needs of a model and of how a service
// runs it: plain figures, here so that a workload can carry them (docs/inference-latency.md,
// "A serving model from hardware").

// The shape of a dense decoder-only transformer, as its published config gives it, and the
// precision it is served at.
struct ModelShape {
  std::string name;
  double params = 0;  // parameters (params_from_shape() for a Llama-style model)
  int layers = 0;
  int hidden = 0;  // model dimension
  int attention_heads = 0;
  int kv_heads = 0;  // grouped-query attention: K/V heads, each shared by several query heads
  int head_dim = 0;
  int ffn = 0;              // MLP intermediate size (for params_from_shape)
  int vocab = 0;            // (for params_from_shape)
  double weight_bytes = 2;  // bytes per weight: 2 BF16, 1 FP8, 0.5 FP4; also the compute dtype
  double kv_bytes = 2;      // bytes per cached K or V value
};

// How a service runs the model on one generation.
struct ServingSetup {
  int tensor_parallel = 1;   // GPUs per replica, one NVLink domain
  double input_tokens = 0;   // mean prompt length of a request
  double output_tokens = 0;  // mean generated tokens of a request
  // Share of the HBM left after the weights that holds KV cache; the rest is the reserve for
  // activations and workspace. 0.9: TensorRT-LLM's kvcache_free_gpu_mem_frac in NVIDIA's
  // Hopper MLPerf configs (0.95 in their Blackwell ones).
  double kv_memory_fraction = 0.9;
};

// Latency limits a batch must meet (no queueing: the queue model adds the wait). Defaults:
// MLPerf Inference's Llama 2 70B server scenario (mlperf.conf of the MLCommons inference
// repository: ttft 2000 ms, tpot 200 ms).
struct LatencyLimits {
  double ttft_s = 2.0;
  double tpot_s = 0.2;
};

struct InferenceGeneration {
  std::string model;
  double throughput = 0;  // demand units/s one replica sustains at its latency
  double latency_s = 0;   // per-unit latency at that throughput (the serving model's: TPOT)
  // Set by binding when the service's serving model gives throughput and latency_s (the
  // generation typed neither): the latency then grows with the batch (SloTracker). batch: the
  // sequences one engine holds at its rated point.
  bool from_model = false;
  int batch = 0;
  // GPUs per engine on this generation (0: the service's serving.tensor_parallel): MLPerf runs
  // Llama 2 70B on H100 as 2-GPU engines and on H200 as 1-GPU ones.
  int tensor_parallel = 0;
};

// A service's model and how it runs it (docs/inference-latency.md, "A serving model from
// hardware"): its generations' throughput, batch and latency follow from the GPU catalog.
// A replica of gpus_per_replica GPUs runs gpus_per_replica / setup.tensor_parallel engines.
struct ServedModel {
  ModelShape shape;
  ServingSetup setup;
  LatencyLimits targets;  // the service's SLO: a request meets both

  // Useful FLOPs per output token: 2 x params for the token and for its share of the prompt
  // (prefill is work the request needs, and MFU counts it).
  double flops_per_output_token() const {
    return 2 * shape.params * (setup.input_tokens + setup.output_tokens) / setup.output_tokens;
  }
};

// A step function of demand (units/s): values[i] holds on [i*interval, (i+1)*interval).
struct DemandCurve {
  double interval_s = 3600;
  bool repeat = true;  // wraps around after the last value
  std::vector<double> values;

  double at(double t) const;
  double peak() const;
  double max_over(double from, double to) const;  // the highest value on [from, to]
  double mean() const;
  // First time > t at which the value may change (infinity when it never does).
  double next_change_after(double t) const;
  // CV of request inter-arrival times within the step holding t (1: Poisson; above 1: bursts
  // within the step). Empty arrival_cv: 1 everywhere.
  double arrival_cv_at(double t) const;

  std::vector<double> arrival_cv;  // per step, as values; empty: Poisson arrivals
};

struct InferenceService {
  std::string id;
  int gpus_per_replica = 0;
  double latency_target_s = 0;
  double flops_per_unit = 0;  // useful FLOPs per unit of demand (e.g. 2 x params per token)
  std::string unit = "tokens";
  std::vector<InferenceGeneration> generations;  // eligible ones, in order of preference
  DemandCurve demand;
  // The request-latency model (docs/inference-latency.md): units one request carries, and the
  // CV of its service time (output lengths vary; 0: all alike).
  double units_per_request = 1;
  double request_cv = 1;
  // Cold start of a replica (docs/hardware.md): a fixed start-up, then its weights read at
  // load_bytes_per_s. weights_bytes < 0: flops_per_unit bytes for tokens (2 FLOPs per parameter
  // per token, 2 bytes per BF16 parameter), none for other units.
  double startup_s = 30;
  double weights_bytes = -1;
  double load_bytes_per_s = 2.5e9;
  // When set, requests are on time by TTFT and TPOT (targets), not by latency_target_s, which
  // then equals targets.tpot_s (what the autoscaler compares latency_s with).
  std::optional<ServedModel> serving;

  // How generation g runs the served model: the service's setup, its own tensor parallelism.
  ServingSetup setup_on(const InferenceGeneration& g) const {
    ServingSetup setup = serving ? serving->setup : ServingSetup{};
    if (g.tensor_parallel > 0) setup.tensor_parallel = g.tensor_parallel;
    return setup;
  }
  int engines_per_replica(const InferenceGeneration& g) const {
    return serving ? gpus_per_replica / setup_on(g).tensor_parallel : 1;
  }

  double cold_start_s() const;
  double resolved_weights_bytes() const;
  // How many times its BF16 peak a GPU computes this service's work in (2 for a model served
  // at FP8 on H100): its useful FLOPs count against that peak, not BF16's (docs/metrics.md).
  double dtype_speedup_on(const std::string& gpu_model) const;
};

struct LeaseRequest {
  std::string id;
  int gpus = 0;
  std::string model;
  double start_s = 0;
  double duration_s = 0;
  double price_per_gpu_hour = 0;
  bool preemptible = false;
};

// GPUs leased out as one block for a term (the xAI-to-Anthropic kind of deal): a commitment the
// operator made before the run, not a request a policy may refuse. The simulation takes the GPUs
// at the start of the term, whatever holds them then, and gives them back at its end.
struct Contract {
  std::string id;
  std::string model;
  int gpus = 0;
  double start_s = 0;
  double duration_s = 0;  // the term
  double price_per_gpu_hour = 0;

  double end_s() const { return start_s + duration_s; }
};

struct Workload {
  static constexpr int kFormatVersion = 1;
  double horizon_s = 0;  // 0: not set by the file
  std::vector<TrainingJob> training;
  std::vector<InferenceService> inference;
  std::vector<LeaseRequest> leases;
  std::vector<Contract> contracts;
};

}  // namespace gpufleet
