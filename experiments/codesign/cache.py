"""JSON caches under ``build/`` that let an interrupted run resume: one file per (design, seed) and (design, chip).

An entry stores the key it was computed for; an entry whose key differs (another recipe, batch or chip) is
recomputed, never reused.  Files are written to a temporary name and renamed, so a kill leaves no half entry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cached(path: Path, key: dict[str, Any], compute: Callable[[], Any]) -> tuple[Any, bool]:
    """``(value, was_cached)``: the stored value if ``path`` holds one for ``key``, else ``compute()`` stored."""
    if path.exists():
        try:
            entry = json.loads(path.read_text())
        except ValueError:
            entry = None
        if isinstance(entry, dict) and entry.get("key") == json.loads(json.dumps(key)):
            return entry["value"], True
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"key": key, "value": value}, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return value, False
