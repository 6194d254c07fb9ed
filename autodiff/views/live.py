"""Live pages: a step-by-step page whose numbers a reader changes, recomputed in the browser.

A step-by-step page (``autodiff.views.slides``) shows each step's quantity, its
formula and the numbers plugged in. A live page also lets the reader change
the numbers the graph was built from (inputs, targets, weights, biases, the
learning rate) and recomputes every step at once, in the browser. It does so
the way the engine does: the page carries the graph itself as data and
replays it with the op table's JavaScript twins (``autodiff.views.op_twins``,
each translated from its Python rule), forward and then backward in
``backward()``'s order; nothing of the math is written twice.

What the page needs to know, this module gathers:

* :class:`Source`: where each number of a step comes from: a node's ``data``
  or ``grad``, a ``param`` typed in, the ``slope`` d out/d input through the
  nodes between them (sigma'(z), as ``Activation.autograd_prime`` finds it),
  or a ``descent`` step ``data - eta * grad``. A step says where its value and
  its formula's numbers come from; the page computes each again by it.
* :class:`LiveGraph`: the graph of the root as a list of nodes, parents first,
  each an operation of the op table on earlier nodes, or a leaf bound to an
  input of the page, or a constant.
* :class:`Live`: the quantities of a page (each source once), the inputs, and
  what the picture shows of them; ``data()`` is what the page's script reads,
  ``inputs_html()`` the form a reader edits.

The page's script is ``page.js`` beside this module.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autodiff.value import Value, topological_order
from autodiff.views.notation import lecture_html, lecture_spoken

JSON = dict[str, Any]  # an object as the page's script reads it

# A page with at most this many inputs shows them all; a larger one, the first three
# groups (the input, the target, the learning rate), the others a click away.
OPEN_UP_TO = 30


@dataclass(frozen=True, eq=False)
class Source:
    """Where a number comes from (see the module doc): ``kind`` and what it reads.

    ``node`` is the Value read (for a ``slope``, the result whose derivative is
    taken); ``input`` the Value a ``slope`` differentiates by; ``param`` the
    name of an input of the page (a ``param``, or a ``descent``'s rate).
    """

    kind: str
    node: Value | None = None
    param: str = ""
    input: Value | None = None

    def key(self) -> tuple[str, int, str, int]:
        return (self.kind, id(self.node), self.param, id(self.input))


def data(v: Value) -> Source:
    """v's number."""
    return Source("data", v)


def grad(v: Value) -> Source:
    """dC/dv after ``C.backward()``."""
    return Source("grad", v)


def param(name: str) -> Source:
    """The number typed into the page's input ``name``."""
    return Source("param", param=name)


def slope(out: Value, by: Value) -> Source:
    """d out / d by through the nodes between them alone: sigma'(z) of a = sigma(z)."""
    return Source("slope", out, input=by)


def descent(p: Value, rate: str) -> Source:
    """The gradient descent step ``p - rate * dC/dp``, the rate an input of the page."""
    return Source("descent", p, param=rate)


@dataclass(frozen=True)
class Param:
    """A number the reader may change: its ``symbol`` (``data-param``, the address's name),
    its number, the ``group`` of inputs it is shown in, and whether it must be positive."""

    symbol: str
    value: float
    group: str
    positive: bool = False


class LiveGraph:
    """The graph of ``root`` as the page replays it (see the module doc).

    ``params`` binds leaves to the page's inputs (by the Value); ``derived``
    gives leaves whose number is worked out from inputs: a Value built from
    leaves bound in ``params`` (a cost's ``1 - y_j``), replayed before the graph.
    Every other leaf is a constant.
    """

    def __init__(self, root: Value, params: Mapping[Value, str],
                 derived: Mapping[Value, Value] | None = None) -> None:
        self.nodes: list[JSON] = []
        self._index: dict[int, int] = {}
        self._params = {id(v): name for v, name in params.items()}
        worked_out = {id(v): traced for v, traced in (derived or {}).items()}
        for traced in worked_out.values():
            for v in topological_order(traced):
                if id(v) not in self._index:
                    self._add(v)
        self.start = len(self.nodes)
        for v in topological_order(root):
            if id(v) in worked_out:
                self._index[id(v)] = len(self.nodes)
                self.nodes.append({"copy": self._index[id(worked_out[id(v)])]})
            else:
                self._add(v)
        self.root = self.index(root)

    def _add(self, v: Value) -> None:
        self._index[id(v)] = len(self.nodes)
        node: JSON
        if v.op:
            node = {"op": v.op, "x": self.index(v.parents[0])}
            if len(v.parents) > 1:
                node["y"] = self.index(v.parents[1])
        elif id(v) in self._params:
            node = {"param": self._params[id(v)]}
        else:
            node = {"constant": v.data}
        self.nodes.append(node)

    def index(self, v: Value) -> int:
        """The node's place in the page's list."""
        try:
            return self._index[id(v)]
        except KeyError:
            raise ValueError(f"{v!r} is not a node of the page's graph") from None

    def between(self, out: Value, by: Value) -> list[int]:
        """The nodes ``out`` depends on without passing through ``by``, ``by`` and ``out``
        included, parents first."""
        found, stack = {id(by): by}, [out]
        while stack:
            v = stack.pop()
            if id(v) in found:
                continue
            found[id(v)] = v
            stack.extend(v.parents)
        return sorted(self.index(v) for v in found.values())

    def ref(self, source: Source) -> JSON:
        """A source as the page's script reads it: nodes by their place."""
        ref: JSON = {"kind": source.kind}
        if source.node is not None:
            ref["node"] = self.index(source.node)
        if source.param:
            ref["param"] = source.param
        if source.kind == "slope":
            assert source.node is not None and source.input is not None
            ref["input"] = self.index(source.input)
            ref["between"] = self.between(source.node, source.input)
        return ref

    def data(self) -> JSON:
        """The graph as the page's script reads it (JSON)."""
        return {"nodes": self.nodes, "start": self.start, "root": self.root}


@dataclass
class Live:
    """A live page's numbers: its graph, its inputs, and every quantity shown, each once.

    ``mark(source, home)`` gives a quantity's number on the page (its place in
    the table), ``home`` the step (1-based) that computes it, if any. The picture's
    part (``picture``) is what the picture shows of the quantities, by part name
    (see ``page.js``'s ``pictureTexts``).
    """

    graph: LiveGraph
    params: list[Param]
    digits: int
    quantities: list[JSON] = field(default_factory=list)
    homes: list[int] = field(default_factory=list)
    picture: JSON = field(default_factory=dict)
    _keys: dict[tuple[str, int, str, int], int] = field(default_factory=dict)

    def mark(self, source: Source, home: int = 0) -> int:
        k = self._keys.get(source.key())
        if k is None:
            k = self._keys[source.key()] = len(self.quantities)
            self.quantities.append(self.graph.ref(source))
            self.homes.append(0)
        if home:
            self.homes[k] = home
        return k

    def data(self) -> JSON:
        """What the page's script reads (JSON)."""
        links = {str(k): [q["param"]] for k, q in enumerate(self.quantities)
                 if q["kind"] == "param"}
        return {"digits": self.digits, "graph": self.graph.data(), "quantities": self.quantities,
                "homes": self.homes, "params": links, "picture": self.picture}

    def inputs_html(self) -> str:
        """The form the reader edits: an input per number, in fieldsets by group."""
        groups: dict[str, list[Param]] = {}
        for p in self.params:
            groups.setdefault(p.group, []).append(p)
        out = []
        few = len(self.params) <= OPEN_UP_TO
        for k, (group, params) in enumerate(groups.items()):
            fields = "\n".join(_input(p) for p in params)
            opened = " open" if few or k < 3 else ""
            out.append(f'<details{opened}><summary>{group}</summary>\n'
                       f'<div class="fields">\n{fields}\n</div></details>')
        return "\n".join(out)


def _input(p: Param) -> str:
    """One input: the symbol as the lecture writes it, read aloud as spoken."""
    ident = "p-" + "".join(c if c.isalnum() else "-" for c in p.symbol)
    spoken = lecture_spoken(p.symbol)
    positive = " data-positive" if p.positive else ""
    min_attr = ' min="0"' if p.positive else ""
    return (f'<div class="field"><label for="{ident}"><span aria-hidden="true">'
            f'{lecture_html(p.symbol)}</span><span class="sr">{html.escape(spoken)}</span>'
            f'</label> <input id="{ident}" type="number" step="any"{min_attr} '
            f'inputmode="decimal" data-param="{html.escape(p.symbol)}" '
            f'data-spoken="{html.escape(spoken)}"{positive} value="{p.value!r}"></div>')

