#!/usr/bin/python3
"""docs/python-tutorial.md, run: every ```python block of the page, in order, in one namespace,
in an empty folder (as a notebook's cells), so that the page cannot drift from the code. Run by
ctest with Debian's python3:

    GPUFLEET=build/gpufleet PYTHONPATH=build/python tutorial_test.py

Each "## " section of the page is one test (test_01_..., in order; a section that fails fails
the ones after it too, which read what it made). The page's size line `SCALE, DAYS, SEEDS = ...`
is replaced by SMALL (a tenth of the seed fleet, 3 days, 3 seeds); TUTORIAL_FULL=1 keeps the
page's own and prints each cell's output, which is how the page's outputs were made. A cell
that starts with `%%writefile NAME` (Jupyter's cell magic) is written to NAME. A section marked
`<!-- tutorial-test: needs GPUFLEET_TRACES -->` is skipped, with the reason, when that variable
is not set (the real traces' folder, docs/traces.md); one marked `needs MODULE ...` when a
module cannot be imported (the Python examples from the literature, until they are there).
"""

import contextlib
import importlib.util
import io
import os
import re
import shutil
import sys
import tempfile
import unittest

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                    "python-tutorial.md")
SIZE = re.compile(r"^SCALE, DAYS, SEEDS = .*$", re.M)
SMALL = "SCALE, DAYS, SEEDS = 0.1, 3, [1, 2, 3]"
FULL = os.environ.get("TUTORIAL_FULL") == "1"


def sections(text):
    """[(title, needs, [cell, ...])] of the page, in order."""
    found = []
    cell = None
    for line in text.splitlines(keepends=True):
        if cell is not None:
            if line.rstrip() == "```":
                found[-1][2].append("".join(cell))
                cell = None
            else:
                cell.append(line)
        elif line.startswith("## "):
            found.append((line[3:].strip(), [], []))
        elif line.startswith("<!-- tutorial-test: needs ") and found:
            found[-1][1].extend(line.split("needs ", 1)[1].replace("-->", "").split())
        elif line.rstrip() == "```python":
            cell = []
    return [s for s in found if s[2]]


def missing(needs):
    """Why a section cannot run here, or None."""
    for need in needs:
        if need == "GPUFLEET_TRACES":
            if not os.environ.get("GPUFLEET_TRACES"):
                return "GPUFLEET_TRACES is not set (the real traces' folder, docs/traces.md)"
        elif importlib.util.find_spec(need.rsplit(".", 1)[0]) is None or \
                importlib.util.find_spec(need) is None:
            return f"module {need} is not there yet"
    return None


class Cells(unittest.TestCase):
    namespace = {"__name__": "__main__"}
    failed = None

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="gpufleet-tutorial-")
        cls.cwd = os.getcwd()
        os.chdir(cls.dir)
        sys.path.insert(0, cls.dir)  # a notebook has its working folder on its path

    @classmethod
    def tearDownClass(cls):
        os.chdir(cls.cwd)
        sys.path.remove(cls.dir)
        shutil.rmtree(cls.dir)

    def run_cell(self, number, cell):
        if cell.startswith("%%writefile "):
            name, body = cell.split("\n", 1)
            with open(name.split(None, 1)[1].strip(), "w", encoding="utf-8") as f:
                f.write(body)
            return
        code = compile(cell, f"python-tutorial.md, cell {number}", "exec")
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(code, self.namespace)
        if FULL:
            print(f"\n--- cell {number}:\n{output.getvalue()}", file=sys.stderr)


def add_tests():
    with open(PAGE, encoding="utf-8") as f:
        text = f.read()
    sizes = SIZE.findall(text)
    assert len(sizes) == 1, f"{PAGE}: one `SCALE, DAYS, SEEDS = ...` line expected: {sizes}"
    if not FULL:
        text = SIZE.sub(SMALL, text)
    number = 0
    for k, (title, needs, cells) in enumerate(sections(text), 1):
        first = number + 1
        number += len(cells)

        def test(self, title=title, needs=needs, cells=cells, first=first):
            if Cells.failed:
                self.fail(f"an earlier section failed: {Cells.failed}")
            why = missing(needs)
            if why:
                self.skipTest(why)
            try:
                for i, cell in enumerate(cells):
                    self.run_cell(first + i, cell)
            except BaseException:
                Cells.failed = title
                raise
        name = "test_%02d_%s" % (k, re.sub(r"\W+", "_", title).strip("_").lower())
        setattr(Cells, name, test)


add_tests()

if __name__ == "__main__":
    unittest.main(verbosity=2)
