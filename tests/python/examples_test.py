#!/usr/bin/python3
"""Tests of the policies from the literature shipped in Python (docs/python.md, "Examples from the
literature"): gpufleet.examples.tiresias.Tiresias and gpufleet.examples.gavel.Gavel, run by ctest
with Debian's python3:

    GPUFLEET=build/gpufleet PYTHONPATH=build/python examples_test.py [TestCase ...]

Each must run the seed and a real trace end to end with every finished job having run its work,
do on a hand-made case what its paper says, worked by hand below, and give the same bytes twice.
"""

import ast
import json
import os
import unittest

import gpufleet
from gpufleet.examples.gavel import Gavel
from gpufleet.examples.tiresias import Tiresias
import support
from support import cli, read, without_provenance

HOUR = 3600.0
# A tenth of the seed fleet for 30 days: 371 jobs on 288 training GPUs, offered load 1.22.
SEED = ["--scenario", "seed", "--scale", "0.1", "--seed", "3"]
PEAK = {"B200": 2.25e15, "H100": 9.89e14}  # dense BF16 FLOP/s per GPU, the built-in catalog's


def job(name, submit_h, gpus, hours, model, mfu, slower=()):
    """A job of `gpus` GPUs running `hours` on `model` at `mfu`; `slower`: (model, relative
    speed) of the other generations it may use, after it in its order of preference."""
    return {"id": name, "submit_s": submit_h * HOUR, "gpus": gpus,
            "work_flops": gpus * PEAK[model] * mfu * hours * HOUR, "walltime_s": 100 * HOUR,
            "generations": [{"model": model, "mfu": mfu}] +
                           [{"model": m, "relative_speed": s} for m, s in slower]}


class Folder(support.Folder):
    def make(self, name, pools, jobs):
        """Writes a platform of `pools` (MODEL:GPUS:ROLE) and a workload of `jobs`; returns
        run()'s keywords for them."""
        platform, workload = self.path(name + ".xml"), self.path(name + ".json")
        done = cli("platform", *[arg for pool in pools for arg in ("--pool", pool)], "-o", platform)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(workload, "w") as f:
            json.dump({"format": "gpufleet-workload", "version": 1, "horizon_s": 100 * HOUR,
                       "training": jobs}, f)
        return dict(workload=workload, platform=platform, quiet=True)

    def by_id(self, result):
        return {row.id: row for row in result.jobs.itertuples()}

    def assertRanTheirWork(self, result, workload):
        """Every completed job held at least the GPU-time its work takes at its fastest (the
        network's time comes on top; a shared GPU counts its share), lost work aside; the
        summary counts what jobs.csv says."""
        with open(workload) as f:
            specs = {j["id"]: j for j in json.load(f)["training"]}
        with open(os.path.join(result.out, "summary.json")) as f:
            peaks = {p["gpu_model"]: p["peak_flops_per_s_per_gpu"] for p in json.load(f)["pools"]}
        jobs = result.jobs[result.jobs["class"] == "training"]
        done = jobs[jobs.state == "completed"]
        self.assertGreater(len(done), 0)
        for row in done.itertuples():
            spec = specs[row.id]
            first = spec["generations"][0]
            first_speed = first["mfu"] * peaks[first["model"]]  # FLOP/s per GPU
            fastest = max(first_speed * g.get("relative_speed", 1)
                          for g in spec["generations"] if g["model"] in peaks)
            share = spec.get("gpu_share", 1)
            # Lost work is in GPU-hours of the first generation (docs/metrics.md): redone at
            # the fastest, it held the least.
            kept = row.gpu_hours - row.lost_gpu_hours * first_speed / fastest
            self.assertGreaterEqual(kept, spec["work_flops"] / fastest / HOUR * share - 1e-5,
                                    row.id)
            self.assertTrue(row.submit_s <= row.start_s <= row.end_s, row.id)
        training = result.summary["training"]
        self.assertEqual(training["jobs_completed"], len(done))
        self.assertEqual(training["preemptions"], int(jobs.preemptions.sum()))


