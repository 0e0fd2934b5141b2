// The raw SimGrid floor under a gpufleet run: replays the run's jobs.csv and replicas.csv (every
// training job, lease and replica with its start, end, pool and GPUs) as bare SimGrid execs on the
// same platform, with no scheduler, policy, metrics or outputs. Same engine settings and energy
// plugin as gpufleet. Each job gets free GPUs of its pool at its start (first fit, worked out
// before the simulation and not timed) and computes for its recorded duration there, without
// gradient exchange; a dispatcher actor starts one actor per job at its start time, so actors
// live only while their job runs. Prints the jobs replayed and
// the wall time of engine.run(). Usage: simgrid_floor PLATFORM.xml JOBS.csv HORIZON_S [MORE.csv...]
// (MORE: replicas.csv, which has the same pool, gpus, start_s and end_s columns).
// FLOOR_MODE=controller or hosts: fewer actors than jobs (see follow()).
#include <simgrid/plugins/energy.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <queue>
#include <simgrid/s4u.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/engine_config.hpp"

namespace s4u = simgrid::s4u;

namespace {

struct FloorJob {
  double start_s = 0;
  double end_s = 0;
  std::vector<s4u::Host*> hosts;
  std::vector<int> gpus_per_host;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

struct Row {
  double start_s, end_s;
  std::string pool;
  int gpus;
};

bool timed_out(const std::vector<std::string>& cells, const std::map<std::string, size_t>& column) {
  const auto state = column.find("state");
  return state != column.end() && cells.at(state->second) == "timeout";
}

void read_rows(const std::string& file, double horizon_s, std::vector<Row>& rows) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::map<std::string, size_t> column;
  const auto header = split(line);
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  while (std::getline(in, line)) {
    const auto cells = split(line);
    const std::string& start = cells.at(column.at("start_s"));
    const std::string& end = cells.at(column.at("end_s"));
    if (start.empty() || cells.at(column.at("pool")).empty()) continue;  // never started
    const int gpus = std::stoi(cells.at(column.at("gpus")));
    double end_s = end.empty() ? horizon_s : std::stod(end);
    if (end.empty() && timed_out(cells, column)) {
      // Killed at its walltime: jobs.csv gives no end, but its GPU-hours are its one run's
      // (never preempted) from its start; else leave it out.
      if (cells.at(column.at("preemptions")) != "0") continue;
      end_s = std::stod(start) + std::stod(cells.at(column.at("gpu_hours"))) * 3600 / gpus;
    }
    const Row row{std::stod(start), end_s, cells.at(column.at("pool")), gpus};
    if (row.end_s > row.start_s) rows.push_back(row);
  }
}

// Every file's rows, by start.
std::vector<Row> read_rows(const std::vector<std::string>& files, double horizon_s) {
  std::vector<Row> rows;
  for (const auto& file : files) read_rows(file, horizon_s, rows);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.start_s < b.start_s; });
  return rows;
}

