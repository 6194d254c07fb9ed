"""A training time machine: every SGD step kept, to look at any of them or branch from it.

``train(net, data, ..., keep="steps")`` records, for every step, the weights
and biases after it, the gradient it took, the batch's cost and which examples
were in the batch. The history then answers for any step k (k = 0 is before
the first step):

>>> from nn import MLP, train
>>> from nn.data.datasets import xor
>>> net = MLP([2, 2, 1], seed=0)
>>> history = train(net, xor(), epochs=50, batch_size=2, eta=2.0, seed=0,
...                 progress=False, keep="steps")
>>> early = history.network_at(10)         # the network as it was after 10 steps
>>> g = history.gradients_at(10)           # dC/dp of step 10, by the lecture's names
>>> net2, branch = history.replay_from(10, eta=0.5)   # the same run from there, eta changed

``network_at(k)`` is, bit for bit, the network a run stopped after k steps
would have. The numbers are kept compactly, as arrays of doubles: a [2, 8, 1]
network's (33 parameters) weights and gradient take 528 bytes a step, and with
its batch and each epoch's shuffle about 2 kB a step, 2 MB for 1,000 steps
(``benchmarks/bench_time_machine.py`` measures it).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

from autodiff import Value
from autodiff.validate import whole_number
from nn.data.datasets import Dataset
from nn.model.layers import MLP
from nn.training.callbacks import Callback, Step
from nn.training.metrics import evaluate
from nn.training.records import History, ShuffleState


class Trajectory(Callback):
    """The record of every SGD step of one ``train`` call (see the module docstring).

    A callback of ``train``'s loop (``nn.training.callbacks``): it is told of
    each epoch's order and each step, and keeps them. ``first`` is the
    number of steps taken before the record began (0 for a new training,
    more when it resumed one); the record covers steps ``first .. last``.
    Made by ``train``; read through the History.
    """

    wants_weights = True  # (each step's weights and gradient are kept)

    def __init__(self, net: MLP, data: Dataset, test_data: Dataset | None,
                 cost: Callable[..., Value], arguments: dict[str, Any], first: int,
                 start_state: ShuffleState) -> None:
        self.sizes = list(net.sizes)
        self.activations = list(net.activations)
        self.init = net.init
        self.labels = [p.label for p in net.parameters()]
        self.data, self.test_data, self.cost = data, test_data, cost
        self.arguments = dict(arguments)
        self.first = first
        self.start = array("d", (p.data for p in net.parameters()))
        self.start_state = start_state
        self.params, self.grads, self.costs = array("d"), array("d"), array("d")
        self.batch_examples, self.batch_ends = array("l"), array("l")
        self.epochs, self.batches_done = array("l"), array("l")
        # epoch -> (the generator's state after its shuffle, its order)
        self.epoch_states: dict[int, tuple[tuple[Any, ...], list[int]]] = {}

    # ------------------------------------------------------------------ recording

    def shuffled(self, state: ShuffleState) -> None:
        """Keep the epoch's order and the generator's state after drawing it."""
        self.epoch_states.setdefault(state.epoch, (state.rng, list(state.order)))

    def step(self, step: Step) -> None:
        """Keep the step just taken: the parameters after it, its gradient, C, its batch."""
        params = step.net.parameters()
        self.params.extend(p.data for p in params)
        self.grads.extend(p.grad for p in params)
        self.costs.append(step.C)
        self.batch_examples.extend(step.examples)
        self.batch_ends.append(len(self.batch_examples))
        self.epochs.append(step.epoch)
        self.batches_done.append(step.batch)

    def rewound(self, steps: int) -> None:
        """Forget the steps after ``steps``."""
        kept = steps - self.first
        n = len(self.start)
        del self.params[kept * n:], self.grads[kept * n:], self.costs[kept:]
        del self.batch_examples[(self.batch_ends[kept - 1] if kept else 0):]
        del self.batch_ends[kept:], self.epochs[kept:], self.batches_done[kept:]

    # ------------------------------------------------------------------ reading

    @property
    def last(self) -> int:
        """The number of the last step kept."""
        return self.first + len(self.costs)

    def __len__(self) -> int:
        return len(self.costs)

    @property
    def nbytes(self) -> int:
        """The bytes the recorded numbers take."""
        arrays = (self.start, self.params, self.grads, self.costs, self.batch_examples,
                  self.batch_ends, self.epochs, self.batches_done)
        return sum(a.itemsize * len(a) for a in arrays)

    def _step(self, k: object, *, taken: bool = False) -> int:
        """k as a whole number of steps the record covers (``taken``: k >= first + 1)."""
        k = whole_number(k, "step")
        low = self.first + 1 if taken else self.first
        if not low <= k <= self.last:
            what = "a step taken" if taken else "a step"
            raise ValueError(f"step must be {what} of this training, from {low} to {self.last}, "
                             f"got {k}")
        return k

    def weights_at(self, k: int) -> list[float]:
        """The parameters after step k, in the order of ``net.parameters()``."""
        k = self._step(k)
        if k == self.first:
            return list(self.start)
        n = len(self.start)
        i = k - self.first - 1
        return list(self.params[i * n : (i + 1) * n])

    def network_at(self, k: int) -> MLP:
        """A new network with the weights and biases it had after step k."""
        net = MLP(self.sizes, self.activations, init=self.init)
        for p, w in zip(net.parameters(), self.weights_at(k)):
            p.data = w
        return net

    def gradients_at(self, k: int) -> dict[str, float]:
        """dC/dp of step k's batch, by the lecture's names ("w_12^3": dC/dw_12^3, ...)."""
        k = self._step(k, taken=True)
        n = len(self.start)
        i = k - self.first - 1
        return dict(zip(self.labels, self.grads[i * n : (i + 1) * n]))

    def cost_at(self, k: int) -> float:
        """C on step k's batch, before the step."""
        return self.costs[self._step(k, taken=True) - self.first - 1]

    def batch_at(self, k: int) -> list[int]:
        """The positions in the training data of step k's examples, in the batch's order."""
        i = self._step(k, taken=True) - self.first - 1
        begin = self.batch_ends[i - 1] if i else 0
        return list(self.batch_examples[begin : self.batch_ends[i]])

    # ------------------------------------------------------------------ branching

    def branch(self, k: int, history: History, *, eta: float | None = None,
               batch_size: int | None = None, epochs: int | None = None,
               iterations: int | None = None, progress: bool = False
               ) -> tuple[MLP, dict[str, Any]]:
        """Where a training again from step k with other knobs starts: (``network_at(k)``,
        the keywords of ``train`` that go on from there). ``History.replay_from`` trains it.

        The branch starts from ``network_at(k)``, on the same data with the
        same cost, and keeps its steps too. With the batch size unchanged it
        goes on as the run would have, in the same shuffled order (only the
        knobs given differ: with none, it repeats the run bit for bit). With
        another batch size the epoch under way is dropped, and the branch
        begins a new one shuffled by the run's seed. ``epochs`` and
        ``iterations`` count from the start, as for ``train(..., resume=)``;
        left out, they are the run's.
        """
        k = self._step(k)
        net = self.network_at(k)
        args = self.arguments
        if epochs is None and iterations is None:
            epochs, iterations = args.get("epochs"), args.get("iterations")
        knobs = {"data": self.data, "eta": args["eta"] if eta is None else eta,
                 "epochs": epochs, "iterations": iterations, "cost": self.cost,
                 "test_data": self.test_data, "engine": args.get("engine", "auto"),
                 "progress": progress, "keep": "steps"}
        same_m = batch_size is None or batch_size == args["batch_size"]
        if same_m and k > 0:
            return net, {**knobs, "resume": self._history_at(k, history, net)}
        if k > 0 and epochs is not None:  # a new run: its epochs are its own
            raise ValueError("a branch with another batch_size is a new training: give its "
                             "length as iterations (steps from this one), not epochs")
        if epochs is not None:
            knobs["iterations"] = None
        elif iterations is not None:
            knobs["iterations"] = iterations - (k if same_m else 0)
        return net, {**knobs, "batch_size": batch_size or args["batch_size"],
                     "seed": args["seed"]}

    def _history_at(self, k: int, history: History, net: MLP) -> History:
        """The history a run stopped after step k would have: what ``resume`` goes on from."""
        if k == self.first:
            shuffle = self.start_state
        else:
            i = k - self.first - 1
            epoch = self.epochs[i]
            rng, order = self.epoch_states[epoch]
            shuffle = ShuffleState(rng, list(order), epoch, self.batches_done[i])
        past = history.until(sum(steps <= k for steps in history.iterations), shuffle)
        past.warnings = []
        if not past.iterations or past.iterations[-1] != k:  # stopped within an epoch
            self._add_partial_epoch(past, shuffle.epoch, k, net)
        return past

    def _add_partial_epoch(self, past: History, epoch: int, k: int, net: MLP) -> None:
        """An entry for the epoch under way at step k, measured now, as an interrupted run
        records one (it is replaced when the epoch is finished)."""
        C, accuracy = evaluate(net, self.data, self.cost)
        test_C, test_accuracy = (evaluate(net, self.test_data, self.cost) if self.test_data
                                 else (None, None))
        past.add_epoch(epoch, k, (C, accuracy, test_C, test_accuracy), 0.0)
