#!/usr/bin/python3
"""Checks schemas/workload.schema.json against the workloads gpufleet ships, generates and
imports, and against the reader itself.

    workload_schema_test.py GPUFLEET SOURCE_DIR

1. Every shipped workload validates: each *.json file of the source tree whose "format" is
   "gpufleet-workload" (build trees and hidden directories skipped), and each ```json block of
   the Markdown docs that is a workload (the example of docs/workload-format.md).
2. Workloads written by `gpufleet generate` from every shipped scenario validate (two seeds at
   scale 0.1, and the scenario's own size, which has lease requests).
3. Workloads written by `gpufleet import` validate, for each format, on tiny synthetic inputs
   this test writes itself and the hand-written Kubernetes fixtures of tests/data/kubernetes
   (never real traces).
4. The schema agrees with the reader: a document using every optional field, and one at the
   edges of the ranges, validate and `gpufleet run` accepts them; deliberately invalid
   documents (unknown key, 8.0 for an integer, a missing required field, a wrong format
   string, values out of range, ...) fail validation, and `gpufleet run` rejects each with exit
   status 2, naming the same field.

JSON Schema's "integer" type accepts 8.0, which the reader rejects; the validator used here
counts only integer literals as integers (see the schema's description). Numbers are parsed
as the reader parses them: NaN, Infinity and literals that overflow (1e999) are errors.

Needs Debian's python3-jsonschema (4.x, for draft 2020-12). Prints each check and exits 1 if
any fails.
"""

import copy
import gzip
import json
import math
import os
import subprocess
import sys
import tempfile

SCHEMA_PATH = os.path.join("schemas", "workload.schema.json")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

try:
    import jsonschema
    import jsonschema.validators
except ImportError:
    print("FAIL: the Python module 'jsonschema' is missing: install the Debian package "
          "python3-jsonschema (apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(1)

failures = []
checks = 0


def check(ok, what, detail=""):
    global checks
    checks += 1
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
        if detail:
            print("      " + detail.strip().replace("\n", "\n      "))
    return ok


# --- reading JSON as the reader does --------------------------------------------------------

def _finite_float(text):
    x = float(text)
    if not math.isfinite(x):
        raise ValueError("number overflow: " + text)
    return x


def _no_constant(name):
    raise ValueError("not JSON: " + name)


def load_json_text(text):
    """Parses JSON as nlohmann::json does: no NaN/Infinity, no numbers that overflow."""
    return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)


# --- the validator --------------------------------------------------------------------------

def make_validator(schema):
    base = jsonschema.validators.validator_for(schema, default=None)
    if base is None or not hasattr(jsonschema, "Draft202012Validator") or \
            base is not jsonschema.Draft202012Validator:
        print("FAIL: this jsonschema (%s) does not know draft 2020-12; python3-jsonschema 4.x "
              "(Debian 12) does" % getattr(jsonschema, "__file__", "?"), file=sys.stderr)
        sys.exit(1)
    base.check_schema(schema)

    def json_integer(_checker, instance):
        # Only integer literals: json.loads gives int for 8 and float for 8.0.
        return isinstance(instance, int) and not isinstance(instance, bool)

    checker = base.TYPE_CHECKER.redefine("integer", json_integer)
    return base, jsonschema.validators.extend(base, type_checker=checker)(schema)


def errors_of(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def describe_errors(errors, limit=5):
    lines = []
    for e in errors[:limit]:
        path = "".join("[%d]" % p if isinstance(p, int) else "." + p for p in e.absolute_path)
        message = e.message if len(e.message) <= 200 else e.message[:200] + " ..."
        lines.append("%s: %s" % (path.lstrip(".") or "(top level)", message))
    if len(errors) > limit:
        lines.append("... and %d more" % (len(errors) - limit))
    return "\n".join(lines)


def validate_text(validator, text, what):
    try:
        document = load_json_text(text)
    except ValueError as e:
        return check(False, what, "not valid JSON: %s" % e)
    errors = errors_of(validator, document)
    return check(not errors, what, describe_errors(errors))


def validate_file(validator, path, what):
    with open(path, encoding="utf-8") as f:
        return validate_text(validator, f.read(), what)


# --- running gpufleet -----------------------------------------------------------------------

def run(args, cwd):
    return subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=600)


