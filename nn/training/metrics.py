"""How well a network does on data: its cost C, and the share of examples it classifies right.

The cost is the quantity training lowers, C = 1/(2n) sum_i ||y_i - a(x_i)||^2
by default. When the targets are classes, the accuracy says more to a person:
a network with one output node answers class 1 when a^L >= 0.5, and one with
several answers the j of its largest a_j^L (the targets are then one-hot: a 1
at the right class, 0 elsewhere).

>>> from nn import MLP
>>> from nn.data.datasets import xor
>>> C, right = evaluate(MLP([2, 3, 1], seed=0), xor())
>>> 0.0 <= right <= 1.0
True
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from itertools import chain
from typing import cast

from autodiff import Value
from nn.data.datasets import Example, check_data
from nn.model.costs import cost_or_function, quadratic_cost
from nn.model.layers import MLP
from nn.training.engines import choose_engine


def evaluate(
    net: MLP, data: Sequence[Example], cost: Callable[..., Value] | str = quadratic_cost, *,
    engine: str = "auto"
) -> tuple[float, float | None]:
    """The cost C over ``data`` and the accuracy (None when the targets are not classes).

    ``data`` is a list of examples (x, y), or a pair (X, y) of arrays as
    ``nn.data.datasets.from_arrays`` takes them. C is the number the values engine
    gives, ``cost`` built from Values one example at a time
    (``nn.training.engines.ValuesEngine.evaluate``): the same number ``train`` records in
    its history after each epoch. ``engine`` is as for ``train``: "auto" replays
    a recorded forward pass where it can (the same floats, several times
    faster: ``nn.training.engines.ReplayEngine``); "values", "replay" or "torch" insist.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"evaluate() takes an nn.MLP as net, got {type(net).__name__}")
    data = check_data(data, net.sizes[0], net.sizes[-1])
    C, outputs = choose_engine(net, cost_or_function(cost), engine).evaluate(data)
    return C, accuracy(outputs, [y for _, y in data])


def outputs(
    net: MLP, xs: Sequence[Sequence[float]], *, engine: str = "auto"
) -> list[list[float]]:
    """The network's output a^L for each input x, as floats (``engine`` as for ``evaluate``).

    What ``[[a_j.data for a_j in net(x)] for x in xs]`` gives, without a graph
    per x where the engine can replay one.
    """
    return choose_engine(net, quadratic_cost, engine).outputs(xs)


def accuracy(
    outputs: Sequence[Sequence[Value | float]], targets: Sequence[Sequence[float]]
) -> float | None:
    """The share of examples whose predicted class is the true one; None if the targets
    are not classes (see ``is_classification``).

    ``outputs`` holds each example's a^L (Values or floats), ``targets`` its y.
    """
    if len(outputs) != len(targets) or not targets:
        raise ValueError(
            f"accuracy needs one output per target, at least one of each: got {len(outputs)} "
            f"outputs and {len(targets)} targets"
        )
    if not is_classification(targets):
        return None
    right: int = sum(map(operator.eq, predicted_classes(outputs), map(true_class, targets)))
    return right / len(targets)


def is_classification(targets: Sequence[Sequence[float]]) -> bool:
    """True when every target is a class: [0] or [1] for one output, one-hot for several."""
    if not {*chain.from_iterable(targets)} <= {0.0, 1.0}:
        return False
    one_hot = [y for y in targets if len(y) > 1]
    return {*map(sum, one_hot)} <= {1.0}


def predicted_classes(outputs: Sequence[Sequence[Value | float]]) -> list[int]:
    """``predicted_class`` of each output (at once for outputs of several floats, as the
    engines give them: the first of equal largest a_j)."""
    if min(map(len, outputs)) > 1 and _FLOAT.issuperset(map(type, chain.from_iterable(outputs))):
        floats = cast(Sequence[Sequence[float]], outputs)
        return [a.index(max(a)) for a in floats]
    return [predicted_class(a) for a in outputs]


def predicted_class(a: Sequence[Value | float]) -> int:
    """The class a network's output stands for: a >= 0.5 for one output, else the argmax
    (the first of equal largest a_j)."""
    values = [v.data if isinstance(v, Value) else v for v in a]
    if len(values) == 1:
        return int(values[0] >= 0.5)
    return values.index(max(values))


def true_class(y: Sequence[float]) -> int:
    """The class of a target: y itself for one output, else the position of the 1."""
    return int(y[0]) if len(y) == 1 else (y if type(y) is list else list(y)).index(1.0)


_FLOAT = frozenset([float])
