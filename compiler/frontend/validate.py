"""What makes an ONNX file invalid, checked once when it is read (``compiler.frontend.load.read_model``).

Three checks, each refusing with one line naming the node (or initializer) and, where the check says which,
the attribute or input at fault:

1. ``onnx.checker.check_model(full_check=True)``: the checker (graph structure, every node against its
   operator schema: input/output counts, attributes declared with their types) and then strict shape
   inference with type checking, which checks every input against the type constraints of its op's schema
   (``Relu`` on ``bool``, float ``Gather`` indices, an ``int32`` Gemm weight) and every attribute value that
   inference reads (``Flatten`` ``axis`` outside the rank, ``Split`` sizes that do not sum to the axis,
   a declared output shape that disagrees with the inferred one).  ONNX's messages name the op and the
   node's name, which exporters often leave empty; on failure the check runs again on a copy whose nodes
   carry numbered names, so the line can name the node as the rest of the frontend does (its name, else its
   first output), and a type error names the value and the types the schema allows.
2. Attribute values are finite: neither the checker nor inference looks at float values, so a ``Gemm``
   ``alpha`` of NaN or a ``Constant`` holding Inf would be compiled.  Initializers are held to the same rule
   when they are read (``load._add_initializers``): a constant is a weight whichever way the exporter stored it.
3. External-data declarations (``TensorProto.external_data`` in ``onnx.proto``: ``location`` required,
   ``offset`` and ``length`` optional, "Integer stored as string"): the offset and length are non-negative
   integers and the length is the tensor's size in bytes.  Whether the
   file exists and holds ``offset + length`` bytes is checked when the graph is loaded
   (``load._check_external_data``), since ``--shapes-only`` allows it to be absent.

The checker sees externally stored initializers as typed graph inputs (it would otherwise read the data
files, which may be absent or many GB); their declarations are check 3's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from pimsim.spec.errors import SpecError

from compiler.frontend.ops import node_name


def validate_model(model, path: str) -> None:
    """Refuse ``model`` (read from ``path`` without its external data) if ONNX or our checks find it invalid."""
    _check_with_onnx(model, path)
    _check_finite_attributes(model.graph, path)
    for init in model.graph.initializer:
        if is_external(init):
            external_data(init, path)


# -- 1. onnx.checker with strict shape and type inference ---------------------------------------------------

_TAG = "pimcompile-node-"
"""Prefix of the numbered names given to every node when a failure is explained (module docstring, check 1)."""


def _check_with_onnx(model, path: str) -> None:
    import onnx

    checked = without_external_data(model)
    try:
        onnx.checker.check_model(checked, full_check=True)
    except Exception as exc:  # noqa: BLE001 - ValidationError, InferenceError, ValueError (over 2 GiB)
        raise SpecError(path, _explain(checked, exc)) from None


def _explain(model, exc: Exception) -> str:
    """One line for a failure of ``check_model``: the node at fault, then the problem."""
    chain, text = _locate(model, exc)
    problem = _problem(text)
    if not chain:
        return f"{_check_name(exc)}: {problem}"
    node = chain[-1]
    where = f"node {node_name(node)} ({node.op_type})" + "".join(
        f" inside node {node_name(outer)} ({outer.op_type})" for outer in reversed(chain[:-1]))
    typed = _type_error(model, node, problem)
    if typed:
        return f"{where}: fails the ONNX type check: {typed}"
    return f"{where}: {_check_name(exc)}: {problem}"


def _locate(model, exc: Exception) -> tuple[list, str]:
    """The nodes ONNX's message names, outermost first, and the message naming them as the frontend does.

    ONNX names a node by its ``name``, often empty; the check runs again on a copy whose nodes carry numbered
    names and the numbers are read back.  Nothing is found when the copy fails differently (then ONNX's own
    message is kept) or when the failure is not about a node (a 2 GiB model: no copy is made).
    """
    import onnx

    if not isinstance(exc, (onnx.checker.ValidationError, onnx.shape_inference.InferenceError)):
        return [], str(exc)
    tagged, nodes = _tagged_copy(model)
    try:
        onnx.checker.check_model(tagged, full_check=True)
    except Exception as again:  # noqa: BLE001 - as in _check_with_onnx
        if type(again) is type(exc):
            numbers = dict.fromkeys(int(k) for k in re.findall(_TAG + r"(\d+)", str(again)))
            text = re.sub(_TAG + r"(\d+)", lambda m: node_name(nodes[int(m.group(1))]), str(again))
            return [nodes[k] for k in numbers], text
    return [], str(exc)


def _check_name(exc: Exception) -> str:
    return "fails ONNX shape inference" if type(exc).__name__ == "InferenceError" else "fails onnx.checker"


def _problem(message: str) -> str:
    """The first statement of an ONNX checker or inference message, without its tags and node prefixes."""
    text = re.sub(r"\[\w+Error\]\s*|Inference error\(s\):\s*|\(op_type:[^()]*\):\s*", "", message)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("==> Context")]
    return lines[0] if lines else message.strip() or "no message"


def _tagged_copy(model):
    """A copy of ``model`` whose nodes (subgraphs included) are named ``_TAG<k>``, and the original nodes by k."""
    import onnx

    tagged = onnx.ModelProto()
    tagged.CopyFrom(model)
    originals: list = []

    def visit(orig_graph, graph) -> None:
        for orig, node in zip(orig_graph.node, graph.node):
            node.name = f"{_TAG}{len(originals)}"
            originals.append(orig)
            for orig_attr, attr in zip(orig.attribute, node.attribute):
                for orig_sub, sub in zip(_subgraphs(orig_attr), _subgraphs(attr)):
                    visit(orig_sub, sub)

    visit(model.graph, tagged.graph)
    return tagged, originals


_TYPE_ERRORS = (re.compile(r"^(?P<formal>\S+) typestr: \S+, has unsupported type: (?P<actual>\S+)$"),
                re.compile(r"^(?P<formal>\S+) has inconsistent type (?P<actual>\S+)$"))
"""ONNX's two type-check messages: a type outside the parameter's constraint, and one that differs from the type
another parameter with the same type variable bound (``A`` float, ``B`` int32 in a Gemm)."""


def _type_error(model, node, problem: str) -> str | None:
    """An ONNX type-check message (``X typestr: T, has unsupported type: tensor(bool)``) restated with the value
    named, its type and the types the op's schema allows (``onnx.defs.get_schema(op, opset).type_constraints``);
    ``None`` for other problems."""
    import onnx

    match = next((m for m in (r.match(problem) for r in _TYPE_ERRORS) if m), None)
    if match is None:
        return None
    formal, actual = match.group("formal"), match.group("actual")
    domain = node.domain if node.domain not in ("", "ai.onnx") else ""
    opset = next((o.version for o in model.opset_import if (o.domain if o.domain != "ai.onnx" else "") == domain),
                 None)
    if opset is None:  # no opset for the node's domain: nothing to look up
        return None
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, domain)
    except Exception:  # noqa: BLE001 - SchemaError: then ONNX's own words are the best we have
        return None
    value, type_str = _parameter(schema, node, formal)
    allowed = next((c.allowed_type_strs for c in schema.type_constraints if c.type_param_str == type_str), None)
    if allowed is None:
        return None
    op = f"{node.op_type}-{schema.since_version}"
    if "typestr" not in problem:
        return f"{value} ({formal}) is {actual}, unlike the node's other {type_str} values ({op} gives them one type)"
    return f"{value} ({formal}) is {actual}; {op} allows {type_str} in {', '.join(allowed)}"


def _parameter(schema, node, formal: str) -> tuple[str, str]:
    """(``input 'x'`` or ``output 'y'``: the value bound to schema parameter ``formal`` at ``node``, its type
    variable)."""
    for kind, params, values in (("input", schema.inputs, node.input), ("output", schema.outputs, node.output)):
        for i, param in enumerate(params):
            if param.name == formal:
                return (f"{kind} {values[i]!r}" if i < len(values) else f"{kind} {formal}"), param.type_str
    return f"value {formal}", ""


# -- 2. attribute values are finite -------------------------------------------------------------------------

def _check_finite_attributes(graph, path: str, inside: str = "") -> None:
    """Every float attribute, and every float tensor attribute's data, of every node (subgraphs included)."""
    for node in graph.node:
        where = f"node {node_name(node)} ({node.op_type}){inside}"
        for attr in node.attribute:
            bad = _non_finite(attr, path, where)
            if bad:
                raise SpecError(path, f"{where}: attribute {attr.name} {bad}; attribute values must be finite")
            for sub in _subgraphs(attr):
                _check_finite_attributes(sub, path, f" inside {where}")


