"""Sweep-file validation and deterministic expansion (pimsim.sweep.space)."""

from __future__ import annotations

import pytest

from pimsim.spec.errors import SpecError
from pimsim.sweep.space import load_sweep
from tests.pimsim.sweep.conftest import write_sweep


def test_expansion_is_product_with_zip_as_one_axis(small_sweep):
    """2 rows x 2 ADC bits x 2 zipped (cols, per_crossbar) pairs = 8 points; last axis fastest."""
    sweep = load_sweep(small_sweep)
    assert sweep.axis_names == ("pe.crossbar.rows", "pe.adc.bits", "pe.crossbar.cols", "pe.adc.per_crossbar")
    got = [tuple(p.axis_values.values()) for p in sweep.points]
    assert got == [
        (64, 6, 64, 1), (64, 6, 128, 2), (64, 8, 64, 1), (64, 8, 128, 2),
        (128, 6, 64, 1), (128, 6, 128, 2), (128, 8, 64, 1), (128, 8, 128, 2),
    ]
    assert [p.index for p in sweep.points] == list(range(8))
    p = sweep.points[5]
    assert (p.arch.pe.crossbar.rows, p.arch.pe.adc.bits, p.arch.pe.crossbar.cols, p.arch.cols_per_adc) == (
        128, 6, 128, 64)


def test_expansion_is_deterministic_and_hashes_are_distinct(small_sweep):
    a, b = load_sweep(small_sweep), load_sweep(small_sweep)
    assert [p.point_hash for p in a.points] == [p.point_hash for p in b.points]
    assert len({p.point_hash for p in a.points}) == 8
    assert all(p.arch_sha256 == p.arch.sha256() for p in a.points)


def test_point_hash_depends_on_workload_bytes_and_compile_settings(tmp_path):
    base = load_sweep(write_sweep(tmp_path)).points[0].point_hash
    other_model = load_sweep(write_sweep(tmp_path, workload_bytes=b"another")).points[0].point_hash
    other_strategy = load_sweep(write_sweep(tmp_path, {"compile": {"strategy": "naive"}})).points[0].point_hash
    (tmp_path / "p.yaml").write_text("default: {weight_bits: 4}\n")
    with_policy = load_sweep(write_sweep(tmp_path, {"compile": {"precision_policy": "p.yaml"}}))
    (tmp_path / "p.yaml").write_text("default: {weight_bits: 6}\n")
    edited_policy = load_sweep(write_sweep(tmp_path, {"compile": {"precision_policy": "p.yaml"}}))
    assert with_policy.precision_policy_path == str((tmp_path / "p.yaml").resolve())
    hashes = {base, other_model, other_strategy, with_policy.points[0].point_hash, edited_policy.points[0].point_hash}
    assert len(hashes) == 5


def test_workloads_are_the_outer_loop(tmp_path):
    (tmp_path / "b.onnx").write_bytes(b"second")
    path = write_sweep(tmp_path, {"workloads": [{"onnx": "model.onnx"}, {"onnx": "b.onnx"}]})
    sweep = load_sweep(path)
    assert len(sweep.points) == 16
    assert [p.workload.name for p in sweep.points[7:9]] == ["model", "b"]
    assert sweep.points[0].arch_sha256 == sweep.points[8].arch_sha256


@pytest.mark.parametrize("overrides, expected", [
    ({"vary": {"pe.crossbar.rowz": [64]}},
     "vary.pe.crossbar.rowz: unknown architecture parameter (pe.crossbar.rowz is not in the arch.yaml format; "
     "pe.crossbar has: cell, cell_bits, cols, read_latency_ns, rows, rows_per_read, signed_encoding, "
     "write_latency_ns_per_row)"),
    ({"vary": {"pe.crossbar": [64]}}, "vary.pe.crossbar: a section, not a parameter (its parameters: cell, cell_bits,"),
    ({"vary": {"tiles": [64]}}, "vary.tiles: unknown architecture parameter (tiles is not in the arch.yaml format; "
                                "the top level has: chip, clock_mhz,"),
    ({"vary": {"pe.foo.bar": [1]}}, "vary.pe.foo.bar: unknown architecture parameter (pe.foo is not in"),
    ({"vary": {"pe.crossbar.rows": [64, 300]}},
     "point 2 (pe.crossbar.rows=300, pe.crossbar.cols=64, pe.adc.per_crossbar=1): pe.crossbar.rows=300:"),
    ({"vary": {"pe.adc.per_crossbar": [3]}, "zip": []},
     "point 0 (pe.adc.per_crossbar=3): pe.adc.per_crossbar=3: must divide pe.crossbar.cols=128"),
    ({"vary": {}, "zip": []}, "empty sweep: vary: and zip: give no axis to sweep"),
    ({"vary": {"pe.adc.bits": []}}, "vary.pe.adc.bits: empty value list"),
    ({"vary": {"pe.adc.bits": [8, 8]}}, "vary.pe.adc.bits: repeated value"),
    ({"zip": [{"pe.crossbar.cols": [64, 128], "pe.adc.per_crossbar": [1]}]}, "zip[0]: value lists must have equal"),
    ({"fixed": {"pe.adc.bits": 8}}, "vary.pe.adc.bits: parameter already given in fixed"),
    ({"fixed": {"technology.node_nm": 5}}, "fixed: technology.node_nm=5: Input should be greater than or equal to 7"),
    ({"workloads": []}, "workloads: List should have at least 1 item"),
    ({"workloads": [{"onnx": "missing.onnx"}]}, "workloads[0].onnx=missing.onnx: no such file"),
    ({"base_arch": "nosuch"}, "nosuch: unknown architecture preset"),
    ({"vary": {"pe.adc.bits": [8]}, "extra_key": 1}, "extra_key: unknown key"),
    ({"schema_version": 2}, "schema_version=2: unsupported"),
    ({"compile": {"strategy": "fast"}}, "compile.strategy=fast: Input should be 'naive' or 'optimized'"),
    ({"compile": {"precision_policy": "p.yaml"}}, "compile.precision_policy=p.yaml: no such file"),
])
def test_bad_sweep_is_one_line_naming_the_item(tmp_path, overrides, expected):
    path = write_sweep(tmp_path, overrides)
    with pytest.raises(SpecError) as info:
        load_sweep(path)
    line = info.value.one_line()
    assert "\n" not in line
    assert expected in line, line
