#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <memory>
#include <string>

#include "policies/demand_forecast.hpp"
#include "python/python_policy.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet::python {

// Which of the policy's methods runs now: what it may act on (docs/python.md).
enum class PolicyStep { kNone, kServe, kLeases, kSchedule };

// What a Python policy's methods get: the scheduler core of the run, read freely, acted on only
// during a call (`step`), with the forecaster the C++ parts read. One per run, reused by every
// call.
struct CoreView {
  SchedulerCore* core = nullptr;
  const DemandForecaster* forecaster = nullptr;
  PolicyStep step = PolicyStep::kNone;
  std::unique_ptr<PythonRef> pools;     // the fleet's pools as _core.Pool, made at the first read
  std::unique_ptr<PythonRef> services;  // the services as _core.Service, likewise
};

// Raises gpufleet.PolicyError (python/gpufleet/_errors.py) with this message.
[[noreturn]] void raise_policy_error(const std::string& message);
// Raises it with the core's reason when a call would be refused (`why` not empty).
void raise_if_refused(const std::string& why);

// The core, for an action that only `step` may take (kNone: any of the policy's calls);
// PolicyError naming the method that may, otherwise.
SchedulerCore& acting(CoreView& view, PolicyStep step, const char* action);

// The index of a job, pool, service, replica or lease given as its view or its index; PolicyError
// if it is none of the `count` the core has.
int index_of(pybind11::handle item, std::size_t count, const char* what);
int pool_of(const SchedulerCore& core, pybind11::handle item);

// Binds core.WHY(item, pool), the core's reason an action on that pool would be refused now
// (empty if it would be done), and core.CAN(item, pool), whether that reason is empty: one query
// for both, as the action's own check (raise_if_refused) reads it.
using RefusalQuery = std::string (*)(const CoreView&, pybind11::handle, pybind11::handle);
void def_refusal_queries(pybind11::class_<CoreView>& core, const char* why, const char* can,
                         RefusalQuery query, const char* doc);

// The views and calls of each kind, added to _core.Core (core_view.cpp: the training jobs and
// pools; service_view.cpp: services and replicas; lease_view.cpp: lease requests).
void bind_services(pybind11::module_& m, pybind11::class_<CoreView>& core);
void bind_leases(pybind11::module_& m, pybind11::class_<CoreView>& core);

}  // namespace gpufleet::python
