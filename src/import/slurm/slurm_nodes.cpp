// A Slurm inventory (`scontrol show node -o`, or `sinfo -N -h -o "%N %G %P"`) -> pools of GPUs
// by model and role, for `gpufleet platform --from-slurm` (docs/importers.md).
#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "import/slurm/slurm.hpp"
#include "model/gpu_catalog.hpp"
#include "model/input_error.hpp"

namespace gpufleet {

namespace {

constexpr long kMaxGpusPerNode = 1024;
constexpr long kMaxGpusPerPool = 999'999'999;

struct Node {
  std::string name, gres;
  std::vector<std::string> partitions;
};

// "NodeName=a Arch=x86_64 OS=Linux 6.1 #1 SMP Gres=gpu:h100:8 Partitions=p,q": a value runs to
// the next word holding '=' (OS= and Reason= hold spaces).
std::map<std::string, std::string> scontrol_fields(std::string_view line) {
  std::map<std::string, std::string> fields;
  std::string* last = nullptr;
  for (const auto word : split_whitespace(line)) {
    const auto eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      if (last != nullptr) *last += " " + std::string(word);
      continue;
    }
    last = &(fields[std::string(word.substr(0, eq))] = std::string(word.substr(eq + 1)));
  }
  return fields;
}

std::vector<std::string> words(std::string_view list) {
  std::vector<std::string> out;
  for (const auto p : split_fields(list, ','))
    if (!p.empty()) out.push_back(std::string(p.back() == '*' ? p.substr(0, p.size() - 1) : p));
  return out;
}

// "gpu:h100:8(S:0-1),gpu:h200:8,shard:4": the gpu items as (type, count), type "" if none.
// Commas inside the socket list "(S:0,1)" do not split items.
std::vector<std::pair<std::string, long>> gpu_items(const std::string& gres,
                                                    const std::string& file,
                                                    const std::string& where) {
  std::vector<std::pair<std::string, long>> items;
  std::vector<std::string> parts(1);
  int depth = 0;
  for (const char c : gres) {
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (c == ',' && depth == 0)
      parts.emplace_back();
    else if (depth == 0 && c != ')')
      parts.back() += c;
  }
  for (const auto& part : parts) {
    const auto f = split_fields(part, ':');
    if (f.front() != "gpu") continue;
    const auto count = f.back();
    long n = -1;
    const auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (f.size() < 2 || count.empty() || error != std::errc() ||
        end != count.data() + count.size() || n < 0 || n > kMaxGpusPerNode)
      throw InputError(file, where,
                       "Gres '" + printable(gres) + "': '" + printable(part) +
                           "' is not gpu[:TYPE]:COUNT with a count from 0 to 1024",
                       "pass scontrol show node -o output as printed");
    items.push_back({f.size() >= 3 ? std::string(f[1]) : std::string(), n});
  }
  return items;
}

std::vector<Node> read_nodes(const std::string& file) {
  LineReader reader(file);
  std::map<std::string, size_t> index;  // sinfo prints a node once per partition
  std::vector<Node> nodes;
  std::string line;
  while (reader.next(line)) {
    const std::string where = "line " + std::to_string(reader.line_number());
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!valid_utf8(line))
      throw InputError(file, where, "the line is not UTF-8", "convert the file to UTF-8 (iconv)");
    Node node;
    if (line.rfind("NodeName=", 0) == 0) {
      auto f = scontrol_fields(line);
      node = {f["NodeName"], f["Gres"], words(f["Partitions"])};
    } else {
      const auto w = split_whitespace(line);
      if (w.size() == 3 && w[0] == "NODELIST") continue;  // sinfo's header
      if (w.size() < 2 || w.size() > 3 || w[1].find('=') != std::string_view::npos)
        throw InputError(file, where,
                         "neither scontrol show node -o (NodeName=...) nor sinfo -N -o \"%N %G "
                         "%P\" output",
                         "run scontrol show node -o > nodes.txt");
      node = {std::string(w[0]), std::string(w[1]),
              w.size() == 3 ? words(w[2]) : std::vector<std::string>{}};
    }
    if (node.name.empty())
      throw InputError(file, where, "a node without a name", "pass scontrol show node -o output");
    gpu_items(node.gres, file, where);  // checked on the line it came from
    const auto [at, added] = index.emplace(node.name, nodes.size());
    if (added) {
      nodes.push_back(node);
    } else {
      auto& parts = nodes[at->second].partitions;
      for (const auto& p : node.partitions)
        if (std::find(parts.begin(), parts.end(), p) == parts.end()) parts.push_back(p);
    }
  }
  return nodes;
}

}  // namespace

