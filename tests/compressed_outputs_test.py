#!/usr/bin/python3
"""Reads `gpufleet run --compress` outputs with pandas, as a notebook would.

    compressed_outputs_test.py GPUFLEET

A hand-made workload (a user and an account that need CSV quotes, a lease) runs twice, plain
and with --compress; pandas reads every .csv.gz as it is (compression inferred from the name)
into the same frame as the plain .csv, and reads the quoted user and account as one field each.

Needs Debian's python3-pandas. Exits 1 if any check fails.
"""

import json
import os
import subprocess
import sys
import tempfile

import pandas as pd

GPUFLEET = sys.argv[1]
CSV_FILES = ["jobs.csv", "replicas.csv", "timeseries.csv", "queue_timeseries.csv",
             "pools_timeseries.csv", "services_timeseries.csv"]
GB200_FLOPS = 2.5e15
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok


def job(job_id, submit_s, gpus, seconds, **extra):
    return dict({"id": job_id, "submit_s": submit_s, "gpus": gpus,
                 "work_flops": gpus * GB200_FLOPS * 0.4 * seconds,
                 "generations": [{"model": "GB200", "mfu": 0.4}]}, **extra)


with tempfile.TemporaryDirectory() as tmp:
    platform = os.path.join(tmp, "platform.xml")
    subprocess.run([GPUFLEET, "platform", "--pool", "GB200:72", "--pool", "H100:16", "-o",
                    platform], check=True)
    workload = {"format": "gpufleet-workload", "version": 1, "horizon_s": 14400,
                "training": [job("a", 0, 72, 3600),
                             job("b", 100, 8, 3600, user="smith, j", account='ml "core"')],
                "leases": [{"id": "l", "gpus": 8, "model": "H100", "start_s": 0,
                            "duration_s": 36000, "price_per_gpu_hour": 1.5}]}
    workload_file = os.path.join(tmp, "workload.json")
    with open(workload_file, "w") as f:
        json.dump(workload, f)
    for out, extra in (("plain", []), ("gz", ["--compress"])):
        subprocess.run([GPUFLEET, "run", "-q", "--platform", platform, "--workload",
                        workload_file, "--policy", "lease-idle", "--out",
                        os.path.join(tmp, out)] + extra, check=True, stdout=subprocess.DEVNULL)
    for name in CSV_FILES:
        plain = pd.read_csv(os.path.join(tmp, "plain", name))
        compressed = pd.read_csv(os.path.join(tmp, "gz", name + ".gz"))
        check(plain.equals(compressed) and len(plain.columns) > 1,
              f"pandas reads {name}.gz as {name} ({len(plain)} rows)")
    jobs = pd.read_csv(os.path.join(tmp, "gz", "jobs.csv.gz"), keep_default_na=False)
    b = jobs[jobs["id"] == "b"].iloc[0]
    check(b["user"] == "smith, j" and b["account"] == 'ml "core"',
          "a quoted user and account are one field each")
    check(float(b["wait_s"]) == 3500.0, "b waited 3,500 s for a")
    lease = jobs[jobs["class"] == "lease"].iloc[0]
    with open(os.path.join(tmp, "gz", "summary.json")) as f:
        summary = json.load(f)
    check(abs(jobs["revenue_usd"].replace("", 0).astype(float).sum()
              - summary["lease"]["revenue_usd"]) < 1e-6 and float(lease["revenue_usd"]) == 48.0,
          "the lease revenue column adds up to summary.json's lease.revenue_usd")

sys.exit(1 if failures else 0)
