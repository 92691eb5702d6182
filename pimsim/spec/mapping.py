"""The mapping spec (``mapping.json``): what the compiler decided, for the simulator.

A mapping is a per-query operator graph (batch dimension removed: every shape
and count is for one inference) in schedule order, each operator bound to a
hardware unit:

- ``mvm``: a matrix-vector product with static weights, split into crossbar
  blocks (row range x column range x weight bit-slices) placed on
  (tile, pe, crossbar) with offsets inside the crossbar;
- ``dynamic_mvm``: a product of two activations (dot-product interaction,
  attention), on the tile's vector unit or on crossbars written at run time;
- ``embedding``: table lookups (with pooling) from on-chip ReRAM or DRAM;
- ``vector``: element-wise, reduction and nonlinear work on a tile's vector unit;
- ``copy``: data movement that truly rewrites the data in the tile buffer
  (index gathers, broadcasts, non-contiguous slices, im2col);
- ``view``: addressing on stored values, kept so the mapping stays a complete,
  executable description of the model: ``layout`` ``alias`` (Reshape,
  Transpose, Squeeze, ... : the consumer reads the input's storage whole),
  ``concat`` (Concat: each part stays where it was written) or ``range`` (Split,
  Slice, Gather of one contiguous run: one address range of the input) or
  ``window`` (``pim.Im2Col``: a convolution's sliding windows, read from where
  the input was written -- streamed, never materialised; ``pimsim.cost.views``).

``pipeline`` says when a consumer may start: ``layer`` (default) when its
producers have finished; ``element``: a convolution starts on the rows of its
input that exist (row-granular inter-layer pipelining, ISAAC Sec. 3) and its
input is resident only as a line buffer (``pimsim.cost.buffers``).

An ``mvm`` with ``replicas`` copies of its weights spreads one query's ``m``
input vectors over ``copies_per_query`` of them (vector-parallel replication,
schema version 2); the copies form ``replicas / copies_per_query`` groups and
query ``q`` uses group ``q mod groups``.  A ``dynamic_mvm`` on the vector unit
may likewise spread its ``m`` rows over the vector units of its home tile and
its ``vector_tiles``.

Every operator keeps its ONNX ``op_type`` and the attributes (``attrs``) its
semantics need; ``pimsim.spec.semantics`` defines what each op_type computes
(NumPy), shared by the compiler's IR interpreter and the functional simulator.
Constant tensors (weights, biases, index tables) are values with
``constant: true``; their data is in a NumPy ``.npz`` sidecar named by
``weights_file`` (relative to the mapping file), which the timing simulation
never reads.

Values (tensors) carry their per-query shape and bit width; the simulator
derives NoC transfers from where each value is produced and consumed.

The file embeds the full architecture it was compiled for together with that
architecture's hash, so it is self-contained and a mismatch is detected.
The compiler writes it by constructing these same models, so the schema
exists exactly once; ``docs/schemas/mapping.schema.json`` is generated from it.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from pimsim.spec.arch import ArchSpec, validation_message
from pimsim.spec.errors import SpecError

if TYPE_CHECKING:
    AttrValue = Any
    """For the type checker only: an attribute's type depends on the op type (``kernel_shape`` a list of ints,
    ``axis`` an int), which a per-key record would state and the recursive ``JsonValue`` union cannot (every read
    would need a cast).  Validation at run time is unchanged: ``JsonValue``."""
else:
    AttrValue = JsonValue

MAPPING_SCHEMA_VERSION = 2
"""Version written by this tool.  Version 1 (no ``copies_per_query``, no view ``layout``) is still read, with its
meaning -- one copy per query, every view an alias of its one input -- and upgraded to 2 in memory."""
READABLE_SCHEMA_VERSIONS = (1, 2)
V2_OPERATOR_FIELDS = ("copies_per_query", "layout", "vector_tiles")
VIEW_LAYOUTS = ("alias", "concat", "range", "window")
PIPELINES = ("layer", "element")
VECTOR_OP_CLASSES = ("add", "mul", "div", "compare", "nonlinear", "copy")
"""Kinds of element operation a vector unit prices (see pimsim.components)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Precision(_Strict):
    weight_bits: int | None = Field(None, ge=1, le=16, description="static-weight bits (mvm only)")
    input_bits: int = Field(ge=1, le=32, description="bits of each input activation")
    output_bits: int = Field(ge=1, le=32, description="bits of each output activation")
    adc_bits: int | None = Field(None, ge=1, le=16, description="ADC resolution used (crossbar ops)")


