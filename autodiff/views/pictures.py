"""Pictures of computation graphs: a Value and everything it depends on, as a graphviz.Digraph.

``draw(C)`` lays the graph out left to right as micrograd's ``draw_dot`` does:
a box per Value, and a small oval per operation between its inputs and its
result, so that the chain rule can be read off the picture. Each edge carries
a local derivative; ``C.backward()`` multiplies them along every path from C
back to a node and adds the paths up, which is the ``grad`` shown in its box.

Labels written in the lecture's notation (``w_12^2``, ``b_1^2``, ``z_1^2``,
``a_1^2``, ``C``; see ``nn.model.layers.node_label``) are typeset with real
subscripts and superscripts, and once C has been backpropagated a z node shows
its grad under its lecture name: delta_j^l = dC/dz_j^l.

Only building the picture happens here; laying it out and rendering it is the
job of Graphviz's ``dot`` program. ``draw`` never needs ``dot``; the returned
:class:`Drawing` (a ``graphviz.Digraph``) needs it to render, and says how to
install it when it is missing. :func:`save_picture` writes a picture file atomically.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import graphviz

from autodiff import ops
from autodiff.files import atomic_write
from autodiff.sweep import reverse_sweep
from autodiff.value import Value
from autodiff.views.notation import NOTATION, lecture_html, number, symbol_of

# lecture_html and number are used from here by nn's diagrams, too
__all__ = ["Drawing", "GraphTooLargeError", "GraphvizMissingError", "draw", "draw_grads",
           "lecture_html", "number", "save_picture"]

# Fill colour of a Value's box by its role in the graph.
ROLE_COLOURS = {
    "input": "#e6dcf5",  # lavender: a leaf the user supplied (x, y, a_k^1)
    "parameter": "#fde3c8",  # light orange: a leaf that training changes (w, b)
    "constant": "#eeeeee",  # light grey: a number written into the expression
    "intermediate": "#ffffff",  # white: computed on the way
    "output": "#d5ecd4",  # light green: the root, usually the cost C
}
HIGHLIGHT_COLOUR = "#c0392b"
SHOWS = ("data+grad", "data", "grad")
_TABLE = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLUMNS="*">'
_OP_ATTRS = ('shape=oval style=filled fillcolor="#f6f6f6" color="#888888" fontsize=11 '
             "margin=0.02 width=0.3 height=0.3")
_HIGHLIGHT_ATTRS = f' color="{HIGHLIGHT_COLOUR}" penwidth=2.5'
_OPERAND_ATTRS = 'fontname=Helvetica fontsize=9 fontcolor="#555555"'
RANKDIRS = ("LR", "RL", "TB", "BT")
# Raster pictures are made for a slide: scaled (up or down) to fill a 1920 x 1080
# pixel box, the "!" of Graphviz's size attribute.
SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX, SLIDE_DPI = 1920, 1080, 96
SLIDE_SIZE = f"{SLIDE_WIDTH_PX / SLIDE_DPI:g},{SLIDE_HEIGHT_PX / SLIDE_DPI:g}!"
RASTER_FORMATS = ("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp")
DEFAULT_MAX_NODES = 1000

INSTALL_HINT = (
    "Install Graphviz from your system's packages: 'sudo apt-get install graphviz' "
    "(Debian, Ubuntu), 'brew install graphviz' (macOS) or "
    "'conda install -c conda-forge graphviz'; then check that 'dot -V' runs."
)

_NUMBER_START = "0123456789.-\u2212"
_NEURON_SYMBOLS = ("w", "b", "z", "a")


class GraphvizMissingError(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's ``dot`` program, and it is not on the PATH."""

    _msg = (
        "Graphviz's dot program is missing (could not run {!r}), so the picture cannot be "
        "rendered. Building the graph and its DOT source (.source) works without it. "
        + INSTALL_HINT
    )


class GraphTooLargeError(ValueError):
    """The graph has more Values than ``max_nodes``.

    The walk stops as soon as it finds one more than allowed, so ``.n_values``
    (= max_nodes + 1) says how many it found, not how many there are.
    """

    def __init__(self, n_values: int, message: str) -> None:
        super().__init__(message)
        self.n_values = n_values


