#!/usr/bin/python3
"""Tests of Python policies that serve and lease (docs/python.md, "Policies in Python"): serve(core)
and leases(core) read the services and lease requests and act through the core's checked calls,
in place of the C++ parts that take those steps. Run by ctest with Debian's python3:

    GPUFLEET=build/gpufleet PYTHONPATH=build/python serving_test.py [TestCase ...]

static-partition's serving written in Python (gpufleet.examples.static_serving) must give the
C++ fifo's outputs byte for byte, and idle leasing (gpufleet.examples.idle_leases) fifo+lease-idle's
at lease_headroom=0; a refused call must raise gpufleet.PolicyError with the core's reason; a
Python step beside a C++ part that takes the same step must be refused before the run.
"""

import csv
import json
import os

import gpufleet
from gpufleet.examples.fifo import Fifo
from gpufleet.examples.idle_leases import IdleLeases
from gpufleet.examples.static_serving import StaticServing
import support
from support import cli, read

SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "workloads",
                         "scenarios")
STATIC = "python:gpufleet.examples.static_serving:StaticServing"


def lease_scenario(path):
    """The seed scenario with shorter, smaller and more frequent lease requests: at a tenth of
    the seed fleet, a week holds 56 of them, H100 and H200, on-demand and preemptible."""
    with open(os.path.join(SCENARIOS, "seed.json")) as f:
        scenario = json.load(f)
    inference = scenario["inference"]  # its shape: a path relative to the scenario's folder
    inference["shape"] = os.path.normpath(os.path.join(SCENARIOS, inference["shape"]))
    scenario["leases"].update({"offered_load": 0.6, "gpus": {"min": 8, "max": 64, "multiple": 8},
                               "duration_d": {"median": 1, "sigma": 1.0, "min": 0.25, "max": 7}})
    with open(path, "w") as f:
        json.dump(scenario, f)
    return path


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summary_without_policy(path):
    """summary.json as a dict without what names the policy: provenance, policy, policy_params."""
    with open(path) as f:
        summary = json.load(f)
    for key in ("provenance", "policy", "policy_params"):
        summary.pop(key)
    return summary


class Folder(support.Folder):
    def setUp(self):
        super().setUp()
        self.run_args = dict(scenario=lease_scenario(self.path("leases.json")), scale=0.1,
                             horizon="7d", seed=3, quiet=True)

    def run_policy(self, policy, name, **kwargs):
        return gpufleet.run(**self.run_args, policy=policy, out=self.path(name), **kwargs)

    def assertSameRun(self, a, b):
        names = sorted(os.listdir(a))
        self.assertEqual(names, sorted(os.listdir(b)))
        for name in names:
            if name == "summary.json":
                self.assertEqual(summary_without_policy(os.path.join(a, name)),
                                 summary_without_policy(os.path.join(b, name)))
            else:
                self.assertTrue(read(os.path.join(a, name)) == read(os.path.join(b, name)),
                                f"{name} differs between {a} and {b}")


class ServeOnly(gpufleet.Policy):
    """static-partition's serving and leases without a training order of its own."""
    serve = StaticServing.serve
    leases = StaticServing.leases


class StaticPartition(Folder):
    def test_outputs_are_the_cpp_fifos_byte_for_byte(self):
        cpp = self.run_policy("fifo", "cpp")
        python = self.run_policy(StaticServing, "py")
        self.assertEqual(python.summary["lease"]["rejected"], 56)
        self.assertGreater(len(rows(os.path.join(python.out, "replicas.csv"))), 5)
        self.assertEqual(python.summary["policy"], STATIC)
        self.assertSameRun(cpp.out, python.out)

    def test_without_a_training_order_it_takes_the_cpp_one(self):
        for order in ("static-partition", "easy-backfill"):
            cpp = self.run_policy(order, "cpp-" + order)
            policy = ServeOnly if order == "static-partition" else [ServeOnly, order]
            python = self.run_policy(policy, "py-" + order)
            self.assertSameRun(cpp.out, python.out)

    def test_the_decision_log_names_the_python_part(self):
        r = self.run_policy(StaticServing, "py", decision_log=True)
        decided = {(row["action"], row["part"], row["reason"])
                   for row in rows(os.path.join(r.out, "decisions.csv"))}
        self.assertEqual(decided, {("scale_up", STATIC, "demand_rise"),
                                   ("reject_lease", STATIC, "external_leases"),
                                   ("start", STATIC, "external_order")})


