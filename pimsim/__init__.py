"""pimsim: an event-driven, cycle-level simulator of ReRAM crossbar PIM accelerators.

Packages: ``spec`` (arch.yaml and mapping.json formats), ``components``
(cited energy/area/latency models), ``program`` (mapping -> event program),
``engine`` (Numba kernel and pure-Python twin), ``report`` (metrics, traces),
``sweep`` (design-space sweeps).  Nothing here imports the compiler or torch.
"""

__version__ = "0.1.0"
