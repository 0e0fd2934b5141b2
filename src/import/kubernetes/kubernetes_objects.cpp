#include "import/kubernetes/kubernetes_objects.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "import/civil_date.hpp"
#include "import/line_reader.hpp"
#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

using nlohmann::json;

constexpr const char* kGpu = "nvidia.com/gpu";
constexpr int kMaxDevices = 1024;  // GPUs of one container or node (nodes hold 1-16)

// One JSON object of an item, with the path that names it in errors. Absent optional parts
// read as empty, so a missing `status` and a missing `status.phase` need no special case.
class Obj {
 public:
  Obj(const json* j, std::string path) : j_(j), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string at(const std::string& key) const {
    // Map keys with dots or slashes (labels, resource names) in brackets, as jq writes them.
    const bool plain =
        std::all_of(key.begin(), key.end(), [](char c) { return std::isalnum(uc(c)); });
    return plain ? path_ + "." + key : path_ + "[\"" + key + "\"]";
  }
  const json* get(const std::string& key) const {
    if (!j_ || !j_->is_object()) return nullptr;
    const auto it = j_->find(key);
    return it == j_->end() || it->is_null() ? nullptr : &*it;
  }
  Obj object(const std::string& key) const {
    const json* v = get(key);
    if (v && !v->is_object()) fail(key, "not an object", "an object {...}");
    return {v, at(key)};
  }
  std::vector<Obj> array(const std::string& key) const {
    std::vector<Obj> items;
    const json* v = get(key);
    if (!v) return items;
    if (!v->is_array()) fail(key, "not an array", "an array [...]");
    for (size_t i = 0; i < v->size(); ++i) {
      const auto path = at(key) + "[" + std::to_string(i) + "]";
      if (!(*v)[i].is_object())
        throw FieldError(path, "wrong type", "not an object", "each entry is an object {...}");
      items.emplace_back(&(*v)[i], path);
    }
    return items;
  }
  std::string text(const std::string& key) const {
    const json* v = get(key);
    if (!v) return {};
    if (!v->is_string()) fail(key, "not a string", "a string \"...\"");
    return v->get<std::string>();
  }
  bool boolean(const std::string& key) const {
    const json* v = get(key);
    if (v && !v->is_boolean()) fail(key, "not true or false", "true or false");
    return v && v->get<bool>();
  }
  long integer(const std::string& key, long low, long high) const {
    const json* v = get(key);
    if (!v) return 0;
    if (!v->is_number_integer() || v->get<double>() < static_cast<double>(low) ||
        v->get<double>() > static_cast<double>(high))
      throw FieldError(at(key), "bad number",
                       "is " + printable(v->dump()) +
                           ", not a whole number "
                           "from " +
                           std::to_string(low) + " to " + std::to_string(high),
                       "write it as kubectl does");
    return v->get<long>();
  }
  // A metav1.Time; -1 when absent.
  double time(const std::string& key) const {
    const std::string value = text(key);
    if (value.empty()) return -1;
    try {
      return parse_rfc3339(value);
    } catch (const std::invalid_argument& e) {
      throw FieldError(at(key), "bad timestamp",
                       "'" + printable(value) + "' is not an RFC 3339 time: " + e.what(),
                       "write times as kubectl does, e.g. 2024-05-01T12:00:00Z");
    }
  }
  int devices(const std::string& key) const {
    const json* v = get(key);
    if (!v) return 0;
    try {
      return whole_device_count(*v);
    } catch (const std::invalid_argument& e) {
      throw FieldError(at(key), "bad quantity", printable(v->dump()) + " " + e.what(),
                       "nvidia.com/gpu counts whole devices: write a plain whole number such as "
                       "\"8\" (no suffix, exponent, fraction or sign)");
    }
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem,
                         const std::string& should_be) const {
    throw FieldError(at(key), "wrong type", problem,
                     "the API reference has " + should_be + " here");
  }

 private:
  static unsigned char uc(char c) { return static_cast<unsigned char>(c); }
  const json* j_;
  std::string path_;
};

