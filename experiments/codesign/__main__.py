"""``python -m experiments.codesign``: see ``experiments.codesign.cli``."""

from experiments.codesign.cli import main

raise SystemExit(main())
