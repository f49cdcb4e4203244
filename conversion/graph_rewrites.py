"""Graph rewrites applied to tf2onnx's output before it is canonicalized (see convert.py).

Each rewrite keeps the model's function and is checked against the TFLite interpreter (and,
for the batch dimension, against single-image runs) by convert.py afterwards:

``make_batch_dynamic``
    The graph input and outputs get a symbolic first dimension (``batch``) instead of 1, and
    every Reshape target that hard-codes the batch as 1 copies it from its input instead (0).

``split_channel_padding``
    BlazePalm's stride-2 residual blocks widen the shortcut with a channel-only Pad (zeros after
    the C real channels) and add it to a 1x1 Conv with 2C outputs. ONNX Runtime has no blocked
    (NCHWc) Pad kernel, so every such Pad made it convert the tensors back to plain NCHW, and
    the rest of the network then ran with layout conversions around every layer. The 1x1 Conv
    is split in two (output channels [0, C) and [C, 2C)), the shortcut is added to the first
    half only and the halves are concatenated: the same sums (x + 0 is x), no Pad.

``decompose_prelu``
    ONNX Runtime's PRelu kernel takes over a third of the palm models' run time (a scalar
    broadcast loop, and a layout conversion around each one). It is replaced by ops that
    ONNX Runtime fuses into its blocked convolutions::

        PRelu(x, s) = Relu(x) + (-s) * Relu(-x)

    with ``-x`` and ``(-s) * r`` as depthwise 1x1 Convs (weights -1 and -s, no bias). This is
    bit-exact: one of the two terms is always a zero, ``-1 * x`` is exact and
    ``(-s) * (-x)`` rounds exactly like ``s * x``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

BATCH_DIM = "batch"

Rewrite = Callable[[Any], int]


class RewriteError(RuntimeError):
    """The graph does not have the structure a rewrite expects."""


def _onnx() -> Any:
    import onnx

    return onnx


def _initializers(graph: Any) -> dict[str, Any]:
    return {t.name: t for t in graph.initializer}


def _array(graph: Any, name: str) -> np.ndarray:
    inits = _initializers(graph)
    if name not in inits:
        raise RewriteError(f"{name} is not a constant initializer")
    result: np.ndarray = _onnx().numpy_helper.to_array(inits[name])
    return result


def _add_initializer(graph: Any, name: str, value: np.ndarray) -> None:
    if name in _initializers(graph):
        raise RewriteError(f"initializer name {name} already used")
    graph.initializer.append(_onnx().numpy_helper.from_array(np.ascontiguousarray(value), name))


def _consumers(graph: Any) -> dict[str, list[int]]:
    """Tensor name -> positions of the nodes reading it (-1 for a graph output)."""
    result: dict[str, list[int]] = {}
    for index, node in enumerate(graph.node):
        for name in node.input:
            result.setdefault(name, []).append(index)
    for value in graph.output:
        result.setdefault(value.name, []).append(-1)
    return result


def _producers(graph: Any) -> dict[str, int]:
    """Tensor name -> position of the node writing it."""
    return {name: index for index, node in enumerate(graph.node) for name in node.output}


def _attribute(node: Any, name: str, default: Any = None) -> Any:
    for attr in node.attribute:
        if attr.name == name:
            return _onnx().helper.get_attribute_value(attr)
    return default


def _replace_nodes(graph: Any, replacements: dict[int, list[Any]]) -> None:
    """Replace nodes (keyed by position) with lists of nodes, in place; drop unused constants.

    (Positions, not ``id()``: protobuf hands out short-lived wrapper objects whose ids repeat.)
    """
    nodes = []
    for index, node in enumerate(graph.node):
        nodes.extend(replacements.get(index, [node]))
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in graph.node for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def make_batch_dynamic(graph: Any) -> int:
    """Symbolic batch dimension on the input and outputs; Reshape targets copy the batch (0).

    Returns the number of graph inputs, outputs and Reshape targets changed.
    """
    for value in list(graph.input) + list(graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        if dim.dim_value != 1:
            raise RewriteError(f"{value.name}: first dimension is not 1 but {dim}")
        dim.Clear()
        dim.dim_param = BATCH_DIM
    # Intermediate shapes recorded by the converter would still say 1.
    del graph.value_info[:]

    changed: set[str] = set()
    for node in graph.node:
        if node.op_type == "Reshape":
            target = node.input[1]
            if target in changed:
                continue
            shape = _array(graph, target).copy()
            if shape.ndim != 1 or shape.size == 0 or shape[0] != 1 or 0 in shape[1:]:
                raise RewriteError(f"Reshape {node.name}: target {shape.tolist()} is not [1, ...]")
            shape[0] = 0  # allowzero = 0 (default): copy the input's first dimension
            inits = _initializers(graph)
            inits[target].CopyFrom(_onnx().numpy_helper.from_array(shape, target))
            changed.add(target)
        elif node.op_type in ("Expand", "ConstantOfShape", "Tile", "Slice", "Split"):
            raise RewriteError(f"{node.op_type} {node.name}: batch handling not implemented")
        elif node.op_type == "Resize" and len(node.input) > 3 and node.input[3]:
            raise RewriteError(f"Resize {node.name} has fixed output sizes")
    return len(graph.input) + len(graph.output) + len(changed)


def split_channel_padding(graph: Any) -> int:
    """``Add(Pad_channels(m), Conv(y))`` -> ``Concat(Add(ConvA(y), m), ConvB(y))``, no Pad.

    Returns the number of Pads removed.
    """
    helper = _onnx().helper
    consumers = _consumers(graph)
    producers = _producers(graph)
    replacements: dict[int, list[Any]] = {}
    nodes = list(graph.node)
    for pad_index, pad in enumerate(nodes):
        if pad.op_type != "Pad":
            continue
        mode = _attribute(pad, "mode", b"constant")
        if mode not in (b"constant", "constant"):
            raise RewriteError(f"Pad {pad.name}: mode {mode!r}")
        if len(pad.input) > 2 and pad.input[2] and float(_array(graph, pad.input[2])) != 0.0:
            raise RewriteError(f"Pad {pad.name}: non-zero constant value")
        if len(pad.input) > 3 and pad.input[3]:
            raise RewriteError(f"Pad {pad.name}: axes input not supported")
        pads = _array(graph, pad.input[1]).tolist()
        if len(pads) != 8 or any(p != 0 for i, p in enumerate(pads) if i != 5) or pads[5] <= 0:
            raise RewriteError(f"Pad {pad.name}: {pads} is not a channel padding at the end")
        extra = int(pads[5])
        users = consumers.get(pad.output[0], [])
        if len(users) != 1 or users[0] < 0 or nodes[users[0]].op_type != "Add":
            raise RewriteError(f"Pad {pad.name}: not consumed by exactly one Add")
        add_index = users[0]
        add = nodes[add_index]
        other = add.input[1] if add.input[0] == pad.output[0] else add.input[0]
        conv_index = producers.get(other, -1)
        conv = nodes[conv_index] if conv_index >= 0 else None
        if conv is None or conv.op_type != "Conv" or _attribute(conv, "group", 1) != 1:
            raise RewriteError(f"Pad {pad.name}: the Add's other input is not a dense Conv")
        if len(consumers[other]) != 1:
            raise RewriteError(f"Conv {conv.name}: output has other consumers")
        weight = _array(graph, conv.input[1])
        channels = weight.shape[0] - extra
        if channels <= 0:
            raise RewriteError(f"Conv {conv.name}: {weight.shape[0]} outputs for {extra} padding")
        bias = (
            _array(graph, conv.input[2])
            if len(conv.input) > 2 and conv.input[2]
            else np.zeros(weight.shape[0], np.float32)
        )
        new_nodes = []
        halves: list[str] = []
        for part, rows in (("a", slice(0, channels)), ("b", slice(channels, None))):
            base = f"{conv.name}/split_{part}"
            _add_initializer(graph, f"{base}/weights", weight[rows])
            _add_initializer(graph, f"{base}/bias", bias[rows])
            node = helper.make_node(
                "Conv", [conv.input[0], f"{base}/weights", f"{base}/bias"], [base], name=base
            )
            node.attribute.extend(conv.attribute)
            new_nodes.append(node)
            halves.append(base)
        shortcut = f"{add.name}/first_{channels}_channels"
        new_nodes.append(helper.make_node("Add", [halves[0], pad.input[0]], [shortcut],
                                          name=shortcut))
        new_nodes.append(
            helper.make_node("Concat", [shortcut, halves[1]], list(add.output), name=add.name,
                             axis=1)
        )
        replacements[pad_index] = []
        replacements[conv_index] = []
        replacements[add_index] = new_nodes
    _replace_nodes(graph, replacements)
    return sum(1 for nodes in replacements.values() if nodes)


def decompose_prelu(graph: Any) -> int:
    """``PRelu(x, s)`` -> ``Relu(x) + DepthwiseConv1x1(Relu(DepthwiseConv1x1(x, -1)), -s)``
    (bit-exact).

    Returns the number of PRelus replaced.
    """
    helper = _onnx().helper
    replacements: dict[int, list[Any]] = {}
    for index, node in enumerate(graph.node):
        if node.op_type != "PRelu":
            continue
        slope = _array(graph, node.input[1])
        channels = slope.size
        if slope.shape not in ((1, channels, 1, 1), (channels, 1, 1)):
            raise RewriteError(f"PRelu {node.name}: slope shape {slope.shape} is not per-channel")
        x, base = node.input[0], node.name
        _add_initializer(graph, f"{base}/minus_one", np.full((channels, 1, 1, 1), -1, np.float32))
        _add_initializer(
            graph, f"{base}/minus_slope", (-slope).astype(np.float32).reshape(channels, 1, 1, 1)
        )
        depthwise = {"group": channels, "kernel_shape": [1, 1]}
        replacements[index] = [
            helper.make_node("Relu", [x], [f"{base}/positive"], name=f"{base}/positive"),
            helper.make_node("Conv", [x, f"{base}/minus_one"], [f"{base}/negated"],
                             name=f"{base}/negated", **depthwise),
            helper.make_node("Relu", [f"{base}/negated"], [f"{base}/negative_part"],
                             name=f"{base}/negative_part"),
            helper.make_node("Conv", [f"{base}/negative_part", f"{base}/minus_slope"],
                             [f"{base}/scaled_negative"], name=f"{base}/scaled_negative",
                             **depthwise),
            helper.make_node("Add", [f"{base}/scaled_negative", f"{base}/positive"],
                             list(node.output), name=base),
        ]
    _replace_nodes(graph, replacements)
    return len(replacements)


REWRITES: tuple[tuple[str, Rewrite], ...] = (
    ("make_batch_dynamic", make_batch_dynamic),
    ("split_channel_padding", split_channel_padding),
    ("decompose_prelu", decompose_prelu),
)


def apply_all(graph: Any) -> dict[str, int]:
    """Apply every rewrite in order; return how many places each one changed."""
    return {name: rewrite(graph) for name, rewrite in REWRITES}
