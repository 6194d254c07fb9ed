"""Label markup read back as runs of text, each with its size, style, shift and colour.

Figures write their labels in Graphviz's HTML-like markup (``<I>w</I><SUB>12</SUB>``,
see ``autodiff.views.notation``). deltagrad's own drawing reads that markup into
:class:`Run` s: italic and bold as font styles, a subscript or superscript as a
smaller size shifted down or up (as print sets them), ``<FONT COLOR=..>`` as a
colour. Their widths come from the font metric table, so a label's box is sized
the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html.parser import HTMLParser

from autodiff.views.font_metrics import ASCENT, DESCENT, text_width

SCRIPT_SIZE = 0.75  # a sub- or superscript's size, relative to the text around it
SUB_SHIFT, SUP_SHIFT = -0.2, 0.4  # their baselines, in the size of the text around them


@dataclass(frozen=True)
class Run:
    """A piece of text in one style: ``shift`` is its baseline's rise in points (down < 0)."""

    text: str
    size: float
    bold: bool = False
    italic: bool = False
    shift: float = 0.0
    colour: str = ""

    @property
    def width(self) -> float:
        return text_width(self.text, self.size, bold=self.bold)


@dataclass(frozen=True)
class Line:
    """A line of runs: its width, and how far it reaches above and below its baseline."""

    runs: tuple[Run, ...]

    @property
    def width(self) -> float:
        return sum(r.width for r in self.runs)

    @property
    def ascent(self) -> float:
        return max(r.shift + ASCENT * r.size for r in self.runs)

    @property
    def descent(self) -> float:
        return max(DESCENT * r.size - r.shift for r in self.runs)

    @property
    def height(self) -> float:
        return self.ascent + self.descent


def set_line(markup: str, size: float, colour: str = "") -> Line:
    """The runs of ``markup`` set at ``size`` points (``<FONT POINT-SIZE>`` may change it)."""
    reader = _Reader(Run("", size, colour=colour))
    reader.feed(markup)
    reader.close()
    runs = reader.runs or [Run("", size, colour=colour)]  # an empty label still has a height
    return Line(tuple(runs))


class _Reader(HTMLParser):
    """Graphviz's HTML-like label markup, as runs: each tag changes the style of its text."""

    def __init__(self, base: Run) -> None:
        super().__init__(convert_charrefs=True)
        self.styles = [base]
        self.runs: list[Run] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = self.styles[-1]
        if tag == "i":
            style = replace(style, italic=True)
        elif tag == "b":
            style = replace(style, bold=True)
        elif tag in ("sub", "sup"):
            rise = (SUB_SHIFT if tag == "sub" else SUP_SHIFT) * style.size
            style = replace(style, size=style.size * SCRIPT_SIZE, shift=style.shift + rise)
        elif tag == "font":
            given = dict(attrs)
            if given.get("color"):
                style = replace(style, colour=given["color"] or "")
            if given.get("point-size"):
                style = replace(style, size=float(given["point-size"] or style.size))
        self.styles.append(style)

    def handle_endtag(self, tag: str) -> None:
        if len(self.styles) > 1:
            self.styles.pop()

    def handle_data(self, data: str) -> None:
        if data:
            self.runs.append(replace(self.styles[-1], text=data))


def wrapped(line: Line, width: float) -> list[Line]:
    """The line broken at spaces into lines no wider than ``width`` (a word wider stays whole)."""
    words: list[list[Run]] = [[]]  # runs of each word; a space ends a word
    for run in line.runs:
        for k, piece in enumerate(run.text.split(" ")):
            if k:
                words.append([])
            if piece:
                words[-1].append(replace(run, text=piece))
    lines: list[list[Run]] = [[]]
    for word in (w for w in words if w):
        space = Run(" ", word[0].size)
        candidate = [*lines[-1], space, *word] if lines[-1] else list(word)
        if lines[-1] and Line(tuple(candidate)).width > width:
            lines.append(list(word))
        else:
            lines[-1] = candidate
    return [Line(tuple(runs)) for runs in lines if runs] or [line]
