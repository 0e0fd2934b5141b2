#include "scheduler/associations.hpp"

#include <unordered_map>

namespace gpufleet {

namespace {

// The id of `name`, numbering it if it is new.
int id_of(const std::string& name, std::unordered_map<std::string, int>& ids,
          std::vector<std::string>& names) {
  const auto [it, added] = ids.try_emplace(name, static_cast<int>(names.size()));
  if (added) names.push_back(name);
  return it->second;
}

}  // namespace

Associations associations_of(const Workload& workload) {
  Associations a;
  std::unordered_map<std::string, int> users, accounts;
  std::unordered_map<long, int> pairs;  // user id x account id -> association id
  a.of_job.reserve(workload.training.size());
  for (const auto& job : workload.training) {
    a.named = a.named || !job.user.empty() || !job.account.empty();
    const int user = id_of(job.user, users, a.users);
    const int account = id_of(job.account, accounts, a.accounts);
    const long key = static_cast<long>(user) << 32 | static_cast<unsigned>(account);
    const auto [it, added] = pairs.try_emplace(key, static_cast<int>(a.pairs.size()));
    if (added) a.pairs.push_back({user, account});
    a.of_job.push_back(it->second);
  }
  return a;
}

}  // namespace gpufleet