class ValueInfo(_Strict):
    name: str
    shape: list[Annotated[int, Field(ge=0)]] = Field(description="per-query shape (no batch dimension)")
    dtype: str = Field("float32", description="numpy dtype name of the model's tensor")
    bits: int = Field(ge=1, le=64, description="bits per element as stored and moved")
    constant: bool = Field(False, description="weights/constants: stored where used, never moved")
    batch_axis: int | None = Field(
        None, ge=0, description="axis of the model tensor removed from shape (size Mapping.batch); None: no batch axis"
    )

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def size_bits(self) -> int:
        return self.numel * self.bits


class CrossbarBlock(_Strict):
    """One rectangle of a weight matrix stored in one crossbar."""

    tile: int = Field(ge=0)
    pe: int = Field(ge=0)
    crossbar: int = Field(ge=0)
    replica: int = Field(0, ge=0, description="which copy of the operator this block belongs to")
    row_start: int = Field(ge=0, description="first weight row (input feature) stored")
    rows: int = Field(ge=1)
    col_start: int = Field(ge=0, description="first weight column (output feature) stored")
    cols: int = Field(ge=1, description="logical weight columns stored")
    slice_start: int = Field(0, ge=0, description="first weight bit-slice stored")
    slice_count: int = Field(ge=1, description="weight bit-slices stored (each cell_bits wide)")
    sign_columns: Literal[1, 2] = Field(description="2 for differential +/- pairs, 1 for offset encoding")
    xbar_row_offset: int = Field(0, ge=0, description="first physical row used (packing)")
    xbar_col_offset: int = Field(0, ge=0, description="first physical column used (packing)")

    @property
    def physical_cols(self) -> int:
        return self.cols * self.slice_count * self.sign_columns


class _OpBase(_Strict):
    name: str
    op_type: str = Field(description="the ONNX op type(s) this came from, '+'-joined when fused")
    source_nodes: list[str] = Field(default_factory=list, description="ONNX node names")
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, AttrValue] = Field(default_factory=dict, description="ONNX attributes the semantics need")
    precision: Precision
    tile: int = Field(ge=0, description="home tile: where outputs are assembled")


class MvmOp(_OpBase):
    kind: Literal["mvm"]
    m: int = Field(ge=1, description="input vectors per query (1 for a Gemm on [B,K])")
    k: int = Field(ge=1, description="weight rows = input features")
    n: int = Field(ge=1, description="weight columns = output features")
    replicas: int = Field(1, ge=1, description="copies of the weights (blocks carry their copy in ``replica``)")
    copies_per_query: int = Field(
        1, ge=1, description="copies one query's m input vectors are spread over (schema 2; divides replicas)")
    blocks: list[CrossbarBlock] = Field(min_length=1)

    @property
    def groups(self) -> int:
        """Copy groups that serve alternate queries (query q uses group q mod groups)."""
        return self.replicas // self.copies_per_query


class DynamicMvmOp(_OpBase):
    kind: Literal["dynamic_mvm"]
    count: int = Field(ge=1, description="independent [m,k]x[k,n] products per query (heads, groups)")
    m: int = Field(ge=1)
    k: int = Field(ge=1)
    n: int = Field(ge=1)
    implementation: Literal["vector", "crossbar_write"]
    blocks: list[CrossbarBlock] = Field(default_factory=list, description="crossbars written at run time")
    vector_tiles: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="implementation vector: other tiles whose vector units share the m rows "
                                          "with the home tile (schema 2)")


class EmbeddingOp(_OpBase):
    kind: Literal["embedding"]
    tables: int = Field(ge=1, description="tables looked up by this operator")
    rows: int = Field(ge=1, description="rows per table (largest)")
    dim: int = Field(ge=1, description="embedding dimension")
    lookups: int = Field(ge=1, description="rows read per table per query (pooling factor)")
    storage: Literal["onchip", "dram"]


