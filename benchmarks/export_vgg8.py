"""Export NeuroSim's VGG-8 for CIFAR-10 to ONNX with plain ``torch.onnx.export`` (no rewrite).

The network of DNN+NeuroSim's inference examples (``Inference_pytorch/models/VGG.py``, ``cfg_list['cifar10']``;
the ``NetWork_VGG8.csv`` layer list): 3x3 convolutions (stride 1, "same" padding) with 128, 128 channels, a 2x2
max-pool, 256, 256, max-pool, 512, 512, max-pool, then fully connected 8192 -> 1024 -> 10; ReLU after every
layer but the last; no biases (NeuroSim's quantized layers have none).  Weights are random (a fixed seed): the
simulator's timing and energy do not depend on their values.  Input: one 3 x 32 x 32 CIFAR-10 image.

    .venv/bin/python benchmarks/export_vgg8.py -o build/bench/vgg8.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn

CHANNELS = (128, 128, "M", 256, 256, "M", 512, 512, "M")
"""NeuroSim VGG.py cfg_list['cifar10'] ("M": 2x2 max-pool, stride 2)."""


class VGG8(nn.Module):
    """``width_divisor`` > 1 divides every channel count and the hidden FC width (CI-sized copies, same graph)."""

    def __init__(self, num_classes: int = 10, width_divisor: int = 1):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for c in CHANNELS:
            if c == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c_in, c // width_divisor, 3, padding=1, bias=False), nn.ReLU()]
                c_in = c // width_divisor
        hidden = 1024 // width_divisor
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c_in * 4 * 4, hidden, bias=False), nn.ReLU(),
                                        nn.Linear(hidden, num_classes, bias=False))

    def forward(self, x):
        return self.classifier(self.features(x))


def export(path: Path, opset: int = 17, seed: int = 0, width_divisor: int = 1) -> Path:
    torch.manual_seed(seed)
    model = VGG8(width_divisor=width_divisor).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, (torch.randn(1, 3, 32, 32),), str(path), input_names=["image"], output_names=["logits"],
                      opset_version=opset, dynamo=False)
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--output", type=Path, default=Path("build/bench/vgg8.onnx"))
    print(f"wrote {export(p.parse_args().output)}")


if __name__ == "__main__":
    main()
