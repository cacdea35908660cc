"""PyTorch side of bench/dim.ts (run as its child process; not a test).

Reads the batch and the MLP weights geolens drew from a safetensors file (minimal numpy reader, no `safetensors`
package needed), builds the same MLP, and answers JSON-line commands on stdin:

  {"cmd": "run", "method": "autograd"|"functorch", "part": "all"|"jacobian"|"dim", "rounds": k}
      -> {"seconds": s}
  {"cmd": "check", "method": ...}  ->  {"eigenvalues": [[...], ...], "trace": [...]}   (first 8 points)
  {"cmd": "quit"}

One round = input Jacobians J = d logits / d x of the whole batch [B, C, d] plus the DIM spectrum of every point by
the same C×C reduction geolens uses, for all B points at once as a PyTorch user writes it: K = J Jᵀ by one bmm
(float32, as geolens' graph computes it), then float64 A = diag p − p pᵀ, A^{1/2} by batched eigh, S = A^{1/2} K A^{1/2},
batched eigvalsh(S) on the B × C × C stack (no eigensolve per point).
  autograd:  torch.autograd.functional.jacobian(lambda x: f(x).sum(0), x, vectorize=True) -> [C, B, d]
             (one forward pass, a vmapped backward over the C output rows; samples do not interact), plus a
             forward pass for the logits
  functorch: functorch.vmap(functorch.jacrev(f_single, has_aux=True))(x)  -> [B, C, d] and the logits as aux
Threads: the process's layout (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, OMP_WAIT_POLICY from the bench) and
torch.set_num_threads(--threads). Timing is taken here (perf_counter around the loop), so pipe latency is excluded.
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
    """(J [B, C, d], logits [B, C])."""
    jac = torch.autograd.functional.jacobian(lambda v: model(v).sum(0), x, vectorize=True)  # [C, B, d]
    with torch.no_grad():
        logits = model(x)
    return jac.permute(1, 0, 2), logits


def jacobian_functorch(model, x):
    """(J [B, C, d], logits [B, C]): the logits come out of the same pass as jacrev's aux output."""
    def f(v):
        out = model(v.unsqueeze(0)).squeeze(0)
        return out, out.detach()
    return functorch.vmap(functorch.jacrev(f, has_aux=True))(x)


def dim_spectrum(jac, logits):
    """The C×C reduction of all B points at once: eigenvalues of A^{1/2} J Jᵀ A^{1/2}, A = diag p − ppᵀ, descending,
    top C − 1 (batched eigh / eigvalsh on [B, C, C])."""
    p = torch.softmax(logits.double(), dim=1)  # [B, C]
    a = torch.diag_embed(p) - p.unsqueeze(2) * p.unsqueeze(1)
    w, v = torch.linalg.eigh(a)
    ah = (v * w.clamp(min=0).sqrt().unsqueeze(1)) @ v.transpose(1, 2)
    k = torch.bmm(jac, jac.transpose(1, 2)).double()  # J Jᵀ [B, C, C], float32 as in geolens' graph
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
            jac, logits = jacobian(model, x)
            lam, trace = dim_spectrum(jac, logits)
            reply({"eigenvalues": lam[:8].tolist(), "trace": trace[:8].tolist(), "jacobian00": jac[0, 0, :8].tolist()})
            continue
        part = cmd.get("part", "all")
        rounds = int(cmd["rounds"])
        if part == "dim":  # the reduction alone, on a precomputed Jacobian
            jac, logits = jacobian(model, x)
            jac = jac.detach()
            start = time.perf_counter()
            for _ in range(rounds):
                dim_spectrum(jac, logits)
            seconds = time.perf_counter() - start
        else:
            start = time.perf_counter()
            for _ in range(rounds):
                jac, logits = jacobian(model, x)
                if part == "all":
                    lam, _ = dim_spectrum(jac, logits)
                    lam[0, 0].item()
                else:
                    jac[0, 0, 0].item()
            seconds = time.perf_counter() - start
        reply({"seconds": seconds})


if __name__ == "__main__":
    main()
