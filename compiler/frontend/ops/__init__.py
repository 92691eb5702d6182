"""ONNX lowerings, one module per op family (see ``compiler.frontend.registry``)."""


def node_name(node) -> str:
    return node.name or (node.output[0] if node.output else node.op_type)
