"""PyTorch side of bench/dim.ts (run as its child process; not a test).

Reads the batch and the MLP weights geolens drew from a safetensors file (minimal numpy reader, no `safetensors`
package needed), builds the same MLP, and answers JSON-line commands on stdin:

  {"cmd": "run", "method": "autograd"|"functorch", "part": "all"|"jacobian"|"dim", "rounds": k, "threads": t}
      -> {"seconds": s}
  {"cmd": "check", "method": ...}  ->  {"eigenvalues": [[...], ...], "trace": [...]}   (first 8 points)
  {"cmd": "quit"}

One round = input Jacobians J = d logits / d x of the whole batch [B, C, d] plus the DIM spectrum of every point by
the same C×C reduction geolens uses: A = diag p − p pᵀ, A^{1/2} by eigh, S = A^{1/2} J Jᵀ A^{1/2}, eigvalsh(S)
(float64 from the Gram matrix on, as geolens does).
  autograd:  torch.autograd.functional.jacobian(lambda x: f(x).sum(0), x, vectorize=True) -> [C, B, d]
             (one forward pass, a vmapped backward over the C output rows; samples do not interact)
  functorch: functorch.vmap(functorch.jacrev(f_single))(x)  -> [B, C, d]
Timing is taken here (perf_counter around the loop), so pipe latency is excluded.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # torch_common.py sits next to this script
sys.dont_write_bytecode = True  # no bench/__pycache__ left in the tree
from torch_common import commands, linear, nn, reply, setup, torch  # noqa: E402  (exits with an error reply without torch)

try:
    import functorch  # torch 1.13 ships it as a separate module
except Exception:
    functorch = None


def build(t, widths):
    layers = []
    for k in range(1, len(widths) + 1):
        layers += [linear(t[f"fc{k}.weight"], t[f"fc{k}.bias"]), nn.ReLU()]
    layers.append(linear(t["classifier.weight"], t["classifier.bias"]))
    m = nn.Sequential(*layers)
    for p in m.parameters():
        p.requires_grad_(False)  # only input Jacobians are wanted
    return m


def jacobian_autograd(model, x):
    jac = torch.autograd.functional.jacobian(lambda v: model(v).sum(0), x, vectorize=True)  # [C, B, d]
    return jac.permute(1, 0, 2)


def jacobian_functorch(model, x):
    return functorch.vmap(functorch.jacrev(lambda v: model(v.unsqueeze(0)).squeeze(0)))(x)  # [B, C, d]


def dim_spectrum(jac, logits):
    """The C×C reduction: eigenvalues of A^{1/2} J Jᵀ A^{1/2}, A = diag p − ppᵀ, descending, top C − 1."""
    p = torch.softmax(logits.double(), dim=1)  # [B, C]
    a = torch.diag_embed(p) - p.unsqueeze(2) * p.unsqueeze(1)
    w, v = torch.linalg.eigh(a)
    ah = (v * w.clamp(min=0).sqrt().unsqueeze(1)) @ v.transpose(1, 2)
    jd = jac.double()
    k = torch.bmm(jd, jd.transpose(1, 2))  # J Jᵀ [B, C, C]
    s = ah @ k @ ah
    s = 0.5 * (s + s.transpose(1, 2))
    lam = torch.linalg.eigvalsh(s).flip(1)[:, : p.shape[1] - 1].clamp(min=0)
    trace = (a * k).sum(dim=(1, 2))
    return lam, trace


def main():
    threads, t, cfg = setup()
    model = build(t, cfg["widths"])
    x = torch.from_numpy(t["x"]).reshape(-1, cfg["inputDim"])
    methods = {"autograd": jacobian_autograd}
    if functorch is not None:
        methods["functorch"] = jacobian_functorch
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "methods": list(methods)})
    for cmd in commands():
        jacobian = methods[cmd["method"]]
        if cmd["cmd"] == "check":
            with torch.no_grad():
                logits = model(x)
            jac = jacobian(model, x)
            lam, trace = dim_spectrum(jac, logits)
            reply({"eigenvalues": lam[:8].tolist(), "trace": trace[:8].tolist(), "jacobian00": jac[0, 0, :8].tolist()})
            continue
        torch.set_num_threads(int(cmd.get("threads", threads)))
        part = cmd.get("part", "all")
        rounds = int(cmd["rounds"])
        if part == "dim":  # the reduction alone, on a precomputed Jacobian
            with torch.no_grad():
                logits = model(x)
            jac = jacobian(model, x).detach()
            start = time.perf_counter()
            for _ in range(rounds):
                dim_spectrum(jac, logits)
            seconds = time.perf_counter() - start
        else:
            start = time.perf_counter()
            for _ in range(rounds):
                jac = jacobian(model, x)
                if part == "all":
                    with torch.no_grad():
                        logits = model(x)
                    lam, _ = dim_spectrum(jac, logits)
                    lam[0, 0].item()
                else:
                    jac[0, 0, 0].item()
            seconds = time.perf_counter() - start
        torch.set_num_threads(threads)
        reply({"seconds": seconds})


if __name__ == "__main__":
    main()