def gpufleet_ok(result, what):
    return check(result.returncode == 0, what + " (exit %d)" % result.returncode,
                 result.stderr[-2000:])


# --- 1. shipped workloads -------------------------------------------------------------------

def markdown_json_blocks(path):
    blocks, block, inside = [], [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not inside and line.strip() == "```json":
                inside, block = True, []
            elif inside and line.strip() == "```":
                inside = False
                blocks.append("".join(block))
            elif inside:
                block.append(line)
    return blocks


def is_workload(document):
    return isinstance(document, dict) and document.get("format") == "gpufleet-workload"


def shipped_workloads(source):
    """(label, text) of every workload of the source tree and of its Markdown docs."""
    found = []
    for root, dirs, files in os.walk(source):
        # Skip hidden directories and build trees (their CMakeCache.txt gives them away).
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and
                         not os.path.exists(os.path.join(root, d, "CMakeCache.txt")))
        for name in sorted(files):
            path = os.path.join(root, name)
            label = os.path.relpath(path, source)
            if name.endswith(".json"):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                try:
                    document = json.loads(text)
                except ValueError:
                    continue  # not JSON at all: not a workload
                if is_workload(document):
                    found.append((label, text))
            elif name.endswith(".md"):
                for i, text in enumerate(markdown_json_blocks(path)):
                    try:
                        document = json.loads(text)
                    except ValueError:
                        continue
                    if is_workload(document):
                        found.append(("%s (```json block %d)" % (label, i + 1), text))
    return found


# --- 3. tiny synthetic trace inputs ---------------------------------------------------------

SWF = """\
; Version: 2.2
; Computer: synthetic test machine
; MaxProcs: 16
; Note: written by tests/workload_schema_test.py
1 0 5 3600 8 -1 -1 8 7200 -1 1 1 1 -1 1 -1 -1 -1
2 60 -1 120 -1 -1 -1 2 600 -1 1 2 1 -1 1 -1 -1 -1
3 90 0 -1 4 -1 -1 4 600 -1 0 1 1 -1 1 -1 -1 -1
4 100 30 45.5 16 -1 -1 16 100 -1 1 3 1 -1 1 -1 -1 -1
"""

ALIBABA_NODES = """\
sn,cpu_milli,memory_mib,gpu,model
node-0,96000,786432,8,V100M32
node-1,96000,786432,8,V100M32
node-2,64000,262144,2,T4
node-3,32000,131072,0,
"""

ALIBABA_PODS = """\
name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
pod-a,1000,1024,1,500,,LS,Running,0,7200,10
pod-b,8000,65536,8,1000,V100M32,Guaranteed,Succeeded,100,9000,400
pod-c,2000,4096,2,1000,T4|V100M32|T4,Burstable,Failed,200,3000,250
pod-d,1000,2048,1,1000,,BE,Pending,300,5000,
pod-e,4000,8192,0,0,,BE,Succeeded,400,500,420
"""

AZURE = """\
TIMESTAMP,ContextTokens,GeneratedTokens
2023-11-16 18:17:03.9799600,374,44
2023-11-16 18:17:04.0319600,396,109
2023-11-16 18:18:10.5000000,879,1
2023-11-16 18:20:59.0000000,45,200
"""


def servegen_chunk(rates):
    return "".join("%d,%s,1.2,Gamma,0.7,1.5\n" % (600 * i, r) for i, r in enumerate(rates))


def write(path, text, mode="w"):
    if mode == "wb":
        with gzip.open(path, "wb") as f:
            f.write(text.encode())
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return path


# --- 4. documents for the agreement with the reader -----------------------------------------

