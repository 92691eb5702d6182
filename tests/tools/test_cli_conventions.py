"""The conventions the three commands share (issue 21 item 3, 4, 6, 7, 8; docs/cli.md "Conventions").

Usage errors answer before anything heavy is imported (benchmarks/cli_latency.py times them; here we check
the imports), name the subcommand, suggest the closest subcommand, flag, choice or YAML key; ``--debug`` works
anywhere; ``--version`` exists; a closed pipe ends quietly with 141; every option shows its default; output
options are ``-o/--out``; each input refuses the project's other file kinds with advice; every default output
path is git-ignored.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from pimsim.spec.cli_support import build_tool, leaf_parsers
from pimsim.spec.cli_types import OutputPath

REPO = Path(__file__).resolve().parents[2]
MAINS = {"pimsim": "pimsim.cli", "pimcompile": "compiler.cli", "recsys": "recsys_models.cli"}


def call(tool: str, *argv) -> tuple[int, str, str]:
    import importlib

    main = importlib.import_module(MAINS[tool]).main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def all_parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """(prog, parser) of every leaf command: pimcompile, pimsim X, recsys X, recsys supernet X."""
    from compiler.cli import build_parser
    from pimsim.cli import SUBCOMMANDS as PIMSIM
    from recsys_models.cli import SUBCOMMANDS as RECSYS

    out = [("pimcompile", build_parser())]
    for prog, table in (("pimsim", PIMSIM), ("recsys", RECSYS)):
        parser, _ = build_tool(prog, "", table, "0")
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for child in sub.choices.values():
            out += [(leaf.prog, leaf) for leaf in leaf_parsers(child)]
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """One small file of each of the project's formats."""
    import numpy as np

    from tests.robustness.models import tiny_model

    d = tmp_path_factory.mktemp("kinds")
    onnx = tiny_model(d / "tiny.onnx")
    assert call("pimcompile", onnx, "-o", d / "m.json")[0] == 0
    code, report, _ = call("pimsim", "run", d / "m.json", "--json")
    (d / "report.json").write_text(report)
    sweep = REPO / "configs" / "sweeps" / "dlrm_xbar_adc.yaml"
    np.savez(d / "in.npz", idx=np.zeros((2, 2), np.int64))
    (d / "results.csv").write_text("point_hash,point_index,workload,status\nab,0,w,ok\n")
    return {"onnx": onnx, "mapping": d / "m.json", "report": d / "report.json", "npz": d / "in.npz",
            "arch": REPO / "pimsim" / "spec" / "presets" / "default.yaml", "sweep": sweep,
            "hw-space": REPO / "configs" / "search" / "hw_small.yaml", "results": d / "results.csv",
            "precision-policy": REPO / "configs" / "precision" / "dlrm_mixed.yaml",
            "nasrec-arch": REPO / "recsys_models" / "configs" / "nasrec" / "criteo_small.json"}


def test_registry_names_match_the_registries():
    """recsys_models.registry (imported while parsing, no torch) mirrors the torch-side registries."""
    from recsys_models import registry
    from recsys_models.baselines import MODELS
    from recsys_models.data.specs import DATASETS
    from recsys_models.space import NASREC_BEST

    assert registry.BASELINE_NAMES == tuple(MODELS)
    assert registry.MODEL_NAMES == (*MODELS, "nasrec_subnet")
    assert registry.DATASET_NAMES == DATASETS
    assert registry.NASREC_BEST == NASREC_BEST


@pytest.mark.parametrize("tool", sorted(MAINS))
def test_version(tool):
    code, out, _ = call(tool, "--version")
    assert code == 0 and out.strip() == f"{tool} 0.1.0"


@pytest.mark.parametrize("tool, argv, line", [
    ("pimsim", ["rn", "m.json"], "error: pimsim: unknown subcommand 'rn' (did you mean run?); choose from run, area, "
                                 "sweep, plot, infer, compare (see pimsim --help)"),
    ("pimsim", ["run", "{mapping}", "--btach", "3"],
     "error: pimsim run: unrecognized arguments: --btach (did you mean --batch?) 3 (see pimsim run --help)"),
    ("recsys", ["train", "--model", "dlmr", "--dataset", "criteo", "--data", "x"],
     "error: recsys train: --model 'dlmr' (did you mean dlrm?); choose from dlrm, deepfm, dcnv2, autoint, xdeepfm, "
     "widedeep, lr, nasrec_subnet (see recsys train --help)"),
    ("recsys", ["search", "--space", "small", "--dataset", "critea", "-o", "x"],
     "error: recsys search: --dataset 'critea' (did you mean criteo?); choose from criteo, avazu, kdd "
     "(see recsys search --help)"),
    ("recsys", ["supernet", "train", "--space", "full", "--data", "{onnx}", "-o", "s.pt", "--dense-widths", "0"],
     "error: recsys supernet train: --dense-widths: 0: must be at least 1 (see recsys supernet train --help)"),
    ("pimcompile", ["{onnx}", "--arch", ""], "error: pimcompile: --arch: empty path (see pimcompile --help)"),
    ("pimsim", ["infer", "{mapping}", "--inputs", "{npz}", "-o", "o.npz", "--variation-sigma", "nan"],
     "error: pimsim infer: --variation-sigma: nan: must be a finite number (see pimsim infer --help)"),
    ("pimsim", ["area", "isac"], "error: isac: unknown architecture preset and no such file (did you mean isaac?) "
                                 "(architecture presets: default, isaac, neurosim_rram, puma; or a file path)"),
])
def test_usage_errors_name_the_subcommand_and_suggest(files, tool, argv, line):
    argv = [a.format(**{k.replace("-", "_"): v for k, v in files.items()}) for a in argv]
    code, _, err = call(tool, *argv)
    assert code == 2 and err == line + "\n"