// A container's GPUs: its limit, else its request. The API server refuses a container whose
// nvidia.com/gpu request and limit differ (extended resources are not overcommitted) and
// defaults the request to the limit, so the limit is what the device plugin allocated.
int container_gpus(const Obj& container) {
  const Obj resources = container.object("resources");
  const int limit = resources.object("limits").devices(kGpu);
  const int request = resources.object("requests").devices(kGpu);
  const bool has_limit = resources.object("limits").get(kGpu) != nullptr;
  if (has_limit && resources.object("requests").get(kGpu) && request != limit)
    throw FieldError(resources.object("requests").at(kGpu), "requests differ from limits",
                     "request " + std::to_string(request) + " and limit " + std::to_string(limit),
                     "for nvidia.com/gpu the API server requires request = limit");
  return has_limit ? limit : request;
}

// The pod's effective request, as the scheduler computes it (KEP-753): app containers and
// sidecars (init containers with restartPolicy Always) together, or an init container with
// the sidecars started before it, whichever is larger.
int pod_gpus(const Obj& spec) {
  long sidecars = 0, init = 0, app = 0;
  for (const auto& c : spec.array("initContainers")) {
    const long g = container_gpus(c);
    if (c.text("restartPolicy") == "Always") {
      sidecars += g;
      init = std::max(init, sidecars);
    } else {
      init = std::max(init, g + sidecars);
    }
  }
  for (const auto& c : spec.array("containers")) app += container_gpus(c);
  const long gpus = std::max(app + sidecars, init);
  if (gpus > kMaxDevices)
    throw FieldError(spec.path(), "out of range",
                     "the pod's containers ask " + std::to_string(gpus) + " GPUs together",
                     "a pod runs on one node: at most 1024 GPUs");
  return static_cast<int>(gpus);
}

// The controller owner (the one with controller: true), else the first reference.
void read_owner(const Obj& meta, KubePod& pod) {
  const auto owners = meta.array("ownerReferences");
  if (owners.empty()) return;
  const auto controller = std::find_if(owners.begin(), owners.end(),
                                       [](const Obj& o) { return o.boolean("controller"); });
  const Obj& owner = controller != owners.end() ? *controller : owners.front();
  pod.owner_kind = owner.text("kind");
  pod.owner_name = owner.text("name");
}

void read_container_states(const Obj& status, KubePod& pod) {
  for (const auto& c : status.array("containerStatuses")) {
    const Obj state = c.object("state");
    const double running = state.object("running").time("startedAt");
    const Obj done = state.object("terminated");
    const double started = done.time("startedAt"), finished = done.time("finishedAt");
    done.integer("exitCode", -2147483648L, 2147483647L);  // checked: a number if present
    for (double t : {running, started})
      if (t >= 0 && (pod.container_start < 0 || t < pod.container_start)) pod.container_start = t;
    pod.finish = std::max(pod.finish, finished);
    const std::string reason = done.text("reason");
    if (pod.failure.empty() && !reason.empty() && reason != "Completed") pod.failure = reason;
    pod.latest = std::max({pod.latest, running, started, finished});
  }
  for (const auto& c : status.array("conditions"))
    if (c.text("type") == "DisruptionTarget" && c.text("status") == "True")
      pod.disruption = c.text("reason");
}

}  // namespace

