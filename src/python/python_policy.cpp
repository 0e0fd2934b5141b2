// A policy part written in Python: its methods schedule, serve and leases, each called by the
// composed policy in place of the C++ part that takes that step (docs/python.md, "Policies in
// Python"). It runs in the child process of gpufleet.run, on the simulation's controller actor
// (its own stack, kControllerStackBytes), holding the GIL only while Python runs.
#include "python/python_policy.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "python/core_view.hpp"

namespace py = pybind11;

namespace gpufleet::python {

PythonRef::~PythonRef() {
  py::gil_scoped_acquire gil;
  py::object dropped = std::move(object_);
}

namespace {

constexpr int kRecursionLimit = 1000;  // CPython's default

// The exception as Python prints it: traceback, type and message.
std::string traceback_of(py::error_already_set& e) {
  const py::object format = py::module_::import("traceback").attr("format_exception");
  std::string text;
  for (const auto& line : format(e.type(), e.value(), e.trace())) text += line.cast<std::string>();
  return text;
}

// A Python policy part: its object, the view of the core its methods get, and how to call them.
struct PythonPart {
  PythonPart(std::shared_ptr<PythonRef> p, std::string name)
      : policy(std::move(p)), part(std::move(name)) {}

  std::shared_ptr<PythonRef> policy;
  std::string part;
  CoreView view;
  std::unique_ptr<PythonRef> view_object;  // view, as the Python object the methods get

  void call(PolicyStep step, const char* method, SchedulerCore& core,
            const DemandForecaster& forecaster) {
    py::gil_scoped_acquire gil;
    if (!view_object) {
      view.core = &core;
      view.forecaster = &forecaster;
      view_object =
          std::make_unique<PythonRef>(py::cast(&view, py::return_value_policy::reference));
    }
    // The controller's stack is not the thread's: Python cannot see its end, and nothing
    // stops an overflow (SimGrid's stacks have no guard page here). Python's default recursion
    // limit keeps its C frames within it (measured: 2,000 levels of recursion through C
    // builtins fit in 2 MiB, 5,000 do not), so a deeper policy gets RecursionError, not a
    // corrupted run.
    const int limit = Py_GetRecursionLimit();
    Py_SetRecursionLimit(std::min(limit, kRecursionLimit));
    view.step = step;
    try {
      policy->get().attr(method)(view_object->get());
      view.step = PolicyStep::kNone;
      Py_SetRecursionLimit(limit);
    } catch (py::error_already_set& e) {
      view.step = PolicyStep::kNone;
      Py_SetRecursionLimit(limit);
      throw PolicyFailure(std::string(kPolicyFailed) + " (" + part + "):\n" + traceback_of(e));
    }
  }
};

ExternalPolicy::Step step_of(const std::shared_ptr<PythonPart>& part, PolicyStep step,
                             const char* method) {
  return [part, step, method](SchedulerCore& core, const DemandForecaster& forecaster) {
    part->call(step, method, core, forecaster);
  };
}

}  // namespace

ExternalPolicy python_part(std::shared_ptr<PythonRef> policy, const std::string& part) {
  std::vector<std::string> defined;
  {
    py::gil_scoped_acquire gil;
    const py::object steps_of = py::module_::import("gpufleet._policy").attr("steps_of");
    defined = steps_of(policy->get()).cast<std::vector<std::string>>();
  }
  const auto defines = [&](const char* method) {
    return std::find(defined.begin(), defined.end(), method) != defined.end();
  };
  if (defined.empty())
    throw std::invalid_argument("policy part '" + part +
                                "': its class defines none of schedule(core), serve(core) and "
                                "leases(core) (docs/python.md, \"Policies in Python\")");
  const auto shared = std::make_shared<PythonPart>(std::move(policy), part);
  ExternalPolicy steps;
  if (defines("serve")) steps.serve = step_of(shared, PolicyStep::kServe, "serve");
  if (defines("leases")) steps.leases = step_of(shared, PolicyStep::kLeases, "leases");
  if (defines("schedule")) steps.order = step_of(shared, PolicyStep::kSchedule, "schedule");
  return steps;
}

}  // namespace gpufleet::python
