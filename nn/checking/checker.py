"""Check a student's own backprop: find the first wrong quantity and name the mistake.

The exercise after the lecture is to write backpropagation yourself,

    def backprop(weights, biases, x, y):
        ...
        return nabla_b, nabla_w

where ``weights[i]`` is W^l of layer l = i + 2 (row j holds w_j1^l .. w_jm^l),
``biases[i]`` is b^l, and ``nabla_b``, ``nabla_w`` hold dC/db^l and dC/dw^l in
the same shapes (``nn.checking.array_styles``). Then check it:

>>> from nn import MLP
>>> from nn.checking.mistakes import MISTAKES
>>> buggy = MISTAKES["error_sign"].reference()       # a backprop with (y - a) in equation 1
>>> check = check_backprop(buggy, MLP([2, 2, 2], seed=0), [0.5, 0.1], [1.0, 0.0])
>>> check.ok, check.first_wrong, check.mistake
(False, 'dC/db_1^3', 'error_sign')

``check_backprop`` calls the function once, on fresh copies of the network's
numbers, and sets every number it returns beside autograd's (``C.backward()``
through the same network). Then it walks the quantities in the order the
lecture computes them, layer L back to 2, dC/db^l (which is delta^l, by
equation 3) before dC/dw^l, and asks of each wrong block:

1. Does it follow from the student's own earlier numbers by the lecture's
   equation? Then it only carries a mistake made further up.
2. Which catalogued mistakes (``nn.checking.mistakes.MISTAKES``) give the student's
   numbers, each worked out from the student's own earlier numbers? Those are
   named: all of them, where several give the same numbers on this network.

A block of the wrong shape is set beside the shapes the mistakes give (the
transposed dC/dw of a non-square layer is m x n, not n x m); numpy's error for
W^(l+1) times delta^(l+1) on a non-square layer is the untransposed sum of
equation 2. Anything else wrong with what the function does (an exception, a
missing layer, NaN) is said in one line, with the layer, the shape expected,
and the line of the student's code where it happened.

``check_answers`` does the same for numbers worked out by hand (``nn.exercise``).
"""

from __future__ import annotations

import inspect
import linecache
import math
import random
import re
import sysconfig
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from autodiff.validate import excerpt, finite_number, non_negative_number
from autodiff.views.notation import read_label
from nn.checking.array_styles import (
    Unreadable,
    as_vector,
    batch_in_style,
    check_style,
    in_style,
    read_block,
    shape_text,
)
from nn.checking.mistakes import MISTAKES, Context, Numbers, equation, expected, whose
from nn.checking.reports import BackpropCheck, CheckRow, Finding, Tolerance
from nn.lecture.comparison import Report, compare, compare_batch
from nn.lecture.formulas import backprop, backprop_batch, read_network
from nn.model.costs import Cost, as_cost, quadratic_cost
from nn.model.layers import MLP, node_label

Key = tuple[str, int]  # ("dC/db" or "dC/dw", layer l)

# Hand-worked answers are right to about four significant digits.
ANSWER_TOLERANCE = Tolerance(rtol=5e-3, atol=1e-5)


def check_backprop(
    fn: Callable,
    net: MLP,
    x: Sequence[float],
    y: Sequence[float],
    cost: Cost | str = quadratic_cost,
    *,
    arrays: str = "lists",
    rtol: float = Tolerance.rtol,
    atol: float = Tolerance.atol,
) -> BackpropCheck:
    """Check ``fn(weights, biases, x, y) -> (nabla_b, nabla_w)`` on one example against autograd.

    ``arrays`` is how ``fn`` gets its numbers: "lists" (nested lists, the
    default), "numpy" (arrays; vectors one-dimensional) or "numpy-column"
    (Nielsen's (n, 1) columns). ``fn`` may return lists, tuples or numpy
    arrays whatever it was given. A number is right when
    |yours − autograd| <= atol + rtol |autograd|.

    Runs ``net.zero_grad()``, a forward pass and ``C.backward()`` on ``net``
    (as ``nn.compare`` does); the network's weights are never handed to ``fn``
    itself, only copies.
    """
    cost, style, tolerance = as_cost(cost), check_style(arrays), _tolerance(rtol, atol)
    label = _function_name(fn, "x, y")
    report = compare(net, x, y, cost, torch=False)  # checks net, x and y first
    title = (f"{label}(weights, biases, x, y) against autograd: {net!r}, {cost.name} cost, "
             f"{report.examples}")
    walk = _Walk(net, report, [backprop(net, x, y, cost)], [list(y)], cost, tolerance)
    walk.style = style
    walk.again = lambda sizes: _on_square(sizes, lambda net, xs, ys: check_backprop(
        fn, net, xs[0], ys[0], cost, arrays=style, rtol=rtol, atol=atol))
    return walk.check(fn, in_style(net, x, y, style), label, title)


