// _core.Service and _core.Replica, and the core's calls on replicas (docs/python.md, "Policies in
// Python"): what a Python policy's serve(core) reads and does, through the calls the C++
// autoscale and lease-idle parts make (SchedulerCore::scale_to, add_replica, remove_replica). A
// refused call raises gpufleet.PolicyError with the core's reason (why_cannot_add_replica).
#include <pybind11/stl.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "python/core_view.hpp"

namespace py = pybind11;

namespace gpufleet::python {

namespace {

// A service as the policy sees it: its fields read the core (and the forecaster) when read.
struct ServiceView {
  const CoreView* view;
  int index;
  const SchedulerCore& core() const { return *view->core; }
  const InferenceService& spec() const { return core().workload().inference[index]; }
};

struct GenerationView {
  std::string model;
  double throughput, latency_s;
};

// A replica the core started (the core's number for it, `index`), stopped or not.
struct ReplicaView {
  const SchedulerCore* core;
  int index;
  const SchedulerCore::Replica& replica() const { return core->replicas()[index]; }
};

int service_of(const CoreView& view, py::handle item) {
  return index_of(item, view.core->workload().inference.size(), "service");
}

int replica_of(const CoreView& view, py::handle item) {
  return index_of(item, view.core->replicas().size(), "replica");
}

std::vector<ReplicaView> replicas_of(const ServiceView& s) {
  std::vector<ReplicaView> replicas;
  for (int id : s.core().active_replicas(s.index)) replicas.push_back({&s.core(), id});
  return replicas;
}

double forecast(const ServiceView& s, double ahead_s) {
  if (!(ahead_s >= 0) || !std::isfinite(ahead_s))
    raise_policy_error("forecast needs a finite ahead_s >= 0, seconds");
  return s.view->forecaster->forecast(s.index, s.core().now(), ahead_s);
}

void scale_to(CoreView& view, py::handle service, double target, const std::string& role) {
  SchedulerCore& core = acting(view, PolicyStep::kServe, "scale_to");
  const int s = service_of(view, service);
  if (!(target >= 0) || !std::isfinite(target))
    raise_policy_error("scale_to needs a finite target >= 0, demand units/s");
  PoolRole pool_role = PoolRole::kInference;
  try {
    pool_role = parse_pool_role(role);
  } catch (const std::invalid_argument& e) {
    raise_policy_error(std::string("scale_to: ") + e.what());
  }
  core.scale_to(s, pool_role, target);
}

ReplicaView add_replica(CoreView& view, py::handle service, py::handle pool) {
  SchedulerCore& core = acting(view, PolicyStep::kServe, "add_replica");
  const int s = service_of(view, service), p = pool_of(*view.core, pool);
  raise_if_refused(core.why_cannot_add_replica(s, p));
  if (!core.add_replica(s, p))  // why_cannot_add_replica asks what add_replica checks
    raise_policy_error("service " + core.workload().inference[s].id + " added no replica");
  return {&core, static_cast<int>(core.replicas().size()) - 1};
}

void remove_replica(CoreView& view, py::handle replica) {
  SchedulerCore& core = acting(view, PolicyStep::kServe, "remove_replica");
  const int r = replica_of(view, replica);
  raise_if_refused(core.why_cannot_remove_replica(r));
  core.remove_replica(r);
}

void bind_views(py::module_& m) {
  py::class_<GenerationView>(m, "Generation", "A GPU generation a service may run on")
      .def_readonly("model", &GenerationView::model)
      .def_readonly("throughput", &GenerationView::throughput, "units/s one replica sustains")
      .def_readonly("latency_s", &GenerationView::latency_s, "per-unit latency at that rate")
      .def("__repr__", [](const GenerationView& g) { return "<Generation " + g.model + ">"; });
  py::class_<ReplicaView>(m, "Replica", "A replica of a service (docs/python.md)")
      .def_readonly("index", &ReplicaView::index)
      .def_property_readonly("service", [](const ReplicaView& r) { return r.replica().service; })
      .def_property_readonly("pool",
                             [](const ReplicaView& r) { return r.replica().placement.pool; })
      .def_property_readonly("gpus",
                             [](const ReplicaView& r) { return r.replica().placement.gpus(); })
      .def_property_readonly("ready_s", [](const ReplicaView& r) { return r.replica().ready_s; })
      .def_property_readonly("active", [](const ReplicaView& r) { return r.replica().active; })
      .def("__repr__", [](const ReplicaView& r) {
        return "<Replica " + std::to_string(r.index) + " of service " +
               std::to_string(r.replica().service) + " on pool " +
               std::to_string(r.replica().placement.pool) + ">";
      });
  py::class_<ServiceView>(m, "Service", "An inference service (docs/python.md)")
      .def_readonly("index", &ServiceView::index)
      .def_property_readonly("id", [](const ServiceView& s) { return s.spec().id; })
      .def_property_readonly("gpus_per_replica",
                             [](const ServiceView& s) { return s.spec().gpus_per_replica; })
      .def_property_readonly("latency_target_s",
                             [](const ServiceView& s) { return s.spec().latency_target_s; })
      .def_property_readonly("unit", [](const ServiceView& s) { return s.spec().unit; })
      .def_property_readonly("cold_start_s",
                             [](const ServiceView& s) { return s.spec().cold_start_s(); })
      .def_property_readonly("generations",
                             [](const ServiceView& s) {
                               std::vector<GenerationView> generations;
                               for (const auto& g : s.spec().generations)
                                 generations.push_back({g.model, g.throughput, g.latency_s});
                               return generations;
                             })
      .def_property_readonly("demand",
                             [](const ServiceView& s) { return s.core().demand(s.index); })
      .def_property_readonly("capacity",
                             [](const ServiceView& s) { return s.core().capacity(s.index); })
      .def_property_readonly("provisioned",
                             [](const ServiceView& s) { return s.core().provisioned(s.index); })
      .def_property_readonly("replicas", &replicas_of, "Its active replicas, in start order")
      .def_property_readonly(
          "peak", [](const ServiceView& s) { return s.view->forecaster->peak(s.index); },
          "The highest demand the run's forecaster expects (what static-partition holds)")
      .def("forecast", &forecast, py::arg("ahead_s"),
           "The demand to provision for over [now, now + ahead_s], by the run's --forecast")
      .def("__repr__", [](const ServiceView& s) {
        return "<Service " + std::to_string(s.index) + " '" + s.spec().id + "'>";
      });
}

}  // namespace

void bind_services(py::module_& m, py::class_<CoreView>& core) {
  bind_views(m);
  core.def_property_readonly(
          "services",
          [](CoreView& v) {
            if (!v.services) {
              py::list services;
              for (size_t s = 0; s < v.core->workload().inference.size(); ++s)
                services.append(ServiceView{&v, static_cast<int>(s)});
              v.services = std::make_unique<PythonRef>(py::tuple(services));
            }
            return v.services->get();
          },
          "The inference services, a tuple indexed by service index")
      .def(
          "replica",
          [](const CoreView& v, py::handle replica) {
            return ReplicaView{v.core, replica_of(v, replica)};
          },
          "The replica of that index (the core's number for it), stopped or not")
      .def("scale_to", &scale_to, py::arg("service"), py::arg("target"),
           py::arg("role") = "inference",
           "Adds or removes the service's replicas on pools of the role until its provisioned "
           "capacity meets target (units/s), as the C++ autoscaler does")
      .def("add_replica", &add_replica, py::arg("service"), py::arg("pool"),
           "Starts a replica of the service on the pool; returns it")
      .def("remove_replica", &remove_replica, py::arg("replica"), "Stops an active replica");
  def_refusal_queries(
      core, "why_cannot_add_replica", "can_add_replica",
      [](const CoreView& v, py::handle service, py::handle pool) {
        return v.core->why_cannot_add_replica(service_of(v, service), pool_of(*v.core, pool));
      },
      "Why add_replica(service, pool) would be refused now; empty if it would start one");
}

}  // namespace gpufleet::python
