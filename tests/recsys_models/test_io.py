"""recsys_models' atomic writes: whole file or nothing, with a new file's ordinary permissions."""

from __future__ import annotations

import os

import pytest

from recsys_models.io import atomic_path, atomic_write_json


def test_permissions_and_content(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_json(tmp_path / "m.json", {"b": 1, "a": None})
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").read_text() == '{\n  "a": null,\n  "b": 1\n}\n'
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644


def test_error_inside_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "x.onnx", suffix=".onnx") as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("export failed")
    assert list(tmp_path.iterdir()) == []