class Seed(Folder):
    def setUp(self):
        super().setUp()
        self.workload, self.platform = self.path("seed.json"), self.path("seed.xml")
        done = cli("generate", *SEED, "--days", "30", "-o", self.workload, "--platform-out",
                   self.platform)
        self.assertEqual(done.returncode, 0, done.stderr)

    def run_seed(self, policy, name, **options):
        return gpufleet.run(workload=self.workload, platform=self.platform, quiet=True,
                            policy=policy, out=self.path(name), **options)

    def test_tiresias_runs_it_and_preempts(self):
        r = self.run_seed(Tiresias, "tiresias")
        self.assertRanTheirWork(r, self.workload)
        self.assertGreater(r.summary["training"]["preemptions"], 0)
        fifo = self.run_seed("fifo", "fifo")  # LAS runs short jobs first: more of them end
        self.assertGreater(r.summary["training"]["jobs_completed"],
                           fifo.summary["training"]["jobs_completed"])

    def test_gavel_takes_the_faster_generation(self):
        r = self.run_seed(Gavel, "gavel")
        self.assertRanTheirWork(r, self.workload)
        self.assertEqual(r.summary["training"]["preemptions"], 0)
        # GB300 is 2.5 / 2.2 times GB200 for every seed job (job.throughput: MFU x peak, not
        # the walltime, which shows no pool faster than the first generation): each job that
        # found both free took GB300, so GB300 runs more jobs than under fifo, which takes
        # GB200, first in every seed job's order.
        fifo = self.run_seed("fifo", "fifo")
        on_gb300 = lambda result: int((result.jobs.pool == "gb300").sum())
        self.assertGreater(on_gb300(r), on_gb300(fifo))


class TiresiasByHand(Folder):
    """One 8-GPU H100 pool; thresholds at 10 and 40 GPU-hours, a run preemptible after 4 h:

    t = 0   long (8 GPUs, 20 h of work) starts.
    t = 2 h short (8 GPUs, 1 h) arrives, queue 0; long has 8 x 2 = 16 GPU-h: queue 1, but it
            has run 2 h < 4 h: short waits, and a pass is asked for at 4 h (min_run_s).
    t = 4 h long (32 GPU-h) is preempted, short starts; it ends at 5 h, long restarts (its 32
            GPU-h kept: queue 1).
    t = 5.5 h third (8 GPUs, 1 h) arrives, queue 0; long has run 0.5 h since its restart.
    t = 6 h long crosses 40 GPU-h (32 + 8 x 1): a pass at exactly 6 h sees it in queue 2.
    t = 9 h long has run 4 h again: preempted; third runs 9-10 h; long restarts at 10 h.
    long then has 20 - 8 = 12 h of work left, plus what its preemptions lost since their last
    checkpoints (hourly): it ends at 22 h or at most 2 h later. Under fifo, short waits 20 h.
    """

    JOBS = [job("long", 0, 8, 20, "H100", 0.5), job("short", 2, 8, 1, "H100", 0.5),
            job("third", 5.5, 8, 1, "H100", 0.5)]

    def test_the_short_job_preempts_the_long_one_after_its_minimum_run(self):
        files = self.make("w", ["H100:8:training"], self.JOBS)
        record = self.path("record")
        r = gpufleet.run(**files, policy=Recording(record, thresholds_gpu_h=(10, 40)),
                         decision_log=True, out=self.path("t"))
        jobs = self.by_id(r)
        self.assertEqual((jobs["short"].start_s, jobs["short"].end_s), (4 * HOUR, 5 * HOUR))
        self.assertEqual((jobs["third"].start_s, jobs["third"].end_s), (9 * HOUR, 10 * HOUR))
        self.assertEqual(jobs["long"].preemptions, 2)
        self.assertTrue(22 * HOUR <= jobs["long"].end_s <= 24 * HOUR, jobs["long"].end_s)
        preempts = r.decisions[r.decisions.action == "preempt"]
        self.assertEqual(list(preempts.id), ["long", "long"])
        self.assertEqual(list(preempts.time_s), [4 * HOUR, 9 * HOUR])
        with open(record) as f:
            seen = dict(line.split(" ", 1) for line in f.read().splitlines())
        self.assertEqual(seen[str(2 * HOUR)], "long:1:16.0 short:0:0.0")
        self.assertEqual(seen[str(5 * HOUR)], "long:1:32.0")  # kept across the preemption
        self.assertEqual(seen[str(6 * HOUR)], "long:2:40.0 third:0:0.0")  # the threshold's pass
        fifo = self.by_id(gpufleet.run(**files, policy="fifo", out=self.path("fifo")))
        self.assertEqual(fifo["short"].start_s, 20 * HOUR)

    def test_promote_knob_forgets_the_service_of_a_job_that_waited(self):
        # With promote_knob 0.25: long, preempted at 4 h after running 4 h, has waited
        # 0.25 x 4 = 1 h when short ends at 5 h: back to queue 0, its 32 GPU-h forgotten. When
        # third arrives at 5.5 h, long has 4 GPU-h, queue 0 like third's; it crosses 10 GPU-h
        # at 6.25 h (a pass then), and third preempts it at 9 h, its minimum run done.
        files = self.make("w", ["H100:8:training"], self.JOBS)
        record = self.path("record")
        r = gpufleet.run(**files, out=self.path("t"),
                         policy=Recording(record, thresholds_gpu_h=(10, 40), promote_knob=0.25))
        with open(record) as f:
            seen = dict(line.split(" ", 1) for line in f.read().splitlines())
        self.assertEqual(seen[str(5 * HOUR)], "long:0:0.0")
        self.assertEqual(seen[str(5.5 * HOUR)], "long:0:4.0 third:0:0.0")
        self.assertEqual(seen[str(6.25 * HOUR)], "long:1:10.0 third:0:0.0")
        self.assertEqual(self.by_id(r)["third"].start_s, 9 * HOUR)