@contextmanager
def _needs_dot() -> Iterator[None]:
    """Turn graphviz's terse 'failed to execute' into an error that says what to install."""
    try:
        yield
    except GraphvizMissingError:
        raise
    except graphviz.ExecutableNotFound as e:
        cause = e.__cause__
        program = cause.filename if isinstance(cause, OSError) and cause.filename else "dot"
        raise GraphvizMissingError([str(program)]) from e


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering says how to install Graphviz when ``dot`` is missing.

    Everything else is the Digraph: ``.source`` is the DOT text, Jupyter shows it
    inline as SVG, ``.render()`` and ``.pipe()`` make SVG, PNG or PDF.
    """

    def pipe(self, *args, **kwargs):  # noqa: D102 (the Digraph's own docstring applies)
        with _needs_dot():
            return super().pipe(*args, **kwargs)

    def render(self, *args, **kwargs):  # noqa: D102
        with _needs_dot():
            return super().render(*args, **kwargs)


def save_picture(
    graph: graphviz.Digraph, path: str | os.PathLike, *, format: str | None = None
) -> Path:
    """Render ``graph`` into the file ``path``, atomically; return the path.

    The format comes from the suffix (``.svg``, ``.png``, ``.pdf``, ...) unless
    given. ``.dot`` or ``.gv`` writes the DOT source itself and needs no Graphviz.
    A raster picture (PNG, ...) is scaled to fill a slide, 1920 x 1080 pixels
    (``slide_sized``); SVG and PDF scale by themselves.
    The picture is made in memory and moved into place in one step, so a failed
    render never leaves a half-written file behind.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot save {str(path)!r}: the folder {str(path.parent)!r} does not exist"
        )
    if path.is_dir():
        raise IsADirectoryError(f"cannot save {str(path)!r}: it is a folder; give a file name")
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt in ("dot", "gv"):
        data = graph.source.encode("utf-8")
    elif fmt in graphviz.FORMATS:
        if fmt in RASTER_FORMATS:
            graph = slide_sized(graph)
        with _needs_dot():
            data = graph.pipe(format=fmt)
    else:
        raise ValueError(
            f"cannot tell the picture format of {str(path)!r}: give a suffix such as .svg, "
            f".png, .pdf or .dot, or format= one of Graphviz's formats"
        )
    return atomic_write(path, lambda f: f.write(data), binary=True)


def draw_grads(
    root: Value,
    grads: Mapping[Value, float] | Callable[[Value], float],
    *,
    reference: Mapping[Value, float] | Callable[[Value], float] | None = None,
    **options,
) -> Drawing:
    """The graph of ``root`` showing ``grads``, each wrong one outlined beside the right one.

    For comparing a backward pass with the right one: ``grads`` maps Values to
    the gradients some procedure found (a hand-written backward, a naive
    recursion), and ``reference`` to the right ones, by default what
    ``root.backward()`` gives (worked out on the side: the graph's own grads
    are not touched). Every Value whose grad differs from its reference (by
    more than rounding) is outlined in red, and its box shows the right
    number beside the wrong one. Other keyword arguments go to :func:`draw`.

    >>> from autodiff import Value
    >>> a = Value(3.0, label="a")
    >>> b = a * a
    >>> g = draw_grads(b, {a: 3.0})      # only one of the two paths: da should be 6
    >>> "right: 6" in g.source
    True
    """
    if reference is None:
        reference = reverse_sweep(root).grad
    given, right = _grad_reader(grads), _grad_reader(reference)
    wrong = [v for v in graph_order(root, options.get("max_nodes", DEFAULT_MAX_NODES))
             if not _same(given(v), right(v))]
    return draw(root, grads=given, expected=right, highlight=wrong, **options)