def _non_finite(attr, path: str, where: str) -> str:
    """What is not finite in one attribute ('' when all is): ``is nan`` or ``holds 8 NaN and 0 Inf value(s)``."""
    from onnx import AttributeProto

    if attr.type == AttributeProto.FLOAT:
        return "" if np.isfinite(attr.f) else f"is {attr.f}"
    if attr.type == AttributeProto.FLOATS:
        arrays: list[np.ndarray | None] = [np.asarray(attr.floats, np.float32)]
    elif attr.type in (AttributeProto.TENSOR, AttributeProto.TENSORS, AttributeProto.SPARSE_TENSOR):
        tensors = {AttributeProto.TENSOR: [attr.t], AttributeProto.TENSORS: attr.tensors,
                   AttributeProto.SPARSE_TENSOR: [attr.sparse_tensor.values]}[attr.type]
        arrays = [_float_array(t, attr.name, path, where) for t in tensors]
    else:
        return ""
    nan = sum(int(np.isnan(a).sum()) for a in arrays if a is not None)
    inf = sum(int(np.isinf(a).sum()) for a in arrays if a is not None)
    return f"holds {nan} NaN and {inf} Inf value(s)" if nan or inf else ""


def _float_array(tensor, attr: str, path: str, where: str) -> np.ndarray | None:
    """The data of a float tensor kept in the model; None for external data and other element types: integer
    tensors (most Constants: shapes, axes) are not decoded, and the IR refuses bfloat16 and float8 by type."""
    from onnx import TensorProto, numpy_helper

    floats = (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE)
    if tensor.data_type not in floats or tensor.data_location == TensorProto.EXTERNAL:
        return None
    try:
        return numpy_helper.to_array(tensor)
    except Exception as exc:  # noqa: BLE001 - a data field that does not fit the dims (ValueError) and the like
        raise SpecError(path, f"{where}: attribute {attr}: unreadable tensor "
                              f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None


def _subgraphs(attr) -> list:
    return ([attr.g] if attr.HasField("g") else []) + list(attr.graphs)


# -- 3. external-data declarations --------------------------------------------------------------------------

@dataclass(frozen=True)
class ExternalData:
    """Where an initializer's bytes are (``TensorProto.external_data``, ``onnx.proto``)."""

    location: str
    """File path relative to the model's directory."""
    offset: int
    """Byte offset of the tensor in the file (0 when not given)."""
    length: int
    """Bytes of the tensor: the declared ``length``, which must equal the size from its dims and type."""


def is_external(tensor) -> bool:
    import onnx

    return tensor.data_location == onnx.TensorProto.EXTERNAL


def external_data(init, path: str) -> ExternalData:
    """The checked external-data declaration of initializer ``init``."""
    import onnx

    info = {e.key: e.value for e in init.external_data}
    where = f"initializer {init.name}: external data"
    if not info.get("location"):
        raise SpecError(path, f"{where} has no location")
    itemsize = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(init.data_type)).itemsize
    nbytes = int(np.prod(init.dims, dtype=object)) * itemsize
    offset = _byte_count(info, "offset", 0, where, path)
    length = _byte_count(info, "length", nbytes, where, path)
    if length != nbytes:
        raise SpecError(path, f"{where} length={length}, but a {onnx.TensorProto.DataType.Name(init.data_type)} "
                              f"tensor of shape {list(init.dims)} has {nbytes} bytes")
    return ExternalData(info["location"], offset, length)


def _byte_count(info: dict, key: str, default: int, where: str, path: str) -> int:
    text = info.get(key)
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]+", text):  # int() would also take '-64', '+8', ' 8', '1_000'
        raise SpecError(path, f"{where} {key}={text!r}: must be a non-negative integer (bytes)")
    return int(text)


def without_external_data(model):
    """``model``, or a copy where externally stored initializers become typed graph inputs (for the checker)."""
    import onnx

    external = [i for i in model.graph.initializer if is_external(i)]
    if not external:
        return model
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    names = {i.name for i in external}
    kept = [i for i in copy.graph.initializer if i.name not in names]
    del copy.graph.initializer[:]
    copy.graph.initializer.extend(kept)
    declared = {i.name for i in copy.graph.input}
    copy.graph.input.extend(onnx.helper.make_tensor_value_info(i.name, i.data_type, list(i.dims))
                            for i in external if i.name not in declared)
    return copy
