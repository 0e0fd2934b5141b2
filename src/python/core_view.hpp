#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "python/python_policy.hpp"
#include "scheduler/scheduler_core.hpp"

namespace gpufleet::python {

// What a Python policy's schedule(core) gets: the scheduler core of the run, read freely, acted
// on only during the call (`active`). One per run, reused by every call.
struct CoreView {
  SchedulerCore* core = nullptr;
  bool active = false;
  std::unique_ptr<PythonRef> pools;  // the fleet's pools as _core.Pool, made at the first read
};

// Raises gpufleet.PolicyError (python/gpufleet/_errors.py) with this message.
[[noreturn]] void raise_policy_error(const std::string& message);

}  // namespace gpufleet::python
