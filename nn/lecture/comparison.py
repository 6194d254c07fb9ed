"""Autograd beside the lecture's equations (and PyTorch), node by node.

Backpropagation "falls out" of reverse-mode autodiff: after ``C.backward()``
the Value holding z_j^l has ``grad`` = delta_j^l, and each weight and bias has
dC/dw_jk^l and dC/db_j^l. ``compare`` puts those numbers beside the ones the
lecture's four equations give on plain floats (``nn.lecture.formulas``), and beside
PyTorch's when it is installed, one row per quantity:

    >>> from nn import MLP, compare
    >>> report = compare(MLP([2, 3, 1], seed=0), [0.5, 0.1], [1.0])
    >>> report.max_abs_diff < 1e-12
    True
    >>> print(report)                                    # doctest: +SKIP

Rows come grouped by layer from L back to 2, the order the lecture computes
them in: delta_j^l (equations 1 and 2), then dC/db_j^l (3), then dC/dw_jk^l (4).

For a batch (``compare_batch``) the rows are dC/db and dC/dw only: delta_j^l
belongs to one example (it is dC_x/dz_j^l of that example's z), and the batch's
dC/db_j^l is already the mean of the examples' deltas.

A note on names: ``nn.compare`` is this function, exported by ``nn/__init__.py``;
the module is ``nn/compare.py``. ``from nn import compare`` gives the function,
``from nn.compare import Report, compare_batch`` the module's other names.
(``import nn.compare as m`` would give the function too, so import names, not
the module.)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autodiff import collector_paused
from autodiff.validate import plural
from nn.lecture.formulas import Backprop, BatchBackprop, backprop, backprop_batch
from nn.model.costs import Cost, as_cost, quadratic_cost
from nn.model.layers import MLP, node_label

if TYPE_CHECKING:  # (torch is optional: the bridge is imported when PyTorch is asked for)
    from nn.training.torch_bridge import TorchGradients

METHODS = ("autograd", "formulas", "torch")
TITLES = {"autograd": "autograd", "formulas": "formulas 1-4", "torch": "PyTorch"}


@dataclass(frozen=True)
class Row:
    """One quantity computed two or three ways.

    ``quantity`` is "delta", "dC/db" or "dC/dw"; ``l``, ``j``, ``k`` are the
    lecture's 1-based indices (``k`` is None except for weights). ``torch`` is
    None when PyTorch was not used. ``abs_diff`` is the largest difference
    between the row's values (max - min), ``rel_diff`` that over the largest
    magnitude (0 when all are 0).
    """

    quantity: str
    l: int
    j: int
    k: int | None
    autograd: float
    formulas: float
    torch: float | None
    abs_diff: float
    rel_diff: float

    @property
    def symbol(self) -> str:
        """The lecture's name in plain text: "delta_1^3", "dC/db_1^3", "dC/dw_12^3"."""
        return _symbol(self, text=True)

    @property
    def html_symbol(self) -> str:
        """The same with HTML sub- and superscripts: δ<sub>1</sub><sup>3</sup>."""
        return _symbol(self, text=False)


def make_row(
    quantity: str, l: int, j: int, k: int | None, autograd: float, formulas: float,
    torch: float | None = None,
) -> Row:
    """A Row, with its differences computed from the values given."""
    values = [v for v in (autograd, formulas, torch) if v is not None]
    spread = max(values) - min(values)
    scale = max(abs(v) for v in values)
    rel = spread / scale if scale > 0.0 else 0.0
    return Row(quantity, l, j, k, autograd, formulas, torch, spread, rel)