class ReplicasByHand(Fifo):
    """One replica per service on the first inference pool that takes it, all gone after a day."""

    def serve(self, core):
        for service in core.services:
            if core.now > 86400:
                for replica in service.replicas:
                    core.remove_replica(replica)
            elif not service.replicas:
                for pool in core.pools:
                    if pool.role == "inference" and core.can_add_replica(service, pool):
                        replica = core.add_replica(service, pool)
                        assert replica.service == service.index and replica.pool == pool.index
                        assert service.replicas[0].index == replica.index
                        break


class Serve(Folder):
    def test_replicas_added_and_removed_by_hand(self):
        r = self.run_policy(ReplicasByHand, "py", decision_log=True)
        replicas = rows(os.path.join(r.out, "replicas.csv"))
        services = {row["service"] for row in replicas}
        self.assertEqual(len(replicas), len(services))  # one each, never replaced
        decisions = rows(os.path.join(r.out, "decisions.csv"))
        ups = [d for d in decisions if d["action"] == "scale_up"]
        downs = [d for d in decisions if d["action"] == "scale_down"]
        self.assertEqual(len(ups), len(replicas))
        self.assertEqual({d["reason"] for d in ups + downs}, {"external_serve"})
        self.assertEqual(len(downs), len(replicas))
        self.assertTrue(all(float(d["time_s"]) > 86400 for d in downs))


class Leases(Folder):
    def test_idle_leases_are_lease_idles_at_no_headroom_byte_for_byte(self):
        cpp = self.run_policy("fifo+lease-idle", "cpp", param=["lease_headroom=0"])
        python = self.run_policy(IdleLeases, "py")
        self.assertEqual(python.summary["lease"]["accepted"], 37)
        self.assertSameRun(cpp.out, python.out)

    def test_accepted_leases_are_in_jobs_csv_with_their_price_and_revenue(self):
        r = self.run_policy(IdleLeases, "py", decision_log=True)
        leases = [row for row in rows(os.path.join(r.out, "jobs.csv")) if row["class"] == "lease"]
        accepted = [row for row in leases if row["start_s"]]
        self.assertEqual(len(accepted), r.summary["lease"]["accepted"])
        revenue = 0
        for row in accepted:
            price, hours = float(row["price_per_gpu_hour"]), float(row["gpu_hours"])
            self.assertGreater(price, 0)
            self.assertAlmostEqual(float(row["revenue_usd"]), price * hours, places=3)
            revenue += price * hours
        self.assertAlmostEqual(r.summary["lease"]["revenue_usd"], revenue, places=2)
        decisions = rows(os.path.join(r.out, "decisions.csv"))
        accepts = [d for d in decisions if d["action"] == "accept_lease"]
        self.assertEqual(len(accepts), len(accepted))
        self.assertEqual({d["reason"] for d in accepts}, {"external_leases"})


