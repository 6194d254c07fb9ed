"""Engines for ``nn.train``: interchangeable ways to the same C and dC/dw.

Training asks two things of a network and its cost, whatever does the work:

    engine.gradient(batch) -> C
        C on a batch of examples (x, y), leaving every parameter's ``grad`` at
        dC/dw_jk^l or dC/db_j^l, exactly as ``net.zero_grad(); C.backward()``
        leaves it; the SGD step w -> w - eta dC/dw is then ``train``'s own;
    engine.evaluate(data) -> (C, outputs)
        C over the data, and each example's output a^L as a list of floats
        (to count the right answers with ``nn.metrics.accuracy``); no grad
        changes.

An engine is made for one network and one cost. Two are here:

* ``ValuesEngine`` builds C from Values and calls ``C.backward()``, the
  lecture's backpropagation as the engine does it, and the reference;
* ``ReplayEngine`` records the graph of one example once and replays it on
  new numbers, the same floats several times faster.

``choose_engine(net, cost, "auto" | "replay" | "values")`` picks one as
``train(..., engine=...)`` asks. Each engine class says when it cannot train
a network (``cannot_train``) and how it is made for training (``for_training``),
so a further engine (PyTorch's, say) is one more class in ``KINDS``.
"""

from __future__ import annotations

import struct
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Protocol

from autodiff import Value, record, topological_order
from autodiff.validate import excerpt
from nn.costs import COSTS, Cost
from nn.data import Example, check_data
from nn.layers import MLP

Outputs = list[list[float]]


class Engine(Protocol):
    """What ``train`` needs of an engine; see the module's docstring."""

    net: MLP
    cost: Callable

    def gradient(self, batch: Sequence[Example]) -> float: ...

    def evaluate(self, data: Sequence[Example]) -> tuple[float, Outputs]: ...


class ValuesEngine:
    """C built from Values, then ``C.backward()``: the chain rule over the whole batch's graph.

    >>> from nn.costs import quadratic_cost
    >>> net = MLP([2, 3, 1], seed=0)
    >>> engine = ValuesEngine(net, quadratic_cost)
    >>> C = engine.gradient([([0.0, 1.0], [1.0]), ([1.0, 0.0], [0.0])])
    >>> grads = [p.grad for p in net.parameters()]   # dC/dw and dC/db of this batch

    Works with any network and any cost made of Values.
    """

    name = "values"

    def __init__(self, net: MLP, cost: Callable) -> None:
        self.net = net
        self.cost = cost

    @staticmethod
    def cannot_train(net: object, cost: Callable) -> str | None:
        """Why this engine cannot train ``net`` with ``cost``: never, so None."""
        return None

    @classmethod
    def for_training(cls, net: MLP, cost: Callable) -> ValuesEngine:
        return cls(net, cost)

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

    def evaluate(self, data: Sequence[Example]) -> tuple[float, Outputs]:
        """C over ``data`` and each example's a^L, from the graph of C (no ``backward()``)."""
        net = self.net
        data = check_data(data, net.sizes[0], net.sizes[-1])
        outputs = [net(x) for x, _ in data]
        C = self.cost(outputs, [y for _, y in data])
        return C.data, [[a_j.data for a_j in a] for a in outputs]


