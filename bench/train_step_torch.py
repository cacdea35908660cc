"""PyTorch side of bench/train-step.ts (run as its child process; not a test).

Reads the batch and the initial weights geolens drew from a safetensors file (with a minimal numpy reader, so
the `safetensors` package is not needed), builds the same models, and answers JSON-line commands on stdin:

  {"cmd": "run", "model": "mlp"|"cnn", "steps": k}  ->  {"seconds": s, "losses": [...]}
  {"cmd": "scale", "batch": b, "width": w, "steps": k}  ->  {"seconds": s}   (MLP 784-w-w-10 on a random batch of b,
                                                                             built on first use: the scaling table)
  {"cmd": "gemm", ...}, {"cmd": "quit"}  (torch_common.commands)

Threads: the process's layout (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, OMP_WAIT_POLICY from the bench) and
torch.set_num_threads(--threads).

Each step is the idiomatic PyTorch training step: zero_grad, forward, F.cross_entropy (mean), backward,
SGD(lr).step(), loss.item(). Timing is taken here (perf_counter around the loop), so pipe latency is excluded.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # torch_common.py sits next to this script
sys.dont_write_bytecode = True  # no bench/__pycache__ left in the tree
from torch_common import commands, linear, nn, np, reply, setup, torch  # noqa: E402  (exits with an error reply without torch)
import torch.nn.functional as F  # noqa: E402


def conv3x3(w, b):
    layer = nn.Conv2d(w.shape[1], w.shape[0], 3, padding=1)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        layer.bias.copy_(torch.from_numpy(b))
    return layer


def build(t, model, cfg):
    p = lambda name: t[f"{model}.{name}"]
    if model == "mlp":
        layers = []
        for k in range(1, len(cfg["widths"]) + 1):
            layers += [linear(p(f"fc{k}.weight"), p(f"fc{k}.bias")), nn.ReLU()]
        layers.append(linear(p("classifier.weight"), p("classifier.bias")))
        return nn.Sequential(*layers)
    layers = []
    for k in range(1, len(cfg["channels"]) + 1):
        layers += [conv3x3(p(f"conv{k}.weight"), p(f"conv{k}.bias")), nn.ReLU(), nn.MaxPool2d(2, 2)]
    layers.append(nn.Flatten())
    if cfg["hidden"] > 0:
        layers += [linear(p("fc1.weight"), p("fc1.bias")), nn.ReLU()]
    layers.append(linear(p("classifier.weight"), p("classifier.bias")))
    return nn.Sequential(*layers)


def train_steps(m, opt, x, y, steps):
    """`steps` idiomatic SGD steps on one batch; (seconds, the losses)."""
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return time.perf_counter() - start, losses


def main():
    threads, t, cfg = setup()
    batch = int(cfg["batch"])
    x = torch.from_numpy(t["x"])
    y = torch.from_numpy(t["y"].astype(np.int64))
    models = {}
    for name in ("mlp", "cnn"):
        if f"{name}.classifier.weight" not in t:
            continue
        m = build(t, name, cfg[name])
        opt = torch.optim.SGD(m.parameters(), lr=float(cfg["lr"]))
        xin = x.reshape([batch] + cfg[name]["inputShape"])
        models[name] = (m, opt, xin)
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
           "blas": "openblas" if "openblas" in torch.__config__.show().lower() else "see torch.__config__.show()"})
    scaled = {}
    for cmd in commands():
        if cmd["cmd"] == "scale":
            key = (int(cmd["batch"]), int(cmd["width"]))
            if key not in scaled:
                b, w = key
                m = nn.Sequential(nn.Linear(784, w), nn.ReLU(), nn.Linear(w, w), nn.ReLU(), nn.Linear(w, 10))
                scaled.clear()  # one size at a time
                scaled[key] = (m, torch.optim.SGD(m.parameters(), lr=float(cfg["lr"])), torch.rand(b, 784), torch.randint(0, 10, (b,)))
            m, opt, xs, ys = scaled[key]
            seconds, _ = train_steps(m, opt, xs, ys, int(cmd["steps"]))
            reply({"seconds": seconds})
            continue
        m, opt, xin = models[cmd["model"]]
        seconds, losses = train_steps(m, opt, xin, y, int(cmd["steps"]))
        reply({"seconds": seconds, "losses": losses if cmd.get("wantLosses") else losses[-1:]})


if __name__ == "__main__":
    main()
