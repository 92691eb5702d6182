"""Every CLI answers bad input with one line `error: <file>: <problem>`, a non-zero exit, no traceback
and no output file (issue 2, "Bad input")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIS = {"pimsim": "pimsim.cli", "pimcompile": "compiler.cli", "recsys": "recsys_models.cli"}


def run_cli(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", f"import sys; from {CLIS[tool]} import main; sys.exit(main())", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_pimsim_run_missing_file(tmp_path):
    out = run_cli("pimsim", "run", "nope.json", cwd=tmp_path)
    assert assert_one_line_error(out) == "error: nope.json: no such file"


def test_pimsim_run_not_json(tmp_path):
    (tmp_path / "m.json").write_bytes(b"\x00\x01 binary")
    assert_one_line_error(run_cli("pimsim", "run", "m.json", cwd=tmp_path), "m.json: not valid JSON")


def test_pimsim_run_schema_violation(tmp_path):
    (tmp_path / "m.json").write_text('{"schema_version": 1, "tool": "x"}')
    assert_one_line_error(run_cli("pimsim", "run", "m.json", cwd=tmp_path), "m.json: model: required field missing")


def test_pimsim_area_unknown_preset_and_bad_yaml(tmp_path):
    assert_one_line_error(run_cli("pimsim", "area", "isac", cwd=tmp_path), "isac: unknown architecture preset")
    (tmp_path / "a.yaml").write_text("schema_version: 1\nname: [oops\n")
    assert_one_line_error(run_cli("pimsim", "area", "a.yaml", cwd=tmp_path), "a.yaml: not valid YAML")


def test_pimcompile_missing_and_not_onnx(tmp_path):
    assert_one_line_error(run_cli("pimcompile", "m.onnx", "-o", "x.json", cwd=tmp_path), "m.onnx")
    (tmp_path / "m.onnx").write_text("this is not a protobuf")
    assert_one_line_error(run_cli("pimcompile", "m.onnx", "-o", "x.json", cwd=tmp_path), "m.onnx")
    assert not (tmp_path / "x.json").exists()


def test_pimcompile_unsupported_op_names_node_and_type(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Det", ["x"], ["y"], name="the_det_node")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "det.onnx")
    out = run_cli("pimcompile", "det.onnx", "-o", "x.json", cwd=tmp_path)
    assert_one_line_error(out, "det.onnx", "the_det_node", "Det")
    assert not (tmp_path / "x.json").exists()


def test_pimcompile_unknown_arch(tmp_path):
    (tmp_path / "m.onnx").write_text("")
    assert_one_line_error(run_cli("pimcompile", "m.onnx", "--arch", "isac", "-o", "x.json", cwd=tmp_path))


def test_debug_shows_traceback(tmp_path):
    out = run_cli("pimsim", "run", "nope.json", "--debug", cwd=tmp_path)
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_recsys_export_unknown_model(tmp_path):
    out = run_cli("recsys", "export", "no_such_model", "-o", "m.onnx", cwd=tmp_path)
    assert_one_line_error(out, "no_such_model")
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("tool, args, expected", [
    ("pimsim", ["run"], "error: pimsim run: the following arguments are required: mapping (see pimsim run --help)"),
    ("pimsim", ["bogus"], "error: pimsim: unknown subcommand 'bogus'; choose from run, area,"),
    ("pimsim", ["rn"], "error: pimsim: unknown subcommand 'rn' (did you mean run?); choose from run, area,"),
    ("pimcompile", ["--strategy", "fast", "m.onnx"], "error: pimcompile: --strategy 'fast'; choose from naive, optimized"),
    ("recsys", ["export", "dlrm"], "error: recsys export: the following arguments are required: -o/--out"),
])
def test_usage_mistakes_are_one_line(tmp_path, tool, args, expected):
    """argparse's own errors follow the same one-line rule as every other error (usage block suppressed)."""
    out = run_cli(tool, *args, cwd=tmp_path)
    assert out.returncode == 2
    assert assert_one_line_error(out).startswith(expected)