def test_usage_errors_import_nothing_heavy(files):
    """Every usage error answers before numba, torch, onnx(runtime), numpy or pydantic is imported."""
    cases = [("pimsim", ["run", str(files["mapping"]), "--batch", "0"]), ("pimsim", ["rn"]),
             ("pimsim", ["area", str(files["mapping"])]), ("pimcompile", [str(files["mapping"])]),
             ("recsys", ["train", "--model", "dlrm", "--dataset", "criteo", "--data", "none.txt"]),
             ("recsys", ["train", "--model", "dlrm", "--dataset", "criteo", "--data", str(files["onnx"]),
                         "--epochs", "-1"]),
             ("recsys", ["evaluate", str(files["onnx"]), "--data", "x"]),
             ("recsys", ["supernet", "eval", "--arch", "criteo_fll", "--supernet", "x.pt", "--data", "x"])]
    code = ("import sys, importlib, contextlib, io\n"
            "for tool, argv in CASES:\n"
            "    main = importlib.import_module(MAINS[tool]).main\n"
            "    with contextlib.redirect_stderr(io.StringIO()) as err:\n"
            "        assert main(argv) == 2, (tool, argv, err.getvalue())\n"
            "print(sorted(k for k in ('numba', 'torch', 'onnx', 'onnxruntime', 'numpy', 'pydantic') "
            "if k in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", f"CASES = {cases!r}\nMAINS = {MAINS!r}\n" + code],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_debug_anywhere_shows_the_traceback(tmp_path):
    for argv in (["--debug", "run", "nope.json"], ["run", "--debug", "nope.json"], ["run", "nope.json", "--debug"]):
        proc = subprocess.run([sys.executable, "-c", "import sys; from pimsim.cli import main; sys.exit(main())",
                               *argv], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                              env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
        assert proc.returncode != 0 and "Traceback" in proc.stderr and "nope.json: no such file" in proc.stderr


def _head_1(code: str, *argv: str) -> tuple[int, str]:
    """Run ``python -c code argv | head -1``: read one line, close the pipe, return (status, stderr)."""
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=REPO)
    proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does after its line
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), err


def test_closed_pipe_ends_quietly_with_141():
    """``cmd | head -1``: the reader closes the pipe; the command stops without a message, status 128 + SIGPIPE.
    (Outputs smaller than the pipe's buffer finish before the reader closes it, with status 0, as ``echo`` does.)"""
    status, err = _head_1("import sys; from recsys_models.cli import main; sys.exit(main())",
                          "space", "--space", "full", "--sample", "2000")
    assert status == 141 and err == "", err
    guarded_big_output = ("import sys, argparse; from pimsim.spec.cli_support import guarded\n"
                          "def entry(args):\n    for i in range(100000): print('line', i)\n"
                          "sys.exit(guarded(entry, argparse.Namespace(debug=False)))\n")
    status, err = _head_1(guarded_big_output)
    assert status == 141 and err == "", err


def test_every_option_shows_its_default():
    missing = []
    for prog, parser in all_parsers():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                    and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                if "default" not in formatter._get_help_string(action):
                    missing.append(f"{prog} {action.option_strings[0]}")
    assert not missing, missing


SECONDARY_OUTPUTS = {"--trace", "--plot", "--cost-cache", "--log-dir"}
"""Outputs written besides the main one, named for what they hold."""


