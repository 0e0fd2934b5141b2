"""gpufleet.run, compare and study: the command line's commands, called from Python."""

import os
import warnings

from . import _core, _location
from ._arguments import command_line
from ._errors import InputError, PolicyError, RunError
from ._policy import is_policy, policy_part
from ._program import PREFIX, PartError, load_part
from ._results import Comparison, Result, StudyResult

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


def _call(command, kwargs):
    kwargs, policy = _python_policy(kwargs)
    args = command_line(command, kwargs)
    if policy is None:
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
    out = os.fspath(kwargs.get("out") or _DEFAULT_OUT[command])
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

    A policy whose run failed is in the Comparison's table as failed (the command's exit code 1)
    with a warning, as the command line reports it."""
    out, code, stdout, stderr = _call("compare", kwargs)
    if code == 1:
        warnings.warn(f"gpufleet compare: some runs failed (see {out}/logs)", RuntimeWarning,
                      stacklevel=2)
    return Comparison(out, stdout=stdout, log=stderr, exit_code=code)


def study(spec, **kwargs):
    """gpufleet study SPEC with these options; returns a StudyResult (its tables)."""
    out, code, stdout, stderr = _call("study", {"spec": spec, **kwargs})
    if code == 1:
        warnings.warn(f"gpufleet study: some runs failed (see {out}/manifest.csv)",
                      RuntimeWarning, stacklevel=2)
    return StudyResult(out, stdout=stdout, log=stderr, exit_code=code)


def version():
    """gpufleet's version, commit and SimGrid version (as gpufleet --version)."""
    return _core.version()
