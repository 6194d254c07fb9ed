"""Pictures of computation graphs: a Value and everything it depends on.

``draw(C)`` lays the graph out left to right as micrograd's ``draw_dot`` does:
a box per Value, and a small oval per operation between its inputs and its
result, so that the chain rule can be read off the picture. Each edge carries
a local derivative; ``C.backward()`` multiplies them along every path from C
back to a node and adds the paths up, which is the ``grad`` shown in its box.

Labels written in the lecture's notation (``w_12^2``, ``b_1^2``, ``z_1^2``,
``a_1^2``, ``C``) are typeset with real subscripts and superscripts, and once
C has been backpropagated a z node shows its grad under its lecture name:
delta_j^l = dC/dz_j^l.

``draw`` builds a :class:`~autodiff.views.figure.Figure` and returns it as a
:class:`~autodiff.views.drawing.Drawing`: a ``graphviz.Digraph`` with the DOT
source, which :func:`save_picture` writes to a file atomically.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from autodiff import ops
from autodiff.sweep import reverse_sweep
from autodiff.value import Value
from autodiff.views.drawing import (
    INSTALL_HINT,
    RASTER_FORMATS,
    Drawing,
    GraphvizMissingError,
    save_picture,
    slide_sized,
)
from autodiff.views.figure import Edge, Figure, Node
from autodiff.views.notation import NOTATION, lecture_html, number, symbol_of

# lecture_html and number are used from here by nn's diagrams, too
__all__ = ["INSTALL_HINT", "RASTER_FORMATS", "Drawing", "GraphTooLargeError",
           "GraphvizMissingError", "draw", "draw_grads", "lecture_html", "number",
           "save_picture", "set_default_grouping", "slide_sized"]

# Fill colour of a Value's box by its role in the graph.
ROLE_COLOURS = {
    "input": "#e6dcf5",  # lavender: a leaf the user supplied (x, y, a_k^1)
    "parameter": "#fde3c8",  # light orange: a leaf that training changes (w, b)
    "constant": "#eeeeee",  # light grey: a number written into the expression
    "intermediate": "#ffffff",  # white: computed on the way
    "output": "#d5ecd4",  # light green: the root, usually the cost C
}
# A stepper's current step, outlined: orange, told apart from both sign colours of the
# network diagrams (blue, red) also by readers with red-green colour blindness, to whom
# it is a light yellow beside a dark olive red (tests/autodiff/views/test_colours.py).
HIGHLIGHT_COLOUR = "#e69f00"
# Nodes a caller marks (draw's highlight=) and the right value beside a wrong one.
MARK_COLOUR = "#c0392b"
SHOWS = ("data+grad", "data", "grad")
RANKDIRS = ("LR", "RL", "TB", "BT")
DEFAULT_MAX_NODES = 1000

_NUMBER_START = "0123456789.-\u2212"

# A grouping says which groups a Value belongs to, outermost first
# (("layer 2", "node 1")), or None. ``clusters=True`` uses the one set by
# set_default_grouping: nn sets its own when imported (neurons inside layers,
# read from the labels it gives its Values), so autodiff reads no package's labels.
Grouping = Callable[[Value], "Sequence[str] | None"]
_default_grouping: list[Grouping] = []


def set_default_grouping(grouping: Grouping) -> None:
    """Make ``grouping`` the one ``draw(..., clusters=True)`` uses.

    ``grouping(v)`` gives the labels of the groups around the Value v,
    outermost first (``("layer 2", "node 1")``), or None for none.
    """
    if not callable(grouping):
        raise TypeError(f"a grouping is a function from a Value to group labels, got "
                        f"{type(grouping).__name__}")
    _default_grouping[:] = [grouping]


class GraphTooLargeError(ValueError):
    """The graph has more Values than ``max_nodes``.

    The walk stops as soon as it finds one more than allowed, so ``.n_values``
    (= max_nodes + 1) says how many it found, not how many there are.
    """

    def __init__(self, n_values: int, message: str) -> None:
        super().__init__(message)
        self.n_values = n_values


def draw_grads(
    root: Value,
    grads: Mapping[Value, float] | Callable[[Value], float],
    *,
    reference: Mapping[Value, float] | Callable[[Value], float] | None = None,
    **options: Any,
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


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show: str = "data+grad",
    max_nodes: int = DEFAULT_MAX_NODES,
    digits: int = 4,
    highlight: Iterable[Value] = (),
    params: Iterable[Value] | None = None,
    clusters: bool | Grouping = False,
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
        clusters: group the Values in boxes: a function from a Value to the
            labels of its groups, outermost first (``("layer 2", "node 1")``) or
            None; or True for the default grouping, which ``nn`` sets: each
            neuron's Values (``w_jk^l``, ``b_j^l``, ``z_j^l``, ``a_j^l``) in a box
            "node j", inside a box "layer l". An unlabelled Value joins a group
            when everything using it does.

    Labels in the lecture's notation get real subscripts and superscripts. When
    ``root`` is labelled "C" and has been backpropagated (its grad is not 0),
    a ``z_j^l`` box shows its grad as delta_j^l = dC/dz_j^l.

    The DOT source depends only on the graph: nodes are named v0, v1, ... in a
    fixed traversal order (parents first, operands in order), never by ``id()``,
    so equal graphs give byte-identical source.
    """
    _check_options(root, rankdir, show, max_nodes, digits, clusters)
    order = graph_order(root, max_nodes)
    grad_of = _grad_reader(grads)
    expected_of = None if expected is None else _grad_reader(expected)
    index = {id(v): i for i, v in enumerate(order)}
    marked = _index_of_each(highlight, index, "highlight")
    param_ids = None if params is None else _index_of_each(params, index, None)
    deltas = (root.label == "C" and grad_of(root) != 0.0 and show != "data"
              and _one_example(order))

    groups = _groups(order, index, _grouping(clusters)) if clusters else [()] * len(order)
    nodes, edges = [], []
    for i, v in enumerate(order):
        label = _value_cells(v, show, digits, deltas, grad_of(v), f"v{i}" if names else "",
                             None if expected_of is None else expected_of(v))
        outline = (MARK_COLOUR, 2.5) if i in marked else ("", 0.0)
        nodes.append(Node(f"v{i}", "value", label, ROLE_COLOURS[_role(v, i, len(order),
                          param_ids)], *outline, group=groups[i]))
        if v.op:
            nodes.append(Node(f"v{i}op", "operation", (_op_label(v.op),), group=groups[i]))
            edges.extend(_operand_edges(v, i, index))
            edges.append(Edge(f"v{i}op", f"v{i}"))
    return Drawing.of(Figure("computation_graph", rankdir, nodes, edges))


