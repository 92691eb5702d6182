"""Export ResNet-18 for ImageNet (224 x 224) to ONNX with plain ``torch.onnx.export``, without torchvision.

The network of He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1 (18-layer column):
7x7/2 convolution (64), batch norm, ReLU, 3x3/2 max-pool; four stages of two basic blocks (two 3x3 convolutions
with batch norm, identity or 1x1/2 projection shortcut, Add, ReLU) with 64, 128, 256, 512 channels; global average
pool; fully connected 512 -> 1000.  Convolutions have no bias (batch norm follows them), as in torchvision's
``resnet18``.  Exported in eval mode: ``torch.onnx.export``'s default constant folding folds each batch norm into
the convolution before it (the graph holds Conv, Relu, Add, MaxPool, GlobalAveragePool, Flatten, Gemm and Identity
nodes).  Weights are random (fixed seed).  Input: one 3 x 224 x 224 image.

    .venv/bin/python benchmarks/export_resnet18.py -o build/bench/resnet18.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class ResNet18(nn.Module):
    """``width_divisor`` > 1 divides every channel count (CI-sized copies, same graph)."""

    def __init__(self, num_classes: int = 1000, width_divisor: int = 1):
        super().__init__()
        c0 = 64 // width_divisor
        self.stem = nn.Sequential(nn.Conv2d(3, c0, 7, 2, 3, bias=False), nn.BatchNorm2d(c0), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, c_in = [], c0
        for c, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(c_in, c // width_divisor, stride), BasicBlock(c // width_divisor, c // width_divisor, 1)]
            c_in = c // width_divisor
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


def export(path: Path, opset: int = 17, seed: int = 0, width_divisor: int = 1, image_size: int = 224,
           num_classes: int = 1000) -> Path:
    torch.manual_seed(seed)
    model = ResNet18(num_classes, width_divisor).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, (torch.randn(1, 3, image_size, image_size),), str(path), input_names=["image"],
                      output_names=["logits"], opset_version=opset, dynamo=False)
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--output", type=Path, default=Path("build/bench/resnet18.onnx"))
    print(f"wrote {export(p.parse_args().output)}")


if __name__ == "__main__":
    main()
