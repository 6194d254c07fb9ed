"""Backpropagation by hand: exercises for teachers, with a sheet, a check and a solution.

>>> ex = exercise(3)                     # a [2, 2, 1] sigmoid network, weights like 0.4 and -1.2
>>> ex.net.sizes, len(ex.x), len(ex.y)
([2, 2, 1], 2, 1)
>>> ex.sheet().markdown()[:27]           # to hand out: the diagram, the numbers, what to compute
'# Backpropagation by hand: '
>>> ex.check({"delta_1^3": 0.0}).ok      # each answer right or wrong, with the matching mistake
False
>>> solution = ex.solution()             # the worked numbers

The numbers are drawn from the seed (the same seed, the same exercise), as
short decimals that are easy to type, and drawn again until every catalogued
mistake the sizes allow shows: made by hand, each gives numbers of its own,
which the check names, and none gives the right ones. That is measured on the
drawn numbers: the catalogue's reference implementation of each mistake
(``nn.checking.mistakes``) is run on them and checked, as a function and as answers.

Which mistakes the sizes allow (``Exercise.not_shown`` says why one is left out):
all but the batch's ``sum_not_mean`` and ``mean_taken_twice`` and the
cross-entropy's slip (an exercise is one example, quadratic cost);
``missing_sigma_prime_hidden`` and ``z_instead_of_a`` need a hidden layer;
``untransposed_weights`` and ``sigma_prime_of_next_layer`` need every hidden
layer as wide as the next (on (2, 2, 1), W^3 is 1 x 2 and the slip cannot be
made by hand), ``weights_of_wrong_layer`` and ``forward_weights_transposed``
every layer as wide as the others; ``weight_gradient_transposed`` needs two
layers of two nodes or more side by side, where k and j can be swapped.
"""

from __future__ import annotations

import base64
import html
import json
import os
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autodiff.files import atomic_write_text
from autodiff.validate import whole_number
from autodiff.views.document import html_document
from autodiff.views.notation import lecture_html, lecture_spoken, lecture_tex, plain_number
from autodiff.views.svg import svg_element
from nn.checking.array_styles import parameters
from nn.checking.checker import ANSWER_TOLERANCE, answer_key, check_answers, check_backprop
from nn.checking.feedback import DEFAULT_LEVEL, LEVELS, check_level
from nn.checking.mistakes import MISTAKES, Mistake
from nn.checking.reports import BackpropCheck
from nn.lecture.diagrams import draw_network
from nn.lecture.step_by_step import Walkthrough, walkthrough
from nn.model.costs import quadratic_cost
from nn.model.layers import MLP, check_sizes, node_label, parameter_count

DRAWS = 200  # numbers drawn at most, looking for ones on which every mistake shows
# The most weights and biases of an exercise: by hand, each is a step to work out; and
# finding numbers on which every mistake shows takes seconds at this size already.
MAX_EXERCISE_PARAMETERS = 1000
WEIGHTS = [k / 10 for k in range(-15, 16) if k]  # -1.5 .. 1.5 in tenths, not 0
INPUTS = [k / 10 for k in range(-10, 11) if k]


def worked_solution(net: MLP, x: Sequence[float], y: Sequence[float]) -> Walkthrough:
    """The worked solution of an exercise: the walkthrough of its example, step by step.

    Every quantity in the lecture's order, each with its equation and the numbers
    plugged in (``nn.walkthrough``), to four significant digits as the sheet asks.
    """
    return walkthrough(net, x, y, digits=4)


def exercise(seed: int, sizes: Sequence[int] = (2, 2, 1)) -> Exercise:
    """A small sigmoid network with short decimal weights, an input and a target, to do by hand.

    ``seed`` picks the numbers; ``sizes`` are n_1, ..., n_L (keep them small:
    every weight is a step to work out).
    """
    seed = whole_number(seed, "seed")
    sizes = check_sizes(sizes)
    if (beyond := too_big_for_an_exercise(sizes)) is not None:
        raise ValueError(f"sizes {sizes} {beyond}")
    rng = random.Random(seed)
    allowed = {m.id for m in MISTAKES.values() if _left_out(m, sizes) is None}
    best: tuple[Exercise, set[str]] | None = None
    for _ in range(DRAWS):
        candidate = _draw(seed, sizes, rng)
        shown = {m for m in allowed if _shows(MISTAKES[m], candidate)}
        if best is None or len(shown) > len(best[1]):
            best = candidate, shown
        if shown == allowed:
            break
    assert best is not None  # (DRAWS > 0)
    ex, shown = best
    ex.shown = tuple(m for m in MISTAKES if m in shown)
    ex.not_shown = {m.id: _left_out(m, sizes) or "no numbers drawn set it apart"
                    for m in MISTAKES.values() if m.id not in shown}
    return ex


