"""Strict first-come first-served training, in Python: the C++ policy `fifo`, byte for byte.

    import gpufleet
    from gpufleet.examples.fifo import Fifo
    r = gpufleet.run(scenario="seed", scale=0.1, horizon="3d", policy=Fifo, out="out/py-fifo")

The head of the queue starts on the first of its training pools, in its order of preference,
that has room; if none has, it blocks the jobs behind it (no backfilling). Inference holds its
peak's replicas and leases are refused, as in the C++ fifo (the parts a Python policy leaves to
static-partition).
"""

import gpufleet


class Fifo(gpufleet.Policy):
    def schedule(self, core):
        pools = core.pools
        for job in core.waiting():  # in queue order, read lazily
            for pool in job.pools:  # its pools, in its order of preference
                if pools[pool].role == "training" and core.can_start(job, pool):
                    core.start(job, pool)
                    break
            else:
                return  # the head does not fit: it blocks the queue
