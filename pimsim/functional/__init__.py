"""Functional PIM simulation: a mapped model's outputs through bit-sliced crossbars and ADCs.

``infer(mapping, inputs, ideal=False, variation_sigma=0.0, stuck_at_rate=0.0, seed=0)``
returns the outputs the mapped hardware would compute (see :mod:`.execute`,
:mod:`.crossbar`, docs/accuracy.md).  NumPy only: no numba, no torch.
"""

from __future__ import annotations

from pimsim.functional.execute import FunctionalModel, FunctionalSettings, infer, load_constants, prepare

__all__ = ["FunctionalModel", "FunctionalSettings", "infer", "load_constants", "prepare"]