def too_big_for_an_exercise(sizes: Sequence[int]) -> str | None:
    """What is wrong with an exercise of ``sizes`` beyond ``MAX_EXERCISE_PARAMETERS``, or None."""
    count = parameter_count(sizes)
    if count <= MAX_EXERCISE_PARAMETERS:
        return None
    return (f"has {count} weights and biases; an exercise has at most "
            f"{MAX_EXERCISE_PARAMETERS} (nn.checking.exercises.MAX_EXERCISE_PARAMETERS)")


@dataclass
class Exercise:
    """One exercise: the network, the example (x, y), and which mistakes show on it.

    Attributes:
        seed: what the numbers were drawn from.
        net: the network (an ``MLP`` of sigmoid neurons with short decimal weights).
        x, y: the input a^1 and the target.
        shown: the ids of the catalogued mistakes that give numbers of their own here.
        not_shown: the other ids, each with the reason it cannot show.
    """

    seed: int
    net: MLP
    x: list[float]
    y: list[float]
    shown: tuple[str, ...] = ()
    not_shown: dict[str, str] = field(default_factory=dict)

    @property
    def sizes(self) -> list[int]:
        return self.net.sizes

    def sheet(self, level: str | None = DEFAULT_LEVEL) -> Sheet:
        """The sheet to hand out: the network, its numbers, and the quantities to compute.

        Its HTML page checks answers as they are typed and tells as much as ``level``
        (one of ``nn.checking.feedback.LEVELS``: score, quantity, equation, hint, solution).
        With ``level=None`` it checks nothing and carries no answer: a sheet for a test
        graded afterwards (``deltagrad grade``), whose page source must not hold the key.
        """
        return Sheet(self, None if level is None else check_level(level))

    def check(self, answers: Mapping[str, float]) -> BackpropCheck:
        """Answers worked by hand, ``{"z_1^2": 0.31, "delta_1^3": -0.042, ...}``, checked.

        Each answer is right (to about four significant digits) or wrong; a
        wrong one is worked out again from the student's own earlier answers,
        so the hint names the mistake where it was made.
        """
        return check_answers(answers, self.net, self.x, self.y,
                             title=f"exercise {self.seed}: your answers against autograd")

    def solution(self) -> Walkthrough:
        """The worked solution: every quantity, its equation and the numbers plugged in."""
        return worked_solution(self.net, self.x, self.y)

    def symbols(self) -> list[str]:
        """The quantities to compute, in the lecture's order, as answers name them."""
        return [step.symbol for step in self.solution().steps]

    def batch(self, n: int) -> tuple[list[list[float]], list[list[float]]]:
        """n examples (xs, ys) on this network: the exercise's own first, then n - 1 more."""
        n = whole_number(n, "n", minimum=1)
        rng = random.Random(f"exercise {self.seed} batch")
        xs, ys = [list(self.x)], [list(self.y)]
        for _ in range(n - 1):
            xs.append([rng.choice(INPUTS) for _ in range(self.sizes[0])])
            ys.append([float(rng.random() < 0.5) for _ in range(self.sizes[-1])])
        return xs, ys

    def __repr__(self) -> str:
        return f"Exercise(seed={self.seed}, sizes={self.sizes}, x={self.x}, y={self.y})"


def _draw(seed: int, sizes: list[int], rng: random.Random) -> Exercise:
    net = MLP(sizes, seed=0)
    for p in net.parameters():
        p.data = rng.choice(WEIGHTS)
    x = [rng.choice(INPUTS) for _ in range(sizes[0])]
    y = [float(rng.random() < 0.5) for _ in range(sizes[-1])]
    return Exercise(seed, net, x, y)


