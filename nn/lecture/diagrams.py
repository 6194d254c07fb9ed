"""Network diagrams in the lecture's notation: layers as columns, weights as edges.

``draw_network(net)`` draws the picture of the lecture's notes: layer 1 (the
input) on the left, layer L (the output) on the right, node j of layer l
labelled a_j^l, and an edge from node k of layer l-1 into node j of layer l for
each weight w_jk^l. An edge's colour is the sign of its weight and its width
the weight's size, so what the network learned can be seen at a glance.

After a forward pass and ``C.backward()`` the nodes can be shaded by
delta_j^l = dC/dz_j^l (``delta=True``): the error that backpropagation carries
back through each node, the quantity of the lecture's equations 1 and 2.

The result is an ``autodiff.views.drawing.Drawing`` (a ``graphviz.Digraph``): Jupyter
shows it inline; ``save_picture(g, "net.svg")`` (``from autodiff import save_picture``)
writes it atomically. ``save_pictures`` writes both pictures of one example.

This module also tells ``autodiff.draw(C, clusters=True)`` how to group a
network's Values: by neuron and layer, read from the labels nn gives them
(:func:`neuron_of`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from autodiff import Value
from autodiff.validate import whole_number
from autodiff.views import live
from autodiff.views.figure import Edge, Figure, Node
from autodiff.views.notation import NOTATION
from autodiff.views.pictures import (
    DEFAULT_MAX_NODES,
    RANKDIRS,
    ROLE_COLOURS,
    Drawing,
    draw,
    lecture_html,
    number,
    save_picture,
    set_default_grouping,
)
from autodiff.views.scene import shape_of
from nn.model.costs import cost_or_function, quadratic_cost
from nn.model.layers import MLP, node_label

# Inches on the page: a point, a box (left, bottom, right, top), where a node goes.
Point = tuple[float, float]
Box = tuple[float, float, float, float]
Place = Callable[[int, int], Point]
# delta_j^l by layer number l, and under "largest" the largest |delta| of all.
Deltas = dict[Any, Any]

POSITIVE = "#2166ac"  # blue: w > 0, delta > 0
NEGATIVE = "#b2182b"  # red: w < 0, delta < 0
# The strongest delta shading; light enough for black text on top.
_POSITIVE_FILL = (0x67, 0xA9, 0xCF)
_NEGATIVE_FILL = (0xEF, 0x8A, 0x62)
MIN_WIDTH, MAX_WIDTH = 0.4, 5.0
AUTO_EDGE_LABELS = 12  # label the edges by default only when there are at most this many
DEFAULT_MAX_EDGES = 2000
# sigma'(z) below this marks a saturated node: sigmoid's is at most 0.25, and
# falls below 0.01 for |z| > 4.6
SATURATED_BELOW = 0.01


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
    factors: bool = False,
    z: bool = False,
    saturated_below: float = SATURATED_BELOW,
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
    ``autodiff.draw``: inputs (layer 1) lavender, hidden layers white, the
    output layer light green. Each node's tooltip (in SVG) gives b_j^l.

    Args:
        net: the network.
        rankdir: "LR" (layer 1 on the left), "RL", "TB" (layer 1 on top) or "BT".
        edge_labels: write "w_jk^l = value" on each edge, where the label
            overlaps no node and no other label (the rest are left out and the
            legend says how many; every edge's tooltip gives its value); by
            default only when the network has at most 12 weights.
        delta: shade the nodes of layers 2..L by delta_j^l = dC/dz_j^l, blue
            for positive and red for negative, stronger for larger |delta|
            (relative to the largest), and write it under a_j^l. The deltas are
            the grads of the z_j^l Values (``net.layer(l).z``), so this needs
            one example's ``C.backward()`` (on zeroed grads, as a new network has);
            after a batch, where z's grad is only one example's share, it refuses.
        factors: write under each node of layers 2..L the factors of its
            delta, delta_j^l = dC/da_j^l * sigma'(z_j^l): sigma'(z_j^l) always
            (it needs only a forward pass), and dC/da_j^l too with ``delta``
            (for the output layer the cost's derivative, for a hidden layer
            sum_k w_kj^{l+1} delta_k^{l+1}). A node whose sigma'(z) is below
            ``saturated_below`` is saturated: its delta, and so its weights'
            gradients, are tiny whatever the error; it gets a thick dashed
            outline, and the legend says so. The numbers are the graph's own:
            sigma' is the activation node's local derivative, dC/da its grad.
        z: write z_j^l under each node of layers 2..L (it needs a forward pass).
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
    sigma_primes = _sigma_primes(net) if factors else None
    zs = _zs(net) if z else None
    figure = Figure("network", rankdir, [], [], legend=_legend(delta))
    lines = 1 + z + delta + factors + (factors and delta)  # lines of text in a node
    saturated = 0
    for layer_no in range(1, len(net.sizes) + 1):
        saturated += _add_layer(figure, net, layer_no, deltas, sigma_primes, saturated_below,
                                digits, zs)
    largest = [max(_half(n) for n in figure.nodes if n.kind == kind)
               for kind in ("neuron", "title")]
    place = _placer(net.sizes, rankdir, *_gaps(rankdir, edge_labels, lines, *largest))
    slots = [(l, row) for l, n in enumerate(net.sizes, start=1) for row in range(n + 1)]
    for node, slot in zip(figure.nodes, slots):  # each layer's title (row 0), then its nodes
        node.pos = place(*slot)
    counted = (saturated, saturated_below, digits) if factors else None
    largest_w = max(abs(w.data) for layer in net.layers for n in layer.neurons for w in n.w)
    for layer in net.layers:
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                figure.edges.append(_weight_edge(layer.l, j, k, w.data, largest_w or 1.0,
                                                 digits))
    left_out = _weight_labels(figure, net, place, lines, digits) if edge_labels else 0
    figure.legend = _legend(delta, left_out, counted)
    return Drawing.of(figure)


def live_parts(net: MLP, quantity: Callable[[live.Source], int], reveal: Mapping[str, int],
               digits: int) -> dict[str, Any]:
    """What a live page changes in ``draw_network(net, delta=True, z=True, edge_labels=True)``.

    For each part of the picture, by its name: the numbers it writes, in order
    (each by its quantity on the page, ``quantity(source)``, and the step that
    reveals it, ``reveal[symbol]``, 0 for always); the weight behind each edge's
    colour and width and each label's colour; the bias in each node's tooltip; and
    the delta each node is shaded by. The colours and widths are this module's.
    """
    texts, edges, tags, tooltips, fills = [], [], [], [], []
    L = len(net.sizes)
    for layer in net.layers:
        l = layer.l
        for j, neuron in enumerate(layer.neurons):
            node, z, delta = f"a{l}_{j + 1}", layer.z[j], node_label("delta", l, j)
            texts.append({"part": node, "numbers": [
                {"q": quantity(live.data(z)), "reveal": reveal[node_label("z", l, j)]},
                {"q": quantity(live.grad(z)), "reveal": reveal[delta]}]})
            fills.append({"part": node, "q": quantity(live.grad(z)), "reveal": reveal[delta],
                          "plain": ROLE_COLOURS["output" if l == L else "intermediate"]})
            tooltips.append({"part": node, "q": quantity(live.data(neuron.b)),
                             "tooltip": node_label("b", l, j)})
            for k, w in enumerate(neuron.w):
                q = quantity(live.data(w))
                edges.append({"part": f"a{l - 1}_{k + 1}->{node}", "q": q, "tooltip": w.label})
                tag = f"w{l}_{j + 1}_{k + 1}"
                texts.append({"part": tag, "numbers": [{"q": q, "reveal": 0}]})
                tags.append({"part": tag, "q": q})
    return {"texts": texts, "edges": edges, "tags": tags, "tooltips": tooltips, "fills": fills,
            "positive": POSITIVE, "negative": NEGATIVE, "positiveFill": list(_POSITIVE_FILL),
            "negativeFill": list(_NEGATIVE_FILL), "widths": [MIN_WIDTH, MAX_WIDTH],
            "digits": digits}


def _gaps(rankdir: str, edge_labels: bool, lines: int, largest: tuple[float, float],
          title_half: tuple[float, float]) -> tuple[float, float, float]:
    """(gap between layers, gap between rows, title beyond the first row), in inches.

    Room for the text: edge labels need longer edges; nodes with ``lines``
    lines of numbers are ovals, wider and taller than the circles; and in a
    vertical picture the labels and ovals are wide, so the rows spread out.
    Never less than the ``largest`` node and the widest title (their half widths
    and half heights) need.
    """
    vertical = rankdir in ("TB", "BT")
    ovals = lines > 1
    row_gap = 1.9 if vertical and (edge_labels or ovals) else 1.5 if edge_labels else 1.0
    gap = 3.0 if edge_labels else 2.0
    if ovals and not vertical:
        gap, row_gap = gap + 0.4, row_gap + 0.2 + 0.3 * (lines - 2)
    title = (0.6 + 0.15 * (lines - 1)) if not vertical else 1.2
    along, across = (largest[1], largest[0]) if vertical else largest
    title_across = title_half[0] if vertical else title_half[1]
    return (max(gap, 2 * along + (1.2 if edge_labels else 0.8)), max(row_gap, 2 * across + 0.3),
            max(title, across + 2 * title_across + 0.1))


def _half(node: Node) -> tuple[float, float]:
    """Half a node's width and height in inches, as deltagrad draws it."""
    shape = shape_of(node)
    return shape.w / 2 / 72, shape.h / 2 / 72


