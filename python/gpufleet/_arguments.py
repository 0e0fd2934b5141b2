"""Keyword arguments to the command line: scenario="seed" is --scenario seed, plan_with="exact"
is --plan-with exact, quiet=True is -q, param=["a=1", "b=2"] repeats --param, policies=["fifo",
"slurm"] is --policies fifo,slurm, and None leaves an option out (its default)."""

import difflib
import os

from . import _core

_OPTIONS = {}


def options(command):
    """{keyword: (CLI option, kind)} of a gpufleet command, as the command line defines them."""
    if command not in _OPTIONS:
        _OPTIONS[command] = {name: (flag, kind) for name, flag, kind in _core.options(command)}
    return _OPTIONS[command]


def _text(value, keyword):
    if isinstance(value, bool):
        raise TypeError(f"{keyword}={value!r}: only a flag takes True or False")
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number
    if isinstance(value, (str, int)):
        return str(value)
    raise TypeError(f"{keyword}={value!r}: give a string or a number")


def _unknown(command, keyword, known):
    near = difflib.get_close_matches(keyword, known, n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return TypeError(f"gpufleet.{command}() got an unexpected keyword argument '{keyword}'{hint}; "
                     f"valid: {', '.join(sorted(known))}")


def _values(value):
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def command_line(command, kwargs):
    """The arguments of `gpufleet COMMAND ...` for these keyword arguments, in their order."""
    known = options(command)
    args, positional = [command], []
    for keyword, value in kwargs.items():
        if keyword not in known:
            raise _unknown(command, keyword, known)
        if value is None:
            continue
        flag, kind = known[keyword]
        if kind == "flag":
            if not isinstance(value, bool):
                raise TypeError(f"{keyword}={value!r}: a flag takes True or False")
            if value:
                args.append(flag)
        elif kind == "list":
            for v in _values(value):
                args += [flag, _text(v, keyword)]
        elif kind == "positional":
            positional.append(_text(value, keyword))
        else:
            text = ",".join(_text(v, keyword) for v in _values(value))
            args += [flag, text]
    return args + positional
