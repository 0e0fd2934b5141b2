#!/usr/bin/env python3
"""The policy table of docs/policies.md: every listed policy on the seed scenario (10,000 GPUs,
30 days) for seeds 1-3, as a Markdown table. Usage: scripts/seed-policy-table.py [GPUFLEET]
[--forecast F]"""
import json
import os
import subprocess
import sys
import tempfile

POLICIES = [
    ("fifo", []),
    ("static-partition", []),
    ("easy-backfill", []),
    ("spillover", []),
    ("lease-idle", []),
    ("preempt-priority", []),
    ("hetero-aware", []),
    ("easy-backfill+spillover", []),
    ("easy-backfill+spillover+lease-idle", []),
    ("easy-backfill+spillover+preempt-priority", []),
    ("hetero-aware+lease-idle+preempt-priority", []),
]
FOLLOW = ("lease-idle", ["--param", "lease_follow_demand=1"])


def run(binary, policy, params, seed, forecast, out):
    cmd = [binary, "run", "-q", "--policy", policy, "--seed", str(seed), "--out", out]
    cmd += params + (["--forecast", forecast] if forecast else [])
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def row(name, seed, s):
    inference_gpus = sum(p["gpus"] for p in s["pools"] if p["role"] == "inference")
    inference_held = sum(p["gpus"] * p["allocation_utilization"]
                         for p in s["pools"] if p["role"] == "inference")
    inf, lease, t = s["inference"], s["lease"], s["training"]
    # The highest p99 of any service (None: unbounded, more than 1% of a service shed).
    def ms(value):
        return "shed" if value is None else "%.0f ms" % (1000 * value)
    worst = inf["worst_service"]
    net = s["economics"]["fleet"]["net_value_usd"] / 1e6
    return ("| %s | %d | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f h | %.2f%% | %.1f%% | %s %.2f%% | "
            "%s | %s | $%.0f | %d/%d/%d | %d | %s$%.2fM |" % (
                name, seed, 100 * s["fleet"]["effective_utilization"],
                100 * s["fleet"]["allocation_utilization"], 100 * inference_held / inference_gpus,
                100 * t["capacity_gap"], t["wait_s"]["p95"] / 3600, 100 * inf["slo_attainment"],
                100 * inf["worst_hour_slo_attainment"], worst["id"], 100 * worst["slo_attainment"],
                ms(inf["worst_ttft_p99_s"]), ms(inf["worst_tpot_p99_s"]),
                lease["revenue_usd"], lease["accepted"], lease["rejected"], lease["reclaimed"],
                t.get("preemptions", 0), "-" if net < 0 else "", abs(net)))


def main():
    args = sys.argv[1:]
    forecast = None
    if "--forecast" in args:
        i = args.index("--forecast")
        forecast = args[i + 1]
        del args[i:i + 2]
    binary = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "build", "gpufleet")
    print("| policy | seed | fleet effective | fleet allocation | inference-pool allocation | "
          "training gap | p95 wait | SLO | SLO worst hour | worst service | TTFT p99 | TPOT p99 | "
          "lease revenue | leases accepted/rejected/reclaimed | preemptions | net value, 30 days |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in (1, 2, 3):
            for policy, params in POLICIES:
                print(row(policy, seed, run(binary, policy, params, seed, forecast, tmp + "/o")),
                      flush=True)
        print(row("lease-idle, `--param lease_follow_demand=1`", 1,
                  run(binary, FOLLOW[0], FOLLOW[1], 1, forecast, tmp + "/o")))


if __name__ == "__main__":
    main()
