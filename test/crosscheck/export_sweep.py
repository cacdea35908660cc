"""Export a sweep of PyTorch classifiers to ONNX the ways people really export them, with float64 references.

Usage: /usr/bin/python3 test/crosscheck/export_sweep.py OUTDIR

Each model NAME (different architectures, activations, normalisations, opsets 9 to 20, fixed and dynamic batch) is
written as NAME.onnx with, for a fixed input batch x (float32, B = 4, NAME.x.npy), references computed by PyTorch in
float64 on the same weights:
  NAME.logits.npy     logits [B, C]
  NAME.jacobian.npy   input-Jacobians d logits / d x [B, C, d] (torch.autograd)
  NAME.dim.npy        eigenvalues of the Data Information Matrix D(x) = J^T (diag p - p p^T) J per point, from the
                      C x C matrix A^(1/2) J J^T A^(1/2), A = diag p - p p^T, descending [B, C]
  NAME.json           metadata (input shape, classes, opset, batch, ops the model exercises)
torch 1.13 exports opsets 9-17 (torch.onnx.export). Opsets 18-20 are beyond it, so those models are written with
onnx.helper from the torch module's own weights (the ONNX forms of 18-20: Gelu, Mish, GroupNormalization with
per-group scale, reductions and Pad with axes as inputs, Split with num_outputs), their references again from torch.
Everything is seeded: the files are the same on every run.
"""
import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 4


# ---------------------------------------------------------------------------------------------- models (torch export)

class MlpGeluLayerNorm(nn.Module):
    """opset 9: exact GELU (Erf), LayerNorm decomposed (ReduceMean, Pow, Sqrt), Dropout (eval)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.ln = nn.LayerNorm(16)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc2(self.drop(self.ln(F.gelu(self.fc1(x)))))


class CnnElu(nn.Module):
    """opset 10, fixed batch: Conv, ELU, MaxPool, x.view(x.size(0), -1), a zero bias of the batch size."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 4)

    def forward(self, x):
        x = self.pool(F.elu(self.conv(x)))
        x = x.view(x.size(0), -1)
        return self.fc(x) + torch.zeros(x.size(0), 4)


class CnnUpsample(nn.Module):
    """opset 11: Conv, SELU, nn.Upsample (nearest, Resize-11), AvgPool, Flatten."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 3, 3)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv2 = nn.Conv2d(3, 4, 3, stride=2)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(4 * 2 * 2, 3)

    def forward(self, x):
        x = F.selu(self.conv1(x))
        x = self.pool(torch.tanh(self.conv2(self.up(x))))
        return self.fc(torch.flatten(x, 1))


class MlpPreluSoftplus(nn.Module):
    """opset 12, fixed batch: PReLU (per channel), Softplus, Softsign, Hardtanh (Clip)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 8)
        self.act1 = nn.PReLU(8, init=0.2)
        self.fc2 = nn.Linear(8, 8)
        self.fc3 = nn.Linear(8, 6)
        self.fc4 = nn.Linear(6, 4)

    def forward(self, x):
        x = self.act1(self.fc1(x))
        x = F.softplus(self.fc2(x))
        x = F.softsign(self.fc3(x))
        return self.fc4(F.hardtanh(x, -0.5, 0.5))


class CnnInstanceGroupNorm(nn.Module):
    """opset 13: InstanceNorm2d (affine), CELU, GroupNorm (exported as InstanceNormalization on a reshape), LeakyReLU,
    AdaptiveAvgPool (GlobalAveragePool)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.gnorm = nn.GroupNorm(3, 6)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        x = F.celu(self.inorm(self.conv1(x)), alpha=1.5)
        x = F.leaky_relu(self.gnorm(self.conv2(x)), 0.1)
        return self.fc(torch.flatten(self.pool(x), 1))


class CnnHardswish(nn.Module):
    """opset 14: Hardswish (HardSwish op), a squeeze-excitation gate with Hardsigmoid, MaxPool (the opset-14 case)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 6, 3, stride=2)
        self.se1 = nn.Linear(6, 3)
        self.se2 = nn.Linear(3, 6)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(6 * 2 * 2, 4)

    def forward(self, x):
        x = F.hardswish(self.conv(x))
        s = x.mean(dim=(2, 3))
        s = F.hardsigmoid(self.se2(F.relu(self.se1(s))))
        x = x * s[:, :, None, None]
        x = self.pool(x)
        return self.fc(torch.flatten(x, 1))


