#include "model/failure_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gpufleet {

namespace {

// Llama 3 405B pretraining ("The Llama 3 Herd of Models", Meta, 2024, table 5): 419
// unexpected interruptions on 16,384 H100 GPUs in 54 days.
constexpr double kLlama3Interruptions = 419;
constexpr double kLlama3Gpus = 16384;
constexpr double kLlama3Days = 54;

}  // namespace

FailureModel default_failure_model() {
  FailureModel m;
  m.failures_per_gpu_day = kLlama3Interruptions / (kLlama3Gpus * kLlama3Days);
  // Interruptions by cause (counts of 419); repair times are estimates (docs/failures.md).
  const struct {
    const char* name;
    double count;
    FailureScope scope;
    double repair_h;
  } causes[] = {
      {"faulty_gpu", 148, FailureScope::kGpu, 48},
      {"gpu_hbm3", 72, FailureScope::kGpu, 48},
      {"software", 54, FailureScope::kJob, 0},
      {"network_switch_cable", 35, FailureScope::kServer, 6},
      {"host_maintenance", 32, FailureScope::kServer, 4},
      {"gpu_sram", 19, FailureScope::kGpu, 48},
      {"gpu_system_processor", 17, FailureScope::kGpu, 48},
      {"nic", 7, FailureScope::kServer, 24},
      {"nccl_watchdog", 7, FailureScope::kJob, 0},
      {"silent_data_corruption", 6, FailureScope::kGpu, 48},
      {"gpu_thermal", 6, FailureScope::kGpu, 2},
      {"cpu", 2, FailureScope::kServer, 24},
      {"other", 14, FailureScope::kJob, 0},  // the rest of the 419, causes not given
  };
  for (const auto& c : causes)
    m.causes.push_back({c.name, c.count / kLlama3Interruptions, c.scope, c.repair_h});
  // Reload from the last checkpoint, process start and collective set-up at thousands of GPUs:
  // minutes (EST; no public figure for Llama 3; ByteDance reports minute-scale recoveries).
  m.restart_s = 300;
  // Llama 3's checkpoints went to Tectonic at 2 TB/s sustained (7 TB/s peak); a barrier and
  // flush take some seconds whatever the size (EST).
  m.checkpoint_write_Bps = 2e12;
  m.min_checkpoint_write_s = 10;
  return m;
}

double FailureModel::job_mtbf_s(int gpus) const {
  const double per_s = failures_per_gpu_day / 86400 * gpus;
  return per_s > 0 ? 1 / per_s : INFINITY;
}

double FailureModel::checkpoint_write_s(const TrainingJob& job) const {
  const double bytes = job.checkpoint_bytes > 0
                           ? job.checkpoint_bytes
                           : job.gradient_bytes * checkpoint_bytes_per_gradient_byte;
  return std::max(min_checkpoint_write_s, bytes / checkpoint_write_Bps);
}

double parse_restart_delay_s(const std::string& text) {
  // A job that takes longer than a day to come back after a failure is resubmitted, not
  // restarted.
  constexpr double kMaxRestartS = 86400;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  const double scale = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (used == 0 || scale == 0)
    throw std::invalid_argument("give a duration in s, m or h, e.g. 300s, 10m or 1h");
  if (!(value >= 0 && value * scale <= kMaxRestartS))
    throw std::invalid_argument("must be from 0 (jobs restart at once) to a day (24h)");
  return value * scale;
}

int gpus_taken_down(FailureScope scope, int gpus_per_domain) {
  switch (scope) {
    case FailureScope::kJob:
      return 0;
    case FailureScope::kGpu:
      return 1;
    case FailureScope::kServer:
      // An NVL72 rack is 18 compute trays of 4 GPUs; an HGX server is its whole domain.
      return gpus_per_domain == 72 ? 4 : gpus_per_domain;
  }
  return 1;
}

double young_daly_interval_s(double checkpoint_write_s, double mtbf_s) {
  return std::sqrt(2 * checkpoint_write_s * mtbf_s);
}

}  // namespace gpufleet
