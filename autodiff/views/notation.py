"""Names and numbers for people: the lecture's notation in plain text, HTML and TeX.

A label in the lecture's notation is a symbol, then optionally ``_`` indices
and ``^`` a layer: "w_12^2" (w_12^2, the weight from node 2 of layer 1 into
node 1 of layer 2), "w_1,12^2" (indices with two digits are separated by a
comma), "b_1^2", "z_1^2", "a_3^1", "delta_1^3", "x_1", "C". The same label is
written three ways, for the three places people read it:

>>> lecture_html("w_12^2")       # pictures (Graphviz) and pages
'<I>w</I><SUB>12</SUB><SUP>2</SUP>'
>>> lecture_tex("delta_1^3")     # Markdown with math (Jupyter, code hosts)
'\\\\delta_{1}^{3}'
>>> lecture_text("delta_1^3")    # terminals
'δ_1^3'
>>> lecture_spoken("w_12^2")     # screen readers
'w sub 1 2 super 2'

Anything else ("my node", "1/(2n)") is shown as it is, escaped where needed.
Numbers are shown to a given count of significant digits, with a true minus
sign in pictures and pages.
"""

from __future__ import annotations

import html
import re

# symbol, then optionally _indices and ^layer
NOTATION = re.compile(r"([A-Za-z]+)(?:_([0-9A-Za-z,]+))?(?:\^([0-9A-Za-z]+))?")
GREEK = {"delta": "\u03b4", "sigma": "\u03c3", "eta": "\u03b7"}
MINUS = "\u2212"


def symbol_of(label: str) -> str | None:
    """The symbol of a lecture label ("w" of "w_12^2"), or None for any other label."""
    m = NOTATION.fullmatch(label)
    return m.group(1) if m else None


def lecture_html(label: str, *, small: bool = False) -> str:
    """A label as Graphviz HTML-like text (also valid HTML), typeset as in the lecture.

    >>> lecture_html("my node")
    'my node'

    With ``small``, sub- and superscripts are set in a smaller font, as print
    does (Graphviz's SVG output otherwise draws them full size).
    """
    m = NOTATION.fullmatch(label)
    if not m:
        return html.escape(label)
    symbol, sub, sup = m.groups()
    if symbol in GREEK:
        text = GREEK[symbol]
    elif len(symbol) == 1:
        text = f"<I>{symbol}</I>"
    else:
        text = symbol
    small_open, small_close = ('<FONT POINT-SIZE="9">', "</FONT>") if small else ("", "")
    if sub:
        text += f"<SUB>{small_open}{sub}{small_close}</SUB>"
    if sup:
        text += f"<SUP>{small_open}{sup}{small_close}</SUP>"
    return text


def lecture_spoken(label: str) -> str:
    """A label as a screen reader should read it: "w_12^2" -> "w sub 1 2 super 2".

    Each index is read on its own ("w_1,12^2" -> "w sub 1 12 super 2"); a Greek
    symbol by its name ("delta sub 1 super 3"); anything else as it is.
    """
    m = NOTATION.fullmatch(label)
    if not m:
        return label
    symbol, sub, sup = m.groups()
    words = [symbol]
    if sub:
        words += ["sub", *(sub.split(",") if "," in sub else sub)]
    if sup:
        words += ["super", sup]
    return " ".join(words)


def lecture_tex(label: str) -> str:
    """A label as TeX math: "w_12^2" -> "w_{12}^{2}", "delta_1^3" -> "\\\\delta_{1}^{3}"."""
    m = NOTATION.fullmatch(label)
    if not m:
        numbered = re.fullmatch(r"([A-Za-z]+)([0-9]+)", label)  # a node's name, "v16"
        if numbered:
            return f"{numbered.group(1)}_{{{numbered.group(2)}}}"
        return r"\text{" + _tex_escape(label) + "}"
    symbol, sub, sup = m.groups()
    text = "\\" + symbol if symbol in GREEK else symbol if len(symbol) == 1 else (
        r"\mathrm{" + symbol + "}")
    if sub:
        text += "_{" + sub + "}"
    if sup:
        text += "^{" + sup + "}"
    return text


def lecture_text(label: str) -> str:
    """A label as plain text, Greek symbols as letters: "delta_1^3" -> "δ_1^3"."""
    m = NOTATION.fullmatch(label)
    if not m or m.group(1) not in GREEK:
        return label
    return GREEK[m.group(1)] + label[len(m.group(1)):]


_BRACED = r"\{((?:[^{}]|\{[^{}]*\})*)\}"  # {...}, with braces one deep inside


def read_label(text: str) -> str:
    r"""A quantity as a person writes it, TeX, Unicode or plain, as a lecture label.

    >>> read_label(r"\frac{\partial C}{\partial w_{12}^3}")
    'dC/dw_12^3'
    >>> read_label(r"$\delta^{3}_{1}$"), read_label("δ_1^3"), read_label("∂C/∂b_1^2")
    ('delta_1^3', 'delta_1^3', 'dC/db_1^2')

    Spaces and the $ or \( \) around TeX math go; \frac{A}{B} is A/B;
    \partial and ∂ are d; Greek letters, as TeX or as letters, their names;
    braces go, the layer may come before the indices (a^2_1), and one-digit
    indices may be written with a comma (w_{1,2}^3 is w_12^3).
    """
    s = "".join(text.split())
    s = re.sub(r"^(?:\$+|\\\()|(?:\$+|\\\))$", "", s)
    s = re.sub(r"\\frac" + _BRACED + _BRACED, r"\1/\2", s)
    s = re.sub(r"\\(?:mathrm|text|mathit|operatorname)\{([^{}]*)\}", r"\1", s)
    s = s.replace("\\partial", "d").replace("\u2202", "d")
    for name, letter in GREEK.items():
        s = s.replace("\\" + name, name).replace(letter, name)
    s = re.sub(r"\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\^([0-9A-Za-z]+)_([0-9A-Za-z,]+)$", r"_\2^\1", s)
    return re.sub(r"_(\d(?:,\d)+)(?=\^|$)", lambda m: "_" + m.group(1).replace(",", ""), s)


def number(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits, with a true minus sign, for a picture or page."""
    return plain_number(x, digits).replace("-", MINUS)


def plain_number(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits, ASCII, for text and TeX; never "-0"."""
    s = f"{x:.{digits}g}"
    return "0" if s == "-0" else s


def operand_number(x: float, digits: int = 4, *, minus: str = "-") -> str:
    """A number as an operand in a formula: in parentheses when negative, "(-0.5)"."""
    s = plain_number(x, digits)
    return f"({s.replace('-', minus)})" if s.startswith("-") else s


def _tex_escape(text: str) -> str:
    return re.sub(r"([\\{}_^#$%&~])", r"\\\1", text)
