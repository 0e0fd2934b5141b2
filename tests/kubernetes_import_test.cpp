// `gpufleet import kubernetes` (docs/importers.md, "Kubernetes") on the hand-written fixtures
// of tests/data/kubernetes/: a List of pods and a List of nodes, spelled as the Kubernetes API
// reference spells them (api-reference-fields.txt, checked below).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "import/kubernetes/kubernetes_objects.hpp"
#include "test_support.hpp"

namespace gpufleet::test {
namespace {

using nlohmann::json;

const std::string kData = std::string(GPUFLEET_SOURCE_DIR) + "/tests/data/kubernetes/";
const std::string kPods = kData + "pods.json";
const std::string kNodes = kData + "nodes.json";
constexpr double kOrigin = 1714521600;  // 2024-05-01T00:00:00Z, the earliest pod creation

json load(const std::string& file) {
  return json::parse(read_file(file));
}

size_t find_index(const json& list, const std::string& id) {
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].at("id") == id) return i;
  ADD_FAILURE() << id << " is missing";
  return 0;
}

const json* find_id(const json& list, const std::string& id) {
  for (const auto& item : list)
    if (item.at("id") == id) return &item;
  return nullptr;
}

std::vector<std::string> models(const json& entry) {
  std::vector<std::string> out;
  for (const auto& g : entry.at("generations")) out.push_back(g.at("model"));
  return out;
}

struct Imported {
  CliResult result;
  json workload;
  std::string platform;
};

Imported import(const TempDir& dir, const std::string& pods, std::vector<std::string> files = {},
                std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"import", "kubernetes", pods};
  if (files.empty()) files = {kNodes};
  for (const auto& f : files)
    if (!f.empty()) args.push_back(f);
  args.push_back("-o");
  args.push_back(dir.path("w.json"));
  args.insert(args.end(), extra.begin(), extra.end());
  Imported out;
  out.result = run_cli(args);
  if (out.result.exit_code == 0) out.workload = load(dir.path("w.json"));
  if (std::filesystem::exists(dir.path("p.xml"))) out.platform = read_file(dir.path("p.xml"));
  return out;
}