def _add_layer(figure: Figure, net: MLP, layer_no: int, deltas: Deltas | None,
               sigma_primes: dict[int, list[tuple[float, float]]] | None,
               saturated_below: float, digits: int,
               zs: dict[int, list[float]] | None = None) -> int:
    """Layer l's title and its nodes a_j^l, with z_j^l, delta_j^l and its factors under each
    when asked (not placed yet); returns how many of its nodes are saturated."""
    figure.nodes.append(Node(f"layer{layer_no}", "title", (f"layer {layer_no}",)))
    L = len(net.sizes)
    role = "input" if layer_no == 1 else "output" if layer_no == L else "intermediate"
    saturated = 0
    for j in range(net.sizes[layer_no - 1]):
        node = Node(f"a{layer_no}_{j + 1}", "neuron",
                    (lecture_html(node_label("a", layer_no, j), small=True),),
                    ROLE_COLOURS[role],
                    tooltip="input" if layer_no == 1 else _tooltip(net, layer_no, j, digits))
        lines = []
        if zs is not None and layer_no > 1:
            lines.append(f"{lecture_html(node_label('z', layer_no, j), small=True)} = "
                         f"{number(zs[layer_no][j], digits)}")
        if deltas is not None and layer_no > 1:
            d = deltas[layer_no][j]
            node.fill = _shade(d, deltas["largest"])
            lines.append(f"{lecture_html(node_label('delta', layer_no, j), small=True)} = "
                         f"{number(d, digits)}")
        if sigma_primes is not None and layer_no > 1:
            s, dC_da = sigma_primes[layer_no][j]
            if deltas is not None:
                a = lecture_html(node_label("a", layer_no, j), small=True)
                lines.append(f"\u2202C/\u2202{a} = {number(dC_da, digits)}")
            lines.append(f"\u03c3\u2032(z) = {number(s, digits)}")
            if s < saturated_below:
                saturated += 1
                node.dashed = True
        node.cells += tuple(lines)
        figure.nodes.append(node)
    return saturated