def _same(a: float, b: float) -> bool:
    """Equal up to the rounding of a different order of additions."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def slide_sized(graph: graphviz.Digraph) -> graphviz.Digraph:
    """A copy of ``graph`` that renders scaled to fill a 1920 x 1080 slide (at 96 dpi)."""
    sized = graph.copy()
    sized.attr(size=SLIDE_SIZE, dpi=str(SLIDE_DPI))
    return sized


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show: str = "data+grad",
    max_nodes: int = DEFAULT_MAX_NODES,
    digits: int = 4,
    highlight: Iterable[Value] = (),
    params: Iterable[Value] | None = None,
    clusters: bool = False,
    names: bool = False,
    grads: Mapping[Value, float] | Callable[[Value], float] | None = None,
    expected: Mapping[Value, float] | Callable[[Value], float] | None = None,
) -> Drawing:
    """The computation graph of ``root``: every Value it depends on and every operation.

    >>> from autodiff import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> g = draw(w * x + 1.0)
    >>> g.source.count("shape=oval")       # the operations * and +
    2

    Each Value is a box with its label, its data and its grad (``digits``
    significant digits); each operation is a small oval between its inputs and
    its result. Boxes are filled by role:

    * lavender, **input**: a labelled leaf that is not a parameter (x, y, a_k^1);
    * light orange, **parameter**: a leaf in ``params``; without ``params``, a leaf
      labelled as a weight or bias (``w_jk^l``, ``b_j^l``);
    * light grey, **constant**: a number written into the expression, an
      unlabelled leaf (the 1.0 above) or one labelled with a formula of numbers
      (the cost's "1/(2n)");
    * white, **intermediate**: any other computed Value;
    * light green, **output**: ``root`` itself.

    Args:
        root: the Value to draw, usually the cost C.
        rankdir: "LR" (inputs on the left), "RL", "TB" (inputs on top) or "BT".
        show: "data+grad", "data" (the forward view, before any backward) or "grad".
        max_nodes: refuse graphs with more Values than this: ``dot`` takes minutes
            on tens of thousands of nodes, and nobody can read the result.
        digits: significant digits of the numbers shown.
        highlight: Values to outline in red, e.g. the path a gradient takes.
        params: the parameters (``net.parameters()``), to colour them as such.
        names: write its name in each unlabelled Value's box: "v7", as the DOT
            source names it (``graph_order(root)[7]``); step-by-step views use it.
        grads: the gradients to show instead of the Values' own ``grad``: a
            mapping or a function from Value to number (for example the grads
            of one step of a sweep, or of a deliberately wrong backward).
        expected: the right gradients, where ``grads`` may be wrong: a box whose
            grad differs from its expected one shows both, the right one in
            red (``draw_grads`` uses it, outlining those boxes too).
        clusters: group the Values of each neuron (from the labels ``w_jk^l``,
            ``b_j^l``, ``z_j^l``, ``a_j^l``) in a box "node j", inside a box "layer l".
            An unlabelled Value joins a neuron when everything using it does.

    Labels in the lecture's notation get real subscripts and superscripts. When
    ``root`` is labelled "C" and has been backpropagated (its grad is not 0),
    a ``z_j^l`` box shows its grad as delta_j^l = dC/dz_j^l.

    The DOT source depends only on the graph: nodes are named v0, v1, ... in a
    fixed traversal order (parents first, operands in order), never by ``id()``,
    so equal graphs give byte-identical source.
    """
    _check_options(root, rankdir, show, max_nodes, digits)
    order = graph_order(root, max_nodes)
    grad_of = _grad_reader(grads)
    expected_of = None if expected is None else _grad_reader(expected)
    index = {id(v): i for i, v in enumerate(order)}
    marked = _index_of_each(highlight, index, "highlight")
    param_ids = None if params is None else _index_of_each(params, index, None)
    deltas = (root.label == "C" and grad_of(root) != 0.0 and show != "data"
              and _one_example(order))

    g = Drawing(
        "computation_graph",
        graph_attr={"rankdir": rankdir, "nodesep": "0.2", "ranksep": "0.3"},
        node_attr={"shape": "box", "style": "rounded,filled", "margin": "0.05",
                   "fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"color": "#555555", "arrowsize": "0.6"},
    )
    # The DOT lines are written here rather than by Digraph.node(): graphviz's
    # quoting of every attribute costs most of the time on a large graph, and
    # every value below is either one of our constants or an escaped HTML label.
    groups = _neurons(order, index) if clusters else None
    neuron_graphs: dict[tuple[int, int], graphviz.Digraph] = {}
    loose, edges = [], []
    for i, v in enumerate(order):
        body = loose
        if groups and groups[i] is not None:
            key = groups[i]
            if key not in neuron_graphs:
                neuron_graphs[key] = _neuron_cluster(*key)
            body = neuron_graphs[key].body
        fill = ROLE_COLOURS[_role(v, i, len(order), param_ids)]
        outline = _HIGHLIGHT_ATTRS if i in marked else ""
        label = _value_label(v, show, digits, deltas, grad_of(v), f"v{i}" if names else "",
                             None if expected_of is None else expected_of(v))
        body.append(f'\tv{i} [label=<{label}> fillcolor="{fill}"{outline}]\n')
        if v.op:
            body.append(f"\tv{i}op [label=<{_op_label(v.op)}> {_OP_ATTRS}]\n")
            edges.extend(_operand_edges(v, i, index))
            edges.append(f"\tv{i}op -> v{i}\n")
    # Clusters first, layer 1 leading: dot orders each rank as it meets the nodes.
    if neuron_graphs:
        _add_clusters(g, neuron_graphs)
    g.body.extend(loose)
    g.body.extend(edges)
    return g


def _operand_edges(v: Value, i: int, index: dict[int, int]) -> list[str]:
    """The edges from v's operands into its operation; labelled x and y where order matters."""
    parents = [index[id(p)] for p in v.parents]
    try:
        ordered = len(parents) == 2 and not ops.lookup(v.op)[0].commutes
    except KeyError:  # an operation the table does not know: draw it all the same
        ordered = False
    if not ordered:
        return [f"\tv{k} -> v{i}op\n" for k in parents]
    return [f"\tv{k} -> v{i}op [label=<<I>{name}</I>> {_OPERAND_ATTRS}]\n"
            for k, name in zip(parents, "xy")]


def _one_example(order: list[Value]) -> bool:
    """True when no z_j^l label repeats: the graph is one example's.

    Only then is dC/dz_j^l the lecture's delta_j^l; in a batch of n, each
    example's z gets delta_j^l / n.
    """
    seen = set()
    for v in order:
        if symbol_of(v.label) == "z":
            if v.label in seen:
                return False
            seen.add(v.label)
    return True


def _check_options(root: object, rankdir: str, show: str, max_nodes: int, digits: int) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw expects a Value (the root of a graph), got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if show not in SHOWS:
        raise ValueError(f"show must be one of {SHOWS}, got {show!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")


def _grad_reader(grads: Mapping[Value, float] | Callable[[Value], float] | None):
    if grads is None:
        return lambda v: v.grad
    if callable(grads):
        return grads
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a mapping or a function from Value to number, "
                        f"got {type(grads).__name__}")
    return lambda v: grads.get(v, v.grad)


