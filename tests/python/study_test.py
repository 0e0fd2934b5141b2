#!/usr/bin/python3
"""Tests of Python policies in studies and of gpufleet.import_trace / gpufleet.platform
(docs/python.md, "Studies" and "Traces and platforms"), run by ctest with Debian's python3:

    GPUFLEET=build/gpufleet PYTHONPATH=build/python study_test.py [TestCase ...]

A study whose arms name python:MODULE:CLASS parts must run them (its runs are `gpufleet run`
processes, which import the class from PYTHONPATH or their working folder, the study's), give
the C++ fifo's figures for the Python FIFO, refuse a part it cannot import with exit 2 naming
the field and writing nothing, run again the arm of an edited policy module, and give the same
bytes twice; gpufleet.study takes the study as a dict with gpufleet.Policy classes, and refuses
a class of __main__.
"""

import csv
import fcntl
import os
import subprocess
import sys
import textwrap
import unittest

import gpufleet
import support
from support import GPUFLEET, cli, read

# A tenth of the seed fleet for three days, two seeds: 2 runs per arm.
STUDY = {"format": "gpufleet-study", "version": 1, "scenario": "seed", "scale": 0.1, "days": 3,
         "seeds": [1, 2]}

# A policy module of the study's own, in its working folder (not on PYTHONPATH).
PRIORITY = textwrap.dedent("""\
    import gpufleet

    class Priority(gpufleet.Policy):
        \"\"\"Highest priority first, then queue order; a job that does not fit is passed.\"\"\"
        def schedule(self, core):
            pools = core.pools
            for job in sorted(core.waiting(), key=lambda j: -j.priority):
                for pool in job.pools:
                    if pools[pool].role == "training" and core.can_start(job, pool):
                        core.start(job, pool)
                        break
    """)


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def figures(row):
    """A study.csv row without what names its arm."""
    return {k: v for k, v in row.items() if k not in ("run", "arm", "policy")}


class Folder(support.Folder):
    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)
        return self.path(name)

    def study_file(self, policies, name="study.json"):
        import json
        return self.write(name, json.dumps({**STUDY, "policies": policies}))


class CommandLine(Folder):
    def test_python_arms_run_from_the_working_folder_and_the_fifo_is_the_cpp_one(self):
        self.write("my_policies.py", PRIORITY)
        spec = self.study_file(["fifo", "python:gpufleet.examples.fifo:Fifo",
                                "python:my_policies:Priority"])
        done = cli("study", "study.json", "-q", "--jobs", "2", "--out", "out", cwd=self.dir)
        self.assertEqual(done.returncode, 0, done.stderr)
        table = rows(self.path("out/study.csv"))
        self.assertEqual([r["status"] for r in table], ["ok"] * 6)
        by_arm = {}
        for r in table:
            by_arm.setdefault(r["policy"], []).append(figures(r))
        self.assertEqual(by_arm["fifo"], by_arm["python:gpufleet.examples.fifo:Fifo"])
        self.assertIn("python:my_policies:Priority @ base", read(
            self.path("out/study_summary.csv")).decode())
        self.assertTrue(os.path.exists(spec))

    def test_a_part_it_cannot_import_is_refused_naming_the_field_and_nothing_is_written(self):
        self.study_file(["fifo", {"policy": "python:no_such_module:Policy+lease-idle"}])
        done = cli("study", "study.json", "-q", "--out", "out", cwd=self.dir)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("study.json: policies[1]: policy part 'python:no_such_module:Policy': "
                      "cannot import module 'no_such_module'", done.stderr)
        self.assertFalse(os.path.exists(self.path("out")))
        self.write("my_policies.py", PRIORITY)
        self.study_file(["fifo", "python:my_policies:Missing"])
        done = cli("study", "study.json", "-q", "--out", "out", cwd=self.dir)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("policies[1]: policy part 'python:my_policies:Missing': module "
                      "'my_policies' has no 'Missing'", done.stderr)

    def test_an_edited_policy_module_runs_its_arm_again(self):
        self.write("my_policies.py", PRIORITY)
        self.study_file(["fifo", "python:my_policies:Priority"])
        first = cli("study", "study.json", "--out", "out", cwd=self.dir)
        self.assertEqual(first.returncode, 0, first.stderr)
        again = cli("study", "study.json", "--out", "out", cwd=self.dir)
        self.assertIn("4 runs, 4 done before, 0 to run", again.stderr)
        self.write("my_policies.py", PRIORITY + "# edited\n")
        edited = cli("study", "study.json", "--out", "out", cwd=self.dir)
        self.assertIn("4 runs, 2 done before, 2 to run", edited.stderr)


