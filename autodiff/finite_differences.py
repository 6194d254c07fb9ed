"""Check backward's gradients against central finite differences.

For a function f of inputs x_1..x_n, the central difference

    (f(.., x_i + eps, ..) - f(.., x_i - eps, ..)) / (2 eps)

approximates df/dx_i with an error of order eps^2, independently of any
derivative rule. If it agrees with what ``backward()`` computed, the rules and
the chain rule were applied correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autodiff.validate import finite_number, positive_number
from autodiff.value import Value


def numerical_gradient(
    f: Callable[..., Value], inputs: Sequence[float | Value], eps: float = 1e-6
) -> list[float]:
    """Central-difference estimate of df/dx_i for every input, from f's values alone."""
    _check_eps(eps)
    xs = [x.data if isinstance(x, Value) else _number(x, i) for i, x in enumerate(inputs)]
    estimate = []
    for i, x in enumerate(xs):
        up = f(*[Value(v) for v in xs[:i] + [x + eps] + xs[i + 1 :]]).data
        down = f(*[Value(v) for v in xs[:i] + [x - eps] + xs[i + 1 :]]).data
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

    ``f`` takes one Value per input and returns a scalar Value. ``inputs`` are
    numbers (or Values, whose ``data`` is used). Each gradient passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``, the rule of
    ``math.isclose`` and ``torch.autograd.gradcheck``.

    Returns True when every input passes; otherwise raises ``AssertionError``
    naming the first input that fails and both values.

    >>> gradcheck(lambda x, y: x * y.tanh(), [0.5, -1.5])
    True
    """
    _check_eps(eps)
    _check_tolerance("rtol", rtol)
    _check_tolerance("atol", atol)
    xs = [x.data if isinstance(x, Value) else _number(x, i) for i, x in enumerate(inputs)]
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    numeric = numerical_gradient(f, xs, eps)
    for i, (leaf, approx) in enumerate(zip(leaves, numeric)):
        if not abs(leaf.grad - approx) <= atol + rtol * abs(approx):
            raise AssertionError(
                f"gradcheck: input {i} (x{i} = {xs[i]!r}): backward gives {leaf.grad!r}, "
                f"central differences give {approx!r} (eps={eps}, rtol={rtol}, atol={atol})"
            )
    return True


def _number(x: object, i: int) -> float:
    return finite_number(x, f"input {i}")


def _check_eps(eps: float) -> None:
    positive_number(eps, "eps")


def _check_tolerance(name: str, tol: float) -> None:
    # a negative or NaN tolerance would fail every input; inf would pass every one
    if finite_number(tol, f"gradcheck: {name}") < 0:
        raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {tol!r}")
