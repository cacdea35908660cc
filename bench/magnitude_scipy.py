"""NumPy/SciPy side of bench/magnitude.ts (run as its child process; not a test).

The same computation as geolens, the way magnipy does its solves: distances of the first n points of the cloud by the
GEMM form on centred data (numpy's X @ X.T is a BLAS syrk), then at each scale t: Z = exp(-t D),
scipy.linalg.cho_factor / cho_solve for Z w = 1, |tX| = sum(w) and the residual ||Z w - 1|| (geolens reports it too).
Answers JSON-line commands on stdin:

  {"cmd": "run", "n": n}  ->  {"seconds": {"distances": s, "solves": s}, "cpu": s, "magnitude": [...], "residual": r}
  (cpu: the process's CPU seconds, all threads, for distances and solves)
  {"cmd": "quit"}

Threads: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS from the environment the bench sets for this process.
"""
import json
import os
import sys
import time

sys.dont_write_bytecode = True


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import numpy as np
    import scipy
    from scipy.linalg import cho_factor, cho_solve
except Exception as e:  # reported by the bench as a skip line
    reply({"error": f"cannot import numpy/scipy: {e}"})
    sys.exit(3)

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
config = json.loads(args["--config"])
scales = [float(t) for t in config["scales"]]
cloud = np.load(args["--data"], mmap_mode="r")
threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0)
reply({"ready": True, "torch": f"SciPy {scipy.__version__}, NumPy {np.__version__}", "threads": threads})


def distances(x):
    c = x - x.mean(axis=0)
    sq = np.einsum("ij,ij->i", c, c)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (c @ c.T)
    np.maximum(d2, 0.0, out=d2)
    d = np.sqrt(d2, out=d2)
    np.fill_diagonal(d, 0.0)
    return d


def solves(d):
    n = d.shape[0]
    ones = np.ones(n)
    mags, worst = [], 0.0
    for t in scales:
        z = np.exp(-t * d)
        w = cho_solve(cho_factor(z), ones)
        mags.append(float(w.sum()))
        worst = max(worst, float(np.linalg.norm(z @ w - ones)))
    return mags, worst


for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["cmd"] == "quit":
        break
    x = np.asarray(cloud[: cmd["n"]], dtype=np.float64)
    c0 = time.process_time()
    t0 = time.perf_counter()
    d = distances(x)
    t1 = time.perf_counter()
    mags, worst = solves(d)
    t2 = time.perf_counter()
    reply({"seconds": {"distances": t1 - t0, "solves": t2 - t1}, "cpu": time.process_time() - c0, "magnitude": mags, "residual": worst})