class OnSlurm(Folder):
    """A real single-node Slurm (scripts/slurm-local.sh), one at a time on the machine: the lock
    of tests/study_test.cpp's LocalSlurm."""

    def test_the_array_tasks_import_the_policy_from_the_studys_folder(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                              "slurm-local.sh")
        with open("/tmp/gpufleet-local-slurm.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, after the stop
            with open(self.path("slurm.log"), "w") as log:
                started = subprocess.run([script, "start", self.path("slurm")], stdout=log,
                                         stderr=subprocess.STDOUT)
            try:
                if started.returncode == 3:
                    self.skipTest("no Slurm here (scripts/slurm-local.sh: packages missing)")
                self.assertEqual(started.returncode, 0, read(self.path("slurm.log")).decode())
                self.same_study_on_slurm()
            finally:
                with open(self.path("slurm.log"), "a") as log:
                    subprocess.run([script, "stop", self.path("slurm")], stdout=log,
                                   stderr=subprocess.STDOUT)

    def same_study_on_slurm(self):
        self.write("my_policies.py", PRIORITY)
        self.study_file(["fifo", "python:my_policies:Priority"])
        local = cli("study", "study.json", "-q", "--out", "local", cwd=self.dir)
        self.assertEqual(local.returncode, 0, local.stderr)
        env = {**os.environ, "SLURM_CONF": self.path("slurm/slurm.conf")}
        batch = subprocess.run([GPUFLEET, "study", "study.json", "-q", "--backend", "slurm",
                                "--out", "slurm-out"], cwd=self.dir, env=env,
                               capture_output=True, text=True)
        self.assertEqual(batch.returncode, 0, batch.stderr)
        for name in ("study.csv", "study_summary.csv"):
            self.assertEqual(read(self.path("local/" + name)),
                             read(self.path("slurm-out/" + name)), name)


class FromPython(Folder):
    def run_python(self, code):
        """`code` in a python3 of its own, in the test's folder (as a notebook beside its files)."""
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=self.dir,
                              capture_output=True, text=True)

    def test_a_dict_with_policy_classes_gives_the_same_bytes_twice_and_as_the_file(self):
        self.write("my_policies.py", PRIORITY)
        done = self.run_python("""
            import gpufleet
            from gpufleet.examples.fifo import Fifo
            from my_policies import Priority
            study = {"format": "gpufleet-study", "version": 1, "scenario": "seed", "scale": 0.1,
                     "days": 3, "seeds": [1, 2],
                     "policies": ["fifo", Fifo, {"policy": [Priority, "lease-idle"]}]}
            for out in ("a", "b"):
                s = gpufleet.study(study, quiet=True, out=out)
            print(len(s.study), sorted(set(s.summary["arm"])))
            """)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("6 ['fifo @ base', 'python:gpufleet.examples.fifo:Fifo @ base', "
                      "'python:my_policies:Priority+lease-idle @ base']", done.stdout)
        for name in ("study.json", "study.csv", "study_summary.csv"):  # report.html names it
            self.assertEqual(read(self.path("a/" + name)), read(self.path("b/" + name)), name)
        # The file it wrote is a study file: the command line gives the same tables.
        run = cli("study", "a/study.json", "-q", "--out", "c", cwd=self.dir)
        self.assertEqual(run.returncode, 0, run.stderr)
        for name in ("study.csv", "study_summary.csv"):
            self.assertEqual(read(self.path("a/" + name)), read(self.path("c/" + name)), name)

    def test_compare_takes_policy_classes_and_names(self):
        self.write("my_policies.py", PRIORITY)
        done = self.run_python("""
            import gpufleet
            from my_policies import Priority
            c = gpufleet.compare(policies=["fifo", Priority, "python:gpufleet.examples.fifo:Fifo"],
                                 scale=0.1, horizon="2d", quiet=True, out="cmp")
            print(list(c.comparison["policy"]), list(c.comparison["status"]))
            """)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("['fifo', 'python:my_policies:Priority', "
                      "'python:gpufleet.examples.fifo:Fifo'] ['ok', 'ok', 'ok']", done.stdout)
        fifo, python_fifo = (rows(self.path(f"cmp/{p}/jobs.csv"))
                             for p in ("fifo", "python:gpufleet.examples.fifo:Fifo"))
        self.assertEqual(fifo, python_fifo)

    def test_a_class_of_main_is_refused_with_the_fix_and_nothing_is_written(self):
        class Local(gpufleet.Policy):  # defined in a function: not importable either
            def schedule(self, core):
                pass
        with self.assertRaises(gpufleet.InputError) as e:
            gpufleet.study({**STUDY, "policies": ["fifo", Local]}, out=self.path("x"))
        self.assertIn("policies[1]: Local is defined in the notebook or script (__main__)",
                      str(e.exception))
        self.assertIn("Put it in a module file beside the notebook", str(e.exception))
        self.assertFalse(os.path.exists(self.path("x")))
        # By name too: the study's check imports it as its runs would.
        with self.assertRaises(gpufleet.InputError) as e:
            gpufleet.study({**STUDY, "policies": ["fifo", "python:__main__:Local"]},
                           out=self.path("x"))
        self.assertIn("cannot be imported by the study's runs", str(e.exception))
        self.assertFalse(os.path.exists(self.path("x")))
        with self.assertRaises(TypeError):
            gpufleet.study({**STUDY, "policies": [Local()]}, out=self.path("x"))
        with self.assertRaises(gpufleet.InputError):
            gpufleet.compare(policies=["fifo", Local], out=self.path("x"))
        self.assertFalse(os.path.exists(self.path("x")))


