"""The report of a backprop check: each quantity beside autograd's, and what went wrong.

``nn.checking.checker`` fills a ``BackpropCheck``; this module says what it found:
``text()`` for a terminal, ``html()`` for a page of its own, and an HTML
fragment for Jupyter (``_repr_html_``). The verdict is one of

* right: every quantity within the tolerance of autograd's;
* wrong: the first wrong quantity in the lecture's order (layer L back to 2;
  delta before dC/db before dC/dw), the catalogued mistake whose numbers match
  (``nn.checking.mistakes``), a hint naming the equation, and what else is off;
* a problem: the function could not be checked at all (it raised an
  exception, or returned something of the wrong shape), said in one line.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field

from autodiff.views.document import html_document
from autodiff.views.notation import lecture_html

RIGHT_COLOUR, WRONG_COLOUR = "#d9f0d3", "#fddbc7"
# The report page's own look, after the shared one: numbers in columns, phones scroll the
# table rather than the page.
_STYLE = """
  .deltagrad-check table { display: block; max-width: 100%; overflow-x: auto; }
  .deltagrad-check td { font-variant-numeric: tabular-nums; }
"""


@dataclass(frozen=True)
class Tolerance:
    """A number is right when |yours − autograd| <= atol + rtol |autograd|, as numpy's isclose."""

    rtol: float = 1e-5
    atol: float = 1e-8

    def close(self, yours: float, reference: float) -> bool:
        """Whether ``yours`` is ``reference`` within the tolerance (never for NaN)."""
        return abs(yours - reference) <= self.atol + self.rtol * abs(reference)

    def __str__(self) -> str:
        return f"|yours − autograd| ≤ {self.atol:g} + {self.rtol:g} |autograd|"


@dataclass(frozen=True)
class CheckRow:
    """One quantity: its symbol as ``nn.compare`` names it, the student's number and autograd's.

    ``student`` is None where the student gave no number that could be set
    beside this one (a block of the wrong shape, or no answer at all).
    ``section`` is the part of the report the row belongs to ("layer 3 = L (output)").
    """

    symbol: str
    student: float | None
    autograd: float
    right: bool
    section: str = ""

    @property
    def difference(self) -> float | None:
        """yours − autograd, or None where there is no number of yours."""
        return None if self.student is None else self.student - self.autograd


@dataclass(frozen=True)
class Finding:
    """A wrong quantity and what was found about it.

    ``symbol`` is the first wrong quantity of a block (or the wrong answer);
    ``mistakes`` the ids of the catalogued mistakes whose numbers match the
    student's (more than one where they give the same numbers on this
    network); ``follows`` is True where the numbers are right given the
    student's own earlier ones, so that the mistake is further up; ``hint``
    says it in the lecture's notation; ``equation`` is the lecture's equation
    for the quantity ("equation 2, δ_j^2 = ...").
    """

    symbol: str
    mistakes: tuple[str, ...]
    follows: bool
    hint: str
    equation: str = ""

    @property
    def summary(self) -> str:
        """A few words: the mistake, or 'follows from your earlier numbers'."""
        if self.mistakes:
            return " or ".join(self.mistakes)
        return "follows from your earlier numbers" if self.follows else "off"


