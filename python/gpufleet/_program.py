"""`gpufleet run --policy python:MODULE:CLASS` (docs/python.md, "Policies in Python").

The gpufleet program does not embed Python: it hands such a run to this module,

    python3 -c "import sys, gpufleet._program as p; sys.exit(p.main(sys.argv[1:]))" PROGRAM ARGS...

which imports MODULE (from PYTHONPATH or the working folder, as `python3 -c` finds modules),
makes an instance of CLASS, runs `gpufleet ARGS...` with it as gpufleet.run(policy=...) does,
writes what the command wrote and leaves with its exit code.
"""

import hashlib
import importlib
import inspect
import sys

from . import _core
from ._policy import Policy, not_importable

PREFIX = "python:"


class PartError(ValueError):
    pass


def load_part(part):
    """An instance of the class a part "python:MODULE:CLASS" names (CLASS may be dotted)."""
    names = part[len(PREFIX):].split(":")
    if len(names) != 2 or not all(names):
        raise PartError(f"policy part '{part}': write python:MODULE:CLASS, e.g. "
                        "python:gpufleet.examples.fifo:Fifo")
    module_name, class_name = names
    try:
        found = importlib.import_module(module_name)
    except ImportError as e:
        raise PartError(f"policy part '{part}': cannot import module '{module_name}' ({e}); "
                        "put its folder on PYTHONPATH") from None
    for name in class_name.split("."):
        found = getattr(found, name, None)
        if found is None:
            raise PartError(f"policy part '{part}': module '{module_name}' has no "
                            f"'{class_name}'")
    if not (isinstance(found, type) and issubclass(found, Policy)):
        raise PartError(f"policy part '{part}': {class_name} is not a gpufleet.Policy class")
    return found()


def load_part_for_runs(part):
    """load_part for a command whose runs are other processes (a study's `gpufleet run`s), which
    import the part by name from PYTHONPATH or their working folder (the study's): a class of
    __main__ (a notebook's or a script's) is not theirs to import."""
    module_name, _, class_name = part[len(PREFIX):].partition(":")
    if module_name == "__main__":
        raise PartError(not_importable(f"policy part '{part}'", class_name))
    try:
        return load_part(part)
    except PartError:
        raise
    except Exception as e:  # the module raised while it was imported, or the class's __init__
        raise PartError(f"policy part '{part}': {type(e).__name__}: {e}") from None


def _python_parts(args):
    """The parts python:... of the command's --policy (run) or --policies (compare)."""
    values = []
    for i, arg in enumerate(args):
        for option in ("--policy", "--policies"):
            if arg == option and i + 1 < len(args):
                values.append(args[i + 1])
            elif arg.startswith(option + "="):
                values.append(arg[len(option) + 1:])
    return [part for value in values for name in value.split(",") for part in name.split("+")
            if part.startswith(PREFIX)]


def main(argv):
    program, args = argv[0], argv[1:]
    if args and args[0] == "study":  # its parts are in the study file: imported where it reads them
        code, _, out, err = _core.call_parts(program, args)
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
        return code
    parts = _python_parts(args)
    try:
        if len(set(parts)) != 1:
            raise PartError("give one policy part python:MODULE:CLASS at most")
        policy = load_part(parts[0])
    except PartError as e:
        sys.stderr.write(f"gpufleet: error: {e}\n")
        return 2
    code, _, out, err = _core.call_policy(program, args, policy)
    sys.stdout.buffer.write(out)
    sys.stderr.buffer.write(err)
    return code


def part_source_sha256(part):
    """The SHA-256 of the file of the module that defines the part's class ("" if it has none):
    what a study's runs of the part depend on beyond its name (their configuration hash)."""
    cls = type(load_part(part))
    try:
        path = inspect.getsourcefile(cls) or ""
    except TypeError:  # a built-in module
        path = ""
    if not path:
        return ""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
