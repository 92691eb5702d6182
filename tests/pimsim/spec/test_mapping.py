"""mapping.json: write/read round trip, and checks against itself and its architecture."""

from __future__ import annotations

import json

import pytest

from pimsim.spec.arch import load_arch
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping, load_mapping, mapping_from_dict, write_mapping


def tiny_mapping_dict() -> dict:
    """A 256x64 Gemm at 8-bit weights on 2-bit cells (4 slices), differential (x2 columns).

    Rows: 256 = 2 row-blocks of 128.  Columns: 64 outputs x 4 slices x 2 = 512 physical
    columns = 4 crossbars of 128, so each row-block needs 4 crossbars of 16 outputs: 8 blocks.
    Cells-slices stored: k*n*slices = 256*64*4 = 65536; one block holds 128*16*4 = 8192, so
    dropping a block leaves 57344.
    """
    arch = load_arch("default")
    blocks = []
    xb = 0
    for r in range(2):
        for c in range(4):
            blocks.append(dict(tile=0, pe=xb // 8, crossbar=xb % 8, row_start=128 * r, rows=128,
                               col_start=16 * c, cols=16, slice_start=0, slice_count=4, sign_columns=2))
            xb += 1
    return {
        "schema_version": 1,
        "tool": "hand-written test",
        "model": {"path": "m.onnx", "sha256": "0" * 64, "name": "tiny", "opset": 20},
        "arch_sha256": arch.sha256(),
        "arch": arch.model_dump(mode="json"),
        "strategy": "naive",
        "inputs": ["x"],
        "outputs": ["z"],
        "values": [{"name": "x", "shape": [256], "bits": 8}, {"name": "y", "shape": [64], "bits": 8},
                   {"name": "z", "shape": [64], "bits": 8}],
        "operators": [
            {"kind": "mvm", "name": "fc", "op_type": "Gemm", "inputs": ["x"], "outputs": ["y"], "tile": 0,
             "precision": {"weight_bits": 8, "input_bits": 8, "output_bits": 8, "adc_bits": 8},
             "m": 1, "k": 256, "n": 64, "blocks": blocks},
            {"kind": "vector", "name": "relu", "op_type": "Relu", "inputs": ["y"], "outputs": ["z"], "tile": 0,
             "precision": {"input_bits": 8, "output_bits": 8}, "ops": {"compare": 64}},
        ],
    }


def test_round_trip_is_equal_and_byte_stable(tmp_path):
    m = mapping_from_dict(tiny_mapping_dict(), "tiny")
    write_mapping(m, tmp_path / "a.json")
    back = load_mapping(tmp_path / "a.json")
    assert back == m
    write_mapping(back, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert back.operators[0].blocks[0].physical_cols == 16 * 4 * 2


def _error(mutate) -> str:
    d = tiny_mapping_dict()
    mutate(d)
    with pytest.raises(SpecError) as info:
        mapping_from_dict(d, "mapping.json")
    return info.value.one_line()


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["operators"][0]["blocks"][0].__setitem__("tile", 64), "operator fc: block on tile 64 pe 0 crossbar 0: tile 64 does not exist (chip has 64)"),
        (lambda d: d["operators"][0]["blocks"][0].__setitem__("crossbar", 9), "crossbar 9 does not exist (pe has 8)"),
        (lambda d: d["operators"][0]["blocks"][1].__setitem__("crossbar", 0), "overlaps cells already used by operator fc"),
        (lambda d: d["operators"][0]["blocks"][0].__setitem__("cols", 17), "exceed the crossbar's 128"),
        (lambda d: d["operators"][0]["blocks"].pop(), "replica 0 blocks store 57344 weight cells-slices, expected k*n*slices = 65536"),
        (lambda d: d["operators"][1].__setitem__("inputs", ["nope"]), "operator relu: input nope is not among values"),
        (lambda d: d["operators"].reverse(), "operator relu: input y is used before it is produced"),
        (lambda d: d["arch"]["pe"]["adc"].__setitem__("bits", 6), "arch_sha256 does not match"),
        (lambda d: d.__setitem__("schema_version", 9), "schema_version=9: unsupported"),
        (lambda d: d["operators"][0].__setitem__("kind", "teleport"), "operators.0: Input tag 'teleport' found using 'kind' does not match"),
        (lambda d: d.__setitem__("extra", 1), "extra: unknown key"),
    ],
)
def test_mapping_errors_name_operator_and_tile(mutate, expected):
    text = _error(mutate)
    assert text.startswith("error: mapping.json: ") and expected in text, text


def test_not_json(tmp_path):
    p = tmp_path / "m.json"
    p.write_text("{not json")
    with pytest.raises(SpecError, match="m.json: not valid JSON: line 1"):
        load_mapping(p)


def test_committed_schemas_are_current(repo_root):
    """docs/schemas/*.json must equal what `python -m pimsim.spec.schema docs/schemas` writes."""
    from pimsim.spec.schema import schema_documents

    for name, doc in schema_documents().items():
        committed = json.loads((repo_root / "docs" / "schemas" / name).read_text())
        assert committed == doc, f"docs/schemas/{name} is stale: rerun python -m pimsim.spec.schema docs/schemas"
    assert Mapping.model_json_schema()["title"] == "Mapping"
