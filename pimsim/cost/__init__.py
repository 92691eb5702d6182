"""The hardware cost model the simulator and the mapper share (no numba): one set of laws, two users.

- ``actions``: :class:`Costs`, per-action cycles and pJ of one architecture's
  component models (``pimsim.components``), the only reader of those models for
  timing and energy;
- ``crossbar``: a crossbar block's per-slice timing with sample-and-hold overlap
  and its energy, the vector split of vector-parallel copies;
- ``views``: which stored values a view (Reshape, Transpose, Concat, Split,
  Slice, ...) addresses, and the views that cannot be addressed;
- ``buffers``: buffer credits from value lifetimes (the live-range rule);
- ``area``: a tile's and the fixed chip area from the roll-up
  (``pimsim.components.rollup``), for area budgets.

``pimsim.program`` (the simulator's lowering) and ``compiler.cost`` (the
mapper's estimates) both price through these modules, so a change to the
hardware model is made once.  Described in ``docs/simulator.md`` and
``docs/hardware-model.md``.
"""
