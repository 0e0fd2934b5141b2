"""What a call returns: its output folder's files, read on first use."""

import json
import os

from ._tables import read_csv


class _Outputs:
    def __init__(self, out, stdout="", log="", exit_code=0):
        self.out = os.path.abspath(out)  # the output folder (a later chdir does not move it)
        self.stdout = stdout      # what the command printed (its summary table, the files written)
        self.log = log            # what it wrote on stderr (progress, warnings)
        self.exit_code = exit_code
        self._cache = {}

    @property
    def files(self):
        """Names of the files in the output folder, sorted."""
        return sorted(os.listdir(self.out))

    def path(self, name):
        return os.path.join(self.out, name)

    def table(self, name):
        """An output CSV (e.g. "jobs.csv") as a DataFrame, or a list of dicts without pandas;
        its compressed form (jobs.csv.gz, written with compress=True) when that is the one there."""
        if name not in self._cache:
            path = self.path(name)
            if not os.path.exists(path) and os.path.exists(path + ".gz"):
                path += ".gz"
            self._cache[name] = read_csv(path)
        return self._cache[name]

    def json(self, name):
        if name not in self._cache:
            with open(self.path(name), encoding="utf-8") as f:
                self._cache[name] = json.load(f)
        return self._cache[name]

    def __repr__(self):
        return f"{type(self).__name__}({self.out!r})"


class Result(_Outputs):
    """One run's outputs (docs/metrics.md)."""

    summary = property(lambda self: self.json("summary.json"))
    jobs = property(lambda self: self.table("jobs.csv"))
    replicas = property(lambda self: self.table("replicas.csv"))
    timeseries = property(lambda self: self.table("timeseries.csv"))
    queue_timeseries = property(lambda self: self.table("queue_timeseries.csv"))
    pools_timeseries = property(lambda self: self.table("pools_timeseries.csv"))
    services_timeseries = property(lambda self: self.table("services_timeseries.csv"))
    # Written with decision_log=True only (docs/policies.md, "The decision log").
    decisions = property(lambda self: self.table("decisions.csv"))


class Comparison(_Outputs):
    """A comparison's tables (comparison.csv, .json, .md) and each policy's run."""

    comparison = property(lambda self: self.table("comparison.csv"))
    summary = property(lambda self: self.json("comparison.json"))

    @property
    def markdown(self):
        with open(self.path("comparison.md"), encoding="utf-8") as f:
            return f.read()

    @property
    def runs(self):
        """{policy: Result} for each policy whose run wrote its outputs."""
        return {row["policy"]: Result(self.path(row["policy"]))
                for row in self.summary["runs"] if row["status"] == "ok"}


class StudyResult(_Outputs):
    """A study's tables (docs/studies.md): every run, the arms' figures with confidence
    intervals, and the manifest of runs."""

    study = property(lambda self: self.table("study.csv"))
    summary = property(lambda self: self.table("study_summary.csv"))
    manifest = property(lambda self: self.table("manifest.csv"))


class Trace:
    """What gpufleet.import_trace wrote: the workload file (docs/workload-format.md), read back
    as a dict on first use, and the platform file when platform_out was given."""

    def __init__(self, path, platform=None, stdout="", log=""):
        self.path = os.path.abspath(path)  # the workload file
        self.platform = os.path.abspath(platform) if platform is not None else None
        self.stdout = stdout  # "wrote PATH ..."
        self.log = log        # the import's report: rows read, kept, dropped and why
        self._workload = None

    @property
    def workload(self):
        if self._workload is None:
            with open(self.path, encoding="utf-8") as f:
                self._workload = json.load(f)
        return self._workload

    def __repr__(self):
        return f"Trace({self.path!r})"
