"""``python -m recsys_models.cli`` = ``recsys`` (what ``torchrun -m recsys_models.cli train ...`` launches)."""

from recsys_models.cli import main

raise SystemExit(main())
