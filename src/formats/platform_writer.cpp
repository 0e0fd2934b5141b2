#include "formats/platform_writer.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <stdexcept>

#include "model/gpu_catalog.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

const std::vector<std::string> kRoles = {"training", "inference"};

GpuSpec known_gpu(const std::string& model) {
  const auto gpu = find_gpu(model);
  if (!gpu)
    throw std::invalid_argument(
        "unknown GPU model '" + model + "'" + did_you_mean(model, gpu_model_names()) +
        "; known: " + known_gpu_models() + " (others: --catalog FILE, docs/hardware.md)");
  return *gpu;
}

// "GB200:100 is not a whole number of ... domains: use 72 or 144".
void check_whole_domains(const std::string& model, int gpus, int per_domain,
                         const std::string& system) {
  if (gpus > 0 && gpus % per_domain == 0) return;
  const long below = gpus > 0 ? gpus / per_domain * static_cast<long>(per_domain) : 0;
  const long above = below + per_domain;
  const std::string nearest =
      below > 0 ? std::to_string(below) + " or " + std::to_string(above) : std::to_string(above);
  throw std::invalid_argument("pool " + model + ":" + std::to_string(gpus) +
                              ": the GPU count must be a positive whole number of " + system +
                              " domains of " + std::to_string(per_domain) + " GPUs: use " +
                              nearest);
}

}  // namespace

PoolSpec parse_pool_spec(const std::string& text) {
  const std::string fix =
      "write MODEL:GPUS[:ROLE], e.g. GB200:576 or H100:1024:training, with "
      "MODEL one of " +
      known_gpu_models() + " and ROLE training or inference";
  const auto first = text.find(':');
  if (first == std::string::npos) throw std::invalid_argument("bad pool '" + text + "': " + fix);
  const auto second = text.find(':', first + 1);
  PoolSpec spec;
  const GpuSpec gpu = known_gpu(text.substr(0, first));
  spec.model = gpu.model;  // the catalog's spelling, whatever case was typed
  const std::string count =
      text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  if (count.empty() || !std::all_of(count.begin(), count.end(), ::isdigit) || count.size() > 9)
    throw std::invalid_argument("bad GPU count '" + count + "' in pool '" + text + "': " + fix);
  spec.gpus = std::stoi(count);
  check_whole_domains(spec.model, spec.gpus, gpu.gpus_per_domain, gpu.system);
  if (second != std::string::npos) {
    const std::string role = text.substr(second + 1);
    for (const auto& known : kRoles)
      if (same_name(role, known)) spec.role = known;
    if (spec.role.empty())
      throw std::invalid_argument("unknown role '" + role + "' in pool '" + text + "'" +
                                  did_you_mean(role, kRoles) + ": use training or inference");
  }
  return spec;
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Largest divisor of `hosts` not above `per_leaf`: the fat tree needs hosts = leaves x hosts
// per leaf exactly.
int hosts_per_leaf(int hosts, int per_leaf) {
  for (int d = std::min(hosts, per_leaf); d > 1; --d)
    if (hosts % d == 0) return d;
  return 1;
}

std::string fat_tree(int hosts, int per_leaf) {
  if (hosts <= per_leaf) return "1;" + std::to_string(hosts) + ";1;1";
  const int leaf = hosts_per_leaf(hosts, per_leaf);
  // Two tiers, non-blocking: each leaf has as many spine uplinks as hosts below it.
  return "2;" + std::to_string(leaf) + "," + std::to_string(hosts / leaf) + ";1," +
         std::to_string(leaf) + ";1,1";
}

void write_prop(std::ostringstream& out, const std::string& id, const std::string& value) {
  out << "      <prop id=\"" << id << "\" value=\"" << value << "\"/>\n";
}

std::string number(double x) {
  std::ostringstream s;
  s.precision(12);
  s << x;
  return s.str();
}

// The pool's name in the platform: its own, or the model in lower case, "-2", "-3" when repeated.
std::string pool_name(const PoolSpec& spec, const GpuSpec& gpu, std::map<std::string, int>& seen) {
  const int n = ++seen[gpu.model];
  return !spec.name.empty() ? spec.name : lower(gpu.model) + (n > 1 ? "-" + std::to_string(n) : "");
}

}  // namespace

