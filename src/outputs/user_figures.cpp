#include "outputs/user_figures.hpp"

#include <algorithm>
#include <numeric>

#include "metrics/stats.hpp"
#include "outputs/summary.hpp"
#include "scheduler/associations.hpp"

namespace gpufleet {

double jain_index(const std::vector<double>& x) {
  double sum = 0, squares = 0;
  for (double v : x) {
    sum += v;
    squares += v * v;
  }
  return squares > 0 ? sum * sum / (static_cast<double>(x.size()) * squares) : 1.0;
}

namespace {

using nlohmann::json;

// What one user's (or one account's) jobs submitted before the horizon got.
struct Service {
  long jobs = 0, started = 0, completed = 0;
  double demand_h = 0, served_h = 0;
  std::vector<double> waits, jcts;

  double normalized() const { return demand_h > 0 ? served_h / demand_h : 0; }
};

json service_json(const std::string& key, const std::string& name, const Service& s) {
  const auto waits = distribution_of(s.waits);
  return {{key, name},
          {"jobs", s.jobs},
          {"jobs_started", s.started},
          {"jobs_completed", s.completed},
          {"demand_gpu_hours", s.demand_h},
          {"served_gpu_hours", s.served_h},
          {"normalized_service", s.normalized()},
          {"wait_p50_s", waits.p50},
          {"wait_p95_s", waits.p95},
          {"jct_p50_s", distribution_of(s.jcts).p50}};
}

// The groups with jobs before the horizon, by name; and Jain's index over them.
json groups_json(const std::string& key, const std::vector<std::string>& names,
                 const std::vector<Service>& groups, double& jain) {
  std::vector<size_t> order(groups.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return names[a] < names[b]; });
  json list = json::array();
  std::vector<double> service;
  for (size_t g : order) {
    if (groups[g].jobs == 0) continue;
    list.push_back(service_json(key, names[g], groups[g]));
    service.push_back(groups[g].normalized());
  }
  jain = jain_index(service);
  return list;
}

}  // namespace

json users_json(const Fleet& fleet, const Workload& w, const RunResult& r) {
  const Associations associations = associations_of(w);
  if (!associations.named) return nullptr;
  std::vector<Service> users(associations.users.size()), accounts(associations.accounts.size());
  for (size_t j = 0; j < w.training.size(); ++j) {
    const auto& job = w.training[j];
    const auto& run = r.training[j];
    if (job.submit_s >= r.horizon_s) continue;
    const double need_h = training_need_gpu_hours(fleet, job);
    for (Service* s : {&users[associations.user_of(static_cast<int>(j))],
                       &accounts[associations.account_of(static_cast<int>(j))]}) {
      ++s->jobs;
      s->demand_h += need_h;
      s->served_h += need_h * run.work_done_flops / job.work_flops;
      if (run.start_s >= 0) {
        ++s->started;
        s->waits.push_back(run.start_s - job.submit_s);
      }
      if (run.end_s >= 0) {
        ++s->completed;
        s->jcts.push_back(run.end_s - job.submit_s);
      }
    }
  }
  double jain_users = 1, jain_accounts = 1;
  json by_user = groups_json("user", associations.users, users, jain_users);
  json by_account = groups_json("account", associations.accounts, accounts, jain_accounts);
  return {{"users", by_user.size()},  {"accounts", by_account.size()},
          {"jain_index", jain_users}, {"jain_index_accounts", jain_accounts},
          {"by_user", by_user},       {"by_account", by_account}};
}

}  // namespace gpufleet