class ResnetMish(nn.Module):
    """opset 15: a residual block with BatchNorm (kept, PRESERVE) and Mish (decomposed: x·tanh(softplus(x)))."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(6)
        self.conv_a = nn.Conv2d(6, 6, 3, padding=1, bias=False)
        self.bn_a = nn.BatchNorm2d(6)
        self.conv_b = nn.Conv2d(6, 6, 3, padding=1, bias=False)
        self.bn_b = nn.BatchNorm2d(6)
        self.head = nn.Linear(6, 3)

    def forward(self, x):
        x = F.mish(self.bn0(self.stem(x)))
        y = F.mish(self.bn_a(self.conv_a(x)))
        y = self.bn_b(self.conv_b(y))
        x = F.mish(x + y)
        return self.head(x.mean(dim=(2, 3)))


class ConvTransposePads(nn.Module):
    """opset 16: ReflectionPad2d, ReplicationPad2d (edge), ZeroPad2d, ConvTranspose2d, ReLU6 (Clip)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, stride=2)
        self.reflect = nn.ReflectionPad2d((1, 2, 2, 1))
        self.deconv = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1)
        self.edge = nn.ReplicationPad2d(1)
        self.zero = nn.ZeroPad2d((0, 1, 1, 0))
        self.conv2 = nn.Conv2d(3, 2, 3, stride=2)
        self.fc = nn.Linear(2 * 8 * 8, 4)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = F.relu6(self.deconv(self.reflect(x)))
        x = torch.tanh(self.conv2(self.zero(self.edge(x))))
        return self.fc(torch.flatten(x, 1))


class TokenMixer(nn.Module):
    """opset 17: tokens [N, T, D], LayerNormalization (op at 17), einsum projections, tanh-GELU, mean over tokens."""

    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(8)
        self.w = nn.Parameter(torch.randn(12, 8) * 0.3)
        self.mix = nn.Parameter(torch.randn(5, 5) * 0.3)
        self.out = nn.Linear(12, 4)

    def forward(self, x):
        h = self.ln(x)
        h = torch.einsum("bti,oi->bto", h, self.w)
        h = torch.einsum("st,bto->bso", self.mix, h)
        h = F.gelu(h, approximate="tanh")
        return self.out(h.mean(dim=1))


class SplitMaxNorm(nn.Module):
    """opset 13, fixed batch: torch.split, torch.maximum/minimum, amax, L2 norm (ReduceL2), Softmax-free head."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(9, 12)
        self.fc2 = nn.Linear(6, 4)

    def forward(self, x):
        h = self.fc1(x)
        a, b, c = torch.split(h, [4, 4, 4], dim=1)
        m = torch.maximum(a, b) - torch.minimum(b, c)
        am = torch.amax(h.view(-1, 3, 4), dim=1)
        n = torch.norm(h, dim=1, keepdim=True)
        return self.fc2(torch.cat([m, am[:, :1], n], dim=1))


class CnnBilinear(nn.Module):
    """opset 11: bilinear upsampling (align_corners=False: Resize linear, pytorch_half_pixel), Sigmoid, Dropout2d."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3, stride=2)
        self.conv2 = nn.Conv2d(3, 3, 3)
        self.fc = nn.Linear(3 * 4 * 4, 4)

    def forward(self, x):
        x = torch.sigmoid(self.conv1(x))
        x = F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=False)
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


# ------------------------------------------------------------------ models beyond torch's exporter (opsets 18-20)

class Mlp20(nn.Module):
    """opset 20 (written with onnx.helper): Gemm, Gelu (exact), LayerNormalization, Mish, Gelu (tanh), Gemm."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 12)
        self.ln = nn.LayerNorm(12)
        self.fc2 = nn.Linear(12, 12)
        self.fc3 = nn.Linear(12, 5)

    def forward(self, x):
        h = self.ln(F.gelu(self.fc1(x)))
        h = F.gelu(F.mish(self.fc2(h)), approximate="tanh")
        return self.fc3(h)


class Cnn18(nn.Module):
    """opset 18 (written with onnx.helper): Conv, GroupNormalization (per-group scale), Mish, Pad with axes (reflect),
    Resize (linear, half_pixel), ReduceMean with axes as an input, Split with num_outputs, Max."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.gscale = nn.Parameter(torch.rand(2) + 0.5)
        self.gbias = nn.Parameter(torch.randn(2) * 0.2)
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        h = self.conv(x)  # [N, 4, 4, 4]
        n, c, hh, ww = h.shape
        g = h.reshape(n, 2, -1)
        g = (g - g.mean(-1, keepdim=True)) / torch.sqrt(g.var(-1, unbiased=False, keepdim=True) + 1e-5)
        g = g.reshape(n, c, hh, ww) * self.gscale.repeat_interleave(2)[None, :, None, None] + self.gbias.repeat_interleave(2)[None, :, None, None]
        h = F.mish(g)
        h = F.pad(h, (1, 2, 0, 0), mode="reflect")  # W only: the ONNX Pad lists axes [3]
        h = F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
        h = h.mean(dim=(2, 3))  # [N, 4]
        a, b = torch.split(h, 2, dim=1)
        return self.fc(torch.maximum(a, b))