def check_backprop_batch(
    fn: Callable,
    net: MLP,
    xs: Sequence[Sequence[float]],
    ys: Sequence[Sequence[float]],
    cost: Cost | str = quadratic_cost,
    *,
    arrays: str = "lists",
    rtol: float = Tolerance.rtol,
    atol: float = Tolerance.atol,
) -> BackpropCheck:
    """Check ``fn(weights, biases, xs, ys) -> (nabla_b, nabla_w)``, the gradient of a batch's cost.

    The batch's cost is the mean C = 1/n sum_x C_x, so its gradients are the
    means of the examples' gradients. ``xs`` and ``ys`` reach ``fn`` as a list
    of lists ("lists"), a two-dimensional array with a row per example
    ("numpy"), or a list of columns ("numpy-column"). The rest is as
    ``check_backprop``; a wrong quantity after the first may follow from it,
    which a batch's means cannot tell (a batch has no delta of its own).
    """
    cost, style, tolerance = as_cost(cost), check_style(arrays), _tolerance(rtol, atol)
    label = _function_name(fn, "xs, ys")
    report = compare_batch(net, xs, ys, cost, torch=False)  # checks net, xs and ys first
    title = (f"{label}(weights, biases, xs, ys) against autograd: {net!r}, {cost.name} cost, "
             f"{report.examples}")
    truths = backprop_batch(net, xs, ys, cost).examples
    walk = _Walk(net, report, truths, [list(y) for y in ys], cost, tolerance)
    walk.style = style
    walk.again = lambda sizes: _on_square(sizes, lambda net, xs, ys: check_backprop_batch(
        fn, net, xs, ys, cost, arrays=style, rtol=rtol, atol=atol), n=len(xs))
    return walk.check(fn, batch_in_style(net, xs, ys, style), label, title)


# The widest square network a function that failed is tried on again (its nodes squared
# are its weights per layer: beyond this, trying costs more than it tells).
SQUARE_AT_MOST = 8


def _on_square(sizes: list[int], check: Callable, n: int = 1) -> BackpropCheck | None:
    """The check of the same function on a network whose layers are all as wide as the widest.

    A slip that mixes up two matrices (``Mistake.square``) raises an error on
    a network whose matrices differ in shape; on a square one it gives numbers,
    which the catalogue names. None where no such network is worth trying.
    """
    m = max(2, *sizes)
    if m > SQUARE_AT_MOST:
        return None
    rng = random.Random(f"square {m} x {len(sizes)}")
    xs = [[rng.choice((-0.9, -0.5, -0.2, 0.3, 0.6, 0.8)) for _ in range(m)] for _ in range(n)]
    ys = [[float(rng.random() < 0.5) for _ in range(m)] for _ in range(n)]
    try:
        return check(MLP([m] * len(sizes), seed=m), xs, ys)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- the walk through the blocks


