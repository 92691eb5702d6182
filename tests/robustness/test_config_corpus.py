"""Sweep files, precision policies and search hardware spaces: every schema-violation class on
every field, through ``pimsim sweep``, ``pimcompile --precision`` and ``recsys search --hw-space``.
"""

from __future__ import annotations

import pytest
import yaml

from tests.robustness.conftest import assert_clean_error, call
from tests.robustness.mutations import mutate, with_value, without

SWEEP = {
    "schema_version": 1,
    "name": "robust",
    "description": "bad-input corpus base",
    "workloads": [{"onnx": "tiny.onnx", "name": "tiny"}],
    "base_arch": "default",
    "fixed": {"technology.node_nm": 32},
    "vary": {"pe.adc.bits": [6, 8]},
    "zip": [{"pe.crossbar.rows": [64, 128], "pe.crossbar.cols": [64, 128]}],
    "compile": {"strategy": "optimized", "precision_policy": "policy.yaml"},
    "simulate": {"batch": 1},
}
SWEEP_REQUIRED = {("schema_version",), ("name",), ("workloads",), ("base_arch",), ("workloads", 0, "onnx")}

POLICY = {"default": {"weight_bits": 8, "input_bits": 8}, "operators": {"fc": {"weight_bits": 4, "output_bits": 8}}}

HW = {"schema_version": 1, "description": "corpus base", "base_arch": "default", "vary": {"pe.adc.bits": [6, 8]},
      "zip": [{"pe.crossbar.rows": [64, 128], "pe.crossbar.cols": [64, 128]}]}
HW_REQUIRED = {("schema_version",), ("base_arch",)}


def _sweep_cases():
    cases = list(mutate(SWEEP, lambda p: p in SWEEP_REQUIRED,
                        skip=lambda p: p in {("description",), ("workloads", 0, "name")}))
    cases += [
        ("value:vary_out_of_range", with_value(SWEEP, ("vary",), {"pe.adc.bits": [6, 40]})),
        ("value:vary_unknown_parameter", with_value(SWEEP, ("vary",), {"pe.adc.speed": [1, 2]})),
        ("value:vary_section_as_axis", with_value(SWEEP, ("vary",), {"pe.adc": [1, 2]})),
        ("value:vary_empty_list", with_value(SWEEP, ("vary",), {"pe.adc.bits": []})),
        ("value:vary_repeated", with_value(SWEEP, ("vary",), {"pe.adc.bits": [8, 8]})),
        ("value:zip_unequal", with_value(SWEEP, ("zip",), [{"pe.crossbar.rows": [64], "pe.crossbar.cols": [64, 128]}])),
        ("value:zip_empty_group", with_value(SWEEP, ("zip",), [{}])),
        ("value:fixed_out_of_range", with_value(SWEEP, ("fixed",), {"technology.node_nm": 5})),
        ("value:fixed_unknown", with_value(SWEEP, ("fixed",), {"chip.tilez": 4})),
        ("value:cross_field_per_point", with_value(SWEEP, ("vary",), {"pe.adc.per_crossbar": [1, 3]})),
        ("value:no_workloads", with_value(SWEEP, ("workloads",), [])),
        ("value:workload_missing_file", with_value(SWEEP, ("workloads", 0, "onnx"), "nowhere.onnx")),
        ("value:workload_named_twice", with_value(SWEEP, ("workloads",), SWEEP["workloads"] * 2)),
        ("value:base_arch_unknown", with_value(SWEEP, ("base_arch",), "isac")),
        ("value:base_arch_missing_file", with_value(SWEEP, ("base_arch",), "nowhere.yaml")),
        ("value:policy_missing_file", with_value(SWEEP, ("compile", "precision_policy"), "nowhere.yaml")),
        ("value:strategy_unknown", with_value(SWEEP, ("compile", "strategy"), "greedy")),
        ("value:batch_zero", with_value(SWEEP, ("simulate", "batch"), 0)),
        ("value:schema_version_2", with_value(SWEEP, ("schema_version",), 2)),
        ("value:name_empty", with_value(SWEEP, ("name",), "")),
    ]
    return cases


SWEEP_CASES = _sweep_cases()


@pytest.fixture
def sweep_dir(tmp_path, tiny_onnx):
    (tmp_path / "tiny.onnx").write_bytes(tiny_onnx.read_bytes())
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(POLICY))
    return tmp_path


@pytest.mark.parametrize("case_id, doc", SWEEP_CASES, ids=[c[0] for c in SWEEP_CASES])
def test_bad_sweep_file(sweep_dir, capsys, case_id, doc):
    path = sweep_dir / "sweep.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = sweep_dir / "results.csv"
    result = call(capsys, "pimsim", "sweep", path, "-o", out, "--workers", "1")
    assert_clean_error(result, str(path), outputs=(out,))