class VectorOp(_OpBase):
    kind: Literal["vector"]
    ops: dict[str, Annotated[int, Field(ge=0)]] = Field(
        description="element operations per query by class (add, mul, ...)"
    )

    @field_validator("ops")
    @classmethod
    def _known_classes(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - set(VECTOR_OP_CLASSES))
        if unknown:
            raise ValueError(f"unknown operation class {unknown[0]!r} (classes: {', '.join(VECTOR_OP_CLASSES)})")
        return v


class CopyOp(_OpBase):
    kind: Literal["copy"]
    bits: int = Field(ge=0, description="bits copied through the tile buffer per query")


class ViewOp(_OpBase):
    kind: Literal["view"]
    layout: Literal["alias", "concat", "range", "window"] = Field(
        "alias", description="alias: the input's storage whole; concat: the inputs' storage in order; range: one "
                             "contiguous address range of the input (schema 2); window: a convolution's sliding "
                             "windows over the input (pim.Im2Col attrs), streamed, not stored")


Operator = Annotated[
    Union[MvmOp, DynamicMvmOp, EmbeddingOp, VectorOp, CopyOp, ViewOp], Field(discriminator="kind")
]


class ModelInfo(_Strict):
    path: str = Field(description="the ONNX file as given to the compiler")
    sha256: str
    name: str
    opset: int = Field(ge=1)


class Mapping(_Strict):
    schema_version: Literal[1, 2]
    tool: str = Field(description="compiler name and version")
    model: ModelInfo
    arch_sha256: str
    arch: ArchSpec
    strategy: Literal["naive", "optimized"]
    batch: int = Field(1, ge=1, description="batch the operators' attrs were compiled for (per-query counts divide by it)")
    pipeline: Literal["layer", "element"] = Field(
        "layer", description="layer: an operator starts when its inputs are complete; element: a convolution "
                             "starts on the input rows that exist and holds its input as a line buffer")
    inputs: list[str] = Field(description="graph inputs, arriving over the chip I/O link")
    outputs: list[str] = Field(description="graph outputs, leaving over the chip I/O link")
    values: list[ValueInfo]
    operators: list[Operator] = Field(description="in schedule (topological) order")
    weights_file: str | None = Field(None, description="npz of constant values, relative to this file")
    weights_sha256: str | None = None

    def value(self, name: str) -> ValueInfo:
        return self._values_by_name()[name]

    def _values_by_name(self) -> dict[str, ValueInfo]:
        return {v.name: v for v in self.values}


# ---------------------------------------------------------------------------
# Reading, writing and checking against the architecture.


def mapping_from_dict(data, path: str) -> Mapping:
    if not isinstance(data, dict):
        raise SpecError(path, "expected a JSON object at the top level")
    version = data.get("schema_version")
    if version not in READABLE_SCHEMA_VERSIONS:
        raise SpecError(path, f"schema_version={version}: unsupported (this tool reads "
                              f"{', '.join(map(str, READABLE_SCHEMA_VERSIONS))})")
    if version == 1:  # read with its old meaning, which version 2's defaults express
        _check_v1_fields(data, path)
        data = {**data, "schema_version": MAPPING_SCHEMA_VERSION}
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise SpecError(path, validation_message(exc, data)) from None
    check_mapping_once(mapping, path)
    return mapping


def _check_v1_fields(data: dict, path: str) -> None:
    """A version-1 file read with its old meaning may not use fields version 2 introduced."""
    for op in data.get("operators") or []:
        if isinstance(op, dict):
            for key in V2_OPERATOR_FIELDS:
                if key in op:
                    raise SpecError(path, f"operator {op.get('name', '?')}: field {key} needs schema_version 2 "
                                          "(this file says schema_version=1)")


def load_mapping(path: str | Path) -> Mapping:
    from pimsim.spec.io import read_json

    return mapping_from_dict(read_json(path), str(path))


def mapping_to_json_dict(mapping: Mapping) -> dict:
    return mapping.model_dump(mode="json")


def write_mapping(mapping: Mapping, path: str | Path) -> None:
    """Validate, then write atomically as canonical JSON (same input, same bytes)."""
    from pimsim.spec.io import atomic_write_json

    check_mapping(mapping, str(path))
    atomic_write_json(path, mapping_to_json_dict(mapping))


