"""Lowering a mapping into an engine program: what each crossbar, ADC, buffer, NoC link and vector unit does.

- ``costs``: per-action cycles and pJ from the component models (the only reader of ``pimsim.components``);
- ``resources``: the resource table, the XY route on the tile mesh, servers per class on the chip;
- ``template``: one query's task list under construction;
- ``lower`` / ``crossbar``: one query, operator by operator (see their docstrings for the task lists);
- ``stream``: the query template replicated over a stream with NumPy, replicas and buffer credits;
- ``build``: :func:`lower_mapping`, with the fit checks that name operator and tile.

Described for users in ``docs/simulator.md``.
"""
