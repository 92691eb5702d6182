"""mapping.json corpus: schema violations on every field of a compiled mapping, graph
inconsistencies (dangling values, duplicates, cycles), placements outside the chip, and a
mapping for another architecture, through ``pimsim run`` (and ``pimsim infer`` for the weights).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pimsim.spec.io import canonical_json
from tests.robustness.conftest import assert_clean_error, call
from tests.robustness.mutations import mutate, with_value

TOP_REQUIRED = {"schema_version", "tool", "model", "arch_sha256", "arch", "strategy", "inputs", "outputs", "values",
                "operators"}
OP_REQUIRED = {"name", "op_type", "inputs", "outputs", "precision", "tile", "kind", "m", "k", "n", "blocks", "tables",
               "rows", "dim", "lookups", "storage", "ops", "bits"}
VALUE_REQUIRED = {"name", "shape", "bits"}
BLOCK_REQUIRED = {"tile", "pe", "crossbar", "row_start", "rows", "col_start", "cols", "slice_count", "sign_columns"}
# fields whose type is free-form (JSON attributes) or plain labels whose wrong type is still rejected elsewhere
SKIP = {"attrs", "arch"}


def required(path: tuple) -> bool:
    key = path[-1]
    if len(path) == 1:
        return key in TOP_REQUIRED
    if path[0] == "operators" and len(path) == 3:
        return key in OP_REQUIRED
    if path[0] == "operators" and "blocks" in path and len(path) == 5:
        return key in BLOCK_REQUIRED
    if path[0] == "values" and len(path) == 3:
        return key in VALUE_REQUIRED
    return path[0] == "model" and len(path) == 2


def skip(path: tuple) -> bool:
    if any(p in SKIP for p in path if isinstance(p, str)):
        return True
    # list members that are names (inputs/outputs/source_nodes entries) are covered by the graph cases below
    return len(path) >= 2 and isinstance(path[-1], int) and path[-2] in {"inputs", "outputs", "source_nodes"}


def numeric_ok(path: tuple) -> bool:
    return "attrs" not in path


def _graph_cases(base: dict) -> list[tuple[str, dict]]:
    ops = base["operators"]
    names = [o["name"] for o in ops]
    fc = names.index("fc")
    emb = names.index("emb")
    first_block = ("operators", fc, "blocks", 0)
    dup_op = with_value(base, ("operators", emb, "name"), "fc")
    return [
        ("graph:dangling_input", with_value(base, ("operators", fc, "inputs", 0), "nowhere")),
        ("graph:dangling_output", with_value(base, ("outputs",), ["nowhere"])),
        ("graph:value_declared_twice", with_value(base, ("values",), base["values"] + base["values"][:1])),
        ("graph:operator_name_twice", dup_op),
        ("graph:cycle_reversed_schedule", with_value(base, ("operators",), list(reversed(ops)))),
        ("graph:value_produced_twice", with_value(base, ("operators", emb, "outputs"), ["h"])),
        ("graph:output_never_produced", with_value(base, ("operators",), ops[:-1])),
        ("graph:negative_shape", with_value(base, ("values", 0, "shape"), [-2])),
        ("graph:absurd_shape", with_value(base, ("values", 0, "shape"), [1 << 62, 1 << 62])),
        ("place:tile_outside_chip", with_value(base, ("operators", fc, "tile"), 64)),
        ("place:block_tile_outside_chip", with_value(base, first_block + ("tile",), 64)),
        ("place:block_pe_outside_tile", with_value(base, first_block + ("pe",), 8)),
        ("place:block_crossbar_outside_pe", with_value(base, first_block + ("crossbar",), 8)),
        ("place:block_rows_overflow", with_value(base, first_block + ("xbar_row_offset",), 125)),
        ("place:block_cols_overflow", with_value(base, first_block + ("xbar_col_offset",), 125)),
        ("place:block_outside_weights", with_value(base, first_block + ("row_start",), 4)),
        ("place:blocks_miss_cells", with_value(base, first_block + ("cols",), 4)),
        ("place:overlapping_blocks", with_value(base, ("operators", fc, "blocks"),
                                                ops[fc]["blocks"] + ops[fc]["blocks"])),
        ("place:replica_beyond_replicas", with_value(base, first_block + ("replica",), 1)),
        ("arch:sha_edited", with_value(base, ("arch_sha256",), "0" * 64)),
        ("arch:embedded_arch_edited", with_value(base, ("arch", "pe", "crossbars"), 16)),
        ("arch:embedded_arch_invalid", with_value(base, ("arch", "pe", "crossbar", "rows"), 100)),
        ("version:3", with_value(base, ("schema_version",), 3)),  # 1 and 2 are read (docs/formats.md)
        ("kind:unknown", with_value(base, ("operators", fc, "kind"), "quantum")),
        ("strategy:unknown", with_value(base, ("strategy",), "greedy")),
        ("batch:zero", with_value(base, ("batch",), 0)),
    ]


@pytest.fixture(scope="module")
def base(tiny_mapping) -> dict:
    return json.loads(tiny_mapping.read_text())


def _all_cases(base: dict) -> list[tuple[str, dict]]:
    return list(mutate(base, required, numeric_ok, skip)) + _graph_cases(base)


def test_mapping_corpus(tmp_path, capsys, base):
    """All mapping cases in one test (they need the compiled base, a session fixture): each one
    must give the clean one-line error; failures are collected so one run lists every gap."""
    cases = _all_cases(base)
    assert len(cases) >= 100, len(cases)
    trace = tmp_path / "trace.json"
    gaps = []
    for case_id, doc in cases:
        path = tmp_path / "mapping.json"
        path.write_text(canonical_json(doc))
        trace.unlink(missing_ok=True)
        result = call(capsys, "pimsim", "run", path, "--trace", trace)
        try:
            assert_clean_error(result, str(path), outputs=(trace,))
        except AssertionError as exc:
            gaps.append(f"{case_id}: {' '.join(str(exc).split())[:300]}")
    assert not gaps, f"{len(gaps)} of {len(cases)} cases broke the contract:\n" + "\n".join(gaps)


def test_mapping_for_another_architecture(tmp_path, capsys, tiny_mapping):
    result = call(capsys, "pimsim", "run", tiny_mapping, "--arch", "isaac")
    assert_clean_error(result, str(tiny_mapping), problem="isaac")


RAW = {"empty": b"", "binary": bytes(range(256)), "json_list": b"[1, 2]", "json_null": b"null",
       "truncated": b'{"schema_version": 1, "tool": "pimco', "nan_literal": b'{"schema_version": NaN}',
       "deep_nesting": b"[" * 100000 + b"]" * 100000}


@pytest.mark.parametrize("case_id", sorted(RAW))
def test_malformed_mapping_file(tmp_path, capsys, case_id):
    path = tmp_path / "mapping.json"
    path.write_bytes(RAW[case_id])
    assert_clean_error(call(capsys, "pimsim", "run", path), str(path))


def test_truncated_compiled_mapping(tmp_path, capsys, tiny_mapping):
    data = tiny_mapping.read_bytes()
    for cut in (1, len(data) // 3, len(data) - 3):
        path = tmp_path / "mapping.json"
        path.write_bytes(data[:cut])
        assert_clean_error(call(capsys, "pimsim", "run", path), str(path))


def test_weights_sidecar_missing_or_corrupt(tmp_path, capsys, tiny_mapping):
    """``pimsim infer`` reads the weights npz named by the mapping: missing or corrupt is one line."""
    path = tmp_path / "tiny.json"
    path.write_bytes(tiny_mapping.read_bytes())
    inputs = tmp_path / "in.npz"
    np.savez(inputs, idx=np.zeros((2, 2), np.int64))
    out = tmp_path / "out.npz"
    weights = json.loads(path.read_text())["weights_file"]
    assert_clean_error(call(capsys, "pimsim", "infer", path, "--inputs", inputs, "-o", out), weights,
                       outputs=(out,))
    (tmp_path / weights).write_bytes(b"PK\x03\x04 not really a zip")
    assert_clean_error(call(capsys, "pimsim", "infer", path, "--inputs", inputs, "-o", out), weights,
                       outputs=(out,))


INPUTS = {
    "missing_input": {"other": np.zeros((2, 2), np.int64)},
    "wrong_shape": {"idx": np.zeros((2, 5), np.int64)},
    "wrong_rank": {"idx": np.zeros(2, np.int64)},
    "float_ids": {"idx": np.full((2, 2), 0.5, np.float32)},
    "ids_out_of_range": {"idx": np.full((2, 2), 999, np.int64)},
    "empty_batch": {"idx": np.zeros((0, 2), np.int64)},
    "object_array": {"idx": np.array([{"a": 1}], dtype=object)},
}


@pytest.mark.parametrize("case_id", sorted(INPUTS) + ["junk_file", "missing_file"])
def test_bad_infer_inputs(tmp_path, capsys, tiny_mapping, case_id):
    """``pimsim infer --inputs``: each bad inputs file is one line naming --inputs or the file."""
    path = tmp_path / "in.npz"
    if case_id == "junk_file":
        path.write_bytes(b"junk")
    elif case_id == "object_array":
        np.savez(path, **INPUTS[case_id])  # savez pickles object arrays; infer must not unpickle them
    elif case_id != "missing_file":
        np.savez(path, **INPUTS[case_id])
    out = tmp_path / "out.npz"
    result = call(capsys, "pimsim", "infer", tiny_mapping, "--inputs", path, "-o", out)
    named = "--inputs" if case_id in {"missing_input", "wrong_shape", "wrong_rank", "float_ids", "ids_out_of_range",
                                      "empty_batch"} else str(path)
    assert_clean_error(result, named, outputs=(out,))


@pytest.mark.parametrize("option, value", [("--batch", "0"), ("--batch", "-3"), ("--batch", "100000000000"),
                                           ("--trace-limit", "0")])
def test_bad_run_options(tmp_path, capsys, tiny_mapping, option, value):
    """Option values: one line naming the option (10^11 queries would need ~TB of event arrays)."""
    trace = tmp_path / "t.json"
    result = call(capsys, "pimsim", "run", tiny_mapping, option, value, "--trace", trace)
    assert_clean_error(result, option, outputs=(trace,))