def graph_order(root: Value, max_nodes: int | None = None) -> list[Value]:
    """Every Value ``root`` depends on, parents first, in the order ``draw`` numbers them.

    The i-th Value is node "v<i>" of the DOT source.
    An iterative depth-first search (no recursion limit) that leaves the nodes
    untouched: the engine's own sort resets grads and marks, which would spoil
    the picture of a graph after backward. With ``max_nodes`` it stops as soon
    as it has found more Values than that (a graph of millions is refused at
    once, not after a walk through all of it).
    """
    order = []
    seen = set()
    stack = [(root, False)]
    while stack:
        v, expanded = stack.pop()
        if expanded:  # every parent has been listed by now
            order.append(v)
            continue
        if id(v) in seen:  # reached again by another path, and listed already
            continue
        seen.add(id(v))
        if max_nodes is not None and len(seen) > max_nodes:
            raise GraphTooLargeError(
                len(seen),
                f"the graph has more than {max_nodes} Values (max_nodes={max_nodes}): "
                "draw(..., max_nodes=...) with a larger number draws it anyway (dot is slow "
                "on large graphs), or draw a smaller piece, such as the cost of a single example"
            )
        stack.append((v, True))
        # Pushed in reverse so that the first operand is explored first.
        for p in reversed(v.parents):
            if id(p) not in seen:
                stack.append((p, False))
    return order


def _index_of_each(values: Iterable[Value], index: dict[int, int], what: str | None) -> set[int]:
    """The positions of ``values`` in the graph; for ``highlight`` each must be in it."""
    found = set()
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"{what or 'params'} must hold Values, got {type(v).__name__}: {v!r}")
        i = index.get(id(v))
        if i is None:
            if what is not None:
                raise ValueError(f"{what}: {v!r} is not part of the graph being drawn")
            continue  # a parameter this root does not depend on
        found.add(i)
    return found


def _role(v: Value, i: int, n: int, param_ids: set[int] | None) -> str:
    if i == n - 1:  # the root comes last in a parents-first order
        return "output"
    if v.op:
        return "intermediate"
    if param_ids is not None:
        if i in param_ids:
            return "parameter"
    elif symbol_of(v.label) in ("w", "b"):
        return "parameter"
    # a label written as a formula of numbers ("1/(2n)", "1 − y_1") names a constant
    return "input" if v.label and v.label[0] not in _NUMBER_START else "constant"


