#include "model/dependency_graph.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <map>
#include <string>

namespace gpufleet {

std::vector<int> find_dependency_cycle(const Workload& workload) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const auto& jobs = workload.training;
  std::map<std::string, int> index;
  for (size_t i = 0; i < jobs.size(); ++i) index[jobs[i].id] = static_cast<int>(i);
  Graph graph(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i)
    for (const auto& dep : jobs[i].after) boost::add_edge(i, index.at(dep), graph);

  // A cycle lies inside one strongly connected component of two or more jobs, or is a job
  // that waits for itself.
  std::vector<int> component(jobs.size());
  boost::strong_components(graph, component.data());
  std::vector<int> size(jobs.size(), 0);
  for (int c : component) ++size[c];
  for (size_t start = 0; start < jobs.size(); ++start) {
    const auto in_component = [&](int v) { return component[v] == component[start]; };
    bool waits_for_itself = false;
    for (const auto& dep : jobs[start].after) waits_for_itself |= index.at(dep) == int(start);
    if (size[component[start]] < 2 && !waits_for_itself) continue;
    // Walk `after` edges inside the component until a job repeats: that loop is a cycle.
    std::vector<int> path;
    std::vector<int> position(jobs.size(), -1);
    int v = static_cast<int>(start);
    while (position[v] < 0) {
      position[v] = static_cast<int>(path.size());
      path.push_back(v);
      for (const auto& dep : jobs[v].after)
        if (in_component(index.at(dep))) {
          v = index.at(dep);
          break;
        }
    }
    std::vector<int> cycle(path.begin() + position[v], path.end());
    cycle.push_back(v);
    return cycle;
  }
  return {};
}

}  // namespace gpufleet
