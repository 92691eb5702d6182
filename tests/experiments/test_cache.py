"""Resume caches: a stored value is reused only for the same key; a torn or foreign file is recomputed."""

from __future__ import annotations

from experiments.codesign.cache import cached


def test_cached_reuses_only_the_same_key(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"v": len(calls)}

    path = tmp_path / "a" / "seed0.json"
    assert cached(path, {"seed": 0}, compute) == ({"v": 1}, False)
    assert cached(path, {"seed": 0}, compute) == ({"v": 1}, True)
    assert cached(path, {"seed": 0, "batch": 64}, compute) == ({"v": 2}, False)  # another key: recomputed
    path.write_text("{not json")  # a torn entry
    assert cached(path, {"seed": 0, "batch": 64}, compute) == ({"v": 3}, False)
    assert len(calls) == 3 and not list(path.parent.glob("*.tmp*"))