Fleet fleet_of(const std::vector<PoolSpec>& specs) {
  std::vector<Pool> pools;
  std::map<std::string, int> seen;
  for (const auto& spec : specs) {
    const auto gpu = find_gpu(spec.model);
    if (!gpu) throw std::invalid_argument("unknown GPU model '" + spec.model + "'");
    Pool p;
    p.name = pool_name(spec, *gpu, seen);
    p.gpu_model = gpu->model;
    p.role = parse_pool_role(spec.role.empty() ? gpu->role : spec.role);
    p.gpus_per_domain = spec.gpus_per_domain > 0 ? spec.gpus_per_domain : gpu->gpus_per_domain;
    p.peak_flops_per_gpu = gpu->bf16_flops;
    p.hbm_gb = gpu->hbm_gb;
    p.tdp_w = gpu->tdp_w;
    p.idle_w = gpu->idle_w;
    p.price_per_gpu_hour = gpu->price_per_gpu_hour;
    p.capex_per_gpu = gpu->capex_per_gpu;
    p.domain_count = spec.gpus / p.gpus_per_domain;
    pools.push_back(p);
  }
  // A loaded platform lists its pools by name (sim/platform_loader.cpp).
  std::stable_sort(pools.begin(), pools.end(),
                   [](const Pool& a, const Pool& b) { return a.name < b.name; });
  Fleet fleet;
  for (auto& p : pools) {
    p.first_domain = static_cast<int>(fleet.domains.size());
    const int index = static_cast<int>(fleet.pools.size());
    for (int d = 0; d < p.domain_count; ++d)
      fleet.domains.push_back({p.name + "-" + std::to_string(d), index, p.gpus_per_domain, -1});
    fleet.pools.push_back(p);
  }
  return fleet;
}

std::string platform_xml(const std::vector<PoolSpec>& pools) {
  if (pools.empty()) throw std::invalid_argument("no pool given: add --pool MODEL:COUNT");
  std::ostringstream out;
  out << "<?xml version='1.0'?>\n"
      << "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
      << "<!-- Generated by gpufleet platform; figures and sources: docs/hardware.md -->\n"
      << "<platform version=\"4.1\">\n"
      << "  <zone id=\"fleet\" routing=\"Full\">\n";
  std::map<std::string, int> seen;
  for (const auto& p : pools) {
    const GpuSpec gpu = known_gpu(p.model);
    const int per_domain = p.gpus_per_domain > 0 ? p.gpus_per_domain : gpu.gpus_per_domain;
    check_whole_domains(gpu.model, p.gpus, per_domain, gpu.system);
    const std::string name = pool_name(p, gpu, seen);
    const int hosts = p.gpus / per_domain;
    const double uplink_Bps = per_domain * gpu.scaleout_gbps * 1e9 / 8;
    out << "    <cluster id=\"" << name << "\" prefix=\"" << name << "-\" suffix=\"\" radical=\"0-"
        << hosts - 1 << "\" speed=\"" << number(gpu.bf16_flops) << "f\" core=\"" << per_domain
        << "\" bw=\"" << number(uplink_Bps) << "Bps\" lat=\"1us\" loopback_bw=\""
        << number(gpu.nvlink_domain_GBps * 1e9)
        << "Bps\" loopback_lat=\"0.1us\" topology=\"FAT_TREE\""
        << " topo_parameters=\"" << fat_tree(hosts, gpu.hosts_per_leaf) << "\">\n";
    write_prop(out, "pool", name);
    write_prop(out, "gpu_model", gpu.model);
    write_prop(out, "role", p.role.empty() ? gpu.role : p.role);
    write_prop(out, "gpus", std::to_string(per_domain));
    write_prop(out, "bf16_flops", number(gpu.bf16_flops));
    write_prop(out, "hbm_gb", number(gpu.hbm_gb));
    write_prop(out, "tdp_w", number(gpu.tdp_w));
    write_prop(out, "idle_w", number(gpu.idle_w));
    write_prop(out, "price_per_gpu_hour", number(gpu.price_per_gpu_hour));
    write_prop(out, "capex_per_gpu", number(gpu.capex_per_gpu));
    const std::string idle = number(gpu.idle_w * per_domain);
    write_prop(out, "wattage_per_state", idle + ":" + idle + ":" + number(gpu.tdp_w * per_domain));
    write_prop(out, "wattage_off", "0");
    out << "    </cluster>\n";
  }
  out << "  </zone>\n</platform>\n";
  return out.str();
}

}  // namespace gpufleet
