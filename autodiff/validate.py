"""Checks of arguments, shared by the whole project, with errors that say what was expected.

Each check takes the value and a name for it (``what``, as the caller's user
knows it: "eta", "x", "test_data[3]: y"), and returns the value converted to a
plain Python number or list, or raises where the mistake is made:

* ``TypeError`` when the value is of the wrong kind (a string for a number),
* ``ValueError`` when it is of the right kind but out of range (NaN, 0 for a
  size, a list of 3 where 2 were expected).

numpy's numbers are numbers here: ``numpy.float32``, ``numpy.float64`` and
``numpy.int64`` pass wherever a Python float or int does (numpy registers its
scalar types with Python's ``numbers`` module), and a one-dimensional numpy
array passes wherever a list of numbers does. ``True`` and ``False`` are not
numbers here, although Python lets them add: a bool where a number belongs is
almost always a mistake.

>>> finite_number(3, "eta")
3.0
>>> whole_number(2.5, "batch_size")
Traceback (most recent call last):
    ...
TypeError: batch_size must be a whole number, got float: 2.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Protocol, TypeGuard, cast

EXCERPT = 40  # characters of a bad value quoted in an error message


def excerpt(value: object) -> str:
    """``repr(value)``, cut to a short excerpt: an error message must stay one readable line."""
    try:
        text = repr(value)
    except ValueError:  # an int too long for repr (Python's 4,300-digit limit)
        return f"<{type(value).__name__} too long to show>"
    return text if len(text) <= EXCERPT else text[: EXCERPT - 3] + "..."


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """'1 number', '2 numbers'; ``nouns`` where adding an s will not do ('1 entry', '2 entries')."""
    return f"{n} {noun}" if n == 1 else f"{n} {nouns or noun + 's'}"


def is_number(x: object) -> bool:
    """True for a real number (int, float, numpy's), False for bools and everything else."""
    return isinstance(x, Real) and not isinstance(x, bool)


def not_finite(x: float) -> str:
    """What a number that is not finite is, in words: beyond the largest float (inf), or no
    number at all (NaN, which an inf minus an inf, or times 0, gives)."""
    if x != x:
        return "not a number (NaN: an inf met another inf, or 0, on the way)"
    return "beyond the largest float"


def finite_number(x: object, what: str) -> float:
    """``x`` as a float, refusing what is not a real number or is NaN or infinite."""
    if type(x) is float:  # the common case, at once
        if x - x == 0.0:
            return x
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    if not is_number(x):
        raise TypeError(f"{what} must be a number, got {type(x).__name__}: {excerpt(x)}")
    try:
        value = float(cast(Real, x))
    except OverflowError:  # an int beyond the largest float
        raise ValueError(
            f"{what} must be a finite number, got {excerpt(x)}, beyond the largest float "
            "(about 1.8e308)"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {excerpt(x)}")
    return value


def positive_number(x: object, what: str) -> float:
    """``x`` as a float > 0 (and finite)."""
    value = finite_number(x, what)
    if value <= 0.0:
        raise ValueError(f"{what} must be a positive number, got {excerpt(x)}")
    return value


def non_negative_number(x: object, what: str) -> float:
    """``x`` as a float >= 0 (and finite): a tolerance, say, where 0 asks for exact equality."""
    value = finite_number(x, what)
    if value < 0.0:
        raise ValueError(f"{what} must be a number >= 0, got {excerpt(x)}")
    return value


def whole_number(x: object, what: str, minimum: int | None = None) -> int:
    """``x`` as an int (Python's or numpy's integers; not bools, not floats), >= ``minimum``."""
    if isinstance(x, bool) or not isinstance(x, Integral):
        raise TypeError(f"{what} must be a whole number, got {type(x).__name__}: {excerpt(x)}")
    value = int(x)
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {value}")
    return value


def positive_whole_number(x: object, what: str) -> int:
    """``x`` as an int >= 1."""
    return whole_number(x, what, minimum=1)


def random_seed(seed: object, what: str = "seed") -> int | None:
    """``seed`` as an int >= 0, or None (a different start every time).

    Python's ``random.Random`` would take much more, and quietly: a NaN seeds
    it from its hash (different every run), and -1, 1, 1.0 and True all give
    the same numbers. Here a seed is a whole number (Python's or numpy's)
    or None, so that different seeds give different numbers.
    """
    if seed is None:
        return None
    value = whole_number(seed, what)
    if value < 0:
        raise ValueError(
            f"{what} must be a whole number >= 0 (or None), got {value}: Python's random "
            "gives -n the numbers of n"
        )
    return value


def finite_numbers(xs: object, n: int | None, what: str) -> list[float]:
    """``xs`` as a list of finite floats, exactly ``n`` of them unless ``n`` is None.

    ``xs`` may be a list, a tuple or a one-dimensional numpy array. The error
    for a bad entry names it by position: "x[1] must be a finite number".
    """
    numbers = number_list(xs, what, n)
    # The usual case, all floats and finite, in one pass at C speed.
    if set(map(type, numbers)) <= {float} and math.isfinite(sum(numbers)):
        return numbers
    return [finite_number(v, f"{what}[{k}]") for k, v in enumerate(numbers)]


class _Array(Protocol):
    """What a numpy array has that the checks read, without importing numpy."""

    ndim: int
    shape: tuple[int, ...]

    def tolist(self) -> Any: ...


def finite_vectors(xs: object, n: int, what: str) -> list[list[float]]:
    """``xs`` as a non-empty list of lists of ``n`` finite floats each.

    ``xs`` may be a list (or tuple) of lists, tuples or 1-D arrays, or a 2-D
    numpy array (its rows). The error for a bad one names it: "xs[2] must be
    a list of 2 numbers, got 3: [...]".
    """
    if _is_array(xs):
        if xs.ndim != 2:
            raise ValueError(f"{what} must be a list of lists of {plural(n, 'number')}, got an "
                             f"array of shape {tuple(xs.shape)}")
        xs = xs.tolist()
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"{what} must be a list of lists of {plural(n, 'number')}, got "
                        f"{type(xs).__name__}: {excerpt(xs)}")
    if not xs:
        raise ValueError(f"{what} must be a list of lists of {plural(n, 'number')}, got none")
    return [finite_numbers(x, n, f"{what}[{i}]") for i, x in enumerate(xs)]


def number_list(xs: object, what: str, n: int | None = None) -> list[Any]:
    """``xs`` (a sequence or a 1-D array) as a list, of ``n`` entries when given, unchecked."""
    expected = "a list of numbers" if n is None else f"a list of {plural(n, 'number')}"
    if _is_array(xs):
        if xs.ndim != 1:
            raise ValueError(
                f"{what} must be {expected}, got an array of shape {tuple(xs.shape)}; "
                "a one-dimensional array (or .ravel() of this one) would do"
            )
        xs = xs.tolist()
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"{what} must be {expected}, got {type(xs).__name__}: {excerpt(xs)}")
    if n is not None and len(xs) != n:
        raise ValueError(f"{what} must be {expected}, got {len(xs)}: {excerpt(list(xs))}")
    return list(xs)


def _is_array(x: object) -> TypeGuard[_Array]:
    """True for a numpy array (or anything shaped like one), without importing numpy."""
    return hasattr(x, "ndim") and hasattr(x, "shape") and hasattr(x, "tolist")