def test_outputs_are_named_o_out_and_defaults_are_ignored():
    """One naming of output options; every default output path is git-ignored (issue 21 item 8)."""
    bad, defaults = [], []
    for prog, parser in all_parsers():
        for action in parser._actions:
            if isinstance(action.type, OutputPath):
                if action.option_strings and action.option_strings != ["-o", "--out"] \
                        and action.option_strings[0] not in SECONDARY_OUTPUTS:
                    bad.append(f"{prog} {'/'.join(action.option_strings)}")
                if isinstance(action.default, str):
                    defaults.append(action.default)
        assert not any(a.option_strings and "--output" in a.option_strings for a in parser._actions), prog
    assert not bad, bad
    assert sorted(set(defaults)) == ["pareto.png", "runs/train"]
    ignored = subprocess.run(["git", "check-ignore", *[f"{d}/x" if "." not in d else d for d in defaults]],
                             capture_output=True, text=True, cwd=REPO)
    assert ignored.stdout.split() == [f"{d}/x" if "." not in d else d for d in defaults]


EXPECTED = {  # command line with {path} -> the kind the argument expects
    ("pimsim", "run", "{path}"): "mapping",
    ("pimsim", "area", "{path}"): "arch",
    ("pimsim", "sweep", "{path}", "-o", "r.csv"): "sweep",
    ("pimsim", "plot", "{path}"): "results",
    ("pimcompile", "{path}"): "onnx",
    ("pimcompile", "{onnx}", "--arch", "{path}"): "arch",
    ("pimcompile", "{onnx}", "--precision", "{path}"): "precision-policy",
    ("recsys", "search", "--space", "small", "--dataset", "criteo", "--hw-space", "{path}", "-o", "o"): "hw-space",
    ("recsys", "space", "--space", "small", "--check", "{path}"): "nasrec-arch",
}


@pytest.mark.parametrize("argv, expected", sorted(EXPECTED.items()))
def test_wrong_file_kinds_get_advice(files, argv, expected):
    """Each input recognises the project's other formats: 'this is a mapping.json, expected an arch.yaml (did you
    mean `pimsim run`?)'."""
    from pimsim.spec.filekinds import KINDS

    for kind, path in files.items():
        if kind == expected or (expected == "mapping" and kind == "report") \
                or (expected == "hw-space" and kind == "sweep"):  # the search reads a sweep file's design space
            continue
        line = [a.format(path=path, onnx=files["onnx"]) for a in argv]
        code, _, err = call(*line)
        want = f"error: {path}: this is {KINDS[kind].name}, expected {KINDS[expected].name} ({KINDS[kind].advice})"
        assert code == 2 and err.strip() == want, (line, err)


def test_inputs_must_be_regular_files(tmp_path):
    """FIFOs, devices and directories are refused from stat, before an open that could block."""
    import os

    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    for target, problem in ((fifo, "is a named pipe (FIFO), expected a regular file"),
                            ("/dev/zero", "is a device, expected a regular file"),
                            (tmp_path, "is a directory, expected a file")):
        code, _, err = call("pimsim", "run", target)
        assert code == 2 and err.startswith(f"error: {target}: {problem}"), err


def test_rollup_colours_are_fixed_per_component():
    """ADC is one colour in every chip's plot (it was coloured by its rank before)."""
    from pimsim.components.rollup_plot import COMPONENT_ORDER, component_colour

    colours = [component_colour(role) for role in COMPONENT_ORDER]
    assert len(COMPONENT_ORDER) <= 20 and len(set(colours)) == len(colours)  # tab20: one distinct colour per role
    assert component_colour("crossbar") == "#1f77b4" and component_colour("adc") == "#ffbb78"  # tab20 colours 0, 3
    assert component_colour("new_thing") not in colours and component_colour("new_thing") == component_colour(
        "new_thing")


def test_area_plot_prints_the_file(tmp_path):
    code, out, _ = call("pimsim", "area", "isaac", "--plot", tmp_path / "a.png")
    assert code == 0 and out.strip().endswith(f"wrote {tmp_path / 'a.png'}")


def test_axis_labels_have_units_in_words():
    from pimsim.spec.units import axis_label

    assert axis_label("latency_ns") == "latency (nanoseconds)"
    assert axis_label("energy_per_inference_pj") == "energy per inference (picojoules)"
    assert axis_label("throughput_inferences_per_s") == "throughput (inferences per second)"
    assert axis_label("area_breakdown_mm2.adc") == "area breakdown: adc (square millimetres)"
    assert axis_label("pe.adc.bits") == "pe.adc.bits (bits)" and axis_label("pe.crossbar.rows") == "pe.crossbar.rows"


def test_default_workers_follow_the_load(monkeypatch):
    """Idle cores are used; on a busy machine the default is 1 worker and the reason is given."""
    import os

    from pimsim.sweep import executor

    monkeypatch.setattr(executor, "default_workers", lambda: 4)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0, 0))
    assert executor.choose_workers(None, 100) == (4, "4 workers: 3.8 of 4 cores idle (load average 0.2)")
    assert executor.choose_workers(None, 2)[0] == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (3.5, 0, 0))
    n, why = executor.choose_workers(None, 100)
    assert n == 1 and why.startswith("1 worker: the machine is busy (load average 3.5 on 4 cores)")
    assert executor.choose_workers(3, 100) == (3, None)
