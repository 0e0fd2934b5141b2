#pragma once

#include <string>
#include <vector>

#include "model/workload.hpp"

namespace gpufleet {

// What a failure takes down while it is repaired.
enum class FailureScope {
  kJob,     // software, NCCL timeouts: the jobs on the GPU restart, no GPU is down
  kGpu,     // the GPU
  kServer,  // its server: an HGX node (the whole domain) or an NVL72 compute tray of 4 GPUs
};

struct FailureCause {
  std::string name;
  double share = 0;  // of all failures
  FailureScope scope = FailureScope::kGpu;
  double repair_h = 0;  // how long the GPUs it takes down stay down (EST)
};

// Failures of GPUs and the servers around them, and the checkpoints that bound what a
// training job loses to one (docs/failures.md has every figure and its source).
struct FailureModel {
  bool enabled = false;
  double failures_per_gpu_day = 0;  // unexpected interruptions, per GPU and day
  std::vector<FailureCause> causes;
  double restart_s = 0;  // a training job's reload after an interruption (EST)
  // A checkpoint holds BF16 weights, FP32 master weights and two FP32 Adam moments: 14 bytes
  // per parameter against 2 for the BF16 gradient the workload gives.
  double checkpoint_bytes_per_gradient_byte = 7;
  double checkpoint_write_Bps = 0;  // storage bandwidth one job writes at (EST)
  double min_checkpoint_write_s = 0;

  // Mean time between failures of a job on `gpus` GPUs, seconds.
  double job_mtbf_s(int gpus) const;
  // Time to write one checkpoint of the job: its checkpoint_bytes, or its gradient's size x
  // checkpoint_bytes_per_gradient_byte, over checkpoint_write_Bps.
  double checkpoint_write_s(const TrainingJob& job) const;
};

// Calibrated on Llama 3 405B's pretraining (16,384 H100 GPUs, 54 days, 419 unexpected
// interruptions by cause); enabled = false.
FailureModel default_failure_model();

// A restart delay as given on the command line or in a study: "300s", "10m", "1h", from 0 (an
// instant restart) to a day. A bare number is refused: elsewhere it means days, and "300" for
// 300 days is a mistake. Throws std::invalid_argument saying what to write; the caller names
// the option or field.
double parse_restart_delay_s(const std::string& text);

// GPUs a failure of this scope takes down on a domain of `gpus_per_domain` GPUs.
int gpus_taken_down(FailureScope scope, int gpus_per_domain);

// The checkpoint interval (compute time between checkpoints) that minimises the expected
// waste to first order (Young 1974, Daly 2006): sqrt(2 C M).
double young_daly_interval_s(double checkpoint_write_s, double mtbf_s);

}  // namespace gpufleet
