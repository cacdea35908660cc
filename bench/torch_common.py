"""What the PyTorch sides of the benchmarks (dim_torch.py, train_step_torch.py, ot_torch.py, gemm_torch.py) share: the JSON-line reply, the
torch/numpy import guard, the command line and the command loop, a minimal numpy safetensors reader (no
`safetensors` package needed) nn.Linear from geolens' weights, and the roofline's GEMM command.

Importing this module when torch or numpy is missing replies {"error": ...} (the bench reports it as a skip line)
and exits with status 3.
"""
import json
import struct
import sys
import time


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import numpy as np
    import torch
    import torch.nn as nn
except Exception as e:  # reported by the bench as a skip line
    reply({"error": f"cannot import torch/numpy: {e}"})
    sys.exit(3)

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1"}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    buf = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(buf[b:e], dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).copy()
    return out


def linear(w_in_out, b):
    """nn.Linear holding geolens' [in, out] weight as PyTorch's [out, in]."""
    layer = nn.Linear(w_in_out.shape[0], w_in_out.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(w_in_out.T)))
        layer.bias.copy_(torch.from_numpy(b))
    return layer


def setup():
    """The command line --threads N --data file.safetensors --config JSON: sets torch's threads to N and returns
    (N, the tensors of the file, the config)."""
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    threads = int(args["--threads"])
    torch.set_num_threads(threads)
    data = read_safetensors(args["--data"]) if args.get("--data") else {}
    return threads, data, json.loads(args["--config"])


def gemm_seconds(n, reps):
    """Best of `reps` torch.mm of two n × n float32 matrices (after one warm-up): the roofline's GEMM."""
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return best


def commands():
    """The JSON-line commands on stdin, up to {"cmd": "quit"} or the end of the input. {"cmd": "gemm", "n": n,
    "reps": r} is answered here ({"seconds": best of r}; bench/roofline.ts), in every bench's child."""
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            return
        if cmd["cmd"] == "gemm":
            reply({"seconds": gemm_seconds(int(cmd["n"]), int(cmd.get("reps", 3)))})
            continue
        yield cmd
