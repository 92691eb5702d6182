"""Splitting a sweep into N jobs (``pimsim sweep --shard K/N``); importable without the sweep models."""

from __future__ import annotations

import dataclasses

from pimsim.spec.errors import SpecError


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 0 <= K < N; a one-line error otherwise."""
    k, sep, n = text.partition("/")
    if not (sep and k.isdigit() and n.isdigit()) or not 0 <= int(k) < int(n):
        raise SpecError("--shard", f"{text}: expected K/N with 0 <= K < N (e.g. 0/4 ... 3/4)")
    return int(k), int(n)


def shard(sweep, k: int, n: int):
    """Every n-th point starting at point k: shards 0..n-1 partition the sweep (Slurm job arrays)."""
    return dataclasses.replace(sweep, points=tuple(p for p in sweep.points if p.index % n == k))