def helper_model_20(m, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = {k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()}
    inits = [numpy_helper.from_array(w[k], k) for k in ["fc1.weight", "fc1.bias", "ln.weight", "ln.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]]
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h1"], name="/fc1/Gemm", transB=1),
        helper.make_node("Gelu", ["h1"], ["g1"], name="/act1/Gelu"),
        helper.make_node("LayerNormalization", ["g1", "ln.weight", "ln.bias"], ["n1"], name="/ln/LayerNormalization", axis=-1, epsilon=1e-5),
        helper.make_node("Gemm", ["n1", "fc2.weight", "fc2.bias"], ["h2"], name="/fc2/Gemm", transB=1),
        helper.make_node("Mish", ["h2"], ["m2"], name="/act2/Mish"),
        helper.make_node("Gelu", ["m2"], ["g2"], name="/act3/Gelu", approximate="tanh"),
        helper.make_node("Gemm", ["g2", "fc3.weight", "fc3.bias"], ["logits"], name="/fc3/Gemm", transB=1),
    ]
    graph = helper.make_graph(nodes, "mlp20", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 10])], [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 5])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], producer_name="geolens-sweep")
    model.ir_version = 9
    onnx.save(model, path)


def helper_model_18(m, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = {k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()}
    i64 = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.int64), name)
    f32 = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.float32), name)
    inits = [numpy_helper.from_array(w[k], k) for k in ["conv.weight", "conv.bias", "gscale", "gbias", "fc.weight", "fc.bias"]]
    inits += [i64("pads", [1, 2]), i64("pad_axes", [3]), f32("scales", [1, 1, 2, 2]), i64("mean_axes", [2, 3])]
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="/conv/Conv"),
        helper.make_node("GroupNormalization", ["c", "gscale", "gbias"], ["gn"], name="/gn/GroupNormalization", num_groups=2, epsilon=1e-5),
        helper.make_node("Mish", ["gn"], ["mi"], name="/act/Mish"),
        helper.make_node("Pad", ["mi", "pads", "", "pad_axes"], ["pd"], name="/pad/Pad", mode="reflect"),
        helper.make_node("Resize", ["pd", "", "scales"], ["rs"], name="/up/Resize", mode="linear", coordinate_transformation_mode="pytorch_half_pixel"),
        helper.make_node("ReduceMean", ["rs", "mean_axes"], ["mean"], name="/ReduceMean", keepdims=0),
        helper.make_node("Split", ["mean"], ["a", "b"], name="/Split", axis=1, num_outputs=2),
        helper.make_node("Max", ["a", "b"], ["mx"], name="/Max"),
        helper.make_node("Gemm", ["mx", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm", transB=1),
    ]
    graph = helper.make_graph(nodes, "cnn18", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 2, 6, 6])], [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="geolens-sweep")
    model.ir_version = 8
    onnx.save(model, path)


# ---------------------------------------------------------------------------------------------------- references

def randomize_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.3 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
        if isinstance(m, (nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm)) and getattr(m, "weight", None) is not None:
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))


def references(model, x):
    """logits, input-Jacobians and DIM eigenvalues in float64."""
    m64 = copy.deepcopy(model).double().eval()
    x64 = x.double().clone().requires_grad_(True)
    logits = m64(x64)
    C = logits.shape[1]
    rows = []
    for c in range(C):
        (g,) = torch.autograd.grad(logits[:, c].sum(), x64, retain_graph=True)
        rows.append(g.reshape(x.shape[0], -1))
    J = torch.stack(rows, dim=1).detach().numpy()  # [B, C, d]
    L = logits.detach().numpy()
    eig = []
    for b in range(x.shape[0]):
        p = np.exp(L[b] - L[b].max())
        p /= p.sum()
        A = np.diag(p) - np.outer(p, p)
        ev, V = np.linalg.eigh(A)
        Ah = (V * np.sqrt(np.clip(ev, 0, None))) @ V.T
        M = Ah @ (J[b] @ J[b].T) @ Ah
        eig.append(np.sort(np.linalg.eigvalsh((M + M.T) / 2))[::-1])
    return L, J, np.array(eig)


