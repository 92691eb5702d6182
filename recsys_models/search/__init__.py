"""Hardware-aware architecture search (see docs/search.md): the search proper, by job.

Here: candidates and their mutation (``problem.py``, ``hw_space.py``), the regularised evolution (``engine.py``),
objectives and the log-loss constraint (``objectives.py``), the append-only history (``history.py``), batching over
the shared executor (``executor.py``), and the run and its report (``runner.py``, ``report.py``).  What scores a
candidate lives in ``recsys_models.oracles`` (accuracy from the supernet, hardware from the compiler and simulator);
the co-design study that uses both lives outside the library, in ``experiments/codesign``.
"""
