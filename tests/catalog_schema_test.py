#!/usr/bin/python3
"""Checks schemas/gpu-catalog.schema.json against the shipped catalog and against the reader.

    catalog_schema_test.py GPUFLEET SOURCE_DIR

1. catalogs/gpu-catalog.json validates, and each of its models gives every field a new model
   needs ($defs.newModel).
2. Invalid catalogs (unknown field, 8.0 for an integer, out-of-range numbers, a bad role, a
   missing format) fail validation, and `gpufleet platform --catalog` refuses each with exit
   status 2, naming the file and the field.

Needs Debian's python3-jsonschema (4.x, for draft 2020-12). Exits 1 if any check fails.
"""

import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

GPUFLEET, SOURCE = sys.argv[1], sys.argv[2]
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok


with open(os.path.join(SOURCE, "schemas", "gpu-catalog.schema.json")) as f:
    schema = json.load(f)
with open(os.path.join(SOURCE, "catalogs", "gpu-catalog.json")) as f:
    shipped = json.load(f)
# Integers are integer literals only, as for the reader (8.0 is not 8).
checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _, x: isinstance(x, int) and not isinstance(x, bool))
Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=checker)
validator = Validator(schema)
new_model = Validator({**schema["$defs"]["newModel"], "$defs": schema["$defs"]})

check(validator.is_valid(shipped), "the shipped catalog validates")
for model in shipped["models"]:
    check(new_model.is_valid(model), "shipped model %s gives every field" % model["model"])

a100 = copy.deepcopy(shipped["models"][0])
a100.update(model="A100", system="HGX A100", bf16_flops=312e12, tdp_w=400, idle_w=50)
cases = [
    ("tdp", 400, "models[0].tdp"),
    ("gpus_per_domain", 8.0, "models[0].gpus_per_domain"),
    ("price_per_gpu_hour", -1, "models[0].price_per_gpu_hour"),
    ("bf16_flops", 1e300, "models[0].bf16_flops"),
    ("role", "serving", "models[0].role"),
    ("model", "A100:80", "models[0].model"),
]
with tempfile.TemporaryDirectory() as tmp:
    for key, value, field in cases:
        model = dict(a100)
        model[key] = value
        doc = {"format": "gpufleet-gpu-catalog", "version": 1, "models": [model]}
        path = os.path.join(tmp, "bad.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        check(not validator.is_valid(doc), "schema refuses %s = %r" % (key, value))
        run = subprocess.run([GPUFLEET, "platform", "--catalog", path, "--pool", "H100:8"],
                             capture_output=True, text=True)
        check(run.returncode == 2 and (path + ": " + field) in run.stderr,
              "gpufleet refuses %s = %r naming %s (%s)" % (key, value, field, run.stderr.strip()))
sys.exit(1 if failures else 0)
