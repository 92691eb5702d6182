"""Count the bad-input corpus by file kind (the figures in docs/robustness.md).

    .venv/bin/python -m tests.robustness.corpus_counts
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path


def counts() -> dict[str, int]:
    from compiler.cli import main as pimcompile
    from tests.robustness import test_arch_corpus as arch
    from tests.robustness import test_config_corpus as cfg
    from tests.robustness import test_mapping_corpus as mapping
    from tests.robustness import test_onnx_corpus as onnx_cases
    from tests.robustness.mutations import mutate
    from tests.robustness.models import tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        model = tiny_model(Path(tmp) / "tiny.onnx")
        assert pimcompile([str(model), "-o", str(Path(tmp) / "tiny.json")]) == 0
        base = json.loads((Path(tmp) / "tiny.json").read_text())
    nasrec = _sampled_nasrec_arch()
    optional = {("num_blocks",), ("precision",)}
    return {
        "arch.yaml": len(arch.CASES) + len(arch.RAW) + 2,  # + directory, + through pimcompile --arch
        "mapping.json": len(mapping._all_cases(base)) + len(mapping.RAW) + 3 + 2 + 1 + 4,  # cuts, npz, --arch, options
        "ONNX": len(onnx_cases.PROTO_CASES) + 8 + 8 + 3 + 1 + 2 + 1,  # cut, noise, external, dir, --batch, -o
        "sweep file": len(cfg.SWEEP_CASES) + 3,  # + -o over each input
        "precision policy": len(cfg.POLICY_CASES),
        "search hw space": len(cfg.HW_CASES),
        "search objective": 5,
        "inputs npz (pimsim infer)": len(mapping.INPUTS) + 2,
        "NASRec arch JSON": len(list(mutate(nasrec, lambda p: isinstance(p[-1], str) and p not in optional))) + 3 + 5,
    }


def _sampled_nasrec_arch() -> dict:
    import io
    from contextlib import redirect_stdout

    from recsys_models.cli import main

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["space", "--space", "small", "--sample", "1", "--seed", "1"]) == 0
    return json.loads(buf.getvalue().splitlines()[0])


if __name__ == "__main__":
    c = counts()
    for kind, n in c.items():
        print(f"{kind:26s} {n:5d}")
    print(f"{'total':26s} {sum(c.values()):5d}  (plus the hypothesis examples of test_fuzz.py)")
