"""Engines for ``nn.train``: interchangeable ways to the same C and dC/dw.

Training asks a few things of a network and its cost, whatever does the work:

    engine.gradient(batch) -> C
        C on a batch of examples (x, y), leaving every parameter's ``grad`` at
        dC/dw_jk^l or dC/db_j^l, exactly as ``net.zero_grad(); C.backward()``
        leaves it;
    engine.step(batch, eta) -> C
        the same, then the SGD step w -> w - eta dC/dw for every parameter
        (refused, nothing changed, if a parameter would stop being finite);
        ``engine.undo()`` takes the last step back;
    engine.evaluate(data) -> (C, outputs)
        C over the data, and each example's output a^L as a list of floats
        (to count the right answers with ``nn.training.metrics.accuracy``); no grad
        changes;
    engine.outputs(xs) -> outputs
        a^L for each input x alone (a picture's grid of points, say).

and, for its progress bar, ``engine.prepare(data, say)`` does the one-off
work of learning before the first step (telling ``say`` what it waits for), and
``engine.write_back()`` makes the network's Values hold the weights (for an
engine that keeps them elsewhere while it trains).

An engine is made for one network and one cost. There are three:

* ``nn.training.values_engine.ValuesEngine`` builds C from Values and calls
  ``C.backward()``, the lecture's backpropagation as the engine does it, and
  the reference;
* ``ReplayEngine`` records the graph of one example once and replays it on
  new numbers, the same floats several times faster;
* ``nn.training.torch_bridge.TorchEngine``, "the standard package": PyTorch in float64 on the
  CPU or a GPU, the same SGD to about 1e-15 (imported only when asked for).

``choose_engine(net, cost, "auto" | "replay" | "values" | "torch")`` picks one
as ``train(..., engine=...)`` asks. Each engine class says when it cannot
train a network (``cannot_train``) and how it is made for training
(``for_training``).
"""

from __future__ import annotations

import struct
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Protocol

from autodiff import Value, collector_paused, record, topological_order
from autodiff.validate import excerpt, finite_vectors, plural
from nn.data.datasets import Example, checked_data
from nn.model.costs import COSTS, Cost
from nn.model.layers import MLP
from nn.training.values_engine import Outputs, Say, StepsOnValues, ValuesEngine

# How many examples replay and the values engine both compute, once, to be sure
# that replay gives the values engine's numbers: a few, not all the data.
SAMPLE = 3


class Engine(Protocol):
    """What ``train`` needs of an engine; see the module's docstring."""

    name: str
    net: MLP
    cost: Callable

    def gradient(self, batch: Sequence[Example]) -> float: ...

    def step(self, batch: Sequence[Example], eta: float) -> float: ...

    def undo(self) -> None: ...

    def vanished(self, below: float = 0.0) -> bool: ...

    def evaluate(self, data: Sequence[Example]) -> tuple[float, Outputs]: ...

    def outputs(self, xs: Sequence[Sequence[float]]) -> Outputs: ...

    def prepare(self, data: Sequence[Example], say: Say) -> None: ...

    def write_back(self) -> None: ...