# Slips that mix up W^(l+1) of a hidden layer l with another matrix of layer l + 1's shape.
_HIDDEN_SQUARE = ("untransposed_weights", "sigma_prime_of_next_layer", "weights_of_wrong_layer")


def _left_out(m: Mistake, sizes: list[int]) -> str | None:
    """Why the mistake cannot show in an exercise of these sizes, or None if it can."""
    hidden = len(sizes) > 2
    if m.batch:
        return "an exercise is one example, and this mistake needs a batch"
    if m.cost is not quadratic_cost:
        return (f"an exercise uses the {quadratic_cost.name} cost, and this mistake the "
                f"{m.cost.name} cost")
    if m.id in ("missing_sigma_prime_hidden", "z_instead_of_a", *_HIDDEN_SQUARE) and not hidden:
        return "it needs a hidden layer"
    if m.id in _HIDDEN_SQUARE and len(set(sizes[1:])) > 1:
        return "it needs every hidden layer l as wide as layer l + 1 (a square W^(l+1))"
    if m.square and len(set(sizes)) > 1:
        return "it needs every layer as wide as the others (square matrices W^l)"
    if m.id in ("weight_gradient_transposed", "forward_weights_transposed") and not any(
            m_ >= 2 and n >= 2 for m_, n in zip(sizes, sizes[1:])):
        return "it needs two neighbouring layers of two nodes or more"
    return None


def _shows(m: Mistake, ex: Exercise) -> bool:
    """Whether the mistake, made on this exercise, is told apart: named as itself alone.

    Made in a function (the catalogue's reference implementation, checked by
    ``check_backprop``) and in answers by hand (its numbers, by ``check_answers``).
    """
    as_function = check_backprop(m.reference(), ex.net, ex.x, ex.y)
    if as_function.mistakes != (m.id,):
        return False
    return ex.check(made_by_hand(m, ex)).mistakes == (m.id,)


def made_by_hand(m: Mistake, ex: Exercise) -> dict[str, float]:
    """The answers of a student who makes mistake ``m`` on the exercise: every delta_j^l,
    dC/db_j^l and dC/dw_jk^l as its reference backprop gives them, by symbol."""
    nabla_b, nabla_w = m.reference()(*parameters(ex.net), ex.x, ex.y)
    answers = {}
    for l, (b, W) in enumerate(zip(nabla_b, nabla_w), start=2):
        for j, v in enumerate(b):
            answers[node_label("delta", l, j)] = answers["dC/d" + node_label("b", l, j)] = v
        for j in range(min(len(W), ex.sizes[l - 1])):
            for k in range(min(len(W[j]), ex.sizes[l - 2])):
                answers["dC/d" + node_label("w", l, j, k)] = W[j][k]
    return answers


# ---------------------------------------------------------------- the sheet


