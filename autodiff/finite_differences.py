"""Check backward's gradients against central finite differences.

For a function f of inputs x_1..x_n, the central difference

    (f(.., x_i + eps, ..) - f(.., x_i - eps, ..)) / (2 eps)

approximates df/dx_i with an error of order eps^2, independently of any
derivative rule. If it agrees with what ``backward()`` computed, the rules and
the chain rule were applied correctly.

Floats are spaced further apart the larger they are (``math.ulp(x)`` apart
near x), and x_i + eps is only the float nearest to it. Where eps is below
that resolution (at x_i = 1e308, x_i + 1e-6 is x_i itself) or x_i + eps
overflows, central differences cannot see f change, and the check says so
rather than blaming a correct backward; where eps is above it but not by
much, a failing check says that the floats are coarse there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autodiff.validate import excerpt, finite_number, is_number, number_list, positive_number
from autodiff.value import Value


def numerical_gradient(
    f: Callable[..., Value], inputs: Sequence[float | Value], eps: float = 1e-6
) -> list[float]:
    """Central-difference estimate of df/dx_i for every input, from f's values alone.

    Raises ValueError for an input where eps is below the resolution of floats
    there (``math.ulp(x_i)``) or x_i + eps overflows.
    """
    eps = _check_eps(eps)
    xs = _numbers(inputs)
    estimate = []
    for i, x in enumerate(xs):
        above, below = _steps(x, eps, i)
        up = f(*[Value(v) for v in xs[:i] + [above] + xs[i + 1 :]]).data
        down = f(*[Value(v) for v in xs[:i] + [below] + xs[i + 1 :]]).data
        estimate.append((up - down) / (2.0 * eps))
    return estimate


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> bool:
    """Compare backward's gradients of ``f(*inputs)`` with central differences.

    ``f`` takes one Value per input and returns a scalar Value. ``inputs`` is a
    list of numbers (or Values, whose ``data`` is used), one per argument of f,
    counted from 1 in messages as the leaves x1, x2, ... are labelled. Each
    gradient passes when ``|analytic - numeric| <= atol + rtol * |numeric|``,
    the rule of ``math.isclose`` and ``torch.autograd.gradcheck``.

    Returns True when every input passes; otherwise raises ``AssertionError``
    naming the first input that fails and both values.

    >>> gradcheck(lambda x, y: x * y.tanh(), [0.5, -1.5])
    True
    """
    eps = _check_eps(eps)
    _check_tolerance("rtol", rtol)
    _check_tolerance("atol", atol)
    xs = _numbers(inputs)
    for i, x in enumerate(xs):  # before f runs: a step central differences cannot take
        _steps(x, eps, i)
    leaves = [Value(x, label=f"x{i + 1}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    numeric = numerical_gradient(f, xs, eps)
    for i, (leaf, approx) in enumerate(zip(leaves, numeric)):
        if not abs(leaf.grad - approx) <= atol + rtol * abs(approx):
            raise AssertionError(
                f"gradcheck: input {i + 1} (x{i + 1} = {xs[i]!r}): backward gives {leaf.grad!r}, "
                f"central differences give {approx!r} (eps={eps}, rtol={rtol}, atol={atol})"
                + _coarse(xs[i], eps, rtol)
            )
    return True


def _numbers(inputs: object) -> list[float]:
    """The inputs as floats, from a list of numbers or Values (a lone number is a mistake)."""
    if isinstance(inputs, Value) or is_number(inputs):
        raise TypeError(
            f"inputs must be a list with one number per argument of f, got "
            f"{type(inputs).__name__}: write [{excerpt(inputs)}] for a function of one argument"
        )
    return [x.data if isinstance(x, Value) else finite_number(x, f"input {i + 1}")
            for i, x in enumerate(number_list(inputs, "inputs"))]


def _steps(x: float, eps: float, i: int) -> tuple[float, float]:
    """x + eps and x - eps, or a ValueError saying why central differences cannot work at x."""
    above, below = x + eps, x - eps
    where = f"input {i + 1} (x{i + 1} = {x!r})"
    if math.isinf(above) or math.isinf(below):
        raise ValueError(
            f"{where}: x + eps overflows (eps = {eps!r}): central differences cannot "
            "be taken this close to the largest float"
        )
    spacing = math.ulp(x)
    if eps < spacing:
        raise ValueError(
            f"{where}: eps = {eps!r} is below the resolution of floats there (they are "
            f"{spacing:.3g} apart), so x +- eps is not a step central differences can take; "
            f"give a larger eps, about {max(abs(x), 1.0) * 1e-6:.1g} (1e-6 of x)"
        )
    return above, below


def _coarse(x: float, eps: float, rtol: float) -> str:
    """A note when floats near x are too coarse for eps: x +- eps is then off by more than rtol."""
    spacing = math.ulp(x)
    if spacing / (2.0 * eps) <= rtol:
        return ""
    return (f"; but floats near x are {spacing:.3g} apart, so x +- eps is only accurate to "
            f"{spacing / (2.0 * eps):.1g} of eps: try a larger eps, such as "
            f"{max(abs(x), 1.0) * 1e-6:.1g}")


def _check_eps(eps: float) -> float:
    return positive_number(eps, "eps")


def _check_tolerance(name: str, tol: float) -> None:
    # a negative or NaN tolerance would fail every input; inf would pass every one
    if finite_number(tol, f"gradcheck: {name}") < 0:
        raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {tol!r}")
