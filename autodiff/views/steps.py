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
import re
from dataclasses import dataclass, field

from autodiff import ops
from autodiff.sweep import Term, reverse_sweep
from autodiff.validate import whole_number
from autodiff.value import Value
from autodiff.views.notation import lecture_tex, lecture_text, operand_number, plain_number
from autodiff.views.pictures import Drawing, draw, graph_order
from autodiff.views.slides import Slide, Slides


@dataclass(frozen=True)
class Step:
    """One node of the sweep: computed (``kind`` "forward") or differentiated ("backward").

    ``value`` is the node's data for a forward step, its gradient dC/dv after
    the step for a backward one. ``terms`` are the shares of a backward step, in
    the order ``backward()`` adds them.
    """

    kind: str
    node: Value
    value: float
    terms: tuple[Term, ...] = ()
    walk: BackwardSteps | None = field(default=None, repr=False, compare=False)

    @property
    def symbol(self) -> str:
        """What the step computes, in plain text: "z" (forward) or "dC/dz" (backward)."""
        name = self.walk.name(self.node)
        return name if self.kind == "forward" else f"d{self.walk.root_name}/d{name}"

    def text(self) -> str:
        """The step as one line: the formula, then the numbers plugged in, then the result."""
        return self.walk.describe(self, "text")

    def __str__(self) -> str:
        return self.text()

    def markdown(self) -> str:
        """The step as a line of Markdown with TeX math."""
        return self.walk.describe(self, "tex")