// Gives each job free GPUs of its pool's hosts at its start (first fit, GPUs back at its
// end), so that no host runs more threads than it has cores, as in gpufleet.
std::vector<FloorJob> place(const std::vector<Row>& rows, const std::vector<s4u::Host*>& all) {
  std::map<std::string, std::vector<s4u::Host*>> hosts_of_pool;
  for (auto* h : all)
    if (const char* pool = h->get_property("pool")) hosts_of_pool[pool].push_back(h);
  std::map<s4u::Host*, int> free;
  for (auto* h : all) free[h] = h->get_core_count();
  using Release = std::pair<double, size_t>;  // (end, job)
  std::priority_queue<Release, std::vector<Release>, std::greater<>> running;
  std::vector<FloorJob> jobs;
  for (const auto& row : rows) {
    // Within a millisecond: the files' own precision (a timed-out job's end is worked out).
    while (!running.empty() && running.top().first <= row.start_s + 1e-3) {
      const auto& done = jobs[running.top().second];
      for (size_t i = 0; i < done.hosts.size(); ++i) free[done.hosts[i]] += done.gpus_per_host[i];
      running.pop();
    }
    FloorJob job{row.start_s, row.end_s, {}, {}};
    int left = row.gpus;
    for (auto* h : hosts_of_pool.at(row.pool)) {
      if (left == 0) break;
      const int take = std::min(left, free[h]);
      if (take == 0) continue;
      job.hosts.push_back(h);
      job.gpus_per_host.push_back(take);
      free[h] -= take;
      left -= take;
    }
    if (left > 0) throw std::runtime_error("jobs.csv holds more GPUs than pool " + row.pool);
    running.push({row.end_s, jobs.size()});
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::vector<s4u::ExecPtr> start_execs(const FloorJob& job) {
  std::vector<s4u::ExecPtr> execs;
  for (size_t i = 0; i < job.hosts.size(); ++i)
    execs.push_back(s4u::Exec::init()
                        ->set_host(job.hosts[i])
                        ->set_flops_amount((job.end_s - job.start_s) * job.hosts[i]->get_speed())
                        ->set_thread_count(job.gpus_per_host[i])
                        ->start());
  return execs;
}

void run_job(const FloorJob* job) {
  for (const auto& exec : start_execs(*job)) exec->wait();
}

// One exec to start: where, when, how much.
struct ExecStart {
  s4u::Host* host;
  double start_s, flops;
  int threads;
};

std::vector<ExecStart> exec_starts(const std::vector<FloorJob>& jobs) {
  std::vector<ExecStart> starts;
  for (const auto& job : jobs)
    for (size_t i = 0; i < job.hosts.size(); ++i)
      starts.push_back({job.hosts[i], job.start_s,
                        (job.end_s - job.start_s) * job.hosts[i]->get_speed(),
                        job.gpus_per_host[i]});
  return starts;
}

// FLOOR_MODE=controller: one actor starts every exec at its time and waits for any running one
// to end (Exec::wait_any_for: SimGrid 3.32 has no per-activity completion callback) or for the
// next start. FLOOR_MODE=hosts: the same with one such actor per host, each following only its
// own host's execs (at most its cores). What fewer actors than jobs would cost, before any of
// gpufleet's work.
void follow(const std::vector<ExecStart>* starts) {
  std::vector<s4u::ExecPtr> running;
  size_t next = 0;
  while (next < starts->size() || !running.empty()) {
    const double now = s4u::Engine::get_clock();
    if (next < starts->size() && (*starts)[next].start_s <= now) {
      const ExecStart& e = (*starts)[next++];
      running.push_back(s4u::Exec::init()
                            ->set_host(e.host)
                            ->set_flops_amount(e.flops)
                            ->set_thread_count(e.threads)
                            ->start());
      continue;
    }
    const double timeout = next < starts->size() ? (*starts)[next].start_s - now : -1;
    if (running.empty()) {
      s4u::this_actor::sleep_for(timeout);
      continue;
    }
    const ssize_t done = s4u::Exec::wait_any_for(running, timeout);
    if (done < 0 || done >= static_cast<ssize_t>(running.size())) continue;  // timed out
    running[done] = std::move(running.back());
    running.pop_back();
  }
}

void start_followers(const std::string& mode, const std::vector<FloorJob>& jobs,
                     std::vector<std::vector<ExecStart>>& plans) {
  const auto starts = exec_starts(jobs);
  if (mode == "controller") {
    plans.push_back(starts);
  } else {
    std::map<s4u::Host*, size_t> plan_of;
    for (const auto& e : starts) {
      const auto [it, added] = plan_of.try_emplace(e.host, plans.size());
      if (added) plans.emplace_back();
      plans[it->second].push_back(e);
    }
  }
  for (const auto& plan : plans)
    if (!plan.empty()) s4u::Actor::create("follower", plan.front().host, follow, &plan);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PLATFORM.xml JOBS.csv HORIZON_S [MORE.csv...]\n", argv[0]);
    return 2;
  }
  int engine_argc = 1;
  s4u::Engine engine(&engine_argc, argv);
  gpufleet::configure_engine();
  sg_host_energy_plugin_init();
  engine.load_platform(argv[1]);
  std::vector<std::string> files = {argv[2]};
  for (int a = 4; a < argc; ++a) files.emplace_back(argv[a]);
  const auto jobs = place(read_rows(files, std::stod(argv[3])), engine.get_all_hosts());
  const char* mode = std::getenv("FLOOR_MODE");
  std::vector<std::vector<ExecStart>> plans;  // the followers' (FLOOR_MODE), alive to the end
  if (mode && *mode)
    start_followers(mode, jobs, plans);
  else
    s4u::Actor::create("dispatcher", engine.get_all_hosts().front(), [&jobs] {
      for (const auto& job : jobs) {
        s4u::this_actor::sleep_until(job.start_s);
        s4u::Actor::create("job", job.hosts.front(), run_job, &job);
      }
    });
  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("floor: %zu jobs replayed as bare execs, simulated to %.0f s, engine.run() %.2f s\n",
              jobs.size(), engine.get_clock(), wall);
  return 0;
}