def _operand_edges(v: Value, i: int, index: dict[int, int]) -> list[Edge]:
    """The edges from v's operands into its operation; labelled x and y where order matters."""
    parents = [index[id(p)] for p in v.parents]
    try:
        ordered = len(parents) == 2 and not ops.lookup(v.op)[0].commutes
    except KeyError:  # an operation the table does not know: draw it all the same
        ordered = False
    names = "xy" if ordered else [""] * len(parents)
    return [Edge(f"v{k}", f"v{i}op", f"<I>{name}</I>" if name else "")
            for k, name in zip(parents, names)]


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


def _check_options(root: object, rankdir: str, show: str, max_nodes: int, digits: int,
                   clusters: object) -> None:
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
    if not (isinstance(clusters, bool) or callable(clusters)):
        raise TypeError(f"clusters must be True, False or a function from a Value to its "
                        f"groups' labels, got {type(clusters).__name__}")


def _grad_reader(grads: Mapping[Value, float] | Callable[[Value], float] | None
                 ) -> Callable[[Value], float]:
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


def _value_cells(v: Value, show: str, digits: int, deltas: bool, grad: float, name: str,
                 expected: float | None = None) -> tuple[str, ...]:
    """The parts of a Value's box: its label (or name), data, grad (or delta), right grad."""
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
            cells.append(f'<FONT COLOR="{MARK_COLOUR}">right: {number(expected, digits)}'
                         "</FONT>")
    return tuple(cells)


def _op_label(op: str) -> str:
    """An operation as HTML-like label text: its op-table symbol (x**2 as a superscript)."""
    try:
        entry, _ = ops.lookup(op)
    except KeyError:  # not the engine's: show the name
        return html.escape(op)
    return entry.symbol.format(n=html.escape(op[2:])) if entry.parametrised else entry.symbol


def _grouping(clusters: bool | Grouping) -> Grouping:
    if callable(clusters):
        return clusters
    if not _default_grouping:
        raise ValueError(
            "clusters=True groups the Values by the default grouping, and none is set: pass "
            "clusters=a function from a Value to its groups' labels, outermost first (or "
            "None), or import nn, which groups its networks' Values by neuron and layer")
    return _default_grouping[0]


def _groups(order: list[Value], index: dict[int, int], grouping: Grouping
            ) -> list[tuple[str, ...]]:
    """The groups of each Value, outermost first: its own by ``grouping``, else its users'.

    A Value the grouping places nowhere, and that has no label (a product
    w_jk^l a_k^{l-1}, a partial sum), belongs to a group when every Value
    that uses it does; so the sum making z_j^l joins node j, while the cost's
    terms stay outside every neuron.
    """
    users: list[list[int]] = [[] for _ in order]
    for i, v in enumerate(order):
        for p in v.parents:
            users[index[id(p)]].append(i)
    group: list[tuple[str, ...]] = [()] * len(order)
    for i in range(len(order) - 1, -1, -1):  # users come after their parents
        own = grouping(order[i])
        if own:
            group[i] = tuple(own)
        elif not order[i].label and users[i]:
            first = group[users[i][0]]
            if all(group[u] == first for u in users[i]):
                group[i] = first
    return group