class ReplayEngine(StepsOnValues):
    """The gradients of a cost by replaying one recorded example for every example.

    >>> from nn.model.costs import quadratic_cost
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
    terms and k come from the cost's own definition (``nn.model.costs.Cost``), the
    one the values engine builds C from. Which example ``backward()`` visits
    first is the autodiff engine's business (``autodiff.topological_order``):
    this engine asks it once, on a batch of three. C itself is the sum of the
    terms in the batch's order, times k. One example keeps the tape small
    whatever the batch size, and one tape serves batches of every size.

    ``evaluate`` replays a second tape, of the terms and a^L, that only goes
    forward, and ``outputs`` a third, of a^L alone. Whenever a tape cannot be
    sure of giving what the values engine gives (an operation would fail, a
    number stops being finite, the cost's ``check_output`` refuses an a_j),
    that step or evaluation is done by the values engine itself, so errors
    are the same too. And to be sure of the rest, the first time each tape is
    used both engines compute the first ``SAMPLE`` examples (a few, not the
    whole batch or data set) and the two are compared bit for bit; should
    they differ (a bug: say ``autodiff`` changed a formula the tape copied),
    the engine warns and hands everything to the values engine from then on.

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
        self.outputs_tape = None  # a^L of x alone, for outputs
        self.last_first: bool | None = None  # does backward() visit the last example first?
        self.fallbacks = 0
        self.checked = {"gradient": False, "evaluate": False, "outputs": False}
        self.disabled: str | None = None

    @property
    def net(self) -> MLP:
        return self._net()

    @staticmethod
    def cannot_train(net: object, cost: Callable) -> str | None:
        """Why replay cannot train ``net`` with ``cost``, or None when it can."""
        return why_not_an_mlp_and_a_cost(net, cost, "replay")

    @classmethod
    def for_training(cls, net: MLP, cost: Cost) -> ReplayEngine:
        """The engine kept with ``net`` for ``cost``, so that training it in several
        calls of ``train`` records (and checks) once; a new one if the net has changed."""
        engines = _KEPT.setdefault(net, {})
        engine = engines.get(cost)
        if engine is None or engine.shape != _shape(net):
            engine = engines[cost] = cls(net, cost)
        return engine

    def prepare(self, data: Sequence[Example], say: Say) -> None:
        """Record the tape the steps replay and check it on a few examples, saying so.

        (The forward-only tape is recorded at the first evaluation, and
        counted with it.)
        """
        if not self.checked["gradient"] and not self.disabled:
            say(f"recording the graph of one example, and checking it against the values "
                f"engine on {plural(min(SAMPLE, len(data)), 'example')} (once)")
            self._ready("gradient", data)

    def gradient(self, batch: Sequence[Example]) -> float:
        """C on the batch; sets every parameter's ``grad`` to dC/dp, as ``C.backward()`` would.

        Raises what building C from Values and calling ``backward()`` raises.
        """
        if self._ready("gradient", batch):
            C, grads = self._try(self._replay, batch)
            if C is not None:
                for p, g in zip(self.params, grads):
                    p.grad = g
                return C
        return self._fall_back().gradient(batch)  # errors and all

    def evaluate(self, data: Sequence[Example]) -> tuple[float, Outputs]:
        """C over ``data`` and each example's a^L: what ``ValuesEngine.evaluate`` gives."""
        data = checked_data(data, self.net.sizes[0], self.net.sizes[-1])
        if self._ready("evaluate", data):
            C, outputs = self._try(self._replay_forward, data)
            if C is not None:
                # leave the layers' z and a as the values engine does: the last example's
                with collector_paused():
                    self.net(data[-1][0])
                return C, outputs
        return self._fall_back().evaluate(data)

    def outputs(self, xs: Sequence[Sequence[float]]) -> Outputs:
        """a^L for each input x: what ``ValuesEngine.outputs`` gives."""
        xs = finite_vectors(xs, self.net.sizes[0], "xs")
        if self._ready("outputs", xs):
            outputs, _ = self._try(self._replay_outputs, xs)
            if outputs is not None:
                return outputs
        return self._fall_back().outputs(xs)

    # ------------------------------------------------------------ recorded and checked once

    def _ready(self, kind: str, numbers: Sequence) -> bool:
        """Whether replay may do this ``kind`` of work: its tape recorded (from the first
        example) and checked (on the first few), both done here the first time.

        False when replay has stood aside, or these numbers cannot be recorded
        (the values engine does this call, errors and all; the next one tries again).
        """
        if self.disabled:
            return False
        if getattr(self, TAPES[kind]) is None:
            try:
                with collector_paused():
                    getattr(self, f"_record_{kind}")(numbers[0])
            except (ArithmeticError, ValueError):
                return False
        if not self.checked[kind]:
            self._check(kind, list(numbers[:SAMPLE]))
        return not self.disabled

    def _check(self, kind: str, sample: list) -> None:
        """The sample by replay and by the values engine, compared bit for bit.

        If replay cannot be sure of these numbers (an error, an inf), the check
        waits for the next call; if the two differ, replay stands aside.
        """
        mine = self._try(getattr(self, f"_replay_{kind}_flat"), sample)
        if mine[0] is None:
            return
        self.checked[kind] = True
        try:
            with collector_paused():
                theirs = getattr(self, f"_values_{kind}_flat")(sample)
        except (ArithmeticError, ValueError):
            theirs = None
        if theirs is None or _bits(mine) != _bits(theirs):
            self._disable(CHECKED[kind])

    def _replay_gradient_flat(self, sample: Sequence[Example]) -> list[float | None]:
        C, grads = self._replay(sample)
        return [None] if C is None else [C, *grads]

    def _values_gradient_flat(self, sample: Sequence[Example]) -> list[float]:
        C = self._values().gradient(sample)
        return [C, *(p.grad for p in self.params)]

    def _replay_evaluate_flat(self, sample: Sequence[Example]) -> list[float | None]:
        C, outputs = self._replay_forward(sample)
        return [None] if C is None else [C, *_flat(outputs)]

    def _values_evaluate_flat(self, sample: Sequence[Example]) -> list[float]:
        C, outputs = self._values().evaluate(sample)
        return [C, *_flat(outputs)]

    def _replay_outputs_flat(self, sample: Sequence[Sequence[float]]) -> list[float]:
        return _flat(self._replay_outputs(sample)[0])

    def _values_outputs_flat(self, sample: Sequence[Sequence[float]]) -> list[float]:
        return _flat(self._values().outputs(sample))

    @staticmethod
    def _try(replay: Callable, numbers) -> tuple:
        """``replay(numbers)``, or (None, None) where replay cannot be sure of the result."""
        try:
            return replay(numbers)
        except (ArithmeticError, ValueError):
            return None, None

    def _values(self) -> ValuesEngine:
        return ValuesEngine(self.net, self.cost)

    def _fall_back(self) -> ValuesEngine:
        """The values engine, for a call replay cannot be sure of (counted, unless replay
        has stood aside for good)."""
        if not self.disabled:
            self.fallbacks += 1
        return self._values()

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

    # ------------------------------------------------------------ the tapes

    def _inputs(self, x: Sequence[float], y: Sequence[float]) -> list[float]:
        """One example's numbers as the tapes take them: x, then the cost's numbers for each y_j."""
        return [*x, *(t for y_j in y for t in self.cost.prepare(y_j))]

    def _record_gradient(self, example: Example) -> None:
        """The tape of C_i = k * e_i for one example (then its terms and a^L), k its last
        input; the example's numbers only serve the recording."""
        x, y = example
        self.last_first = self._visits_last_example_first(x, y)
        leaves, a, terms = self._example(self._inputs(x, y))
        k = Value(self.cost.factor(1))
        e = terms[0]
        for term in terms[1:]:
            e = e + term
        self.tape = record([e * k, *terms, *a], inputs=[*leaves, k], params=self.params,
                           input_grads=False)

    def _record_evaluate(self, example: Example) -> None:
        """The tape of one example's terms and a^L, forward only."""
        leaves, a, terms = self._example(self._inputs(*example))
        self.forward_tape = record([*terms, *a], inputs=leaves, params=self.params,
                                   backward=False)

    def _replay(self, batch: Sequence[Example]) -> tuple[float | None, list[float] | None]:
        k = self.cost.factor(len(batch))
        inputs = [[*self._inputs(x, y), k] for x, y in batch]
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

    def _replay_forward(self, data: Sequence[Example]) -> tuple[float | None, Outputs]:
        """C over ``data`` and each example's a^L, from the forward-only tape."""
        inputs = [self._inputs(x, y) for x, y in data]
        outputs, _ = self.forward_tape.accumulate(inputs, [p.data for p in self.params])
        return self._cost(outputs, self.cost.factor(len(data)))

    def _record_outputs(self, x: Sequence[float]) -> None:
        """The tape of a^L from x alone, forward only."""
        leaves = [Value(v) for v in x]
        self.outputs_tape = record(self.net(leaves), inputs=leaves, params=self.params,
                                   backward=False)

    def _replay_outputs(self, xs: Sequence[Sequence[float]]) -> tuple[Outputs, None]:
        outputs, _ = self.outputs_tape.accumulate(xs, [p.data for p in self.params])
        return outputs, None

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