_CHECKED: OrderedDict[int, Mapping] = OrderedDict()
"""id -> the latest mappings :func:`check_mapping_once` passed (held, so their ids are not reused; mappings are
frozen pydantic models, so the verdict stays true)."""


def check_mapping_once(mapping: Mapping, path: str) -> None:
    """``check_mapping`` once per mapping object: ``load_mapping``, the CLI's estimate, the batch-1 run and the
    stream (and a ``--duration-ms`` pilot) of one mapping share the verdict (one check per ``pimsim run``)."""
    if _CHECKED.get(id(mapping)) is mapping:
        _CHECKED.move_to_end(id(mapping))
        return
    check_mapping(mapping, path)
    _CHECKED[id(mapping)] = mapping
    while len(_CHECKED) > 4:
        _CHECKED.popitem(last=False)


def check_mapping(mapping: Mapping, path: str) -> None:
    """Check the mapping against itself and against the architecture it embeds."""
    arch = mapping.arch
    if arch.sha256() != mapping.arch_sha256:
        raise SpecError(path, "arch_sha256 does not match the embedded architecture (edited by hand?)")
    _check_values(mapping, path)
    op_names = [op.name for op in mapping.operators]
    dup_ops = sorted({n for n in op_names if op_names.count(n) > 1})
    if dup_ops:
        raise SpecError(path, f"operator {dup_ops[0]} is declared twice")
    occupied: dict[tuple[int, int, int], list[tuple[str, int, int, int, int]]] = {}
    kinds: dict[int, ArchSpec] = {}  # tile -> its kind's view (asked once per tile, not per block)
    for op in mapping.operators:
        if op.tile >= arch.chip.tiles:
            raise SpecError(path, f"operator {op.name}: tile {op.tile} does not exist (chip has {arch.chip.tiles})")
        for block in getattr(op, "blocks", []):
            _check_block(op.name, block, arch, path, occupied, kinds)
        if op.kind in ("mvm", "dynamic_mvm"):
            _check_adc_bits(op, arch, path)
        if op.kind == "mvm":
            _check_copies(op, arch, path)
            _check_mvm_cover(op, arch, path)
        elif op.kind == "dynamic_mvm":
            _check_vector_tiles(op, arch, path)
        elif op.kind == "view":
            _check_view(op, mapping, path)


def _check_adc_bits(op, arch, path: str) -> None:
    """A crossbar operator's ``precision.adc_bits`` must be a resolution its tile's ADC converts at."""
    bits = op.precision.adc_bits
    if bits is None:
        return
    for tile in sorted({op.tile} | {b.tile for b in getattr(op, "blocks", [])}):  # each tile's kind's ADC
        adc = arch.tile_arch(tile).pe.adc
        if not adc.lowest_bits <= bits <= adc.bits:
            raise SpecError(path, f"operator {op.name}: precision.adc_bits={bits}: the ADC of tile {tile} converts "
                                  f"{adc.lowest_bits}-{adc.bits} bits")


def _check_values(mapping: Mapping, path: str) -> None:
    names = [v.name for v in mapping.values]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SpecError(path, f"value {sorted(dup)[0]} is declared twice")
    known = set(names)
    produced = set(mapping.inputs) | {v.name for v in mapping.values if v.constant}
    for name in mapping.inputs + mapping.outputs:
        if name not in known:
            raise SpecError(path, f"graph input/output {name} is not among values")
    for op in mapping.operators:
        for name in op.inputs:
            if name not in known:
                raise SpecError(path, f"operator {op.name}: input {name} is not among values")
            if name not in produced:
                raise SpecError(path, f"operator {op.name}: input {name} is used before it is produced")
        for name in op.outputs:
            if name not in known:
                raise SpecError(path, f"operator {op.name}: output {name} is not among values")
            if name in produced:
                raise SpecError(path, f"operator {op.name}: value {name} is produced twice")
            produced.add(name)
    missing = [n for n in mapping.outputs if n not in produced]
    if missing:
        raise SpecError(path, f"graph output {missing[0]} is never produced")