TEST(KubernetesImport, BatchAndServingPodsOnTwoProductsGiveJobsServicesAndPools) {
  const TempDir dir;
  const auto r =
      import(dir, kPods, {},
             {"--platform-out", dir.path("p.xml"), "--user-label", "team.example.com/user"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const json& w = r.workload;
  const json& training = w.at("training");
  EXPECT_EQ(training.size(), 7u) << training.dump(1);
  // The capture: the latest time recorded, here the nodes' heartbeats at 06:10.
  EXPECT_EQ(w.at("horizon_s"), 6 * 3600.0 + 600);
  EXPECT_EQ(w.at("meta").at("time_origin"), std::to_string(static_cast<long>(kOrigin)));

  // A Job's pod: submit at creation, run from status.startTime to the container's finish.
  const json* a = find_id(training, "research/pretrain-a-x7k2p");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->at("gpus"), 8);
  EXPECT_EQ(a->at("submit_s"), 0.0);
  EXPECT_EQ(a->at("recorded").at("start_s"), 30.0);
  EXPECT_EQ(a->at("recorded").at("end_s"), 7200.0);
  EXPECT_EQ(models(*a), std::vector<std::string>{"H100"});
  EXPECT_EQ(a->at("priority"), 1000);
  EXPECT_EQ(a->at("user"), "alice");
  EXPECT_EQ(a->at("account"), "research");
  // Run at MFU 0.4 of H100 for exactly its recorded time.
  EXPECT_NEAR(a->at("work_flops").get<double>(), 0.4 * 989e12 * 8 * (7200 - 30), 1e6);

  // An OOMKilled bare pod on H200 keeps the time its GPUs were held.
  const json* b = find_id(training, "research/sweep-b");
  ASSERT_TRUE(b);
  EXPECT_EQ(models(*b), std::vector<std::string>{"H200"});
  EXPECT_EQ(b->at("user"), "bob");
  EXPECT_EQ(b->at("recorded").at("end_s"), 2400.0);

  // DeadlineExceeded: the init container's 4 GPUs exceed the app's 2 (the effective request),
  // and activeDeadlineSeconds is the walltime.
  const json* c = find_id(training, "research/eval-c-9q8rt");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("gpus"), 4);
  EXPECT_EQ(c->at("walltime_s"), 3600.0);
  EXPECT_FALSE(c->contains("user"));

  // A PyTorchJob's two 8-GPU pods are one 16-GPU gang, Running at capture: cut there.
  const json* ft = find_id(training, "research/llama-ft");
  ASSERT_TRUE(ft);
  EXPECT_EQ(ft->at("gpus"), 16);
  EXPECT_EQ(ft->at("submit_s"), 3 * 3600.0);
  EXPECT_EQ(ft->at("recorded").at("start_s"), 3 * 3600.0 + 5);
  EXPECT_EQ(ft->at("recorded").at("end_s"), 6 * 3600.0 + 600);

  // Evicted and preempted pods keep their runs up to the end.
  EXPECT_TRUE(find_id(training, "batch/render-d"));
  EXPECT_TRUE(find_id(training, "batch/render-e"));
  EXPECT_TRUE(find_id(training, "research/eval-f-2lm4n"));

  // A Deployment (through its ReplicaSet) and a StatefulSet are services in replicas.
  const json& inference = w.at("inference");
  ASSERT_EQ(inference.size(), 2u);
  const json* chat = find_id(inference, "serving/chat");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->at("gpus_per_replica"), 4);
  EXPECT_EQ(chat->at("unit"), "replicas");
  EXPECT_EQ(chat->at("latency_target_s"), 3600.0);
  EXPECT_EQ(models(*chat), std::vector<std::string>{"H200"});
  const auto& values = chat->at("demand").at("values");
  EXPECT_EQ(chat->at("demand").at("interval_s"), 60.0);
  ASSERT_EQ(values.size(), 370u);
  EXPECT_EQ(values[4], 0.0);    // 00:04: not started yet
  EXPECT_EQ(values[5], 1.0);    // its first pod from 00:05:00
  EXPECT_EQ(values[119], 1.0);  // 01:59
  EXPECT_EQ(values[120], 2.0);  // the second from 02:00:01
  EXPECT_EQ(values[369], 2.0);
  const json* embed = find_id(inference, "serving/embed");
  ASSERT_TRUE(embed);
  EXPECT_EQ(embed->at("gpus_per_replica"), 1);

  // What was dropped, by reason.
  const json& dropped = w.at("meta").at("dropped");
  EXPECT_EQ(dropped.at("pod without GPUs (no nvidia.com/gpu)"), 1);
  EXPECT_EQ(dropped.at("per-node agent pod (DaemonSet)"), 1);
  EXPECT_EQ(dropped.at("pod never started (Pending)"), 1);
  EXPECT_EQ(dropped.at("pod failed before it started (UnexpectedAdmissionError)"), 1);
  EXPECT_EQ(dropped.at("node without GPUs"), 1);
  const json& kept = w.at("meta").at("kept");
  EXPECT_EQ(kept.at("pods Failed (OOMKilled)"), 1);
  EXPECT_EQ(kept.at("pods Failed (DeadlineExceeded)"), 1);
  EXPECT_EQ(kept.at("pods Failed (Evicted)"), 1);
  EXPECT_EQ(kept.at("pods Failed (PreemptionByScheduler)"), 1);
  EXPECT_EQ(kept.at("pods Running at capture (run cut at the capture)"), 5);
  EXPECT_EQ(w.at("meta").at("rows"), 15 + 5);  // pods and nodes

  // Pools: H100 nodes ran training, H200 nodes mostly serving.
  EXPECT_NE(r.platform.find("id=\"h100-x8-training\""), std::string::npos) << r.platform;
  EXPECT_NE(r.platform.find("id=\"h200-x8-inference\""), std::string::npos) << r.platform;
}

