"""The one error type users see, and its one-line rendering.

Every tool reports bad input as ``error: <file>: <what is wrong>`` and exits
non-zero without a traceback (unless ``--debug``).  Library code raises
:class:`SpecError` with the file it was reading; the command-line wrappers
print :meth:`SpecError.one_line`.
"""

from __future__ import annotations


class SpecError(Exception):
    """Bad user input: a file that is missing, malformed or inconsistent.

    Parameters
    ----------
    path : str
        The file the problem is in (or the command-line option, when no file).
    message : str
        What is wrong, naming the field or item (``crossbar.rows=300: must be
        a power of two``).
    """

    def __init__(self, path: str, message: str):
        self.path = str(path)
        self.message = " ".join(str(message).split())  # keep it on one line
        super().__init__(f"{self.path}: {self.message}")

    def one_line(self) -> str:
        return f"error: {self.path}: {self.message}"