def _check_block(op_name: str, b: CrossbarBlock, arch: ArchSpec, path: str, occupied: dict,
                 kinds: dict[int, ArchSpec]) -> None:
    if b.tile >= arch.chip.tiles:
        raise SpecError(path, f"{_where(op_name, b)}: tile {b.tile} does not exist (chip has {arch.chip.tiles})")
    if b.tile not in kinds:
        kinds[b.tile] = arch.tile_arch(b.tile)
    arch = kinds[b.tile]  # the block's tile kind: its PEs, crossbars and crossbar size
    if b.pe >= arch.tile.pes:
        raise SpecError(path, f"{_where(op_name, b)}: pe {b.pe} does not exist (tile has {arch.tile.pes})")
    if b.crossbar >= arch.pe.crossbars:
        raise SpecError(path, f"{_where(op_name, b)}: crossbar {b.crossbar} does not exist "
                              f"(pe has {arch.pe.crossbars})")
    xbar = arch.pe.crossbar
    if b.xbar_row_offset + b.rows > xbar.rows:
        raise SpecError(path, f"{_where(op_name, b)}: rows {b.xbar_row_offset}+{b.rows} exceed the crossbar's "
                              f"{xbar.rows}")
    if b.xbar_col_offset + b.physical_cols > xbar.cols:
        raise SpecError(
            path, f"{_where(op_name, b)}: columns {b.xbar_col_offset}+{b.physical_cols} exceed the crossbar's "
                  f"{xbar.cols}"
        )
    rect = (b.xbar_row_offset, b.xbar_row_offset + b.rows, b.xbar_col_offset, b.xbar_col_offset + b.physical_cols)
    key = (b.tile, b.pe, b.crossbar)
    for other_name, r0, r1, c0, c1 in occupied.get(key, []):
        if rect[0] < r1 and r0 < rect[1] and rect[2] < c1 and c0 < rect[3]:
            raise SpecError(path, f"{_where(op_name, b)}: overlaps cells already used by operator {other_name}")
    occupied.setdefault(key, []).append((op_name, *rect))


def _where(op_name: str, b: CrossbarBlock) -> str:
    return f"operator {op_name}: block on tile {b.tile} pe {b.pe} crossbar {b.crossbar}"


def _check_copies(op: MvmOp, arch: ArchSpec, path: str) -> None:
    """Copies fit the chip, form whole groups, and every copy of a group gets input vectors."""
    if op.replicas > arch.crossbars_per_chip:
        raise SpecError(path, f"operator {op.name}: replicas={op.replicas} copies need at least {op.replicas} "
                              f"crossbars, the chip has {arch.crossbars_per_chip}")
    if op.copies_per_query > op.m:
        raise SpecError(path, f"operator {op.name}: copies_per_query={op.copies_per_query} spreads m={op.m} input "
                              f"vectors: {op.copies_per_query - op.m} copies would have no vector")
    if op.replicas % op.copies_per_query:
        raise SpecError(path, f"operator {op.name}: replicas={op.replicas} is not a multiple of "
                              f"copies_per_query={op.copies_per_query} (copies form whole groups)")


def _check_vector_tiles(op: DynamicMvmOp, arch: ArchSpec, path: str) -> None:
    """Extra vector units: only for the vector implementation, existing, distinct, each with rows to work on."""
    tiles = [op.tile] + list(op.vector_tiles)
    if not op.vector_tiles:
        return
    if op.implementation != "vector":
        raise SpecError(path, f"operator {op.name}: vector_tiles needs implementation vector, not {op.implementation}")
    for t in op.vector_tiles:
        if t >= arch.chip.tiles:
            raise SpecError(path, f"operator {op.name}: vector tile {t} does not exist (chip has {arch.chip.tiles})")
    if len(set(tiles)) != len(tiles):
        raise SpecError(path, f"operator {op.name}: vector_tiles {op.vector_tiles} repeat a tile or the home tile "
                              f"{op.tile}")
    if len(tiles) > op.m:
        raise SpecError(path, f"operator {op.name}: {len(tiles)} vector units share m={op.m} rows: "
                              f"{len(tiles) - op.m} would have no row")


