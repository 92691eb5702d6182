"""Shared helpers: call a CLI's ``main(argv)`` in-process and check the one-line error contract.

The contract (issue 12, docs/robustness.md): bad input ends in exactly one stderr line
``error: <file>: <problem>`` naming the file, a non-zero exit, no traceback, no "internal error"
(an unexpected exception is a bug even if it is caught), and no output file.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

MAINS = {"pimsim": "pimsim.cli", "pimcompile": "compiler.cli", "recsys": "recsys_models.cli"}


@dataclass
class Outcome:
    code: int
    err: str
    out: str


def call(capsys, tool: str, *argv: str) -> Outcome:
    """Run ``<tool> argv...`` in this process; argparse's SystemExit becomes an exit code."""
    main = importlib.import_module(MAINS[tool]).main
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return Outcome(int(code or 0), captured.err, captured.out)


def assert_clean_error(result: Outcome, file_fragment: str, *, outputs: tuple[Path, ...] = (),
                       problem: str | None = None) -> str:
    """The one-line error contract; returns the line."""
    assert result.code != 0, f"exit 0 on bad input (stdout: {result.out[:300]!r})"
    assert "Traceback" not in result.err, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}: {result.err[:600]!r}"
    line = lines[0]
    assert line.startswith("error: "), line
    assert "internal error" not in line, line
    assert file_fragment in line, f"{file_fragment!r} not named in {line!r}"
    if problem is not None:
        assert problem in line, f"{problem!r} not in {line!r}"
    for path in outputs:
        assert not Path(path).exists(), f"{path} written despite the error"
    return line


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory) -> Path:
    """A valid 4-node model (embedding lookup, flatten, 8x8 Gemm, Relu) every ONNX case starts from."""
    from tests.robustness.models import tiny_model

    return tiny_model(tmp_path_factory.mktemp("tiny") / "tiny.onnx")


@pytest.fixture(scope="session")
def tiny_mapping(tiny_onnx, tmp_path_factory) -> Path:
    """``pimcompile tiny.onnx --strategy naive`` on the default preset (in-process, once per session): one copy
    of each operator, so the corpus's thousands of mutated copies stay small (the optimized mapping of this
    tiny model replicates its 8x8 layer over a thousand idle crossbars)."""
    from compiler.cli import main

    out = tmp_path_factory.mktemp("tinymap") / "tiny.json"
    assert main([str(tiny_onnx), "-o", str(out), "--strategy", "naive"]) == 0
    return out


@pytest.fixture(scope="session")
def dlrm_onnx(tmp_path_factory) -> Path:
    """The DLRM-shaped graph of models.mini_dlrm_proto (3 tables, 2 MLPs, dot interaction)."""
    import onnx

    from tests.robustness.models import mini_dlrm_proto

    path = tmp_path_factory.mktemp("dlrm") / "model.onnx"
    onnx.save(mini_dlrm_proto(), str(path))
    return path
