"""The exceptions a gpufleet call raises, by the command's exit code."""


class Error(Exception):
    """A gpufleet command failed; the message is the command's own."""

    def __init__(self, message, exit_code=1, log=""):
        super().__init__(message)
        self.exit_code = exit_code
        self.log = log  # what the command wrote on stderr


class InputError(Error, ValueError):
    """A bad input or option (the command's exit code 2): nothing ran, no output was written."""


class RunError(Error, RuntimeError):
    """The command failed while running (exit code 1: an internal error, or a run that failed)."""


class PolicyError(Error, RuntimeError):
    """A policy written in Python went wrong. Inside schedule(core): the core refused an action
    (the message is the core's reason). From gpufleet.run: the policy raised an exception, which
    ended the run with exit code 2 and wrote no output; the message holds its traceback."""
