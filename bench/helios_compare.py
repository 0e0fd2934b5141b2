#!/usr/bin/env python3
"""Start time for start time: gpufleet's `fifo` against the Helios trace-driven FIFO simulator.

Helios (Hu et al., "Characterization and Prediction of Deep Learning Workloads in Large-Scale
GPU Datacenters", SC'21; S-Lab-System-Group/HeliosArtifact, framework/QSSF Service) simulates
each virtual cluster (VC) of a trace on its own: N nodes of 8 GPUs, a 1-second clock, strict
FIFO by submit time, jobs run exactly their recorded duration. Its per-VC result,
`<log>/<experiment>/<vc>/fifo_<placer>_<vc>_log.csv`, has one row per job (job_id, vc,
gpu_num, submit_time, duration, start_time, end_time, ...), in its queue order.

This script takes that result and the trace it was run on (Helios' cluster_log.csv format:
job_id, vc, gpu_num, submit_time 'YYYY-MM-DD HH:MM:SS', duration), and
  1. writes the same jobs of the same VC as a gpufleet workload: submit_s from the trace's
     submit_time, the GPU count, work_flops = duration x gpus x peak x mfu on V100M32 (8-GPU
     NVLink domains; peak read from the generated platform), so that each job runs exactly its
     recorded duration, and no gradient exchange (gradient_bytes 0: a multi-domain job adds no
     network time); jobs that Helios submits in the same second keep Helios' queue order;
  2. writes a platform of one training pool of N 8-GPU hosts (`gpufleet platform`);
  3. runs `gpufleet run --policy fifo --placement X` for each placement asked for (default:
     every one `gpufleet run --help` lists);
  4. compares each job's start in gpufleet's jobs.csv with its start in Helios: jobs compared,
     exact matches (|diff| < 1 s), max and mean |diff|, for all jobs and separately for jobs
     whose GPU count is a whole number of nodes (<= 8 or a multiple of 8) and for the rest.

Helios' FIFO is strict (the head blocks the queue) and its 1-second clock changes nothing on
integer-second traces (ends are released before starts in each second), so differences come
from placement: Helios' `consolidate` placer puts a job of <= 8 GPUs on one node only (best
fit), and a larger one on whole free nodes, with any remainder on the freest other node.
Under `topology` and `fewest-domains` a job starts as soon as enough GPUs are free in the pool
(one of <= 8 GPUs may span servers), so gpufleet never starts a job later than Helios there.
A job's difference also moves every job queued behind it, so the whole-node split counts
jobs, not causes.

Neither the trace nor Helios is shipped with gpufleet (research use; traces are never
committed here): see bench/helios.sh for how to obtain and run them. Python 3 standard
library only.
"""
import argparse
import csv
import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

MODEL = "V100M32"
GPUS_PER_NODE = 8


def fail(msg):
    print(f"helios_compare: error: {msg}", file=sys.stderr)
    sys.exit(2)


