"""What the Python tests share: the built program, its outputs read as bytes, summary.json
without its provenance, and a scratch folder per test."""

import os
import shutil
import subprocess
import tempfile
import unittest

GPUFLEET = os.environ["GPUFLEET"]


def cli(*args, cwd=None):
    return subprocess.run([GPUFLEET, *args], capture_output=True, text=True, cwd=cwd)


def without_provenance(text):
    """summary.json's text without its "provenance" block (the command line, paths, commit)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith('  "provenance": {'):
            skipping = True
        elif skipping and line.rstrip(",\n") == "  }":
            skipping = False
        elif not skipping:
            kept.append(line)
    return "".join(kept)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Folder(unittest.TestCase):
    """A test with a scratch folder of its own, removed at its end."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="gpufleet-python-")
        self.addCleanup(shutil.rmtree, self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)