nlohmann::json read_kube_list(const std::string& file, const std::string& kind) {
  LineReader reader(file);
  std::string text, line;
  while (reader.next(line)) text += line + "\n";
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    const std::string what = e.what();
    const bool encoding = what.find("UTF-8") != std::string::npos;
    throw InputError(file, "",
                     "not JSON: " + what.substr(std::min(what.find("parse error"), what.size())),
                     encoding ? "kubectl writes UTF-8: convert the file (iconv -t UTF-8)"
                              : "pass the output of kubectl get " +
                                    std::string(kind == "Pod" ? "pods -A" : "nodes") + " -o json");
  } catch (const json::out_of_range& e) {
    throw InputError(file, "", std::string("a number is out of range: ") + e.what(),
                     "write numbers below 1e308");
  }
  const std::string list = kind + "List";
  const std::string command =
      kind == "Pod" ? "kubectl get pods -A -o json" : "kubectl get nodes -o json";
  if (!doc.is_object() || !doc.contains("items") || !doc["items"].is_array())
    throw InputError(file, "", "not a Kubernetes List (an object with an items array)",
                     "pass the output of " + command);
  const json kind_value = doc.contains("kind") ? doc["kind"] : json();
  if (kind_value != "List" && kind_value != list)
    throw InputError(
        file, "kind",
        (kind_value.is_null() ? std::string("is absent") : "is " + printable(kind_value.dump())) +
            ", not \"List\" or \"" + list + "\"",
        "pass the output of " + command);
  for (size_t i = 0; i < doc["items"].size(); ++i) {
    const auto& item = doc["items"][i];
    const std::string path = "items[" + std::to_string(i) + "]";
    if (!item.is_object())
      throw InputError(file, path, "is not an object", "pass the output of " + command);
    if (item.contains("kind") && item["kind"] != kind)
      throw InputError(file, path + ".kind",
                       "is " + printable(item["kind"].dump()) + ", not " + kind,
                       "give the pods file first and the nodes file second: gpufleet import "
                       "kubernetes PODS.json [NODES.json]");
  }
  return std::move(doc["items"]);
}

KubePod read_pod(const nlohmann::json& item, const std::string& path,
                 const std::string& user_label) {
  const Obj pod_obj(&item, path);
  KubePod pod;
  pod.path = path;
  const Obj meta = pod_obj.object("metadata");
  pod.name = meta.text("name");
  if (pod.name.empty())
    throw FieldError(meta.at("name"), "no name", "the pod has no name", "every pod has a name");
  if (!valid_utf8(pod.name))
    throw FieldError(meta.at("name"), "bad name", "not UTF-8", "write names in UTF-8");
  pod.ns = meta.text("namespace");
  if (pod.ns.empty()) pod.ns = "default";
  pod.created = meta.time("creationTimestamp");
  if (pod.created < 0)
    throw FieldError(meta.at("creationTimestamp"), "bad timestamp", "absent",
                     "every pod has a creationTimestamp");
  read_owner(meta, pod);
  const Obj labels = meta.object("labels");
  pod.template_hash = labels.text("pod-template-hash");
  if (!user_label.empty()) pod.user = labels.text(user_label);
  const Obj spec = pod_obj.object("spec");
  pod.node = spec.text("nodeName");
  pod.priority = spec.integer("priority", -2147483648L, 2147483647L);
  pod.deadline_s = static_cast<double>(spec.integer("activeDeadlineSeconds", 1, 316224000));
  pod.gpus = pod_gpus(spec);
  const Obj status = pod_obj.object("status");
  pod.phase = status.text("phase");
  pod.reason = status.text("reason");
  pod.start = status.time("startTime");
  read_container_states(status, pod);
  pod.latest = std::max({pod.latest, pod.created, pod.start});
  return pod;
}

KubeNode read_node(const nlohmann::json& item, const std::string& path) {
  const Obj node_obj(&item, path);
  KubeNode node;
  node.path = path;
  const Obj meta = node_obj.object("metadata");
  node.name = meta.text("name");
  if (node.name.empty())
    throw FieldError(meta.at("name"), "no name", "the node has no name", "every node has a name");
  const Obj labels = meta.object("labels");
  node.product = labels.text("nvidia.com/gpu.product");
  const Obj status = node_obj.object("status");
  // Capacity is what the device plugin found; allocatable leaves out unhealthy devices; the
  // label is GPU feature discovery's count, for a node file without status.
  if (status.object("capacity").get(kGpu))
    node.gpus = status.object("capacity").devices(kGpu);
  else if (status.object("allocatable").get(kGpu))
    node.gpus = status.object("allocatable").devices(kGpu);
  else
    node.gpus = labels.devices("nvidia.com/gpu.count");
  for (const auto& c : status.array("conditions"))
    node.heartbeat = std::max(node.heartbeat, c.time("lastHeartbeatTime"));
  return node;
}

namespace {

bool digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

int number_at(std::string_view s, size_t at, size_t n) {
  int x = 0;
  for (size_t i = at; i < at + n; ++i) x = x * 10 + (s[i] - '0');
  return x;
}

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

}  // namespace