class _Walk:
    """The blocks dC/db^l and dC/dw^l from layer L back to 2, each beside autograd's."""

    def __init__(self, net: MLP, report: Report, truths: list, ys: list, cost: Cost,
                 tolerance: Tolerance) -> None:
        self.sizes, self.L = net.sizes, len(net.sizes)
        self.truths, self.ys, self.cost, self.tolerance = truths, ys, cost, tolerance
        self.batch = len(truths) > 1
        self.network = read_network(net)
        self.order: list[Key] = [(q, l) for l in range(self.L, 1, -1) for q in ("dC/db", "dC/dw")]
        self.autograd = {key: [r for r in report.rows if (r.quantity, r.l) == key]
                         for key in self.order}
        self.given: dict[tuple[str, int, int], float] = {}  # the student's delta^l, once read
        self.style = "lists"
        self.blocks: dict[Key, _Block] = {}  # the student's answer, once read
        # the same check on a square network (sizes -> its report), for a function that raised
        self.again: Callable[[list[int]], BackpropCheck | None] = lambda sizes: None

    def contexts(self, quantity: str, l: int) -> list[Context]:
        """The Context of a quantity for each example, with the student's deltas read so far."""
        weights, biases, sigmas = self.network
        return [Context(quantity, l, self.L, weights, biases, sigmas, y, self.cost,
                        Numbers(truth, self.given), n=len(self.truths))
                for truth, y in zip(self.truths, self.ys)]

    def check(self, fn: Callable, args: tuple, label: str, title: str) -> BackpropCheck:
        try:
            answer = fn(*args)
        except (Exception, SystemExit) as error:  # the student's code: anything may go wrong
            return self.raised(error, label, title, fn)
        blocks, problem = _read_answer(answer, self.sizes, label)
        if problem is not None:
            return BackpropCheck(self.rows({}), [], title, self.tolerance, problem)
        self.blocks = blocks
        rows, findings = [], []
        for key in self.order:
            values = self.values(key, blocks[key])
            block_rows = self.rows({key: values}, only=key)
            rows += block_rows
            if not all(r.right for r in block_rows):
                first = next(r.symbol for r in block_rows if not r.right)
                finding = self.diagnose(key, blocks[key], values, first, not findings)
                findings.append(replace(finding, equation=self.equation(key)))
            if key[0] == "dC/db" and values is not None and not self.batch:
                # a batch's dC/db is a mean: no example's delta, so never read as one
                self.given.update({("delta", key[1], j): v for j, v in enumerate(values)})
        return BackpropCheck(rows, findings, title, self.tolerance)

    def values(self, key: Key, block: _Block) -> list[float] | None:
        """The student's numbers in autograd's row order, or None if the block has another shape."""
        q, l = key
        if block.unreadable is not None:
            return None
        n, m = self.sizes[l - 1], self.sizes[l - 2]
        if q == "dC/db":
            return as_vector(block.shape, block.numbers, n)
        if block.shape != (n, m):
            return None
        return [v for row in block.numbers for v in row]

    def rows(self, values: dict[Key, list | None], only: Key | None = None) -> list[CheckRow]:
        out = []
        for key in [only] if only else self.order:
            mine = values.get(key)
            section = _section(key[1], self.L)
            for i, r in enumerate(self.autograd[key]):
                v = None if mine is None else mine[i]
                out.append(CheckRow(r.symbol, v, r.autograd,
                                    v is not None and self.tolerance.close(v, r.autograd), section))
        return out

    def diagnose(self, key: Key, block: _Block, values: list[float] | None, symbol: str,
                 first: bool) -> Finding:
        """What the wrong block is: carried from further up, a catalogued mistake, or unknown."""
        q, l = key
        if block.unreadable is not None:
            return Finding(symbol, (), False, block.unreadable)
        bad = [v for v in values or [] if not math.isfinite(v)]
        if bad:
            return Finding(symbol, (), False, _not_a_number(symbol, bad[0]))
        cs = self.contexts("delta" if q == "dC/db" else q, l)
        mine = (block.shape, block.numbers) if values is None else _shaped(values, block, q)
        own = _mean([expected(c) for c in cs])
        if not self.batch and _matches(mine, own, self.tolerance):
            return Finding(symbol, (), True, _follows(symbol, cs[0]))
        found = tuple(m.id for m in MISTAKES.values()
                      if _matches(mine, _mean([m.predict(c) for c in cs]), self.tolerance))
        if found:
            hint = _hints(found, l, self.L, len(self.truths))
            if values is None:
                hint += (f" (Seen from the shape: yours is {shape_text(block.shape)}, where "
                         f"{shape_text(self.shape(key))} belongs.)")
            return Finding(symbol, found, False, hint)
        if values is None:
            return Finding(symbol, (), False, self.shape_problem(key, block))
        if self.batch and not first:
            return Finding(symbol, (), False, f"{symbol} is off; it may follow from the wrong "
                                              "quantities before it: put those right first.")
        hint = _unexplained(symbol, cs[0], own, mine, self.tolerance, self.batch)
        if key == ("dC/db", self.L) and not self.batch:
            hint += self.forward_evidence(values)
        return Finding(symbol, (), False, hint)

    def forward_evidence(self, delta: list[float]) -> str:
        """What the student's dC/dw^L tells of their forward pass, where delta^L is off.

        A backprop returns no a, but equation 4 writes a^(L-1) into dC/dw^L =
        delta^L (a^(L-1))ᵀ: read it back (dC/dw_jk^L / delta_j^L) and set it beside
        autograd's. Where it differs, the evidence points at the forward pass.
        """
        L, m = self.L, self.sizes[-2]
        w = self.values(("dC/dw", L), self.blocks["dC/dw", L])
        j = max(range(len(delta)), key=lambda i: abs(delta[i]))
        if w is None or abs(delta[j]) < 1e-12:
            return ""
        a = [w[j * m + k] / delta[j] for k in range(m)]
        if not all(self.tolerance.close(w[i * m + k], a[k] * d)
                   for i, d in enumerate(delta) for k in range(m)):
            return ""  # not delta^L times one vector: equation 4 is off too
        right = self.truths[0].a[L - 1]
        read = f"a^{L - 1} = ({', '.join(f'{v:.4g}' for v in a)})"
        if all(self.tolerance.close(v, r) for v, r in zip(a, right)):
            return (f" Your dC/dw^{L} is your δ^{L} times the right a^{L - 1} (autograd's), so "
                    f"your forward pass is right up to layer {L - 1}: look at z^{L} = W^{L} "
                    f"a^{L - 1} + b^{L}, a^{L} = σ(z^{L}) and equation 1.")
        return (f" Your forward pass: z^l = W^l a^(l-1) + b^l, a^l = σ(z^l). Your dC/dw^{L} is "
                f"your δ^{L} times {read}, where the right forward pass (autograd's) has "
                f"a^{L - 1} = ({', '.join(f'{v:.4g}' for v in right)}): the numbers point at "
                f"your forward pass, before any δ.")

    def equation(self, key: Key) -> str:
        """The lecture's equation for a block's quantity (for dC/db^l, the one giving delta^l)."""
        q, l = key
        return equation(self.contexts("delta" if q == "dC/db" else q, l)[0])

    def shape(self, key: Key) -> tuple[int, ...]:
        q, l = key
        n, m = self.sizes[l - 1], self.sizes[l - 2]
        return (n,) if q == "dC/db" else (n, m)

    def shape_problem(self, key: Key, block: _Block) -> str:
        q, l = key
        n, m = self.sizes[l - 1], self.sizes[l - 2]
        part = "nabla_b" if q == "dC/db" else "nabla_w"
        which = f"{part}[{l - 2}] ({q}^{l}, layer {l}) has shape {shape_text(block.shape)}"
        if q == "dC/db":
            return (f"{which}; expected ({n},) or the column ({n}, 1): one number per node j "
                    f"of layer {l}")
        return (f"{which}; expected ({n}, {m}): a row per node j of layer {l} and a column "
                f"per node k of layer {l - 1}")

    def raised(self, error: BaseException, label: str, title: str, fn: Callable
               ) -> BackpropCheck:
        """The report of a function that raised: one line, and the mistake where it shows.

        numpy's shape error names the untransposed sum of equation 2 by its
        shapes; any other error of a network whose matrices differ in shape is
        put to the test: the function is run on a square network, and a mistake
        that shows only on one (``Mistake.square``) named if that is what it gives.
        """
        problem = f"{label} raised {said(error)} at {place(error)}"
        if self.style == "lists" and _looks_like_numpy(fn, error):
            problem += ('; it looks like numpy code: check it with arrays="numpy" (or '
                        '"numpy-column"), --arrays numpy on the command line')
        findings = []
        square = []
        if isinstance(error, (IndexError, ValueError)) and len(set(self.sizes)) > 1:
            square = self.square_findings()
        layers = untransposed_layers(str(error), self.sizes)
        if layers and (not square or square[0].mistakes == ("untransposed_weights",)):
            l, mistake = max(layers), MISTAKES["untransposed_weights"]
            n, m = self.sizes[l], self.sizes[l - 1]
            hint = (mistake.hint(l, self.L) + f" (Seen from numpy's error: the shapes are "
                    f"those of W^{l + 1}, {n} x {m}, times δ^{l + 1}.)")
            findings.append(Finding("dC/d" + node_label("b", l, 0), (mistake.id,), False, hint,
                                    self.equation(("dC/db", l))))
        else:
            findings += square
        return BackpropCheck(self.rows({}), findings, title, self.tolerance, problem)

    def square_findings(self) -> list[Finding]:
        """The findings of the function on a square network, if they name a square-only slip."""
        square = self.again(self.sizes)
        if square is None or not square.mistakes or not all(
                MISTAKES[m].square for m in square.mistakes):
            return []
        first = square.findings[0]
        m = max(2, *self.sizes)
        seen = (f" (Seen by running it on a square network, every layer {m} wide: there it "
                "runs, and gives this mistake's numbers; here the matrices it mixes up differ "
                "in shape, so it raised.)")
        return [replace(first, hint=first.hint + seen)]


