"""Network diagrams in the lecture's notation: layers as columns, weights as edges.

``draw_network(net)`` draws the picture of the lecture's notes: layer 1 (the
input) on the left, layer L (the output) on the right, node j of layer l
labelled a_j^l, and an edge from node k of layer l-1 into node j of layer l for
each weight w_jk^l. An edge's colour is the sign of its weight and its width
the weight's size, so what the network learned can be seen at a glance.

After a forward pass and ``C.backward()`` the nodes can be shaded by
delta_j^l = dC/dz_j^l (``delta=True``): the error that backpropagation carries
back through each node, the quantity of the lecture's equations 1 and 2.

The result is an ``autodiff.pictures.Drawing`` (a ``graphviz.Digraph``): Jupyter
shows it inline; ``save_picture(g, "net.svg")`` (``from autodiff import save_picture``)
writes it atomically. ``save_pictures`` writes both pictures of one example.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from autodiff import Value
from autodiff.pictures import (
    DEFAULT_MAX_NODES,
    RANKDIRS,
    ROLE_COLOURS,
    Drawing,
    draw,
    lecture_html,
    number,
    save_picture,
)
from autodiff.validate import whole_number
from nn.costs import quadratic_cost
from nn.layers import MLP, node_label

POSITIVE = "#2166ac"  # blue: w > 0, delta > 0
NEGATIVE = "#b2182b"  # red: w < 0, delta < 0
# The strongest delta shading; light enough for black text on top.
_POSITIVE_FILL = (0x67, 0xA9, 0xCF)
_NEGATIVE_FILL = (0xEF, 0x8A, 0x62)
MIN_WIDTH, MAX_WIDTH = 0.4, 5.0
AUTO_EDGE_LABELS = 12  # label the edges by default only when there are at most this many
DEFAULT_MAX_EDGES = 2000


class NetworkTooLargeError(ValueError):
    """The network has more weights than ``max_edges``; ``.n_edges`` says how many."""

    def __init__(self, n_edges: int, message: str) -> None:
        super().__init__(message)
        self.n_edges = n_edges


def draw_network(
    net: MLP,
    *,
    rankdir: str = "LR",
    edge_labels: bool | None = None,
    delta: bool = False,
    digits: int = 3,
    max_edges: int = DEFAULT_MAX_EDGES,
) -> Drawing:
    """The diagram of ``net``: a column per layer 1..L, a node per a_j^l, an edge per w_jk^l.

    >>> from nn import MLP
    >>> g = draw_network(MLP([2, 2, 1], seed=0))
    >>> g.source.count(" -> ")             # 2*2 weights into layer 2, 2*1 into layer 3
    6

    Edges run from node k of layer l-1 to node j of layer l and stand for
    w_jk^l: blue when w_jk^l > 0, red when it is negative, and as wide as
    ``|w_jk^l|`` relative to the largest weight of the network (from
    ``MIN_WIDTH`` to ``MAX_WIDTH`` points). Nodes are filled by role as in
    ``autodiff.draw``: inputs (layer 1) light blue, hidden layers white, the
    output layer light green. Each node's tooltip (in SVG) gives b_j^l.

    Args:
        net: the network.
        rankdir: "LR" (layer 1 on the left), "RL", "TB" (layer 1 on top) or "BT".
        edge_labels: write "w_jk^l = value" on each edge; by default only when
            the network has at most 12 weights, beyond which labels crowd.
        delta: shade the nodes of layers 2..L by delta_j^l = dC/dz_j^l, blue
            for positive and red for negative, stronger for larger |delta|
            (relative to the largest), and write it under a_j^l. The deltas are
            the grads of the z_j^l Values (``net.layer(l).z``), so this needs
            ``net.zero_grad()``, one example's forward pass and ``C.backward()``;
            after a batch, where z's grad is only one example's share, it refuses.
        digits: significant digits of the numbers written.
        max_edges: refuse networks with more weights than this, which Graphviz
            lays out slowly and nobody can read (``NetworkTooLargeError``).
    """
    digits, max_edges = _check_options(net, rankdir, digits, max_edges)
    n_edges = sum(len(n.w) for layer in net.layers for n in layer.neurons)
    if n_edges > max_edges:
        raise NetworkTooLargeError(
            n_edges,
            f"the network has {n_edges} weights, more than max_edges={max_edges}: "
            f"draw_network(net, max_edges={n_edges}) draws it anyway (slow to render, "
            "and hard to read), or draw a smaller network"
        )
    if edge_labels is None:
        edge_labels = n_edges <= AUTO_EDGE_LABELS
    deltas = _deltas(net) if delta else None
    g = _drawing(delta)
    place = _placer(net.sizes, rankdir, *_gaps(rankdir, edge_labels, delta))
    for layer_no in range(1, len(net.sizes) + 1):
        _add_layer(g, net, layer_no, place, deltas, digits)
    largest_w = max(abs(w.data) for layer in net.layers for n in layer.neurons for w in n.w)
    for layer in net.layers:
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                _weight_edge(g, layer.l, j, k, w.data, largest_w or 1.0, edge_labels, digits)
    return g


def _drawing(delta: bool) -> Drawing:
    """An empty picture, laid out by neato: it keeps each node where ``_placer`` pins it.

    Every node is pinned where the lecture draws it (layer l in column l, node
    j in row j, each column centred), and neato only routes the edges. dot
    would reorder the nodes of a column to reduce crossings, and a fully
    connected network has crossings anyway.
    """
    return Drawing(
        "network",
        engine="neato",
        graph_attr={"splines": "line", "outputorder": "edgesfirst", "fontname": "Helvetica",
                    "fontsize": "10", "labelloc": "b", "label": _legend(delta)},
        node_attr={"shape": "circle", "style": "filled", "fontname": "Helvetica",
                   "fontsize": "14", "width": "0.6", "margin": "0.04"},
        edge_attr={"arrowsize": "0.5", "fontname": "Helvetica", "fontsize": "10"},
    )


def _gaps(rankdir: str, edge_labels: bool, delta: bool) -> tuple[float, float]:
    """(gap between layers, gap between rows), in inches: room for the text.

    Edge labels need longer edges, and in a vertical picture the labels and
    two-line nodes are wide, so the rows spread out.
    """
    vertical = rankdir in ("TB", "BT")
    row_gap = 1.9 if vertical and (edge_labels or delta) else 1.4 if edge_labels else 1.0
    gap = 2.6 if edge_labels else 2.0
    if delta and not vertical:  # the ovals are wider than the circles
        gap, row_gap = gap + 0.4, row_gap + 0.2
    return gap, row_gap


def _add_layer(g: Drawing, net: MLP, layer_no: int, place, deltas: dict | None,
               digits: int) -> None:
    """Layer l's title and its nodes a_j^l (with delta_j^l under each, when given)."""
    g.node(f"layer{layer_no}", f"layer {layer_no}", shape="plaintext", style="",
           fontsize="12", pos=place(layer_no, 0))
    L = len(net.sizes)
    role = "input" if layer_no == 1 else "output" if layer_no == L else "intermediate"
    for j in range(net.sizes[layer_no - 1]):
        fill = ROLE_COLOURS[role]
        label = lecture_html(node_label("a", layer_no, j))
        tooltip = "input" if layer_no == 1 else _tooltip(net, layer_no, j, digits)
        shape = "circle"
        if deltas is not None and layer_no > 1:
            d = deltas[layer_no][j]
            fill = _shade(d, deltas["largest"])
            name = lecture_html(node_label("delta", layer_no, j))
            label += f'<BR/><FONT POINT-SIZE="10">{name} = {number(d, digits)}</FONT>'
            shape = "ellipse"  # two lines of text would make a large circle
        g.node(f"a{layer_no}_{j + 1}", f"<{label}>", fillcolor=fill, tooltip=tooltip,
               shape=shape, pos=place(layer_no, j + 1))


