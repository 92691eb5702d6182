"""Execute a whole mapping functionally: the model's outputs as the mapped hardware computes them.

Every operator runs with its reference semantics (:mod:`pimsim.spec.semantics`)
on a batch of queries (a leading batch axis added to the mapping's per-query
shapes); only the arithmetic of crossbar operators is replaced:

- ``mvm`` (``x @ W + b`` with constant ``W``): :mod:`.crossbar` numerics with
  the operator's ``weight_bits``/``input_bits``/``adc_bits``, the
  architecture's ``cell_bits`` and DAC width, the encoding its blocks use
  (2 sign columns = differential, 1 = offset) and its blocks' row ranges; the
  bias is added digitally;
- ``dynamic_mvm`` implemented as ``crossbar_write``: the second operand is
  written into crossbars per query and read like a static matrix.

Digital operators (vector, embedding, vector-implemented dynamic_mvm) run in
float and their inputs and outputs are quantised to the operator's
``input_bits``/``output_bits`` with one dynamic range per vector along the
last axis (per embedding row, per feature vector; :func:`.quantize.fake_quantize`),
as row-wise quantised embedding tables and per-token activation scales do; ``view`` and ``copy`` move data unchanged.
``ideal`` replaces every precision by 16-bit crossbars with lossless ADCs and
float digital work: its outputs equal the float model's to ~1e-5.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from pimsim.functional.crossbar import (
    CrossbarNumerics,
    NonIdeality,
    ProgrammedMatrix,
    mvm,
    program,
    row_blocks_from_mapping,
)
from pimsim.functional.quantize import FLOAT_BITS, fake_quantize
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping, load_mapping

IDEAL_BITS = 16
"""Weight and input precision of ``ideal`` mode (the mapping format's maximum weight_bits)."""

_QUANTISED_KINDS = ("vector", "embedding", "dynamic_mvm")


@dataclass(frozen=True)
class FunctionalSettings:
    """How to execute: ideal, device non-idealities, and precision overrides for sweeps.

    ``weight_bits``/``input_bits``/``adc_bits`` override every crossbar operator's
    precision when given; ``adc_range`` selects the ADC model (see :mod:`.crossbar`).
    """

    ideal: bool = False
    variation_sigma: float = 0.0
    stuck_at_rate: float = 0.0
    seed: int = 0
    weight_bits: int | None = None
    input_bits: int | None = None
    adc_bits: int | None = None
    adc_range: Literal["clip", "full"] = "clip"
    per_column_scale: bool = True

    def __post_init__(self):
        if self.adc_range not in ("clip", "full"):
            raise ValueError(f"adc_range must be 'clip' or 'full', got {self.adc_range!r}")
        if self.variation_sigma < 0 or not 0 <= self.stuck_at_rate <= 1:
            raise ValueError("variation_sigma must be >= 0 and stuck_at_rate in [0, 1]")

    def numerics(self, op, mapping: Mapping, encoding: Literal["differential", "offset"]) -> CrossbarNumerics:
        p, arch = op.precision, mapping.arch
        nm = CrossbarNumerics(
            weight_bits=self.weight_bits or p.weight_bits or p.input_bits,
            input_bits=self.input_bits or p.input_bits,
            cell_bits=arch.pe.crossbar.cell_bits,
            dac_bits=arch.pe.dac.bits,
            adc_bits=self.adc_bits or p.adc_bits or arch.pe.adc.bits,
            encoding=encoding,
            adc_range=self.adc_range,
            per_column_scale=self.per_column_scale,
        )
        if self.ideal:
            return replace(nm, weight_bits=IDEAL_BITS, input_bits=IDEAL_BITS, adc_bits=None)
        return nm

    def nonideality(self, op_index: int) -> NonIdeality:
        if self.ideal:
            return NonIdeality()
        seed = int(np.random.SeedSequence([self.seed, op_index]).generate_state(1)[0])
        return NonIdeality(self.variation_sigma, self.stuck_at_rate, seed)


def load_constants(mapping: Mapping, mapping_path: str | Path) -> dict[str, np.ndarray]:
    """The constant values of a mapping, read from its weights sidecar (hash checked)."""
    names = [v.name for v in mapping.values if v.constant]
    if not names:
        return {}
    if mapping.weights_file is None:
        raise SpecError(str(mapping_path), f"constant value {names[0]} but no weights_file: cannot execute")
    from pimsim.spec.io import read_bytes

    path = Path(mapping_path).parent / mapping.weights_file
    if not path.exists():
        raise SpecError(str(path), "weights file named by the mapping is missing")
    data = read_bytes(path)  # a FIFO or device named by the mapping is refused, not opened
    if mapping.weights_sha256 and hashlib.sha256(data).hexdigest() != mapping.weights_sha256:
        raise SpecError(str(path), "sha256 does not match the mapping's weights_sha256 (stale weights file?)")
    with np.load(path, allow_pickle=False) as npz:
        missing = [n for n in names if n not in npz.files]
        if missing:
            raise SpecError(str(path), f"constant value {missing[0]} is not in the weights file")
        values = {v.name: v for v in mapping.values}
        return {n: _declared_shape(npz[n], values[n].shape) for n in names}


def _declared_shape(array: np.ndarray, shape: list[int]) -> np.ndarray:
    """A constant in the shape the mapping declares (a 0-d tensor may be stored as shape (1,))."""
    if list(array.shape) != list(shape) and array.size == int(np.prod(shape, dtype=np.int64)):
        return array.reshape(shape)
    return array


class FunctionalModel:
    """A mapping with its weights programmed into (simulated) crossbars, ready to run batches.

    Parameters
    ----------
    mapping : Mapping
    constants : dict
        Constant tensors by value name (:func:`load_constants`).
    settings : FunctionalSettings
    """

    def __init__(self, mapping: Mapping, constants: dict[str, np.ndarray], settings: FunctionalSettings):
        self.mapping, self.constants, self.settings = mapping, constants, settings
        self._values = {v.name: v for v in mapping.values}
        self._programmed: dict[str, ProgrammedMatrix] = {}
        for index, op in enumerate(mapping.operators):
            if op.kind == "mvm":
                self._programmed[op.name] = self._program(op, index)

    def _program(self, op, index: int) -> ProgrammedMatrix:
        w = self.constants.get(op.inputs[1]) if len(op.inputs) > 1 else None
        if w is None or w.shape != (op.k, op.n):
            shape = None if w is None else w.shape
            raise SpecError(self.mapping.model.path, f"operator {op.name}: mvm needs a constant W[{op.k}, {op.n}] "
                                                     f"as its second input, found {shape}")
        encoding: Literal["differential", "offset"] = "differential" if op.blocks[0].sign_columns == 2 else "offset"
        nm = self.settings.numerics(op, self.mapping, encoding)
        slices = -(-(op.precision.weight_bits or nm.weight_bits) // nm.cell_bits)
        blocks = row_blocks_from_mapping(op.blocks, op.k, op.n, slices)
        new_slices = -(-nm.weight_bits // nm.cell_bits)
        if new_slices != slices:  # precision overridden: keep the row ranges, widen masks to all slices
            blocks = [(r0, rows, None if m is None else np.broadcast_to(m.any(axis=0), (new_slices, op.n)))
                      for r0, rows, m in blocks]
        return program(w, nm, blocks, self.settings.nonideality(index))

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs (by graph output name) for a batch of inputs (leading batch axis)."""
        env = dict(self.constants)
        for name in self.mapping.inputs:
            if name not in inputs:
                raise SpecError("--inputs", f"graph input {name} is missing (have {sorted(inputs)})")
            env[name] = self._checked_input(name, inputs[name])
        for op in self.mapping.operators:
            args = [env[n] if n else None for n in op.inputs]
            if op.kind in _QUANTISED_KINDS and not (op.kind == "dynamic_mvm" and op.implementation != "vector"):
                args = [a if not n or self._values[n].constant else self._quantize(a, op.precision.input_bits)
                        for n, a in zip(op.inputs, args)]
            try:
                results = self._execute(op, args)
            except IndexError as exc:  # the mapping was validated: only ids given in --inputs can be out of range
                raise SpecError("--inputs", f"operator {op.name}: {exc} (ids out of the table's range)") from None
            for name, value in zip(op.outputs, results):
                env[name] = value
        return {name: env[name] for name in self.mapping.outputs}

    def _checked_input(self, name: str, x) -> np.ndarray:
        """A graph input with a leading batch axis and the mapping's per-query shape."""
        x, want = np.asarray(x), self._values[name]
        if x.ndim != len(want.shape) + 1 or list(x.shape[1:]) != list(want.shape):
            raise SpecError("--inputs", f"graph input {name} has shape {list(x.shape)}: expected "
                                        f"[batch, {', '.join(map(str, want.shape))}]")
        if x.shape[0] < 1:
            raise SpecError("--inputs", f"graph input {name} has an empty batch")
        if np.dtype(want.dtype).kind in "iu" and x.dtype.kind not in "iub":
            raise SpecError("--inputs", f"graph input {name} is {x.dtype}: expected integer ids ({want.dtype})")
        return x.astype(want.dtype, copy=False)

    def _execute(self, op, args: list) -> list:
        from pimsim.spec.semantics import run_op

        if op.kind == "mvm":
            return [self._digital_out(op, self._mvm(op, args))]
        if op.kind == "dynamic_mvm" and op.implementation == "crossbar_write":
            return [self._digital_out(op, self._dynamic_mvm(op, args))]
        if op.kind in _QUANTISED_KINDS:
            return [self._digital_out(op, y) for y in run_op(op.op_type, args, dict(op.attrs))]
        return run_op(op.op_type, args, dict(op.attrs))

    def _mvm(self, op, args: list) -> np.ndarray:
        x = args[0]
        y = mvm(self._programmed[op.name], x)
        if len(args) > 2 and args[2] is not None:
            y = y + args[2]
        return y.astype(x.dtype, copy=False)

    def _dynamic_mvm(self, op, args: list) -> np.ndarray:
        """``a @ b`` per query with ``b`` written into crossbars (a slow path: one programming per matrix)."""
        a, b = np.asarray(args[0]), np.asarray(args[1])
        lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a, b = np.broadcast_to(a, lead + a.shape[-2:]), np.broadcast_to(b, lead + b.shape[-2:])
        nm = self.settings.numerics(op, self.mapping, "differential")
        out = np.empty(lead + (a.shape[-2], b.shape[-1]))
        rows = self.mapping.arch.pe.crossbar.rows
        blocks: list[tuple[int, int, np.ndarray | None]] = [(r0, min(rows, b.shape[-2] - r0), None)
                                                            for r0 in range(0, b.shape[-2], rows)]
        for idx in np.ndindex(*lead):
            out[idx] = mvm(program(b[idx], nm, blocks), a[idx])
        return out.astype(args[0].dtype, copy=False)

    def _quantize(self, x, bits: int):
        if self.settings.ideal or x is None or bits >= FLOAT_BITS:
            return x
        return fake_quantize(x, bits, vector_axes=np.ndim(x) - 1) if np.ndim(x) > 1 else x

    def _digital_out(self, op, y):
        return self._quantize(y, op.precision.output_bits)


def infer(
    mapping: str | Path | Mapping,
    inputs: dict[str, np.ndarray],
    ideal: bool = False,
    variation_sigma: float = 0.0,
    stuck_at_rate: float = 0.0,
    seed: int = 0,
    constants: dict[str, np.ndarray] | None = None,
    **overrides,
) -> dict[str, np.ndarray]:
    """The mapped model's outputs for a batch, as the crossbars and ADCs compute them.

    Parameters
    ----------
    mapping : path or Mapping
        A mapping.json (its weights sidecar is read) or a loaded mapping (then
        pass ``constants``).
    inputs : dict
        Graph inputs by name, each with a leading batch axis.
    ideal : bool
        16-bit crossbars, lossless ADCs, float digital ops, no device errors.
    variation_sigma, stuck_at_rate, seed :
        Device non-idealities (see :mod:`.crossbar`).
    overrides :
        ``weight_bits``, ``input_bits``, ``adc_bits``, ``adc_range``, ``per_column_scale``.
    """
    model = prepare(mapping, FunctionalSettings(ideal, variation_sigma, stuck_at_rate, seed, **overrides), constants)
    return model.run(inputs)


def prepare(mapping, settings: FunctionalSettings, constants: dict | None = None) -> FunctionalModel:
    """Load (if a path) and program a mapping once, to run many batches."""
    if not isinstance(mapping, Mapping):
        path = mapping
        mapping = load_mapping(path)
        constants = load_constants(mapping, path) if constants is None else constants
    elif constants is None:
        raise ValueError("a loaded Mapping needs its constants (pimsim.functional.load_constants)")
    return FunctionalModel(mapping, constants, settings)