# ---------------------------------------------------------------- hand-worked answers


def check_answers(
    answers: Mapping[str, float],
    net: MLP,
    x: Sequence[float],
    y: Sequence[float],
    cost: Cost | str = quadratic_cost,
    *,
    tolerance: Tolerance = ANSWER_TOLERANCE,
    title: str | None = None,
) -> BackpropCheck:
    """Check numbers worked out by hand, ``{"z_1^2": 0.31, "delta_1^3": -0.042, ...}``.

    Any of the quantities of one example may be given: z_j^l and a_j^l of the
    forward pass, C (of ``cost``, the quadratic one unless told), then delta_j^l,
    dC/db_j^l and dC/dw_jk^l; "δ" and "∂C/∂" are read as "delta" and "dC/d". Each
    is right or wrong; a wrong one is worked out again from the student's own
    earlier answers, so that a slip is named once, where it was made.
    """
    cost = as_cost(cost)
    report = compare(net, x, y, cost, torch=False)
    quantities = _quantities(net, report)
    given = _read_answers(answers, quantities)
    truth = backprop(net, x, y, cost)
    weights, biases, sigmas = read_network(net)
    numbers = Numbers(truth, _upstream(given, quantities))
    L = len(net.sizes)
    rows, findings = [], []
    for q in quantities:
        if q.symbol not in given:
            continue
        mine = given[q.symbol]
        rows.append(CheckRow(q.symbol, mine, q.truth, tolerance.close(mine, q.truth), q.section))
        if rows[-1].right:
            continue
        as_delta = q.quantity == "dC/db" and node_label("delta", q.l, q.index[0]) not in given
        c = Context("delta" if as_delta else q.quantity, q.l, L, weights, biases, sigmas,
                    list(y), cost, numbers)
        findings.append(_diagnose_answer(q, mine, c, tolerance))
    title = title or f"your answers against autograd: {net!r}, {report.examples}"
    return BackpropCheck(rows, findings, title, tolerance)


