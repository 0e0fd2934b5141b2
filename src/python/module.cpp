// The Python module gpufleet's native part, gpufleet._core (docs/python.md): the commands'
// options, and running a command as the CLI does. The Python side (python/gpufleet/) turns
// keyword arguments into the command line and reads the outputs back.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cli/commands.hpp"
#include "python/forked_command.hpp"

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
  m.def("version", &gpufleet::version_text, "gpufleet's version, commit and SimGrid version");
}
