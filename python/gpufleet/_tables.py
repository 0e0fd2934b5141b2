"""Reading an output CSV: a pandas DataFrame when pandas imports, else a list of dicts whose
numbers are int or float (an empty cell is None)."""

import csv
import gzip


def _pandas():
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def _value(text):
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_csv(path):
    pandas = _pandas()
    if pandas is not None:
        # The whole file at once: read in chunks (the default), a column that is empty for the
        # first ~100,000 rows and text later (user, account at fleet scale) warns of mixed types.
        return pandas.read_csv(path, low_memory=False)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8") as f:
        return [{k: _value(v) for k, v in row.items()} for row in csv.DictReader(f)]