@dataclass(frozen=True)
class KeyEntry:
    """One quantity of an answer key: autograd's number, and what each slip gives there.

    ``slips`` maps a catalogued mistake's id to (the number it gives, its hint), worked
    out from right earlier numbers; ``equation`` is the lecture's equation that gives the
    quantity; ``as_delta`` names delta_j^l for a dC/db_j^l, whose slips are delta's when
    delta_j^l is not answered.
    """

    symbol: str
    truth: float
    section: str
    slips: dict[str, tuple[float, str]]
    equation: str
    as_delta: str = ""


def answer_key(net: MLP, x: Sequence[float], y: Sequence[float],
               cost: Cost | str = quadratic_cost) -> list[KeyEntry]:
    """Every quantity of one example, in the lecture's order, with what each catalogued
    mistake gives there when every earlier number is right.

    That is what ``check_answers`` says of the first wrong answer (the one whose earlier
    answers are all right): a page that checks answers without Python (the exercise
    sheet) reads it.
    """
    cost = as_cost(cost)
    truth = backprop(net, x, y, cost)
    weights, biases, sigmas = read_network(net)
    L, out = len(net.sizes), []
    for q in _quantities(net, compare(net, x, y, cost, torch=False)):
        c = Context(q.quantity, q.l, L, weights, biases, sigmas, list(y), cost, Numbers(truth))
        slips = {m.id: (p, m.hint(q.l, L)) for m in MISTAKES.values()
                 if (p := _entry(m.predict(c), q.index)) is not None}
        as_delta = node_label("delta", q.l, q.index[0]) if q.quantity == "dC/db" else ""
        out.append(KeyEntry(q.symbol, q.truth, q.section, slips, equation(c), as_delta))
    return out


@dataclass(frozen=True)
class _Quantity:
    """One quantity a student may work out by hand, with autograd's number."""

    symbol: str
    quantity: str
    l: int
    index: tuple[int, ...]  # 0-based (j,) or (j, k); () for C
    truth: float
    section: str


def _quantities(net: MLP, report: Report) -> list[_Quantity]:
    """Every quantity of one example in the lecture's order: forward, C, then L back to 2."""
    L = len(net.sizes)
    out = []
    for l, layer in enumerate(net.layers, start=2):
        for j, (z, a) in enumerate(zip(layer.z, layer.a)):
            out.append(_Quantity(node_label("z", l, j), "z", l, (j,), z.data, "forward pass"))
            out.append(_Quantity(node_label("a", l, j), "a", l, (j,), a.data, "forward pass"))
    out.append(_Quantity("C", "C", L, (), report.C["autograd"], "the cost"))
    for r in report.rows:
        index = (r.j - 1,) if r.k is None else (r.j - 1, r.k - 1)
        out.append(_Quantity(r.symbol, r.quantity, r.l, index, r.autograd, _section(r.l, L)))
    return out


