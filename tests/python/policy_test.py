#!/usr/bin/python3
"""Tests of policies written in Python (docs/python.md, "Policies in Python"), run by ctest with
Debian's python3:

    GPUFLEET=build/gpufleet PYTHONPATH=build/python policy_test.py [TestCase ...]

The Python FIFO (gpufleet.examples.fifo) must give the C++ fifo's outputs byte for byte; an
action the core refuses must raise gpufleet.PolicyError with the core's reason inside the
policy; a policy that raises must end the run with exit code 2 and its traceback, and leave the
output folder as it was.
"""

import json
import os
import subprocess
import unittest

import gpufleet
from gpufleet.examples.fifo import Fifo
import support
from support import GPUFLEET, cli, read, without_provenance

# A tenth of the seed fleet for a week: about 100 jobs, up to 30 waiting (the head blocks).
RUN = dict(scenario="seed", scale=0.1, horizon="7d", seed=3, quiet=True)


def cli_run(policy, out):
    done = cli("run", "-q", "--scenario", "seed", "--scale", "0.1", "--horizon", "7d", "--seed",
               "3", "--policy", policy, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def comparable_summary(text, python_name, cpp_name):
    """summary.json without its provenance, and with the Python policy's name, the one other
    difference, put back to the C++ policy's."""
    return without_provenance(text).replace(f'"policy": "{python_name}"', f'"policy": "{cpp_name}"')


class Folder(support.Folder):
    def assertSameRun(self, cpp, python, python_name, cpp_name):
        names = sorted(os.listdir(cpp))
        self.assertEqual(names, sorted(os.listdir(python)))
        for name in names:
            a, b = read(os.path.join(cpp, name)), read(os.path.join(python, name))
            if name == "summary.json":
                self.assertIn(f'"policy": "{python_name}"', b.decode())
                a = comparable_summary(a.decode(), python_name, cpp_name)
                b = comparable_summary(b.decode(), python_name, cpp_name)
            self.assertTrue(a == b, f"{name} differs from the C++ {cpp_name}'s")


class PythonFifo(Folder):
    def test_outputs_are_the_cpp_fifos_byte_for_byte(self):
        cpp = cli_run("fifo", self.path("cpp"))
        r = gpufleet.run(**RUN, policy=Fifo, out=self.path("py"))
        self.assertGreater(len(r.jobs), 50)
        self.assertSameRun(cpp, self.path("py"), "python:gpufleet.examples.fifo:Fifo", "fifo")

    def test_the_decision_log_names_the_python_part(self):
        cpp = gpufleet.run(**RUN, policy="fifo", decision_log=True, out=self.path("cpp"))
        r = gpufleet.run(**RUN, policy=Fifo, decision_log=True, out=self.path("py"))
        starts = lambda rows: rows[rows.action == "start"]
        py, c = starts(r.decisions), starts(cpp.decisions)
        self.assertGreater(len(py), 50)
        self.assertEqual(set(py.part), {"python:gpufleet.examples.fifo:Fifo"})
        self.assertEqual(set(py.reason), {"external_order"})
        self.assertEqual(list(py.id), list(c.id))  # the same starts as the C++ fifo's
        self.assertEqual(list(py.time_s), list(c.time_s))

    def test_from_the_command_line_and_by_name(self):
        cpp = cli_run("fifo", self.path("cpp"))
        python = cli_run("python:gpufleet.examples.fifo:Fifo", self.path("cli"))
        self.assertSameRun(cpp, python, "python:gpufleet.examples.fifo:Fifo", "fifo")
        gpufleet.run(**RUN, policy="python:gpufleet.examples.fifo:Fifo", out=self.path("py"))
        self.assertSameRun(cpp, self.path("py"), "python:gpufleet.examples.fifo:Fifo", "fifo")

    def test_compare_runs_it_beside_the_cpp_fifo(self):
        done = cli("compare", "-q", "--scenario", "seed", "--scale", "0.1", "--horizon", "1d",
                   "--policies", "fifo,python:gpufleet.examples.fifo:Fifo", "--out",
                   self.path("cmp"))
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(self.path("cmp/comparison.csv")) as f:
            rows = f.read().splitlines()
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[1].split(",", 1)[1],
                         rows[2].split(",", 1)[1])  # all but the policy's name

    def test_on_an_imported_slurm_trace_too(self):
        data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "slurm")
        platform, workload = self.path("p.xml"), self.path("w.json")
        mapping = os.path.join(data, "partition-map.json")
        for args in (["platform", "--from-slurm", os.path.join(data, "nodes.txt"),
                      "--partition-map", mapping, "-o", platform],
                     ["import", "slurm", os.path.join(data, "jobs.txt"), "--partition-map",
                      mapping, "-o", workload]):
            done = cli(*args)
            self.assertEqual(done.returncode, 0, done.stderr)
        done = cli("run", "-q", "--workload", workload, "--platform", platform, "--policy", "fifo",
                   "--out", self.path("cpp"))
        self.assertEqual(done.returncode, 0, done.stderr)
        r = gpufleet.run(workload=workload, platform=platform, policy=Fifo, quiet=True,
                         out=self.path("py"))
        self.assertEqual(len(r.jobs), 15)
        self.assertSameRun(self.path("cpp"), self.path("py"), "python:gpufleet.examples.fifo:Fifo",
                           "fifo")

    def test_on_a_real_trace_where_jobs_wait(self):
        traces = os.environ.get("GPUFLEET_TRACES")
        if not traces:
            self.skipTest("GPUFLEET_TRACES is not set (the real traces' folder, docs/traces.md)")
        # NASA's iPSC log on half its machine (docs/python-tutorial.md, step 3): jobs wait.
        trace = gpufleet.import_trace(
            "swf", os.path.join(traces, "pwa-swf", "NASA-iPSC-1993-3.1-cln.swf.gz"),
            output=self.path("nasa.json"))
        workload = trace.workload
        workload["training"] = [job for job in workload["training"] if job["gpus"] <= 64]
        with open(self.path("nasa-64.json"), "w") as f:
            json.dump(workload, f)
        gpufleet.platform(pool=["H100:64:training"], output=self.path("half.xml"))
        run = dict(workload=self.path("nasa-64.json"), platform=self.path("half.xml"),
                   horizon="30d", quiet=True)
        gpufleet.run(**run, policy="fifo", out=self.path("cpp"))
        r = gpufleet.run(**run, policy=Fifo, out=self.path("py"))
        self.assertGreater(r.summary["training"]["wait_s"]["p50"], 0)  # the queue did block
        self.assertSameRun(self.path("cpp"), self.path("py"), "python:gpufleet.examples.fifo:Fifo",
                           "fifo")

    def test_what_the_policy_prints_is_in_the_results_stdout(self):
        r = gpufleet.run(**{**RUN, "horizon": "1d"}, policy=Talking, out=self.path("out"))
        self.assertIn("the policy's print\n", r.stdout)  # with the command's "wrote ..." line

    def test_an_instance_with_additions_is_fifo_with_them(self):
        for additions in (["lease-idle"], ["spillover"], ["lease-idle", "preempt-priority"]):
            name = "+".join(additions)
            cpp = cli_run("fifo+" + name, self.path("cpp-" + name))
            gpufleet.run(**RUN, policy=[Fifo(), *additions], out=self.path("py-" + name))
            self.assertSameRun(cpp, self.path("py-" + name),
                               "python:gpufleet.examples.fifo:Fifo+" + name, "fifo+" + name)


