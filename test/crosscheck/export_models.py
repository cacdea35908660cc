"""Export small PyTorch classifiers to ONNX and write reference values for the geolens cross-check.

Usage: /usr/bin/python3 test/crosscheck/export_models.py OUTDIR

For each model NAME it writes, into OUTDIR:
  NAME.onnx                    torch.onnx.export, opset 17, dynamic batch axis
  NAME.x.npy                   the fixed input batch (float32, B x ...)
  NAME.logits.npy              logits for that batch (B x C)
  NAME.jacobian.npy            input-Jacobian d logits / d x (B x C x d, d = prod of the input's non-batch dims)
  NAME.grad.<param>.npy        gradient of the mean cross-entropy loss for the fixed labels, per parameter
  NAME.json                    metadata: input name and shape, classes, labels, parameter names, export mode
  index.json                   the model names
Models: mlp (Linear-ReLU x2, Linear), cnn (Conv+BatchNorm+ReLU+MaxPool, Conv+ReLU+AvgPool, Flatten, Linear),
resnet (residual block with a skip Add, AdaptiveAvgPool, x.view(x.size(0), -1), Linear), each exported with
BatchNorm kept as a node (TrainingMode.PRESERVE on the eval-mode model); resnet_fused is resnet as the default
export writes it (EVAL: BatchNorm folded into the Conv weights, which then carry names like onnx::Conv_44).
Everything is float32 and seeded, so the files are the same on every run.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 4


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 16)
        self.fc2 = nn.Linear(16, 16)
        self.out = nn.Linear(16, 5)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.out(x)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.pool2 = nn.AvgPool2d(2)
        self.fc = nn.Linear(8 * 3 * 3, 4)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.pool2(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc(x)


class ResidualCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.conv_a = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn_a = nn.BatchNorm2d(8)
        self.conv_b = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn_b = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        y = F.relu(self.bn_a(self.conv_a(x)))
        y = self.bn_b(self.conv_b(y))
        x = F.relu(x + y)
        x = self.pool(x)
        x = x.view(x.size(0), -1)  # exports as Shape -> Gather -> Unsqueeze -> Concat -> Reshape
        return self.head(x)


def randomize_batchnorm(model, gen):
    """Non-trivial affine parameters and running statistics, so eval-mode BatchNorm is not the identity."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.3 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))


def save(path, arr):
    np.save(path, np.ascontiguousarray(arr.detach().cpu().numpy().astype(np.float32)))


def export(name, model, input_shape, classes, outdir, mode):
    gen = torch.Generator().manual_seed(1000 + len(name))
    randomize_batchnorm(model, gen)
    model.eval()
    x = torch.randn(BATCH, *input_shape, generator=gen)
    labels = torch.tensor([i % classes for i in range(BATCH)], dtype=torch.long)
    path = os.path.join(outdir, name + ".onnx")
    kwargs = dict(
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
    )
    if mode == "preserve":
        # keep BatchNormalization as its own node (EVAL mode would fold it into the Conv) and keep Constant nodes
        kwargs.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    torch.onnx.export(model, (x,), path, **kwargs)

    # logits
    with torch.no_grad():
        logits = model(x)
    save(os.path.join(outdir, name + ".logits.npy"), logits)
    save(os.path.join(outdir, name + ".x.npy"), x)

    # input-Jacobian: J[b, c, :] = d logits[b, c] / d x[b]  (samples are independent in eval mode)
    xg = x.clone().requires_grad_(True)
    out = model(xg)
    rows = []
    for c in range(classes):
        (g,) = torch.autograd.grad(out[:, c].sum(), xg, retain_graph=True)
        rows.append(g.reshape(BATCH, -1))
    jac = torch.stack(rows, dim=1)
    save(os.path.join(outdir, name + ".jacobian.npy"), jac)

    # parameter gradients of the mean cross-entropy
    model.zero_grad()
    loss = F.cross_entropy(model(x), labels)
    loss.backward()
    params = []
    for pname, p in model.named_parameters():
        save(os.path.join(outdir, name + ".grad." + pname + ".npy"), p.grad)
        params.append(pname)
    meta = {
        "name": name,
        "onnx": name + ".onnx",
        "input": "input",
        "inputShape": list(input_shape),
        "classes": classes,
        "labels": labels.tolist(),
        "loss": float(loss.item()),
        "params": params,
        "mode": mode,
        "torch": torch.__version__,
    }
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    models = []
    torch.manual_seed(1)
    models.append(export("mlp", MLP(), (12,), 5, outdir, "eval"))
    torch.manual_seed(2)
    models.append(export("cnn", CNN(), (3, 12, 12), 4, outdir, "preserve"))
    torch.manual_seed(3)
    models.append(export("resnet", ResidualCNN(), (3, 8, 8), 3, outdir, "preserve"))
    # the same network as torch.onnx.export writes it by default: BatchNorm fused into the Conv weights
    torch.manual_seed(3)
    models.append(export("resnet_fused", ResidualCNN(), (3, 8, 8), 3, outdir, "eval"))
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump({"models": [m["name"] for m in models]}, f)


if __name__ == "__main__":
    main()
