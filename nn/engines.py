"""Replay for ``nn.train``: record one example's graph once, replay it for every example.

``train(..., engine="values")`` builds, for every batch, the graph of

    C = 1/(2n) sum_i ||y_i - a(x_i)||^2

from Values and calls ``C.backward()``. The graph is the same every time; only
x, y and the weights change. ``engine="replay"`` (the default, when the network
and cost allow) records it with ``autodiff.record`` and replays it instead.

What it records is not the whole batch but *one example*: the lecture's second
assumption about C, "an average of per-example errors", is what makes this
exact. In the batch graph the examples share nothing but the weights, and
``backward()`` goes through one example's nodes before the next one's, so

    dC/dw = ((0 + dC_i/dw) + dC_j/dw) + ...,    C_i = k * e_i

over the examples i, j, ... in the order ``backward()`` visits them, where e_i
is example i's error (the sum of its output terms) and k the cost's factor
(1/(2n) for the quadratic cost, -1/n for cross-entropy). So one tape of
C_i = k * e_i, with x_i, y_i and k as its inputs, replayed for each example
with the weights' grads adding up (``Tape.accumulate``), gives the very floats
the batch graph gives. Which example ``backward()`` visits first is the
engine's business (its depth-first search): ``Replay`` asks it once, on a
batch of three. The cost C itself is the sum of the terms in the batch's
order, times k. Recording one example keeps the tape small whatever the batch
size (a full batch of a thousand examples would make a program too large to
compile quickly), and one tape serves batches of every size. The tapes stay
with the net while it lives, so training it in several calls of ``train``
records once; they are recorded again if a parameter is replaced by another
Value or a neuron's activation changes.

The evaluation after each epoch (C and the accuracy over all the data) is
replayed the same way, from a second tape that only goes forward. Nothing else
changes: the SGD update, the divergence checks and the history are ``train``'s
own. Whenever a tape cannot be sure of giving what the values engine gives (an
operation would fail, a number stops being finite), that step or evaluation is
done by the values engine itself, so errors are the same too. And to be sure
of the rest, the first step and the first evaluation are done by both engines
and compared bit for bit; should they differ (a bug: say ``value.py`` changed
a formula and this module was not told), replay warns and the training goes
on with the values engine.
"""

from __future__ import annotations

import struct
import warnings
import weakref
from collections.abc import Callable, Sequence

from autodiff import Value, record, topological_order
from nn.costs import cross_entropy_cost, quadratic_cost
from nn.data import check_data
from nn.layers import MLP

ENGINES = ("auto", "replay", "values")


def _bits(xs: list[float]) -> bytes:
    """The floats' exact bytes: equal only if the floats are identical (0.0 is not -0.0)."""
    return struct.pack(f"<{len(xs)}d", *xs)


def _quadratic_terms(a: list[Value], y: list[Value]) -> list[Value]:
    """||y - a||^2 term by term, as ``quadratic_cost`` builds it: (y_j - a_j)^2."""
    return [(y_j - a_j) ** 2 for a_j, y_j in zip(a, y)]


def _cross_entropy_terms(a: list[Value], y: list[Value]) -> list[Value]:
    """y ln a + (1 - y) ln(1 - a) term by term, as ``cross_entropy_cost`` builds it.

    The cost computes 1 - y_j on plain floats, so it is an input here (the
    second half of ``y``), not an operation of the graph.
    """
    n_L = len(a)
    return [y[j] * a[j].log() + y[n_L + j] * (1.0 - a[j]).log() for j in range(n_L)]


# For each cost the replay engine knows: its terms for one example, the targets
# as the tape takes them, and the factor k of C = k * (sum of all terms).
_COSTS: dict[Callable, tuple[Callable, Callable, Callable]] = {
    quadratic_cost: (_quadratic_terms, lambda y: list(y), lambda n: 1.0 / (2 * n)),
    cross_entropy_cost: (
        _cross_entropy_terms,
        lambda y: [*y, *(1.0 - y_j for y_j in y)],
        lambda n: -1.0 / n,
    ),
}