class ReplayEngine:
    """The gradients of a cost by replaying one recorded example for every example.

    >>> from nn.costs import quadratic_cost
    >>> net = MLP([2, 3, 1], seed=0)
    >>> engine = ReplayEngine(net, quadratic_cost)
    >>> C = engine.gradient([([0.0, 1.0], [1.0]), ([1.0, 0.0], [0.0])])
    >>> grads = [p.grad for p in net.parameters()]  # as after C.backward() on the batch

    The values engine builds, for every batch, the graph of

        C = k(n) * sum_i sum_j c(a_j(x_i), y_ij)

    and calls ``C.backward()``. The graph is the same every time; only x, y
    and the weights change. This engine records it with ``autodiff.record``
    and replays it instead, as straight-line Python over floats.

    What it records is not the whole batch but *one example*: the lecture's
    second assumption about C, "an average of per-example errors", is what
    makes this exact. In the batch's graph the examples share nothing but the
    weights, and ``backward()`` goes through one example's nodes before the
    next one's, so

        dC/dw = ((0 + dC_i/dw) + dC_j/dw) + ...,    C_i = k * e_i

    over the examples i, j, ... in the order ``backward()`` visits them, where
    e_i is example i's error (the sum of its terms c) and k = k(n) the cost's
    factor. So one tape of C_i = k * e_i, with x_i, y_i and k as its inputs,
    replayed for each example with the weights' grads adding up
    (``Tape.accumulate``), gives the very floats the batch's graph gives. The
    terms and k come from the cost's own definition (``nn.costs.Cost``), the
    one the values engine builds C from. Which example ``backward()`` visits
    first is the autodiff engine's business (``autodiff.topological_order``):
    this engine asks it once, on a batch of three. C itself is the sum of the
    terms in the batch's order, times k. One example keeps the tape small
    whatever the batch size, and one tape serves batches of every size.

    ``evaluate`` replays a second tape, of the terms and a^L, that only goes
    forward. Whenever a tape cannot be sure of giving what the values engine
    gives (an operation would fail, a number stops being finite, the cost's
    ``check_output`` refuses an a_j), that step or evaluation is done by the
    values engine itself, so errors are the same too. And to be sure of the
    rest, the first step and the first evaluation are done by both engines
    and compared bit for bit; should they differ (a bug: say ``autodiff``
    changed a formula the tape copied), the engine warns and hands
    everything to the values engine from then on.

    Attributes:
        tape: the ``autodiff.Tape`` of one example, recorded at the first step.
        fallbacks: how many steps and evaluations were left to the values engine.
        disabled: why replay gave up, if it did (None while it replays).
    """

    name = "replay"

    def __init__(self, net: MLP, cost: Cost) -> None:
        self._net = weakref.ref(net)  # (the engine is kept with the net: it must not keep it alive)
        self.shape = _shape(net)
        self.cost = cost
        self.params = net.parameters()
        self.tape = None  # recorded at the first step, with its numbers
        self.forward_tape = None  # the terms and a^L without backward, for evaluate
        self.last_first: bool | None = None  # does backward() visit the last example first?
        self.fallbacks = 0
        self.checked = {"gradient": False, "evaluate": False}  # compared once with values
        self.disabled: str | None = None

    @property
    def net(self) -> MLP:
        return self._net()

    @staticmethod
    def cannot_train(net: object, cost: Callable) -> str | None:
        """Why replay cannot train ``net`` with ``cost``, or None when it can."""
        if not isinstance(net, MLP):
            return f"the network must be an nn.MLP, got {type(net).__name__}"
        if not isinstance(cost, Cost):
            names = ", ".join(c.__name__ for c in COSTS.values())
            found = getattr(cost, "__name__", repr(cost))
            return f"replay knows the costs {names} (any nn.costs.Cost), got {found}"
        return None

    @classmethod
    def for_training(cls, net: MLP, cost: Cost) -> ReplayEngine:
        """The engine kept with ``net`` for ``cost``, so that training it in several
        calls of ``train`` records (and checks) once; a new one if the net has changed."""
        engines = _KEPT.setdefault(net, {})
        engine = engines.get(cost)
        if engine is None or engine.shape != _shape(net):
            engine = engines[cost] = cls(net, cost)
        return engine

    def gradient(self, batch: Sequence[Example]) -> float:
        """C on the batch; sets every parameter's ``grad`` to dC/dp, as ``C.backward()`` would.

        Raises what building C from Values and calling ``backward()`` raises.
        """
        if self.disabled:
            return self._values().gradient(batch)
        try:
            C, grads = self._replay(batch)
        except (ArithmeticError, ValueError):
            C, grads = None, None
        if C is None:  # be sure: let the values engine do this step, errors and all
            self.fallbacks += 1
            return self._values().gradient(batch)
        if not self.checked["gradient"]:  # trust, once verified
            self.checked["gradient"] = True
            C_values = self._values().gradient(batch)
            if _bits([C, *grads]) != _bits([C_values, *(p.grad for p in self.params)]):
                self._disable("C or a gradient of the first step")
            return C_values
        for p, g in zip(self.params, grads):
            p.grad = g
        return C

    def evaluate(self, data: Sequence[Example]) -> tuple[float, Outputs]:
        """C over ``data`` and each example's a^L: what ``ValuesEngine.evaluate`` gives."""
        if self.disabled:
            return self._values().evaluate(data)
        try:
            data = check_data(data, self.net.sizes[0], self.net.sizes[-1])
            C, outputs = self._replay_forward(data)
        except (ArithmeticError, ValueError):
            C, outputs = None, None
        if C is None:
            self.fallbacks += 1
            return self._values().evaluate(data)
        if not self.checked["evaluate"]:  # trust, once verified
            self.checked["evaluate"] = True
            expected = self._values().evaluate(data)
            if _bits([C, *_flat(outputs)]) != _bits([expected[0], *_flat(expected[1])]):
                self._disable("C or an output a^L of the first evaluation")
            return expected
        # leave the layers' z and a as the values engine does: those of the last example
        self.net(data[-1][0])
        return C, outputs

    def _values(self) -> ValuesEngine:
        return ValuesEngine(self.net, self.cost)

    def _disable(self, what: str) -> None:
        """Replay disagrees with the values engine: a bug. Say so, and train on without it."""
        self.disabled = what
        warnings.warn(
            f"nn.engines: {what} differs from the values engine's, so this training goes on "
            "with engine='values'. This is a bug in the replay engine (perhaps autodiff "
            "changed an operation's formula): please report it.",
            RuntimeWarning,
            stacklevel=2,
        )

    def _inputs(self, x: Sequence[float], y: Sequence[float]) -> list[float]:
        """One example's numbers as the tapes take them: x, then the cost's numbers for each y_j."""
        return [*x, *(t for y_j in y for t in self.cost.prepare(y_j))]

    def _replay(self, batch: Sequence[Example]) -> tuple[float | None, list[float] | None]:
        k = self.cost.factor(len(batch))
        inputs = [[*self._inputs(x, y), k] for x, y in batch]
        if self.tape is None:
            self.last_first = self._visits_last_example_first(*batch[0])
            self.tape = self._record(inputs[0])
        if self.last_first is None:  # an order replay cannot follow
            return None, None
        weights = [p.data for p in self.params]
        if self.last_first:
            outputs, grads = self.tape.accumulate(inputs[::-1], weights)
            outputs.reverse()
        else:
            outputs, grads = self.tape.accumulate(inputs, weights)
        C, _ = self._cost([example[1:] for example in outputs], k)
        return C, grads

    def _visits_last_example_first(self, x: Sequence[float], y: Sequence[float]) -> bool | None:
        """In which order ``backward()`` goes through a batch's examples: ask it.

        ``backward()`` visits the nodes in the reverse of ``topological_order``,
        so look where that puts the outputs of a batch of three copies of one
        example, C built by the cost itself. None if the order is neither.
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

    def _example(self, inputs: list[float]) -> tuple[list[Value], list[Value], list[Value]]:
        """The graph of one example from leaves for its numbers: (leaves, a^L, its terms c).

        The graph is the network's own (its parameters are the tapes' params),
        then the cost's terms for each output node, as the cost builds them.
        """
        leaves = [Value(v) for v in inputs]
        n_1, n_L = self.net.sizes[0], self.net.sizes[-1]
        a = self.net(leaves[:n_1])
        targets = leaves[n_1:]
        width = len(targets) // n_L  # the numbers the cost's term takes beside each a_j
        terms = [self.cost.term(a_j, *targets[j * width : (j + 1) * width])
                 for j, a_j in enumerate(a)]
        return leaves, a, terms

    def _record(self, inputs: list[float]):
        """The tape of C_i = k * e_i for one example (then its terms and a^L), k its last
        input; the numbers only serve the recording."""
        leaves, a, terms = self._example(inputs[:-1])
        k = Value(inputs[-1])
        e = terms[0]
        for term in terms[1:]:
            e = e + term
        return record([e * k, *terms, *a], inputs=[*leaves, k], params=self.params)

    def _replay_forward(self, data: Sequence[Example]) -> tuple[float | None, Outputs]:
        """C over ``data`` and each example's a^L, from a forward-only tape."""
        inputs = [self._inputs(x, y) for x, y in data]
        if self.forward_tape is None:
            leaves, a, terms = self._example(inputs[0])
            self.forward_tape = record([*terms, *a], inputs=leaves, params=self.params,
                                       backward=False)
        outputs, _ = self.forward_tape.accumulate(inputs, [p.data for p in self.params])
        return self._cost(outputs, self.cost.factor(len(data)))

    def _cost(self, examples: list[list[float]], k: float) -> tuple[float | None, Outputs]:
        """C and each example's a^L, from each example's replayed terms and a^L.

        The outputs are checked as the cost checks them (a refused one raises,
        and the values engine takes over); C is k times the terms added one by
        one, as the cost adds them, or None where the cost's graph would refuse
        an infinite sum.
        """
        n_L = self.net.sizes[-1]
        outputs = [example[n_L:] for example in examples]
        for i, a in enumerate(outputs):
            for j, a_j in enumerate(a):
                self.cost.check_output(a_j, i, j)
        total = None
        for example in examples:
            for term in example[:n_L]:
                total = term if total is None else total + term
        C = total * k
        return (C if C - C == 0.0 else None), outputs


