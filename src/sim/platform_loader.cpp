#include "sim/platform_loader.hpp"

#include <algorithm>
#include <map>
#include <simgrid/kernel/routing/NetPoint.hpp>

#include "model/input_error.hpp"
#include "model/names.hpp"
#include "sim/leaf_switches.hpp"

namespace gpufleet {

namespace {

std::string prop(const simgrid::s4u::Host* host, const std::string& file, const char* name) {
  const char* value = host->get_property(name);
  if (value == nullptr || *value == '\0')
    throw InputError(
        file, std::string("host '") + host->get_cname() + "'",
        std::string("missing property '") + name + "'",
        "add <prop id=\"" + std::string(name) +
            "\" .../> to its <cluster>, or generate the file with 'gpufleet platform'");
  return value;
}

double number_prop(const simgrid::s4u::Host* host, const std::string& file, const char* name) {
  const std::string text = prop(host, file, name);
  try {
    size_t used = 0;
    const double x = std::stod(text, &used);
    if (used == text.size() && x >= 0) return x;
  } catch (const std::exception&) {
  }
  throw InputError(file, std::string("host '") + host->get_cname() + "', property '" + name + "'",
                   "expected a non-negative number, got '" + text + "'");
}

Pool pool_of(const simgrid::s4u::Host* host, const std::string& file) {
  Pool pool;
  pool.name = prop(host, file, "pool");
  pool.gpu_model = prop(host, file, "gpu_model");
  try {
    pool.role = parse_pool_role(prop(host, file, "role"));
  } catch (const std::invalid_argument& e) {
    throw InputError(file, std::string("host '") + host->get_cname() + "', property 'role'",
                     e.what());
  }
  pool.gpus_per_domain = host->get_core_count();
  pool.peak_flops_per_gpu = host->get_speed();
  pool.hbm_gb = number_prop(host, file, "hbm_gb");
  pool.tdp_w = number_prop(host, file, "tdp_w");
  pool.idle_w = number_prop(host, file, "idle_w");
  pool.price_per_gpu_hour = number_prop(host, file, "price_per_gpu_hour");
  pool.capex_per_gpu = number_prop(host, file, "capex_per_gpu");
  const double gpus = number_prop(host, file, "gpus");
  // Compared as doubles: casting 1e300 to an int first would be undefined.
  if (gpus != pool.gpus_per_domain)
    throw InputError(file, std::string("host '") + host->get_cname() + "', property 'gpus'",
                     "says " + printable(prop(host, file, "gpus")) + " GPUs but the host has " +
                         std::to_string(pool.gpus_per_domain) + " cores",
                     "one core per GPU: make core= and the gpus property agree");
  return pool;
}

bool same_shape(const Pool& a, const Pool& b) {
  return a.gpu_model == b.gpu_model && a.role == b.role && a.gpus_per_domain == b.gpus_per_domain &&
         a.peak_flops_per_gpu == b.peak_flops_per_gpu;
}

}  // namespace

LoadedPlatform read_fleet(const std::vector<simgrid::s4u::Host*>& all_hosts,
                          const std::string& file) {
  // Pools by name, hosts of a pool in creation order (the cluster's radical order), whatever
  // order SimGrid lists them in: the same platform always gives the same fleet.
  std::vector<simgrid::s4u::Host*> hosts = all_hosts;
  const auto pool_name = [&](const simgrid::s4u::Host* h) {
    const char* p = h->get_property("pool");
    return std::string(p ? p : "");
  };
  std::sort(hosts.begin(), hosts.end(), [&](auto* a, auto* b) {
    const auto pa = pool_name(a), pb = pool_name(b);
    return pa != pb ? pa < pb : a->get_netpoint()->id() < b->get_netpoint()->id();
  });
  if (hosts.empty())
    throw InputError(file, "", "the platform has no host", "generate one with 'gpufleet platform'");
  std::map<std::string, std::vector<simgrid::s4u::Host*>> by_pool;
  std::vector<std::string> order;
  for (auto* host : hosts) {
    const std::string name = prop(host, file, "pool");
    if (!by_pool.count(name)) order.push_back(name);
    by_pool[name].push_back(host);
  }
  LoadedPlatform loaded;
  int first_leaf = 0;
  for (const auto& name : order) {
    Pool pool = pool_of(by_pool[name].front(), file);
    pool.first_domain = static_cast<int>(loaded.fleet.domains.size());
    pool.domain_count = static_cast<int>(by_pool[name].size());
    const int index = static_cast<int>(loaded.fleet.pools.size());
    const auto leaves = leaf_switch_groups(by_pool[name]);
    int leaf = 0;
    for (auto* host : by_pool[name]) {
      if (!same_shape(pool, pool_of(host, file)))
        throw InputError(
            file, std::string("host '") + host->get_cname() + "'",
            "differs from the other hosts of pool '" + name + "' (model, role, cores or speed)",
            "give each kind of host its own pool property");
      loaded.fleet.domains.push_back(
          {host->get_name(), index, pool.gpus_per_domain, first_leaf + leaves[leaf++]});
      loaded.hosts.push_back(host);
    }
    loaded.fleet.pools.push_back(pool);
    first_leaf += *std::max_element(leaves.begin(), leaves.end()) + 1;
  }
  return loaded;
}

}  // namespace gpufleet
