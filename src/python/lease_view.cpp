// _core.Lease and the core's calls on lease requests (docs/python.md, "Policies in Python"): what
// a Python policy's leases(core) reads and does, through the calls the C++ lease-idle and
// static-partition parts make (SchedulerCore::accept_lease, reject_lease, reclaim_lease). A
// refused call raises gpufleet.PolicyError with the core's reason (why_cannot_accept_lease).
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "python/core_view.hpp"

namespace py = pybind11;

namespace gpufleet::python {

namespace {

// A lease request as the policy sees it; `pool` reads the core when read.
struct LeaseView {
  const SchedulerCore* core;
  int index;
  const LeaseRequest& spec() const { return core->workload().leases[index]; }
};

int lease_of(const CoreView& view, py::handle item) {
  return index_of(item, view.core->workload().leases.size(), "lease");
}

void accept_lease(CoreView& view, py::handle lease, py::handle pool) {
  SchedulerCore& core = acting(view, PolicyStep::kLeases, "accept_lease");
  const int l = lease_of(view, lease), p = pool_of(*view.core, pool);
  raise_if_refused(core.why_cannot_accept_lease(l, p));
  if (!core.accept_lease(l, p))  // why_cannot_accept_lease asks what accept_lease checks
    raise_policy_error("lease " + core.workload().leases[l].id + " was not accepted");
}

void reject_lease(CoreView& view, py::handle lease) {
  SchedulerCore& core = acting(view, PolicyStep::kLeases, "reject_lease");
  const int l = lease_of(view, lease);
  raise_if_refused(core.why_cannot_reject_lease(l));
  core.reject_lease(l);
}

void reclaim_lease(CoreView& view, py::handle lease) {
  SchedulerCore& core = acting(view, PolicyStep::kLeases, "reclaim_lease");
  const int l = lease_of(view, lease);
  raise_if_refused(core.why_cannot_reclaim_lease(l));
  core.reclaim_lease(l);
}

void bind_view(py::module_& m) {
  py::class_<LeaseView>(m, "Lease", "An external lease request (docs/python.md)")
      .def_readonly("index", &LeaseView::index)
      .def_property_readonly("id", [](const LeaseView& l) { return l.spec().id; })
      .def_property_readonly("gpus", [](const LeaseView& l) { return l.spec().gpus; })
      .def_property_readonly("model", [](const LeaseView& l) { return l.spec().model; })
      .def_property_readonly("start_s", [](const LeaseView& l) { return l.spec().start_s; })
      .def_property_readonly("duration_s", [](const LeaseView& l) { return l.spec().duration_s; })
      .def_property_readonly("price_per_gpu_hour",
                             [](const LeaseView& l) { return l.spec().price_per_gpu_hour; })
      .def_property_readonly("preemptible", [](const LeaseView& l) { return l.spec().preemptible; })
      .def_property_readonly("pool",
                             [](const LeaseView& l) -> py::object {
                               const auto& placement = l.core->lease_placement(l.index);
                               if (!placement) return py::none();
                               return py::int_(placement->pool);
                             })
      .def("__repr__", [](const LeaseView& l) {
        return "<Lease " + std::to_string(l.index) + " '" + l.spec().id + "' " +
               std::to_string(l.spec().gpus) + " " + l.spec().model + " GPUs>";
      });
}

}  // namespace

void bind_leases(py::module_& m, py::class_<CoreView>& core) {
  bind_view(m);
  core.def(
          "pending_leases",
          [](const CoreView& v) {
            std::vector<LeaseView> leases;
            for (int l : v.core->pending_leases()) leases.push_back({v.core, l});
            return leases;
          },
          "The lease requests to decide now, in the order they came")
      .def(
          "running_leases",
          [](const CoreView& v) {
            std::vector<LeaseView> leases;
            const int count = static_cast<int>(v.core->workload().leases.size());
            for (int l = 0; l < count; ++l)
              if (v.core->lease_placement(l)) leases.push_back({v.core, l});
            return leases;
          },
          "The accepted leases that hold GPUs now, by index")
      .def("lease",
           [](const CoreView& v, py::handle lease) {
             return LeaseView{v.core, lease_of(v, lease)};
           })
      .def("accept_lease", &accept_lease, py::arg("lease"), py::arg("pool"),
           "Accepts a pending lease on the pool: its GPUs are the tenant's for its term")
      .def("reject_lease", &reject_lease, py::arg("lease"), "Refuses a pending lease")
      .def("reclaim_lease", &reclaim_lease, py::arg("lease"),
           "Ends a running lease now and takes its GPUs back");
  def_refusal_queries(
      core, "why_cannot_accept_lease", "can_accept_lease",
      [](const CoreView& v, py::handle lease, py::handle pool) {
        return v.core->why_cannot_accept_lease(lease_of(v, lease), pool_of(*v.core, pool));
      },
      "Why accept_lease(lease, pool) would be refused now; empty if it would be accepted");
}

}  // namespace gpufleet::python