def _value_label(v: Value, show: str, digits: int, deltas: bool, grad: float, name: str,
                 expected: float | None = None) -> str:
    cells = []
    if v.label:
        cells.append(f"<B>{lecture_html(v.label, small=True)}</B>")
    elif name:
        cells.append(f'<FONT COLOR="#777777">{name}</FONT>')
    if show != "grad" or not v.label:  # an unlabelled Value is known by its data
        cells.append(f"data {number(v.data, digits)}")
    if show != "data":
        m = NOTATION.fullmatch(v.label)
        if deltas and m and m.group(1) == "z":  # delta_j^l = dC/dz_j^l, as the lecture names it
            name = lecture_html("delta" + v.label[1:], small=True)
            cells.append(f"{name} = {number(grad, digits)}")
        else:
            cells.append(f"grad {number(grad, digits)}")
        if expected is not None and not _same(grad, expected):
            cells.append(f'<FONT COLOR="{HIGHLIGHT_COLOUR}">right: {number(expected, digits)}'
                         "</FONT>")
    row = "".join(f"<TD>{c}</TD>" for c in cells)
    return f"{_TABLE}<TR>{row}</TR></TABLE>"


def _op_label(op: str) -> str:
    """An operation as HTML-like label text: its op-table symbol (x**2 as a superscript)."""
    try:
        entry, _ = ops.lookup(op)
    except KeyError:  # not the engine's: show the name
        return html.escape(op)
    return entry.symbol.format(n=html.escape(op[2:])) if entry.parametrised else entry.symbol


def _neurons(order: list[Value], index: dict[int, int]) -> list[tuple[int, int] | None]:
    """The neuron (l, j) of each Value, from the lecture labels, for clustering.

    A Value labelled w_jk^l, b_j^l, z_j^l or a_j^l belongs to node j of layer l.
    An unlabelled one (a product w_jk^l a_k^{l-1}, a partial sum) belongs to a
    neuron when every Value that uses it does; so the sum making z_j^l joins
    node j, while the cost's terms stay outside every neuron.
    """
    users: list[list[int]] = [[] for _ in order]
    for i, v in enumerate(order):
        for p in v.parents:
            users[index[id(p)]].append(i)
    group: list[tuple[int, int] | None] = [None] * len(order)
    for i in range(len(order) - 1, -1, -1):  # users come after their parents
        label = order[i].label
        if label:
            group[i] = _neuron_of(label)
        elif users[i]:
            first = group[users[i][0]]
            if all(group[u] == first for u in users[i]):
                group[i] = first
    return group


def _neuron_of(label: str) -> tuple[int, int] | None:
    m = NOTATION.fullmatch(label)
    if not m or m.group(1) not in _NEURON_SYMBOLS or not m.group(2) or not m.group(3):
        return None
    symbol, sub, sup = m.groups()
    if not sup.isdigit():
        return None
    if symbol == "w":  # "w_12^2" (single digits) or "w_1,12^2": j comes first
        j = sub.split(",")[0] if "," in sub else sub[:1] if len(sub) == 2 else ""
    else:
        j = sub
    return (int(sup), int(j)) if j.isdigit() else None


def _neuron_cluster(layer_no: int, j: int) -> graphviz.Digraph:
    return graphviz.Digraph(
        name=f"cluster_layer{layer_no}_node{j}",
        graph_attr={"label": f"node {j}", "style": "rounded,dashed", "color": "#bbbbbb",
                    "fontname": "Helvetica", "fontsize": "11"},
    )


def _add_clusters(g: graphviz.Digraph, neurons: dict[tuple[int, int], graphviz.Digraph]) -> None:
    """Nest each neuron's cluster in its layer's, layers and nodes in increasing order."""
    for layer_no in sorted({key[0] for key in neurons}):
        layer = graphviz.Digraph(
            name=f"cluster_layer{layer_no}",
            graph_attr={"label": f"layer {layer_no}", "style": "rounded", "color": "#999999",
                        "fontname": "Helvetica"},
        )
        for key in sorted(k for k in neurons if k[0] == layer_no):
            layer.subgraph(neurons[key])
        g.subgraph(layer)
