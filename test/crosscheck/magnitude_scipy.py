"""SciPy side of test/crosscheck/magnitude-scipy.test.ts: the magnitude function of point clouds at given scales,
as magnipy computes it (Euclidean distances, Z = exp(-t D), scipy.linalg.cho_factor / cho_solve, |tX| = sum w).

stdin: JSON {"clouds": [{"x": [[...], ...], "scales": [...]}, ...]}; stdout: JSON {"magnitude": [[...], ...]}.
"""
import json
import sys

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.spatial.distance import cdist

req = json.load(sys.stdin)
out = []
for c in req["clouds"]:
    x = np.asarray(c["x"], dtype=np.float64)
    D = cdist(x, x)
    mags = []
    for t in c["scales"]:
        if t == 0:
            mags.append(1.0)
            continue
        w = cho_solve(cho_factor(np.exp(-t * D)), np.ones(len(x)))
        mags.append(float(w.sum()))
    out.append(mags)
json.dump({"magnitude": out, "scipy": __import__("scipy").__version__}, sys.stdout)