@dataclass
class Report:
    """The rows of a comparison, grouped by layer from L back to 2.

    Attributes:
        rows: the Rows, in the lecture's order.
        C: the cost by each method, e.g. ``{"autograd": ..., "formulas": ...}``.
        methods: the methods compared, ("autograd", "formulas"[, "torch"]).
        L: the number of layers; n the number of examples; cost the cost's name.
        network, examples: one-line descriptions of the network and the data.
    """

    rows: list[Row]
    C: dict[str, float]
    methods: tuple[str, ...]
    L: int
    n: int
    cost: str
    network: str
    examples: str

    @property
    def max_abs_diff(self) -> float:
        """The largest absolute difference in any row."""
        return max(row.abs_diff for row in self.rows)

    @property
    def max_rel_diff(self) -> float:
        """The largest relative difference in any row."""
        return max(row.rel_diff for row in self.rows)

    def layer(self, l: int) -> list[Row]:
        """The rows of layer l."""
        return [row for row in self.rows if row.l == l]

    def _title(self) -> str:
        vs = " vs ".join(TITLES[m] for m in self.methods)
        C = ", ".join(f"{_number(self.C[m])} ({TITLES[m]})" for m in self.methods)
        return f"{vs}: {self.network}, {self.cost} cost, {self.examples}; C = {C}"

    def __str__(self) -> str:
        header = ["quantity", *(TITLES[m] for m in self.methods), "abs diff", "rel diff"]
        cells = {id(row): [row.symbol, *(_number(getattr(row, m)) for m in self.methods),
                           *_diffs(row)] for row in self.rows}
        widths = [max(len(c[i]) for c in [header, *cells.values()]) for i in range(len(header))]

        def line(c: list[str]) -> str:
            rest = (text.rjust(width) for text, width in zip(c[1:], widths[1:], strict=True))
            return "  " + "  ".join([c[0].ljust(widths[0]), *rest])

        out = [self._title(), "", line(header)]
        for l in range(self.L, 1, -1):
            out.append(_layer_name(l, self.L))
            out += [line(cells[id(row)]) for row in self.layer(l)]
        out += ["", f"largest difference: {_diff(self.max_abs_diff)} "
                    f"(relative {_diff(self.max_rel_diff)})"]
        return "\n".join(out)

    def html_page(self) -> str:
        """A whole HTML document holding the table, for a file a browser opens."""
        return (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"/>'
            f"<title>{html.escape(self._title())}</title></head>\n<body>\n"
            f"{self._repr_html_()}\n</body></html>\n"
        )

    def _repr_html_(self) -> str:
        cols = 1 + len(self.methods) + 2
        head = "".join(
            f"<th>{html.escape(h)}</th>"
            for h in ["quantity", *(TITLES[m] for m in self.methods), "abs diff", "rel diff"]
        )
        parts = [
            '<table class="deltagrad-compare">',
            f"<caption>{html.escape(self._title())}</caption>",
            f"<thead><tr>{head}</tr></thead>",
        ]
        for l in range(self.L, 1, -1):
            name = _layer_name(l, self.L)
            parts.append(f'<tbody><tr><th colspan="{cols}">{name}</th></tr>')
            for row in self.layer(l):
                cells = [_number(getattr(row, m)) for m in self.methods] + list(_diffs(row))
                tds = "".join(f'<td style="text-align:right">{c}</td>' for c in cells)
                parts.append(f"<tr><td>{row.html_symbol}</td>{tds}</tr>")
            parts.append("</tbody>")
        parts.append("</table>")
        return "\n".join(parts)


@collector_paused()
def compare(
    net: MLP,
    x: Sequence[float],
    y: Sequence[float],
    cost: Cost | str = quadratic_cost,
    *,
    torch: bool | None = None,
) -> Report:
    """Autograd's delta, dC/db and dC/dw for one example beside the lecture's formulas.

    ``cost`` is ``nn.quadratic_cost`` (default), ``nn.cross_entropy_cost``,
    another ``nn.Cost``, or the name of one. ``torch``: None uses PyTorch when it is installed, True
    requires it, False leaves it out.

    Runs ``net.zero_grad()``, a forward pass and ``C.backward()`` on ``net``:
    afterwards its parameters' ``grad`` hold this example's gradients.
    """
    cost = as_cost(cost)
    formulas = backprop(net, x, y, cost)  # first: it checks x and y
    return _compare(net, [x], [y], cost, torch, formulas,
                    f"x = {_numbers(x)}, y = {_numbers(y)}")


@collector_paused()
def compare_batch(
    net: MLP,
    xs: Sequence[Sequence[float]],
    ys: Sequence[Sequence[float]],
    cost: Cost | str = quadratic_cost,
    *,
    torch: bool | None = None,
) -> Report:
    """Autograd's dC/db and dC/dw for the cost of a batch beside the lecture's formulas.

    Autograd differentiates the batch's cost C = 1/n sum_x C_x in one
    ``C.backward()``; the formulas run each example alone and average
    (``nn.lecture.formulas.backprop_batch``). No delta rows: see the module's docstring.
    """
    cost = as_cost(cost)
    formulas = backprop_batch(net, xs, ys, cost)  # first: it checks xs and ys
    return _compare(net, xs, ys, cost, torch, formulas, plural(len(xs), "example"))


