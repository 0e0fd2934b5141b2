// _core.Core and its views of training jobs and pools (docs/python.md, "Policies in Python"): a
// Python policy reads the scheduler core through them and acts through the core's own checked
// calls. A refused action raises gpufleet.PolicyError with the core's reason
// (SchedulerCore::why_cannot_start). Services and leases: service_view.cpp, lease_view.cpp.
#include "python/core_view.hpp"

#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace py = pybind11;

namespace gpufleet::python {

void raise_policy_error(const std::string& message) {
  const py::object error = py::module_::import("gpufleet._errors").attr("PolicyError");
  PyErr_SetString(error.ptr(), message.c_str());
  throw py::error_already_set();
}

void raise_if_refused(const std::string& why) {
  if (!why.empty()) raise_policy_error(why);
}

namespace {

const char* method_of(PolicyStep step) {
  switch (step) {
    case PolicyStep::kServe:
      return "serve(core), which owns the inference replicas";
    case PolicyStep::kLeases:
      return "leases(core), which owns the lease decisions";
    case PolicyStep::kSchedule:
      return "schedule(core), which owns the training order";
    case PolicyStep::kNone:
      break;
  }
  return "the policy's calls";
}

}  // namespace

SchedulerCore& acting(CoreView& view, PolicyStep step, const char* action) {
  if (view.step == PolicyStep::kNone)
    raise_policy_error(std::string("core.") + action +
                       ": the core acts only during the policy's calls (schedule, serve, leases)");
  if (step != PolicyStep::kNone && view.step != step)
    raise_policy_error(std::string("core.") + action + " acts only during " + method_of(step));
  return *view.core;
}

int index_of(py::handle item, size_t count, const char* what) {
  const long index = py::isinstance<py::int_>(item) ? item.cast<long>()
                     : py::hasattr(item, "index")   ? item.attr("index").cast<long>()
                                                    : -1;
  if (index < 0 || static_cast<size_t>(index) >= count)
    raise_policy_error(std::string("no such ") + what + ": " +
                       py::str(py::repr(item)).cast<std::string>() + " (give a " + what +
                       " of the core, or its index)");
  return static_cast<int>(index);
}

int pool_of(const SchedulerCore& core, py::handle item) {
  return index_of(item, core.fleet().pools.size(), "pool");
}

void def_refusal_queries(py::class_<CoreView>& core, const char* why, const char* can,
                         RefusalQuery query, const char* doc) {
  core.def(why, query, doc).def(can, [query](const CoreView& v, py::handle item, py::handle pool) {
    return query(v, item, pool).empty();
  });
}

namespace {

// A training job as the policy sees it; its fields read the core when read.
struct JobView {
  const SchedulerCore* core;
  int index;
  const TrainingJob& spec() const { return core->workload().training[index]; }
};

struct PoolView {
  int index;
  std::string name, model, role;
  int gpus, gpus_per_domain;
};

// Waiting jobs in queue order, read one at a time: it remembers the queue key of the last job
// it gave, so jobs started meanwhile are skipped and the rest still come in order.
struct WaitingIterator {
  const SchedulerCore* core;
  long after;
};

int job_of(const CoreView& view, py::handle item) {
  return index_of(item, view.core->workload().training.size(), "job");
}

py::object make_pools(const SchedulerCore& core) {
  py::list pools;
  const auto& all = core.fleet().pools;
  for (size_t p = 0; p < all.size(); ++p)
    pools.append(PoolView{static_cast<int>(p), all[p].name, all[p].gpu_model,
                          to_string(all[p].role), all[p].gpus(), all[p].gpus_per_domain});
  return py::tuple(pools);
}

void start(CoreView& view, py::handle job_item, py::handle pool_item) {
  SchedulerCore& core = acting(view, PolicyStep::kSchedule, "start");
  const int job = job_of(view, job_item), pool = pool_of(*view.core, pool_item);
  raise_if_refused(core.why_cannot_start(job, pool));
  if (!core.start_training(job, pool))  // why_cannot_start asks what start_training checks
    raise_policy_error("job " + core.workload().training[job].id + " did not start");
}

void preempt(CoreView& view, py::handle job_item, double restart_delay_s) {
  SchedulerCore& core = acting(view, PolicyStep::kNone, "preempt");
  const int job = job_of(view, job_item);
  raise_if_refused(core.why_cannot_preempt(job));
  if (!(restart_delay_s >= 0) || !std::isfinite(restart_delay_s))
    raise_policy_error("restart_delay_s must be a finite number >= 0");
  core.preempt_training(job, restart_delay_s);
}

void wake_at(CoreView& view, double t) {
  SchedulerCore& core = acting(view, PolicyStep::kNone, "wake_at");
  if (!std::isfinite(t)) raise_policy_error("wake_at needs a finite time in seconds");
  core.wake_at(t);  // a time not after now is ignored: the core is called after every event
}

void bind_views(py::module_& m) {
  py::class_<JobView>(m, "Job", "A training job, as a Python policy sees it (docs/python.md)")
      .def_readonly("index", &JobView::index)
      .def_property_readonly("id", [](const JobView& j) { return j.spec().id; })
      .def_property_readonly("gpus", [](const JobView& j) { return j.spec().gpus; })
      .def_property_readonly("submit_s", [](const JobView& j) { return j.spec().submit_s; })
      .def_property_readonly("priority", [](const JobView& j) { return j.spec().priority; })
      .def_property_readonly(
          "pools", [](const JobView& j) { return j.core->job_pools(j.index); },
          "Indexes of the pools it may run on, in its order of preference")
      .def_property_readonly("models",
                             [](const JobView& j) {
                               std::vector<std::string> models;
                               for (const auto& g : j.spec().generations) models.push_back(g.model);
                               return models;
                             })
      .def_property_readonly("started_s",
                             [](const JobView& j) { return j.core->started_at(j.index); })
      .def_property_readonly("pool",
                             [](const JobView& j) -> py::object {
                               const auto& placement = j.core->placement_of(j.index);
                               if (!placement) return py::none();
                               return py::int_(placement->pool);
                             })
      .def("planned_runtime_s",
           [](const JobView& j, py::handle pool) {
             return j.core->planned_runtime_s(j.index, pool_of(*j.core, pool));
           })
      .def(
          "throughput",
          [](const JobView& j, py::handle pool_item) {
            // Gavel's throughput matrix, as hetero-aware reads it: a profile, not its run time.
            const int pool = pool_of(*j.core, pool_item);
            return j.core->generation_on(j.index, pool) < 0 ? 0.0 : j.core->rate_on(j.index, pool);
          },
          "Useful FLOP/s one GPU of the pool gives the job (its MFU there x the pool's peak); 0 "
          "where it may not run")
      .def("__repr__", [](const JobView& j) {
        return "<Job " + std::to_string(j.index) + " '" + j.spec().id + "' " +
               std::to_string(j.spec().gpus) + " GPUs>";
      });
  py::class_<PoolView>(m, "Pool", "A pool of the fleet (docs/python.md)")
      .def_readonly("index", &PoolView::index)
      .def_readonly("name", &PoolView::name)
      .def_readonly("model", &PoolView::model)
      .def_readonly("role", &PoolView::role)
      .def_readonly("gpus", &PoolView::gpus)
      .def_readonly("gpus_per_domain", &PoolView::gpus_per_domain)
      .def("__repr__", [](const PoolView& p) {
        return "<Pool " + std::to_string(p.index) + " '" + p.name + "' " + p.model + " " + p.role +
               ">";
      });
  py::class_<WaitingIterator>(m, "WaitingIterator")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](WaitingIterator& it) {
        const int job = it.core->waiting_training().first_after(it.after);
        if (job < 0) throw py::stop_iteration();
        it.after = it.core->waiting_training().key_of(job);
        return JobView{it.core, job};
      });
}

}  // namespace

