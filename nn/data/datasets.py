"""Small datasets for the lecture's networks, as lists of examples (x, y).

An example is a pair of lists of floats: x, the n_1 inputs (the activations
a^1 of layer 1), and y, the n_L desired outputs, the target that the cost
C = 1/(2n) sum_i ||y_i - a(x_i)||^2 compares with a^L. The two-class sets give
y = [0.0] or [1.0], one output node; the digits give y one-hot over 10 classes.

>>> data = moons(n=100, noise=0.1, seed=0)
>>> x, y = data[0]
>>> len(x), y in ([0.0], [1.0])
(2, True)
>>> train, test = split(data, test_fraction=0.2, seed=0)
>>> len(train), len(test)
(80, 20)

``xor``, ``moons`` and ``circles`` need nothing beyond the standard library;
``digits`` needs scikit-learn (``pip install 'deltagrad[digits]'``). Data of
your own comes in through ``from_arrays`` (numpy arrays, pandas frames) and
``load_csv`` (a CSV file), from ``nn.data.tables``; everything that takes data
also takes a pair (X, y) of arrays, as ``from_arrays`` does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from itertools import chain
from numbers import Integral
from typing import Any, TypeVar, cast

from autodiff.validate import (
    excerpt,
    finite_number,
    is_number,
    number_list,
    plural,
    random_seed,
)
from nn.data.tables import from_arrays, load_csv

__all__ = ["DATASETS", "check_data", "circles", "digits", "from_arrays", "load_csv",
           "load_dataset", "moons", "split", "xor"]

Example = tuple[Sequence[float], Sequence[float]]
Dataset = list[tuple[list[float], list[float]]]
E = TypeVar("E")  # an example, of whatever type the caller's data holds

DIGITS_EXTRA = "pip install 'deltagrad[digits]'"
# The most examples a dataset is made of (a million moons take some 300 MB as lists of
# floats): more is refused before any is made.
MAX_EXAMPLES = 1_000_000


def xor() -> Dataset:
    """The four points of XOR: y = 1 when exactly one of the two inputs is 1.

    No single perceptron separates them; one hidden layer ([2, 2, 1] or wider) does.
    """
    return [([x1, x2], [float(x1 != x2)]) for x1 in (0.0, 1.0) for x2 in (0.0, 1.0)]


def moons(n: int = 200, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Two interleaving half circles in the plane, n points, classes 0 and 1.

    Class 0 lies on the upper half of the unit circle centred at (0, 0),
    class 1 on the lower half of the unit circle centred at (1, 0.5):

        class 0:  (cos t,      sin t)         t uniform in [0, pi]
        class 1:  (1 - cos t,  0.5 - sin t)

    each coordinate then shifted by Gaussian noise of standard deviation ``noise``.
    The classes get n // 2 and n - n // 2 points; the list is shuffled.
    ``seed`` is a whole number >= 0, or None for different points every time.
    """
    n, noise = _examples_asked(n), _check_noise(noise)
    rng = random.Random(random_seed(seed))
    data = []
    for label, count in ((0, n // 2), (1, n - n // 2)):
        for _ in range(count):
            t = rng.uniform(0.0, math.pi)
            if label == 0:
                p = (math.cos(t), math.sin(t))
            else:
                p = (1.0 - math.cos(t), 0.5 - math.sin(t))
            data.append((_jitter(p, noise, rng), [float(label)]))
    rng.shuffle(data)
    return data


def circles(
    n: int = 200, noise: float = 0.1, seed: int | None = None, *, factor: float = 0.5
) -> Dataset:
    """Two concentric circles centred at the origin, n points, classes 0 and 1.

    Class 0 lies on the circle of radius 1, class 1 on the circle of radius
    ``factor`` (0 < factor < 1), at angles t uniform in [0, 2 pi):

        (r cos t, r sin t)

    each coordinate then shifted by Gaussian noise of standard deviation ``noise``.
    No straight line separates them, so a network needs a hidden layer.
    The classes get n // 2 and n - n // 2 points; the list is shuffled.
    """
    n, noise = _examples_asked(n), _check_noise(noise)
    factor = _between_0_and_1(factor, "factor", "is the inner circle's radius and ")
    rng = random.Random(random_seed(seed))
    data = []
    for label, r, count in ((0, 1.0, n // 2), (1, factor, n - n // 2)):
        for _ in range(count):
            t = rng.uniform(0.0, 2.0 * math.pi)
            data.append((_jitter((r * math.cos(t), r * math.sin(t)), noise, rng), [float(label)]))
    rng.shuffle(data)
    return data


def digits(n: int | None = None, seed: int | None = None) -> Dataset:
    """The 8x8 handwritten digits (1797 images) from scikit-learn, as 64 inputs and 10 outputs.

    x holds the 64 pixel intensities, row by row, scaled from 0..16 to [0, 1];
    y is one-hot: y_j = 1 for the digit j (0-9), the other nine 0, so the
    network's answer is the output node with the largest a_j^L.

    With ``n`` given, returns n images drawn at random (seeded by ``seed``)
    without replacement; otherwise all of them, in the file's order.
    Needs scikit-learn: ``pip install 'deltagrad[digits]'``.
    """
    if n is not None:
        n = _count(n, "n", "is the number of images and ")
    seed = random_seed(seed)
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            f"the digits dataset needs scikit-learn, which is not installed: {DIGITS_EXTRA}"
        ) from e
    bunch = load_digits()
    images, labels = bunch.data, bunch.target
    total = len(labels)
    indices = list(range(total))
    if n is not None:
        if n > total:
            raise ValueError(f"the digits dataset has {total} images, asked for n = {n}")
        indices = random.Random(seed).sample(indices, n)
    return [([float(p) / 16.0 for p in images[i]], _one_hot(int(labels[i]), 10)) for i in indices]


DATASETS: dict[str, Callable[..., Dataset]] = {
    "xor": xor,
    "moons": moons,
    "circles": circles,
    "digits": digits,
}


def load_dataset(
    name: str, n: int | None = None, noise: float | None = None, seed: int | None = None
) -> Dataset:
    """The dataset called ``name`` (a key of ``DATASETS``), for the command line.

    ``n`` and ``noise`` left as None take the dataset's defaults (those of
    its function, such as ``moons``'s n = 200 and noise = 0.1). Giving one
    that the dataset does not take (n or noise for xor, noise for digits) is a
    ValueError rather than being silently ignored. ``seed`` is passed where
    the dataset is random and ignored where it is fixed (xor).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {excerpt(name)}; expected one of {sorted(DATASETS)}")
    takes = {"xor": (), "moons": ("n", "noise"), "circles": ("n", "noise"), "digits": ("n",)}
    given = {"n": n, "noise": noise}
    kwargs = {}
    for key, value in given.items():
        if value is None:
            continue
        if key not in takes[name]:
            raise ValueError(
                f"the {name} dataset does not take {key} (got {key} = {excerpt(value)})")
        kwargs[key] = value
    if name == "xor":
        return xor()
    return DATASETS[name](**kwargs, seed=seed)


def split(
    data: Sequence[E], test_fraction: float = 0.2, seed: int | None = None
) -> tuple[list[E], list[E]]:
    """Shuffle ``data`` with ``seed`` and cut it into (train, test).

    The test part gets round(test_fraction * len(data)) examples, the train part
    the rest; both must be non-empty. The same seed gives the same split. The
    examples themselves are not copied.
    """
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(f"data must be a list of (x, y) examples, got {type(data).__name__}")
    test_fraction = _between_0_and_1(test_fraction, "test_fraction")
    seed = random_seed(seed)
    n = len(data)
    n_test = round(test_fraction * n)
    if n_test == 0 or n_test == n:
        raise ValueError(
            f"test_fraction {test_fraction!r} of {plural(n, 'example')} gives {n_test} test and "
            f"{n - n_test} training examples; both parts need at least one"
        )
    order = list(range(n))
    random.Random(seed).shuffle(order)
    test = [data[i] for i in order[:n_test]]
    train = [data[i] for i in order[n_test:]]
    return train, test


def check_data(
    data: Sequence[Example], n_inputs: int, n_outputs: int, what: str = "data"
) -> Dataset:
    """Check that ``data`` fits a network with n_1 = n_inputs and n_L = n_outputs.

    ``data`` is a list of examples (x, y), each a pair of lists (or 1-D arrays)
    of finite numbers with len(x) == n_inputs and len(y) == n_outputs, or a
    pair (X, y) of arrays or data frames, as ``from_arrays`` takes them.
    numpy's numbers count as numbers. Raises ValueError (wrong sizes, no
    examples, NaN or infinity) or TypeError (not a list, not numbers), naming
    the first bad example by its position, e.g. "example 3 (data[2])", with
    ``what`` the name the caller knows the data by ("test_data"). Returns the
    examples as new lists of floats, so that what is computed from them is the
    same whatever numbers they were given in.
    """
    n_inputs = _count(n_inputs, "n_inputs")
    n_outputs = _count(n_outputs, "n_outputs")
    if _is_table_pair(data):
        data = from_arrays(*data)
    if getattr(data, "ndim", None) == 2:
        shape = tuple(cast(Any, data).shape)  # an array's, not a Sequence's
        raise TypeError(
            f"{what} must be a list of (x, y) examples, or a pair (X, y) of arrays, got one "
            f"array of shape {shape}: give the inputs and the targets apart, such "
            f"as ({what}[:, :-1], {what}[:, -1]) for a table whose last column is the target"
        )
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(
            f"{what} must be a list of (x, y) examples, or a pair (X, y) of arrays, got "
            f"{type(data).__name__}: {excerpt(data)}"
        )
    if len(data) == 0:
        raise ValueError(f"{what} has no examples")
    if _floats_already(data, n_inputs, n_outputs, _VECTORS):
        return [(list(x), list(y)) for x, y in data]
    return [_check_example(example, i, n_inputs, n_outputs, what)
            for i, example in enumerate(data)]


def _floats_already(data: Sequence[Example], n_inputs: int, n_outputs: int,
                    vectors: frozenset[type]) -> bool:
    """Whether every example is a pair (x, y) of ``vectors`` (lists, or tuples) of n_inputs and
    n_outputs finite floats: the usual case, seen at C speed, with no Python run per number.

    A pass over the examples' types and lengths, one over the numbers' types, and one
    adding them up: the sum is finite only if every number is (or it overflows, a false
    alarm that the careful way then clears). A check costs a small fraction of the
    work it guards; only when this says no does ``_check_example`` look at each
    number, to name the first bad one.
    """
    if not _PAIRS.issuperset(map(type, data)) or {*map(len, data)} != {2}:
        return False
    xs, ys = [x for x, _ in data], [y for _, y in data]
    if not (vectors.issuperset(map(type, xs)) and vectors.issuperset(map(type, ys))
            and {*map(len, xs)} == {n_inputs} and {*map(len, ys)} == {n_outputs}):
        return False
    if not all(_FLOAT.issuperset(map(type, chain.from_iterable(part))) for part in (xs, ys)):
        return False
    total: float = sum(chain.from_iterable(xs)) + sum(chain.from_iterable(ys))
    return total - total == 0.0


def _check_example(example: object, i: int, n_inputs: int, n_outputs: int,
                   what: str) -> tuple[list[float], list[float]]:
    """Example i as a pair of lists of floats, or the error naming what is wrong in it."""
    where = f"example {i + 1} ({what}[{i}])"
    if isinstance(example, (str, bytes)) or not isinstance(example, Sequence):
        raise TypeError(f"{where} must be a pair (x, y), got {type(example).__name__}")
    if len(example) != 2:
        raise ValueError(f"{where} must be a pair (x, y), got {plural(len(example), 'item')}")
    x, y = example
    return (_check_vector(x, n_inputs, f"{where}: x", "input", "layer 1"),
            _check_vector(y, n_outputs, f"{where}: y", "output", "layer L"))


def _is_table_pair(data: object) -> bool:
    """A pair (X, y) whose X is a 2-D array or a data frame (not a list of examples)."""
    return (isinstance(data, (tuple, list)) and len(data) == 2
            and (getattr(data[0], "ndim", None) == 2 or hasattr(data[0], "to_numpy")))


def _check_vector(v: object, size: int, where: str, node: str, layer: str) -> list[float]:
    """``v`` as a list of ``size`` finite floats; ``node``, ``layer`` name them in the network."""
    if is_number(v):
        hint = (f": write [{excerpt(v)}]" if size == 1
                else ": one-hot encode a class label, or let nn.data.from_arrays(X, y) do it"
                if node == "output" else "")
        raise TypeError(f"{where} must be a list of {plural(size, 'number')}, got "
                        f"{type(v).__name__} {excerpt(v)}{hint}")
    v = number_list(v, where, None)
    if len(v) != size:
        raise ValueError(f"{where} has {plural(len(v), 'entry', 'entries')} but the network has "
                         f"{plural(size, node)} ({layer})")
    floats = []
    for k, v_k in enumerate(v):
        # is_number refuses bools: True as a pixel is almost surely a mistake
        if not is_number(v_k):
            raise TypeError(
                f"{where}[{k}] must be a number, got {type(v_k).__name__}: {excerpt(v_k)}"
            )
        floats.append(finite_number(v_k, f"{where}[{k}]"))
    return floats


def _examples_asked(n: object) -> int:
    """The number of examples asked for, at least 1 and at most ``MAX_EXAMPLES``."""
    n = _count(n, "n", "is the number of examples and ")
    if n > MAX_EXAMPLES:
        raise ValueError(f"n is the number of examples and must be {examples_bound(n)}")
    return n


def examples_bound(n: int) -> str:
    """The bound on examples, said for ``n`` beyond it."""
    return f"at most {MAX_EXAMPLES} (nn.data.datasets.MAX_EXAMPLES), got {n}"


def _count(n: object, what: str, meaning: str = "") -> int:
    """``n`` as an int >= 1 (Python's or numpy's); ``meaning`` says what it counts."""
    if not (is_number(n) and isinstance(n, Integral)):
        raise TypeError(f"{what} must be an int, got {type(n).__name__}: {excerpt(n)}")
    if n < 1:
        raise ValueError(f"{what} {meaning}must be at least 1, got {n}")
    return int(n)


def _check_noise(noise: object) -> float:
    """The noise as a float: a standard deviation, so finite and >= 0."""
    noise = finite_number(noise, "noise")
    if noise < 0.0:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise!r}")
    return noise


def _between_0_and_1(x: object, what: str, meaning: str = "") -> float:
    """``x`` as a float with 0 < x < 1; ``meaning`` says what it is."""
    try:
        value = finite_number(x, what)  # a TypeError for what is not a number at all
    except ValueError:  # NaN or an infinity: outside (0, 1) too, and said so below
        value = math.nan
    if not 0.0 < value < 1.0:
        raise ValueError(f"{what} {meaning}must satisfy 0 < {what} < 1, got {excerpt(x)}")
    return value


def _jitter(p: tuple[float, float], noise: float, rng: random.Random) -> list[float]:
    """The point p with independent N(0, noise^2) added to each coordinate.

    A noise so large that a coordinate overflows is refused: the data would
    hold infinities (and is meaningless long before that).
    """
    if noise == 0:
        return [p[0], p[1]]
    point = [p[0] + rng.gauss(0.0, noise), p[1] + rng.gauss(0.0, noise)]
    if not math.isfinite(point[0] + point[1]):
        raise ValueError(
            f"noise = {noise!r} is too large: it moves points beyond the largest float "
            f"(a point came out as {point}); noise is the standard deviation of each "
            "coordinate's shift, such as 0.1"
        )
    return point


def _one_hot(j: int, size: int) -> list[float]:
    y = [0.0] * size
    y[j] = 1.0
    return y


def checked_data(data: Sequence[Example], n_inputs: int, n_outputs: int) -> Sequence[Example]:
    """``data`` as ``check_data`` returns it, at once where it is so already.

    Data that ``train`` has checked (pairs of lists of floats of the right
    lengths) is evaluated after every epoch; it is looked at again at C
    speed (``_floats_already``), not copied. Anything else goes through
    ``check_data``, with its errors.
    """
    try:
        if data and _floats_already(data, n_inputs, n_outputs, _LISTS):
            return data
    except TypeError:  # not a sized sequence: check_data says what is wrong
        pass
    return check_data(data, n_inputs, n_outputs)


_FLOAT = frozenset([float])
_LISTS = frozenset([list])
_VECTORS = frozenset([list, tuple])  # what x and y may be, for the quick look
_PAIRS = frozenset([tuple, list])  # what an example may be, for the quick look