def _read_answers(answers: object, quantities: list[_Quantity]) -> dict[str, float]:
    if not isinstance(answers, Mapping):
        raise TypeError("answers must be a dict from symbols such as 'delta_1^3' to numbers, "
                        f"got {type(answers).__name__}: {excerpt(answers)}")
    known = {q.symbol for q in quantities}
    given = {}
    for key, value in answers.items():
        symbol = plain_symbol(key) if isinstance(key, str) else key
        if symbol not in known:
            listed = ", ".join(q.symbol for q in quantities[:4])
            raise ValueError(f"unknown quantity {excerpt(key)}: expected symbols such as "
                             f"{listed}, ... as on the sheet, for this {len(quantities)}-quantity "
                             "exercise")
        given[symbol] = finite_number(value, f"the answer for {symbol}")
    if not given:
        raise ValueError("no answers given: expected a dict such as {'delta_1^3': -0.042}")
    return given


def plain_symbol(symbol: str) -> str:
    """A symbol as ``nn.compare`` has it: "δ_1^3" -> "delta_1^3", "∂C/∂w_12^3" -> "dC/dw_12^3",
    and TeX: r"\frac{\\partial C}{\\partial w_{12}^3}" -> "dC/dw_12^3" (``read_label``)."""
    return read_label(symbol)


def _upstream(given: dict[str, float], quantities: list[_Quantity]) -> dict:
    """The student's z, a and delta as later equations read them (delta from dC/db if not given)."""
    upstream = {}
    for q in quantities:
        if q.symbol in given and q.quantity in ("z", "a", "delta", "dC/db"):
            kind = "delta" if q.quantity == "dC/db" else q.quantity
            key = (kind, q.l, q.index[0])
            if q.quantity != "dC/db" or key not in upstream:
                upstream[key] = given[q.symbol]
    return upstream


def _diagnose_answer(q: _Quantity, mine: float, c: Context, tolerance: Tolerance) -> Finding:
    return replace(_answer_finding(q, mine, c, tolerance), equation=equation(c))


def _answer_finding(q: _Quantity, mine: float, c: Context, tolerance: Tolerance) -> Finding:
    own = _entry(expected(c), q.index)
    if own is not None and tolerance.close(mine, own):
        return Finding(q.symbol, (), True, _follows(q.symbol, c))
    found = tuple(m.id for m in MISTAKES.values()
                  if (p := _entry(m.predict(c), q.index)) is not None and tolerance.close(mine, p))
    if found:
        return Finding(q.symbol, found, False, _hints(found, c.l, c.L, 1))
    return Finding(q.symbol, (), False,
                   f"{q.symbol} is off: by {equation(c)}, your own earlier answers give "
                   f"{own:.6g}; yours is {mine:.6g}, and no catalogued mistake gives it.")


def _entry(block, index: tuple[int, ...]) -> float | None:
    """block[j] or block[j][k], or None where the block has no such entry."""
    for i in index:
        if block is None or not 0 <= i < len(block):
            return None
        block = block[i]
    return block


# ---------------------------------------------------------------- reading what fn returned


@dataclass
class _Block:
    """One block of the student's answer: its shape and numbers, or why it cannot be read."""

    shape: tuple[int, ...] = ()
    numbers: object = None
    unreadable: str | None = None


def _read_answer(answer: object, sizes: list[int], label: str):
    """({key: _Block}, None), or ({}, the problem) when the answer's layout is wrong."""
    L = len(sizes)
    if answer is None:
        return {}, (f"{label} returned None; it must return (nabla_b, nabla_w) (is its "
                    "return statement missing?)")
    pair = _items(answer)
    if pair is None or len(pair) != 2:
        return {}, (f"{label} must return a pair (nabla_b, nabla_w), got "
                    f"{_described(answer, pair)}")
    parts = {}
    for name, part, what in (("nabla_b", pair[0], "biases"), ("nabla_w", pair[1], "weights")):
        items = _items(part)
        if items is None or len(items) != L - 1:
            return {}, (f"{name} must hold {L - 1} entries, one per layer l = 2..{L} "
                        f"({name}[0] is layer 2; layer 1, the input, has no {what}); got "
                        f"{_described(part, items)}")
        parts[name] = [_block(item, f"{name}[{i}]") for i, item in enumerate(items)]
    problem = _layout_problem(parts, sizes, label)
    if problem:
        return {}, problem
    blocks = {}
    for i in range(L - 1):
        blocks["dC/db", i + 2] = parts["nabla_b"][i]
        blocks["dC/dw", i + 2] = parts["nabla_w"][i]
    return blocks, None


