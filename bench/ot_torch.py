"""PyTorch side of bench/ot.ts (run as its child process; not a test): pyOMT's semi-discrete OT step on CPU.

Reads the targets P [N, d] (float32) from a safetensors file and answers JSON-line commands on stdin:

  {"cmd": "run", "steps": k}  ->  {"seconds": s}     k steps of pyOMT's run_gd loop (one batch per step)
  {"cmd": "hist"}             ->  {"counts": [...]}  the cell histogram at h = 0 (the bench compares it with geolens')
  {"cmd": "quit"}

One step, as k2cu8/pyOMT (pyOMT_raw.py: pre_cal, cal_measure, update_h) does it:
  qrng.reset(); X = SobolEngine(d).draw(M) − 0.5                              (the same M points every step)
  for each chunk of bat_size_P targets: U = P_chunk · Xᵀ + h_chunk; running max / argmax over the chunks
  g = bincount(argmax, minlength=N) / M; Adam on g − 1/N (no bias correction); h −= mean(h)
config {"samples": M, "batP": bat_size_P, "layout": "pyomt" | "samples"}: "samples" chunks the M samples instead
(U = X_chunk · Pᵀ + h, max over the targets: the layout geolens uses), to give PyTorch its best layout too.
Timing is taken here (perf_counter around the loop), so pipe latency is excluded. Thread counts come from the
environment (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) and --threads (torch.set_num_threads).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # torch_common.py sits next to this script
sys.dont_write_bytecode = True  # no bench/__pycache__ left in the tree
from torch_common import commands, reply, setup, torch  # noqa: E402  (exits with an error reply without torch)


class PyOMT:
    def __init__(self, P, samples, bat_p, layout, lr=0.1):
        self.P = P
        self.N, self.d = P.shape
        self.M = samples
        self.bat_p = min(bat_p, self.N)
        self.layout = layout
        self.lr = lr
        self.h = torch.zeros(self.N)
        self.m = torch.zeros(self.N)
        self.v = torch.zeros(self.N)
        self.qrng = torch.quasirandom.SobolEngine(dimension=self.d)

    def measure(self):
        self.qrng.reset()
        X = self.qrng.draw(self.M, dtype=torch.float64).float() - 0.5
        if self.layout == "pyomt":
            tot_val = torch.full((self.M,), -1e30)
            tot_ind = torch.full((self.M,), -1, dtype=torch.long)
            ar = torch.arange(self.M)
            for i in range(0, self.N, self.bat_p):
                U = torch.mm(self.P[i:i + self.bat_p], X.t())
                U = U + self.h[i:i + self.bat_p].expand([self.M, -1]).t()
                val, ind = torch.max(U, 0)
                ind = ind + i
                tot_val, which = torch.max(torch.stack((tot_val, val)), 0)
                tot_ind = torch.stack((tot_ind, ind))[which, ar]
        else:
            tot_ind = torch.empty(self.M, dtype=torch.long)
            Pt = self.P.t().contiguous()
            for s in range(0, self.M, self.bat_p):
                U = torch.addmm(self.h, X[s:s + self.bat_p], Pt)
                tot_ind[s:s + self.bat_p] = torch.argmax(U, 1)
        return torch.bincount(tot_ind, minlength=self.N).double() / self.M

    def step(self):
        g = self.measure().float() - 1.0 / self.N
        self.m.mul_(0.9).add_(0.1 * g)
        self.v.mul_(0.999).add_(0.001 * g * g)
        self.h -= self.lr * self.m / (torch.sqrt(self.v) + 1e-8)
        self.h -= torch.mean(self.h)
        return torch.max(torch.abs(g)).item() * self.N


def main():
    threads, t, cfg = setup()
    P = torch.from_numpy(t["targets"])
    omt = PyOMT(P, cfg["samples"], cfg["batP"], cfg["layout"])
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
           "omp": os.environ.get("OMP_NUM_THREADS"), "openblas": os.environ.get("OPENBLAS_NUM_THREADS")})
    with torch.no_grad():
        for cmd in commands():
            if cmd["cmd"] == "run":
                t0 = time.perf_counter()
                for _ in range(int(cmd["steps"])):
                    omt.step()
                reply({"seconds": time.perf_counter() - t0})
            elif cmd["cmd"] == "hist":
                fresh = PyOMT(P, cfg["samples"], cfg["batP"], cfg["layout"])
                reply({"counts": fresh.measure().mul(cfg["samples"]).round().long().tolist()})


main()
