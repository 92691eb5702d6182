"""NASRec architecture JSON (``recsys space --check``, the file a search writes per design and
``recsys export``/``supernet`` read): every schema-violation class on every field of a sampled
architecture, and malformed files."""

from __future__ import annotations

import json

import pytest

from tests.robustness.conftest import assert_clean_error, call
from tests.robustness.mutations import mutate


@pytest.fixture(scope="module")
def base_arch() -> dict:
    import io
    from contextlib import redirect_stdout

    from recsys_models.cli import main

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["space", "--space", "small", "--sample", "1", "--seed", "1"]) == 0
    return json.loads(buf.getvalue().splitlines()[0])


def test_space_arch_corpus(tmp_path, capsys, base_arch):
    """Every case must fail with the one-line contract; gaps are collected and listed together."""
    optional = {("num_blocks",), ("precision",)}  # derived from macro / float when absent
    cases = list(mutate(base_arch, required=lambda p: isinstance(p[-1], str) and p not in optional))
    cases += [("raw:list", [1]), ("raw:null", None), ("raw:string", "autoctr")]
    assert len(cases) >= 100, len(cases)
    gaps = []
    for case_id, doc in cases:
        path = tmp_path / "arch.json"
        path.write_text(json.dumps(doc))
        try:
            assert_clean_error(call(capsys, "recsys", "space", "--space", "small", "--check", path), str(path))
        except AssertionError as exc:
            gaps.append(f"{case_id}: {' '.join(str(exc).split())[:200]}")
    assert not gaps, f"{len(gaps)} of {len(cases)} cases broke the contract:\n" + "\n".join(gaps)


@pytest.mark.parametrize("payload", [b"", b"\x80\x81", b"{", b"[]" * 3, b"{" * 50000 + b"}" * 50000])
def test_malformed_space_arch_file(tmp_path, capsys, payload):
    path = tmp_path / "arch.json"
    path.write_bytes(payload)
    assert_clean_error(call(capsys, "recsys", "space", "--space", "small", "--check", path), str(path))