TEST(KubernetesImport, RunsEndToEndUnderReplay) {
  const TempDir dir;
  const auto r = import(dir, kPods, {}, {"--platform-out", dir.path("p.xml")});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const auto run =
      run_cli({"run", "--workload", dir.path("w.json"), "--platform", dir.path("p.xml"), "--policy",
               "replay", "--out", dir.path("out"), "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The services get the replicas their pods ran: only the latency model's shedding at full
  // load (2%) misses.
  const auto summary = load(dir.path("out/summary.json"));
  EXPECT_GT(summary.at("inference").at("slo_attainment").get<double>(), 0.97) << summary.dump(1);
  const auto rows = read_csv(dir.path("out/jobs.csv"));
  const auto training = r.workload.at("training");
  size_t jobs = 0;
  for (const auto& row : rows) {
    if (row.at("class") != "training") continue;
    ++jobs;
    const json* job = find_id(training, row.at("id"));
    ASSERT_TRUE(job) << row.at("id");
    EXPECT_NEAR(std::stod(row.at("start_s")), job->at("recorded").at("start_s").get<double>(), 1e-3)
        << row.at("id");
    EXPECT_NEAR(std::stod(row.at("end_s")), job->at("recorded").at("end_s").get<double>(), 1e-3)
        << row.at("id");
  }
  EXPECT_EQ(jobs, 7u);
}

// Every key of the fixtures, as a path ("Pod.spec.containers.name"), must be an API field.
void collect(const json& j, const std::string& path, const std::set<std::string>& maps,
             std::set<std::string>& out) {
  if (j.is_array()) {
    for (const auto& e : j) collect(e, path, maps, out);
    return;
  }
  if (!j.is_object()) return;
  for (const auto& [key, value] : j.items()) {
    const std::string p = path + "." + key;
    out.insert(p);
    if (p == "List.items") {
      for (const auto& item : value) collect(item, item.value("kind", std::string("?")), maps, out);
    } else if (!maps.count(p)) {
      collect(value, p, maps, out);
    }
  }
}

// A Deployment's ReplicaSets (one per rollout) make one service; a StatefulSet of the same
// name is another.
TEST(KubernetesImport, ServicesAreDeploymentsAcrossRolloutsAndStatefulSets) {
  const TempDir dir;
  json doc = load(kPods);
  auto& items = doc["items"];
  json& second_chat = items[9];
  ASSERT_EQ(second_chat["metadata"]["name"], "chat-5d9f8b7c4-fghij");
  second_chat["metadata"]["ownerReferences"][0]["name"] = "chat-6f7e8d9c0";
  second_chat["metadata"]["labels"]["pod-template-hash"] = "6f7e8d9c0";
  json& embed = items[10];
  ASSERT_EQ(embed["metadata"]["name"], "embed-0");
  embed["metadata"]["ownerReferences"][0]["name"] = "chat";
  const auto r = import(dir, dir.write("pods.json", doc.dump()));
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const json& inference = r.workload["inference"];
  ASSERT_EQ(inference.size(), 2u);
  const json* chat = find_id(inference, "serving/chat");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->at("demand").at("values").back(), 2.0);
  const json* sts = find_id(inference, "serving/chat-statefulset");
  ASSERT_TRUE(sts);
  EXPECT_EQ(sts->at("gpus_per_replica"), 1);
}

// The scheduler's effective request (KEP-753): max(app + sidecars, an init container + the
// sidecars started before it).
TEST(KubernetesImport, GpusOfAPodAreItsEffectiveRequest) {
  const TempDir dir;
  const auto sidecar = json{{"name", "proxy"},
                            {"restartPolicy", "Always"},
                            {"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}};
  const auto gpus_with = [&](const json& init) {
    json doc = load(kPods);
    doc["items"][2]["spec"]["initContainers"] = init;  // eval-c: 2 GPUs in its app container
    const auto r = import(dir, dir.write("pods.json", doc.dump()));
    EXPECT_EQ(r.result.exit_code, 0) << r.result.err;
    return r.workload["training"][find_index(r.workload["training"], "research/eval-c-9q8rt")]
        .at("gpus")
        .get<int>();
  };
  const json warmup = load(kPods)["items"][2]["spec"]["initContainers"][0];  // 4 GPUs
  EXPECT_EQ(gpus_with(json::array()), 2);
  EXPECT_EQ(gpus_with(json::array({warmup})), 4);
  EXPECT_EQ(gpus_with(json::array({sidecar})), 3);  // app 2 + sidecar 1
  EXPECT_EQ(gpus_with(json{sidecar, warmup}), 5);   // warmup 4 + the sidecar before it
  EXPECT_EQ(gpus_with(json{warmup, sidecar}), 4);   // the sidecar starts after warmup
}

TEST(KubernetesImport, FixturesUseOnlyApiReferenceFields) {
  std::set<std::string> fields, maps;
  std::istringstream list(read_file(kData + "api-reference-fields.txt"));
  for (std::string line; std::getline(list, line);) {
    if (line.empty() || line[0] == '#') continue;
    const bool map = line.size() > 3 && line.compare(line.size() - 3, 3, " {}") == 0;
    const std::string field = map ? line.substr(0, line.size() - 3) : line;
    fields.insert(field);
    if (map) maps.insert(field);
    // The objects on the way to a field are fields too (Pod.spec, Pod.spec.containers).
    for (auto dot = field.find('.', field.find('.') + 1); dot != std::string::npos;
         dot = field.find('.', dot + 1))
      fields.insert(field.substr(0, dot));
  }
  std::set<std::string> used;
  for (const auto& file : {kPods, kNodes}) collect(load(file), "List", maps, used);
  for (const auto& path : used) EXPECT_TRUE(fields.count(path)) << path << " is no API field";
  for (const auto& path : kube_fields_read()) {
    EXPECT_TRUE(fields.count(path)) << "the importer reads " << path << ", no API field";
    EXPECT_TRUE(used.count(path)) << "the importer reads " << path << ", which no fixture has";
  }
  // The map keys the importer looks up, as the fixtures write them.
  const std::string pods = read_file(kPods), nodes = read_file(kNodes);
  for (const auto* key : {"\"nvidia.com/gpu\"", "\"pod-template-hash\""})
    EXPECT_NE(pods.find(key), std::string::npos) << key;
  for (const auto* key :
       {"\"nvidia.com/gpu\"", "\"nvidia.com/gpu.product\"", "\"nvidia.com/gpu.count\""})
    EXPECT_NE(nodes.find(key), std::string::npos) << key;
}

// The fixture's pods with one item edited, written to dir.
std::string pods_with(const TempDir& dir, const std::function<void(json& items)>& edit) {
  json doc = load(kPods);
  edit(doc.at("items"));
  return dir.write("pods.json", doc.dump(1));
}

json& container_gpu(json& items, int item) {
  return items[item]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"];
}

// A malformed pod: exit 2 naming the file and the field, nothing written; --lenient skips it
// and counts it under its kind.
void expect_refused_then_counted(const std::function<void(json& items)>& edit,
                                 const std::string& where, const std::string& kind) {
  const TempDir dir;
  const auto pods = pods_with(dir, edit);
  const auto strict = import(dir, pods);
  EXPECT_EQ(strict.result.exit_code, 2) << strict.result.err;
  EXPECT_NE(strict.result.err.find(pods + ": " + where + ": " + kind), std::string::npos)
      << strict.result.err;
  EXPECT_NE(strict.result.err.find("fix:"), std::string::npos) << strict.result.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("w.json")));
  const auto lenient = import(dir, pods, {}, {"--lenient"});
  ASSERT_EQ(lenient.result.exit_code, 0) << lenient.result.err;
  EXPECT_EQ(lenient.workload.at("meta").at("dropped").at("malformed item: " + kind), 1)
      << lenient.result.err;
}

const std::string kGpuPath = "items[1].spec.containers[0].resources.limits[\"nvidia.com/gpu\"]";

TEST(KubernetesImportErrors, GpuQuantitiesThatAreNoWholeDeviceCount) {
  for (const auto* bad : {"1e400", "2k", "500m", "0.5", "-1", "1Ki", "+2", ""})
    expect_refused_then_counted([&](json& items) { container_gpu(items, 1) = bad; }, kGpuPath,
                                "bad quantity");
  expect_refused_then_counted([](json& items) { container_gpu(items, 1) = 5000; }, kGpuPath,
                              "bad quantity");
  expect_refused_then_counted([](json& items) { container_gpu(items, 1) = 2.5; }, kGpuPath,
                              "bad quantity");
}

TEST(KubernetesImportErrors, TimestampsThatAreNotRfc3339) {
  for (const auto* bad : {"2024-05-01 00:10:00", "2024-02-30T00:00:00Z", "2024-05-01T00:10:00",
                          "1714522200", "2024-05-01T25:00:00Z"})
    expect_refused_then_counted(
        [&](json& items) { items[1]["metadata"]["creationTimestamp"] = bad; },
        "items[1].metadata.creationTimestamp", "bad timestamp");
}

TEST(KubernetesImportErrors, FinishBeforeStartAndRequestsThatDifferFromLimits) {
  expect_refused_then_counted(
      [](json& items) {
        items[1]["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"] =
            "2024-05-01T00:00:00Z";
      },
      "items[1].status", "timestamps out of order");
  expect_refused_then_counted(
      [](json& items) {
        items[1]["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] = "2";
      },
      "items[1].spec.containers[0].resources.requests[\"nvidia.com/gpu\"]",
      "requests differ from limits");
  expect_refused_then_counted([](json& items) { items[1]["spec"]["containers"] = "main"; },
                              "items[1].spec.containers", "wrong type");
}

CliResult import_text(const TempDir& dir, const std::string& text) {
  return import(dir, dir.write("pods.json", text)).result;
}

TEST(KubernetesImportErrors, FilesThatAreNoListOfPods) {
  const TempDir dir;
  const auto not_json = import_text(dir, "NAME READY STATUS\nchat-0 1/1 Running\n");
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_NE(not_json.err.find("pods.json: not JSON"), std::string::npos) << not_json.err;
  EXPECT_NE(not_json.err.find("kubectl get pods -A -o json"), std::string::npos);

  const auto one_pod = import_text(dir, load(kPods)["items"][0].dump());
  EXPECT_EQ(one_pod.exit_code, 2);
  EXPECT_NE(one_pod.err.find("not a Kubernetes List"), std::string::npos) << one_pod.err;

  const auto nodes_first = import(dir, kNodes, {kPods});
  EXPECT_EQ(nodes_first.result.exit_code, 2);
  EXPECT_NE(nodes_first.result.err.find("nodes.json: items[0].kind: is \"Node\", not Pod"),
            std::string::npos)
      << nodes_first.result.err;

  const auto kind_number = import_text(dir, "{\"kind\": 5, \"items\": []}");
  EXPECT_EQ(kind_number.exit_code, 2);
  EXPECT_NE(kind_number.err.find("kind: is 5, not \"List\" or \"PodList\""), std::string::npos)
      << kind_number.err;

  const auto huge = import_text(dir, "{\"kind\": \"List\", \"items\": [], \"x\": 1e400}");
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_NE(huge.err.find("out of range"), std::string::npos) << huge.err;

  std::string latin1 = read_file(kPods);
  latin1.replace(latin1.find("pretrain-a-x7k2p"), 1, "\xe9");  // ISO-8859-1, not UTF-8
  const auto encoding = import_text(dir, latin1);
  EXPECT_EQ(encoding.exit_code, 2);
  EXPECT_NE(encoding.err.find("iconv"), std::string::npos) << encoding.err;
  EXPECT_EQ(encoding.err.find("internal error"), std::string::npos) << encoding.err;
}

TEST(KubernetesImportErrors, UnknownProductNamesTheNodeTheLabelAndCatalog) {
  const TempDir dir;
  json nodes = load(kNodes);
  nodes["items"][2]["metadata"]["labels"]["nvidia.com/gpu.product"] = "NVIDIA-RTX-PRO-6000";
  const auto r = import(dir, kPods, {dir.write("nodes.json", nodes.dump())});
  EXPECT_EQ(r.result.exit_code, 2);
  EXPECT_NE(r.result.err.find("items[2].metadata.labels[\"nvidia.com/gpu.product\"]: unknown GPU "
                              "model: node h200-node-0: product 'NVIDIA-RTX-PRO-6000'"),
            std::string::npos)
      << r.result.err;
  EXPECT_NE(r.result.err.find("--catalog"), std::string::npos) << r.result.err;

  // A catalog entry named as the product makes it a model.
  json catalog = {{"format", "gpufleet-gpu-catalog"}, {"version", 1}};
  json model = load(std::string(GPUFLEET_SOURCE_DIR) + "/catalogs/gpu-catalog.json")["models"][3];
  model["model"] = "RTX-PRO-6000";
  catalog["models"] = json::array({model});
  const auto with = import(dir, kPods, {dir.path("nodes.json")},
                           {"--catalog", dir.write("c.json", catalog.dump())});
  ASSERT_EQ(with.result.exit_code, 0) << with.result.err;
  EXPECT_EQ(models(*find_id(with.workload["training"], "research/sweep-b")),
            std::vector<std::string>{"RTX-PRO-6000"});
}

TEST(KubernetesImportErrors, AMalformedNodeIsSkippedWithLenientAndItsPodsMayRunAnywhere) {
  const TempDir dir;
  json nodes = load(kNodes);
  nodes["items"][2]["status"]["capacity"]["nvidia.com/gpu"] = "8k";  // h200-node-0
  const auto file = dir.write("nodes.json", nodes.dump());
  const auto strict = import(dir, kPods, {file});
  EXPECT_EQ(strict.result.exit_code, 2);
  EXPECT_NE(strict.result.err.find(
                "nodes.json: items[2].status.capacity[\"nvidia.com/gpu\"]: bad quantity"),
            std::string::npos)
      << strict.result.err;
  const auto lenient = import(dir, kPods, {file}, {"--lenient"});
  ASSERT_EQ(lenient.result.exit_code, 0) << lenient.result.err;
  EXPECT_EQ(lenient.workload["meta"]["dropped"]["malformed item: bad quantity"], 1);
  // sweep-b ran on the skipped node: it may use any model of the node list, H100 first.
  EXPECT_EQ(models(*find_id(lenient.workload["training"], "research/sweep-b")),
            (std::vector<std::string>{"H100", "H200"}));
}

TEST(KubernetesImportErrors, PodsSpanningMoreThanTenYearsAreRefused) {
  const TempDir dir;
  const auto pods = pods_with(dir, [](json& items) {
    items[1]["metadata"]["creationTimestamp"] = "1990-01-01T00:00:00Z";
    items[1]["status"]["startTime"] = "1990-01-01T00:00:01Z";
  });
  const auto r = import(dir, pods);
  EXPECT_EQ(r.result.exit_code, 2);
  EXPECT_NE(r.result.err.find("more than ten years"), std::string::npos) << r.result.err;
}

TEST(KubernetesImport, ReadsGzippedFiles) {
  const TempDir dir;
  ASSERT_EQ(run_shell("gzip -c '" + kPods + "' > '" + dir.path("pods.json.gz") + "'"), 0);
  const auto r = import(dir, dir.path("pods.json.gz"));
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  EXPECT_EQ(r.workload["training"].size(), 7u);
}

TEST(KubernetesImport, ProductLabelsOfTheCatalogsModels) {
  const TempDir dir;
  const std::vector<std::pair<std::string, std::string>> products = {
      {"NVIDIA-H100-80GB-HBM3", "H100"},
      {"NVIDIA-H200", "H200"},
      {"NVIDIA-A100-SXM4-80GB", "A100-80"},
      {"NVIDIA-A100-SXM4-40GB", "A100-40"},
      {"NVIDIA-B200", "B200"},
      {"NVIDIA-L40S", "L40S"},
      {"Tesla-T4", "T4"},
      {"Tesla-V100-SXM2-32GB", "V100M32"},
      {"NVIDIA-A10-SHARED", "A10"},
      {"NVIDIA-H100-80GB-HBM3-SHARED", "H100"}};
  for (const auto& [product, model] : products) {
    json nodes = load(kNodes);
    for (auto& n : nodes["items"])
      if (n["metadata"]["labels"].contains("nvidia.com/gpu.product"))
        n["metadata"]["labels"]["nvidia.com/gpu.product"] = product;
    const auto r = import(dir, kPods, {dir.write("nodes.json", nodes.dump())});
    ASSERT_EQ(r.result.exit_code, 0) << product << r.result.err;
    EXPECT_EQ(models(*find_id(r.workload["training"], "research/sweep-b")),
              std::vector<std::string>{model})
        << product;
  }
}

TEST(KubernetesImport, GB200TraysMakeWholeNvl72DomainsOrOneDomainEach) {
  const TempDir dir;
  const auto nodes_of = [&](int count) {
    json nodes = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
    for (int i = 0; i < count; ++i)
      nodes["items"].push_back({{"kind", "Node"},
                                {"metadata",
                                 {{"name", "gb200-" + std::to_string(i)},
                                  {"labels", {{"nvidia.com/gpu.product", "NVIDIA-GB200"}}}}},
                                {"status", {{"capacity", {{"nvidia.com/gpu", "4"}}}}}});
    return dir.write("nodes.json", nodes.dump());
  };
  json pods = load(kPods);
  json only = json::array({pods["items"][1]});  // sweep-b: 4 GPUs
  only[0]["spec"]["nodeName"] = "gb200-0";
  pods["items"] = only;
  const auto pods_file = dir.write("pods.json", pods.dump());
  const auto whole = import(dir, pods_file, {nodes_of(18)}, {"--platform-out", dir.path("p.xml")});
  ASSERT_EQ(whole.result.exit_code, 0) << whole.result.err;
  EXPECT_NE(whole.platform.find("core=\"72\""), std::string::npos) << whole.platform;
  const auto part = import(dir, pods_file, {nodes_of(10)}, {"--platform-out", dir.path("p.xml")});
  ASSERT_EQ(part.result.exit_code, 0) << part.result.err;
  EXPECT_NE(part.platform.find("core=\"4\""), std::string::npos) << part.platform;
  EXPECT_EQ(
      part.workload["meta"]["kept"]
                   ["pools whose nodes make no whole GB200 NVLink domain of 72 (one per node)"],
      1);
}

TEST(KubernetesImport, WithoutNodesEveryPodIsOnTheGivenModel) {
  const TempDir dir;
  const auto none = import(dir, kPods, {""});
  EXPECT_EQ(none.result.exit_code, 2);
  EXPECT_NE(none.result.err.find("--gpu-model"), std::string::npos) << none.result.err;
  const auto h200 = import(dir, kPods, {""}, {"--gpu-model", "H200"});
  ASSERT_EQ(h200.result.exit_code, 0) << h200.result.err;
  for (const auto& job : h200.workload["training"])
    EXPECT_EQ(models(job), std::vector<std::string>{"H200"});
  const auto platform =
      import(dir, kPods, {""}, {"--gpu-model", "H200", "--platform-out", "p.xml"});
  EXPECT_EQ(platform.result.exit_code, 2);
  EXPECT_NE(platform.result.err.find("drop --platform-out"), std::string::npos);
}

TEST(KubernetesObjects, Rfc3339TimesAndDeviceCounts) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2024-05-01T00:00:00Z"), kOrigin);
  EXPECT_EQ(parse_rfc3339("2024-05-01T02:00:00+02:00"), kOrigin);
  EXPECT_EQ(parse_rfc3339("2024-04-30t19:00:00-05:00"), kOrigin);
  EXPECT_DOUBLE_EQ(parse_rfc3339("2024-05-01T00:00:00.250000Z"), kOrigin + 0.25);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800);
  for (const auto* bad : {"2023-02-29T00:00:00Z", "2024-05-01T00:00:00", "2024-05-01T00:00:00.Z",
                          "2024-5-1T00:00:00Z", "2024-05-01T00:00:00+0200", ""})
    EXPECT_THROW(parse_rfc3339(bad), std::invalid_argument) << bad;
  EXPECT_EQ(whole_device_count("8"), 8);
  EXPECT_EQ(whole_device_count(8), 8);
  EXPECT_EQ(whole_device_count("0"), 0);
  for (const json& bad : {json("2k"), json("1e400"), json("-1"), json(-1), json(0.5), json("8 "),
                          json("99999999999999999999"), json(true)})
    EXPECT_THROW(whole_device_count(bad), std::invalid_argument) << bad.dump();
}

}  // namespace
}  // namespace gpufleet::test
