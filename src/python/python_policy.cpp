// A training order written in Python, called by the composed policy in place of its C++ order
// (docs/python.md, "Policies in Python"). It runs in the child process of gpufleet.run, on the
// simulation's controller actor (its own stack, kControllerStackBytes), holding the GIL only
// while Python runs.
#include "python/python_policy.hpp"

#include <algorithm>
#include <string>

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

struct PythonOrder {
  PythonOrder(std::shared_ptr<PythonRef> p, std::string name)
      : policy(std::move(p)), part(std::move(name)) {}

  std::shared_ptr<PythonRef> policy;
  std::string part;
  std::shared_ptr<CoreView> view = std::make_shared<CoreView>();
  std::shared_ptr<PythonRef> view_object;  // view, as the Python object schedule() gets

  void operator()(SchedulerCore& core) {
    py::gil_scoped_acquire gil;
    if (!view_object) {
      view->core = &core;
      view_object =
          std::make_shared<PythonRef>(py::cast(view.get(), py::return_value_policy::reference));
    }
    // The controller's stack is not the thread's: Python cannot see its end, and nothing
    // stops an overflow (SimGrid's stacks have no guard page here). Python's default recursion
    // limit keeps its C frames within it (measured: 2,000 levels of recursion through C
    // builtins fit in 2 MiB, 5,000 do not), so a deeper policy gets RecursionError, not a
    // corrupted run.
    const int limit = Py_GetRecursionLimit();
    Py_SetRecursionLimit(std::min(limit, kRecursionLimit));
    view->active = true;
    try {
      policy->get().attr("schedule")(view_object->get());
      view->active = false;
      Py_SetRecursionLimit(limit);
    } catch (py::error_already_set& e) {
      view->active = false;
      Py_SetRecursionLimit(limit);
      throw PolicyFailure(std::string(kPolicyFailed) + " (" + part + "):\n" + traceback_of(e));
    }
  }
};

}  // namespace

ExternalOrder python_order(std::shared_ptr<PythonRef> policy, const std::string& part) {
  return PythonOrder{std::move(policy), part};
}

}  // namespace gpufleet::python