std::vector<PoolSpec> slurm_node_pools(const std::string& file, const PartitionMap& map,
                                       std::vector<std::string>& warnings) {
  const auto nodes = read_nodes(file);
  struct Pool {
    long gpus = 0;
    std::vector<std::string> nodes;
  };
  std::map<std::pair<std::string, std::string>, Pool> pools;  // (model, role)
  for (const auto& node : nodes) {
    // The first of its partitions the map gives a model or a role decides.
    std::string mapped_model, role;
    for (const auto& p : node.partitions)
      if (const auto at = map.find(p); at != map.end()) {
        if (mapped_model.empty()) mapped_model = at->second.model;
        if (role.empty()) role = at->second.role;
      }
    if (role.empty()) role = "training";
    for (const auto& [type, count] : gpu_items(node.gres, file, "node " + node.name)) {
      if (count == 0) continue;
      auto model = model_of_gres_type(type);
      if (!model && !mapped_model.empty()) model = mapped_model;
      if (!model)
        throw InputError(file, "node " + node.name,
                         type.empty() ? "GPUs of no type (Gres=gpu:N)"
                                      : "gres type '" + printable(type) +
                                            "' is not a GPU model of the catalog (" +
                                            known_gpu_models() + ")",
                         "map one of its partitions to a model with --partition-map FILE, or add "
                         "a model of that name with --catalog FILE");
      auto& pool = pools[{*model, role}];
      pool.gpus += count;
      if (pool.gpus > kMaxGpusPerPool)
        throw InputError(file, "node " + node.name, "more than 999999999 " + *model + " GPUs",
                         "a pool holds fewer than a billion GPUs");
      pool.nodes.push_back(node.name);
    }
  }
  std::vector<PoolSpec> specs;
  for (const auto& [key, pool] : pools) {
    const auto gpu = find_gpu(key.first);
    const long domain = gpu->gpus_per_domain;
    const long whole = pool.gpus / domain * domain;
    const std::string where = "node" + std::string(pool.nodes.size() > 1 ? "s " : " ") +
                              pool.nodes.front() + (pool.nodes.size() > 1 ? ", ..." : "");
    if (whole == 0)
      throw InputError(file, where,
                       std::to_string(pool.gpus) + " " + key.first + " GPUs, fewer than one " +
                           gpu->system + " NVLink domain of " + std::to_string(domain),
                       "give the model a smaller gpus_per_domain with --catalog FILE");
    if (whole < pool.gpus)
      warnings.push_back(key.first + " (" + key.second + "): " + std::to_string(pool.gpus) +
                         " GPUs on " + std::to_string(pool.nodes.size()) +
                         " nodes rounded down to " + std::to_string(whole) + ", whole " +
                         gpu->system + " domains of " + std::to_string(domain));
    PoolSpec spec;
    spec.model = key.first;
    spec.role = key.second;
    spec.gpus = static_cast<int>(whole);
    specs.push_back(spec);
  }
  if (specs.empty())
    throw InputError(file, "", "no node with GPUs (no Gres=gpu:...)",
                     "pass scontrol show node -o output of a cluster with GPU nodes");
  return specs;
}

}  // namespace gpufleet
