#include "queueing.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <iostream>
#include <queue>
#include <sstream>
#include <stdexcept>

#include "../test_support.hpp"
#include "formats/platform_writer.hpp"
#include "formats/workload_io.hpp"
#include "scheduler/policy.hpp"
#include "sim/simulation.hpp"

namespace gpufleet::validation {

ErlangC erlang_c(int c, double a) {
  // Sum of a^k / k! for k < c, term by term to stay finite for large c.
  double term = 1, sum = 1;
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double rho = a / c;
  const double last = term * a / c / (1 - rho);
  ErlangC e;
  e.p_wait = last / (sum + last);
  e.mean_wait = e.p_wait / (c * (1 - rho));
  return e;
}

namespace {

// Runs `work` in a child process and returns the doubles it produced.
std::vector<double> in_child(const std::function<std::vector<double>()>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int code = 0;
    try {
      const std::vector<double> out = work();
      const size_t n = out.size();
      const auto write_all = [&](const void* data, size_t bytes) {
        const char* p = static_cast<const char*>(data);
        while (bytes > 0) {
          const ssize_t w = write(fds[1], p, bytes);
          if (w <= 0) _exit(3);
          p += w;
          bytes -= static_cast<size_t>(w);
        }
      };
      write_all(&n, sizeof n);
      write_all(out.data(), n * sizeof(double));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child failed: %s\n", e.what());
      code = 2;
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  std::vector<char> bytes;
  char buffer[1 << 16];
  for (ssize_t r; (r = read(fds[0], buffer, sizeof buffer)) > 0;)
    bytes.insert(bytes.end(), buffer, buffer + r);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  size_t n = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || bytes.size() < sizeof n)
    throw std::runtime_error("the simulation's child process failed");
  std::copy_n(bytes.data(), sizeof n, reinterpret_cast<char*>(&n));
  std::vector<double> out(n);
  std::copy_n(bytes.data() + sizeof n, n * sizeof(double), reinterpret_cast<char*>(out.data()));
  return out;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
         u.ru_stime.tv_usec * 1e-6;
}

Workload mmc_workload(const MmcRun& run) {
  Workload w;
  const double mfu = 0.5;
  for (size_t j = 0; j < run.arrival_s.size(); ++j) {
    TrainingJob job;
    job.id = "j" + std::to_string(j);
    job.submit_s = run.arrival_s[j];
    job.gpus = 1;
    // One GPU computes at peak x MFU: the run time is exactly the drawn service time (one
    // domain, so one phase and no all-reduce; no restart delay without preemption).
    job.work_flops = run.service_s[j] * test::kGb200Flops * mfu;
    job.generations = {{"GB200", mfu, 0}};
    w.training.push_back(std::move(job));
  }
  return w;
}

}  // namespace

MmcDraws::MmcDraws(const MmcSpec& spec)
    : arrivals_(spec.seed, 1),
      services_(spec.seed, 2),
      mean_gap_s_(spec.mean_service_s / (spec.utilization * spec.servers)),
      mean_service_s_(spec.mean_service_s) {}

double MmcDraws::next_arrival_s() {
  clock_ += arrivals_.exponential(mean_gap_s_);
  return clock_;
}

MmcRun simulate_mmc(const MmcSpec& spec) {
  MmcRun run;
  MmcDraws draws(spec);
  double last_end_bound = 0;
  for (long j = 0; j < spec.jobs; ++j) {
    run.arrival_s.push_back(draws.next_arrival_s());
    run.service_s.push_back(draws.next_service_s());
  }
  // Every job ends before the horizon: the reference schedule's last end, with room to spare.
  const auto starts = fifo_reference_starts(run.arrival_s, run.service_s, spec.servers);
  for (size_t j = 0; j < starts.size(); ++j)
    last_end_bound = std::max(last_end_bound, starts[j] + run.service_s[j]);
  run.horizon_s = std::ceil((last_end_bound + 40 * spec.mean_service_s) / 3600) * 3600;

  const auto out = in_child([&] {
    const double cpu0 = cpu_seconds();
    test::TempDir dir;
    const std::string platform =
        dir.write("platform.xml", platform_xml({test::pool("GB200", spec.servers, spec.servers)}));
    Simulation simulation(platform);
    Workload w = mmc_workload(run);
    bind_workload(w, simulation.fleet(), "m/m/c workload");
    auto policy = make_policy("fifo");
    SimulationOptions options;
    options.horizon_s = run.horizon_s;
    options.policy_name = "fifo";
    const RunResult r = simulation.run(w, *policy, options);
    std::vector<double> values;
    for (const auto& job : r.training) {
      values.push_back(job.start_s);
      values.push_back(job.end_s);
    }
    values.push_back(r.series.training_queue.total(0));
    values.push_back(r.timeline.total_gpu_seconds(0, JobClass::kTraining));
    values.push_back(r.series.idle_gpus.total(0));
    values.push_back(r.series.fragmented_gpus.total(0));
    values.push_back(cpu_seconds() - cpu0);
    return values;
  });
  const size_t n = run.arrival_s.size();
  for (size_t j = 0; j < n; ++j) {
    run.start_s.push_back(out[2 * j]);
    run.end_s.push_back(out[2 * j + 1]);
  }
  run.queue_job_seconds = out[2 * n];
  run.busy_gpu_seconds = out[2 * n + 1];
  run.idle_gpu_seconds = out[2 * n + 2];
  run.fragmented_gpu_seconds = out[2 * n + 3];
  run.cpu_s = out[2 * n + 4];
  return run;
}

std::vector<double> fifo_reference_starts(const std::vector<double>& arrival_s,
                                          const std::vector<double>& service_s, int servers) {
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int s = 0; s < servers; ++s) free_at.push(0);
  std::vector<double> starts;
  starts.reserve(arrival_s.size());
  for (size_t j = 0; j < arrival_s.size(); ++j) {
    const double start = std::max(arrival_s[j], free_at.top());
    free_at.pop();
    free_at.push(start + service_s[j]);
    starts.push_back(start);
  }
  return starts;
}