def full_document():
    """Valid on platforms/seed.xml; uses every optional field of the format."""
    return {
        "format": "gpufleet-workload",
        "version": 1,
        "horizon_s": 7200,
        "meta": {"description": "every optional field", "nested": [1, 2.5, None, True]},
        "training": [
            {
                "id": "a",
                "submit_s": 0,
                "gpus": 8,
                "work_flops": 1e18,
                "generations": [{"model": "GB200", "mfu": 0.4},
                                {"model": "H100", "relative_speed": 0.45}],
                "gradient_bytes": 1e9,
                "steps": 100,
                "checkpoint_interval_s": 600,
                "checkpoint_bytes": 7e9,
                "priority": 2,
                "gpu_share": 0.5,
                "recorded": {"start_s": 10, "end_s": 4000},
                "walltime_s": 7200,
                "user": "alice",
                "account": "team-a",
            },
            {
                "id": "b",
                "submit_s": 5.5,
                "gpus": 4,
                "work_flops": 2e17,
                "generations": [{"model": "H100", "mfu": 0.3}],
                "after": ["a"],
            },
        ],
        "inference": [
            {
                "id": "chat",
                "gpus_per_replica": 8,
                "latency_target_s": 1.0,
                "flops_per_unit": 1.4e11,
                "unit": "requests",
                "generations": [{"model": "H100", "throughput": 2000, "latency_s": 0.5},
                                {"model": "H200", "throughput": 3000, "latency_s": 0.4}],
                "demand": {"interval_s": 3600, "repeat": False, "values": [100, 0, 250.5]},
            },
            {
                "id": "served",
                "gpus_per_replica": 8,
                "serving": {"model": "llama-3.1-70b", "tensor_parallel": 2,
                            "input_tokens": 222.33, "output_tokens": 290.3,
                            "weight_bytes": 1, "kv_bytes": 1, "kv_memory_fraction": 0.9},
                "ttft_target_s": 2.0,
                "tpot_target_s": 0.2,
                "generations": [{"model": "H100"}, {"model": "H200", "tensor_parallel": 1}],
                "demand": {"interval_s": 3600, "values": [1000]},
            },
            {
                "id": "inline",
                "gpus_per_replica": 8,
                "serving": {"model": {"name": "tiny", "layers": 2, "hidden": 256, "kv_heads": 2,
                                      "head_dim": 64, "params": 1e8},
                            "input_tokens": 100},
                "units_per_request": 100,
                "generations": [{"model": "H100", "throughput": 5000, "latency_s": 0.01}],
                "demand": {"interval_s": 3600, "values": [10]},
            }
        ],
        "leases": [
            {
                "id": "l",
                "gpus": 16,
                "model": "H200",
                "start_s": 60,
                "duration_s": 3600,
                "price_per_gpu_hour": 0,
                "preemptible": True,
            }
        ],
        "contracts": [
            {
                "id": "c",
                "gpus": 8,
                "model": "H100",
                "start_s": 3600,
                "duration_s": 7200,
                "price_per_gpu_hour": 2.1,
            }
        ],
    }


def edge_document():
    """Values at the edges the reader accepts."""
    d = full_document()
    del d["horizon_s"]  # the run gives --horizon
    d["meta"] = None
    t = d["training"][0]
    t["submit_s"] = 0.0
    t["generations"] = [{"model": "H100", "mfu": 1}, {"model": "H200", "relative_speed": 1e-9}]
    t["gpu_share"] = 1
    t["gradient_bytes"] = 0
    t["steps"] = 9223372036854775807
    t["priority"] = -1000000000
    t["recorded"] = {"start_s": 0, "end_s": 0}
    t["walltime_s"] = 316224000  # ten years, the bound of every time
    d["training"][1]["after"] = []
    d["inference"][0]["demand"] = {"interval_s": 1, "repeat": False, "values": [0]}
    d["leases"][0]["start_s"] = 0
    del d["contracts"][0]["start_s"]  # default 0
    return d