def _zs(net: MLP) -> dict[int, list[float]]:
    """z_j^l of every node of layers 2..L, from the last forward pass."""
    for layer in net.layers:
        if len(layer.z) != len(layer.neurons):
            raise ValueError("z=True writes z_j^l, which needs a forward pass first: net(x)")
    return {layer.l: [z.data for z in layer.z] for layer in net.layers}


def _sigma_primes(net: MLP) -> dict[int, list[tuple[float, float]]]:
    """(sigma'(z_j^l), dC/da_j^l) of every node of layers 2..L, as the graph holds them."""
    found = {}
    for layer in net.layers:
        if len(layer.z) != len(layer.neurons):
            raise ValueError(
                "factors=True writes sigma'(z_j^l), which needs a forward pass first: net(x)")
        found[layer.l] = [(neuron.sigma.autograd_prime(z.data), a.grad)
                          for neuron, z, a in zip(layer.neurons, layer.z, layer.a)]
    return found


def _placer(sizes: list[int], rankdir: str, gap: float, row_gap: float, title: float
            ) -> Place:
    """(x, y) in inches of node ``row`` (0: the layer's title) of layer l, as rankdir says.

    Layer l is column l - 1 (``gap`` inches apart); its n nodes are rows
    ``row_gap`` apart, centred on the middle of the tallest layer; the title
    sits ``title`` beyond the first row of the tallest layer (above it, or left).
    """
    tallest = max(sizes)

    def place(layer_no: int, row: int) -> tuple[float, float]:
        along = (layer_no - 1) * gap
        n = sizes[layer_no - 1]
        if row:
            across = ((n + 1) / 2 - row) * row_gap
        else:
            across = (tallest - 1) / 2 * row_gap + title
        return {"LR": (along, across), "RL": (-along, across),
                "TB": (-across, -along), "BT": (-across, along)}[rankdir]

    return place


