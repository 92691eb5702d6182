"""The event-driven engine: a generic task/resource simulator in Numba with a pure-Python twin.

- ``events``: event kinds, priorities and log codes (named constants);
- ``program``: :class:`TaskProgram` (a whole program as a struct of arrays) and :func:`build_program`;
  :class:`StreamTasks` (a stream of queries over task templates, nothing per task);
- ``kernel``: ``@njit(cache=True)`` functions; :func:`simulate_stream` (state only for the queries in flight)
  and :func:`simulate_program` (a program as a stream of one query);
- ``assemble``: Numba placement of a laid-out stream's edges (``pimsim.program.stream.layout_stream``);
- ``reference``: the ``heapq`` twin over a whole program; :func:`simulate_program_reference`.

The PIM-specific knowledge (what a crossbar read is, how a NoC route is laid
out) lives in ``pimsim.program``; this package only schedules tasks on
resources with capacities and dependencies.  Importing this package does not
import numba; ``pimsim.engine.kernel`` does.
"""