class ReadsEverything(IdleLeases):
    """IdleLeases that checks what it reads of services and replicas against each other, and
    writes what it reads of each lease request to `record`, one JSON line each."""

    def __init__(self, record):
        self.record = record

    def serve(self, core):
        for service in core.services:
            assert core.services[service.index] is service
            throughput = {g.model: g.throughput for g in service.generations}
            replicas = service.replicas
            assert all(r.active and r.service == service.index and r.gpus ==
                       service.gpus_per_replica for r in replicas), replicas
            provisioned = sum(throughput[core.pools[r.pool].model] for r in replicas)
            serving = sum(throughput[core.pools[r.pool].model] for r in replicas
                          if r.ready_s <= core.now)
            assert abs(service.provisioned - provisioned) < 1e-6 * max(1, provisioned)
            assert abs(service.capacity - serving) < 1e-6 * max(1, serving)
            assert 0 <= service.demand <= service.peak and service.forecast(0) >= service.demand
            assert service.cold_start_s > 0 and service.unit == "tokens"
            core.scale_to(service, service.peak)

    def leases(self, core):
        with open(self.record, "a") as f:
            for lease in core.pending_leases():
                f.write(json.dumps({"id": lease.id, "gpus": lease.gpus, "model": lease.model,
                                    "price": lease.price_per_gpu_hour, "start_s": lease.start_s,
                                    "now": core.now, "pool": lease.pool}) + "\n")
        super().leases(core)
        for lease in core.running_leases():
            assert core.lease(lease.index).pool == lease.pool is not None


class Views(Folder):
    def test_what_serve_and_leases_read_is_what_the_outputs_show(self):
        cpp = self.run_policy("fifo+lease-idle", "cpp", param=["lease_headroom=0"])
        r = self.run_policy(ReadsEverything(self.path("leases")), "py")
        self.assertSameRun(cpp.out, r.out)  # its serve() is the C++ peak provisioning's
        with open(self.path("leases")) as f:
            read = [json.loads(line) for line in f]
        leases = [row for row in rows(os.path.join(r.out, "jobs.csv")) if row["class"] == "lease"]
        self.assertEqual(len(read), 56)
        self.assertEqual([x["id"] for x in read], [row["id"] for row in leases])
        for x, row in zip(read, leases):
            self.assertEqual((x["gpus"], x["model"], x["pool"]),
                             (int(row["gpus"]), row["gpu_model"], None))
            self.assertAlmostEqual(x["price"], float(row["price_per_gpu_hour"]))
            self.assertEqual(x["start_s"], x["now"])  # decided when it comes
            self.assertAlmostEqual(x["start_s"], float(row["submit_s"]), places=3)


def record(path, error):
    with open(path, "a") as f:
        f.write(str(error) + "\n")


class TriesRefusedCalls(Fifo):
    """Tries, once each, calls the core must refuse; writes their messages to `record`."""

    def __init__(self, record):
        self.record = record
        self.tried = set()

    def attempt(self, name, call):
        if name in self.tried:
            return
        self.tried.add(name)
        try:
            call()
        except gpufleet.PolicyError as e:
            record(self.record, f"{name}: {e}")
        else:
            record(self.record, f"{name}: not refused")

    def serve(self, core):
        service = core.services[0]
        models = {g.model for g in service.generations}
        other = next(p for p in core.pools if p.model not in models)
        self.attempt("add_replica", lambda: core.add_replica(service, other))
        self.attempt("accept_lease in serve", lambda: core.accept_lease(0, 0))
        core.scale_to(service, service.peak)
        if service.replicas and "remove_replica" not in self.tried:  # once: it churns
            replica = service.replicas[-1]
            core.remove_replica(replica)
            self.attempt("remove_replica", lambda: core.remove_replica(replica))
            core.scale_to(service, service.peak)  # the same replica again, at once

    def leases(self, core):
        for lease in core.pending_leases():
            other = next(p for p in core.pools if p.model != lease.model)
            self.attempt("accept_lease", lambda: core.accept_lease(lease, other))
            core.reject_lease(lease)
            self.attempt("reject_lease", lambda: core.reject_lease(lease))
        self.attempt("scale_to in leases", lambda: core.scale_to(0, 1.0))

    def schedule(self, core):
        self.attempt("scale_to in schedule", lambda: core.scale_to(0, 1.0))
        super().schedule(core)


