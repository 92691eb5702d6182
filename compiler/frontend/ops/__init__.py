"""ONNX lowerings, one module per op family (see ``compiler.frontend.registry``), and the node helpers they share.

Control-flow lowerings (``If``, ``Loop``) lower their subgraphs through ``Builder.lower`` (the registry's dispatcher,
handed to the builder by ``compiler.frontend.load``), so no op module imports the registry that lists it.
"""


def node_name(node) -> str:
    return node.name or (node.output[0] if node.output else node.op_type)


def attributes(node) -> dict:
    """ONNX attributes as plain Python values (tensors as numpy arrays; subgraphs kept)."""
    from onnx import AttributeProto, helper, numpy_helper  # deferred like every onnx import of the frontend

    out = {}
    for attr in node.attribute:
        if attr.type == AttributeProto.TENSOR:
            out[attr.name] = numpy_helper.to_array(attr.t)
        elif attr.type == AttributeProto.GRAPH:
            out[attr.name] = attr.g
        else:
            value = helper.get_attribute_value(attr)
            if isinstance(value, bytes):
                value = value.decode()
            elif isinstance(value, list):
                value = [v.decode() if isinstance(v, bytes) else v for v in value]
            out[attr.name] = value
    return out


def renamed_node(node, alias: dict[str, str], name: str | None = None):
    """``node`` with value names mapped through ``alias`` (and renamed to ``name`` if given): a copy,
    or the node itself when nothing changes.  Used to inline subgraphs (unrolled Loops, If branches)."""
    if name is None and not any(n in alias for n in list(node.input) + list(node.output)):
        return node
    copy = type(node)()
    copy.CopyFrom(node)
    for i, value in enumerate(copy.input):
        copy.input[i] = alias.get(value, value)
    for i, value in enumerate(copy.output):
        copy.output[i] = alias.get(value, value)
    if name is not None:
        copy.name = name
    return copy