class Talking(Fifo):
    def schedule(self, core):
        if core.now == 0:
            print("the policy's print")
        super().schedule(core)


class TriesTooLarge(gpufleet.Policy):
    """Starts the head of the queue on a pool without room for it, once, then is a FIFO."""

    def __init__(self, record):
        self.refusal = None
        self.record = record  # the run is another process: the refusal is written here

    def schedule(self, core):
        if self.refusal is None:
            for job in core.waiting():
                for pool in core.pools:
                    if core.free_gpus(pool) < job.gpus and pool.index in job.pools:
                        try:
                            core.start(job, pool)
                        except gpufleet.PolicyError as e:
                            self.refusal = str(e)
                            with open(self.record, "w") as f:
                                f.write(self.refusal)
                        else:
                            raise AssertionError("the core started a job that does not fit")
        Fifo.schedule(self, core)


class TooLargeEveryTime(gpufleet.Policy):
    def schedule(self, core):
        for job in core.waiting():
            for pool in core.pools:
                if core.free_gpus(pool) < job.gpus and pool.index in job.pools:
                    core.start(job, pool)


class Refusals(Folder):
    def test_a_refused_start_raises_the_cores_reason_and_changes_nothing(self):
        cpp = cli_run("fifo", self.path("cpp"))
        gpufleet.run(**RUN, policy=TriesTooLarge(self.path("refusal")), out=self.path("py"))
        with open(self.path("refusal")) as f:
            self.assertRegex(f.read(), r"^job '[^']+' cannot start on pool '[^']+': it needs \d+ "
                                       r"GPUs and the pool has \d+ free$")
        # The refusal was caught in the policy, which went on as a FIFO: nothing it tried moved.
        self.assertSameRun(cpp, self.path("py"), "python:__main__:TriesTooLarge", "fifo")

    def test_an_uncaught_refusal_reaches_the_caller_with_the_cores_message(self):
        with self.assertRaises(gpufleet.PolicyError) as caught:
            gpufleet.run(**RUN, policy=TooLargeEveryTime, out=self.path("out"))
        message = str(caught.exception)
        self.assertIn("gpufleet._errors.PolicyError: job '", message)
        self.assertRegex(message, r"cannot start on pool '[^']+': it needs \d+ GPUs and the pool "
                                  r"has \d+ free")
        self.assertFalse(os.path.exists(self.path("out")))

    def test_an_unknown_pool_is_refused(self):
        class Unknown(gpufleet.Policy):
            def schedule(self, core):
                for job in core.waiting():
                    core.start(job, len(core.pools))

        with self.assertRaises(gpufleet.PolicyError) as caught:
            gpufleet.run(**RUN, policy=Unknown, out=self.path("out"))
        self.assertRegex(str(caught.exception),
                         r"PolicyError: no such pool: \d+ \(give a pool of the core, or its index\)")


