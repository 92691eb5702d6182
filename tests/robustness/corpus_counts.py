"""Count the bad-input corpus by file kind and by row of issue 20's table (the figures in docs/robustness.md).

    .venv/bin/python -m tests.robustness.corpus_counts      # markdown tables: a generated block of the doc
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

    import contextlib
    import io

    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        model = tiny_model(Path(tmp) / "tiny.onnx")
        # the corpus mutates the naive mapping (tests/robustness/conftest.py::tiny_mapping)
        assert pimcompile([str(model), "-o", str(Path(tmp) / "tiny.json"), "--strategy", "naive"]) == 0
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


def issue20_rows() -> dict[str, tuple[int, int, list[str]]]:
    """Row of issue 20's table -> (cases passing, cases marked xfail for another branch, input kinds)."""
    from tests.robustness.test_issue20_classes import CASES, ROWS

    out = {}
    for row, title in ROWS.items():
        cases = [c for c in CASES if c.row == row]
        kinds = sorted({c.kind.split(" (")[0] for c in cases})
        out[title] = (sum(not c.xfail for c in cases), sum(bool(c.xfail) for c in cases), kinds)
    return out


def markdown() -> str:
    lines = ["| issue 20 row | cases | input kinds |", "|---|---:|---|"]
    rows = issue20_rows()
    for title, (ok, xfail, kinds) in rows.items():
        extra = f" (+{xfail} xfail: frontend)" if xfail else ""
        lines.append(f"| {title} | {ok}{extra} | {', '.join(kinds)} |")
    total_ok = sum(v[0] for v in rows.values())
    total_xfail = sum(v[1] for v in rows.values())
    lines.append(f"| **total** (`test_issue20_classes.py`) | **{total_ok}** (+{total_xfail} xfail) | |")
    lines += ["", "| file kind (generated mutations and hand-written cases) | cases |", "|---|---:|"]
    by_kind = counts()
    lines += [f"| {kind} | {n} |" for kind, n in by_kind.items()]
    lines.append(f"| **total** | **{sum(by_kind.values())}** |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