def minimal_document():
    return {"format": "gpufleet-workload", "version": 1}


def negative_cases():
    """(name, document or raw JSON text, the field path the reader names)."""
    cases = []

    def case(name, field, mutate):
        d = full_document()
        mutate(d)
        cases.append((name, d, field))

    def setter(path, value):
        def mutate(d):
            *parents, last = path
            for p in parents:
                d = d[p]
            d[last] = value
        return mutate

    def deleter(path):
        def mutate(d):
            *parents, last = path
            for p in parents:
                d = d[p]
            del d[last]
        return mutate

    case("unknown top-level key 'horizon'", "horizon", setter(["horizon"], 3600))
    case("unknown training key 'gpu'", "training[0].gpu", setter(["training", 0, "gpu"], 8))
    case("unknown generation key 'speed'", "training[0].generations[1].speed",
         setter(["training", 0, "generations", 1, "speed"], 1))
    case("unknown recorded key 'duration_s'", "training[0].recorded.duration_s",
         setter(["training", 0, "recorded", "duration_s"], 1))
    case("unknown inference key 'replicas'", "inference[0].replicas",
         setter(["inference", 0, "replicas"], 2))
    case("unknown inference generation key 'mfu'", "inference[0].generations[0].mfu",
         setter(["inference", 0, "generations", 0, "mfu"], 0.3))
    case("unknown demand key 'step_s'", "inference[0].demand.step_s",
         setter(["inference", 0, "demand", "step_s"], 60))
    case("unknown lease key 'price'", "leases[0].price", setter(["leases", 0, "price"], 2))
    case("unknown contract key 'term'", "contracts[0].term",
         setter(["contracts", 0, "term"], 2))
    case("contract gpus 8.0", "contracts[0].gpus", setter(["contracts", 0, "gpus"], 8.0))
    case("missing contract duration_s", "contracts[0].duration_s",
         deleter(["contracts", 0, "duration_s"]))
    case("gpus 8.0 instead of 8", "training[0].gpus", setter(["training", 0, "gpus"], 8.0))
    case("gpus_per_replica 8.0", "inference[0].gpus_per_replica",
         setter(["inference", 0, "gpus_per_replica"], 8.0))
    case("lease gpus 16.0", "leases[0].gpus", setter(["leases", 0, "gpus"], 16.0))
    case("steps 2.5", "training[0].steps", setter(["training", 0, "steps"], 2.5))
    case("priority 1.0", "training[0].priority", setter(["training", 0, "priority"], 1.0))
    case("version 1.0", "version", setter(["version"], 1.0))
    case("version 2", "version", setter(["version"], 2))
    case("version \"1\"", "version", setter(["version"], "1"))
    case("wrong format string", "format", setter(["format"], "gpufleet-workloads"))
    case("missing format", "format", deleter(["format"]))
    case("missing version", "version", deleter(["version"]))
    case("missing training work_flops", "training[0].work_flops",
         deleter(["training", 0, "work_flops"]))
    case("missing training id", "training[1].id", deleter(["training", 1, "id"]))
    case("missing recorded end_s", "training[0].recorded.end_s",
         deleter(["training", 0, "recorded", "end_s"]))
    case("missing inference demand", "inference[0].demand", deleter(["inference", 0, "demand"]))
    case("missing demand values", "inference[0].demand.values",
         deleter(["inference", 0, "demand", "values"]))
    case("missing inference generation latency_s", "inference[0].generations[1].latency_s",
         deleter(["inference", 0, "generations", 1, "latency_s"]))
    case("serving weight_bytes 3", "inference[1].serving.weight_bytes",
         setter(["inference", 1, "serving", "weight_bytes"], 3))
    case("latency_target_s with serving", "inference[1].latency_target_s",
         setter(["inference", 1, "latency_target_s"], 0.05))
    case("ttft_target_s without serving", "inference[0].ttft_target_s",
         setter(["inference", 0, "ttft_target_s"], 2))
    case("unknown serving key 'tp'", "inference[1].serving.tp",
         setter(["inference", 1, "serving", "tp"], 2))
    case("missing serving input_tokens", "inference[1].serving.input_tokens",
         deleter(["inference", 1, "serving", "input_tokens"]))
    case("generation tensor_parallel 0", "inference[1].generations[1].tensor_parallel",
         setter(["inference", 1, "generations", 1, "tensor_parallel"], 0))
    case("inline shape without layers", "inference[2].serving.model.layers",
         deleter(["inference", 2, "serving", "model", "layers"]))
    case("missing lease price_per_gpu_hour", "leases[0].price_per_gpu_hour",
         deleter(["leases", 0, "price_per_gpu_hour"]))
    case("both mfu and relative_speed", "training[0].generations[1].mfu",
         setter(["training", 0, "generations", 1, "mfu"], 0.3))
    case("neither mfu nor relative_speed", "training[0].generations[1].mfu",
         deleter(["training", 0, "generations", 1, "relative_speed"]))
    case("relative_speed on the first generation", "training[1].generations[0]",
         setter(["training", 1, "generations", 0], {"model": "H100", "relative_speed": 1}))
    case("mfu 1.5", "training[0].generations[0].mfu",
         setter(["training", 0, "generations", 0, "mfu"], 1.5))
    case("mfu 1e-10", "training[0].generations[0].mfu",
         setter(["training", 0, "generations", 0, "mfu"], 1e-10))
    case("relative_speed 0", "training[0].generations[1].relative_speed",
         setter(["training", 0, "generations", 1, "relative_speed"], 0))
    case("gpu_share 0", "training[0].gpu_share", setter(["training", 0, "gpu_share"], 0))
    case("gpu_share 1.5", "training[0].gpu_share", setter(["training", 0, "gpu_share"], 1.5))
    case("gpus 0", "training[0].gpus", setter(["training", 0, "gpus"], 0))
    case("gpus 10^9 + 1", "training[0].gpus", setter(["training", 0, "gpus"], 1000000001))
    case("steps 0", "training[0].steps", setter(["training", 0, "steps"], 0))
    case("steps 2^63", "training[0].steps", setter(["training", 0, "steps"], 2 ** 63))
    case("negative submit_s", "training[0].submit_s", setter(["training", 0, "submit_s"], -1))
    case("work_flops 0", "training[0].work_flops", setter(["training", 0, "work_flops"], 0))
    case("negative gradient_bytes", "training[0].gradient_bytes",
         setter(["training", 0, "gradient_bytes"], -1))
    case("checkpoint_interval_s 0", "training[0].checkpoint_interval_s",
         setter(["training", 0, "checkpoint_interval_s"], 0))
    case("negative checkpoint_bytes", "training[0].checkpoint_bytes",
         setter(["training", 0, "checkpoint_bytes"], -1))
    case("checkpoint_interval_s 1e-300", "training[0].checkpoint_interval_s",
         setter(["training", 0, "checkpoint_interval_s"], 1e-300))
    case("checkpoint_bytes 1e308", "training[0].checkpoint_bytes",
         setter(["training", 0, "checkpoint_bytes"], 1e308))
    case("units_per_request 1e304", "inference[2].units_per_request",
         setter(["inference", 2, "units_per_request"], 1e304))
    case("units_per_request 0.5", "inference[2].units_per_request",
         setter(["inference", 2, "units_per_request"], 0.5))
    case("input_tokens 1e304", "inference[2].serving.input_tokens",
         setter(["inference", 2, "serving", "input_tokens"], 1e304))
    case("walltime_s 0", "training[0].walltime_s", setter(["training", 0, "walltime_s"], 0))
    case("negative walltime_s", "training[0].walltime_s",
         setter(["training", 0, "walltime_s"], -60))
    case("walltime_s past ten years", "training[0].walltime_s",
         setter(["training", 0, "walltime_s"], 316224001))
    case("walltime_s as text", "training[0].walltime_s",
         setter(["training", 0, "walltime_s"], "4h"))
    case("negative recorded start_s", "training[0].recorded.start_s",
         setter(["training", 0, "recorded", "start_s"], -1))
    case("empty training generations", "training[0].generations",
         setter(["training", 0, "generations"], []))
    case("empty inference generations", "inference[0].generations",
         setter(["inference", 0, "generations"], []))
    case("empty demand values", "inference[0].demand.values",
         setter(["inference", 0, "demand", "values"], []))
    case("negative demand value", "inference[0].demand.values[1]",
         setter(["inference", 0, "demand", "values", 1], -1))
    case("demand value a string", "inference[0].demand.values[0]",
         setter(["inference", 0, "demand", "values", 0], "100"))
    case("demand interval_s 0", "inference[0].demand.interval_s",
         setter(["inference", 0, "demand", "interval_s"], 0))
    case("demand interval_s 0.5 (below a second)", "inference[0].demand.interval_s",
         setter(["inference", 0, "demand", "interval_s"], 0.5))
    case("submit_s 1e300 (beyond ten years)", "training[0].submit_s",
         setter(["training", 0, "submit_s"], 1e300))
    case("priority 4294967297 (beyond an int)", "training[0].priority",
         setter(["training", 0, "priority"], 4294967297))
    case("demand repeat \"true\"", "inference[0].demand.repeat",
         setter(["inference", 0, "demand", "repeat"], "true"))
    case("demand not an object", "inference[0].demand",
         setter(["inference", 0, "demand"], [3600, [1]]))
    case("empty id", "training[0].id", setter(["training", 0, "id"], ""))
    case("empty user", "training[0].user", setter(["training", 0, "user"], ""))
    case("account a number", "training[0].account", setter(["training", 0, "account"], 7))
    case("empty unit", "inference[0].unit", setter(["inference", 0, "unit"], ""))
    case("empty generation model", "inference[0].generations[0].model",
         setter(["inference", 0, "generations", 0, "model"], ""))
    case("model a number", "leases[0].model", setter(["leases", 0, "model"], 100))
    case("after entry a number", "training[1].after[0]", setter(["training", 1, "after"], [7]))
    case("after entry an empty string", "training[1].after[0]",
         setter(["training", 1, "after"], [""]))
    case("after a string, not an array", "training[1].after",
         setter(["training", 1, "after"], "a"))
    case("latency_target_s 0", "inference[0].latency_target_s",
         setter(["inference", 0, "latency_target_s"], 0))
    case("throughput negative", "inference[0].generations[0].throughput",
         setter(["inference", 0, "generations", 0, "throughput"], -5))
    case("lease duration_s 0", "leases[0].duration_s", setter(["leases", 0, "duration_s"], 0))
    case("negative lease price", "leases[0].price_per_gpu_hour",
         setter(["leases", 0, "price_per_gpu_hour"], -0.5))
    case("lease preemptible \"yes\"", "leases[0].preemptible",
         setter(["leases", 0, "preemptible"], "yes"))
    case("negative horizon_s", "horizon_s", setter(["horizon_s"], -1))
    case("training an object, not an array", "training",
         setter(["training"], {"a": full_document()["training"][0]}))
    case("training entry not an object", "training[1]", setter(["training", 1], "b"))
    case("leases null", "leases", setter(["leases"], None))
    cases.append(("top level an array", [full_document()], "top level"))
    text = json.dumps(full_document(), indent=1).replace('"work_flops": 1e+18',
                                                         '"work_flops": 1e999', 1)
    assert "1e999" in text
    cases.append(("work_flops 1e999 (overflows a double)", text, ""))
    return cases


