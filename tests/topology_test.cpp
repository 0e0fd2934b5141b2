// The platform as a graph of domains and switches, and placement that uses it.
#include "scheduler/topology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include "scheduler/placement.hpp"
#include "sim/simulation.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

// One pool of `leaves` x `per_leaf` 8-GPU H100 servers, and a second pool of one server.
Fleet two_pool_fleet(int leaves, int per_leaf) {
  Fleet fleet;
  Pool big;
  big.name = "big";
  big.gpu_model = "H100";
  big.gpus_per_domain = 8;
  big.domain_count = leaves * per_leaf;
  Pool small = big;
  small.name = "small";
  small.first_domain = big.domain_count;
  small.domain_count = 1;
  fleet.pools = {big, small};
  for (int d = 0; d < big.domain_count; ++d)
    fleet.domains.push_back({"b" + std::to_string(d), 0, 8, d / per_leaf});
  fleet.domains.push_back({"s0", 1, 8, 0});
  return fleet;
}

std::vector<int> leaves_used(const Topology& topology, const Placement& p) {
  std::vector<int> leaves;
  for (const auto& part : p.parts) leaves.push_back(topology.leaf_of(part.domain));
  return leaves;
}

TEST(Topology, HopsCountTheLinksThroughLeafSpineAndCore) {
  const Topology topology(two_pool_fleet(2, 4));
  EXPECT_EQ(topology.hops(3, 3), 0);
  EXPECT_EQ(topology.hops(0, 3), 2);  // domain, leaf, domain
  EXPECT_EQ(topology.hops(0, 4), 4);  // through the pool's spine
  EXPECT_EQ(topology.hops(0, 8), 6);  // through the fleet's core
  EXPECT_EQ(topology.leaf_hops(topology.leaf_of(0), topology.leaf_of(7)), 2);
  ASSERT_EQ(topology.leaves_of_pool(0).size(), 2u);
  EXPECT_EQ(topology.domains_of_leaf(topology.leaf_of(5)), (std::vector<int>{4, 5, 6, 7}));
}

// The fleet's network as a graph, the reference the closed forms are checked against: vertices
// are the domains, then the leaves, the pools' spines and the core.
std::vector<std::vector<int>> graph_distances(const Fleet& fleet, const Topology& topology) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  const int domains = static_cast<int>(fleet.domains.size());
  int leaves = 0;
  for (int d = 0; d < domains; ++d) leaves = std::max(leaves, topology.leaf_of(d) + 1);
  const int spine0 = domains + leaves;
  const int core = spine0 + static_cast<int>(fleet.pools.size());
  Graph graph(core + 1);
  for (int d = 0; d < domains; ++d) {
    boost::add_edge(d, domains + topology.leaf_of(d), graph);
    boost::add_edge(domains + topology.leaf_of(d), spine0 + fleet.domains[d].pool, graph);
  }
  for (size_t p = 0; p < fleet.pools.size(); ++p)
    boost::add_edge(spine0 + static_cast<int>(p), core, graph);
  std::vector<std::vector<int>> distances;
  for (int d = 0; d < domains; ++d) {
    std::vector<int> dist(boost::num_vertices(graph), 0);
    boost::breadth_first_search(graph, d,
                                boost::visitor(boost::make_bfs_visitor(
                                    boost::record_distances(dist.data(), boost::on_tree_edge()))));
    dist.resize(domains);
    distances.push_back(dist);
  }
  return distances;
}

// hops and leaf_hops in closed form are the graph's distances (leaf_hops: between the leaves'
// switches, a domain of each less the two links from each domain to its leaf).
TEST(Topology, HopsAndLeafHopsAreTheGraphsDistances) {
  for (const Fleet& fleet : {two_pool_fleet(2, 4), two_pool_fleet(3, 1), two_pool_fleet(1, 5)}) {
    const Topology topology(fleet);
    const auto distances = graph_distances(fleet, topology);
    const int domains = static_cast<int>(fleet.domains.size());
    for (int a = 0; a < domains; ++a)
      for (int b = 0; b < domains; ++b) {
        const int la = topology.leaf_of(a), lb = topology.leaf_of(b);
        EXPECT_EQ(topology.hops(a, b), distances[a][b]) << a << " " << b;
        EXPECT_EQ(topology.leaf_hops(la, lb), la == lb ? 0 : distances[a][b] - 2) << a << " " << b;
      }
  }
}

TEST(Topology, MultiDomainJobStaysUnderOneLeafWhenOneCanHoldItOnAsFewDomains) {
  const Fleet fleet = two_pool_fleet(2, 4);
  const Topology topology(fleet);
  const std::vector<int> free = {8, 4, 0, 0, 8, 8, 0, 0, 8};
  // Ignoring switches, the two emptiest servers are the first of each leaf.
  const auto blind = find_placement(fleet, nullptr, free, 0, 16);
  ASSERT_TRUE(blind);
  EXPECT_EQ(leaves_used(topology, *blind), (std::vector<int>{0, 1}));
  // The second leaf holds the job on two servers too: the graph keeps it there.
  const auto aware = find_placement(fleet, &topology, free, 0, 16);
  ASSERT_TRUE(aware);
  EXPECT_EQ(aware->parts[0].domain, 4);
  EXPECT_EQ(aware->parts[1].domain, 5);
  // One leaf would need three servers where the pool needs two: fewer domains win.
  const std::vector<int> spread = {8, 4, 4, 4, 4, 4, 4, 8, 8};
  const auto two = find_placement(fleet, &topology, spread, 0, 16);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->domains(), 2);
  EXPECT_EQ(find_placement(fleet, &topology, spread, 0, 40)->gpus(), 40);
  EXPECT_FALSE(find_placement(fleet, &topology, spread, 0, 41));
}

