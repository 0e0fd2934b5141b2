"""Policies written in Python (docs/python.md, "Policies in Python")."""

import inspect


class Policy:
    """A policy part written in Python: derive from it and define one or more of

    schedule(self, core)  the training order: which waiting job starts on which pool
    serve(self, core)     the inference replicas: core.scale_to, core.add_replica, ...
    leases(self, core)    the lease requests: core.accept_lease, core.reject_lease, ...

    gpufleet calls them after every batch of events (submissions, ends, demand changes,
    wake-ups), in the composed policy's order: serve, leases, then schedule, each in place of the
    C++ part that takes that step. `core` (gpufleet._core.Core) reads the queue, the pools, the
    services and the leases, and acts through the core's checked calls; a refused action raises
    gpufleet.PolicyError with the core's reason. The steps a class does not define stay the C++
    parts': inference holds its peak's replicas and leases are refused (static-partition), or
    lease-idle's, when combined with it (policy=[MyPolicy, "lease-idle"]); without schedule, the
    training order is static-partition's or the one named beside it."""

    def schedule(self, core):
        raise NotImplementedError(f"{type(self).__name__} must define schedule(self, core)")


STEPS = ("serve", "leases", "schedule")


def steps_of(policy):
    """The methods of STEPS the policy's class defines (schedule: other than Policy's)."""
    cls = type(policy)
    defined = [name for name in STEPS if callable(getattr(cls, name, None))]
    return [name for name in defined if getattr(cls, name) is not getattr(Policy, name, None)]


def is_policy(value):
    """Whether `value` is a Python policy: a Policy subclass or an instance of one."""
    return isinstance(value, Policy) or (inspect.isclass(value) and issubclass(value, Policy))


def part_name(cls):
    """The part name "python:MODULE:CLASS" of a Policy class."""
    return f"python:{cls.__module__}:{cls.__qualname__}"


def not_importable(what, name):
    """Why a study's or compare's runs cannot use the class `name` that `what` names: they are
    processes of their own, which import it by name."""
    return (f"{what}: {name} is defined in the notebook or script (__main__) or inside a "
            "function: it cannot be imported by the study's runs or a compare's, processes of "
            "their own. Put it in a module file beside the notebook (e.g. my_policies.py: the "
            "working folder is on the runs' path) and import it from there (from my_policies "
            f"import {name})")


def policy_part(value):
    """(the instance, its part name "python:MODULE:CLASS") of a Policy class or instance."""
    instance = value() if inspect.isclass(value) else value
    return instance, part_name(type(instance))
