"""Atomic writes: the output replaces the target whole and has a new file's ordinary permissions."""

from __future__ import annotations

import os

import pytest

from pimsim.spec.errors import SpecError
from pimsim.spec.io import atomic_write_text


def test_atomic_write_has_umask_permissions(tmp_path):
    """mkstemp creates 0600 files; outputs must be readable like any file the user creates (0666 & ~umask)."""
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.json", "{}\n")
        plain = tmp_path / "plain"
        plain.write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "m.json"
    target.write_text("old")

    def boom(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(SpecError, match="m.json: cannot write: disk full"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old" and len(list(tmp_path.iterdir())) == 1
