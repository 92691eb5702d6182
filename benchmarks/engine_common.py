"""Shared set-up of the engine benchmarks: the demo DLRM exported and compiled once under build/bench/."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
OUT = REPO / "build" / "bench"


def demo_mapping() -> Path:
    """``recsys export dlrm`` + ``pimcompile`` (default arch), as ``make demo`` does; cached on disk."""
    model, mapping = OUT / "dlrm.onnx", OUT / "dlrm.mapping.json"
    OUT.mkdir(parents=True, exist_ok=True)
    if not model.exists():
        subprocess.run([str(BIN / "recsys"), "export", "dlrm", "-o", str(model)], check=True)
    if not mapping.exists():
        subprocess.run([str(BIN / "pimcompile"), str(model), "-o", str(mapping)], check=True)
    return mapping


def lowered(batch: int):
    """The demo mapping lowered for ``batch`` queries: (mapping, stream program)."""
    from pimsim.program.build import lower_mapping
    from pimsim.cost.actions import Costs
    from pimsim.spec.mapping import load_mapping

    mapping = load_mapping(demo_mapping())
    stream, _ = lower_mapping(mapping, Costs.of(mapping.arch), batch)
    return mapping, stream
