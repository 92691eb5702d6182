"""Studies that use the three packages (pimsim, compiler, recsys_models) as a user would; not part of the library.

``experiments.codesign``: the co-design experiment behind docs/results.md (``make results``).
"""
