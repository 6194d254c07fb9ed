"""Cost functions C over a batch of n examples, built from Values so that C.backward() works.

Both costs follow the lecture's two assumptions: C depends only on the
network's outputs a(x_i), and it is an average over the examples, so each
example can be handled separately and the batch's gradient is the mean of the
examples' gradients.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

from autodiff import Value

Outputs = Sequence[Sequence[Value]]
Targets = Sequence[Sequence[float]]


def quadratic_cost(outputs: Outputs, targets: Targets) -> Value:
    """The lecture's quadratic cost  C = 1/(2n) sum_i ||y_i - a(x_i)||^2.

    ``outputs`` holds the n output lists a^L(x_i) (as returned by ``net(x)``),
    ``targets`` the n target lists y_i. For one example dC/da_j^L = a_j^L - y_j,
    the start of the lecture's equation 1.
    """
    n = _check_batch(outputs, targets)
    total = None
    for a, y in zip(outputs, targets):
        for a_j, y_j in zip(a, y):
            term = (y_j - a_j) ** 2
            total = term if total is None else total + term
    C = total * (1.0 / (2 * n))
    C.label = "C"
    return C


def cross_entropy_cost(outputs: Outputs, targets: Targets) -> Value:
    """Cross-entropy for sigmoid outputs  C = -1/n sum_i sum_j [y ln a + (1 - y) ln(1 - a)].

    With a sigmoid output layer dC/dz_j^L = a_j^L - y_j: the sigma'(z) factor of
    the quadratic cost cancels, so learning does not slow down when a neuron
    saturates. Needs 0 < a < 1; an output that saturated to exactly 0 or 1
    raises ValueError.
    """
    n = _check_batch(outputs, targets)
    total = None
    for i, (a, y) in enumerate(zip(outputs, targets)):
        for j, (a_j, y_j) in enumerate(zip(a, y)):
            if not 0.0 < a_j.data < 1.0:
                raise ValueError(
                    f"cross-entropy needs outputs strictly between 0 and 1, got a_{j + 1} = "
                    f"{a_j.data!r} for example {i + 1}: use a sigmoid output layer, or smaller "
                    "weights or eta if the sigmoid saturated"
                )
            term = y_j * a_j.log() + (1.0 - y_j) * (1.0 - a_j).log()
            total = term if total is None else total + term
    C = total * (-1.0 / n)
    C.label = "C"
    return C


COSTS = {"quadratic": quadratic_cost, "cross_entropy": cross_entropy_cost}


def _check_batch(outputs: Outputs, targets: Targets) -> int:
    """Check that outputs and targets are n >= 1 matching lists of lists; return n."""
    if not isinstance(outputs, Sequence) or not isinstance(targets, Sequence):
        raise TypeError("outputs and targets must be lists of n lists (one per example)")
    if len(outputs) != len(targets):
        raise ValueError(
            f"outputs and targets must have one entry per example: "
            f"got {len(outputs)} outputs and {len(targets)} targets"
        )
    if not outputs:
        raise ValueError("the cost of an empty batch is undefined: got 0 examples")
    for i, (a, y) in enumerate(zip(outputs, targets)):
        if isinstance(a, Value) or not isinstance(a, Sequence):
            raise TypeError(
                f"outputs must be a list of output lists (one per example, as net(x) returns); "
                f"example {i + 1} is {type(a).__name__}"
            )
        if not isinstance(y, Sequence):
            raise TypeError(
                f"targets must be a list of target lists; example {i + 1} is {type(y).__name__}"
            )
        if len(a) != len(y):
            raise ValueError(
                f"example {i + 1}: the network gives {len(a)} outputs but the target has "
                f"{len(y)} entries"
            )
        for j, (a_j, y_j) in enumerate(zip(a, y)):
            if not isinstance(a_j, Value):
                raise TypeError(f"output {j + 1} of example {i + 1} must be a Value, got {a_j!r}")
            if isinstance(y_j, bool) or not isinstance(y_j, Real):
                raise TypeError(f"target {j + 1} of example {i + 1} must be a number, got {y_j!r}")
    return len(outputs)
