"""Shared fixtures: paths to the real CTR samples (skipped when absent) and the repo root."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data_file(relative: str) -> Path:
    """A file under ../shared/data, or skip the test naming the missing file."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real-data fixture {path} is absent (see ../shared/data/README.md)")
    return path


@pytest.fixture
def repo_root() -> Path:
    return REPO
