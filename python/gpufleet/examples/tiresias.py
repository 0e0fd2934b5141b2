"""Tiresias' discretized two-dimensional least-attained-service (2D-LAS), in Python.

Gu et al., "Tiresias: A GPU Cluster Manager for Distributed Deep Learning", NSDI'19:

    from gpufleet.examples.tiresias import Tiresias
    r = gpufleet.run(scenario="seed", scale=0.1, horizon="30d", policy=Tiresias, out="out/t")

A job's attained service is its GPUs x the time it ran, over all its runs (kept across
preemptions), read from core.running() and core.now; no run time is read (Tiresias knows none).
Thresholds on it split the jobs into priority queues, queue 0 below the first. Waiting jobs start
in queue order, FIFO (by submission) within a queue, each on the first of its training pools with
room; a job that fits nowhere preempts, on one of its pools, running jobs of lower queues (the
lowest first, the latest submitted first) if that frees enough GPUs, else it is skipped.

- thresholds_gpu_h=(250, 5000): GPU-hours. The authors' simulator (SymbioticLab/Tiresias) has
  two queues split at 3,250 GPU-seconds, for jobs of 1-8 GPUs over minutes to hours; the seed's
  run hours to weeks on 8-1,440 GPUs, hence three queues: fine-tunes (8-64 GPUs) stay in queue 0
  for their first 4-31 h, research runs reach queue 1 within hours, pretraining queue 2.
- min_run_s=14400: no run is preempted before 4 h, as preemption loses the work since the last
  checkpoint (hourly in the seed). On the seed at scale 0.1 for 30 days, 1 h gave 281
  preemptions losing 21,173 GPU-hours, 4 h 146 losing 4,975, at the same mean JCT.
- promote_knob=4: Tiresias' PROMOTEKNOB against starvation: a job of a lower queue that has
  waited longer than 4 x its time run goes back to queue 0, its service forgotten.

Left out: Tiresias' profile-guided consolidated placement (the core places as --placement says)
and its Gittins-index variant.
"""

import bisect

import gpufleet


class Tiresias(gpufleet.Policy):
    def __init__(self, thresholds_gpu_h=(250, 5000), min_run_s=14400, promote_knob=4):
        self.limits = [h * 3600.0 for h in thresholds_gpu_h]  # GPU-seconds
        self.min_run_s, self.knob = min_run_s, promote_knob
        # Job index -> GPU-seconds of its ended runs; when its last run ended; running job
        # index -> (start, GPUs) of its run, as seen by the last pass.
        self.banked, self.stopped, self.runs = {}, {}, {}

    def attained(self, index, now):
        start, gpus = self.runs.get(index, (now, 0))
        return self.banked.get(index, 0.0) + gpus * (now - start)

    def queue(self, index, now):
        return bisect.bisect_right(self.limits, self.attained(index, now))

    def stop(self, index, now):
        self.banked[index], self.stopped[index] = self.attained(index, now), now
        del self.runs[index]

    def schedule(self, core):
        now, running = core.now, core.running()
        current = {job.index for job in running}
        for index in [i for i in self.runs if i not in current]:  # ended since the last pass
            self.stop(index, now)  # passes follow every event: now is when it ended
        for job in running:
            self.runs.setdefault(job.index, (job.started_s, job.gpus))
        waiting = list(core.waiting())
        for job in waiting:  # PROMOTEKNOB: waited knob x its time run, back to queue 0
            ran_s = self.banked.get(job.index, 0.0) / job.gpus
            if ran_s > 0 and now - self.stopped[job.index] >= self.knob * ran_s:
                self.banked[job.index] = 0.0
        waiting.sort(key=lambda job: (self.queue(job.index, now), job.submit_s, job.index))
        for job in waiting:
            pools = [p for p in job.pools if core.pools[p].role == "training"]
            pool = next((p for p in pools if core.can_start(job, p)), None)
            pool = self.make_room(core, job, pools, now) if pool is None else pool
            if pool is not None:
                core.start(job, pool)
                self.runs[job.index] = (now, job.gpus)
        self.wake(core, now)

    def make_room(self, core, job, pools, now):
        mine = self.queue(job.index, now)
        for pool in pools:
            victims = sorted((j for j in core.running() if j.pool == pool
                              and self.queue(j.index, now) > mine
                              and now - j.started_s >= self.min_run_s),
                             key=lambda j: (-self.queue(j.index, now), -j.submit_s, -j.index))
            need, chosen = job.gpus - core.free_gpus(pool), []
            while need > 0 and victims:
                chosen.append(victims.pop(0))
                need -= chosen[-1].gpus
            if need <= 0:
                for victim in chosen:
                    core.preempt(victim)
                    self.stop(victim.index, now)
                return pool if core.can_start(job, pool) else None  # fragmented: wait
        return None

    def wake(self, core, now):  # a pass when a run crosses a threshold or may be preempted
        times = [start + self.min_run_s for start, _ in self.runs.values()]
        for index, (start, gpus) in self.runs.items():
            served = self.attained(index, now)
            times += [now + (limit - served) / gpus for limit in self.limits if limit > served]
        if core.waiting_count and any(t > now for t in times):
            core.wake_at(min(t for t in times if t > now))
