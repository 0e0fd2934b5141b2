#pragma once

// The parts of Kubernetes Pod and Node objects (`kubectl get pods -A -o json`, `kubectl get
// nodes -o json`) that `gpufleet import kubernetes` reads, under the API reference's field
// names. Mapping decisions: docs/importers.md, "Kubernetes".
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "import/row_errors.hpp"

namespace gpufleet {

// A malformed field of one item: RowError (its kind is what --lenient counts) plus the JSON
// path of the field, e.g. "items[3].spec.containers[0].resources.limits.nvidia.com/gpu".
class FieldError : public RowError {
 public:
  FieldError(std::string path, std::string kind, const std::string& problem, std::string fix)
      : RowError(std::move(kind), problem, std::move(fix)), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// What a pod's record says about its run. Times are seconds since the Unix epoch; -1: absent.
struct KubePod {
  std::string path;  // "items[3]", for errors found after reading
  std::string name, ns;
  double created = -1;                 // metadata.creationTimestamp
  std::string owner_kind, owner_name;  // the controller owner reference ("" for a bare pod)
  std::string template_hash;           // labels["pod-template-hash"] (ReplicaSet pods)
  std::string user;                    // labels[--user-label], if asked for and present
  std::string node;                    // spec.nodeName
  long priority = 0;                   // spec.priority
  double deadline_s = 0;               // spec.activeDeadlineSeconds; 0: none
  int gpus = 0;                        // effective nvidia.com/gpu request of the pod
  std::string phase, reason;           // status.phase, status.reason
  double start = -1;                   // status.startTime
  double container_start = -1;         // earliest container start (running or terminated)
  double finish = -1;                  // latest terminated.finishedAt
  std::string failure;                 // first terminated reason other than Completed
  std::string disruption;              // reason of a DisruptionTarget condition that is True
  double latest = -1;                  // latest timestamp anywhere in the pod
};

struct KubeNode {
  std::string path;
  std::string name;
  std::string product;    // labels["nvidia.com/gpu.product"]
  int gpus = 0;           // capacity, else allocatable, else labels["nvidia.com/gpu.count"]
  double heartbeat = -1;  // latest status.conditions[].lastHeartbeatTime: near the capture
};

// The items of a v1 List (or PodList / NodeList) whose items are of `kind` ("Pod" or "Node"),
// read through zlib (.json.gz too). InputError naming the file for anything that is not such a
// list: not JSON, not UTF-8, another kind.
nlohmann::json read_kube_list(const std::string& file, const std::string& kind);

// One item; FieldError naming the field for a malformed one. `user_label`: "" for none.
KubePod read_pod(const nlohmann::json& item, const std::string& path,
                 const std::string& user_label);
KubeNode read_node(const nlohmann::json& item, const std::string& path);

// An RFC 3339 date-time ("2024-05-01T12:00:00Z", "...T12:00:00.25+02:00") as seconds since the
// Unix epoch; std::invalid_argument saying what is wrong.
double parse_rfc3339(std::string_view text);
// A count of whole devices written as Kubernetes writes it for nvidia.com/gpu ("8", or 8);
// std::invalid_argument for fractions, suffixes ("2k", "500m"), exponents, signs and more than
// 1024.
int whole_device_count(const nlohmann::json& value);

// Every field path (API reference spelling) the reader looks at, for the fixtures check.
const std::vector<std::string>& kube_fields_read();

}  // namespace gpufleet