def _items(value: object) -> list | None:
    if hasattr(value, "ndim") and hasattr(value, "shape"):  # an array: its rows
        return list(value) if value.ndim >= 1 else None
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _described(value: object, items: list | None) -> str:
    if items is None:
        return f"a {type(value).__name__}: {excerpt(value)}"
    return f"a {type(value).__name__} of {len(items)}"


def _block(value: object, name: str) -> _Block:
    try:
        shape, numbers = read_block(value)
    except Unreadable as error:
        return _Block(unreadable=error.of(name))
    return _Block(shape, numbers)


def _layout_problem(parts: dict, sizes: list[int], label: str) -> str | None:
    """A whole answer laid out wrongly: (nabla_w, nabla_b) swapped, or the layers reversed."""
    def fits(b_blocks, w_blocks):
        return all(as_vector(b.shape, b.numbers, n) is not None and w.shape == (n, m)
                   for b, w, m, n in zip(b_blocks, w_blocks, sizes, sizes[1:]))

    b, w = parts["nabla_b"], parts["nabla_w"]
    if fits(b, w):
        return None
    if fits(w, b):
        return (f"{label} returned (nabla_w, nabla_b); it must return (nabla_b, nabla_w), "
                "the biases' gradients first")
    if len(sizes) > 2 and fits(b[::-1], w[::-1]):
        return (f"{label} returned the layers from L down to 2; nabla_b[0] and nabla_w[0] "
                "must be layer 2 (the first after the input), the last entry layer L")
    return None


# ---------------------------------------------------------------- shared pieces


_NUMPY_WORDS = re.compile(r"\bnp\.|\bnumpy\b|@|\.shape\b|\.T\b|\.dot\(|\.reshape\(")


def _looks_like_numpy(fn: Callable, error: BaseException) -> bool:
    """Whether a function given lists failed as numpy code does: a TypeError or AttributeError
    on lists (``@``, ``.shape``, ``.T``), or numpy's words in its source."""
    if not isinstance(error, (TypeError, AttributeError)):
        return False
    if "list" in str(error) and re.search(r"@|shape|'T'|reshape|dot", str(error)):
        return True
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    return bool(_NUMPY_WORDS.search(source))


def _tolerance(rtol: object, atol: object) -> Tolerance:
    return Tolerance(non_negative_number(rtol, "rtol"), non_negative_number(atol, "atol"))


def _function_name(fn: object, data: str) -> str:
    """fn's name, after checking that it can be called as fn(weights, biases, <data>)."""
    if not callable(fn):
        raise TypeError(f"fn must be a function backprop(weights, biases, {data}), got "
                        f"{type(fn).__name__}: {excerpt(fn)}")
    name = getattr(fn, "__name__", type(fn).__name__)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # some built-in callables have none to read
        return name
    try:
        signature.bind(None, None, None, None)
    except TypeError:
        raise TypeError(f"{name} must take four arguments (weights, biases, {data}); it takes "
                        f"{signature}") from None
    return name


def _section(l: int, L: int) -> str:
    return f"layer {l} = L (output)" if l == L else f"layer {l}"


def _shaped(values: list[float], block: _Block, quantity: str):
    """The student's block read as (shape, numbers), a bias flattened to a vector."""
    if quantity == "dC/db":
        return (len(values),), values
    return block.shape, block.numbers


def _mean(blocks: list):
    """The mean of the examples' blocks, entry by entry; None if any is None."""
    if any(b is None for b in blocks):
        return None
    if len(blocks) == 1:
        return blocks[0]
    if isinstance(blocks[0], list):
        return [_mean(list(parts)) for parts in zip(*blocks)]
    return math.fsum(blocks) / len(blocks)


def _matches(mine, predicted, tolerance: Tolerance) -> bool:
    """Whether the student's (shape, numbers) are the predicted block, shape and numbers."""
    if predicted is None:
        return False
    shape, numbers = read_block(predicted)
    return shape == mine[0] and all(
        tolerance.close(a, b) for a, b in zip(_flat(mine[1]), _flat(numbers)))


