"""Helpers for building variants of the shipped presets."""

from __future__ import annotations

import pytest

from pimsim.spec.arch import arch_variant


@pytest.fixture
def variant():
    """variant(preset, {"pe.crossbar.rows": 256, ...}) -> ArchSpec with those fields changed."""
    return arch_variant