class Failing(gpufleet.Policy):
    def schedule(self, core):
        if core.now > 86400:
            self.fail_here()

    def fail_here(self):
        raise ValueError("the policy's own error")


class Exceptions(Folder):
    def test_an_exception_ends_the_run_with_its_traceback_and_writes_nothing(self):
        out = cli_run("fifo", self.path("out"))
        before = {name: read(os.path.join(out, name)) for name in os.listdir(out)}
        with self.assertRaises(gpufleet.PolicyError) as caught:
            gpufleet.run(**RUN, policy=Failing, out=out)
        e = caught.exception
        self.assertEqual(e.exit_code, 2)
        self.assertIn("Traceback (most recent call last)", str(e))
        self.assertIn("in fail_here", str(e))
        self.assertIn("ValueError: the policy's own error", str(e))
        self.assertIn("ValueError: the policy's own error", e.log)  # the child's stderr
        self.assertEqual(before, {name: read(os.path.join(out, name)) for name in os.listdir(out)})

    def test_deep_recursion_is_a_recursion_error_not_a_crash(self):
        # The policy runs on the simulation's controller stack (2 MiB, no guard page): the
        # recursion limit is held at CPython's default there.
        def deep(n):
            return 0 if n == 0 else 1 + max(map(deep, [n - 1]))

        class Deep(gpufleet.Policy):
            def schedule(self, core):
                deep(5000)

        import sys
        sys.setrecursionlimit(20000)
        with self.assertRaises(gpufleet.PolicyError) as caught:
            gpufleet.run(**RUN, policy=Deep, out=self.path("out"))
        self.assertIn("RecursionError", str(caught.exception))

    def test_from_the_command_line_exit_2_with_the_traceback_and_nothing_written(self):
        out = cli_run("fifo", self.path("out"))
        before = {name: read(os.path.join(out, name)) for name in os.listdir(out)}
        with open(self.path("failing.py"), "w") as f:
            f.write("import gpufleet\n\n"
                    "class Failing(gpufleet.Policy):\n"
                    "    def schedule(self, core):\n"
                    "        raise KeyError('from the module')\n")
        done = subprocess.run(
            [GPUFLEET, "run", "-q", "--scenario", "seed", "--scale", "0.1", "--horizon", "1d",
             "--policy", "python:failing:Failing", "--out", out], capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": self.dir + ":" + os.environ["PYTHONPATH"]})
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("gpufleet: error: the Python policy raised an exception "
                      "(python:failing:Failing):\nTraceback (most recent call last):", done.stderr)
        self.assertIn("KeyError: 'from the module'", done.stderr)
        self.assertEqual(before, {name: read(os.path.join(out, name)) for name in os.listdir(out)})

    def test_a_part_naming_no_module_or_class_is_refused(self):
        for part, message in (("python:no_such_module:X", "cannot import module 'no_such_module'"),
                              ("python:gpufleet.examples.fifo:Lifo", "has no 'Lifo'"),
                              ("python:gpufleet", "write python:MODULE:CLASS")):
            done = cli("run", "-q", "--policy", part, "--out", self.path("out"))
            self.assertEqual(done.returncode, 2, done.stderr)
            self.assertIn(f"gpufleet: error: policy part '{part}'", done.stderr)
            self.assertIn(message, done.stderr)
            with self.assertRaises(gpufleet.InputError) as caught:
                gpufleet.run(policy=part, out=self.path("out"))
            self.assertIn(message, str(caught.exception))
        self.assertFalse(os.path.exists(self.path("out")))


if __name__ == "__main__":
    unittest.main()