def replay_engine(net: MLP, cost: Callable, engine: str) -> Replay | None:
    """The ``Replay`` for ``train``'s ``engine`` argument, or None for the values engine.

    "auto" replays when it can (an ``MLP`` with one of ``nn.cost``'s costs);
    "replay" insists and says why it cannot; "values" builds every graph.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "values":
        return None
    why_not = _why_not(net, cost)
    if why_not is None:
        # One Replay per net and cost, kept while the net lives, so that training
        # in several calls records (and checks) once; unless the net has changed.
        replays = _REPLAYS.setdefault(net, {})
        replay = replays.get(cost)
        if replay is None or replay.shape != _shape(net):
            replay = replays[cost] = Replay(net, cost)
        return replay
    if engine == "replay":
        raise ValueError(f"engine='replay' cannot train this: {why_not}; use engine='values'")
    return None


_REPLAYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _shape(net: MLP) -> tuple:
    """What the recorded graph depends on: which Values the parameters are, and each sigma."""
    return (
        tuple(map(id, net.parameters())),
        tuple(neuron.activation for layer in net.layers for neuron in layer.neurons),
    )


def _why_not(net: object, cost: Callable) -> str | None:
    if not isinstance(net, MLP):
        return f"the network must be an nn.MLP, got {type(net).__name__}"
    if cost not in _COSTS:
        names = ", ".join(f.__name__ for f in _COSTS)
        return f"replay knows the costs {names}, got {getattr(cost, '__name__', repr(cost))}"
    return None


class Replay:
    """Gradients of a cost for ``train``, by replaying one recorded example per example.

    >>> net = MLP([2, 3, 1], seed=0)
    >>> replay = Replay(net, quadratic_cost)
    >>> C = replay.gradient([([0.0, 1.0], [1.0]), ([1.0, 0.0], [0.0])])
    >>> grads = [p.grad for p in net.parameters()]  # as after C.backward() on the batch

    Attributes:
        tape: the ``autodiff.Tape`` of one example, recorded at the first step.
        fallbacks: the number of steps handed to the values engine.
    """

    def __init__(self, net: MLP, cost: Callable) -> None:
        self._net = weakref.ref(net)  # (the net's cache entry must not keep it alive)
        self.shape = _shape(net)
        self.cost = cost
        self.terms, self.targets, self.factor = _COSTS[cost]
        self.params = net.parameters()
        self.tape = None  # recorded at the first example, with its numbers
        self.forward_tape = None  # the same without backward, for evaluate
        self.last_first = None  # does backward() visit the batch's last example first?
        self.fallbacks = 0  # steps left to the values engine
        self.checked = {"gradient": False, "evaluate": False}  # compared once with values
        self.disabled: str | None = None  # why replay gave up, if it did

    @property
    def net(self) -> MLP:
        return self._net()

    def gradient(self, batch: Sequence[tuple[Sequence[float], Sequence[float]]]) -> float:
        """C on the batch; sets every parameter's ``grad`` to dC/dp, as ``C.backward()`` would.

        Raises what building C from Values and calling ``backward()`` raises.
        """
        if self.disabled:
            return self._values(batch)
        weights = [p.data for p in self.params]
        try:
            C, grads = self._replay(batch, weights)
        except (ArithmeticError, ValueError):
            C, grads = None, None
        if C is None:  # be sure: let the values engine do this step, errors and all
            self.fallbacks += 1
            return self._values(batch)
        if not self.checked["gradient"]:  # trust, once verified
            self.checked["gradient"] = True
            C_values = self._values(batch)
            if _bits([C, *grads]) != _bits([C_values, *(p.grad for p in self.params)]):
                self._disable("C or a gradient of the first step")
            return C_values
        for p, g in zip(self.params, grads):
            p.grad = g
        return C

    def _replay(self, batch, weights: list[float]) -> tuple[float | None, list[float] | None]:
        k = self.factor(len(batch))
        inputs = [[*x, *self.targets(y), k] for x, y in batch]
        if self.tape is None:
            self.last_first = self._visits_last_example_first(*batch[0])
            self.tape = self._record(inputs[0])
        if self.last_first is None:  # an order replay cannot follow
            return None, None
        if self.last_first:
            outputs, grads = self.tape.accumulate(inputs[::-1], weights)
            outputs.reverse()
        else:
            outputs, grads = self.tape.accumulate(inputs, weights)
        total = None
        for example in outputs:
            for term in example[1:]:  # C's sum, term by term in the batch's order
                total = term if total is None else total + term
        C = total * k
        if C - C != 0.0:  # the batch graph's sum nodes would refuse an inf
            return None, None
        return C, grads

    def _visits_last_example_first(self, x: Sequence[float], y: Sequence[float]) -> bool | None:
        """In which order ``backward()`` goes through a batch's examples: ask it.

        The order is the engine's choice (its depth-first search), so look
        at a batch of three copies of one example, built by the cost itself.
        Each example's nodes are visited together; None if they are not.
        """
        outputs = [self.net(x) for _ in range(3)]
        order = topological_order(self.cost(outputs, [y] * 3))
        position = {id(v): i for i, v in enumerate(order)}
        first, second, third = (position[id(a[0])] for a in outputs)
        if first < second < third:  # listed last, so visited first (backward goes in reverse)
            return True
        if first > second > third:
            return False
        return None

    def _record(self, inputs: list[float]):
        """The tape of C_i = k * e_i for one example; its numbers only serve the recording.

        The graph is the network's own (its parameters are the tape's params),
        followed by the cost's terms for this example, as the cost builds them.
        """
        leaves = [Value(v) for v in inputs]
        n_1 = self.net.sizes[0]
        x, y, k = leaves[:n_1], leaves[n_1:-1], leaves[-1]
        terms = self.terms(self.net(x), y)
        e = terms[0]
        for term in terms[1:]:
            e = e + term
        return record([e * k, *terms], inputs=leaves, params=self.params)

    def evaluate(self, net: MLP, data: Sequence, cost: Callable) -> tuple[float, float | None]:
        """``nn.train.evaluate`` by replay: C over ``data``, and the accuracy or None.

        The same numbers as ``evaluate``, which builds the graph of C over all
        the data (without ``backward()``); ``evaluate`` itself when replay
        cannot be sure, so errors are the same too.
        """
        from nn.sgd import is_classification, predicted_class, true_class  # (a cycle)

        if net is not self.net or cost is not self.cost or self.disabled:
            return self._evaluate_values(net, data, cost)
        try:
            check_data(data, net.sizes[0], net.sizes[-1])
            C, outputs = self._outputs(data)
        except (ArithmeticError, ValueError):
            C = None
        if C is None:
            self.fallbacks += 1
            return self._evaluate_values(net, data, cost)
        targets = [y for _, y in data]
        if not is_classification(targets):
            accuracy = None
        else:
            right = sum(predicted_class(a) == true_class(y) for a, y in zip(outputs, targets))
            accuracy = right / len(data)
        if not self.checked["evaluate"]:  # trust, once verified
            self.checked["evaluate"] = True
            expected = self._evaluate_values(net, data, cost)
            if _bits([C]) != _bits([expected[0]]) or accuracy != expected[1]:
                self._disable("C or the accuracy of the first evaluation")
            return expected
        # leave the layers' z and a as evaluate does: those of the last example
        net(data[-1][0])
        return C, accuracy

    def _disable(self, what: str) -> None:
        """Replay disagrees with the values engine: a bug. Say so, and train on without it."""
        self.disabled = what
        warnings.warn(
            f"nn.replay: {what} differs from the values engine's, so this training goes on "
            "with engine='values'. This is a bug in nn.replay (perhaps autodiff.value or "
            "nn.cost changed a formula): please report it.",
            RuntimeWarning,
            stacklevel=4,
        )

    def _outputs(self, data: Sequence) -> tuple[float | None, list[list[float]]]:
        """C over ``data`` and each example's a^L, from a forward-only tape."""
        inputs = [[*x, *self.targets(y)] for x, y in data]
        if self.forward_tape is None:
            leaves = [Value(v) for v in inputs[0]]
            n_1 = self.net.sizes[0]
            a = self.net(leaves[:n_1])
            terms = self.terms(a, leaves[n_1:])
            self.forward_tape = record([*terms, *a], inputs=leaves, params=self.params,
                                       backward=False)
        outputs, _ = self.forward_tape.accumulate(inputs, [p.data for p in self.params])
        n_L = self.net.sizes[-1]
        total = None
        for example in outputs:
            for term in example[:n_L]:  # C's sum, term by term, as the cost adds them
                total = term if total is None else total + term
        C = total * self.factor(len(data))
        if C - C != 0.0:  # the cost's sum nodes would refuse an inf
            return None, []
        return C, [example[n_L:] for example in outputs]

    @staticmethod
    def _evaluate_values(net: MLP, data: Sequence, cost: Callable) -> tuple[float, float | None]:
        from nn.sgd import evaluate

        return evaluate(net, data, cost)

    def _values(self, batch) -> float:
        """The values engine's step: build C from Values, then backward()."""
        net = self.net
        C = self.cost([net(x) for x, _ in batch], [y for _, y in batch])
        net.zero_grad()
        C.backward()
        return C.data
