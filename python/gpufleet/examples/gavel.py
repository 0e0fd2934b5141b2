"""Gavel-style heterogeneity-aware max-min fairness, in Python, much simplified.

Narayanan et al., "Heterogeneity-Aware Cluster Scheduling Policies for Deep Learning
Workloads", OSDI'20:

    from gpufleet.examples.gavel import Gavel
    r = gpufleet.run(scenario="seed", scale=0.1, horizon="30d", policy=Gavel, out="out/g")

Gavel solves, every round (6 minutes), a linear program for the share of time each job gets on
each accelerator type that maximizes the least normalized throughput (a job's throughput over
what an equal share of every type would give it), and time-slices the jobs to enact it. Here:

- A job's throughput on a training pool is job.throughput(pool), its useful FLOP/s per GPU there
  (its MFU on that generation x the peak): the cell of Gavel's profiled throughput matrix, which
  the C++ hetero-aware reads too; its speedup there, that over its slowest training pool. No run
  time is read (a walltime shows no pool faster than the job's first generation).
- Its normalized attained throughput is its progress (time run x speedup, over its runs, kept
  across preemptions) over (time since its submission x its mean speedup over its pools: what an
  equal share of every pool would have given it).
- Each pass, the waiting jobs go in order of least normalized attained throughput, ties (all
  jobs never run have 0) to the job with the largest speedup, then FIFO; each takes, of the
  pools with room for it, the one where its speedup is largest (the first in its order of
  preference among equals). A job that fits nowhere blocks those behind it: without
  time-slicing it would never get its share back, and large jobs would starve behind small ones
  that always fit.

Left out: the linear program (the greedy order above approximates its max-min choice for the
jobs starting now), rounds and time-slicing (no preemption: here it loses the work since the
last checkpoint, where Gavel assumes cheap checkpoints at each round's end), space sharing,
placement sensitivity, job weights and the other objectives Gavel's policies offer. The ties to
the largest speedup can hold a job of speedup 1 back behind later jobs of larger speedups.
"""

import gpufleet


class Gavel(gpufleet.Policy):
    def __init__(self):
        self.known = {}  # job index -> its speedups by training pool, their mean, its tie order
        self.progress = {}  # job index -> slowest-pool seconds of work done by its ended runs
        self.runs = {}  # running job index -> (start, pool), as seen by the last pass

    def about(self, core, job):  # what does not change: read once per job
        if job.index not in self.known:
            rates = {p: job.throughput(p) for p in job.pools if core.pools[p].role == "training"}
            slowest = min(rates.values(), default=0.0)
            # Rounded: equal speedups computed through other MFUs must tie, not order by noise.
            speedup = {p: round(r / slowest, 3) for p, r in rates.items()}
            mean = sum(speedup.values()) / max(len(speedup), 1)
            order = (-max(speedup.values(), default=0.0), job.submit_s, job.index)
            self.known[job.index] = (speedup, mean, order)
        return self.known[job.index]

    def done(self, index, now):
        start, pool = self.runs.get(index, (now, None))
        run = (now - start) * self.known[index][0][pool] if pool is not None else 0.0
        return self.progress.get(index, 0.0) + run

    def share(self, index, now):  # of a waiting job: 0 if it never ran
        _, mean, (_, submit_s, _) = self.known[index]
        fair = (now - submit_s) * mean
        return self.progress.get(index, 0.0) / fair if fair > 0 else 0.0

    def schedule(self, core):
        now, running = core.now, core.running()
        current = {job.index for job in running}
        for index in [i for i in self.runs if i not in current]:  # ended since the last pass
            self.progress[index] = self.done(index, now)
            del self.runs[index]
        for job in running:
            self.about(core, job)
            self.runs.setdefault(job.index, (job.started_s, job.pool))
        if not any(core.free_gpus(p) for p in core.pools if p.role == "training"):
            return  # nothing can start: spare reading the queue
        waiting = []
        for job in core.waiting():
            speedup, _, order = self.about(core, job)
            if speedup:  # it has a training pool
                waiting.append((self.share(job.index, now), order, job))
        waiting.sort(key=lambda entry: entry[:2])
        for _, _, job in waiting:
            speedup = self.known[job.index][0]
            room = [p for p in speedup if core.can_start(job, p)]
            if not room:
                return  # the least served blocks the queue
            pool = max(room, key=lambda p: speedup[p])  # the first of the best, in its order
            core.start(job, pool)
            self.runs[job.index] = (now, pool)
