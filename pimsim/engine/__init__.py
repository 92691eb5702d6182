"""The event-driven engine: a generic task/resource simulator in Numba with a pure-Python twin.

- ``events``: event kinds, priorities and log codes (named constants);
- ``program``: :class:`TaskProgram`, the struct-of-arrays input, and :func:`build_program`;
- ``kernel``: ``@njit(cache=True)`` functions; :func:`simulate_program`;
- ``reference``: the ``heapq`` twin; :func:`simulate_program_reference`.

The PIM-specific knowledge (what a crossbar read is, how a NoC route is laid
out) lives in ``pimsim.program``; this package only schedules tasks on
resources with capacities and dependencies.  Importing this package does not
import numba; ``pimsim.engine.kernel`` does.
"""
