"""Backpropagation through a network step by step, in the lecture's equations, numbers plugged in.

A worked solution, generated for any deltagrad network and example: first the
forward pass, then the backward pass by the lecture's four equations, and (with
a learning rate) the SGD update, one quantity per step:

    forward    z_j^l = w_j1^l a_1^{l-1} + ... + w_jm^l a_m^{l-1} + b_j^l,  a_j^l = sigma(z_j^l),  C
    (1)        delta_j^L  = dC/da_j^L * sigma'(z_j^L)
    (2)        delta_j^l  = (w_1j^{l+1} delta_1^{l+1} + ...) * sigma'(z_j^l)
    (3)        dC/db_j^l  = delta_j^l
    (4)        dC/dw_jk^l = a_k^{l-1} delta_j^l
    update     w_jk^l -> w_jk^l - eta dC/dw_jk^l,   b_j^l -> b_j^l - eta dC/db_j^l

The backward pass goes from layer L back to 2, each layer's deltas first, then
its dC/db, then its dC/dw, as ``nn.compare`` lists them. Every number is the
engine's: the example is run through the network and ``C.backward()`` is
called, and each step's ``value`` is read off the graph (delta_j^l is the grad
of the Value z_j^l, the lecture's "artificial quantity"). The formula beside it
is the lecture's, with the graph's numbers plugged in, so that a student can
redo each line by hand:

>>> from nn import MLP, walkthrough
>>> net = MLP([2, 2, 1], seed=0)
>>> walk = walkthrough(net, [0.05, 0.10], [0.01])
>>> step = walk.step("delta_1^3")
>>> step.equation, step.formula
(1, "(a_1^3 - y_1) * sigma'(z_1^3)")

``walk.text()``, ``walk.markdown()`` (TeX math for Jupyter and code hosts),
``walk.save("walk.html")`` (a page stepping through the network diagram,
Previous/Next, arrow keys, a slider, ``#step=N``), ``walk.frames(folder)`` and
``walk.gif(path)`` for slides, ``walk.show()`` in Jupyter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from autodiff import Value, collector_paused, topological_order
from autodiff.validate import positive_number, whole_number
from autodiff.views import live, steps
from autodiff.views.notation import lecture_html, lecture_tex, plain_number, read_label
from autodiff.views.pictures import Drawing
from autodiff.views.slides import Slide, Slides, step_index
from nn.lecture.diagrams import draw_network, live_parts
from nn.lecture.formulas import backprop
from nn.model.activations import Activation
from nn.model.costs import Cost, as_cost, quadratic_cost
from nn.model.layers import MLP, node_label

EQUATIONS = {
    1: "delta_j^L = dC/da_j^L * sigma'(z_j^L)",
    2: "delta_j^l = (sum_k w_kj^{l+1} delta_k^{l+1}) * sigma'(z_j^l)",
    3: "dC/db_j^l = delta_j^l",
    4: "dC/dw_jk^l = a_k^{l-1} delta_j^l",
}


# The same for a page: sub- and superscripts, Greek letters
_d, _s = "\u2202", "\u03c3\u2032"
EQUATIONS_HTML = {
    1: f"δ<sub>j</sub><sup>L</sup> = {_d}C/{_d}<i>a</i><sub>j</sub><sup>L</sup> · "
       f"{_s}(<i>z</i><sub>j</sub><sup>L</sup>)",
    2: "δ<sub>j</sub><sup>l</sup> = (Σ<sub>k</sub> <i>w</i><sub>kj</sub><sup>l+1</sup> "
       f"δ<sub>k</sub><sup>l+1</sup>) · {_s}(<i>z</i><sub>j</sub><sup>l</sup>)",
    3: f"{_d}C/{_d}<i>b</i><sub>j</sub><sup>l</sup> = δ<sub>j</sub><sup>l</sup>",
    4: f"{_d}C/{_d}<i>w</i><sub>jk</sub><sup>l</sup> = <i>a</i><sub>k</sub><sup>l−1</sup> "
       "δ<sub>j</sub><sup>l</sup>",
}


@dataclass(frozen=True)
class Step(steps.Step):
    """One quantity of the walkthrough: ``autodiff.views.steps.Step``, in the lecture's terms.

    ``symbol`` names it in plain text as ``nn.compare`` names rows ("z_1^2",
    "a_1^2", "C", "delta_1^3", "dC/db_1^3", "dC/dw_12^3"; "w_12^3" and "b_1^3"
    for an updated parameter). ``value`` is the engine's number; ``formula``
    is the right-hand side in the lecture's notation and ``substituted`` the
    same with the numbers plugged in. Beside what any step holds, what the
    lecture knows: ``equation``, the lecture's equation (1-4), or None for the
    forward pass and the update; ``l``, ``j``, ``k`` the lecture's 1-based
    indices (0 for C; k None but for weights). ``factors`` splits a delta into
    the two numbers it is the product of, delta_j^l = dC/da_j^l * sigma'(z_j^l),
    as the graph holds them (the grad of a_j^l, the local derivative of sigma):
    a tiny sigma' is a saturated node, whose delta is tiny however wrong its output.
    """

    equation: int | None = None
    l: int = 0
    j: int = 0
    k: int | None = None
    factors: dict[str, float] = field(default_factory=dict, compare=False)

    def text(self) -> str:
        """'symbol = formula = numbers = value', the equation used, and delta's factors."""
        line = super().text()
        if not self.equation:
            return line
        factors = ", ".join(f"{name} = {plain_number(v, self.digits)}"
                            for name, v in self.factors.items())
        return line + f"   (equation {self.equation}{': ' + factors if factors else ''})"

    def html(self, mark: steps.Mark | None = None) -> str:
        """The same line as HTML, with sub- and superscripts, for the page (its numbers
        marked by ``mark`` for a live page)."""
        eq = f' <span class="eq">(eq. {self.equation})</span>' if self.equation else ""
        return super().html(mark) + eq


