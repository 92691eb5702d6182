"""Design-space sweeps: expand a sweep file, run every point, tabulate and plot.

``space`` (the sweep file and its expansion), ``evaluate`` (one point in a
worker), ``executor`` (process pool or Dask), ``runner`` (resumable fan-out),
``results`` (the append-only table), ``pareto`` and ``plot``.  The compile
step is injected by the caller; this package never imports the compiler.
"""