ReferenceStats reference_mmc(const MmcSpec& spec, long jobs, long skip) {
  constexpr int kBatches = 20;
  MmcDraws draws(spec);
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int s = 0; s < spec.servers; ++s) free_at.push(0);
  const long per = (jobs - skip) / kBatches;
  std::vector<double> batch(kBatches, 0.0);
  long waited = 0;
  for (long j = 0; j < skip + per * kBatches; ++j) {
    const double arrival = draws.next_arrival_s();
    const double start = std::max(arrival, free_at.top());
    free_at.pop();
    free_at.push(start + draws.next_service_s());
    if (j < skip) continue;
    batch[(j - skip) / per] += (start - arrival) / spec.mean_service_s / per;
    waited += start > arrival;
  }
  ReferenceStats r;
  for (double m : batch) r.mean_wait += m / kBatches;
  double var = 0;
  for (double m : batch) var += (m - r.mean_wait) * (m - r.mean_wait) / (kBatches - 1);
  r.standard_error = std::sqrt(var / kBatches);
  r.p_wait = static_cast<double>(waited) / (per * kBatches);
  return r;
}

Estimate batch_mean(const std::vector<double>& values, size_t skip) {
  constexpr int kBatches = 20;
  const size_t n = values.size() > skip ? values.size() - skip : 0;
  const size_t per = n / kBatches;
  Estimate e;
  if (per == 0) return e;
  std::vector<double> means;
  for (int b = 0; b < kBatches; ++b) {
    double sum = 0;
    for (size_t i = 0; i < per; ++i) sum += values[skip + b * per + i];
    means.push_back(sum / per);
  }
  for (double m : means) e.mean += m / kBatches;
  double var = 0;
  for (double m : means) var += (m - e.mean) * (m - e.mean) / (kBatches - 1);
  e.standard_error = std::sqrt(var / kBatches);
  return e;
}

void report(const std::string& key, double value) {
  std::ostringstream text;
  text << std::setprecision(6) << value;  // to_string would print 3.7e-9 as 0.000000
  ::testing::Test::RecordProperty(key, text.str());
  std::cout << "[validation] " << key << " = " << text.str() << std::endl;
}

}  // namespace gpufleet::validation