@pytest.mark.parametrize("target", ["sweep.yaml", "tiny.onnx", "policy.yaml"])
def test_sweep_output_never_overwrites_an_input(sweep_dir, capsys, target):
    path = sweep_dir / "sweep.yaml"
    path.write_text(yaml.safe_dump(SWEEP, sort_keys=False))
    before = (sweep_dir / target).read_bytes()
    result = call(capsys, "pimsim", "sweep", path, "-o", sweep_dir / target, "--workers", "1")
    line = assert_clean_error(result, target)
    # the sweep file itself is caught as an input; a workload or policy (named inside it) cannot be a results
    # table's name (.csv/.parquet) in the first place
    assert "would overwrite" in line or "unsupported file type (use .csv, .parquet)" in line, line
    assert (sweep_dir / target).read_bytes() == before


def _policy_cases():
    cases = list(mutate(POLICY, lambda p: False))
    cases += [
        ("value:bits_0", with_value(POLICY, ("default", "weight_bits"), 0)),
        ("value:bits_17", with_value(POLICY, ("operators", "fc", "weight_bits"), 17)),
        ("value:bits_float", with_value(POLICY, ("default", "input_bits"), 7.5)),
        ("value:bits_bool", with_value(POLICY, ("default", "input_bits"), True)),
        ("value:operators_list", with_value(POLICY, ("operators",), ["fc"])),
        ("value:rule_scalar", with_value(POLICY, ("operators", "fc"), 4)),
        ("value:pattern_matches_nothing", with_value(POLICY, ("operators",), {"no_such_node*": {"weight_bits": 4}})),
        ("value:top_level_list", [1, 2]),
        ("value:top_level_scalar", "eight bits"),
    ]
    return cases


POLICY_CASES = _policy_cases()


@pytest.mark.parametrize("case_id, doc", POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_bad_precision_policy(tmp_path, capsys, tiny_onnx, case_id, doc):
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = tmp_path / "mapping.json"
    result = call(capsys, "pimcompile", tiny_onnx, "--precision", path, "-o", out)
    if case_id == "value:pattern_matches_nothing":  # found after the model is read: named by its option
        assert_clean_error(result, "--precision", outputs=(out,), problem="matches no operator")
    else:
        assert_clean_error(result, str(path), outputs=(out,))


def _hw_cases():
    cases = list(mutate(HW, lambda p: p in HW_REQUIRED, skip=lambda p: p == ("description",)))
    cases += [
        ("value:axis_not_a_field", with_value(HW, ("vary",), {"pe.adc.speed": [1, 2]})),
        ("value:axis_out_of_range", with_value(HW, ("vary",), {"pe.adc.bits": [6, 40]})),
        ("value:axis_empty", with_value(HW, ("vary",), {"pe.adc.bits": []})),
        ("value:axes_empty", with_value(with_value(HW, ("vary",), {}), ("zip",), [])),
        ("value:section_given_a_scalar", with_value(HW, ("vary",), {"chip.io_link": [1, 2]})),
        ("value:base_unknown", with_value(HW, ("base_arch",), "isac")),
        ("value:no_axes", without(without(HW, ("vary",)), ("zip",))),
        ("value:former_format", {"base": "default", "axes": {"pe.adc.bits": [6, 8]}}),
        ("value:top_level_list", [1]),
    ]
    return cases


HW_CASES = _hw_cases()


@pytest.mark.parametrize("case_id, doc", HW_CASES, ids=[c[0] for c in HW_CASES])
def test_bad_search_hw_space(tmp_path, capsys, case_id, doc):
    path = tmp_path / "hw.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = tmp_path / "search_out"
    result = call(capsys, "recsys", "search", "--space", "small", "--dataset", "criteo", "--hw-space", path,
                  "-o", out)
    assert_clean_error(result, str(path), outputs=(out,))


@pytest.mark.parametrize("objective", ["latency", "scalar:latency_ns=", "scalar:latency_ns=1@", "pareto:",
                                       "pareto:logloss,nonsense_metric"])
def test_bad_search_objective(tmp_path, capsys, objective):
    out = tmp_path / "search_out"
    result = call(capsys, "recsys", "search", "--space", "small", "--dataset", "criteo", "--objective", objective,
                  "-o", out)
    assert_clean_error(result, "--objective", outputs=(out,))


@pytest.mark.parametrize("flag", ["--finetune-batches", "--batch"])
def test_bad_search_counts(tmp_path, capsys, flag):
    """Checked while parsing, before the supernet is loaded or any worker starts."""
    out = tmp_path / "search_out"
    result = call(capsys, "recsys", "search", "--space", "small", "--dataset", "criteo", flag, "0", "-o", out)
    assert_clean_error(result, flag, outputs=(out,))
    assert result.err.strip() == f"error: recsys search: {flag}: 0: must be at least 1 (see recsys search --help)"