def save_pictures(
    net: MLP,
    x: Sequence[float],
    y: Sequence[float],
    folder: str | os.PathLike[str],
    *,
    cost: Callable[..., Value] | str = quadratic_cost,
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
    C = cost_or_function(cost)([net(x)], [y])
    C.backward()
    pictures = {
        "network": draw_network(net, delta=True, max_edges=max_edges),
        "graph": draw(C, clusters=True, params=net.parameters(), max_nodes=max_nodes),
    }
    return [save_picture(g, folder / f"{name}.{format}", format=format)
            for name, g in pictures.items()]


def _weight_edge(layer_no: int, j: int, k: int, w: float, largest: float, digits: int) -> Edge:
    """The edge of w_jk^l, from node k of layer l-1 into node j of layer l.

    Blue for w > 0, red for w < 0, as wide as |w| relative to the largest
    weight; its tooltip (in SVG) gives the number.
    """
    return Edge(f"a{layer_no - 1}_{k + 1}", f"a{layer_no}_{j + 1}",
                colour=POSITIVE if w >= 0 else NEGATIVE, width=_width(w, largest),
                tooltip=f"{node_label('w', layer_no, j, k)} = {w:.{digits}g}")


# Where along its edge a weight's label may sit, as the fraction of the way from
# node k (layer l-1) to node j (layer l): near node j first, the node the weight
# feeds, then further back. Labels at the middle of crossing edges would meet.
_LABEL_PLACES = (0.72, 0.62, 0.52, 0.42, 0.32, 0.8, 0.24, 0.67, 0.57, 0.47, 0.37, 0.28, 0.76)
_CHAR_WIDTH, _LABEL_HEIGHT, _LABEL_PAD = 0.082, 0.28, 0.06  # inches, at 10 points


def _weight_labels(figure: Figure, net: MLP, place: Place, lines: int, digits: int) -> int:
    """Write "w_jk^l = value" on each edge where it overlaps nothing; return how many could not.

    Each label is a small node pinned on its edge at the first of
    ``_LABEL_PLACES`` where its box (estimated from its text, a little
    generously, and never smaller than deltagrad draws it) meets no node and
    no label placed before it. A label that fits nowhere is left out: the
    edge's tooltip still gives the number.
    """
    # a node with lines of numbers is a wide oval
    guess = (0.75, 0.2 + 0.15 * lines) if lines > 1 else (0.34, 0.34)
    taken = [_box(n.pos, *map(max, guess, _half(n))) for n in figure.nodes
             if n.kind == "neuron" and n.pos is not None]  # (all placed by now)
    left_out = 0
    for layer in net.layers:
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                text = f"{node_label('w', layer.l, j, k)} = {number(w.data, digits)}"
                tag = _weight_tag(layer.l, j, k, w.data, None, digits)
                tag_w, tag_h = _half(tag)
                half = (max(len(text) * _CHAR_WIDTH / 2 + _LABEL_PAD, tag_w),
                        max(_LABEL_HEIGHT / 2, tag_h))
                tail, head = place(layer.l - 1, k + 1), place(layer.l, j + 1)
                tag.pos = _free_spot(tail, head, half, taken)
                if tag.pos is None:
                    left_out += 1
                    continue
                taken.append(_box(tag.pos, *half))
                figure.tags.append(tag)
    return left_out


def _free_spot(tail: Point, head: Point, half: Point, taken: list[Box]) -> Point | None:
    for t in _LABEL_PLACES:
        spot = (tail[0] + t * (head[0] - tail[0]), tail[1] + t * (head[1] - tail[1]))
        box = _box(spot, *half)
        if not any(_overlap(box, other) for other in taken):
            return spot
    return None


def _box(centre: Point, half_w: float, half_h: float) -> Box:
    return (centre[0] - half_w, centre[1] - half_h, centre[0] + half_w, centre[1] + half_h)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _weight_tag(layer_no: int, j: int, k: int, w: float, spot: Point | None, digits: int
                ) -> Node:
    """The label of w_jk^l, pinned at ``spot`` on its edge, in the edge's colour."""
    name = lecture_html(node_label("w", layer_no, j, k), small=True)
    return Node(f"w{layer_no}_{j + 1}_{k + 1}", "tag", (f"{name} = {number(w, digits)}",),
                text_colour=POSITIVE if w >= 0 else NEGATIVE, pos=spot,
                tooltip=f"{node_label('w', layer_no, j, k)} = {w:.{digits}g}")


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


def _deltas(net: MLP) -> Deltas:
    """delta_j^l = the grad of z_j^l, by layer number, and the largest |delta|."""
    deltas: Deltas = {}
    for layer in net.layers:
        if len(layer.z) != len(layer.neurons):
            raise ValueError(
                "delta=True shades the nodes by delta_j^l = dC/dz_j^l, which needs a forward "
                "pass and C.backward() first: C = quadratic_cost([net(x)], [y]); C.backward()"
            )
        deltas[layer.l] = [z.grad for z in layer.z]
    # After one example's C.backward() on zeroed grads, dC/db_j^l is delta_j^l to the bit
    # (b enters z alone, times 1); after a batch, or grads left from an earlier backward,
    # b's grad holds more than the last example's share that z's grad is.
    if any(n.b.grad != z.grad for layer in net.layers for n, z in zip(layer.neurons, layer.z)):
        raise ValueError(
            f"delta_j^l belongs to one example, but the network has run {net.forward_passes} "
            "examples since its last zero_grad() and its grads hold more than the last one's "
            "(after a batch, z's grad is only the last example's share): call net.zero_grad() "
            "first, then C = quadratic_cost([net(x)], [y]); C.backward()"
        )
    largest = max(abs(d) for ds in deltas.values() for d in ds)
    if largest == 0.0:
        raise ValueError(_why_no_delta(net))
    deltas["largest"] = largest
    return deltas


def _why_no_delta(net: MLP) -> str:
    """Why every delta_j^l is 0: the output layer saturated, or no C.backward() was called.

    sigma'(z) is exactly 0 in floats where sigma is flat to the last bit (a
    sigmoid or tanh saturated far out, a relu below 0): equation 1 then gives
    delta^L = 0 whatever the cost, and equation 2 carries nothing back.
    """
    output = net.layers[-1]
    stuck = [j for j, (neuron, z) in enumerate(zip(output.neurons, output.z))
             if neuron.sigma.autograd_prime(z.data) == 0.0]
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


def _legend(delta: bool, left_out: int = 0, saturated: tuple[int, float, int] | None = None) -> str:
    """A one-line key under the picture, as an HTML-like label."""
    blue = f'<FONT COLOR="{POSITIVE}">blue &gt; 0</FONT>'
    red = f'<FONT COLOR="{NEGATIVE}">red &lt; 0</FONT>'
    text = f"edges: {lecture_html('w_jk^l')}, {blue}, {red}, width |{lecture_html('w')}|"
    if delta:
        text += f";   nodes: {lecture_html('delta_j^l')} = \u2202C/\u2202{lecture_html('z_j^l')}"
        text += f", {blue}, {red}"
    if saturated is not None:
        count, below, digits = saturated
        text += (f";   dashed outline: saturated, \u03c3\u2032(z) &lt; {number(below, digits)} "
                 f"({count} node{'s' * (count != 1)})")
    if left_out:
        many = left_out != 1
        text += (f";   {left_out} weight label{'s' * many} left out where "
                 f"{'they' if many else 'it'} would overlap (hover an edge for its w)")
    return text


def neuron_of(v: Value) -> tuple[str, str] | None:
    """The groups of a Value nn labelled: ("layer l", "node j") for w_jk^l, b_j^l, z_j^l
    and a_j^l (``node_label``'s labels read back), None for any other Value.

    ``autodiff.draw(C, clusters=True)`` groups by it: nn sets it as the default
    grouping when imported.
    """
    m = NOTATION.fullmatch(v.label)
    if not m or m.group(1) not in ("w", "b", "z", "a") or not m.group(2) or not m.group(3):
        return None
    symbol, sub, sup = m.groups()
    if not sup.isdigit():
        return None
    if symbol == "w":  # "w_12^2" (single digits) or "w_1,12^2": j comes first
        j = sub.split(",")[0] if "," in sub else sub[:1] if len(sub) == 2 else ""
    else:
        j = sub
    return (f"layer {int(sup)}", f"node {int(j)}") if j.isdigit() else None


set_default_grouping(neuron_of)