double parse_rfc3339(std::string_view s) {
  // date-time = YYYY-MM-DD "T" hh:mm:ss [.frac] ("Z" / +hh:mm / -hh:mm)
  if (!(digits(s, 0, 4) && s.size() > 19 && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
        digits(s, 8, 2) && (s[10] == 'T' || s[10] == 't') && digits(s, 11, 2) && s[13] == ':' &&
        digits(s, 14, 2) && s[16] == ':' && digits(s, 17, 2)))
    throw std::invalid_argument("expected YYYY-MM-DDThh:mm:ss followed by Z or an offset");
  const int y = number_at(s, 0, 4), mo = number_at(s, 5, 2), d = number_at(s, 8, 2);
  const int h = number_at(s, 11, 2), mi = number_at(s, 14, 2), sec = number_at(s, 17, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
    throw std::invalid_argument("no such date or time of day");
  double fraction = 0;
  size_t at = 19;
  if (s[at] == '.') {
    double scale = 0.1;
    const size_t from = ++at;
    for (; at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])); ++at, scale /= 10)
      fraction += (s[at] - '0') * scale;
    if (at == from) throw std::invalid_argument("a '.' without fraction digits");
  }
  long offset = 0;
  const auto zone = s.substr(at);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 2) &&
             zone[3] == ':' && digits(zone, 4, 2) && number_at(zone, 1, 2) <= 23 &&
             number_at(zone, 4, 2) <= 59) {
    offset =
        (number_at(zone, 1, 2) * 3600L + number_at(zone, 4, 2) * 60L) * (zone[0] == '-' ? -1 : 1);
  } else {
    throw std::invalid_argument("the time zone must be Z or +hh:mm / -hh:mm");
  }
  const long days = days_from_civil(y, mo, d);
  return static_cast<double>(days * 86400L + h * 3600L + mi * 60L + sec - offset) + fraction;
}

int whole_device_count(const nlohmann::json& value) {
  long count = -1;
  if (value.is_number_unsigned() || value.is_number_integer()) {
    if (value.get<double>() < 0) throw std::invalid_argument("is negative");
    if (value.get<double>() <= kMaxDevices) count = value.get<long>();
  } else if (value.is_string()) {
    const auto text = value.get<std::string>();
    if (text.empty() || !digits(text, 0, text.size()))
      throw std::invalid_argument("is not a whole number of devices");
    count = text.size() > 5 ? kMaxDevices + 1 : std::stol(text);
  } else {
    throw std::invalid_argument("is not a whole number of devices");
  }
  if (count < 0 || count > kMaxDevices)
    throw std::invalid_argument("is more than 1024 devices, more than any node holds");
  return static_cast<int>(count);
}

const std::vector<std::string>& kube_fields_read() {
  static const std::vector<std::string> fields = {
      "Pod.metadata.name",
      "Pod.metadata.namespace",
      "Pod.metadata.creationTimestamp",
      "Pod.metadata.labels",
      "Pod.metadata.ownerReferences.kind",
      "Pod.metadata.ownerReferences.name",
      "Pod.metadata.ownerReferences.controller",
      "Pod.spec.nodeName",
      "Pod.spec.priority",
      "Pod.spec.activeDeadlineSeconds",
      "Pod.spec.containers.resources.limits",
      "Pod.spec.containers.resources.requests",
      "Pod.spec.initContainers.resources.limits",
      "Pod.spec.initContainers.resources.requests",
      "Pod.spec.initContainers.restartPolicy",
      "Pod.status.phase",
      "Pod.status.reason",
      "Pod.status.startTime",
      "Pod.status.conditions.type",
      "Pod.status.conditions.status",
      "Pod.status.conditions.reason",
      "Pod.status.containerStatuses.state.running.startedAt",
      "Pod.status.containerStatuses.state.terminated.startedAt",
      "Pod.status.containerStatuses.state.terminated.finishedAt",
      "Pod.status.containerStatuses.state.terminated.reason",
      "Pod.status.containerStatuses.state.terminated.exitCode",
      "Node.metadata.name",
      "Node.metadata.labels",
      "Node.status.capacity",
      "Node.status.allocatable",
      "Node.status.conditions.lastHeartbeatTime",
  };
  return fields;
}

}  // namespace gpufleet
