"""Policies written in Python (docs/python.md, "Policies in Python")."""

import inspect


class Policy:
    """A training order written in Python: derive from it and define schedule(self, core).

    gpufleet calls schedule(core) after every batch of events (submissions, ends, wake-ups), as it
    calls the C++ training orders. `core` (gpufleet._core.Core) reads the queue, the pools and the
    running jobs, and acts through the core's checked calls: core.start(job, pool),
    core.preempt(job), core.wake_at(t). A refused action raises gpufleet.PolicyError with the
    core's reason. Inference and leases keep static-partition's behaviour (or lease-idle's, when
    the policy is combined with it: policy=[MyPolicy, "lease-idle"])."""

    def schedule(self, core):
        raise NotImplementedError(f"{type(self).__name__} must define schedule(self, core)")


def is_policy(value):
    """Whether `value` is a Python policy: a Policy subclass or an instance of one."""
    return isinstance(value, Policy) or (inspect.isclass(value) and issubclass(value, Policy))


def policy_part(value):
    """(the instance, its part name "python:MODULE:CLASS") of a Policy class or instance."""
    instance = value() if inspect.isclass(value) else value
    cls = type(instance)
    return instance, f"python:{cls.__module__}:{cls.__qualname__}"
