"""static-partition's inference and leases, in Python: with the FIFO's training order, the C++
policy `fifo`, byte for byte.

    import gpufleet
    from gpufleet.examples.static_serving import StaticServing
    r = gpufleet.run(scenario="seed", scale=0.1, horizon="3d", policy=StaticServing, out="out/s")

serve() holds, on inference pools, the replicas each service's peak demand needs, whatever the
hour (the highest demand the run's forecaster expects: the highest seen so far, last week's
included), as operators provision for peak; leases() refuses every lease request. These are the
steps a Python policy leaves to the C++ parts when it does not define them: written out, they
show that the views and calls are the core's own.
"""

from gpufleet.examples.fifo import Fifo


class StaticServing(Fifo):
    def serve(self, core):
        for service in core.services:  # in service order, as the C++ autoscaler
            core.scale_to(service, service.peak)  # on inference pools; grows and shrinks

    def leases(self, core):
        for lease in core.pending_leases():  # decided now or refused: there is no lease queue
            core.reject_lease(lease)
