"""Leases on the inference GPUs that inference leaves idle, in Python: the lease decisions of
lease-idle with lease_headroom=0, while the peak it holds replicas for does not rise.

    import gpufleet
    from gpufleet.examples.idle_leases import IdleLeases
    r = gpufleet.run(scenario="seed", scale=0.1, horizon="30d", policy=IdleLeases, out="out/l")
    r.summary["lease"]  # accepted, rejected, revenue_usd, ...

Inference holds its peak's replicas (serve is not defined: the C++ part does it, first), so
what is free on an inference pool is what the peak does not need. A request is accepted on the
first inference pool of its GPU model that can place it, and refused if none can: there is no
queue for leases. Training runs in FIFO order (Fifo.schedule), on training pools only.

lease-idle also reclaims preemptible leases, after a notice, when a higher peak needs their GPUs;
this one never reclaims (core.reclaim_lease would), so it matches fifo+lease-idle
(--param lease_headroom=0) byte for byte only as long as the peak does not rise once leases run.
"""

from gpufleet.examples.fifo import Fifo


class IdleLeases(Fifo):
    def leases(self, core):
        pools = core.pools
        for lease in core.pending_leases():  # in the order they came
            for pool in pools:
                if (pool.role == "inference" and pool.model == lease.model
                        and core.can_accept_lease(lease, pool)):
                    core.accept_lease(lease, pool)
                    break
            else:
                core.reject_lease(lease)  # left pending, the core would refuse it anyway
