"""The values engine: C built from Values and ``C.backward()``, the reference every engine meets.

``ValuesEngine`` is the lecture's backpropagation as the engine does it: for each
batch the graph of C over its examples, then ``C.backward()``, then the SGD step
on the network's own Values (``StepsOnValues``). The other engines
(``nn.training.engines``) give its numbers, and where they cannot be sure of
them (an overflow, say) they hand it the step, so that its errors are theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autodiff import Value, collector_paused
from autodiff.validate import finite_vectors
from nn.data.datasets import Example, checked_data
from nn.model.costs import Cost
from nn.model.layers import MLP

Outputs = list[list[float]]
Say = Callable[[str], None]
CostFunction = Callable[..., Value]  # C of the outputs a^L and targets y: a Cost, or any


class StepsOnValues:
    """The SGD step of an engine whose weights are the network's own Values.

    ``gradient`` leaves each p.grad at dC/dp; the step then sets
    p.data -> p.data - eta * p.grad, or refuses (an OverflowError naming the
    parameter) before changing anything if one would stop being finite.
    """

    params: list[Value]
    _before: list[float] | None = None
    gradient: Callable[[Sequence[Example]], float]  # (each engine's own: C, and p.grad set)

    def step(self, batch: Sequence[Example], eta: float) -> float:
        """C on the batch, then w -> w - eta dC/dw for every parameter. Returns C."""
        C = self.gradient(batch)
        params = self.params
        before = [p.data for p in params]
        updated = [w - eta * p.grad for w, p in zip(before, params)]
        total = sum(updated)
        if total - total != 0.0:  # an inf or a NaN among them (or a false alarm)
            for p, new in zip(params, updated):
                if new - new != 0.0:
                    raise OverflowError(f"{p.label or 'a parameter'} would become {new!r}")
        for p, new in zip(params, updated):
            p.data = new
        self._before = before
        return C

    def undo(self) -> None:
        """Put the parameters back as they were before the last step."""
        if self._before is not None:
            for p, w in zip(self.params, self._before):
                p.data = w
            self._before = None

    def vanished(self, below: float = 0.0) -> bool:
        """True when the last step's dC/dp were all at most ``below`` in size (0: exactly 0)."""
        return not any(p.grad > below or p.grad < -below for p in self.params)

    def write_back(self) -> None:
        """Nothing to do: the network's Values are the weights."""


class ValuesEngine(StepsOnValues):
    """C built from Values, then ``C.backward()``: the chain rule over the whole batch's graph.

    >>> from nn.model.costs import quadratic_cost
    >>> net = MLP([2, 3, 1], seed=0)
    >>> engine = ValuesEngine(net, quadratic_cost)
    >>> C = engine.gradient([([0.0, 1.0], [1.0]), ([1.0, 0.0], [0.0])])
    >>> grads = [p.grad for p in net.parameters()]   # dC/dw and dC/db of this batch

    Works with any network and any cost made of Values. Its graphs are built
    with the garbage collector paused (``autodiff.collector_paused``).
    """

    name = "values"

    def __init__(self, net: MLP, cost: CostFunction) -> None:
        self.net = net
        self.cost = cost
        self.params = net.parameters()

    @staticmethod
    def cannot_train(net: object, cost: CostFunction) -> str | None:
        """Why this engine cannot train ``net`` with ``cost``: never, so None."""
        return None

    @classmethod
    def for_training(cls, net: MLP, cost: CostFunction) -> ValuesEngine:
        return cls(net, cost)

    def prepare(self, data: Sequence[Example], say: Say) -> None:
        """Nothing to prepare: every step builds its graph anew."""

    @collector_paused()
    def gradient(self, batch: Sequence[Example]) -> float:
        """C on the batch; every parameter's ``grad`` set to dC/dp by ``C.backward()``."""
        net = self.net
        C = self.cost([net(x) for x, _ in batch], [y for _, y in batch])
        if not isinstance(C, Value):
            raise TypeError(f"the cost must return C as a Value (built from the outputs, so "
                            f"that C.backward() works), got {type(C).__name__}")
        net.zero_grad()
        C.backward()
        return C.data

    @collector_paused()
    def evaluate(self, data: Sequence[Example]) -> tuple[float, Outputs]:
        """C over ``data`` and each example's a^L (no ``backward()``).

        For a ``Cost``, one example's graph at a time: C = k(n) sum_i e_i is
        a sum over the examples, so their graphs need not all be alive at
        once, and adding the terms' numbers in the cost's order gives C's
        very float. Another cost is built over all the data, as it says.
        """
        net, cost = self.net, self.cost
        data = checked_data(data, net.sizes[0], net.sizes[-1])
        if not isinstance(cost, Cost):
            a_L = [net(x) for x, _ in data]
            C = cost(a_L, [y for _, y in data])
            return C.data, [[a_j.data for a_j in a] for a in a_L]
        total: float | None = None
        outputs: Outputs = []
        for i, (x, y) in enumerate(data):
            a = net(x)
            for term in cost.terms(a, y, i):
                total = term.data if total is None else _add(total, term.data)
            outputs.append([a_j.data for a_j in a])
        assert total is not None  # (checked_data refuses no data)
        return total * cost.factor(len(data)), outputs

    @collector_paused()
    def outputs(self, xs: Sequence[Sequence[float]]) -> Outputs:
        """a^L for each input x, as ``net(x)`` gives it."""
        xs = finite_vectors(xs, self.net.sizes[0], "xs")
        return [[a_j.data for a_j in self.net(x)] for x in xs]


def _add(total: float, term: float) -> float:
    """total + term, refused as the engine refuses a sum that overflows."""
    new = total + term
    if new - new != 0.0:
        Value(total) + Value(term)  # raises the engine's own OverflowError, naming both
    return new
