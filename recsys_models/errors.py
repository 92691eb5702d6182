"""The one error type of the model tools, rendered as ``error: <file>: <problem>``.

(``recsys_models`` may not import ``pimsim``, so it keeps its own small copy of
the convention that ``pimsim.spec.errors`` defines for the hardware tools.)
"""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    def __init__(self, path: str | Path, message: str):
        self.path = str(path)
        self.message = " ".join(str(message).split())
        super().__init__(f"{self.path}: {self.message}")

    def one_line(self) -> str:
        return f"error: {self.path}: {self.message}"