class BackwardSteps:
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
        self._names = self._name_nodes()
        self.root_name = self.name(root)
        self.sweep = reverse_sweep(root)
        self.forward = [Step("forward", v, v.data, walk=self) for v in self.sweep.order if v.op]
        self.backward = [Step("backward", v, self.sweep.grad(v), tuple(self.sweep.shares_of(v)),
                              walk=self) for v in reversed(self.sweep.order)]
        self.steps = self.forward + self.backward

    def grad(self, v: Value) -> float:
        """dC/dv at the end of the sweep."""
        return self.sweep.grad(v)

    # ------------------------------------------------------------------ names

    def _name_nodes(self) -> dict[int, str]:
        """A name per node: its label, or "v<i>" by its place in the picture (as draw names it)."""
        return {id(v): v.label or f"v{i}" for i, v in enumerate(self.picture_order)}

    def name(self, v: Value) -> str:
        return self._names[id(v)]

    def picture_id(self, v: Value) -> str:
        """The node's name in the DOT source of ``draw`` (v0, v1, ...)."""
        return f"v{self.picture_order.index(v)}"

    # ------------------------------------------------------------------ words

    def describe(self, step: Step, style: str) -> str:
        """A step in "text" or "tex" style: what it computes = formula = numbers = result."""
        if step.kind == "forward":
            return self._describe_forward(step, style)
        return self._describe_backward(step, style)

    def _label(self, v: Value, style: str) -> str:
        return (lecture_tex if style == "tex" else lecture_text)(self.name(v))

    def _partial(self, v: Value, style: str, of: str | None = None) -> str:
        """dC/dv, where C is the root (or ``of``): the gradient's name."""
        top = of or self._label(self.root, style)
        if style == "tex":
            return rf"\frac{{\partial {top}}}{{\partial {self._label(v, style)}}}"
        return f"d{top}/d{self._label(v, style)}"

    def _fill(self, v: Value, template: str, style: str, numbers: bool) -> str:
        """An op-table text of v's operation, filled with its operands' names, or numbers."""
        op, n = ops.lookup(v.op)
        if numbers:
            x, *y = (operand_number(p.data, self.digits) for p in v.parents)
            names = {"x": x, "y": y[0] if y else "", "n": op.symbols(n)["n"],
                     "out": operand_number(v.data, self.digits)}
        else:
            x, *y = (self._label(p, style) for p in v.parents)
            names = op.symbols(n, x, y[0] if y else "y", tex=style == "tex")
        # a negative number in a template's own parentheses needs no second pair
        return re.sub(r"\(\((-[^()]*)\)\)", r"(\1)", template.format(**names))

    def _describe_forward(self, step: Step, style: str) -> str:
        v = step.node
        op, _ = ops.lookup(v.op)
        template = op.tex if style == "tex" else op.text
        return _join([self._label(v, style), self._fill(v, template, style, False),
                      self._fill(v, template, style, True), plain_number(v.data, self.digits)])

    def _describe_backward(self, step: Step, style: str) -> str:
        """dC/dv = sum over users u: dC/du × ∂u/∂v = (symbols) = (numbers) = grad."""
        if not step.terms:  # the root: dC/dC = 1
            return _join([self._partial(step.node, style), "1"])
        tex = style == "tex"
        times = r" \cdot " if tex else " × "
        chain, symbols, numbers = [], [], []
        for t in step.terms:
            op, _ = ops.lookup(t.user.op)
            upstream = self._partial(t.user, style)
            result = self._fill(t.user, op.tex if tex else op.text, style, False)
            node = self._label(step.node, style)
            local = (rf"\frac{{\partial ({result})}}{{\partial {node}}}" if tex
                     else f"∂({result})/∂{node}")
            derivative = (op.tex_derivatives if tex else op.derivatives)[t.operand]
            chain.append(upstream + times + local)
            symbols.append(upstream + times + _factor(self._fill(t.user, derivative, style,
                                                                  False)))
            numbers.append(operand_number(t.upstream, self.digits) + times
                           + _factor(self._fill(t.user, derivative, style, True)))
        return _join([self._partial(step.node, style), " + ".join(chain), " + ".join(symbols),
                      " + ".join(numbers), plain_number(step.value, self.digits)])

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
        slides = []
        for s in self.steps:
            highlight = [self.picture_id(s.node)]
            if s.kind == "backward":
                highlight += [self.picture_id(t.user) for t in s.terms]
            slides.append(Slide(symbol=s.symbol, value=s.value, html=html.escape(s.text()),
                                highlight=tuple(highlight), caption=s.text()))
        title = f"Backpropagation through {lecture_text(self.root_name)}, step by step"
        return Slides(title, self.picture(), slides)

    def html(self) -> str:
        """A self-contained page stepping through the graph (see ``autodiff.views.slides``)."""
        return self.slides().html()

    def _repr_html_(self) -> str:
        return self.slides().iframe()

    def save(self, path) -> object:
        """Write the steps to ``path``: .html, .md, .txt or .gif, by the suffix."""
        return self.slides().save(path, text=self.text, markdown=self.markdown)

    def frame(self, k: int) -> Drawing:
        """The picture of step k (0-based) as a slide: its parts outlined, its line as caption."""
        return self.slides().frame(k)

    def frames(self, folder, format: str = "png") -> list:
        """One picture per step in ``folder`` (step001.png, ...), sized for a 1920-pixel slide."""
        return self.slides().frames(folder, format)

    def gif(self, path, seconds: float = 1.5) -> object:
        """An animated GIF of the steps (needs Pillow, which matplotlib brings)."""
        return self.slides().gif(path, seconds)

    def show(self):
        """In Jupyter: the picture and the current step, with a slider and a play button."""
        return self.slides().widget()


def backward_steps(root: Value, *, digits: int = 6, max_nodes: int = 200) -> BackwardSteps:
    """The forward values and backward()'s reverse sweep of ``root``, step by step.

    ``digits`` significant digits are shown of each number; graphs of more than
    ``max_nodes`` Values are refused (nobody steps through a thousand nodes).
    See :class:`BackwardSteps` for what it holds and how to show it.
    """
    return BackwardSteps(root, digits, max_nodes)


def _join(parts: list[str]) -> str:
    """'a = b = c', leaving out a part equal to the one before it."""
    kept = [parts[0]]
    for p in parts[1:]:
        if p != kept[-1]:
            kept.append(p)
    return " = ".join(kept)


def _factor(text: str) -> str:
    """A factor of a product, in parentheses when it needs them: × (−1), × (1 − a²)."""
    if text.startswith(("-", "−")):
        return f"({text})"
    depth = 0
    for i, c in enumerate(text):
        depth += c in "({["
        depth -= c in ")}]"
        if depth == 0 and text[i:i + 3] in (" + ", " − ", " - "):
            return f"({text})"
    return text

