"""Lowering a mapping into an engine program: what each crossbar, ADC, buffer, NoC link and vector unit does.

Durations and energies come from ``pimsim.cost`` (shared with the mapper's estimates).

- ``resources``: the resource table, the XY route on the tile mesh, servers per class on the chip;
- ``template``: one query's task list under construction;
- ``lower`` / ``crossbar``: one query, operator by operator (see their docstrings for the task lists);
- ``stream``: the query template replicated over a stream with NumPy, copy groups and buffer credits;
- ``build``: :func:`lower_mapping`, with the fit checks that name operator and tile and the live-range credits.

Described for users in ``docs/simulator.md``.
"""