class Recording(Tiresias):
    """Tiresias writing, at each pass, each job's queue and attained GPU-hours (the run is
    another process: the file is how the test sees its state)."""

    def __init__(self, record, **params):
        super().__init__(**params)
        self.record = record

    def schedule(self, core):
        super().schedule(core)
        now = core.now
        jobs = sorted(list(core.running()) + list(core.waiting()), key=lambda j: j.index)
        seen = " ".join(f"{j.id}:{self.queue(j.index, now)}:{self.attained(j.index, now) / HOUR}"
                        for j in jobs)
        with open(self.record, "a") as f:
            f.write(f"{now} {seen}\n")


class GavelByHand(Folder):
    """A fast pool (8 B200) and a slow one (8 H100); two 8-GPU jobs submitted together, each
    10 h on B200 and listing B200 first: `little` runs at 0.8 of that on H100 (speedup 1.25 on
    B200), `big` at 0.25 (speedup 4).

    fifo: little (first in the queue) takes B200, 10 h; big gets H100, 10 / 0.25 = 40 h:
          mean JCT (10 + 40) / 2 = 25 h, the worst 40 h.
    Gavel: both have attained 0; the tie goes to the larger speedup: big takes B200, 10 h;
          little H100, 10 / 0.8 = 12.5 h: mean JCT 11.25 h, the worst 12.5 h.
    """

    JOBS = [job("little", 0, 8, 10, "B200", 0.4, [("H100", 0.8)]),
            job("big", 0, 8, 10, "B200", 0.4, [("H100", 0.25)])]

    def test_the_larger_speedup_gets_the_fast_pool_and_jct_beats_fifo(self):
        files = self.make("w", ["B200:8:training", "H100:8:training"], self.JOBS)
        gavel = gpufleet.run(**files, policy=Gavel, out=self.path("gavel"))
        fifo = gpufleet.run(**files, policy="fifo", out=self.path("fifo"))
        jobs = self.by_id(gavel)
        self.assertEqual((jobs["big"].pool, jobs["little"].pool), ("b200", "h100"))
        self.assertEqual(self.by_id(fifo)["big"].pool, "h100")
        for result, mean, worst in ((gavel, 11.25, 12.5), (fifo, 25, 40)):
            jct = result.summary["training"]["jct_s"]
            self.assertAlmostEqual(jct["mean"] / HOUR, mean, places=6)
            self.assertAlmostEqual(jct["max"] / HOUR, worst, places=6)

    def test_the_throughputs_it_reads_are_mfu_times_peak(self):
        files = self.make("w", ["B200:8:training", "H100:8:training"], self.JOBS)
        r = gpufleet.run(**files, policy=Throughputs, horizon="1h", out=self.path("t"))
        seen = {}
        for line in r.stdout.splitlines():
            name, _, rates = line.partition(" ")
            if name in ("little", "big"):
                seen.setdefault(name, ast.literal_eval(rates))
        refused = [line for line in r.stdout.splitlines() if line.startswith("refused")]
        self.assertTrue(refused and all("no such pool: 2" in line for line in refused), refused)
        # B200 at MFU 0.4; H100 at 0.8 and 0.25 of that (relative_speed), by hand.
        fast = 0.4 * PEAK["B200"]
        for name, slow in (("little", 0.8 * fast), ("big", 0.25 * fast)):
            self.assertAlmostEqual(seen[name][0] / fast, 1, places=9)
            self.assertAlmostEqual(seen[name][1] / slow, 1, places=9)