class Traces(Folder):
    def test_import_trace_is_the_command_and_reads_the_workload_back(self):
        data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "slurm")
        sacct, partitions = os.path.join(data, "jobs.txt"), os.path.join(data, "partition-map.json")
        t = gpufleet.import_trace("slurm", sacct, output=self.path("w.json"),
                                  partition_map=partitions)
        done = cli("import", "slurm", sacct, "-o", self.path("cli.json"), "--partition-map",
                   partitions)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(read(t.path), read(self.path("cli.json")))
        self.assertEqual(t.workload["format"], "gpufleet-workload")
        self.assertGreater(len(t.workload["training"]), 0)
        self.assertIn("gpufleet import slurm: read", t.log)
        self.assertIsNone(t.platform)
        with self.assertRaises(gpufleet.InputError) as e:
            gpufleet.import_trace("swf", self.path("none.swf"), output=self.path("x.json"))
        self.assertIn("none.swf", str(e.exception))
        with self.assertRaises(TypeError):
            gpufleet.import_trace("swf", output=self.path("x.json"))

    def test_platform_returns_the_xml_and_writes_it(self):
        xml = gpufleet.platform(pool=["H100:64", "GB200:72:inference"])
        self.assertEqual(xml, cli("platform", "--pool", "H100:64", "--pool",
                                  "GB200:72:inference").stdout)
        self.assertEqual(gpufleet.platform(pool="H100:64", output=self.path("p.xml")),
                         read(self.path("p.xml")).decode())
        with self.assertRaises(gpufleet.InputError):
            gpufleet.platform(pool="H100:7")

    def test_a_real_trace_runs_a_python_policy(self):
        traces = os.environ.get("GPUFLEET_TRACES")
        if not traces:
            self.skipTest("GPUFLEET_TRACES is not set (the real traces' folder)")
        swf = os.path.join(traces, "pwa-swf", "NASA-iPSC-1993-3.1-cln.swf.gz")
        t = gpufleet.import_trace("swf", swf, output=self.path("nasa.json"),
                                  platform_out=self.path("nasa.xml"))
        self.assertEqual(len(t.workload["training"]), 18066)
        r = gpufleet.run(workload=t.path, platform=t.platform, horizon="7d", quiet=True,
                         policy="python:gpufleet.examples.fifo:Fifo", out=self.path("run"))
        self.assertGreater(r.summary["training"]["jobs_completed"], 1000)


if __name__ == "__main__":
    unittest.main()
