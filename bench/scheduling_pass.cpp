// Times one scheduling pass of a policy with a long queue: the seed fleet at 100,000 GPUs, its
// training pools filled to FILL (a fraction) by running jobs, then WAITING jobs queued behind
// a head that does not fit, so that backfilling scores every one of them (and, the emptier the
// pools, starts many). With SIZES "large" every waiting job needs 1,024 to 8,192 GPUs (else 8
// to 1,024): with FILL 0.99 none fits the 720 GPUs left, the pass where nothing can start.
// Prints the median pass time over RUNS fresh cores, for the thread count given. No SimGrid:
// the pass is the scheduler core alone.
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "formats/workload_io.hpp"
#include "model/gpu_catalog.hpp"
#include "scenario/rng.hpp"
#include "scheduler/scheduler_core.hpp"

namespace {

using gpufleet::Fleet;

Fleet seed_fleet_at_100k() {
  Fleet fleet;
  int leaves = 0;
  const std::pair<const char*, int> pools[] = {
      {"GB200", 17280}, {"GB300", 14400}, {"H100", 49600}, {"H200", 18720}};
  for (const auto& [model, gpus] : pools) {
    const auto spec = *gpufleet::find_gpu(model);
    gpufleet::Pool pool;
    pool.name = model;
    pool.gpu_model = model;
    pool.role = gpufleet::parse_pool_role(spec.role);
    pool.gpus_per_domain = spec.gpus_per_domain;
    pool.peak_flops_per_gpu = spec.bf16_flops;
    pool.hbm_gb = spec.hbm_gb;
    pool.first_domain = static_cast<int>(fleet.domains.size());
    pool.domain_count = gpus / spec.gpus_per_domain;
    // Leaf switches as `gpufleet platform` lays them out.
    for (int d = 0; d < pool.domain_count; ++d)
      fleet.domains.push_back({pool.name + "-" + std::to_string(d),
                               static_cast<int>(fleet.pools.size()), spec.gpus_per_domain,
                               leaves + d / spec.hosts_per_leaf});
    leaves += (pool.domain_count + spec.hosts_per_leaf - 1) / spec.hosts_per_leaf;
    fleet.pools.push_back(pool);
  }
  return fleet;
}

// Fillers that take `fill` of the training pools, a head that needs a whole pool, then the
// queue.
gpufleet::Workload queue_of(int waiting, double fill, bool large) {
  gpufleet::Workload w;
  gpufleet::Rng rng(7, 1);
  const auto job = [&](const std::string& id, int gpus, double hours) {
    gpufleet::TrainingJob j;
    j.id = id;
    j.gpus = gpus;
    j.work_flops = gpus * 2.5e15 * 0.35 * hours * 3600;
    j.generations = {{"GB200", 0.35, 0}, {"GB300", 0, 2.5 / 2.2}};
    return j;
  };
  for (int i = 0; i < static_cast<int>((17280 + 14400) * fill / 720); ++i)
    w.training.push_back(job("filler-" + std::to_string(i), 720, 24 + i % 48));
  w.training.push_back(job("head", 17280, 100));
  for (int i = 0; i < waiting; ++i) {
    const int gpus = large ? 1024 * static_cast<int>(std::lround(std::pow(2.0, rng.uniform() * 3)))
                           : 8 * static_cast<int>(std::lround(std::pow(2.0, rng.uniform() * 7)));
    w.training.push_back(job("queued-" + std::to_string(i), gpus, 1 + rng.uniform() * 200));
  }
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: %s POLICY WAITING FILL THREADS RUNS [large]\n", argv[0]);
    return 2;
  }
  const std::string policy_name = argv[1];
  const int waiting = std::stoi(argv[2]);
  const double fill = std::stod(argv[3]);
  const int threads = std::stoi(argv[4]), runs = std::stoi(argv[5]);
  const bool large = argc == 7 && std::string(argv[6]) == "large";
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const Fleet fleet = seed_fleet_at_100k();
  gpufleet::Workload workload = queue_of(waiting, fill, large);
  gpufleet::bind_workload(workload, fleet, "bench");
  std::vector<double> seconds;
  size_t started = 0;
  for (int r = 0; r < runs; ++r) {
    auto policy = gpufleet::make_policy(policy_name);
    gpufleet::SchedulerCore core(fleet, workload, *policy);
    const int fillers = static_cast<int>(workload.training.size()) - waiting - 1;
    for (int j = 0; j < fillers; ++j) core.training_submitted(j);
    core.schedule();
    core.set_time(3600);
    for (int j = fillers; j < static_cast<int>(workload.training.size()); ++j)
      core.training_submitted(j);
    const auto t0 = std::chrono::steady_clock::now();
    started = core.schedule().size();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf(
      "%s waiting=%d%s fill=%.2f threads=%d: pass %.3f ms median (%.3f-%.3f), %zu "
      "jobs started\n",
      policy_name.c_str(), waiting, large ? " (large)" : "", fill, threads,
      seconds[seconds.size() / 2] * 1e3, seconds.front() * 1e3, seconds.back() * 1e3, started);
  return 0;
}
