"""The co-design experiment of issue 24 (docs/results.md): hand-crafted vs searched vs co-designed recommenders.

Modules, in the order of a run: ``designs`` (the committed designs under ``results/designs/``), ``search`` (how
they were found, ``--search``), ``training`` (from-scratch training per seed), ``pricing`` (compiler + pimsim at
steady state; the one gateway to the hardware tools and ``recsys_models.search``), ``cache`` (resume),
``pipeline`` (the rows), ``rows`` (ratios against AutoRAC and TORS), ``markdown`` and ``plots`` (docs/results.md,
docs/results/*.png), ``cli`` (``python -m experiments.codesign``).

Assumptions stated where they are made: the samples (8k-11k training rows) set the accuracy noise; the ``default``
and ``isaac`` presets are the hand-crafted chips; AutoRAC's "naively mapped" design is the compiler's ``naive``
strategy (reference D.3 [derived]).
"""
