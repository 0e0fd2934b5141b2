"""gpufleet from Python: run, compare, study, import and platform as the gpufleet command does
(docs/python.md; a walk-through: docs/python-tutorial.md).

    import gpufleet
    r = gpufleet.run(scenario="seed", horizon="2d", policy="fifo", out="out/x", seed=3)
    r.summary["training"], r.jobs.head()

Each call takes the command's options as keyword arguments (underscores for dashes), runs the
command's own code in a child process, and returns its outputs read back: the same files, byte
for byte, as the command line writes.
"""

from ._commands import compare, run, study, version
from ._commands import import_trace, platform
from ._errors import Error, InputError, PolicyError, RunError
from ._policy import Policy
from ._results import Comparison, Result, StudyResult
from ._results import Trace

__all__ = ["run", "compare", "study", "version", "Result", "Comparison", "StudyResult", "Error",
           "InputError", "RunError", "Policy", "PolicyError"]
__all__ += ["import_trace", "platform", "Trace"]