def _placer(sizes: list[int], rankdir: str, gap: float, row_gap: float):
    """pos="x,y!" (inches) of node ``row`` (0: the layer's title) of layer l, as rankdir says.

    Layer l is column l - 1 (``gap`` inches apart); its n nodes are rows
    ``row_gap`` apart, centred on the middle of the tallest layer; the title
    sits beyond the first row of the tallest layer (above it, or left of it).
    """
    tallest = max(sizes)

    def place(layer_no: int, row: int) -> str:
        along = (layer_no - 1) * gap
        n = sizes[layer_no - 1]
        if row:
            across = ((n + 1) / 2 - row) * row_gap
        else:
            across = (tallest - 1) / 2 * row_gap + (0.6 if rankdir in ("LR", "RL") else 1.2)
        x, y = {"LR": (along, across), "RL": (-along, across),
                "TB": (-across, -along), "BT": (-across, along)}[rankdir]
        return f"{x:.2f},{y:.2f}!"

    return place


def save_pictures(
    net: MLP,
    x: Sequence[float],
    y: Sequence[float],
    folder: str | os.PathLike,
    *,
    cost: Callable[..., Value] = quadratic_cost,
    format: str = "svg",
    max_nodes: int = DEFAULT_MAX_NODES,
    max_edges: int = DEFAULT_MAX_EDGES,
) -> list[Path]:
    """Backpropagate one example (x, y) and write both pictures of it into ``folder``.

    ``network.<format>`` is ``draw_network(net, delta=True)``, and
    ``graph.<format>`` the computation graph of the example's cost C, grouped
    by neuron and layer (``autodiff.draw(C, clusters=True)``). The parameters'
    grads are zeroed first, so the grads in the graph are this example's alone.
    Both pictures are built before either is written, so a graph too large for
    ``max_nodes`` fails before any file is touched. Returns the paths written.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write pictures into {str(folder)!r}: no such folder")
    net.zero_grad()
    C = cost([net(x)], [y])
    C.backward()
    pictures = {
        "network": draw_network(net, delta=True, max_edges=max_edges),
        "graph": draw(C, clusters=True, params=net.parameters(), max_nodes=max_nodes),
    }
    return [save_picture(g, folder / f"{name}.{format}", format=format)
            for name, g in pictures.items()]


def _weight_edge(g: Drawing, layer_no: int, j: int, k: int, w: float, largest: float,
                 with_label: bool, digits: int) -> None:
    """The edge of w_jk^l, from node k of layer l-1 into node j of layer l.

    Its label sits on the edge on a white ground, nearer node j, the node the
    weight feeds: not at the middle, where crossing edges would put two labels
    on one spot. The labels of the edges into one node are staggered by k, so
    that they do not meet where those edges converge.
    """
    colour = POSITIVE if w >= 0 else NEGATIVE
    attrs = {"color": colour, "penwidth": f"{_width(w, largest):.2f}",
             "tooltip": f"{node_label('w', layer_no, j, k)} = {w:.{digits}g}"}
    if with_label:
        name = lecture_html(node_label("w", layer_no, j, k))
        text = f"{name} = {number(w, digits)}"
        attrs.update(headlabel=f'<<TABLE BORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>'
                               f"{text}</TD></TR></TABLE>>",
                     labelfontcolor=colour, labelangle="0",
                     labeldistance=f"{4.5 + 2.5 * (k % 3):g}",
                     labelfontsize="10")
    g.edge(f"a{layer_no - 1}_{k + 1}", f"a{layer_no}_{j + 1}", **attrs)


def _check_options(net: object, rankdir: str, digits: int, max_edges: int) -> tuple[int, int]:
    """Refuse what cannot be drawn; return digits and max_edges as Python ints."""
    if not isinstance(net, MLP):
        raise TypeError(f"draw_network expects an nn.MLP, got {type(net).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    digits, max_edges = whole_number(digits, "digits"), whole_number(max_edges, "max_edges")
    if not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    if max_edges < 1:
        raise ValueError(f"max_edges must be a positive int, got {max_edges!r}")
    return digits, max_edges


def _deltas(net: MLP) -> dict:
    """delta_j^l = the grad of z_j^l, by layer number, and the largest |delta|."""
    deltas: dict = {}
    for layer in net.layers:
        if len(layer.z) != len(layer.neurons):
            raise ValueError(
                "delta=True shades the nodes by delta_j^l = dC/dz_j^l, which needs a forward "
                "pass and C.backward() first: C = quadratic_cost([net(x)], [y]); C.backward()"
            )
        deltas[layer.l] = [z.grad for z in layer.z]
    if net.forward_passes != 1:
        raise ValueError(
            f"delta_j^l belongs to one example, but the network has run {net.forward_passes} "
            "examples since its last zero_grad() (after a batch, z's grad is only the last "
            "example's share): call net.zero_grad() first, then C = quadratic_cost([net(x)], "
            "[y]); C.backward()"
        )
    largest = max(abs(d) for ds in deltas.values() for d in ds)
    if largest == 0.0:
        raise ValueError(_why_no_delta(net))
    deltas["largest"] = largest
    return deltas


def _why_no_delta(net: MLP) -> str:
    """Why every delta_j^l is 0: the output layer saturated, or no C.backward() was called.

    sigma'(z) is 0 at a sigmoid's a = 0 or 1 and a tanh's a = -1 or 1 (exactly,
    in floats), and for a relu below 0: equation 1 then gives delta^L = 0
    whatever the cost, and equation 2 carries nothing back.
    """
    output = net.layers[-1]
    flat = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
    stuck = [j for j, (z, a) in enumerate(zip(output.z, output.a))
             if a.data in flat.get(output.activation, ()) or
             (output.activation == "relu" and z.data <= 0.0)]
    if len(stuck) < len(output.neurons):
        return ("every delta_j^l is 0: call C.backward() on a cost of the network's last "
                "output before drawing with delta=True")
    a_j = output.a[stuck[0]]
    return (
        f"every delta_j^l is 0, because the output layer is saturated on this example: "
        f"{a_j.label} = {a_j.data!r}, where sigma'(z) = 0, so equation 1 gives delta^L = 0 "
        "and equation 2 carries nothing back. A network trained with too large a learning "
        "rate eta ends like this: train it again with a smaller one"
    )


def _width(w: float, largest: float) -> float:
    """Edge width in points, growing linearly with |w| up to the largest weight."""
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * abs(w) / largest


def _shade(d: float, largest: float) -> str:
    """White for delta = 0, up to the full colour of its sign for the largest |delta|."""
    t = abs(d) / largest
    full = _POSITIVE_FILL if d >= 0 else _NEGATIVE_FILL
    r, g, b = (round(255 + (c - 255) * t) for c in full)
    return f"#{r:02x}{g:02x}{b:02x}"


def _tooltip(net: MLP, layer_no: int, j: int, digits: int) -> str:
    b = net.layer(layer_no).neurons[j].b.data
    return f"{node_label('b', layer_no, j)} = {b:.{digits}g}"


def _legend(delta: bool) -> str:
    """A one-line key under the picture, as an HTML-like label."""
    blue = f'<FONT COLOR="{POSITIVE}">blue &gt; 0</FONT>'
    red = f'<FONT COLOR="{NEGATIVE}">red &lt; 0</FONT>'
    text = f"edges: {lecture_html('w_jk^l')}, {blue}, {red}, width |{lecture_html('w')}|"
    if delta:
        text += f";   nodes: {lecture_html('delta_j^l')} = \u2202C/\u2202{lecture_html('z_j^l')}"
        text += f", {blue}, {red}"
    return f"<{text}>"
