"""The one error type of the model tools, rendered as ``error: <file>: <problem>``.

The convention is ``pimsim.spec.errors.SpecError``'s (one error type, one line naming the file or option, no
traceback), shared by the three tools: :class:`UserError` is a ``SpecError`` under the model tools' name, so every
command line and library caller that handles one handles the other.
"""

from __future__ import annotations

from pathlib import Path

from pimsim.spec.errors import SpecError


class UserError(SpecError):
    """Bad input to the model tools (a file, an option, a checkpoint): ``SpecError``'s fields and ``one_line``;
    the file may be given as a ``Path``."""

    def __init__(self, path: str | Path, message: str):
        super().__init__(str(path), message)
