"""Reports of a simulation: the :class:`Report` record and its ``--json`` contract (``model``), text
rendering (``text``), and the Chrome Trace Event writer (``trace``).  Units change here (cycles -> ns/us,
pJ/ns -> mW), through ``pimsim.spec.units`` only."""