@dataclass
class BackpropCheck:
    """The result of checking a backprop (or hand-worked answers) against autograd.

    Attributes:
        rows: every quantity checked, in the lecture's order (``CheckRow``).
        findings: each wrong block of quantities, first wrong first (``Finding``).
        title: what was checked, on what network and example.
        tolerance: when a number counts as right (``Tolerance``).
        problem: why nothing could be checked (the function raised, or returned a
            wrong shape), in one line; None when the numbers were compared.
    """

    rows: list[CheckRow]
    findings: list[Finding]
    title: str
    tolerance: Tolerance = field(default_factory=Tolerance)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every quantity is right within the tolerance."""
        return self.problem is None and bool(self.rows) and all(r.right for r in self.rows)

    @property
    def first_wrong(self) -> str | None:
        """The symbol of the first wrong quantity in the lecture's order, or None."""
        return self.findings[0].symbol if self.findings else None

    @property
    def mistakes(self) -> tuple[str, ...]:
        """The catalogued mistakes that give the first wrong quantity's numbers (maybe none)."""
        return self.findings[0].mistakes if self.findings else ()

    @property
    def mistake(self) -> str | None:
        """The id of the diagnosed mistake, or None when the numbers match none."""
        return self.mistakes[0] if self.mistakes else None

    @property
    def hint(self) -> str | None:
        """What to look at: the equation and what is off in it; None when all is right."""
        if self.findings:
            return self.findings[0].hint
        return self.problem

    @property
    def rtol(self) -> float:
        return self.tolerance.rtol

    @property
    def atol(self) -> float:
        return self.tolerance.atol

    # ---------------------------------------------------------------- text

    def verdict(self) -> str:
        """One line: right, wrong (and where), or the problem."""
        if self.problem is not None:
            return f"Problem: {self.problem}"
        if self.ok:
            return f"Right: all {len(self.rows)} quantities agree with autograd."
        wrong = sum(not r.right for r in self.rows)
        first = self.findings[0]
        named = f" ({first.summary})" if first.mistakes else ""
        return (f"Wrong: {wrong} of {len(self.rows)} quantities; the first wrong one is "
                f"{first.symbol}{named}.")

    def text(self) -> str:
        """The report for a terminal: the table, the verdict and the hint."""
        out = [self.title, f"A number is right when {self.tolerance}.", ""]
        if self.problem is None:
            out += self._table() + [""]
        out.append(self.verdict())
        if self.findings:
            out += textwrap.wrap(self.findings[0].hint, 92, initial_indent="  ",
                                 subsequent_indent="  ")
        if len(self.findings) > 1:
            out.append("Further on:")
            for f, hint in self._further():
                out.append(f"  {f.symbol}: {f.summary}")
                if hint:
                    out += textwrap.wrap(f.hint, 92, initial_indent="    ",
                                         subsequent_indent="    ")
        return "\n".join(out)

    def _further(self) -> list[tuple[Finding, bool]]:
        """The findings after the first, each with whether its hint is worth saying too:
        a mistake not named before, or numbers no mistake explains (not what only follows)."""
        named = set(self.findings[0].mistakes)
        out = []
        for f in self.findings[1:]:
            new = not f.follows and (not f.mistakes or not set(f.mistakes) <= named)
            named |= set(f.mistakes)
            out.append((f, new))
        return out

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<BackpropCheck: {self.verdict()}>"

    def _table(self) -> list[str]:
        header = ["quantity", "yours", "autograd", "difference", ""]
        cells = [[r.symbol, _number(r.student), _number(r.autograd), _difference(r),
                  "right" if r.right else "WRONG"] for r in self.rows]
        widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]

        def line(c: list[str]) -> str:
            rest = (text.rjust(width) for text, width in zip(c[1:4], widths[1:4]))
            return "  " + "  ".join([c[0].ljust(widths[0]), *rest, c[4]]).rstrip()

        out, section = [line(header)], None
        for row, c in zip(self.rows, cells):
            if row.section != section:
                section = row.section
                out.append(section)
            out.append(line(c))
        return out

    # ---------------------------------------------------------------- HTML

    def _repr_html_(self) -> str:
        colour = RIGHT_COLOUR if self.ok else WRONG_COLOUR
        parts = ['<div class="deltagrad-check">',
                 f"<p><b>{html.escape(self.title)}</b></p>",
                 f'<p style="background:{colour};padding:4px">{typeset(self.verdict())}</p>']
        if self.findings:
            parts.append(f"<p>{typeset(self.findings[0].hint)}</p>")
        if self.problem is None:
            parts.append(self._html_table())
        if len(self.findings) > 1:
            items = "".join(f"<li>{_html_symbol(f.symbol)}: {html.escape(f.summary)}"
                            + (f"<br/>{typeset(f.hint)}" if hint else "") + "</li>"
                            for f, hint in self._further())
            parts.append(f"<p>Further on:</p><ul>{items}</ul>")
        parts.append("</div>")
        return "\n".join(parts)

    def html(self) -> str:
        """A whole HTML page holding the report, for a file a browser opens: self-contained,
        in the walkthrough's look (``autodiff.views.document``)."""
        return html_document(self.title, self._repr_html_(), style=_STYLE)

    def _html_table(self) -> str:
        head = "".join(f'<th scope="col">{h}</th>' for h in
                       ("quantity", "yours", "autograd", "difference", "verdict"))
        parts = [f"<table><caption>A number is right when "
                 f"{html.escape(str(self.tolerance))}.</caption>",
                 f"<thead><tr>{head}</tr></thead>"]
        section = None
        for row in self.rows:
            if row.section != section:
                if section is not None:
                    parts.append("</tbody>")
                section = row.section
                parts.append(f'<tbody><tr><th colspan="5" scope="rowgroup">'
                             f"{html.escape(section)}</th></tr>")
            colour = RIGHT_COLOUR if row.right else WRONG_COLOUR
            cells = "".join(f'<td style="text-align:right">{c}</td>'
                            for c in (_number(row.student), _number(row.autograd),
                                      _difference(row)))
            # right or wrong said in words, not by the row's colour alone (WCAG 1.4.1)
            verdict = "right" if row.right else "<b>wrong</b>"
            parts.append(f'<tr style="background:{colour}"><td>{_html_symbol(row.symbol)}'
                         f"</td>{cells}<td>{verdict}</td></tr>")
        parts.append("</tbody></table>")
        return "\n".join(parts)


def _number(v: float | None) -> str:
    return "—" if v is None else f"{v + 0.0:.8g}"  # + 0.0: no "-0"


def _difference(row: CheckRow) -> str:
    d = row.difference
    if d is None:
        return "—"
    return "0" if d == 0.0 else f"{d:.1e}"


_SUBSCRIPT = re.compile(r"_([0-9jkx,]+)(?![0-9A-Za-z_])")  # a_j, w_12, C_x: not sigma_prime_of_a
_SUPERSCRIPT = re.compile(r"\^(\([^)]*\)|[0-9lL]+)")


def typeset(text: str) -> str:
    """Plain-text notation as HTML: "δ_j^3" -> δ<sub>j</sub><sup>3</sup>, "a^(l-1)" likewise."""
    text = _SUBSCRIPT.sub(r"<sub>\1</sub>", html.escape(text))
    return _SUPERSCRIPT.sub(r"<sup>\1</sup>", text)


def _html_symbol(symbol: str) -> str:
    """"dC/dw_12^3" -> ∂C/∂<I>w</I><SUB>12</SUB><SUP>3</SUP>; "delta_1^3" -> δ<SUB>1</SUB>..."""
    if symbol.startswith("dC/d"):
        return "∂C/∂" + lecture_html(symbol[4:])
    return lecture_html(symbol)