def _flat(numbers) -> list[float]:
    if isinstance(numbers, list):
        return [v for item in numbers for v in _flat(item)]
    return [numbers]


def _hints(found: tuple[str, ...], l: int, L: int, n: int) -> str:
    if len(found) == 1:
        return MISTAKES[found[0]].hint(l, L, n)
    return (f"On this network {len(found)} catalogued mistakes give these numbers: "
            + " Or: ".join(f"{m}: {MISTAKES[m].hint(l, L, n)}" for m in found))


def _follows(symbol: str, c: Context) -> str:
    return (f"{symbol} follows from your own earlier numbers by {equation(c)} (from "
            f"{whose(c)}): it is right given them, so the mistake is further up; put that "
            "right first.")


def _unexplained(symbol: str, c: Context, own, mine, tolerance: Tolerance, batch: bool) -> str:
    pairs = list(zip(_flat(mine[1]), _flat(own)))
    yours, right = next((p for p in pairs if not tolerance.close(*p)), pairs[0])
    source = "autograd gives" if batch else f"{whose(c)} give"
    return (f"{symbol} is off: by {equation(c)}, {source} {right:.6g}; yours is {yours:.6g}, "
            "and no catalogued mistake gives it.")


def _not_a_number(symbol: str, value: float) -> str:
    return (f"{symbol} is {value}, not a number: look for a division by zero, an overflow "
            "(exp of a large number) or a value used before it was set.")


# ---------------------------------------------------------------- where the student's code failed

_DOT = re.compile(r"shapes \((\d+),\s*(\d+)\) and \((\d+),\s*(\d*)\) not aligned")
_MATMUL = re.compile(r"core dimension 0.*\(size (\d+) is different from (\d+)\)")


def untransposed_layers(message: str, sizes: list[int]) -> list[int]:
    """Hidden layers l whose W^(l+1) (n_(l+1) x n_l) times delta^(l+1) numpy's error names."""
    dot, matmul = _DOT.search(message), _MATMUL.search(message)
    layers = []
    for l in range(2, len(sizes)):
        rows, columns = sizes[l], sizes[l - 1]  # W^(l+1) is n_(l+1) x n_l
        if dot and (int(dot[1]), int(dot[2]), int(dot[3])) == (rows, columns, rows):
            layers.append(l)
        elif matmul and (int(matmul[1]), int(matmul[2])) == (rows, columns):
            layers.append(l)
    return layers


_LIBRARIES = {Path(p).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")
              if (p := sysconfig.get_paths().get(key))}
_DELTAGRAD = {Path(__file__).resolve().parents[1], Path(__file__).resolve().parents[2] / "autodiff"}


def said(error: BaseException) -> str:
    """An exception in one line: its type, and the first line of its message if it has one."""
    lines = str(error).strip().splitlines()
    return type(error).__name__ + (f": {lines[0]}" if lines else "")


def place(error: BaseException) -> str:
    """Where the student's code raised ``error``: "student.py, line 12, in backprop: <the line>"
    (see ``frames_place``)."""
    return frames_place([(f.filename, f.lineno, f.name)
                         for f in traceback.extract_tb(error.__traceback__)])


def frames_place(frames: Sequence[tuple[str, int | None, str]]) -> str:
    """Where the student's code is among ``frames`` (file, line, function; innermost last).

    The innermost frame of the student's own code: not Python's or a
    library's (numpy's), and not deltagrad's, unless nothing else is there.
    """
    outside = [f for f in frames if not _under(f[0], _LIBRARIES)]
    theirs = [f for f in outside if not _under(f[0], _DELTAGRAD)]
    frame = (theirs or outside or list(frames) or [None])[-1]
    if frame is None:
        return "an unknown place"
    filename, lineno, function = frame
    return frame_place(filename, lineno, function, linecache.getline(filename, lineno or 0))


def frame_place(filename: str, lineno: int | None, function: str, line: str | None) -> str:
    """A place in code for people: the file's name (not its folder), the line, the code."""
    notebook = "ipykernel_" in filename or filename.startswith("<ipython")
    text = f"{'a notebook cell' if notebook else Path(filename).name}, line {lineno}"
    if function and function != "<module>":
        text += f", in {function}"
    if line and line.strip():
        code = line.strip()
        text += f": {code if len(code) <= 80 else code[:77] + '...'}"
    return text


def _under(filename: str, folders: set[Path]) -> bool:
    if filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>; not <ipython-input>
        return not filename.startswith("<ipython")
    path = Path(filename).resolve()
    return any(folder == path or folder in path.parents for folder in folders)
