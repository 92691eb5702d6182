"""The architecture and mapping formats: pure data, importable without numba or torch."""

from pimsim.spec.arch import ArchSpec, load_arch
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping, load_mapping, write_mapping

__all__ = ["ArchSpec", "Mapping", "SpecError", "load_arch", "load_mapping", "write_mapping"]
