#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "policies/policies.hpp"

namespace gpufleet::python {

// A Python object that may be dropped from any thread: its reference is given back under the
// GIL (the run's policy is destroyed in C++ code that does not hold it).
class PythonRef {
 public:
  explicit PythonRef(pybind11::object object) : object_(std::move(object)) {}
  ~PythonRef();
  PythonRef(const PythonRef&) = delete;
  PythonRef& operator=(const PythonRef&) = delete;
  const pybind11::object& get() const { return object_; }

 private:
  pybind11::object object_;
};

// The steps a Python policy object takes (a gpufleet.Policy), for the part `part`
// ("python:MODULE:CLASS"): those of its methods schedule(core), serve(core) and leases(core) that
// its class defines (gpufleet._policy.steps_of; none: std::invalid_argument). Each call takes the
// GIL, calls the method with a view of the core (_core.Core, one for all three) and gives the GIL
// back. An exception raised by it ends the run: PolicyFailure, whose message is kPolicyFailed,
// the part and the traceback.
ExternalPolicy python_part(std::shared_ptr<PythonRef> policy, const std::string& part);

// What the caller of gpufleet.run recognizes as a failed Python policy.
inline constexpr const char* kPolicyFailed = "the Python policy raised an exception";
struct PolicyFailure : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// _core.Core and its views (Job, Pool, Service, Replica, Lease): what a Python policy reads and
// does (docs/python.md).
void bind_policy_core(pybind11::module_& m);

}  // namespace gpufleet::python
