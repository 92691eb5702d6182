"""Property-based bad input (hypothesis): arbitrary bytes and arbitrary YAML/JSON documents fed
to every file reader through its CLI must end in the one-line error contract, never a traceback
or an "internal error".  Seeded by hypothesis' database-free derandomized mode: same cases every run.
"""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.conftest import assert_clean_error, call

FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                    st.text(max_size=12))
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                         max_leaves=12)


def _readers(tmp_path, onnx_path):
    """(file name, argv builder, file fragment expected in the error) for every reader."""
    return {
        "arch.yaml": lambda p: ("pimsim", "area", p),
        "mapping.json": lambda p: ("pimsim", "run", p),
        "sweep.yaml": lambda p: ("pimsim", "sweep", p, "-o", tmp_path / "results.csv", "--workers", "1"),
        "policy.yaml": lambda p: ("pimcompile", onnx_path, "--precision", p, "-o", tmp_path / "m.json"),
        "hw.yaml": lambda p: ("recsys", "search", "--space", "small", "--dataset", "criteo", "--hw-space", p,
                              "-o", tmp_path / "search"),
        "model.onnx": lambda p: ("pimcompile", p, "-o", tmp_path / "m.json"),
    }


def _empty_yaml(payload: bytes) -> bool:
    """An empty policy (no bytes, blanks, a comment, ``{}``) is a valid no-op policy."""
    try:
        return yaml.safe_load(payload.decode("utf-8")) in (None, {})
    except (UnicodeDecodeError, yaml.YAMLError):
        return False


def _check_all(tmp_path, capsys, onnx_path, payload: bytes, only=None):
    for name, argv in _readers(tmp_path, onnx_path).items():
        if (only and name not in only) or (name == "policy.yaml" and _empty_yaml(payload)):
            continue
        path = tmp_path / name
        path.write_bytes(payload)
        outputs = (tmp_path / "results.csv", tmp_path / "m.json", tmp_path / "search")
        assert_clean_error(call(capsys, *argv(path)), str(path), outputs=outputs)


@FUZZ
@given(payload=st.binary(max_size=300))
def test_random_bytes_every_reader(tmp_path, capsys, tiny_onnx, payload):
    _check_all(tmp_path, capsys, tiny_onnx, payload)


@FUZZ
@given(doc=documents)
def test_random_yaml_documents(tmp_path, capsys, tiny_onnx, doc):
    """Any YAML document that is not a valid file of its kind: a policy may legitimately be empty or
    a mapping of nothing, so only documents that are not mappings are required to fail there."""
    text = yaml.safe_dump(doc).encode()
    only = {"arch.yaml", "sweep.yaml", "hw.yaml", "policy.yaml"}
    _check_all(tmp_path, capsys, tiny_onnx, text, only)


@FUZZ
@given(doc=documents)
def test_random_json_mappings(tmp_path, capsys, tiny_onnx, doc):
    _check_all(tmp_path, capsys, tiny_onnx, json.dumps(doc).encode(), {"mapping.json"})
