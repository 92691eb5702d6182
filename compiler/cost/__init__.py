"""The mapper's cost estimates, priced by the hardware cost model the simulator uses (``pimsim.cost``).

- ``ops``: operator views built from the IR or from a written mapping;
- ``estimate``: one query's latency and energy, a stream's makespan with copy groups and
  live-range buffer credits, the busiest unit (list scheduling of the simulator's task structure).

No component constant lives here: every cycle and picojoule comes from ``pimsim.cost`` (per-action
costs, crossbar slice timing, views, buffer credits, area roll-up), so the mapper and the simulator
cannot drift apart.
"""