def read_helios_result(path, vc):
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        need = {"job_id", "vc", "gpu_num", "submit_time", "duration", "start_time"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            fail(f"{path}: not a Helios result log (missing columns {sorted(missing)})")
        for order, r in enumerate(reader):
            rows.append({
                "order": order,
                "job_id": r["job_id"],
                "vc": r["vc"],
                "gpus": int(float(r["gpu_num"])),
                "submit": float(r["submit_time"]),
                "duration": float(r["duration"]),
                "start": float(r["start_time"]),
            })
    vcs = sorted({r["vc"] for r in rows})
    if vc is None:
        if len(vcs) != 1:
            fail(f"{path} holds {len(vcs)} VCs ({', '.join(vcs[:8])}...): pick one with --vc "
                 "(Helios simulates each VC as a cluster of its own)")
        vc = vcs[0]
    rows = [r for r in rows if r["vc"] == vc]
    if not rows:
        fail(f"{path}: no job of VC {vc}")
    return vc, rows


def read_trace(path, vc, wanted):
    """The trace's rows of `vc` whose job_id Helios simulated: job_id -> (submit datetime,
    gpus, duration)."""
    jobs = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        need = {"job_id", "vc", "gpu_num", "submit_time", "duration"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            fail(f"{path}: not a Helios cluster_log.csv (missing columns {sorted(missing)})")
        for r in reader:
            if r["vc"] != vc or r["job_id"] not in wanted:
                continue
            submit = dt.datetime.strptime(r["submit_time"][:19], "%Y-%m-%d %H:%M:%S")
            jobs[r["job_id"]] = (submit, int(float(r["gpu_num"])), float(r["duration"]))
    return jobs


def gpufleet_help(binary, *cmd):
    out = subprocess.run([binary, *cmd, "--help"], capture_output=True, text=True)
    return out.stdout + out.stderr


def placements_of(binary):
    m = re.search(r"--placement\s+TEXT:\{([^}]*)\}", gpufleet_help(binary, "run"))
    return m.group(1).split(",") if m else ["topology", "fewest-domains"]


def host_speed(platform_xml):
    with open(platform_xml) as f:
        text = f.read()
    m = re.search(r'<(?:host|cluster)\b[^>]*\bspeed="([0-9.eE+-]+)\s*([kMGTPE]?)f', text)
    if not m:
        fail(f"{platform_xml}: no host speed found")
    scale = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}[m.group(2)]
    return float(m.group(1)) * scale


def stats(diffs):
    if not diffs:
        return "     0 jobs"
    a = [abs(d) for d in diffs]
    exact = sum(1 for d in a if d < 1)
    early = sum(1 for d in diffs if d <= -1)
    late = sum(1 for d in diffs if d >= 1)
    return (f"{len(a):6d} jobs  exact {exact:6d} ({100 * exact / len(a):5.1f}%)  "
            f"max |diff| {max(a):11.0f} s  mean |diff| {sum(a) / len(a):10.1f} s  "
            f"(gpufleet earlier {early}, later {late})")


def whole_nodes(gpus):
    return gpus <= GPUS_PER_NODE or gpus % GPUS_PER_NODE == 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("helios_result", help="Helios' per-VC FIFO log (fifo_<placer>_<vc>_log.csv)")
    p.add_argument("trace", help="the Helios-format cluster_log.csv Helios was run on")
    p.add_argument("--nodes", type=int, required=True,
                   help="8-GPU nodes of the VC (its entry in Helios' vc_dict_homo.pkl)")
    p.add_argument("--vc", help="VC to compare (default: the only one in the result)")
    p.add_argument("--placement", action="append",
                   help="gpufleet --placement to run (repeatable; default: all it offers)")
    p.add_argument("--gpufleet", default=os.environ.get("GPUFLEET", "build/gpufleet"))
    p.add_argument("--mfu", type=float, default=0.5, help="MFU given to every job (any in (0,1])")
    p.add_argument("--work", help="directory for workload, platform and runs (default: temp)")
    p.add_argument("--show", type=int, default=5, help="list the first N differing jobs")
    args = p.parse_args()

    binary = args.gpufleet
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        fail(f"{binary}: no gpufleet binary (build it, or pass --gpufleet / GPUFLEET)")
    vc, helios = read_helios_result(args.helios_result, args.vc)
    by_id = {r["job_id"]: r for r in helios}
    if len(by_id) != len(helios):
        fail(f"{args.helios_result}: job_id repeats within VC {vc}")
    trace = read_trace(args.trace, vc, by_id)
    absent = [j for j in by_id if j not in trace]
    if absent:
        fail(f"{len(absent)} jobs of the Helios result are not in {args.trace} "
             f"(e.g. {absent[0]}): not the trace Helios ran on")
    mismatch = [j for j, (_, g, d) in trace.items()
                if g != by_id[j]["gpus"] or d != by_id[j]["duration"]]
    if mismatch:
        fail(f"{len(mismatch)} jobs differ in gpu_num or duration between the trace and the "
             f"Helios result (e.g. {mismatch[0]})")
    too_big = [j for j in by_id if by_id[j]["gpus"] > args.nodes * GPUS_PER_NODE]
    if too_big:
        fail(f"{len(too_big)} jobs ask more than {args.nodes} nodes hold (e.g. {too_big[0]})")

    origin = min(s for s, _, _ in trace.values())
    # Helios' clock: its submit_time is the trace's minus a constant; check it.
    offsets = {by_id[j]["submit"] - (s - origin).total_seconds() for j, (s, _, _) in trace.items()}
    if max(offsets) - min(offsets) > 1e-6:
        fail("Helios' submit times are not the trace's shifted by one constant")
    offset = offsets.pop()

    work = args.work or tempfile.mkdtemp(prefix="helios-compare-")
    os.makedirs(work, exist_ok=True)
    platform = os.path.join(work, "platform.xml")
    pool = f"{MODEL}:{args.nodes * GPUS_PER_NODE}"
    if "ROLE" in gpufleet_help(binary, "platform"):
        pool += ":training"
    subprocess.run([binary, "platform", "--pool", pool, "-o", platform], check=True,
                   capture_output=True)
    peak = host_speed(platform)

    # Same-second submissions keep Helios' queue order (its log is in that order).
    ids = sorted(by_id, key=lambda j: ((trace[j][0] - origin).total_seconds(), by_id[j]["order"]))
    training = []
    serial = 0.0
    for j in ids:
        submit, gpus, duration = trace[j]
        if duration <= 0:
            fail(f"job {j} has duration {duration}: gpufleet needs work > 0")
        serial += duration
        training.append({
            "id": j,
            "submit_s": (submit - origin).total_seconds(),
            "gpus": gpus,
            "work_flops": duration * gpus * peak * args.mfu,
            "generations": [{"model": MODEL, "mfu": args.mfu}],
            "gradient_bytes": 0,
        })
    last_submit = max(t["submit_s"] for t in training)
    workload = {
        "format": "gpufleet-workload",
        "version": 1,
        # Strict FIFO never takes longer than running every job one after another.
        "horizon_s": math.ceil(last_submit + serial + 1),
        "meta": {"source": f"Helios trace {os.path.basename(args.trace)}, VC {vc}, "
                           f"{len(training)} jobs, {args.nodes} nodes"},
        "training": training,
    }
    workload_path = os.path.join(work, "workload.json")
    with open(workload_path, "w") as f:
        json.dump(workload, f)

    placements = args.placement or placements_of(binary)
    n_whole = sum(1 for r in helios if whole_nodes(r["gpus"]))
    print(f"Helios result {args.helios_result}: VC {vc}, {len(helios)} jobs "
          f"({n_whole} of whole nodes, {len(helios) - n_whole} not), {args.nodes} nodes x "
          f"{GPUS_PER_NODE} GPUs; workload and platform in {work}"
          f"{'' if args.work else ' (removed at the end; keep them with --work)'}")
    helios_start = {j: by_id[j]["start"] - offset for j in by_id}
    for placement in placements:
        out = os.path.join(work, f"run-{placement}")
        t0 = time.monotonic()
        run = subprocess.run([binary, "run", "--workload", workload_path, "--platform", platform,
                              "--policy", "fifo", "--placement", placement, "--out", out, "-q"],
                             capture_output=True, text=True)
        wall = time.monotonic() - t0
        if run.returncode != 0:
            print(f"\n--placement {placement}: gpufleet failed ({run.returncode}): "
                  f"{run.stderr.strip()[-500:]}")
            continue
        starts, unfinished = {}, 0
        with open(os.path.join(out, "jobs.csv"), newline="") as f:
            for r in csv.DictReader(f):
                if r["class"] != "training":
                    continue
                if r["start_s"] in ("", "-1", "-1.000") or float(r["start_s"]) < 0:
                    unfinished += 1
                    continue
                starts[r["id"]] = float(r["start_s"])
        groups = {"all": [], "whole nodes": [], "not whole nodes": []}
        differing = []
        for j in ids:
            if j not in starts:
                continue
            d = starts[j] - helios_start[j]
            groups["all"].append(d)
            groups["whole nodes" if whole_nodes(by_id[j]["gpus"]) else "not whole nodes"].append(d)
            if abs(d) >= 1:
                differing.append(j)
        print(f"\n--placement {placement} (gpufleet run {wall:.1f} s"
              f"{f'; {unfinished} jobs never started' if unfinished else ''})")
        for name, diffs in groups.items():
            print(f"  {name:16s} {stats(diffs)}")
        for j in differing[:args.show]:
            print(f"    job {j}: {by_id[j]['gpus']} GPUs, submit {trace[j][0]}, "
                  f"Helios start +{helios_start[j] - (trace[j][0] - origin).total_seconds():.0f} s,"
                  f" gpufleet +{starts[j] - (trace[j][0] - origin).total_seconds():.0f} s")
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
