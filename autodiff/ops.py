"""The op table: every operation the engine knows, one entry each, read by everything else.

Reverse-mode differentiation needs two things of an operation: its result, and
the *local* derivative of the result with respect to each operand. The chain
rule does the rest. So an operation is written here once, as a rule that
returns both, side by side:

    def mul(x, y):
        return x * y, y, x          # x·y;  ∂(x·y)/∂x = y,  ∂(x·y)/∂y = x

and an :class:`Op` entry gathers everything else the project says about it:

* ``rule``: the result and its local derivatives from plain floats, raising
  the engine's errors outside the domain (``log(-1)``, division by zero), with
  messages that name the operands. ``Value`` calls it; replay's generated code
  is the rule itself, read as source and inlined (``autodiff.replay.templates``),
  so a rule keeps to the small part of Python that ``autodiff.rule_source``
  describes (arithmetic, comparisons, ``math``'s functions, if, raise, return);
* ``apply``: how code writes the operation (``x * y``, ``x.exp()``); it works
  on Values, on floats where Python has the operator, and on torch tensors;
* ``symbol``: how a picture writes it in its oval (``autodiff.views.pictures``);
* ``text``, ``derivatives``, ``tex``, ``tex_derivatives``: the result and its
  local derivatives for people, with ``{x}``, ``{y}`` (the operands), ``{out}``
  (the result) and ``{n}`` (a number exponent) to fill in, either with the
  symbols or with the numbers (the backward walkthrough does both). A
  derivative is written with ``{out}`` where the rule uses the result (the
  sigmoid's ``{out}·(1 − {out})``), so that the numbers plugged in are the
  ones the engine multiplies.

``Value`` (``autodiff.value``) gives each entry an operator or a method, and
applies any entry with ``Value.apply``; replay generates its code from the
rules; the pictures take the symbols; the tests draw their random expressions
from ``OPS``. Adding an operation is a rule and an entry here (or, at run
time, anywhere: :func:`register`), and a method on ``Value`` if it deserves
one. ``sin`` and ``cos`` were added that way:

    def sin(x):
        return math.sin(x), math.cos(x)

    SIN = Op("sin", 1, sin, lambda x: x.sin(), symbol="sin", text="sin {x}",
             derivatives=("cos {x}",), tex=r"\\sin {x}", tex_derivatives=(r"\\cos {x}",))

Results are checked to be finite by ``Value`` itself, once for all operations
(an overflow to inf, or Python's ``OverflowError`` inside a rule, is refused
there, naming the operation); a rule raises only what is particular to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autodiff.rule_source import rule_body

# ----------------------------------------------------------------------
# The rules: result, then d(result)/d(each operand), from floats
# ----------------------------------------------------------------------


def add(x: float, y: float) -> tuple[float, float, float]:
    return x + y, 1.0, 1.0


def sub(x: float, y: float) -> tuple[float, float, float]:
    return x - y, 1.0, -1.0


def mul(x: float, y: float) -> tuple[float, float, float]:
    return x * y, y, x


def div(x: float, y: float) -> tuple[float, float, float]:
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero: {x!r} / {y!r}")
    out = x / y
    return out, 1.0 / y, -out / y  # -x/y^2 written as -(x/y)/y: one rounding less


def neg(x: float) -> tuple[float, float]:
    return -x, -1.0


def exp(x: float) -> tuple[float, float]:
    out = math.exp(x)
    return out, out


def log(x: float) -> tuple[float, float]:
    if x <= 0.0:
        raise ValueError(f"log({x!r}): the logarithm is defined only for positive numbers")
    return math.log(x), 1.0 / x


def tanh(x: float) -> tuple[float, float]:
    t = math.tanh(x)
    return t, 1.0 - t * t


def sigmoid(x: float) -> tuple[float, float]:
    # e^t only for t <= 0: no overflow for any finite x, and sigma in [0, 1].
    # 1 - sigma is taken from e, not by subtraction: for large x, 1 - s would
    # cancel to nothing and sigma'(40) would be 0 instead of 4e-18.
    if x >= 0.0:
        e = math.exp(-x)
        s = 1.0 / (1.0 + e)
        return s, s * (e * s)  # 1 - s = e / (1 + e)
    e = math.exp(x)
    d = 1.0 + e
    s = e / d
    return s, s / d  # 1 - s = 1 / (1 + e)


def relu(x: float) -> tuple[float, float]:
    # the derivative at the kink x = 0 is taken to be 0, as PyTorch does
    if x > 0.0:
        return x, 1.0
    return 0.0, 0.0


def sin(x: float) -> tuple[float, float]:
    return math.sin(x), math.cos(x)


def cos(x: float) -> tuple[float, float]:
    return math.cos(x), -math.sin(x)


def pow_number(x: float, n: float) -> tuple[float, float]:
    """x^n for a fixed number n (not a Value): d/dx x^n = n x^(n-1)."""
    if x < 0.0 and math.floor(n) != n:
        raise ValueError(
            f"{x!r} ** {n!r}: a negative base to a non-integer power has no real value"
        )
    if x == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"{x!r} ** {n!r}: zero to a negative power")
    if x == 0.0 and 0.0 < n < 1.0:
        raise ValueError(f"{x!r} ** {n!r}: the derivative n x^(n-1) is infinite at x = 0")
    if n == 0.0:
        return x**n, 0.0
    return x**n, n * x ** (n - 1.0)


def pow_value(x: float, y: float) -> tuple[float, float, float]:
    """x^y for a Value exponent: d/dx = y x^(y-1), d/dy = x^y ln x. Needs x > 0, or x = 0 < y."""
    if x < 0.0:
        raise ValueError(
            f"{x!r} ** Value({y!r}): d/dy x^y = x^y ln x needs x >= 0; "
            f"for a fixed exponent write x ** {y!r} with a number"
        )
    if x == 0.0 and y <= 0.0:
        raise ZeroDivisionError(f"{x!r} ** {y!r}: zero to a non-positive Value power")
    if x == 0.0 and y < 1.0:
        raise ValueError(f"{x!r} ** {y!r}: the derivative y x^(y-1) is infinite at x = 0")
    out = x**y
    # 0^y = 0 for y > 0, and x^y ln x -> 0 as x -> 0+
    return out, y * x ** (y - 1.0), out * math.log(x) if x > 0.0 else 0.0


# ----------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # an operation is itself: compared and hashed as such
class Op:
    """One operation of the engine: its rule and everything said about it (see the module doc).

    ``arity`` counts the operands that are Values. ``parametrised`` marks the
    power with a number exponent, whose number is part of the operation
    (``Value.op`` is "**2") and is passed to ``rule`` and ``apply`` after the
    operand. ``hides``: the result can be finite although an operand
    is inf or NaN (``relu(-inf)`` is 0, ``x / inf`` is 0), so replay must
    watch the operands (``+``, ``*`` and the like carry an inf on instead).
    ``commutes``: x op y is y op x, so a picture need not say which operand is
    which (for the others it labels the edges x and y, as the symbol does).
    """

    name: str
    arity: int
    rule: Callable[..., tuple[float, ...]]
    apply: Callable[..., Any]
    symbol: str
    text: str
    derivatives: tuple[str, ...]
    tex: str
    tex_derivatives: tuple[str, ...]
    hides: bool = False
    parametrised: bool = False
    commutes: bool = False

    def formula(self, k: int = 0, n: float | None = None) -> str:
        """The local derivative for people: ``MUL.formula(0)`` is '∂(x·y)/∂x = y'."""
        names = self.symbols(n)
        return f"∂({names['out']})/∂{'xy'[k]} = {self.derivatives[k].format(**names)}"

    def symbols(self, n: float | None = None, x: str = "x", y: str = "y",
                tex: bool = False) -> dict[str, str]:
        """What to fill the texts with to write them in symbols: x, y, n, and out as the result."""
        names = {"x": x, "y": y, "n": _number_text(n) if n is not None else "n"}
        names["out"] = (self.tex if tex else self.text).format(**names)
        return names


def _number_text(n: float) -> str:
    return str(int(n)) if n.is_integer() else repr(n)


ADD = Op("+", 2, add, lambda x, y: x + y, symbol="+", text="{x} + {y}",
         derivatives=("1", "1"), tex="{x} + {y}", tex_derivatives=("1", "1"), commutes=True)
SUB = Op("-", 2, sub, lambda x, y: x - y, symbol="<I>x</I> \u2212 <I>y</I>", text="{x} − {y}",
         derivatives=("1", "−1"), tex="{x} - {y}", tex_derivatives=("1", "-1"))
MUL = Op("*", 2, mul, lambda x, y: x * y, symbol="\u00d7", text="{x}·{y}",
         derivatives=("{y}", "{x}"), tex=r"{x} \cdot {y}", tex_derivatives=("{y}", "{x}"),
         commutes=True)
DIV = Op("/", 2, div, lambda x, y: x / y, symbol="<I>x</I> \u00f7 <I>y</I>", text="{x}/{y}",
         derivatives=("1/{y}", "−{x}/{y}²"), tex=r"\frac{{{x}}}{{{y}}}",
         tex_derivatives=(r"\frac{{1}}{{{y}}}", r"-\frac{{{x}}}{{{y}^2}}"), hides=True)
NEG = Op("neg", 1, neg, lambda x: -x, symbol="neg", text="−{x}",
         derivatives=("−1",), tex="-{x}", tex_derivatives=("-1",))
POW = Op("**", 2, pow_value, lambda x, y: x**y, symbol="<I>x</I><SUP><I>y</I></SUP>",
         text="{x}^{y}", derivatives=("{y}·{x}^({y} − 1)", "{out}·ln {x}"), tex="{x}^{{{y}}}",
         tex_derivatives=(r"{y} \cdot {x}^{{{y} - 1}}", r"{out} \ln {x}"), hides=True)
POWER = Op("**n", 1, pow_number, lambda x, n: x**n, symbol="(\u00b7)<SUP>{n}</SUP>", text="{x}^{n}",
           derivatives=("{n}·{x}^({n} − 1)",), tex="{x}^{{{n}}}",
           tex_derivatives=(r"{n} \cdot {x}^{{{n} - 1}}",), hides=True, parametrised=True)
EXP = Op("exp", 1, exp, lambda x: x.exp(), symbol="exp", text="exp({x})",
         derivatives=("{out}",), tex="e^{{{x}}}", tex_derivatives=("{out}",), hides=True)
LOG = Op("log", 1, log, lambda x: x.log(), symbol="log", text="ln {x}",
         derivatives=("1/{x}",), tex=r"\ln {x}", tex_derivatives=(r"\frac{{1}}{{{x}}}",),
         hides=True)
TANH = Op("tanh", 1, tanh, lambda x: x.tanh(), symbol="tanh", text="tanh {x}",
          derivatives=("1 − ({out})²",), tex=r"\tanh {x}",
          tex_derivatives=(r"1 - ({out})^2",), hides=True)
SIGMOID = Op("sigmoid", 1, sigmoid, lambda x: x.sigmoid(), symbol="\u03c3", text="σ({x})",
             derivatives=("{out}·(1 − {out})",), tex=r"\sigma({x})",
             tex_derivatives=(r"{out} \, (1 - {out})",), hides=True)
RELU = Op("relu", 1, relu, lambda x: x.relu(), symbol="ReLU", text="ReLU({x})",
          derivatives=("(1 if {x} > 0, else 0)",), tex=r"\mathrm{{ReLU}}({x})",
          tex_derivatives=(r"[{x} > 0]",), hides=True)
SIN = Op("sin", 1, sin, lambda x: x.sin(), symbol="sin", text="sin {x}",
         derivatives=("cos {x}",), tex=r"\sin {x}", tex_derivatives=(r"\cos {x}",))
COS = Op("cos", 1, cos, lambda x: x.cos(), symbol="cos", text="cos {x}",
         derivatives=("−sin {x}",), tex=r"\cos {x}", tex_derivatives=(r"-\sin {x}",))

OPS: dict[str, Op] = {op.name: op for op in (
    ADD, SUB, MUL, DIV, NEG, POW, POWER, EXP, LOG, TANH, SIGMOID, RELU, SIN, COS
)}


def register(op: Op) -> Op:
    """Add ``op`` to the table, at run time; returns it.

    ``Value.apply(op)`` then makes its nodes, and replay, the pictures and the
    walkthrough read it as any other entry. The rule is checked here, where a
    mistake is made: its name must be new, and its source within the Python
    the code generators translate (``autodiff.rule_source``).
    """
    if op.name in OPS or op.name.startswith("**"):
        raise ValueError(f"the op table has an operation named {op.name!r} already")
    if op.parametrised:
        raise ValueError(f"{op.name!r}: only the number power takes a number parameter")
    rule_body(op.rule, op.arity)
    OPS[op.name] = op
    return op


def power_name(n: float) -> str:
    """``Value.op`` of x ** n for a number n: "**2", "**-1", "**0.5"."""
    return f"**{int(n)}" if n.is_integer() else f"**{n!r}"


def lookup(name: str) -> tuple[Op, float | None]:
    """The table entry of ``Value.op`` ``name``, and the exponent of a number power (else None).

    ``lookup("*")`` is ``(MUL, None)``, ``lookup("**2")`` is ``(POWER, 2.0)``.
    Raises KeyError naming the operations known when ``name`` is none of them.
    """
    op = OPS.get(name)
    if op is not None:
        return op, None
    if name.startswith("**"):
        try:
            n = float(name[2:])
        except ValueError:
            pass
        else:
            if math.isfinite(n):
                return POWER, n
    known = ", ".join(o.name for o in OPS.values())
    raise KeyError(f"the engine knows no operation {name!r}; it knows {known} ('**n': n a number)")
