#!/usr/bin/env python3
"""What planning with exact run times flattered (docs/policies.md, "Walltimes"): each policy on
the seed scenario (seeds 1-3) or on one workload, planned three ways:

  exact     --plan-with exact --walltime ignore   the oracle: every job planned with its run time
  estimates --plan-with walltime --walltime ignore   the users' walltimes, never enforced
  kill      --plan-with walltime --walltime kill     the users' walltimes, enforced (the default)

as a Markdown table. Usage:
  scripts/walltime-table.py [--gpufleet BIN] [--seeds 1,2,3] [--policies P,Q]
                            [--workload W.json --platform P.xml]"""
import argparse
import json
import os
import subprocess
import tempfile

MODES = [
    ("exact (oracle)", ["--plan-with", "exact", "--walltime", "ignore"]),
    ("walltimes, not enforced", ["--plan-with", "walltime", "--walltime", "ignore"]),
    ("walltimes, killed at them", ["--plan-with", "walltime", "--walltime", "kill"]),
]


def run(binary, args, out):
    subprocess.run([binary, "run", "-q", "--out", out] + args, check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def row(policy, seed, mode, s):
    t = s["training"]
    return "| %s | %s | %s | %.1f%% | %.1f%% | %.1f h | %.1f h | %.1f h | %d | %.0f |" % (
        policy, seed, mode, 100 * s["fleet"]["effective_utilization"], 100 * t["capacity_gap"],
        t["wait_s"]["mean"] / 3600, t["wait_s"]["p50"] / 3600, t["wait_s"]["p95"] / 3600,
        t["jobs_killed_at_walltime"], t["gpu_hours"]["killed_at_walltime"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gpufleet",
                   default=os.path.join(os.path.dirname(__file__), "..", "build", "gpufleet"))
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--policies", default="easy-backfill,easy-backfill+spillover")
    p.add_argument("--workload")
    p.add_argument("--platform")
    a = p.parse_args()
    print("| policy | seed | planned with | fleet effective | training gap | wait mean | wait p50 "
          "| wait p95 | jobs killed at walltime | GPU-hours lost to kills |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    seeds = ["-"] if a.workload else a.seeds.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for policy in a.policies.split(","):
            for seed in seeds:
                for mode, flags in MODES:
                    args = ["--policy", policy] + flags
                    if a.workload:
                        args += ["--workload", a.workload, "--platform", a.platform]
                    else:
                        args += ["--seed", seed]
                    s = run(a.gpufleet, args, os.path.join(tmp, "run"))
                    print(row(policy, seed, mode, s), flush=True)


if __name__ == "__main__":
    main()