def reader_accepts(gpufleet, platform, path, out, tmp):
    return run([gpufleet, "run", "--workload", path, "--platform", platform, "--horizon",
                "2h", "--out", out, "--quiet"], tmp)


# --- main -----------------------------------------------------------------------------------

def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    gpufleet = os.path.abspath(sys.argv[1])
    source = os.path.abspath(sys.argv[2])
    schema_file = os.path.join(source, SCHEMA_PATH)
    with open(schema_file, encoding="utf-8") as f:
        schema = json.load(f)
    check(schema.get("$schema") == DRAFT_2020_12, "%s declares draft 2020-12" % SCHEMA_PATH)
    stock, validator = make_validator(schema)
    print("      schema checked against the draft 2020-12 metaschema (jsonschema %s)"
          % _module_version())
    platform = os.path.join(source, "platforms", "seed.xml")

    with tempfile.TemporaryDirectory(prefix="gpufleet-schema-") as tmp:
        # 1. Shipped workloads.
        print("\n== shipped workloads")
        shipped = shipped_workloads(source)
        check(len(shipped) > 0, "found at least one shipped workload (the example of "
                                "docs/workload-format.md)")
        for label, text in shipped:
            validate_text(validator, text, "shipped: " + label)

        # 2. Generated workloads: every shipped scenario.
        print("\n== generated workloads")
        scenario_dir = os.path.join(source, "workloads", "scenarios")
        scenarios = sorted(f for f in os.listdir(scenario_dir) if f.endswith(".json"))
        check("seed.json" in scenarios, "workloads/scenarios/ holds the seed scenario")
        lease_seen = False
        for name in scenarios:
            stem = name[:-len(".json")]
            for scale, seed in (("0.1", "1"), ("0.1", "2"), ("1", "1")):
                out = os.path.join(tmp, "gen-%s-x%s-s%s.json" % (stem, scale, seed))
                args = [gpufleet, "generate", "--scenario", os.path.join(scenario_dir, name),
                        "--days", "7", "--scale", scale, "--seed", seed, "-o", out,
                        "--platform-out", out[:-5] + ".xml"]
                what = "generate --scenario %s --days 7 --scale %s --seed %s" % (
                    stem, scale, seed)
                if not gpufleet_ok(run(args, tmp), what):
                    continue
                if validate_file(validator, out, "generated: " + what):
                    with open(out, encoding="utf-8") as f:
                        d = json.load(f)
                    print("      %d training jobs, %d services, %d leases" % (
                        len(d.get("training", [])), len(d.get("inference", [])),
                        len(d.get("leases", []))))
                    lease_seen = lease_seen or bool(d.get("leases"))
        check(lease_seen, "a generated workload has lease requests (the schema saw leases)")

        # 3. Imported workloads, from tiny synthetic inputs.
        print("\n== imported workloads (synthetic inputs)")
        inputs = os.path.join(tmp, "inputs")
        os.mkdir(inputs)
        servegen_dir = os.path.join(inputs, "m-tiny")
        os.mkdir(servegen_dir)
        write(os.path.join(servegen_dir, "chunk-1-trace.csv"), servegen_chunk([0.5, 1.25, 2, 0]))
        write(os.path.join(servegen_dir, "chunk-2-trace.csv"), servegen_chunk([0.1, 0, 0.3]))
        imports = [
            ("swf", [write(os.path.join(inputs, "tiny.swf"), SWF)], []),
            ("swf", [write(os.path.join(inputs, "tiny.swf.gz"), SWF, "wb")],
             ["--procs-per-gpu", "2", "--gpu-model", "V100M32"]),
            ("alibaba-gpu-2023", [write(os.path.join(inputs, "openb_pod_list_tiny.csv"),
                                        ALIBABA_PODS),
                                  write(os.path.join(inputs, "openb_node_list_tiny.csv"),
                                        ALIBABA_NODES)], []),
            ("azure-llm-2023", [write(os.path.join(inputs, "AzureLLMInferenceTrace_tiny.csv"),
                                      AZURE)], ["--interval", "30s"]),
            ("servegen", [servegen_dir], []),
            ("kubernetes", [os.path.join(source, "tests", "data", "kubernetes", f)
                            for f in ("pods.json", "nodes.json")],
             ["--user-label", "team.example.com/user"]),
        ]
        imported_keys = set()
        for i, (fmt, files, extra) in enumerate(imports):
            out = os.path.join(tmp, "imported-%d-%s.json" % (i, fmt))
            args = [gpufleet, "import", fmt] + files + ["-o", out, "--platform-out",
                                                        out[:-5] + ".xml"] + extra
            what = "import %s %s%s" % (fmt, " ".join(os.path.basename(f) for f in files),
                                       (" " + " ".join(extra)) if extra else "")
            if not gpufleet_ok(run(args, tmp), what):
                continue
            if validate_file(validator, out, "imported: " + what):
                with open(out, encoding="utf-8") as f:
                    d = json.load(f)
                for job in d.get("training", []):
                    imported_keys |= set(job)
                print("      %d training jobs (%d with a recorded run), %d services" % (
                    len(d.get("training", [])),
                    sum("recorded" in j for j in d.get("training", [])),
                    len(d.get("inference", []))))
        check({"gpu_share", "recorded", "priority", "user", "account"} <= imported_keys,
              "imported workloads used gpu_share, recorded, priority, user and account (seen: %s)"
              % ", ".join(sorted(imported_keys)))

        # 4. Agreement with the reader.
        print("\n== the schema agrees with the reader (gpufleet run, platforms/seed.xml)")
        for name, document in (("every optional field", full_document()),
                               ("values at the edges of the ranges", edge_document()),
                               ("format and version only", minimal_document())):
            path = os.path.join(tmp, "valid.json")
            write(path, json.dumps(document, indent=1))
            validate_file(validator, path, "valid: %s: schema accepts" % name)
            gpufleet_ok(reader_accepts(gpufleet, platform, path, os.path.join(tmp, "out"), tmp),
                        "valid: %s: gpufleet run accepts" % name)

        stock_validator = stock(schema)
        for name, document, field in negative_cases():
            path = os.path.join(tmp, "invalid.json")
            text = document if isinstance(document, str) else json.dumps(document, indent=1)
            write(path, text)
            try:
                errors = errors_of(validator, load_json_text(text))
                verdict = describe_errors(errors, 1)
            except ValueError as e:
                errors, verdict = [str(e)], "not JSON as the reader reads it: %s" % e
            check(bool(errors), "invalid: %s: schema rejects" % name,
                  "the schema accepted it")
            if errors:
                print("      " + verdict.splitlines()[0])
            if not isinstance(document, str) and name.startswith(("gpus 8.0", "version 1.0")):
                # Why the strict integer type is needed: stock draft 2020-12 accepts 8.0.
                print("      (a stock draft 2020-12 validator %s it)" % (
                    "rejects" if errors_of(stock_validator, document) else "accepts"))
            r = reader_accepts(gpufleet, platform, path, os.path.join(tmp, "out-bad"), tmp)
            if field:
                check(r.returncode == 2 and (": %s: " % field) in r.stderr,
                      "invalid: %s: gpufleet run rejects it (exit %d, naming %s)" % (
                          name, r.returncode, field), r.stderr[-1000:])
            else:
                # A JSON-level error, no field to name. The reader currently reports number
                # overflow as an internal error (exit 1, not 2): read_json_file catches
                # parse_error only, and nlohmann throws out_of_range.406 for it.
                check(r.returncode != 0 and "number overflow" in r.stderr,
                      "invalid: %s: gpufleet run rejects it (exit %d)" % (name, r.returncode),
                      r.stderr[-1000:])

    print("\n%d checks, %d failed" % (checks, len(failures)))
    for f in failures:
        print("  failed: " + f)
    return 1 if failures else 0


def _module_version():
    try:
        from importlib.metadata import version
        return version("jsonschema")
    except Exception:  # noqa: BLE001 - only for the printout
        return "?"


if __name__ == "__main__":
    sys.exit(main())