void bind_policy_core(py::module_& m) {
  bind_views(m);
  py::class_<CoreView> core(m, "Core",
                            "The scheduler core, as the policy's methods get it (docs/python.md)");
  bind_services(m, core);
  bind_leases(m, core);
  core.def_property_readonly("now", [](const CoreView& v) { return v.core->now(); })
      .def(
          "waiting",
          [](const CoreView& v) {
            return WaitingIterator{v.core, std::numeric_limits<long>::min()};
          },
          "The waiting training jobs in queue order, read lazily")
      .def_property_readonly("waiting_count",
                             [](const CoreView& v) { return v.core->waiting_training().size(); })
      .def(
          "running",
          [](const CoreView& v) {
            std::vector<JobView> jobs;
            for (int job : v.core->running_training()) jobs.push_back({v.core, job});
            return jobs;
          },
          "The running training jobs, in start order")
      .def("job",
           [](const CoreView& v, py::handle job) {
             return JobView{v.core, job_of(v, job)};
           })
      .def_property_readonly("pools",
                             [](CoreView& v) {
                               if (!v.pools)
                                 v.pools = std::make_unique<PythonRef>(make_pools(*v.core));
                               return v.pools->get();
                             })
      .def("free_gpus", [](const CoreView& v,
                           py::handle pool) { return v.core->free_gpus(pool_of(*v.core, pool)); })
      .def("start", &start, py::arg("job"), py::arg("pool"),
           "Starts a waiting job on the pool; raises PolicyError with the core's reason if refused")
      .def("preempt", &preempt, py::arg("job"), py::arg("restart_delay_s") = 0.0,
           "Preempts a running job: its GPUs are freed, it waits at the head of the queue")
      .def("wake_at", &wake_at, py::arg("t"), "Asks to be called again at time t (seconds)");
  def_refusal_queries(
      core, "why_cannot_start", "can_start",
      [](const CoreView& v, py::handle job, py::handle pool) {
        return v.core->why_cannot_start(job_of(v, job), pool_of(*v.core, pool));
      },
      "Why start(job, pool) would be refused now; empty if it would start");
}

}  // namespace gpufleet::python
