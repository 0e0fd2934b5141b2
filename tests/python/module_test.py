#!/usr/bin/python3
"""Tests of the Python module gpufleet (docs/python.md), run by ctest with Debian's python3:

    GPUFLEET=build/gpufleet PYTHONPATH=build/python module_test.py [TestCase ...]

Each call of the module must give the command line's outputs byte for byte (summary.json's
provenance aside), raise the command's own error for a bad input without writing anything, and
read the outputs back with pandas or, without it, as plain records.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import unittest
import warnings

import gpufleet
import support
from support import GPUFLEET, cli, read, without_provenance

# Short runs: a tenth of the seed fleet for two days.
RUN = dict(scenario="seed", scale=0.1, horizon="2d", policy="fifo", seed=3)


class Folder(support.Folder):
    def assertSameOutputs(self, expected, actual):
        names = sorted(os.listdir(expected))
        self.assertEqual(names, sorted(os.listdir(actual)))
        for name in names:
            a, b = read(os.path.join(expected, name)), read(os.path.join(actual, name))
            if name == "summary.json":
                a, b = without_provenance(a.decode()), without_provenance(b.decode())
                self.assertIn('"training"', a)
            self.assertTrue(a == b, f"{name} differs from the command line's")


class RunIsTheCommandLine(Folder):
    def test_same_bytes_as_the_cli_and_two_runs_in_one_process(self):
        done = cli("run", "-q", "--scenario", "seed", "--scale", "0.1", "--horizon", "2d",
                   "--policy", "fifo", "--seed", "3", "--out", self.path("cli"))
        self.assertEqual(done.returncode, 0, done.stderr)
        first = gpufleet.run(**RUN, quiet=True, out=self.path("py"))
        self.assertSameOutputs(self.path("cli"), self.path("py"))
        # A second simulation in this process (SimGrid allows one engine per process: each call
        # runs in its own child) gives the same bytes again.
        again = gpufleet.run(**RUN, quiet=True, out=self.path("again"))
        self.assertSameOutputs(self.path("cli"), self.path("again"))
        plain = [{k: v for k, v in r.summary.items() if k != "provenance"} for r in (first, again)]
        self.assertEqual(plain[0], plain[1])
        # The provenance names the command the call stands for.
        command = first.summary["provenance"]["command_line"]
        self.assertEqual(os.path.realpath(command[0]), os.path.realpath(GPUFLEET))
        self.assertEqual(command[1:4], ["run", "--scenario", "seed"])
        self.assertIn("--quiet", command)

    def test_result_reads_every_output(self):
        r = gpufleet.run(**RUN, out=self.path("r"))
        self.assertEqual(r.files, sorted(os.listdir(self.path("r"))))
        self.assertIn("jobs.csv", r.files)
        self.assertIsInstance(r.summary, dict)
        with open(self.path("r/jobs.csv")) as f:
            self.assertEqual(len(r.jobs), sum(1 for _ in f) - 1)
        self.assertGreater(len(r.jobs), 0)
        for series in (r.timeseries, r.queue_timeseries, r.pools_timeseries,
                       r.services_timeseries, r.replicas):
            self.assertIsNotNone(series)
        self.assertEqual(r.out, self.path("r"))
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.path("r"))  # a Result keeps its folder's absolute path
        self.assertGreater(len(gpufleet.run(**RUN, quiet=True, out="rel").jobs), 0)
        self.assertEqual(gpufleet.Result("rel").out, self.path("r/rel"))
        self.assertIn("wrote", r.stdout)  # not quiet: the summary table and the files written

    def test_compressed_outputs_read_as_the_plain_ones(self):
        plain = gpufleet.run(**RUN, quiet=True, out=self.path("plain"))
        packed = gpufleet.run(**RUN, quiet=True, compress=True, out=self.path("packed"))
        self.assertIn("jobs.csv.gz", packed.files)
        self.assertNotIn("jobs.csv", packed.files)
        same = lambda a, b: a == b if isinstance(a, list) else a.equals(b)  # records or frames
        self.assertTrue(same(plain.jobs, packed.jobs))
        self.assertTrue(same(plain.timeseries, packed.timeseries))

    def test_decision_log_reads_as_a_table(self):
        r = gpufleet.run(**RUN, quiet=True, decision_log=True, out=self.path("log"))
        self.assertIn("decisions.csv", r.files)
        with open(self.path("log/decisions.csv")) as f:
            rows = f.read().splitlines()
        self.assertEqual(rows[0], "time_s,action,id,pool,gpus,part,reason")
        self.assertGreater(len(rows), 1)
        self.assertEqual(len(r.decisions), len(rows) - 1)

    def test_a_catalog_holds_for_its_call_only(self):
        catalog = self.path("catalog.json")
        with open(catalog, "w") as f:
            json.dump({"format": "gpufleet-gpu-catalog", "version": 1,
                       "models": [{"model": m, "idle_w": 10} for m in ("GB200", "GB300", "H100",
                                                                      "H200")]}, f)
        low = gpufleet.run(**RUN, quiet=True, catalog=catalog, out=self.path("low"))
        plain = gpufleet.run(**RUN, quiet=True, out=self.path("plain"))
        self.assertLess(low.summary["fleet"]["energy_kwh"], plain.summary["fleet"]["energy_kwh"])
        done = cli("run", "-q", "--scenario", "seed", "--scale", "0.1", "--horizon", "2d",
                   "--policy", "fifo", "--seed", "3", "--out", self.path("cli"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertSameOutputs(self.path("cli"), self.path("plain"))


class Errors(Folder):
    def test_a_bad_policy_raises_the_commands_message_and_writes_nothing(self):
        done = cli("run", "-q", "--policy", "fifoo", "--out", self.path("cli"))
        self.assertEqual(done.returncode, 2)
        message = done.stderr.strip().splitlines()[-1].removeprefix("gpufleet: error: ")
        with self.assertRaises(gpufleet.InputError) as caught:
            gpufleet.run(policy="fifoo", out=self.path("py"))
        self.assertEqual(str(caught.exception), message)
        self.assertIsInstance(caught.exception, ValueError)
        self.assertEqual(caught.exception.exit_code, 2)
        self.assertFalse(os.path.exists(self.path("py")))
        self.assertFalse(os.path.exists(self.path("cli")))

    def test_a_bad_option_value_raises_the_parsers_message(self):
        with self.assertRaises(gpufleet.InputError) as caught:
            gpufleet.run(placement="nowhere", out=self.path("py"))
        self.assertIn("--placement", str(caught.exception))
        self.assertIn("nowhere", str(caught.exception))
        self.assertFalse(os.path.exists(self.path("py")))

    def test_an_unknown_keyword_is_a_type_error_naming_the_valid_ones(self):
        with self.assertRaises(TypeError) as caught:
            gpufleet.run(polcy="fifo")
        text = str(caught.exception)
        self.assertIn("'polcy'", text)
        self.assertIn("did you mean 'policy'", text)
        self.assertIn("horizon", text)
        with self.assertRaises(TypeError):
            gpufleet.run(quiet="yes")


class WithoutPandas(Folder):
    def test_tables_are_records_without_pandas_and_frames_with_it(self):
        script = textwrap.dedent(f"""
            import sys
            sys.modules["pandas"] = None  # import pandas now fails
            import gpufleet
            r = gpufleet.run(scenario="seed", scale=0.1, horizon="1d", quiet=True,
                             out={self.path('r')!r})
            jobs = r.jobs
            assert isinstance(jobs, list) and jobs and isinstance(jobs[0], dict), type(jobs)
            assert isinstance(r.timeseries[0]["time_s"], (int, float)), r.timeseries[0]
            z = gpufleet.run(scenario="seed", scale=0.1, horizon="1d", quiet=True, compress=True,
                             out={self.path('z')!r})
            assert z.jobs == jobs, "jobs.csv.gz reads as jobs.csv"
            print(len(jobs))
            """)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        import pandas
        frame = gpufleet.Result(self.path("r")).jobs
        self.assertIsInstance(frame, pandas.DataFrame)
        self.assertEqual(len(frame), int(done.stdout))

    def test_a_column_empty_for_many_rows_then_text_reads_without_a_warning(self):
        import pandas
        path = self.path("late_text.csv")
        with open(path, "w") as f:
            f.write("job,user\n" + "".join(f"{i},\n" for i in range(300000)) + "300000,alice\n")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pandas' DtypeWarning fails the test
            frame = gpufleet.Result(self.path(".")).table("late_text.csv")
        self.assertIsInstance(frame, pandas.DataFrame)
        self.assertEqual(frame["user"].iloc[-1], "alice")
        self.assertTrue(frame["user"].iloc[:-1].isna().all())


class Processes(Folder):
    SHORT = dict(scenario="seed", horizon="180d", quiet=True)  # about a second
    LONG = dict(scenario="seed", scale=2, horizon="365d", quiet=True)  # several seconds

    def test_other_threads_run_while_a_simulation_runs(self):
        ticks, stop = [0], threading.Event()

        def count():
            while not stop.is_set():
                ticks[0] += 1
                time.sleep(0.001)

        counter = threading.Thread(target=count)
        counter.start()
        try:
            start = time.monotonic()
            gpufleet.run(**self.SHORT, out=self.path("r"))
            took = time.monotonic() - start
            during = ticks[0]
        finally:
            stop.set()
            counter.join()
        self.assertGreater(took, 0.3)
        # With the GIL held for the call, the counter would stand still.
        self.assertGreater(during, 100 * took)

    def test_threads_may_call_at_once(self):
        results = {}

        def call(name):
            results[name] = gpufleet.run(**RUN, quiet=True, out=self.path(name))

        threads = [threading.Thread(target=call, args=(n,)) for n in ("t1", "t2", "t3")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), ["t1", "t2", "t3"])
        self.assertSameOutputs(self.path("t1"), self.path("t2"))
        self.assertSameOutputs(self.path("t1"), self.path("t3"))

    def test_an_interrupt_ends_the_run_and_writes_nothing(self):
        script = textwrap.dedent(f"""
            import gpufleet
            print("started", flush=True)
            gpufleet.run(**{self.LONG!r}, out={self.path('r')!r})
            """)
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        self.assertEqual(child.stdout.readline().strip(), "started")
        time.sleep(0.5)
        start = time.monotonic()
        child.send_signal(signal.SIGINT)  # to Python alone: the module ends its child
        _, stderr = child.communicate(timeout=60)
        self.assertLess(time.monotonic() - start, 5)
        self.assertNotEqual(child.returncode, 0)
        self.assertIn("KeyboardInterrupt", stderr)
        self.assertFalse(os.path.exists(self.path("r")))


class CompareAndStudy(Folder):
    def test_compare_gives_the_command_lines_tables_and_runs(self):
        args = dict(policies=["fifo", "static-partition"], scale=0.1, horizon="1d", seed=3,
                    quiet=True)
        c = gpufleet.compare(**args, out=self.path("py"))
        done = cli("compare", "-q", "--policies", "fifo,static-partition", "--scale", "0.1",
                   "--horizon", "1d", "--seed", "3", "--out", self.path("cli"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(read(self.path("py/comparison.csv")), read(self.path("cli/comparison.csv")))
        self.assertEqual(sorted(c.runs), ["fifo", "static-partition"])
        self.assertSameOutputs(self.path("cli/fifo"), self.path("py/fifo"))
        self.assertEqual(len(c.comparison), 2)
        self.assertIn("Policy comparison", c.markdown)

    def test_a_failed_run_of_a_compare_is_a_warning_and_its_row(self):
        os.makedirs(self.path("cmp"))
        with open(self.path("cmp/static-partition"), "w") as f:
            f.write("in the way")  # that run cannot write its folder
        with self.assertWarns(RuntimeWarning):
            c = gpufleet.compare(policies="fifo,static-partition", scale=0.1, horizon="1d",
                                 quiet=True, out=self.path("cmp"))
        self.assertEqual(c.exit_code, 1)
        self.assertEqual([r["status"] for r in c.summary["runs"]], ["ok", "failed"])
        self.assertEqual(list(c.runs), ["fifo"])

    def test_study_gives_the_command_lines_tables(self):
        spec = self.path("study.json")
        with open(spec, "w") as f:
            json.dump({"format": "gpufleet-study", "version": 1, "scenario": "seed",
                       "scale": 0.1, "days": 1, "seeds": [1, 2], "policies": ["fifo"],
                       "fleets": [{"name": "today"}]}, f)
        s = gpufleet.study(spec, quiet=True, out=self.path("py"))
        done = cli("study", spec, "-q", "--out", self.path("cli"))
        self.assertEqual(done.returncode, 0, done.stderr)
        for name in ("study.csv", "study_summary.csv"):
            self.assertEqual(read(self.path("py/" + name)), read(self.path("cli/" + name)), name)
        self.assertEqual(len(s.study), 2)
        self.assertIn("manifest.csv", s.files)


if __name__ == "__main__":
    unittest.main()