def _check_view(op: ViewOp, mapping: Mapping, path: str) -> None:
    """The layout's arithmetic: an alias and a range read one input, a concatenation is its inputs in order."""
    values = mapping._values_by_name()
    acts = [values[n] for n in op.inputs if not values[n].constant]
    outs = [values[n] for n in op.outputs]
    where = f"operator {op.name}: view layout {op.layout!r}"
    if op.layout in ("alias", "range", "window") and len(acts) != 1:
        raise SpecError(path, f"{where} reads exactly one non-constant input, it has {len(acts)}")
    if op.layout in ("alias", "concat", "window") and len(outs) != 1:
        raise SpecError(path, f"{where} has exactly one output, it has {len(outs)}")
    total = sum(v.numel for v in acts)
    if op.layout == "alias" and outs[0].numel != total:
        raise SpecError(path, f"{where}: output {outs[0].name} has {outs[0].numel} elements, its input {total}")
    if op.layout == "concat" and outs[0].numel != total:
        raise SpecError(path, f"{where}: output {outs[0].name} has {outs[0].numel} elements, the inputs {total}")
    if op.layout == "window":
        _check_window(op, acts[0], outs[0], where, path)
    if op.layout == "range":
        for v in outs:
            if v.numel > total:
                raise SpecError(path, f"{where}: output {v.name} ({v.numel} elements) is larger than its input "
                                      f"({total})")


def _check_window(op: ViewOp, x: ValueInfo, out: ValueInfo, where: str, path: str) -> None:
    """A window view's attrs describe its input's windows: the output is exactly the im2col of the input."""
    kernel = op.attrs.get("kernel_shape")
    if not isinstance(kernel, list) or not kernel or len(kernel) + 1 > len(x.shape):
        raise SpecError(path, f"{where}: attrs.kernel_shape must list one size per spatial axis of input {x.name} "
                              f"(shape {x.shape}: channels, then the spatial axes)")
    nd = len(kernel)
    spatial, lead = x.shape[-nd:], _product(x.shape[:-nd])  # lead: channels (times a kept batch axis of 1)
    strides = op.attrs.get("strides") or [1] * nd
    dil = op.attrs.get("dilations") or [1] * nd
    pads = op.attrs.get("pads") or [0] * 2 * nd
    try:
        spans = [spatial[i] + pads[i] + pads[i + nd] - dil[i] * (kernel[i] - 1) - 1 for i in range(nd)]
        windows = 1
        for i in range(nd):
            windows *= spans[i] // strides[i] + 1 if spans[i] >= 0 else 0
    except (IndexError, TypeError, ZeroDivisionError) as exc:
        raise SpecError(path, f"{where}: attrs do not describe windows over {x.name}: {exc}") from None
    expected = windows * lead * _product(kernel)
    if out.numel != expected:
        raise SpecError(path, f"{where}: output {out.name} has {out.numel} elements, the windows of {x.name} "
                              f"{expected}")


def _product(xs) -> int:
    n = 1
    for v in xs:
        n *= int(v)
    return n


def _check_mvm_cover(op: MvmOp, arch: ArchSpec, path: str) -> None:
    """Every (row, col, slice) of every replica's weight matrix is stored exactly once."""
    wbits = op.precision.weight_bits
    if wbits is None:
        raise SpecError(path, f"operator {op.name}: mvm needs precision.weight_bits")
    slices = -(-wbits // arch.pe.crossbar.cell_bits)
    expected = op.k * op.n * slices
    for replica in range(op.replicas):
        covered = 0
        for b in op.blocks:
            if b.replica != replica:
                continue
            if b.row_start + b.rows > op.k or b.col_start + b.cols > op.n or b.slice_start + b.slice_count > slices:
                raise SpecError(path, f"operator {op.name}: a block lies outside the {op.k}x{op.n}x{slices} weights")
            covered += b.rows * b.cols * b.slice_count
        if covered != expected:
            raise SpecError(
                path,
                f"operator {op.name}: replica {replica} blocks store {covered} weight cells-slices, "
                f"expected k*n*slices = {expected}",
            )
    if any(b.replica >= op.replicas for b in op.blocks):
        raise SpecError(path, f"operator {op.name}: a block names a replica >= replicas={op.replicas}")
