"""Design files: the committed fixture loads; a design that does not match its dataset, space or chip is refused in
one line (loader and command line, exit 2, no traceback)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from experiments.codesign.cli import main
from experiments.codesign.designs import load_design, load_designs
from experiments.codesign.pricing import UserError

FIXTURE = Path(__file__).parent / "designs"


def _copy(tmp_path: Path, name: str = "criteo-small-codesigned") -> Path:
    return Path(shutil.copytree(FIXTURE / name, tmp_path / "designs" / name))


def _edit(path: Path, **changes) -> None:
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


def test_fixture_loads():
    designs = load_designs(FIXTURE)
    assert [(d.name, d.kind, d.dataset, d.space) for d in designs] == [
        ("criteo-small-codesigned", "co-designed", "criteo", "small"),
        ("criteo-small-searched", "searched", "criteo", "small")]
    assert designs[0].hw_point and designs[0].pim_arch["chip"]["tiles"] == designs[0].hw_point["chip.tiles"]


def test_design_for_another_dataset_is_refused(tmp_path):
    """The fixture's schema is Criteo's (13 dense inputs, 26 tables); declared as Avazu it no longer matches."""
    d = _copy(tmp_path)
    _edit(d / "design.json", dataset="avazu")
    with pytest.raises(UserError, match=r"does not match dataset 'avazu': n_int, table_sizes differ"):
        load_design(d)


def test_arch_outside_the_space_is_refused(tmp_path):
    d = _copy(tmp_path)
    _edit(d / "design.json", menus={"dense_widths": [16], "weight_bits": [2, 4, 8], "act_bits": [4, 6, 8]})
    with pytest.raises(UserError, match=r"arch.json: not in the design's space \(small\)"):
        load_design(d)


def test_bad_chip_is_refused(tmp_path):
    d = _copy(tmp_path)
    (d / "pim_arch.yaml").write_text((d / "pim_arch.yaml").read_text().replace("rows: ", "rows: 100 #", 1))
    with pytest.raises(UserError, match=r"pim_arch.yaml: .*power of two"):
        load_design(d)


@pytest.mark.parametrize("args, message", [
    (["--from-designs", "/nonexistent/designs"], "error: /nonexistent/designs: no such directory of designs"),
    (["--from-designs", str(FIXTURE), "--batch", "1"], "error: --batch: 1: must be >= 2"),
    (["--from-designs", str(FIXTURE), "--datasets", "movielens"], "error: --datasets: 'movielens': expected one of"),
    (["--from-designs", str(FIXTURE), "--hand-crafted", "vgg"], "error: --hand-crafted: 'vgg': expected one of"),
    (["--search", "--datasets", "kdd"], "error: --datasets: kdd: 11 rows, none clicked"),
])
def test_cli_bad_input_is_one_line(args, message, capsys, tmp_path):
    assert main(args + ["--build", str(tmp_path / "build")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_cli_refuses_a_mismatched_design(tmp_path, capsys):
    d = _copy(tmp_path)
    _edit(d / "design.json", dataset="avazu")
    assert main(["--from-designs", str(d.parent), "--build", str(tmp_path / "build")]) == 2
    err = capsys.readouterr().err
    assert "design.json: does not match dataset 'avazu'" in err and err.count("\n") == 1
