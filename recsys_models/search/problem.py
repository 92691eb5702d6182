"""The co-design search problem: a NASRec architecture with per-operator precisions, plus a PIM configuration.

A candidate is the JSON-able dict ``{"arch": <arch JSON>, "hw": {axis: value}}``
(``hw`` is empty when no ``--hw-space`` is given).  Sampling and one-key
mutation of the model half are ``recsys_models.space``'s (NASRec B.3 rules);
the hardware half re-draws one axis of the hardware space.  With a hardware
space, a mutation touches the model or the hardware with probability 1/2 each
(an assumption: the TORS paper does not publish its co-design mutation rule).

The engine draws from a ``random.Random``; the space helpers take a NumPy
generator, so each call seeds one from the engine's generator, which keeps the
whole search reproducible from ``--seed``.
"""

from __future__ import annotations

import hashlib
import json
import random

import numpy as np

from recsys_models.search.hw_space import HwSpace
from recsys_models.space import arch_from_json, arch_to_json, mutate, sample_arch


def _np(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def candidate_key(arch_json: dict, hw: dict) -> str:
    """Stable identity of a candidate: ``arch_hash`` of the model plus a digest of the hardware point.

    ``arch_hash`` is the SHA-256 of the canonical arch JSON, which is what ``arch_to_json`` produces, so the
    dict is hashed directly (no decode) -- the search hashes every child it draws.
    """
    arch_digest = hashlib.sha256(_canonical(arch_json).encode()).hexdigest()[:16]
    return f"{arch_digest}-{hashlib.sha256(_canonical(hw).encode()).hexdigest()[:8]}"


class CoDesignProblem:
    """Implements ``engine.Problem`` for the NASRec space (optionally quantised) x a hardware space."""

    def __init__(self, space, hw_space: HwSpace | None = None, quantized: bool = True, p_model: float = 0.5):
        self.space, self.hw_space, self.quantized = space, hw_space, quantized
        self.p_model = 1.0 if hw_space is None else p_model
        self._arch_cache: dict[str, object] = {}

    def sample(self, rng: random.Random) -> dict:
        arch = sample_arch(self.space, _np(rng), quantized=self.quantized)
        hw = self.hw_space.sample(rng) if self.hw_space else {}
        return {"arch": arch_to_json(arch, self.space), "hw": hw}

    def mutate(self, cand: dict, rng: random.Random) -> dict:
        # without a hardware space p_model is 1; the draw still comes first, so the random stream is the same
        if rng.random() < self.p_model or self.hw_space is None:
            arch = self._decode(cand["arch"])
            child = mutate(arch, self.space, _np(rng))
            if not self.quantized and child.quantized:  # a float-only search never gains precisions
                return cand
            return {"arch": arch_to_json(child, self.space), "hw": cand["hw"]}
        return {"arch": cand["arch"], "hw": self.hw_space.mutate(cand["hw"], rng)}

    def _decode(self, arch_json: dict):
        text = _canonical(arch_json)
        arch = self._arch_cache.get(text)
        if arch is None:
            if len(self._arch_cache) > 4096:
                self._arch_cache.clear()
            arch = self._arch_cache[text] = arch_from_json(arch_json, self.space)
        return arch

    def key(self, cand: dict) -> str:
        return candidate_key(cand["arch"], cand["hw"])