class Refusals(Folder):
    def test_refused_calls_raise_the_cores_reason_and_change_nothing(self):
        cpp = self.run_policy("fifo", "cpp")
        r = self.run_policy(TriesRefusedCalls(self.path("refusals")), "py")
        with open(self.path("refusals")) as f:
            refusals = dict(line.rstrip("\n").split(": ", 1) for line in f)
        self.assertRegex(refusals["add_replica"],
                         r"^service '[^']+' cannot add a replica on pool '[^']+': it may not run "
                         r"on \w+ GPUs \(not among its generations\)$")
        self.assertRegex(refusals["remove_replica"],
                         r"^replica \d+ of service '[^']+' cannot be removed: it has stopped$")
        self.assertRegex(refusals["accept_lease"],
                         r"^lease '[^']+' cannot be accepted on pool '[^']+': it asks for \w+ GPUs "
                         r"and the pool has \w+$")
        self.assertRegex(refusals["reject_lease"],
                         r"^lease '[^']+' cannot be rejected: it is not pending \(not requested "
                         r"yet, or already decided\)$")
        self.assertEqual(refusals["accept_lease in serve"],
                         "core.accept_lease acts only during leases(core), which owns the lease "
                         "decisions")
        for step in ("scale_to in leases", "scale_to in schedule"):
            self.assertEqual(refusals[step], "core.scale_to acts only during serve(core), which "
                                             "owns the inference replicas")
        # The refused calls moved nothing; the replica removed and put back again did.
        for name in ("jobs.csv", "queue_timeseries.csv"):
            self.assertTrue(read(os.path.join(cpp.out, name)) == read(os.path.join(r.out, name)))

    def test_an_uncaught_refusal_reaches_the_caller_with_the_cores_message(self):
        class AcceptsAnywhere(gpufleet.Policy):
            def leases(self, core):
                for lease in core.pending_leases():
                    core.accept_lease(lease, next(p for p in core.pools if p.model != lease.model))

        with self.assertRaises(gpufleet.PolicyError) as caught:
            self.run_policy(AcceptsAnywhere, "out")
        self.assertRegex(str(caught.exception), r"gpufleet._errors.PolicyError: lease '[^']+' "
                                                r"cannot be accepted on pool '[^']+': it asks for")
        self.assertFalse(os.path.exists(self.path("out")))


class Composition(Folder):
    def assertRefused(self, policy, message):
        with self.assertRaises(gpufleet.InputError) as caught:
            self.run_policy(policy, "out")
        self.assertIn(message, str(caught.exception))
        self.assertFalse(os.path.exists(self.path("out")))

    def test_a_python_step_beside_a_cpp_part_that_takes_it_is_refused(self):
        self.assertRefused([StaticServing, "lease-idle"],
                           f"policy '{STATIC}+lease-idle': {STATIC} defines serve(core) and "
                           "lease-idle scales the inference replicas itself: drop one of them")
        self.assertRefused([IdleLeases, "lease-idle"],
                           "defines leases(core) and lease-idle decides the lease requests itself")
        self.assertRefused([ServeOnly, "spillover"], "defines serve(core) and spillover scales "
                                                     "the inference replicas back to their peak")
        self.assertRefused([ServeOnly, "hetero-aware"], "defines serve(core) and hetero-aware")
        self.assertRefused([StaticServing, "easy-backfill"], "use one training order at most")

    def test_from_the_command_line_too(self):
        done = cli("run", "-q", "--scenario", "seed", "--scale", "0.1", "--horizon", "1d",
                   "--policy", STATIC + "+lease-idle", "--out", self.path("out"))
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn(f"gpufleet: error: policy '{STATIC}+lease-idle': {STATIC} defines "
                      "serve(core) and lease-idle", done.stderr)
        self.assertFalse(os.path.exists(self.path("out")))

    def test_a_leases_step_combines_with_the_cpp_additions_that_do_not_lease(self):
        cpp = self.run_policy("fifo+preempt-priority", "cpp")
        python = self.run_policy([StaticServing, "preempt-priority"], "py")
        self.assertSameRun(cpp.out, python.out)

    def test_a_class_without_any_step_is_refused(self):
        class Nothing(gpufleet.Policy):
            pass

        self.assertRefused(Nothing, "its class defines none of schedule(core), serve(core) and "
                                    "leases(core)")


if __name__ == "__main__":
    import unittest
    unittest.main()
