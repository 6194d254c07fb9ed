"""Backpropagation step by step, with the numbers plugged in, for any expression.

``backward()`` does its work in two sweeps over the graph. First the forward
values: every node computed from its operands, parents first. Then the reverse
sweep: starting from the root with dC/dC = 1, each node, once every node that
uses it has passed back its share, holds its final gradient, and passes a share
on to each of its operands. The share a node v receives from a user u is the
chain rule's term

    dC/du × du/dv        (the upstream gradient times the local derivative)

and v's gradient is the sum of the terms from all its users. :func:`backward_steps`
lists exactly that, one step per node, in the order ``backward()`` goes, each
term with its formula from the op table and the numbers plugged in:

>>> from autodiff import Value, backward_steps
>>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
>>> z = w * x; z.label = "z"
>>> walk = backward_steps(z)
>>> print(walk.steps[-1].text())        # the last step: x's gradient
dz/dx = dz/dz × ∂(w·x)/∂x = 1 × w = 1 × (-3) = -3

The numbers are computed as ``backward()`` computes them, in the same order,
so the grads at the end are ``backward()``'s to the last bit (the graph itself
is not touched: its grads stay as they are). As a page, ``walk.save("walk.html")``
steps through the computation graph with the current node outlined.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

from autodiff import ops
from autodiff.sweep import Term, reverse_sweep
from autodiff.validate import whole_number
from autodiff.value import Value
from autodiff.views.live import Source
from autodiff.views.notation import lecture_html, lecture_tex, lecture_text, plain_number
from autodiff.views.pictures import Drawing, draw, graph_order
from autodiff.views.slides import Slide, Slides

STYLES = ("text", "tex", "html")  # plain text (terminals), TeX (Markdown math), HTML (pages)


@dataclass(frozen=True)
class Written:
    """The same thing written three ways: plain ``text``, ``tex`` math, and ``html``."""

    text: str
    tex: str
    html: str

    def __getitem__(self, style: str) -> str:
        return {"text": self.text, "tex": self.tex, "html": self.html}[style]


# How a live page marks a number in a formula: (its source, the number as written, whether
# a negative one takes parentheses) -> the HTML to put in its place.
Mark = Callable[[Source, str, bool], str]


@dataclass(frozen=True)
class Formula:
    """A formula to write with its symbols, or with the numbers plugged in.

    ``template`` is the formula in each style, a ``str.format`` template with a
    slot ``{name}`` where a quantity goes (a literal brace doubled); ``slots``
    gives each slot's quantity: its symbol (written three ways) and its
    number. ``numbers``: False for a formula shown in symbols only.
    ``sources`` says where each slot's number comes from, for a live page that
    computes it again (``autodiff.views.live``).
    """

    template: Written
    slots: Mapping[str, tuple[Written, float]] = field(default_factory=dict)
    numbers: bool = True
    sources: Mapping[str, Source] = field(default_factory=dict, compare=False)

    def write(self, style: str, numbers: bool, digits: int, mark: Mark | None = None) -> str:
        """The formula in ``style``, its slots filled with symbols or with numbers.

        A negative number goes in parentheses, × (−3), unless it is all there is
        or the template puts it in parentheses already, σ(−3). ``mark``, given
        for a live page, wraps each number whose source is known.
        """
        template = self.template[style]
        alone = re.fullmatch(r"\{\w+\}", template) is not None
        filled = {}
        for name, (symbol, value) in self.slots.items():
            if not numbers:
                filled[name] = symbol[style]
                continue
            bracket = not alone and f"({{{name}}})" not in template
            filled[name] = number(value, digits, style, bracket)
            if mark is not None and name in self.sources:
                filled[name] = mark(self.sources[name], filled[name], bracket)
        return template.format(**filled)


def number(value: float, digits: int, style: str, bracket: bool = False) -> str:
    """A number as a formula shows it: ``digits`` significant digits, a true minus sign in
    HTML, in parentheses when negative and ``bracket`` (an operand: × (-3))."""
    s = plain_number(value, digits)
    if style == "html":
        s = s.replace("-", "\u2212")
    return f"({s})" if bracket and s.startswith(("-", "\u2212")) else s


@dataclass(frozen=True)
class Step:
    """One quantity of a walk-through: ``name = formula = numbers plugged in = value``.

    ``symbol`` names the quantity in plain text, as pages and code find it
    ("z", "da/dx"; "delta_1^3" in a network); ``value`` is the engine's number;
    ``kind`` is "forward", "backward" or "update". ``name`` is the quantity
    written three ways (the left side); ``formulas`` its right-hand sides, each
    written in symbols and then, unless it says otherwise, with the numbers
    plugged in (``digits`` significant digits). ``nodes`` are the Values of the
    graph the step reads, its own last; ``terms`` the shares of a backward step
    of ``backward_steps``, in the order ``backward()`` adds them. A part equal
    to the one before it is left out of the line. ``source`` says where the
    value comes from, for a live page (``autodiff.views.live``).
    """

    symbol: str
    value: float
    kind: str
    name: Written = field(repr=False, compare=False)
    formulas: tuple[Formula, ...] = field(default=(), repr=False, compare=False)
    digits: int = field(default=6, repr=False, compare=False)
    nodes: tuple[Value, ...] = field(default=(), repr=False)
    terms: tuple[Term, ...] = field(default=(), repr=False)
    source: Source | None = field(default=None, repr=False, compare=False)

    @property
    def node(self) -> Value:
        """The Value the step computes."""
        return self.nodes[-1]

    @property
    def formula(self) -> str:
        """The right-hand side in symbols, plain text."""
        return self.formulas[-1].write("text", False, self.digits) if self.formulas else ""

    @property
    def substituted(self) -> str:
        """The right-hand side with the numbers plugged in, plain text."""
        return self.formulas[-1].write("text", True, self.digits) if self.formulas else ""

    def parts(self, style: str, mark: Mark | None = None) -> list[str]:
        """The parts of the line in ``style``: name, formulas, numbers, value (each number
        wrapped by ``mark`` where its source is known, for a live page)."""
        parts = self._parts(style, None)
        keep = [i == 0 or p != parts[i - 1] for i, p in enumerate(parts)]
        if mark is not None:
            parts = self._parts(style, mark)
        return [p for p, kept in zip(parts, keep) if kept]

    def _parts(self, style: str, mark: Mark | None) -> list[str]:
        parts = [self.name[style]]
        for f in self.formulas:
            parts += [f.write(style, False, self.digits)]
            parts += [f.write(style, True, self.digits, mark)] if f.numbers else []
        value = number(self.value, self.digits, style)
        if mark is not None and self.source is not None:
            value = mark(self.source, value, False)
        return [*parts, value]

    def text(self) -> str:
        """The step as one line of plain text."""
        return " = ".join(self.parts("text"))

    def __str__(self) -> str:
        return self.text()

    def tex(self) -> str:
        """The step as TeX math (for Markdown, between dollars)."""
        return " = ".join(self.parts("tex"))

    def markdown(self) -> str:
        """The step as a line of Markdown's TeX math: ``tex()``."""
        return self.tex()

    def html(self, mark: Mark | None = None) -> str:
        """The step as HTML, its name in bold, for the page (its numbers marked by ``mark``
        for a live page)."""
        name, *rest = self.parts("html", mark)
        return " = ".join([f"<b>{name}</b>", *rest])