class Throughputs(gpufleet.Policy):
    """Prints each waiting job's throughput on every pool once, then starts nothing."""

    def schedule(self, core):
        for job in core.waiting():
            print(job.id, [job.throughput(p.index) for p in core.pools])
            for read in (job.throughput, job.planned_runtime_s):  # a pool the core has not
                try:
                    read(len(core.pools))
                except gpufleet.PolicyError as e:
                    print("refused", e)


class Determinism(support.Folder):
    def test_each_gives_the_same_bytes_twice(self):
        for policy in (Tiresias, Gavel):
            outs = []
            for n in (1, 2):
                out = self.path(f"{policy.__name__}-{n}")
                gpufleet.run(scenario="seed", scale=0.1, horizon="30d", seed=3, quiet=True,
                             policy=policy, decision_log=True, out=out)
                outs.append(out)
            names = sorted(os.listdir(outs[0]))
            self.assertIn("decisions.csv", names)
            self.assertEqual(names, sorted(os.listdir(outs[1])))
            for name in names:
                a, b = (read(os.path.join(out, name)) for out in outs)
                if name == "summary.json":
                    a, b = without_provenance(a.decode()), without_provenance(b.decode())
                self.assertTrue(a == b, f"{policy.__name__}: {name} differs between two runs")


class RealTraces(Folder):
    """Alibaba's 2023 GPU trace (7 GPU models, fractional GPUs, 149 days) and NASA's iPSC log
    from the Parallel Workloads Archive, imported as docs/importers.md says."""

    def setUp(self):
        super().setUp()
        self.traces = os.environ.get("GPUFLEET_TRACES", "")
        if not self.traces:
            self.skipTest("GPUFLEET_TRACES is not set (the real traces' folder, "
                          "docs/traces.md)")

    def imported(self, name, *args):
        workload, platform = self.path(name + ".json"), self.path(name + ".xml")
        done = cli("import", *args, "-o", workload, "--platform-out", platform)
        self.assertEqual(done.returncode, 0, done.stderr)
        return workload, platform

    def test_both_run_the_traces_to_the_end(self):
        alibaba = os.path.join(self.traces, "alibaba-gpu-v2023")
        nasa = os.path.join(self.traces, "pwa-swf", "NASA-iPSC-1993-3.1-cln.swf.gz")
        for path in (alibaba, nasa):
            if not os.path.exists(path):
                self.skipTest(f"{path} is missing")
        traces = [self.imported("alibaba", "alibaba-gpu-2023",
                                os.path.join(alibaba, "openb_pod_list_default.csv"),
                                os.path.join(alibaba, "openb_node_list_gpu_node.csv")),
                  self.imported("nasa", "swf", nasa)]
        for (workload, platform), horizon in zip(traces, (None, "30d")):
            fifo = gpufleet.run(workload=workload, platform=platform, horizon=horizon,
                                policy="fifo", quiet=True, out=self.path("fifo"))
            for policy in (Tiresias, Gavel):
                r = gpufleet.run(workload=workload, platform=platform, horizon=horizon,
                                 policy=policy, quiet=True, out=self.path(policy.__name__))
                self.assertRanTheirWork(r, workload)
                # Neither trace is contended on its own machine: every job fifo ends, ends.
                self.assertEqual(r.summary["training"]["jobs_completed"],
                                 fifo.summary["training"]["jobs_completed"])


if __name__ == "__main__":
    unittest.main()