class Walkthrough(steps.StepByStep):
    """The steps of one example's forward pass, backward pass and (optionally) SGD update.

    Made by :func:`walkthrough`; ``steps`` lists them in order, ``step(symbol)``
    finds one. See the module docstring for the outputs.
    """

    def __init__(self, net: MLP, x: Sequence[float], y: Sequence[float], cost: Cost,
                 eta: float | None, digits: int) -> None:
        self.net, self.x, self.y, self.cost, self.eta, self.digits = net, x, y, cost, eta, digits
        net.zero_grad()
        self.inputs = [Value(x_k, label=node_label("a", 1, k)) for k, x_k in enumerate(x)]
        self.C = cost([net(self.inputs)], [y])
        self.C.backward()
        self.L = len(net.sizes)
        self.steps: list[Step] = []
        self._forward_steps()
        self._backward_steps()
        if eta is not None:
            self._update_steps()

    # ------------------------------------------------------------------ building

    def _add(self, symbol: str, equation: int | None, value: tuple[float, live.Source],
             template: str, slots: dict, nodes: Sequence[Value], kind: str, l: int, j: int,
             k: int | None = None, factors: dict[str, float] | None = None) -> None:
        """A step whose formula is ``template`` (plain text, see below), ``slots`` its
        quantities (label, number, where the number comes from), ``value`` its number and
        where that comes from (for the live page)."""
        formula = steps.Formula(
            _in_every_style(template),
            {name: (_written(label), v) for name, (label, v, _) in slots.items()},
            sources={name: source for name, (_, _, source) in slots.items()})
        name = _written(symbol) if kind != "update" else _updated(symbol)
        self.steps.append(Step(symbol, value[0], kind, name, (formula,), self.digits,
                               tuple(nodes), source=value[1], equation=equation, l=l, j=j,
                               k=k, factors=factors or {}))

    def _factors(self, layer, j: int) -> dict[str, float]:
        """delta_j^l's two factors: dC/da_j^l (the grad of a_j^l) and sigma'(z_j^l)."""
        name, sigma_prime, _ = self._sigma_prime(layer, j)
        return {f"dC/d{node_label('a', layer.l, j)}": layer.a[j].grad, name: sigma_prime}

    def _a_prev(self, l: int) -> list[tuple[str, Value]]:
        """(label, Value) of each a_k^{l-1}: the inputs x_k for l = 2."""
        if l == 2:
            return [(a.label, a) for a in self.inputs]
        return [(node_label("a", l - 1, k), a) for k, a in enumerate(self.net.layer(l - 1).a)]

    def _forward_steps(self) -> None:
        for layer in self.net.layers:
            l = layer.l
            a_prev = self._a_prev(l)
            for j, neuron in enumerate(layer.neurons):
                z, a = layer.z[j], layer.a[j]
                parts, slots = [], {}
                for k, w in enumerate(neuron.w):
                    slots[f"w{k}"] = (node_label("w", l, j, k), w.data, live.data(w))
                    slots[f"a{k}"] = (a_prev[k][0], a_prev[k][1].data, live.data(a_prev[k][1]))
                    parts.append(f"{{w{k}}} * {{a{k}}}")
                slots["b"] = (node_label("b", l, j), neuron.b.data, live.data(neuron.b))
                template = " + ".join(parts) + " + {b}"
                nodes = [*neuron.w, *(a for _, a in a_prev), neuron.b, z]
                self._add(node_label("z", l, j), None, (z.data, live.data(z)), template, slots,
                          nodes, "forward", l, j + 1)
                slots = {"z": (node_label("z", l, j), z.data, live.data(z))}
                self._add(node_label("a", l, j), None, (a.data, live.data(a)),
                          _in_z(neuron.sigma.text), slots, [z, a], "forward", l, j + 1)
        self._cost_step()

    def _cost_step(self) -> None:
        a_L = self.net.layers[-1].a
        slots, parts = {}, []
        for j, (a, y_j) in enumerate(zip(a_L, self.y)):
            slots[f"a{j}"] = (node_label("a", self.L, j), a.data, live.data(a))
            slots[f"y{j}"] = (f"y_{j + 1}", float(y_j), live.param(f"y_{j + 1}"))
            parts.append(self.cost.term_text.format(a=f"{{a{j}}}", y=f"{{y{j}}}"))
        template = self.cost.sum_text.format(terms=" + ".join(parts))
        self._add("C", None, (self.C.data, live.data(self.C)), template, slots,
                  [*a_L, self.C], "forward", 0, 0)

    def _backward_steps(self) -> None:
        for l in range(self.L, 1, -1):
            layer = self.net.layer(l)
            for j in range(len(layer.neurons)):
                if l == self.L:
                    self._output_delta(layer, j)
                else:
                    self._hidden_delta(layer, j)
            for j, neuron in enumerate(layer.neurons):
                slots = {"d": (node_label("delta", l, j), layer.z[j].grad, live.grad(layer.z[j]))}
                self._add(f"dC/d{node_label('b', l, j)}", 3, (neuron.b.grad, live.grad(neuron.b)),
                          "{d}", slots, [layer.z[j], neuron.b], "backward", l, j + 1)
            a_prev = self._a_prev(l)
            for j, neuron in enumerate(layer.neurons):
                for k, w in enumerate(neuron.w):
                    slots = {"a": (a_prev[k][0], a_prev[k][1].data, live.data(a_prev[k][1])),
                             "d": (node_label("delta", l, j), layer.z[j].grad,
                                   live.grad(layer.z[j]))}
                    self._add(f"dC/d{node_label('w', l, j, k)}", 4, (w.grad, live.grad(w)),
                              "{a} * {d}", slots, [a_prev[k][1], layer.z[j], w], "backward", l,
                              j + 1, k + 1)

    def _sigma_prime(self, layer, j: int) -> tuple[str, float, live.Source]:
        """sigma'(z_j^l), by name, its number as the graph holds it (the engine's), and
        where the number comes from: the slope of a_j^l by z_j^l."""
        value = layer.neurons[j].sigma.autograd_prime(layer.z[j].data)
        return (f"sigma'({node_label('z', layer.l, j)})", value,
                live.slope(layer.a[j], layer.z[j]))

    def _output_delta(self, layer, j: int) -> None:
        L, a, z = self.L, layer.a[j], layer.z[j]
        slots = {"a": (node_label("a", L, j), a.data, live.data(a)),
                 "y": (f"y_{j + 1}", float(self.y[j]), live.param(f"y_{j + 1}")),
                 "s": self._sigma_prime(layer, j)}
        template = self.cost.dC_da_text + " * {s}"
        self._add(node_label("delta", L, j), 1, (z.grad, live.grad(z)), template, slots, [a, z],
                  "backward", L, j + 1, factors=self._factors(layer, j))

    def _hidden_delta(self, layer, j: int) -> None:
        l, z = layer.l, layer.z[j]
        after = self.net.layer(l + 1)
        slots, parts = {}, []
        for k, neuron in enumerate(after.neurons):
            slots[f"w{k}"] = (node_label("w", l + 1, k, j), neuron.w[j].data,
                              live.data(neuron.w[j]))
            slots[f"d{k}"] = (node_label("delta", l + 1, k), after.z[k].grad,
                              live.grad(after.z[k]))
            parts.append(f"{{w{k}}} * {{d{k}}}")
        slots["s"] = self._sigma_prime(layer, j)
        template = f"({' + '.join(parts)}) * {{s}}"
        nodes = [*(n.w[j] for n in after.neurons), *after.z, z]
        self._add(node_label("delta", l, j), 2, (z.grad, live.grad(z)), template, slots, nodes,
                  "backward", l, j + 1, factors=self._factors(layer, j))

    def _update_steps(self) -> None:
        for layer in self.net.layers:
            l = layer.l
            for j, neuron in enumerate(layer.neurons):
                for k, w in enumerate(neuron.w):
                    self._update(node_label("w", l, j, k), w, l, j + 1, k + 1)
                self._update(node_label("b", l, j), neuron.b, l, j + 1, None)

    def _update(self, label: str, p: Value, l: int, j: int, k: int | None) -> None:
        slots = {"p": (label, p.data, live.data(p)), "eta": ("eta", self.eta, live.param("eta")),
                 "g": (f"dC/d{label}", p.grad, live.grad(p))}
        new = p.data - self.eta * p.grad  # as nn.train takes the step
        self._add(label, None, (new, live.descent(p, "eta")), "{p} - {eta} * {g}", slots, [p],
                  "update", l, j, k)

    # ------------------------------------------------------------------ finding

    def step(self, symbol: str | int) -> Step:
        r"""The step computing ``symbol`` ("delta_1^3", or in TeX r"\delta_1^3"; for a
        parameter, its update), or step number ``symbol`` (counted from 1, as the text and
        the page number them)."""
        if not isinstance(symbol, str):
            return self.steps[step_index(symbol, len(self.steps))]
        for wanted in (symbol, read_label(symbol)):
            for s in self.steps:
                if s.symbol == wanted:
                    return s
        known = ", ".join(s.symbol for s in self.steps[:6])
        raise KeyError(f"no step computes {symbol!r}; the steps compute {known}, ...")

    def __len__(self) -> int:
        return len(self.steps)

    # ------------------------------------------------------------------ outputs

    def _sections(self) -> list[tuple[str, list[Step]]]:
        kinds = [("Forward pass", "forward"),
                 ("Backward pass: the lecture's equations 1-4", "backward"),
                 (f"SGD update, eta = {plain_number(self.eta or 0.0, self.digits)}", "update")]
        return [(title, [s for s in self.steps if s.kind == kind]) for title, kind in kinds
                if any(s.kind == kind for s in self.steps)]

    def title(self) -> str:
        x = ", ".join(plain_number(v, self.digits) for v in self.x)
        y = ", ".join(plain_number(v, self.digits) for v in self.y)
        return f"Backpropagation step by step: {self.net.sizes} network, x = ({x}), y = ({y})"

    def _activation_lines(self, code: str = "") -> list[str]:
        """Each sigma of the network, with its layers, as its record writes sigma and sigma'.

        ``code`` marks the record's texts (Markdown's backtick), which are shown verbatim.
        """
        layers: dict[Activation, list[int]] = {}
        for layer in self.net.layers:
            for sigma in dict.fromkeys(neuron.sigma for neuron in layer.neurons):
                layers.setdefault(sigma, []).append(layer.l)
        return [f"layer{'s' * (len(ls) > 1)} {', '.join(map(str, ls))}: {sigma.name}, "
                f"a = {code}{sigma.text}{code}, sigma'(z) = {code}{sigma.df_text}{code}"
                for sigma, ls in layers.items()]

    def text(self) -> str:
        """Every step, numbered, by section, one per line."""
        lines, n = [self.title(), f"cost: {self.cost.name}", *self._activation_lines()], 0
        for title, section in self._sections():
            lines += ["", title + ":"]
            for s in section:
                n += 1
                lines.append(f"{n:4d}. {s.text()}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.text()

    def markdown(self) -> str:
        """Every step as Markdown with TeX math ($...$), which Jupyter and code hosts render."""
        sigmas = [f"- {line}" for line in self._activation_lines("`")]
        out, n = [f"## {self.title()}", "", *sigmas, ""], 0
        for title, section in self._sections():
            out += [f"### {title}", ""]
            for s in section:
                n += 1
                eq = f" &nbsp; (equation {s.equation})" if s.equation else ""
                out.append(f"{n}. ${s.tex()}${eq}")
            out.append("")
        return "\n".join(out)

    def picture(self) -> Drawing:
        """The network diagram the steps are shown on: every weight, every z and delta."""
        return draw_network(self.net, delta=True, z=True, edge_labels=True,
                            digits=min(self.digits, 4))

    def page(self) -> Slides:
        """The page's slides: live, its numbers changed and recomputed in the browser."""
        return self.slides(live_page=True)

    def explore(self):
        """In Jupyter: the live page as a widget: change a number, every step recomputes."""
        return self.page().page_widget()

    def slides(self, live_page: bool = False) -> Slides:
        """The steps over the network diagram; ``live_page``: a page whose numbers the reader
        changes, every step recomputed in the browser (``autodiff.views.live``)."""
        numbers = self.live_numbers() if live_page else None
        mark = None
        if numbers is not None:
            for n, s in enumerate(self.steps, start=1):
                numbers.mark(s.source, home=n)
            shown = {s.symbol: n for n, s in enumerate(self.steps, start=1)}
            numbers.picture = live_parts(self.net, numbers.mark, shown, min(self.digits, 4))
            mark = _marker(numbers)
        slides = [Slide(symbol=s.symbol, value=s.value, html=s.html(mark), caption=s.text(),
                        highlight=_parts(s, self.net.sizes),
                        quantity=numbers.mark(s.source) if numbers else None)
                  for s in self.steps]
        equations = "; ".join(f"eq. {n}: {e}" for n, e in EQUATIONS_HTML.items())
        intro = ('<p class="intro">Each line: the quantity, the lecture\'s formula, the numbers '
                 f"plugged in, and the engine's value. The equations: {equations}.</p>")
        return Slides(self.title(), self.picture(), slides, intro_html=intro, live=numbers)

    def live_numbers(self) -> live.Live:
        """The walkthrough's numbers for a live page: the graph of C, and an input for each
        x_k, y_j, w_jk^l, b_j^l and eta (see ``autodiff.views.live``)."""
        params, bound, derived = [], {}, {}
        for k, (v, x_k) in enumerate(zip(self.inputs, self.x), start=1):
            bound[v] = f"x_{k}"
            params.append(live.Param(f"x_{k}", x_k, "input x"))
        targets = self._targets(bound, derived)
        params += [live.Param(f"y_{j}", y_j, "target y") for j, y_j in enumerate(self.y, start=1)
                   if targets]
        if self.eta is not None:
            params.append(live.Param("eta", self.eta, "learning rate η", positive=True))
        for layer in self.net.layers:
            for neuron in layer.neurons:
                for p in (*neuron.w, neuron.b):
                    bound[p] = p.label
                    params.append(live.Param(p.label, p.data, f"layer {layer.l}: weights "
                                             f"w<sub>jk</sub><sup>{layer.l}</sup> and biases "
                                             f"b<sub>j</sub><sup>{layer.l}</sup>"))
        return live.Live(live.LiveGraph(self.C, bound, derived), params, self.digits)

    def _targets(self, bound: dict, derived: dict) -> bool:
        """Bind the targets' leaves to inputs y_j: the numbers the cost prepares from y_j
        (``Cost.prepare``: y_j, 1 - y_j, ...) worked out from y_j as a Value. False where the
        cost's numbers cannot be (the targets are then fixed on the page)."""
        leaves = {v.label: v for v in topological_order(self.C) if not v.op and v.label}
        found = {}
        for j, y_j in enumerate(self.y):
            y = Value(y_j, label=f"y_{j + 1}")
            prepared = self.cost.prepare(y)
            for t, label in zip(prepared, self.cost.target_labels(j)):
                if not isinstance(t, Value) or label not in leaves:
                    return False
                found[leaves[label]] = t
            bound[y] = f"y_{j + 1}"
        derived.update(found)
        return True


@collector_paused()
def walkthrough(
    net: MLP,
    x: Sequence[float],
    y: Sequence[float],
    cost: Cost | str = quadratic_cost,
    eta: float | None = None,
    digits: int = 6,
) -> Walkthrough:
    """Backpropagation of one example (x, y) through ``net``, step by step (see the module doc).

    ``cost`` is ``nn.quadratic_cost`` (the default), ``nn.cross_entropy_cost``,
    another ``nn.Cost``, or the name of one; ``eta``, when given, adds the SGD
    update of every weight and bias (the network itself is not changed);
    ``digits`` significant digits are shown of each number. One example only: delta belongs to one
    example (for a batch's gradients see ``nn.compare_batch``). Leaves ``net``
    as after ``net.zero_grad(); C.backward()`` on this example, so that
    ``draw_network(net, delta=True)`` shows its deltas.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"walkthrough expects an nn.MLP, got {type(net).__name__}")
    _refuse_a_batch(x, y)
    cost = as_cost(cost)
    backprop(net, x, y, cost)  # checks x and y against the network, as compare does
    digits = whole_number(digits, "digits", minimum=1)
    if digits > 17:
        raise ValueError(f"digits must be a whole number from 1 to 17, got {digits}")
    if eta is not None:
        eta = positive_number(eta, "eta")
    return Walkthrough(net, [float(v) for v in x], [float(v) for v in y], cost, eta, digits)


# ----------------------------------------------------------------------
# Formulas, written once, rendered three ways
# ----------------------------------------------------------------------
#
# A template is plain text with slots in braces; each slot is (label, number).
# Rendered with the labels it is the formula, with the numbers the substitution.
# Operators are written " + ", " - ", " * ", so that each rendering can set them.


_OPERATORS = {
    "text": {},
    "tex": {"1/2 * ": r"\frac{{1}}{{2}} \cdot ", " * ": r" \cdot ", "sigma(": r"\sigma(",
            "tanh(": r"\tanh(", "ln(": r"\ln(", "max(": r"\max(", "exp(": r"\exp("},
    "html": {"1/2 * ": "½ · ", " * ": " · ", " - ": " \u2212 ", "-(": "\u2212(",
             "sigma(": "σ(", "-{": "\u2212{", ")^2": ")<sup>2</sup>"},
}


def _in_z(text: str) -> str:
    """A record's text written in z ("sigma(z)") as a template whose slot {z} is z_j^l."""
    return re.sub(r"\bz\b", "{z}", text.replace("{", "{{").replace("}", "}}"))


def _in_every_style(template: str) -> steps.Written:
    """A plain-text template with its operators set in each style's notation."""
    styled = {}
    for style, operators in _OPERATORS.items():
        styled[style] = template
        for plain, written in operators.items():
            styled[style] = styled[style].replace(plain, written)
    return steps.Written(**styled)


def _written(label: str) -> steps.Written:
    """A lecture label ("delta_1^3", "dC/dw_12^3", "sigma'(z_1^2)", "eta") in each style."""
    return steps.Written(label, _symbol(label, "tex"), _symbol(label, "html"))


def _updated(label: str) -> steps.Written:
    """A parameter's new value after the SGD step, named apart from the parameter itself:
    "w_12^2 (new)", as the update w_12^2 (new) = w_12^2 - eta dC/dw_12^2 reads."""
    return steps.Written(f"{label} (new)", _symbol(label, "tex") + r"\ (\text{new})",
                         _symbol(label, "html") + " (new)")


def _symbol(label: str, style: str) -> str:
    if label.startswith("dC/d"):
        inner = _symbol(label[4:], style)
        return rf"\frac{{\partial C}}{{\partial {inner}}}" if style == "tex" else f"∂C/∂{inner}"
    if label.startswith("sigma'("):
        inner = _symbol(label[7:-1], style)
        return rf"\sigma'({inner})" if style == "tex" else f"σ′({inner})"
    if label == "eta":
        return r"\eta" if style == "tex" else "η"
    return lecture_tex(label) if style == "tex" else lecture_html(label)


def _parts(step: Step, sizes: list[int]) -> tuple[str, ...]:
    """The parts of the network diagram a step is about (node and edge names of its DOT)."""
    node = f"a{step.l}_{step.j}"
    if step.symbol == "C":  # the cost reads every output node
        return tuple(f"a{len(sizes)}_{j}" for j in range(1, sizes[-1] + 1))
    if step.k is not None:  # a weight: its edge
        return (f"a{step.l - 1}_{step.k}->{node}",)
    if step.equation == 2:  # delta_j^l gathers from every node of layer l+1
        return (node, *(f"{node}->a{step.l + 1}_{k}" for k in range(1, sizes[step.l] + 1)))
    if step.symbol.startswith("z_"):  # z_j^l sums over every node of layer l-1
        return (node, *(f"a{step.l - 1}_{k}->{node}" for k in range(1, sizes[step.l - 2] + 1)))
    return (node,)


def _marker(numbers: live.Live) -> steps.Mark:
    """How the live page marks a number: a span naming its quantity (``data-q``), and
    whether a negative one takes parentheses (``data-b``), for the page to write it again."""
    def mark(source: live.Source, text: str, bracket: bool) -> str:
        return (f'<span class="n" data-q="{numbers.mark(source)}" data-b="{int(bracket)}">'
                f"{text}</span>")

    return mark


def _refuse_a_batch(x: object, y: object) -> None:
    for name, v in (("x", x), ("y", y)):
        if isinstance(v, Sequence) and v and isinstance(v[0], Sequence) and not isinstance(
                v[0], str):
            raise ValueError(
                f"walkthrough takes one example, but {name} is a list of lists (a batch): "
                "delta_j^l = dC/dz_j^l belongs to one example. Walk through the examples one "
                "at a time, or compare a batch's gradients with nn.compare_batch"
            )

