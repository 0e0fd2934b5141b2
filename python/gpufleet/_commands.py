"""gpufleet.run, compare, study, import_trace and platform: the command line's commands, called
from Python."""

import os
import sys
import warnings

from . import _core, _location
from ._arguments import _text, command_line
from ._errors import InputError, PolicyError, RunError
from ._policy import is_policy, policy_part
from ._program import PREFIX, PartError, load_part
from ._results import Comparison, Result, StudyResult, Trace
from ._study_file import policy_names, study_file

_DEFAULT_OUT = {"run": "gpufleet-out", "compare": "gpufleet-compare", "study": "gpufleet-study"}


def _executable():
    """The gpufleet program beside this package (the build tree's, or the prefix's bin/)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, _location.EXECUTABLE))


def _python_policy(kwargs):
    """kwargs with a Python policy (a Policy class or instance, alone or in a list with C++
    parts) named by its part "python:MODULE:CLASS"; and the instance, or None."""
    value = kwargs.get("policy")
    parts = list(value) if isinstance(value, (list, tuple)) else [value]
    if isinstance(value, str):  # "python:MODULE:CLASS[+part...]", as on the command line
        parts = value.split("+")
    try:
        parts = [load_part(p) if isinstance(p, str) and p.startswith(PREFIX) else p for p in parts]
    except PartError as e:
        raise InputError(str(e), 2, "") from None
    policies = [p for p in parts if is_policy(p)]
    if not policies:
        return kwargs, None
    if len(policies) > 1:
        raise TypeError("policy: give one Python policy at most")
    instance, name = policy_part(policies[0])
    names = [name if is_policy(p) else p for p in parts]
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"policy={value!r}: give policy names and one gpufleet.Policy")
    return {**kwargs, "policy": "+".join(names)}, instance


def _runs_path():
    """The caller's sys.path as a PYTHONPATH (the working folder for ""): a study's runs, processes
    of their own, then import its policies' modules from where the caller found them."""
    folders = []
    for entry in sys.path:
        folder = os.path.abspath(entry or os.curdir)
        if os.path.isdir(folder) and folder not in folders:
            folders.append(folder)
    return os.pathsep.join(folders)


def _call(command, kwargs, positional=()):
    kwargs, policy = _python_policy(kwargs) if command == "run" else (kwargs, None)
    args = command_line(command, kwargs) + [_text(p, "inputs") for p in positional]
    if command in ("compare", "study"):  # runs of their own, which import python: parts by name
        code, error, stdout, stderr = _core.call_parts(_executable(), args, _runs_path())
    elif policy is None:
        code, error, stdout, stderr = _core.call(_executable(), args)
    else:
        code, error, stdout, stderr = _core.call_policy(_executable(), args, policy)
    error = error.decode("utf-8", "replace")
    stdout = stdout.decode("utf-8", "replace")
    stderr = stderr.decode("utf-8", "replace")
    for line in stderr.splitlines():
        if line.startswith("gpufleet: warning: "):
            warnings.warn(line[len("gpufleet: warning: "):], RuntimeWarning, stacklevel=3)
    if code == 2 and policy is not None and error.startswith(_core.POLICY_FAILED):
        raise PolicyError(error, 2, stderr)
    if code == 2:
        raise InputError(error, 2, stderr)
    out = os.fspath(kwargs.get("out") or _DEFAULT_OUT.get(command, ""))
    if code != 0 and not (command != "run" and code == 1 and os.path.isdir(out)):
        message = error or f"gpufleet {command} ended with exit code {code}"
        raise RunError(message, code, stderr)
    return out, code, stdout, stderr


def run(**kwargs):
    """gpufleet run with these options (docs/python.md); returns its outputs as a Result.

    Raises InputError (a ValueError) with the command's message for a bad option or input
    (nothing written), RunError if the run fails, TypeError for an unknown keyword."""
    out, code, stdout, stderr = _call("run", kwargs)
    return Result(out, stdout=stdout, log=stderr)


def compare(**kwargs):
    """gpufleet compare with these options; returns a Comparison (its tables and each run).

    `policies` may hold gpufleet.Policy classes (or lists of classes and names, one combined
    policy), named by their parts: the runs are processes that import them by name, so a class
    of __main__ (a notebook) is refused, as by study.

    A policy whose run failed is in the Comparison's table as failed (the command's exit code 1)
    with a warning, as the command line reports it."""
    if isinstance(kwargs.get("policies"), (list, tuple)):
        kwargs = {**kwargs, "policies": policy_names(kwargs["policies"], "policies")}
    out, code, stdout, stderr = _call("compare", kwargs)
    if code == 1:
        warnings.warn(f"gpufleet compare: some runs failed (see {out}/logs)", RuntimeWarning,
                      stacklevel=2)
    return Comparison(out, stdout=stdout, log=stderr, exit_code=code)


def study(spec, **kwargs):
    """gpufleet study SPEC with these options; returns a StudyResult (its tables).

    SPEC is a study file, or the study as a dict (written to OUT/study.json first), whose
    policies may name gpufleet.Policy classes (each a part "python:MODULE:CLASS", alone or in
    a list with C++ parts). The runs are processes of their own that import each class by
    name: a class defined in __main__ (a notebook) is refused; put it in a module file."""
    written = None
    if isinstance(spec, dict):
        spec, written = study_file(spec, os.fspath(kwargs.get("out") or _DEFAULT_OUT["study"]))
    try:
        out, code, stdout, stderr = _call("study", {"spec": spec, **kwargs})
    except InputError:
        if written:  # nothing written: take back the study file (and its folder) made for it
            written()
        raise
    if code == 1:
        warnings.warn(f"gpufleet study: some runs failed (see {out}/manifest.csv)",
                      RuntimeWarning, stacklevel=2)
    return StudyResult(out, stdout=stdout, log=stderr, exit_code=code)


def import_trace(format, *inputs, output, **kwargs):
    """gpufleet import FORMAT INPUTS... --output OUTPUT with these options (docs/importers.md):
    a public trace made a workload file (and with platform_out=PATH, its machine's platform).
    Returns a Trace: the files' paths, the workload read back as a dict, the import's report.

        t = gpufleet.import_trace("swf", "NASA-iPSC-1993-3.1-cln.swf.gz", output="nasa.json",
                                  platform_out="nasa.xml")
        gpufleet.run(workload=t.path, platform=t.platform, policy="fifo", horizon="30d")"""
    if not inputs:
        raise TypeError("gpufleet.import_trace() needs the trace's files after its format")
    _, code, stdout, stderr = _call("import", {"format": format, "output": output, **kwargs},
                                    inputs)
    return Trace(output, kwargs.get("platform_out"), stdout=stdout, log=stderr)


def platform(**kwargs):
    """gpufleet platform with these options (pool=["H100:1024", "GB200:576:inference"],
    from_slurm=..., output=PATH); returns the platform's SimGrid XML, as text (also written to
    `output` when given)."""
    _, code, stdout, stderr = _call("platform", kwargs)
    if kwargs.get("output") is None:
        return stdout
    with open(kwargs["output"], encoding="utf-8") as f:
        return f.read()


def version():
    """gpufleet's version, commit and SimGrid version (as gpufleet --version)."""
    return _core.version()