TEST(Topology, LeafSwitchesAreReadFromTheSimGridRoutes) {
  TempDir dir;
  // 128 servers: the writer puts 32 under each leaf switch.
  const std::string file = dir.write("p.xml", platform_xml({pool("H100", 1024)}));
  Simulation simulation(file);
  const auto& domains = simulation.fleet().domains;
  ASSERT_EQ(domains.size(), 128u);
  EXPECT_EQ(domains[0].leaf, 0);
  EXPECT_EQ(domains[31].leaf, 0);
  EXPECT_EQ(domains[32].leaf, 1);
  EXPECT_EQ(domains[127].leaf, 3);
}

// Eight H100 servers, four under each leaf switch, each leaf with ONE uplink to the spine
// (4:1 oversubscribed): traffic between leaves shares that link.
std::string oversubscribed_platform() {
  PoolSpec servers = pool("H100", 64);
  servers.role = "training";
  std::string xml = platform_xml({servers});
  const std::string flat = "topo_parameters=\"1;8;1;1\"";
  const auto at = xml.find(flat);
  if (at == std::string::npos) throw std::logic_error("writer changed its fat tree");
  return xml.replace(at, flat.size(), "topo_parameters=\"2;4,2;1,1;1,1\"");
}

nlohmann::json h100_job(const std::string& id, double submit_s, int gpus, double hours,
                        double gradient_bytes = 0, long steps = 1) {
  const double mfu = 0.5;
  return {{"id", id},
          {"submit_s", submit_s},
          {"gpus", gpus},
          {"work_flops", hours * 3600 * gpus * 989e12 * mfu},
          {"gradient_bytes", gradient_bytes},
          {"steps", steps},
          {"generations", {{{"model", "H100"}, {"mfu", mfu}}}}};
}

// Runs the case under a placement rule; returns the two all-reducing jobs' run times (s).
std::vector<double> ring_job_runtimes(const std::string& placement) {
  TempDir dir;
  // Sixteen 4-GPU blockers fill the servers two by two (best fit). At 100 s the short ones
  // end and leave 8,4,4,0 | 8,4,4,0 free GPUs, and two 12-GPU jobs that all-reduce 100 GB
  // per step start. Ignoring switches, the first takes the two 8s (one per leaf) and the
  // second three 4s across both leaves: their rings share the leaves' uplinks. With the
  // graph, each fits on two servers of one leaf and no traffic leaves a leaf.
  auto jobs = nlohmann::json::array();
  const std::vector<int> short_blockers = {0, 1, 2, 4, 8, 9, 10, 12};
  for (int b = 0; b < 16; ++b) {
    const bool ends = std::count(short_blockers.begin(), short_blockers.end(), b) > 0;
    jobs.push_back(h100_job("block" + std::to_string(b), 0, 4, ends ? 100.0 / 3600 : 240));
  }
  for (const char* id : {"ring-a", "ring-b"}) jobs.push_back(h100_job(id, 50, 12, 1, 100e9, 2000));
  const std::string platform = dir.write("p.xml", oversubscribed_platform());
  const std::string workload_file = dir.write("w.json", workload(86400, jobs).dump());
  const auto r = run_cli({"run", "--workload", workload_file, "--platform", platform, "--policy",
                          "fifo", "--placement", placement, "--out", dir.path("out"), "-q"});
  if (r.exit_code != 0) throw std::runtime_error(r.err);
  std::vector<double> runtimes;
  for (const auto& row : read_csv(dir.path("out/jobs.csv")))
    if (row.at("id").rfind("ring-", 0) == 0) {
      EXPECT_EQ(row.at("start_s"), "100.000");
      runtimes.push_back(std::stod(row.at("end_s")) - std::stod(row.at("start_s")));
    }
  return runtimes;
}

TEST(Topology, PlacingUnderOneLeafShortensJobsOnAnOversubscribedFabric) {
  const auto blind = ring_job_runtimes("fewest-domains");
  const auto aware = ring_job_runtimes("topology");
  ASSERT_EQ(blind.size(), 2u);
  ASSERT_EQ(aware.size(), 2u);
  for (int j = 0; j < 2; ++j) {
    std::cout << "ring job " << j << ": " << blind[j] << " s ignoring switches, " << aware[j]
              << " s topology-aware\n";
    EXPECT_LT(aware[j], 0.98 * blind[j]);
  }
}

}  // namespace
}  // namespace gpufleet::test