def save(outdir, name, **arrays):
    for k, v in arrays.items():
        np.save(os.path.join(outdir, f"{name}.{k}.npy"), np.ascontiguousarray(v))


def export(name, model, shape, classes, outdir, opset, *, dynamic=True, preserve=False, helper=None, ops=()):
    gen = torch.Generator().manual_seed(4000 + sum(map(ord, name)))
    randomize_batchnorm(model, gen)
    model.eval()
    x = torch.randn(BATCH, *shape, generator=gen)
    path = os.path.join(outdir, name + ".onnx")
    if helper is not None:
        helper(model, path)
    else:
        kwargs = dict(input_names=["input"], output_names=["logits"], opset_version=opset)
        if dynamic:
            kwargs["dynamic_axes"] = {"input": {0: "batch"}, "logits": {0: "batch"}}
        if preserve:
            kwargs.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
        torch.onnx.export(model, (x,), path, **kwargs)
    L, J, eig = references(model, x)
    with torch.no_grad():
        l32 = model(x).numpy()
    assert np.allclose(l32, L, rtol=1e-4, atol=1e-5), f"{name}: float32 and float64 torch disagree"
    save(outdir, name, x=x.numpy().astype(np.float32), logits=L, jacobian=J, dim=eig)
    meta = {"name": name, "onnx": name + ".onnx", "inputShape": list(shape), "classes": classes, "opset": opset, "dynamic": dynamic, "ops": list(ops), "torch": torch.__version__}
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


SWEEP = [
    ("mlp_gelu_ln_o9", MlpGeluLayerNorm, (12,), 5, 9, dict(ops=["Erf", "ReduceMean", "Pow", "Sqrt", "Div"])),
    ("cnn_elu_o10_fixed", CnnElu, (1, 8, 8), 4, 10, dict(dynamic=False, ops=["Elu", "MaxPool", "Add"])),
    ("cnn_upsample_o11", CnnUpsample, (2, 8, 8), 3, 11, dict(ops=["Selu", "Resize", "AveragePool"])),
    ("cnn_bilinear_o11", CnnBilinear, (1, 9, 9), 4, 11, dict(ops=["Sigmoid", "Resize"])),
    ("mlp_prelu_o12_fixed", MlpPreluSoftplus, (10,), 4, 12, dict(dynamic=False, ops=["PRelu", "Softplus", "Clip"])),
    ("cnn_norms_o13", CnnInstanceGroupNorm, (3, 6, 6), 5, 13, dict(ops=["InstanceNormalization", "Celu", "LeakyRelu", "GlobalAveragePool"])),
    ("split_max_o13_fixed", SplitMaxNorm, (9,), 4, 13, dict(dynamic=False, ops=["Split", "Max", "Min", "ReduceMax"])),
    ("cnn_hardswish_o14", CnnHardswish, (1, 11, 11), 4, 14, dict(ops=["HardSwish", "HardSigmoid", "MaxPool", "ReduceMean"])),
    ("resnet_mish_o15", ResnetMish, (3, 6, 6), 3, 15, dict(preserve=True, ops=["BatchNormalization", "Softplus", "Tanh"])),
    ("convt_pads_o16", ConvTransposePads, (2, 9, 9), 4, 16, dict(ops=["ConvTranspose", "Pad", "Clip"])),
    ("tokens_ln_einsum_o17", TokenMixer, (5, 8), 4, 17, dict(ops=["LayerNormalization", "Einsum", "Tanh"])),
    ("cnn_groupnorm_o18", Cnn18, (2, 6, 6), 3, 18, dict(helper=helper_model_18, ops=["GroupNormalization", "Mish", "Pad", "Resize", "ReduceMean", "Split", "Max"])),
    ("mlp_gelu_o20", Mlp20, (10,), 5, 20, dict(helper=helper_model_20, ops=["Gelu", "LayerNormalization", "Mish"])),
]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    metas = []
    for i, (name, cls, shape, classes, opset, kw) in enumerate(SWEEP):
        torch.manual_seed(100 + i)
        metas.append(export(name, cls(), shape, classes, outdir, opset, **kw))
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump({"models": [m["name"] for m in metas]}, f)


if __name__ == "__main__":
    main()
