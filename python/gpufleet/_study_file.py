"""gpufleet.study(dict): the study written as a study file (docs/studies.md), its Python
policies named by their parts "python:MODULE:CLASS" (docs/python.md, "Studies")."""

import json
import os

from ._errors import InputError
from ._policy import Policy, is_policy, not_importable, part_name


def _part(value, field):
    """The part name of a Policy class; a string as it is."""
    if isinstance(value, str):
        return value
    if isinstance(value, Policy):
        raise TypeError(f"{field}: give the class {type(value).__name__}, not an instance: each "
                        "run makes its own instance, with no arguments")
    if not is_policy(value):
        raise TypeError(f"{field}: {value!r} is neither a policy name nor a gpufleet.Policy class")
    if value.__module__ == "__main__" or "<locals>" in value.__qualname__:
        raise InputError(not_importable(field, value.__name__), 2)
    return part_name(value)


def _policy(value, field):
    """A policy entry's name: a name, a Policy class, or a list of them (joined by "+")."""
    if isinstance(value, (list, tuple)):
        return "+".join(_part(v, f"{field}[{i}]") for i, v in enumerate(value))
    return _part(value, field)


def policy_names(policies, name="policies"):
    """A list of policies (names, classes, lists of them, or study entries {"policy": ...})
    with each class named by its part."""
    named = []
    for i, entry in enumerate(policies):
        field = f"{name}[{i}]"
        if isinstance(entry, dict) and "policy" in entry:
            named.append({**entry, "policy": _policy(entry["policy"], field + ".policy")})
        else:
            named.append(_policy(entry, field))
    return named


def study_file(spec, out):
    """Writes the study `spec` (a dict) to OUT/study.json, its classes named. Returns the path
    and a function that removes what this wrote (the file, and OUT if this made it), or None
    when the file was there with the same text. The same dict gives the same bytes (its keys in
    their order)."""
    spec = dict(spec)
    if isinstance(spec.get("policies"), (list, tuple)):
        spec["policies"] = policy_names(spec["policies"])
    try:
        text = json.dumps(spec, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as e:
        raise TypeError(f"the study dict does not make a study file: {e}") from None
    path = os.path.join(out, "study.json")
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return path, None
    except OSError:
        pass
    made_out = not os.path.isdir(out)
    had_file = os.path.exists(path)
    os.makedirs(out, exist_ok=True)
    temporary = f"{path}.tmp.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temporary, path)

    def take_back():
        if not had_file:
            os.remove(path)
        if made_out:
            os.rmdir(out)
    return path, take_back