class StepByStep:
    """What a walk-through of steps over a picture offers besides its text and Markdown.

    A subclass gives ``slides()`` (``autodiff.views.slides``), ``text()`` and
    ``markdown()``; the page, the frames, the GIF and the stepper come from them.
    """

    def slides(self) -> Slides:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def markdown(self) -> str:
        raise NotImplementedError

    def page(self) -> Slides:
        """The slides of the page: ``slides()``, unless a subclass makes its page live."""
        return self.slides()

    def html(self) -> str:
        """A self-contained page stepping through the picture (see ``autodiff.views.slides``)."""
        return self.page().html()

    def _repr_html_(self) -> str:
        return self.page().iframe()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the steps to ``path``: .html, .md, .txt or .gif, by the suffix."""
        return self.page().save(path, text=self.text, markdown=self.markdown)

    def frame(self, n: int) -> Drawing:
        """The picture of step n (counted from 1, as the page and the text number them) as
        a slide: its parts outlined, its line as caption."""
        return self.slides().frame(n)

    def frames(self, folder: str | os.PathLike[str], format: str = "png") -> list[Path]:
        """One picture per step in ``folder`` (step001.png, ...), sized for a 1920-pixel slide."""
        return self.slides().frames(folder, format)

    def gif(self, path: str | os.PathLike[str], seconds: float = 1.5) -> Path:
        """An animated GIF of the steps (Pillow, which matplotlib brings)."""
        return self.slides().gif(path, seconds)

    def show(self) -> Any:
        """In Jupyter: the picture and the current step, with a slider and a play button."""
        return self.slides().widget()  # an anywidget


class BackwardSteps(StepByStep):
    """The forward values and the reverse sweep of ``root``'s graph, as a list of steps.

    Made by :func:`backward_steps`. ``steps`` holds the forward steps (one per
    operation, parents first) and then the backward steps (one per node, the
    root first, in ``backward()``'s order); ``forward`` and ``backward`` hold
    each part. ``grad(v)`` is each node's gradient at the end, equal to
    what ``root.backward()`` gives on freshly zeroed leaves (``grad(v)``).

    Outputs: ``text()``, ``markdown()``, ``html()`` and ``save(path)`` (by the
    suffix: .html, .md, .txt, .gif), ``frames(folder)`` (a picture per step),
    ``gif(path)``; in Jupyter the page shows inline, and ``show()`` gives a
    stepper with a slider.
    """

    def __init__(self, root: Value, digits: int = 6, max_nodes: int = 200) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"backward_steps expects a Value (the root), got {type(root).__name__}")
        self.root = root
        self.digits = whole_number(digits, "digits", minimum=1)
        self.picture_order = graph_order(root, max_nodes)
        self._names = {id(v): v.label or f"v{i}" for i, v in enumerate(self.picture_order)}
        self.root_name = self.name(root)
        self.sweep = reverse_sweep(root)
        self.forward = [self._forward_step(v) for v in self.sweep.order if v.op]
        self.backward = [self._backward_step(v) for v in reversed(self.sweep.order)]
        self.steps = self.forward + self.backward

    def grad(self, v: Value) -> float:
        """dC/dv at the end of the sweep."""
        return self.sweep.grad(v)

    def name(self, v: Value) -> str:
        """A node's name: its label, or "v<i>" by its place in the picture (as draw names it)."""
        return self._names[id(v)]

    def picture_id(self, v: Value) -> str:
        """The node's name in the DOT source of ``draw`` (v0, v1, ...)."""
        return f"v{self.picture_order.index(v)}"

    # ------------------------------------------------------------------ the steps

    def _written(self, v: Value) -> Written:
        name = self.name(v)
        return Written(lecture_text(name), lecture_tex(name), lecture_html(name))

    def _partial(self, v: Value) -> Written:
        """dC/dv, C the root: the gradient's name."""
        top, name = self._written(self.root), self._written(v)
        return Written(f"d{top.text}/d{name.text}",
                       rf"\frac{{\partial {top.tex}}}{{\partial {name.tex}}}",
                       f"\u2202{top.html}/\u2202{name.html}")

    def _operands(self, v: Value, k: str = "") -> dict[str, tuple[Written, float]]:
        """Slots for v's operands x, y and its result out (written as its operation: σ(z)),
        named with ``k`` after them: ``x0``, ``y0``, ``out0``."""
        op, n = ops.lookup(v.op)
        operands = {xy: self._written(p) for xy, p in zip("xy", v.parents)}
        out = Written(*(template(op, style).format(n=op.symbols(n)["n"], **{
            xy: written[style] for xy, written in operands.items()}) for style in STYLES))
        slots = {f"{xy}{k}": (operands[xy], p.data) for xy, p in zip("xy", v.parents)}
        return {**slots, f"out{k}": (out, v.data)}

    def _forward_step(self, v: Value) -> Step:
        op, n = ops.lookup(v.op)
        names = {"x": "{x}", "y": "{y}", "n": op.symbols(n)["n"]}
        templates = Written(*(_fields(template(op, style), names) for style in STYLES))
        return Step(self.name(v), v.data, "forward", self._written(v),
                    (Formula(templates, self._operands(v)),), self.digits, (v,))

    def _backward_step(self, v: Value) -> Step:
        """dC/dv = sum over users u: dC/du × ∂u/∂v = (symbols) = (numbers) = grad."""
        terms = tuple(self.sweep.shares_of(v))
        symbol = f"d{self.root_name}/d{self.name(v)}"
        if not terms:  # the root: dC/dC = 1
            return Step(symbol, self.grad(v), "backward", self._partial(v), (), self.digits, (v,))
        slots: dict[str, tuple[Written, float]] = {"v": (self._written(v), v.data)}
        chain: dict[str, list[str]] = {s: [] for s in STYLES}
        products: dict[str, list[str]] = {s: [] for s in STYLES}
        for k, t in enumerate(terms):
            op, n = ops.lookup(t.user.op)
            slots |= self._operands(t.user, str(k))
            slots[f"u{k}"] = (self._partial(t.user), t.upstream)
            names = {"x": f"{{x{k}}}", "y": f"{{y{k}}}", "out": f"{{out{k}}}",
                     "n": op.symbols(n)["n"]}
            for style in STYLES:
                times = r" \cdot " if style == "tex" else " \u00d7 "
                result = _fields(template(op, style), names)
                local = (rf"\frac{{{{\partial ({result})}}}}{{{{\partial {{v}}}}}}"
                         if style == "tex" else f"\u2202({result})/\u2202{{v}}")
                derivative = _fields(template(op, style, t.operand), names)
                chain[style].append(f"{{u{k}}}{times}{local}")
                products[style].append(f"{{u{k}}}{times}{_factor(derivative)}")
        sums = [Written(*(" + ".join(parts[s]) for s in STYLES)) for parts in (chain, products)]
        return Step(symbol, self.grad(v), "backward", self._partial(v),
                    (Formula(sums[0], slots, numbers=False), Formula(sums[1], slots)),
                    self.digits, (*(t.user for t in terms), v), terms)

    # ------------------------------------------------------------------ outputs

    def text(self) -> str:
        """Every step, one per line, numbered, forward pass first."""
        lines = [f"Forward pass of {lecture_text(self.root_name)} (parents first):"]
        lines += [f"{i:4d}. {s.text()}" for i, s in enumerate(self.forward, start=1)]
        lines.append("Backward pass (children first, as backward() goes):")
        start = len(self.forward) + 1
        lines += [f"{i:4d}. {s.text()}" for i, s in enumerate(self.backward, start=start)]
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        """Every step as a numbered Markdown list with TeX math."""
        out = ["### Forward pass", ""]
        out += [f"{i}. ${s.markdown()}$" for i, s in enumerate(self.forward, start=1)]
        out += ["", "### Backward pass", ""]
        start = len(self.forward) + 1
        out += [f"{i}. ${s.markdown()}$" for i, s in enumerate(self.backward, start=start)]
        return "\n".join(out) + "\n"

    def picture(self) -> Drawing:
        """The computation graph with every node's data and final grad, and names."""
        return draw(self.root, show="data+grad", names=True, grads=self.grad,
                    max_nodes=len(self.picture_order))

    def slides(self) -> Slides:
        """The steps as slides over the picture, for the page, frames and GIF."""
        slides = [Slide(symbol=s.symbol, value=s.value, html=s.html(), caption=s.text(),
                        highlight=tuple(self.picture_id(n) for n in (s.node, *s.nodes[:-1])))
                  for s in self.steps]
        title = f"Backpropagation through {lecture_text(self.root_name)}, step by step"
        return Slides(title, self.picture(), slides)


def backward_steps(root: Value, *, digits: int = 6, max_nodes: int = 200) -> BackwardSteps:
    """The forward values and backward()'s reverse sweep of ``root``, step by step.

    ``digits`` significant digits are shown of each number; graphs of more than
    ``max_nodes`` Values are refused (nobody steps through a thousand nodes).
    See :class:`BackwardSteps` for what it holds and how to show it.
    """
    return BackwardSteps(root, digits, max_nodes)


def template(op: ops.Op, style: str, derivative: int | None = None) -> str:
    """The op table's text of an operation (or of its derivative by operand k) in ``style``."""
    if derivative is None:
        text = op.tex if style == "tex" else op.text
    else:
        text = (op.tex_derivatives if style == "tex" else op.derivatives)[derivative]
    return html.escape(text, quote=False) if style == "html" else text


def _fields(text: str, names: Mapping[str, str]) -> str:
    """A ``str.format`` template with its fields replaced by ``names`` (new fields, or text);
    its literal braces stay doubled."""
    out = []
    for literal, name, _, _ in Formatter().parse(text):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append(names[name])
    return "".join(out)


def _factor(text: str) -> str:
    """A factor of a product, in parentheses when it needs them: × (−1), × (1 − a²)."""
    if text.startswith(("-", "\u2212")):
        return f"({text})"
    depth = 0
    for i, c in enumerate(text):
        depth += c in "({["
        depth -= c in ")}]"
        if depth == 0 and text[i:i + 3] in (" + ", " \u2212 ", " - "):
            return f"({text})"
    return text
