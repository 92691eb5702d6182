"""Read an ONNX file into the IR: checks, inputs with their dimensions bound, initializers, lowering.

Lookup tables above 1 MiB stored in external data files (needed above
protobuf's 2 GiB limit, ``onnx_and_ecosystem.md`` 1.5.3) are never loaded:
``onnx.load(..., load_external_data=False)`` gives their shapes and dtypes,
which is all the mapping needs.  Every other external initializer (weights,
biases, shapes) is read.  The data files must be there and long enough
(checked with ``stat``), unless the caller asks for ``shapes_only``
explicitly; symbolic dimensions are bound as ``compiler.frontend.dims`` says.

Opsets 11 to 28 of the default domain are accepted (11: the reference DLRM's
``--save-onnx``; 28: the newest of the onnx release the project pins, 1.23).
Below 13, two supported definitions mean something else and are rewritten by
their lowerings: Squeeze/Unsqueeze-11 take ``axes`` as an attribute and
Softmax/LogSoftmax-11 normalise over the input coerced to 2-D (the Reduce-11
``axes`` attribute and Split-11 ``split`` attribute were already rewritten);
every other supported op changed from 11 to 13 only by element types or a new
attribute whose default keeps the meaning.  For every supported op, the schema
changes from opset 22 to 28 only add element types (bfloat16, float8/float4, 2/4-bit
integers), which the IR refuses with a one-line error, or an attribute whose
default keeps the opset-21 meaning (Cast/CastLike ``round_mode``,
QuantizeLinear ``precision``, DequantizeLinear ``output_dtype``, Range
``stash_type``); the interpreter evaluates them as ONNX defines them at opset
28 (``pimsim.spec.semantics``).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
from pimsim.spec.errors import SpecError

from compiler.frontend.builder import Builder
from compiler.frontend.dims import DimBinding, parse_dims, resolve
from compiler.frontend.fold_bn import fold_batch_norms
from compiler.frontend.limits import Unsupported, check_dtype
from compiler.frontend.registry import lower_node
from compiler.frontend.validate import external_data, is_external, validate_model
from compiler.ir.graph import ModelMeta, OpGraph

MIN_OPSET, MAX_OPSET = 11, 28


def read_model(path: str):
    """Parse and validate the file (``compiler.frontend.validate``); one-line errors for every kind of bad file."""
    import onnx

    p = Path(path)
    if not p.exists():
        raise SpecError(path, "no such file")
    if p.is_dir():
        raise SpecError(path, "is a directory, expected an .onnx file")
    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - protobuf raises several types for garbage
        raise SpecError(path, f"not an ONNX model (cannot parse: {type(exc).__name__}); truncated or wrong file?") from None
    if len(model.graph.node) == 0 and len(model.graph.output) == 0:
        raise SpecError(path, "not an ONNX model (no graph: empty, truncated or wrong file)")
    validate_model(model, path)
    return model


def model_opset(model, path: str) -> int:
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is None or not MIN_OPSET <= opset <= MAX_OPSET:
        raise Unsupported(path, None, "model", f"opset outside {MIN_OPSET}-{MAX_OPSET}",
                          f"the model uses opset {opset}; re-export with opset_version=20")
    return opset


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_CACHE: dict[tuple, OpGraph] = {}
_CACHE_SIZE = 4  # sweeps and the search compile one model for many architectures


def load_graph(path: str, batch: int | None = None, shapes_only: bool = False,
               binding: DimBinding | None = None) -> OpGraph:
    """The lowered IR of ``path`` with its symbolic dimensions bound by ``binding`` (``compiler.frontend.dims``;
    by default only ``batch``: 1 when the model's batch is symbolic and none given).

    The frontend does not depend on the architecture, so the result is cached per (file, size,
    modification time, binding) and a fresh copy is returned each time.  ``shapes_only`` accepts
    external-data files that are absent (a mapping needs only shapes); by default they are an error.
    """
    if binding is None:
        binding = parse_dims((), batch)
    elif batch is not None and binding.batch is None:
        binding = replace(binding, batch=batch)
    try:
        st = Path(path).stat()
        key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, binding, shapes_only)
    except OSError:
        key = None
    if key is not None and key in _CACHE:
        graph = _CACHE[key].clone()
        graph.meta = replace(graph.meta, path=str(path))  # as this caller spelled it
        return graph
    graph = _load_graph(path, binding, shapes_only)
    if key is not None:
        _CACHE[key] = graph.clone()
        while len(_CACHE) > _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
    return graph


def _load_graph(path: str, binding: DimBinding, shapes_only: bool = False) -> OpGraph:
    model = read_model(path)
    opset = model_opset(model, path)
    meta = ModelMeta(path=str(path), sha256=file_sha256(path), name=Path(path).stem, opset=opset)
    inputs = _graph_inputs(model.graph, path)
    resolved = resolve(inputs, _output_dims(model.graph), binding, path)
    graph = OpGraph(meta=meta, batch=resolved.batch, values={}, nodes=[], inputs=[], outputs=[])
    b = Builder(graph, path, lower_node)
    b.opset = opset
    b.resolved = resolved
    _check_external_data(model.graph, path, require_present=not shapes_only)
    _add_initializers(b, model.graph, path)
    if not model.graph.output:
        raise SpecError(path, "the graph has no outputs: nothing to compile")
    for name, (_, dtype) in inputs.items():
        dims = resolved.shapes[name]
        _check_input_dims(name, dims, dtype, path)
        b.add_input(name, dims, dtype, resolved.batch_axes[name])
    for node in model.graph.node:
        lower_node(b, node)
    graph.outputs = [o.name for o in model.graph.output]
    fold_batch_norms(b)
    return graph


def _output_dims(graph) -> list[list]:
    return [[d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in o.type.tensor_type.shape.dim]
            for o in graph.output]


def _graph_inputs(graph, path: str) -> dict[str, tuple[list, str]]:
    """Input name -> (dims: ints or symbol names, numpy dtype name); initializers are not inputs."""
    import onnx

    inits = {i.name for i in graph.initializer}
    out = {}
    for vi in graph.input:
        if vi.name in inits:
            continue
        if vi.type.WhichOneof("value") != "tensor_type":
            raise Unsupported(path, None, f"input {vi.name}", "data type",
                              f"a {vi.type.WhichOneof('value') or 'untyped'} value, not a tensor")
        t = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim]
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)).name
        check_dtype(path, None, f"input {vi.name}", "its element type", dtype)
        out[vi.name] = (dims, dtype)
    return out


MAX_INPUT_BYTES = 1 << 32
"""Largest graph input accepted (4 GiB at the fixed batch); beyond it a dimension is surely a mistake."""


def _check_input_dims(name: str, dims: tuple, dtype: str, path: str) -> None:
    """Sizes must be positive and the tensor must fit in memory (the frontend probes shapes with zeros)."""
    for axis, d in enumerate(dims):
        if d < 1:
            raise Unsupported(path, None, f"input {name}", "empty tensor", f"dimension {axis} is {d}")
    nbytes = int(np.prod(dims, dtype=object)) * np.dtype(dtype).itemsize
    if nbytes > MAX_INPUT_BYTES:
        raise SpecError(path, f"input {name} shape {list(dims)}: {nbytes} bytes per batch, more than the "
                              f"{MAX_INPUT_BYTES} accepted (absurd dimension or --batch?)")


def require_external_data(path: str) -> None:
    """For commands that read the numbers (``--check``): every external-data file must be present."""
    _check_external_data(read_model(path).graph, path, require_present=True)


def _check_external_data(graph, path: str, require_present: bool = False) -> None:
    """Each external-data file lies inside the model's directory and, when present, holds the bytes it should.

    Only ``stat`` is used: the tables themselves are never read (see the module docstring).  An absent
    file is an error unless ``require_present`` is False (``pimcompile --shapes-only``: price a multi-GB
    model whose tables live elsewhere; whatever reads the data later reports it missing).
    """
    base = Path(path).resolve().parent
    for init in graph.initializer:
        if not is_external(init):
            continue
        ext = external_data(init, path)
        target = (base / ext.location).resolve()
        if base not in target.parents:
            raise SpecError(path, f"initializer {init.name}: external data {ext.location!r} is outside "
                                  "the model's directory (refused)")
        if not target.exists():
            if require_present:
                raise SpecError(path, f"initializer {init.name}: external data file {target.name} is missing "
                                      "(--shapes-only compiles from shapes alone)")
            continue
        if not target.is_file():
            raise SpecError(path, f"initializer {init.name}: external data {target.name} is not a file")
        need = ext.offset + ext.length
        have = target.stat().st_size
        if have < need:
            raise SpecError(path, f"initializer {init.name}: external data file {target.name} has {have} bytes, "
                                  f"needs {need} (truncated?)")


SMALL_EXTERNAL_BYTES = 1 << 20
"""External tables up to this size are read like any other initializer."""


def table_only_initializers(graph) -> set[str]:
    """Initializers used only as lookup tables (operand 0 of Gather or pim::EmbeddingBag, in any subgraph)."""
    uses: dict[str, set[bool]] = {}

    def visit(g) -> None:
        for node in g.node:
            table_op = node.op_type in ("Gather", "EmbeddingBag")
            for i, name in enumerate(node.input):
                uses.setdefault(name, set()).add(table_op and i == 0)
            for attr in node.attribute:
                for sub in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                    visit(sub)

    visit(graph)
    return {i.name for i in graph.initializer if uses.get(i.name) == {True}}


def _external_array(init, path: str, tables: set[str]) -> np.ndarray | None:
    """The data of an external initializer, read unless it is a lookup table above ``SMALL_EXTERNAL_BYTES`` or its
    file is absent (None: it stays unread).  Weights, shapes and biases are always read: constants computed from
    them (transposed weights, folded BatchNorms, shapes) must be right, and they are small next to the tables
    (``onnx.save_model(..., save_as_external_data=True)`` moves every tensor above 1 KiB out)."""
    import onnx
    from onnx import external_data_helper, numpy_helper

    itemsize = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(init.data_type)).itemsize
    if init.name in tables and int(np.prod(init.dims, dtype=np.int64)) * itemsize > SMALL_EXTERNAL_BYTES:
        return None
    info = {e.key: e.value for e in init.external_data}
    if not (Path(path).resolve().parent / info.get("location", "")).is_file():
        return None
    copy = type(init)()
    copy.CopyFrom(init)
    external_data_helper.load_external_data_for_tensor(copy, str(Path(path).resolve().parent))
    copy.data_location = onnx.TensorProto.DEFAULT
    return numpy_helper.to_array(copy)


def _add_initializers(b: Builder, graph, path: str) -> None:
    import onnx
    from onnx import numpy_helper

    tables = table_only_initializers(graph)
    for init in graph.initializer:
        check_dtype(path, None, f"initializer {init.name}", "its element type",
                    np.dtype(onnx.helper.tensor_dtype_to_np_dtype(init.data_type)).name)
        external = init.data_location == onnx.TensorProto.EXTERNAL
        data = _external_array(init, path, tables) if external else numpy_helper.to_array(init)
        if data is None:
            dtype = onnx.helper.tensor_dtype_to_np_dtype(init.data_type)
            # zero-stride view: the right shape and dtype at no memory cost
            b.add_constant(init.name, np.broadcast_to(np.zeros((), dtype), tuple(init.dims)), external=True)
            continue
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            nan, inf = int(np.isnan(data).sum()), int(np.isinf(data).sum())
            raise SpecError(path, f"initializer {init.name}: {nan} NaN and {inf} Inf value(s); weights must "
                                  "be finite")
        b.add_constant(init.name, data)