# What auto tries, in order: the first engine that can train the network.
KINDS: dict[str, type] = {"replay": ReplayEngine, "values": ValuesEngine}
ENGINES = ("auto", *KINDS)


def choose_engine(net: MLP, cost: Callable, engine: str = "auto") -> Engine:
    """The engine ``train(..., engine=...)`` uses for ``net`` and ``cost``.

    "auto" replays when it can (an ``MLP`` and a ``nn.costs.Cost``) and builds
    Values otherwise; "replay" insists, and says why it cannot; "values"
    builds every graph from Values.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {excerpt(engine)}")
    for name in KINDS if engine == "auto" else (engine,):
        why_not = KINDS[name].cannot_train(net, cost)
        if why_not is None:
            return KINDS[name].for_training(net, cost)
    raise ValueError(f"engine={engine!r} cannot train this: {why_not}; use engine='values'")


# The replay engines of each net, by cost, while the net lives.
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _shape(net: MLP) -> tuple:
    """What a recorded graph depends on: which Values the parameters are, and each sigma."""
    return (
        tuple(map(id, net.parameters())),
        tuple(neuron.activation for layer in net.layers for neuron in layer.neurons),
    )


def _bits(xs: list[float]) -> bytes:
    """The floats' exact bytes: equal only if the floats are identical (0.0 is not -0.0)."""
    return struct.pack(f"<{len(xs)}d", *xs)


def _flat(outputs: Outputs) -> list[float]:
    return [a_j for a in outputs for a_j in a]
