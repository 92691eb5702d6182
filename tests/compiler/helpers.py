"""Build small ONNX models with onnx.helper for the tests."""

from __future__ import annotations

from pathlib import Path



def make_model(path: Path, nodes, inputs, outputs, initializers=(), opset: int = 20, domains=()) -> Path:
    """Save a small model to ``path``; ``inputs``/``outputs``: (name, numpy dtype, shape with 'B' symbolic)."""
    import onnx

    from tests.robustness.models import build

    onnx.save(build(nodes, inputs, outputs, initializers, opset, domains, name="test"), str(path))
    return path


BATCHED_BUFFER_BYTES = 4 * 65536
"""The default preset's 64 KiB tile buffer times 4: a model compiled at a fixed batch b (a static export, or
``batch=3``) holds b queries in each value, and the one capacity decision (``pimsim.cost.buffers``) refuses a
mapping whose value exceeds a buffer (NASRec-Full's attention scores at batch 3: 96 KiB; xDeepFM's CIN product at
the zoo's static batch 4: 163 KiB).  Functional checks do not depend on the buffer size."""


def batched_arch_dict() -> dict:
    """The default preset with ``BATCHED_BUFFER_BYTES`` tile buffers, as the arch YAML document."""
    import yaml

    from pimsim.spec.arch import preset_path

    doc = yaml.safe_load(preset_path("default").read_text())
    doc["tile"]["buffer"]["capacity_bytes"] = BATCHED_BUFFER_BYTES
    return doc
