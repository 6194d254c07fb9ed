"""The shapes a student's backprop takes and gives: nested lists, numpy arrays, numpy columns.

The classic exercise after the lecture is to write backpropagation yourself,
as a function

    backprop(weights, biases, x, y) -> (nabla_b, nabla_w)

where ``weights[i]`` is the matrix W^l of layer l = i + 2 (n_l rows, one per
node j of layer l, each holding w_j1^l .. w_jm^l), ``biases[i]`` the vector
b^l, and the result holds dC/db^l and dC/dw^l in the same shapes. The checker
(``nn.checking.checker``) hands the numbers over in one of three styles:

    "lists"         nested Python lists: W^l is a list of n_l rows of floats
    "numpy"         numpy arrays: W^l of shape (n_l, n_(l-1)), b^l, x, y one-dimensional
    "numpy-column"  Nielsen's style: b^l of shape (n_l, 1), x (n_1, 1), y (n_L, 1)

and reads the answer back whatever its style: lists, tuples or numpy arrays
(anything with ``.tolist()``), a bias vector flat or as a column. numpy is
imported only when a numpy style is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autodiff.validate import excerpt, is_number
from nn.lecture.formulas import read_network
from nn.model.layers import MLP

ARRAY_STYLES = ("lists", "numpy", "numpy-column")

Shape = tuple[int, ...]


class Unreadable(ValueError):
    """A part of the student's answer is not a block of numbers.

    ``reason`` says why ("is None, not a number"), ``at`` where: the indices
    from the block down to the bad entry, () for the block itself.
    """

    def __init__(self, reason: str, at: tuple[int, ...] = ()) -> None:
        super().__init__(reason)
        self.reason, self.at = reason, at

    def of(self, name: str) -> str:
        """The message for the block called ``name``: "nabla_b[1][0] is None, not a number"."""
        return name + "".join(f"[{i}]" for i in self.at) + " " + self.reason


def check_style(arrays: object) -> str:
    """``arrays`` if it names one of ``ARRAY_STYLES`` (and numpy is there for the numpy ones)."""
    if arrays not in ARRAY_STYLES:
        raise ValueError(f"arrays must be one of {', '.join(map(repr, ARRAY_STYLES))}, "
                         f"got {excerpt(arrays)}")
    if arrays != "lists":
        try:
            import numpy  # noqa: F401
        except ImportError:
            raise ImportError(f"arrays={arrays!r} needs numpy: pip install numpy") from None
    return arrays


def parameters(net: MLP) -> tuple[list[list[list[float]]], list[list[float]]]:
    """The weights W^2..W^L (row j holds w_j1^l .. w_jm^l) and biases b^2..b^L, as floats."""
    weights, biases, _ = read_network(net)
    return [weights[l] for l in sorted(weights)], [biases[l] for l in sorted(biases)]


def in_style(net: MLP, x: Sequence[float], y: Sequence[float], style: str
             ) -> tuple[Any, Any, Any, Any]:
    """(weights, biases, x, y) for one example, fresh copies in ``style``."""
    weights, biases = parameters(net)
    if style == "lists":
        return weights, biases, list(x), list(y)
    import numpy as np

    vector = _vector(style)
    return ([np.array(W, dtype=float) for W in weights], [vector(b) for b in biases],
            vector(x), vector(y))


def batch_in_style(
    net: MLP, xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]], style: str
) -> tuple[Any, Any, Any, Any]:
    """(weights, biases, xs, ys) for a batch, fresh copies in ``style``.

    The examples come as a list of lists ("lists"), as a two-dimensional array
    with a row per example ("numpy": a loop over it gives the examples, and a
    vectorised function can use it whole), or as a list of column vectors
    ("numpy-column", as in Nielsen's mini-batches).
    """
    weights, biases, _, _ = in_style(net, xs[0], ys[0], style)
    if style == "lists":
        return weights, biases, [list(x) for x in xs], [list(y) for y in ys]
    import numpy as np

    if style == "numpy":
        return weights, biases, np.array(xs, dtype=float), np.array(ys, dtype=float)
    vector = _vector(style)
    return weights, biases, [vector(x) for x in xs], [vector(y) for y in ys]


def _vector(style: str) -> Callable[[Sequence[float]], Any]:
    import numpy as np

    if style == "numpy":
        return lambda v: np.array(v, dtype=float)
    return lambda v: np.array(v, dtype=float).reshape(-1, 1)


def read_block(value: object) -> tuple[Shape, Any]:
    """(shape, nested lists of floats) of a number, a vector or a matrix the student returned.

    Raises ``Unreadable`` naming the first entry that is not a number, or the
    row that is longer or shorter than the others.
    """
    if hasattr(value, "tolist") and hasattr(value, "shape"):  # numpy (or torch) arrays
        value = value.tolist()
    if is_number(value):
        return (), float(value)  # type: ignore[arg-type]  # (is_number said it is one)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        what = "None" if value is None else f"a {type(value).__name__}: {excerpt(value)}"
        raise Unreadable(f"is {what}, not a number")
    items = []
    for i, item in enumerate(value):
        try:
            items.append(read_block(item))
        except Unreadable as error:
            raise Unreadable(error.reason, (i, *error.at)) from None
    shapes = {shape for shape, _ in items}
    if len(shapes) > 1:
        lengths = ", ".join(shape_text(shape) for shape, _ in items)
        raise Unreadable(f"has rows of different shapes ({lengths}): not a matrix")
    inner = shapes.pop() if shapes else ()
    return (len(items), *inner), [numbers for _, numbers in items]


def shape_text(shape: Shape) -> str:
    """A shape as numpy writes it: (2, 3), (2,), () for a number."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(map(str, shape)) + ")"


def as_vector(shape: Shape, numbers: list[Any], n: int) -> list[float] | None:
    """A bias vector of n numbers, given flat (n,) or as a column (n, 1); None for other shapes."""
    if shape == (n,):
        return numbers
    if shape == (n, 1):
        return [row[0] for row in numbers]
    return None