# Each method's gradients: "delta", "grad_b" and "grad_w", each by layer l, then node j (and k).
Gradients = Mapping[str, Any]


def _compare(net: MLP, xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]], cost: Cost,
             torch: bool | None, formulas: Backprop | BatchBackprop, examples: str) -> Report:
    """Autograd's gradients of the cost of the examples, from ``C.backward()``, beside the
    formulas' (and PyTorch's); delta_j^l too for one example, whose z the layers keep."""
    net.zero_grad()
    C = cost([net(x) for x in xs], ys)
    C.backward()
    layers = list(enumerate(net.layers, start=2))
    autograd = {
        "delta": {l: [z.grad for z in layer.z] for l, layer in layers},
        "grad_b": {l: [n.b.grad for n in layer.neurons] for l, layer in layers},
        "grad_w": {l: [[w.grad for w in n.w] for n in layer.neurons] for l, layer in layers},
    }
    results: dict[str, tuple[float, Gradients]] = {"autograd": (C.data, autograd),
                                                   "formulas": (formulas.C, vars(formulas))}
    theirs = _torch_gradients(net, xs, ys, cost, torch)
    if theirs is not None:
        results["torch"] = (theirs.C, vars(theirs))
    quantities = ("delta", "grad_b", "grad_w") if isinstance(formulas, Backprop) else (
        "grad_b", "grad_w")
    return _report(net, results, quantities, cost=cost.name, examples=examples, n=len(xs))


def _torch_gradients(net: MLP, xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]],
                     cost: Cost, use: bool | None) -> TorchGradients | None:
    if use is False:
        return None
    try:
        from nn.training.torch_bridge import gradients
    except ImportError:
        if use:
            raise
        return None
    return gradients(net, xs, ys, cost)


def _report(net: MLP, results: dict[str, tuple[float, Gradients]], quantities: tuple[str, ...],
            *, n: int, cost: str, examples: str) -> Report:
    """Rows for every quantity of every layer, from L back to 2."""
    methods = tuple(m for m in METHODS if m in results)

    def row(quantity: str, key: str, l: int, j: int, k: int | None = None) -> Row:
        def pick(m: str) -> float:
            v = results[m][1][key][l][j]
            return float(v if k is None else v[k])

        theirs = pick("torch") if "torch" in methods else None
        return make_row(quantity, l, j + 1, None if k is None else k + 1,
                        pick("autograd"), pick("formulas"), theirs)

    rows = []
    L = len(net.sizes)
    for l in range(L, 1, -1):
        nodes = range(net.sizes[l - 1])
        if "delta" in quantities:
            rows += [row("delta", "delta", l, j) for j in nodes]
        rows += [row("dC/db", "grad_b", l, j) for j in nodes]
        rows += [row("dC/dw", "grad_w", l, j, k) for j in nodes for k in range(net.sizes[l - 2])]
    return Report(rows=rows, C={m: results[m][0] for m in methods}, methods=methods, L=L, n=n,
                  cost=cost, network=repr(net), examples=examples)


def _symbol(row: Row, text: bool) -> str:
    indices = [row.j - 1] if row.k is None else [row.j - 1, row.k - 1]
    letter = {"delta": "delta", "dC/db": "b", "dC/dw": "w"}[row.quantity]
    prefix = "" if row.quantity == "delta" else "dC/d"
    if text:
        return prefix + node_label(letter, row.l, *indices)
    # node_label gives e.g. "w_12^3": reuse its subscript, comma rule included
    sub = node_label("", row.l, *indices)[1:].split("^")[0]
    greek = {"delta": "δ", "b": "b", "w": "w"}[letter]
    prefix = "" if row.quantity == "delta" else "∂C/∂"
    return f"{prefix}{greek}<sub>{sub}</sub><sup>{row.l}</sup>"


def _layer_name(l: int, L: int) -> str:
    return f"layer {l} = L (output)" if l == L else f"layer {l}"


def _numbers(values: Sequence[float]) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def _number(v: float) -> str:
    return f"{v + 0.0:.15g}"  # + 0.0 shows -0.0 as 0: the sign of a zero is noise here


def _diff(v: float) -> str:
    return "0" if v == 0.0 else f"{v:.1e}"


def _diffs(row: Row) -> tuple[str, str]:
    return _diff(row.abs_diff), _diff(row.rel_diff)
