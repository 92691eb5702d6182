"""Helpers for building variants of the shipped presets."""

from __future__ import annotations

import copy

import pytest

from pimsim.spec.arch import arch_from_dict, load_arch


@pytest.fixture
def variant():
    """variant(preset, {"pe.crossbar.rows": 256, ...}) -> ArchSpec with those fields changed."""

    def make(preset: str, changes: dict):
        doc = copy.deepcopy(load_arch(preset).model_dump(mode="json"))
        for dotted, value in changes.items():
            *path, key = dotted.split(".")
            node = doc
            for p in path:
                node = node[p]
            node[key] = value
        return arch_from_dict(doc, f"{preset}+{changes}")

    return make
