// The Python module gpufleet's native part, gpufleet._core (docs/python.md): the commands'
// options, and running a command as the CLI does. The Python side (python/gpufleet/) turns
// keyword arguments into the command line and reads the outputs back.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <stdlib.h>

#include "cli/commands.hpp"
#include "python/forked_command.hpp"
#include "python/python_policy.hpp"

namespace py = pybind11;

namespace {

py::tuple call(const std::string& executable, const std::vector<std::string>& args) {
  gpufleet::python::CommandOutcome outcome;
  {
    // The simulation runs in a child process; this thread only waits, without the GIL, and takes
    // it back only when a signal arrives, to let Python see a Ctrl-C.
    py::gil_scoped_release release;
    outcome = gpufleet::python::run_forked(executable, args, [] {
      py::gil_scoped_acquire acquire;
      return PyErr_CheckSignals() != 0;
    });
  }
  if (outcome.interrupted) throw py::error_already_set();
  return py::make_tuple(outcome.exit_code, py::bytes(outcome.error), py::bytes(outcome.stdout_text),
                        py::bytes(outcome.stderr_text));
}

py::module_ program() {
  return py::module_::import("gpufleet._program");
}

// Runs the command in a child forked as os.fork does (PyOS_BeforeFork, then
// PyOS_AfterFork_Child or _Parent, with the GIL held), so that Python runs there: the caller's
// objects, classes and everything it defined are in the child's copy of the interpreter.
// `install` runs there first: it installs the maker of the parts "python:..." (policies.hpp). The
// child then gives the GIL back and takes it only while Python runs; this thread waits without it.
// `pythonpath`, when not empty, is the child's PYTHONPATH (and so the processes' it starts).
py::tuple call_with_python(const std::string& executable, const std::vector<std::string>& args,
                           const std::function<void()>& install,
                           const std::string& pythonpath = "") {
  PyThreadState* waiting = nullptr;
  gpufleet::python::ForkHooks hooks;
  hooks.before = [] { PyOS_BeforeFork(); };
  hooks.in_parent = [&] {
    PyOS_AfterFork_Parent();
    waiting = PyEval_SaveThread();
  };
  hooks.in_child = [install, pythonpath] {
    PyOS_AfterFork_Child();
    if (!pythonpath.empty()) ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
    install();
    PyEval_SaveThread();
  };
  // What the policy printed is in Python's buffers, which _exit does not write.
  hooks.at_child_exit = [] {
    py::gil_scoped_acquire gil;
    for (const char* stream : {"stdout", "stderr"})
      py::module_::import("sys").attr(stream).attr("flush")();
  };
  gpufleet::python::CommandOutcome outcome;
  try {
    outcome = gpufleet::python::run_forked(
        executable, args,
        [] {
          py::gil_scoped_acquire acquire;
          return PyErr_CheckSignals() != 0;
        },
        hooks);
  } catch (...) {
    if (waiting) PyEval_RestoreThread(waiting);
    throw;
  }
  if (waiting) PyEval_RestoreThread(waiting);
  if (outcome.interrupted) throw py::error_already_set();
  return py::make_tuple(outcome.exit_code, py::bytes(outcome.error), py::bytes(outcome.stdout_text),
                        py::bytes(outcome.stderr_text));
}

// Runs `gpufleet run ...` whose policy names a part "python:..." with `policy` as that part.
py::tuple call_policy(const std::string& executable, const std::vector<std::string>& args,
                      py::object policy) {
  auto shared = std::make_shared<gpufleet::python::PythonRef>(std::move(policy));
  return call_with_python(executable, args, [shared] {
    gpufleet::set_external_order_maker(
        [shared](const std::string& part) { return gpufleet::python::python_part(shared, part); });
  });
}

// Runs a command whose parts "python:MODULE:CLASS" are imported by name in the child
// (gpufleet._program.load_part_for_runs), as the processes it starts will import them: a
// study checks its policies with them before it starts its runs. An import that fails is the
// part's error (std::invalid_argument), which the command reports at the field naming it.
// `pythonpath`: where those processes look for modules (the caller's sys.path), if not empty.
py::tuple call_parts(const std::string& executable, const std::vector<std::string>& args,
                     const std::string& pythonpath) {
  const auto install = [] {
    gpufleet::set_external_order_maker([](const std::string& part) {
      py::gil_scoped_acquire gil;
      try {
        py::object policy = program().attr("load_part_for_runs")(part);
        return gpufleet::python::python_part(
            std::make_shared<gpufleet::python::PythonRef>(std::move(policy)), part);
      } catch (py::error_already_set& e) {
        throw std::invalid_argument(py::str(e.value()).cast<std::string>());
      }
    });
    // The source a study's runs of the part will import: part of their configuration hash.
    gpufleet::set_external_source_hasher([](const std::string& part) {
      py::gil_scoped_acquire gil;
      return program().attr("part_source_sha256")(part).cast<std::string>();
    });
  };
  return call_with_python(executable, args, install, pythonpath);
}

py::list options(const std::string& command) {
  py::list list;
  for (const auto& o : gpufleet::python::command_options(command))
    list.append(py::make_tuple(o.name, o.flag, o.kind));
  return list;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "gpufleet's native part: the CLI's commands, run in a child process (docs/python.md)";
  m.def("options", &options, py::arg("command"),
        "The keyword arguments of a command: (name, CLI option, kind) tuples");
  m.def("call", &call, py::arg("executable"), py::arg("args"),
        "Runs gpufleet ARGS as the CLI does: (exit code, error, stdout, stderr), bytes");
  m.def("call_policy", &call_policy, py::arg("executable"), py::arg("args"), py::arg("policy"),
        "As call, with `policy` (a gpufleet.Policy) as the run's policy part python:...");
  m.def("call_parts", &call_parts, py::arg("executable"), py::arg("args"),
        py::arg("pythonpath") = "",
        "As call, with each part python:MODULE:CLASS imported by name in the child");
  m.attr("POLICY_FAILED") = gpufleet::python::kPolicyFailed;
  gpufleet::python::bind_policy_core(m);
  m.def("version", &gpufleet::version_text, "gpufleet's version, commit and SimGrid version");
}