class Sheet:
    """The sheet of an exercise, as Markdown (with TeX) or as an HTML page.

    In Jupyter it shows itself; ``save("sheet.html")`` or ``save("sheet.md")``
    writes it (atomically).
    """

    def __init__(self, ex: Exercise, level: str | None = DEFAULT_LEVEL) -> None:
        self.exercise = ex
        self.level = level
        self.diagram = _diagram(ex.net)

    def __repr__(self) -> str:
        return (f"<Sheet of exercise {self.exercise.seed}, a {self.exercise.sizes} network: "
                ".markdown(), .html(), .save(path)>")

    def markdown(self, picture: bool = True) -> str:
        """Markdown with TeX math; ``picture=False`` leaves the diagram out (for a terminal)."""
        return _write(self.exercise, self.diagram if picture else "", _Markdown())

    def html(self) -> str:
        """A whole HTML page, on which the student also types the answers: the page checks
        each as it is typed, offline, and names the catalogued mistake a wrong one matches."""
        ex, title = self.exercise, f"Backpropagation by hand: exercise {self.exercise.seed}"
        if self.level is None:
            return html_document(title, self._repr_html_(), style=_SHEET_STYLE)
        body = (_write(ex, self.diagram, _Html(answers=True)) + "\n"
                + _answer_key_json(ex, self.level))
        script = Path(__file__).with_name("sheet.js").read_text(encoding="utf-8")
        return html_document(title, body, style=_SHEET_STYLE, script=script)

    def _repr_html_(self) -> str:
        return _write(self.exercise, self.diagram, _Html())

    def save(self, path: str | os.PathLike[str], *, force: bool | None = None) -> Path:
        """Write the sheet to ``path``: HTML for .html or .htm, Markdown for .md (a
        write-protected file only with ``force=True``)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            return atomic_write_text(path, self.html(), force=force)
        if suffix in (".md", ".markdown"):
            return atomic_write_text(path, self.markdown(), force=force)
        raise ValueError(f"cannot tell the sheet's format from {str(path)!r}: give a name "
                         "ending in .html or .md")


def _answer_key_json(ex: Exercise, level: str) -> str:
    """The answer key as the page's script reads it (``checker.answer_key``): each
    quantity's number, its equation and what each slip gives there, with the tolerance
    of the check and the feedback level (the page tells what that level tells)."""
    key = {"rtol": ANSWER_TOLERANCE.rtol, "atol": ANSWER_TOLERANCE.atol,
           "level": LEVELS.index(level), "levels": LEVELS,
           "mistakes": {m.id: m.description for m in MISTAKES.values()},
           "quantities": [{"symbol": e.symbol, "truth": e.truth, "slips": e.slips,
                           "equation": e.equation, "as_delta": e.as_delta}
                          for e in answer_key(ex.net, ex.x, ex.y)]}
    text = json.dumps(key).replace("</", "<\\/")  # nothing in it may end the script early
    return f'<script type="application/json" id="answer-key">{text}</script>'


# The page's look for the answers and their verdicts (the shared look is the walkthrough's)
_SHEET_STYLE = """
  .deltagrad-sheet svg { max-width: 100%; height: auto; }
  input[data-answer] { font: inherit; width: 8em; }
  .verdict.right { color: #1a6b1a; }
  .verdict.wrong { color: #a0001c; }
"""


def _diagram(net: MLP) -> str:
    """The network diagram as an SVG element (drawn by deltagrad: no Graphviz needed)."""
    return svg_element(draw_network(net, edge_labels=True, digits=2).scene())


def _answer_input(symbol: str) -> str:
    """The input of one answer, named for a screen reader ("d C by d w sub 1 2 super 3")."""
    spoken = ("d C by d " + lecture_spoken(symbol[4:]) if symbol.startswith("dC/d")
              else lecture_spoken(symbol))
    return (f'<input type="text" inputmode="decimal" autocomplete="off" '
            f'data-answer="{html.escape(symbol)}" aria-label="{html.escape(spoken)}">')


def _write(ex: Exercise, diagram: str, r: _Markdown | _Html) -> str:
    """The sheet's content, said through the renderer ``r`` (Markdown or HTML).

    ``diagram`` is the network's SVG, or "" to leave it out.
    """
    L, sizes = len(ex.sizes), ex.sizes
    nodes = ", ".join(map(str, sizes))
    out = [r.heading(f"Backpropagation by hand: exercise {ex.seed}"),
           r.para(f"A network of sigmoid perceptrons with layers 1 to {L} of {nodes} nodes: "
                  f"{r.neuron()}, with σ(z) = 1 / (1 + e^(−z)).")]
    if diagram:
        out.append(r.image(diagram))
    for l, layer in enumerate(ex.net.layers, start=2):
        header = [f"layer {l}", r.sym(f"b_j^{l}"),
                  *(r.sym(f"w_j{k}^{l}") for k in range(1, sizes[l - 2] + 1))]
        rows = [[f"j = {j + 1}", r.num(n.b.data), *(r.num(w.data) for w in n.w)]
                for j, n in enumerate(layer.neurons)]
        out.append(r.table(header, rows))
    x = ", ".join(r.num(v) for v in ex.x)
    y = ", ".join(r.num(v) for v in ex.y)
    out.append(r.para(f"The input is x = ({x}), so {r.sym('a^1')} = x; the target is "
                      f"y = ({y}). The cost of this one example is C = ½ ||y − "
                      f"{r.sym(f'a^{L}')}||²."))
    out.append(r.para("Compute each quantity to four significant digits (an answer within "
                      "0.5% is right):"))
    out.append(r.answers(ex.symbols()))
    example = json.dumps({s: 0.0 for s in ex.symbols()[:2]})
    sizes_option = "" if sizes == [2, 2, 1] else f" --sizes {','.join(map(str, sizes))}"
    command = f"deltagrad exercise --seed {ex.seed}{sizes_option} --check answers.json"
    out.append(r.para(f"Then check them: write them into a file answers.json such as "
                      f"{r.code(example)} and run {r.code(command)}, or in Python "
                      f"{r.code(f'nn.exercise({ex.seed}).check(answers)')}."))
    return r.join(out)


class _Markdown:
    """Markdown with TeX math, as Jupyter and most viewers render it."""

    def heading(self, text: str) -> str:
        return f"# {text}"

    def para(self, text: str) -> str:
        return text

    def sym(self, label: str) -> str:
        if label.startswith("dC/d"):
            return r"$\partial C/\partial " + lecture_tex(label[4:]) + "$"
        return f"${lecture_tex(label)}$"

    def neuron(self) -> str:
        return r"$z_j^l = \sum_k w_{jk}^l a_k^{l-1} + b_j^l$ and $a_j^l = \sigma(z_j^l)$"

    def num(self, v: float) -> str:
        return plain_number(v, 6)

    def code(self, text: str) -> str:
        return f"`{text}`"

    def image(self, svg: str) -> str:
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f"![the network: weights on the edges](data:image/svg+xml;base64,{data})"

    def table(self, header: list[str], rows: list[list[str]]) -> str:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])

    def answers(self, symbols: list[str]) -> str:
        return self.table(["quantity", "your answer"], [[self.sym(s), ""] for s in symbols])

    def join(self, parts: list[str]) -> str:
        return "\n\n".join(parts) + "\n"


def _plain(markup: str) -> str:
    """Markup's text alone, for an attribute: a table named by its first column ("layer 2")."""
    return html.escape(html.unescape(re.sub(r"<[^>]+>", "", markup)))


class _Html:
    """HTML, with the lecture's sub- and superscripts; ``answers``: an input for each
    answer, and a cell where the page's script says whether it is right."""

    def __init__(self, answers: bool = False) -> None:
        self.inputs = answers

    def heading(self, text: str) -> str:
        return f"<h1>{html.escape(text)}</h1>"

    def para(self, text: str) -> str:
        return f"<p>{text}</p>"

    def sym(self, label: str) -> str:
        if label.startswith("dC/d"):
            return "∂C/∂" + lecture_html(label[4:])
        return lecture_html(label)

    def neuron(self) -> str:
        return ("<i>z</i><sub>j</sub><sup>l</sup> = Σ<sub>k</sub> <i>w</i><sub>jk</sub><sup>l"
                "</sup> <i>a</i><sub>k</sub><sup>l−1</sup> + <i>b</i><sub>j</sub><sup>l</sup> "
                "and <i>a</i><sub>j</sub><sup>l</sup> = σ(<i>z</i><sub>j</sub><sup>l</sup>)")

    def num(self, v: float) -> str:
        return plain_number(v, 6).replace("-", "−")

    def code(self, text: str) -> str:
        return f"<code>{html.escape(text)}</code>"

    def image(self, svg: str) -> str:
        return f'<div class="deltagrad-network">{svg}</div>'

    def table(self, header: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{h}</th>" for h in header)
        body = "".join("<tr>" + "".join(f'<td style="min-width:6em">{c}</td>' for c in row)
                       + "</tr>" for row in rows)
        # a table wider than a phone scrolls in its own box, which takes focus to do so
        return (f'<div class="scroll" tabindex="0" role="region" aria-label="{_plain(header[0])}">'
                f'<table border="1" cellpadding="4"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>")

    def answers(self, symbols: list[str]) -> str:
        if not self.inputs:
            return self.table(["quantity", "your answer"], [[self.sym(s), ""] for s in symbols])
        rows = [[self.sym(s), _answer_input(s), f'<span class="verdict" data-verdict="{s}"></span>']
                for s in symbols]
        status = '<p id="answers-status" role="status" aria-live="polite"></p>'
        return (self.para("Type your answers here: each is checked as you type, on this page "
                          "(nothing is sent anywhere).")
                + self.table(["quantity", "your answer", "check"], rows) + status)

    def join(self, parts: list[str]) -> str:
        return '<div class="deltagrad-sheet">\n' + "\n".join(parts) + "\n</div>"
