"""The architecture and mapping formats: pure data, importable without numba or torch.

The names below are loaded on first use, so that ``pimsim.spec.errors`` and
``pimsim.spec.cli_support`` (imported by every command before it parses its
arguments) do not pay for pydantic and the format models.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"ArchSpec": "pimsim.spec.arch", "load_arch": "pimsim.spec.arch", "SpecError": "pimsim.spec.errors",
            "Mapping": "pimsim.spec.mapping", "load_mapping": "pimsim.spec.mapping",
            "write_mapping": "pimsim.spec.mapping"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pimsim.spec' has no attribute {name!r}")
