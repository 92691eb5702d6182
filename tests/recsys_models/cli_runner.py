"""``recsys`` run in-process with its output captured: what the CLI-level tests of the recsys_models package share."""

from __future__ import annotations

import contextlib
import io
from types import SimpleNamespace


def run_recsys(*argv) -> SimpleNamespace:
    """``recsys ARGV...`` in this process -> ``returncode``, ``stdout``, ``stderr`` (arguments str()-ed)."""
    from recsys_models.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())