# Each kind of work replay does, and the tape it replays. For a kind, the methods
# _record_<kind> record its tape, and _replay_<kind>_flat and _values_<kind>_flat
# give the numbers its check compares; CHECKED says what differs if they differ.
TAPES = {"gradient": "tape", "evaluate": "forward_tape", "outputs": "outputs_tape"}
CHECKED = {"gradient": "C or a gradient of the first step",
           "evaluate": "C or an output a^L of the first evaluation",
           "outputs": "an output a^L of the first inputs"}


def why_not_an_mlp_and_a_cost(net: object, cost: Callable, engine: str) -> str | None:
    """Why ``engine`` cannot train ``net`` with ``cost`` (it needs an MLP and an ``nn.Cost``)."""
    if not isinstance(net, MLP):
        return f"the network must be an nn.MLP, got {type(net).__name__}"
    if not isinstance(cost, Cost):
        names = ", ".join(c.__name__ for c in COSTS.values())
        found = getattr(cost, "__name__", repr(cost))
        return f"{engine} knows the costs {names} (any nn.Cost), got {found}"
    return None


# What auto tries, in order: the first engine that can train the network.
KINDS: dict[str, type] = {"replay": ReplayEngine, "values": ValuesEngine}
# ... and one more on request, whose module imports PyTorch (nn.training.torch_bridge.TorchEngine).
ENGINES = ("auto", *KINDS, "torch")


def choose_engine(net: MLP, cost: Callable, engine: str = "auto", *,
                  device: str | None = None) -> Engine:
    """The engine ``train(..., engine=...)`` uses for ``net`` and ``cost``.

    "auto" replays when it can (an ``MLP`` and a ``nn.model.costs.Cost``) and builds
    Values otherwise; "replay" insists, and says why it cannot; "values"
    builds every graph from Values; "torch" trains with PyTorch, on
    ``device`` ("cpu", the default, or "cuda" for a GPU), and needs it
    installed. ``device`` is for "torch" alone.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {excerpt(engine)}")
    if device is not None and engine != "torch":
        raise ValueError(f"device={excerpt(device)} is for engine='torch' (PyTorch), "
                         f"not {engine!r}")
    if engine == "torch":
        why_not = why_not_an_mlp_and_a_cost(net, cost, "torch")
        if why_not is None:
            from nn.training.torch_bridge import (
                TorchEngine,  # PyTorch is imported here, when asked for
            )

            why_not = TorchEngine.cannot_train(net, cost)
            if why_not is None:
                return TorchEngine.for_training(net, cost, device=device)
    else:
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
        tuple(neuron.sigma for layer in net.layers for neuron in layer.neurons),
    )


def _bits(xs: list[float]) -> bytes:
    """The floats' exact bytes: equal only if the floats are identical (0.0 is not -0.0)."""
    return struct.pack(f"<{len(xs)}d", *xs)


def _flat(outputs: Outputs) -> list[float]:
    return [a_j for a in outputs for a_j in a]
