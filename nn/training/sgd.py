"""Mini-batch stochastic gradient descent, the lecture's way of learning w and b.

The cost C is an average over the n training examples, so its gradient is the
average of the examples' gradients. SGD estimates it from a small random batch
of m examples at a time and takes a step against it:

    w -> w - eta * dC_batch/dw,    b -> b - eta * dC_batch/db

One pass through the shuffled training data, batch by batch, is an *epoch*;
each step is an *iteration*. The lecture names the two knobs that matter: the
batch size m and the number of iterations.

``train`` is that loop, read top to bottom in ``_run`` and ``_steps``:
shuffle, cut into batches, a step on each, then C measured. Whatever watches
the run is a callback the loop calls with what it did (``nn.training.callbacks``):
the progress bar, the user's ``on_epoch``, the time machine
(``nn.training.trajectory``) and the warnings where training cannot learn
(``nn.training.watchers``). The numbers go down from the loop to them; none
calls back. What was asked is checked before anything changes
(``nn.training.plan``), and signals are turned into a stop between two steps
(``nn.training.guard``).

Training can stop (Ctrl-C) and go on later, ``train(..., resume=history)``,
and ends with the weights of a run that never stopped: the history keeps where
the shuffling was (``nn.training.records``).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from autodiff import Value, collector_paused
from autodiff.validate import excerpt
from nn.data.datasets import Example
from nn.model.costs import quadratic_cost
from nn.model.layers import MLP
from nn.training.callbacks import (
    TRAINING,
    Callbacks,
    OnEpoch,
    Step,
    measuring,
    progress_bar,
)
from nn.training.engines import Engine, choose_engine
from nn.training.guard import Guard, guarded, say_on_stderr
from nn.training.metrics import accuracy
from nn.training.plan import Plan
from nn.training.plan import plan as plan_training
from nn.training.records import History, Measured, ShuffleState
from nn.training.trajectory import Trajectory
from nn.training.watchers import (
    GROWTH,
    VANISHED,
    FlatCost,
    Saturation,
    check_targets,
    diverging,
    sample,
    warn,
)

__all__ = ["History", "TrainingDiverged", "train"]

CostFunction = Callable[[Sequence[Sequence[Value]], Sequence[Sequence[float]]], Value]


def train(
    net: MLP,
    data: Sequence[Example],
    *,
    epochs: int | None = None,
    iterations: int | None = None,
    batch_size: int | None = None,
    eta: float | None = None,
    cost: CostFunction | str = quadratic_cost,
    seed: int | None = None,
    test_data: Sequence[Example] | None = None,
    progress: bool = True,
    on_epoch: Callable[[History], None] | None = None,
    engine: str = "auto",
    device: str | None = None,
    resume: History | None = None,
    keep: str | None = None,
) -> History:
    """Train ``net`` on ``data`` by mini-batch SGD and return its ``History``.

    Args:
        net: the network; its parameters are updated in place.
        data: the training examples, a list of (x, y) pairs, or a pair (X, y)
            of arrays as ``nn.data.datasets.from_arrays`` takes them.
        epochs: passes over the data. Give this or ``iterations``, not both.
        iterations: SGD steps in all (the last epoch may be partial).
        batch_size: m, the number of examples per step (1 <= m <= len(data)).
        eta: the learning rate, > 0.
        cost: a cost over a batch: an ``nn.Cost`` such as ``quadratic_cost`` (the
            default), its name ("quadratic"), or a function of Values building C.
        seed: seeds the shuffling, a whole number >= 0; with a seeded net, the
            same seed gives the same history, bit for bit.
        test_data: examples to evaluate after each epoch, never learned from.
        progress: show a progress bar (tqdm) when on a terminal or in Jupyter.
        on_epoch: called with the history after each epoch (to print or plot it).
        engine: what computes C and dC/dw (``nn.training.engines``): "values" builds
            Values every step, "replay" replays one recorded example, the same
            numbers bit for bit; "auto" (the default) replays where it can;
            "torch" trains with PyTorch in float64, the same SGD to rounding.
        device: where engine="torch" computes: "cpu" (the default) or "cuda"
            (a GPU, where PyTorch sees one).
        resume: the history of an earlier ``train`` of this net on this data,
            to go on from where it stopped. ``epochs`` and ``iterations`` then
            count from the start of that training (``epochs=10`` after 4 is 6
            more; left out, they are what it was asked for), and ``batch_size``,
            ``eta`` and ``seed`` default to its own. The result is the
            history of the whole training, and the weights those of one
            uninterrupted run.
        keep: "steps" keeps every SGD step (the weights after it, its gradient,
            its batch's cost and examples) in ``history.steps``, compactly, so
            that ``history.network_at(k)``, ``gradients_at(k)`` and
            ``replay_from(k, ...)`` can go back to any of them (``nn.training.trajectory``);
            None (the default) keeps only the history per epoch.

    Arguments are checked before anything changes: TypeError for a wrong kind,
    ValueError for a wrong value (a cross-entropy cost with a linear output
    layer, say). If the cost or a parameter stops being finite, raises
    ``TrainingDiverged`` naming the epoch and batch; the parameters are left as
    they were before that step, and the error keeps the last good ones (its
    ``weights`` and ``history``: those after the epoch with the lowest C).
    If C grows a thousandfold in one epoch, training is diverging: it stops
    there and goes back to the epoch with the lowest C, saying so, and
    ``history.interrupted`` is set (resume goes on from there, with a
    smaller eta). Where
    training cannot learn (targets out of the outputs' reach, deltas that
    vanished, C flat for ten epochs) a RuntimeWarning says so; the history
    keeps every warning in ``warnings`` (``nn.training.watchers``: the
    thresholds). Ctrl-C (or SIGTERM) stops after the current
    step and returns the history so far, with ``history.interrupted`` set
    (``nn.training.guard``).

    Python's cyclic garbage collector is paused while training (and put back
    as it was, however training ends): the graphs have no reference cycles,
    so reference counting frees them, and the collector's walks over them
    would cost more time than the arithmetic (``autodiff.collector_paused``).
    """
    plan = plan_training(net, data, test_data, resume, on_epoch, epochs=epochs,
                         iterations=iterations, batch_size=batch_size, eta=eta, cost=cost,
                         seed=seed, engine=engine)
    backend = choose_engine(net, plan.cost, engine, device=device)
    passes = Passes(len(plan.examples), plan.batch_size, plan.arguments["seed"], plan.shuffle)
    steps = plan.history.steps = _time_machine(keep, net, plan, passes)
    out_of_reach = check_targets(net, plan.examples, plan.history)
    watching = Callbacks([*progress_bar(progress), *([steps] if steps is not None else []),
                          Saturation(plan.eta, out_of_reach), FlatCost(),
                          *([OnEpoch(on_epoch)] if on_epoch is not None else [])])
    with collector_paused(), guarded(_say_stopping) as guard:
        guard.learning = True
        return _run(net, backend, plan, passes, watching, guard)


def _run(net: MLP, backend: Engine, plan: Plan, passes: Passes, watching: Callbacks,
         guard: Guard) -> History:
    """The loop: an epoch at a time, SGD steps on its shuffled batches, then C measured;
    the callbacks told of each. Returns the history; stops early for a signal, or where
    C diverges (back to the last good weights)."""
    history, steps = plan.history, plan.steps_done
    watching.begin(plan.total_steps - steps)
    try:
        seconds = _prepare(backend, plan.examples, watching)
        best = _Checkpoint(_cost_now(backend, plan), net, history, steps)
        start = before = best.C
        while steps < plan.total_steps and not guard.stopping:
            batches = passes.batches(plan.examples, plan.batch_size)[: plan.total_steps - steps]
            watching.shuffled(passes.state())
            started = time.perf_counter()
            steps = _steps(net, backend, batches, plan, passes, steps, watching, guard)
            seconds += time.perf_counter() - started
            history.add_epoch(passes.epoch, steps, _measure(backend, plan, passes, watching),
                              seconds)
            history.shuffle, seconds = passes.state(), 0.0
            watching.epoch(history)
            C = history.cost[-1]
            if diverging(C, before, start):
                _go_back(net, history, best, watching, f"{before:.4g}", plan.eta)
                break
            before, best = C, best if best.C <= C else _Checkpoint(C, net, history, steps)
        history.interrupted = history.interrupted or guard.stopping
    except TrainingDiverged as error:  # (not before the checkpoint: the data is checked)
        error.weights, error.history = best.weights, history.until(best.epochs, best.shuffle)
        raise
    finally:
        watching.end(history)
    return history


def _steps(net: MLP, backend: Engine, batches: list[list[Example]], plan: Plan,
           passes: Passes, steps: int, watching: Callbacks, guard: Guard) -> int:
    """An SGD step on each batch in turn, until they run out or a signal stops the run.

    Returns the number of steps taken in all. However it ends, the
    network's Values hold the weights afterwards (``write_back``).
    """
    try:
        for batch in batches:
            C = _sgd_step(backend, batch, plan.eta, passes.epoch, passes.batch + 1)
            passes.batch += 1
            steps += 1
            if watching.wants_weights:
                backend.write_back()  # (where the engine keeps the weights apart: torch)
            watching.step(Step(steps, passes.epoch, passes.batch, C,
                               passes.just_done(plan.batch_size), net, _vanished(backend, C)))
            if guard.stopping:
                break
    finally:
        backend.write_back()
    return steps


def _sgd_step(backend: Engine, batch: Sequence[Example], eta: float, epoch: int, b: int) -> float:
    """One step: C on the batch and its gradient, then p -> p - eta * dC/dp. Returns C.

    The engine refuses a step that would make a parameter inf or NaN before
    changing anything, so the parameters stay those before the step.
    """
    try:
        return backend.step(batch, eta)
    except NUMERICAL_ERRORS as error:
        raise _diverged(epoch, b, eta, str(error)) from error


def _vanished(backend: Engine, C: float) -> bool | str:
    """Whether the step's dC/dp were all at most VANISHED times sqrt(C) ("exactly" if all 0)."""
    if not (C > 0.0 and backend.vanished(VANISHED * math.sqrt(C))):
        return False
    return "exactly" if backend.vanished(0.0) else True


def _prepare(backend: Engine, examples: Sequence[Example], watching: Callbacks) -> float:
    """The engine's one-off work before the first step, the bar saying what it waits for;
    returns its seconds (counted in the first epoch's time)."""
    started = time.perf_counter()
    backend.prepare(examples, watching.say)
    watching.say(TRAINING)
    return time.perf_counter() - started


def _measure(backend: Engine, plan: Plan, passes: Passes, watching: Callbacks) -> Measured:
    """C and the accuracy on the training data (and test data) after an epoch."""
    watching.say(measuring(len(plan.examples), len(plan.test_data or ())))
    try:
        C, accuracy = _evaluate(backend, plan.examples)
        test_C, test_accuracy = _evaluate(backend, plan.test_data) if plan.test_data else \
            (None, None)
    except NUMERICAL_ERRORS as error:  # the last step left finite weights, but C is not
        backend.undo()
        raise _diverged(passes.epoch, passes.batch, plan.eta,
                        f"after this step C {_fails(error)}") from error
    return C, accuracy, test_C, test_accuracy


def _evaluate(backend: Engine, data: Sequence[Example]) -> tuple[float, float | None]:
    """C over the data and the accuracy, as ``nn.training.metrics.evaluate`` gives them."""
    C, outputs = backend.evaluate(data)
    return C, accuracy(outputs, [y for _, y in data])


def _cost_now(backend: Engine, plan: Plan) -> float | None:
    """C of the network as training begins: the last one measured, or, for a new training,
    C on a sample of the data (None if it cannot be computed)."""
    if plan.history.cost:
        return plan.history.cost[-1]
    try:
        return backend.evaluate(sample(plan.examples))[0]
    except NUMERICAL_ERRORS:
        return None


# ---------------------------------------------------------------- divergence


class TrainingDiverged(ArithmeticError):
    """The cost or a parameter stopped being a finite number during training.

    Attributes:
        reason: where and how it diverged ("training diverged in epoch 3, batch 2: ...").
        eta: the learning rate it diverged with.
        weights: the last good parameters (after the epoch with the lowest C,
            or as training began), in the order of ``net.parameters()``.
        history: the history as it was then, with where the shuffling stood:
            a model saved with both can be resumed from there.
    """

    def __init__(self, reason: str, eta: float) -> None:
        super().__init__(f"{reason}. The parameters are those before this step. Try a smaller "
                         f"learning rate than eta = {eta}.")
        self.reason, self.eta = reason, eta
        self.weights: list[float] | None = None
        self.history: History | None = None


# What the engine and the costs raise when the numbers leave their domain: an
# overflow, a division by zero, or (ValueError) a saturated sigmoid under the
# cross-entropy cost. The data itself is checked before training starts.
NUMERICAL_ERRORS = (OverflowError, ZeroDivisionError, ValueError)


class _Checkpoint:
    """The network and history at the lowest C so far: where a diverging training goes back."""

    def __init__(self, C: float | None, net: MLP, history: History, steps: int) -> None:
        self.C = math.inf if C is None else C
        self.weights = [p.data for p in net.parameters()]
        self.epochs, self.steps, self.shuffle = len(history), steps, history.shuffle


def _go_back(net: MLP, history: History, best: _Checkpoint, watching: Callbacks,
             before: str, eta: float) -> None:
    """C is diverging (it grew from ``before``): say so, and put the network and history
    back at the checkpoint."""
    where = (f"the one after epoch {history.epoch[best.epochs - 1]} (C = {best.C:.4g})"
             if best.epochs else "as it was before training")
    warn(history, f"training diverged: C grew from {before} "
                  f"to {history.cost[-1]:.4g} in epoch {history.epoch[-1]}, more than "
                  f"{GROWTH:g} times, so training stopped there; the network is "
                  f"{where}. Try a smaller learning rate than eta = {eta}")
    for p, w in zip(net.parameters(), best.weights):
        p.data = w
    history.back_to(best.epochs)
    history.shuffle = best.shuffle
    history.interrupted = True  # (stopped before the end: resume goes on from here)
    watching.rewound(best.steps)


def _fails(error: Exception) -> str:
    """How C failed, for the message: 'overflows (...)' or 'cannot be computed (...)'."""
    how = "overflows" if isinstance(error, OverflowError) else "cannot be computed"
    return f"{how} ({error})"


def _diverged(epoch: int, b: int, eta: float, what: str) -> TrainingDiverged:
    return TrainingDiverged(f"training diverged in epoch {epoch}, batch {b}: {what}", eta)


# ---------------------------------------------------------------- the time machine


class TimeMachine(Trajectory):
    """The record of ``train(..., keep="steps")``, which can also branch: a branch is a
    training, so this part of the time machine lives beside ``train``."""

    def replay_from(self, k: int, history: History, **knobs: Any) -> tuple[MLP, History]:
        """Train again from step k with other knobs (``Trajectory.branch`` says how);
        returns (the new network, its History)."""
        net, keywords = self.branch(k, history, **knobs)
        return net, train(net, **keywords)


def _time_machine(keep: object, net: MLP, plan: Plan, passes: Passes) -> TimeMachine | None:
    """A record of every step to come, for keep="steps"; None for keep=None."""
    if keep is None:
        return None
    if keep != "steps":
        raise ValueError(f'keep must be "steps" (keep every SGD step) or None, got {excerpt(keep)}')
    return TimeMachine(net, plan.examples, plan.test_data, plan.cost, plan.arguments,
                       plan.steps_done, passes.state())


def _say_stopping(words: str) -> None:
    say_on_stderr(f"nn.train: {words}: stopping after this step; train() returns what was "
                  "learned so far (history.interrupted)")


# ---------------------------------------------------------------- the shuffled passes


class Passes:
    """The shuffled passes over the data: the order of each epoch, and where in it SGD is.

    Every epoch shuffles the order of the one before with ``random.Random(seed)``,
    the lecture's recipe; ``state()`` is where it is, and a ``ShuffleState``
    given to the constructor goes on from there.
    """

    def __init__(self, n: int, m: int, seed: int | None, state: ShuffleState | None = None
                 ) -> None:
        self.per_epoch = math.ceil(n / m)
        self.rng = random.Random(seed)
        self.order = list(range(n))
        self.epoch, self.batch = 0, self.per_epoch  # an epoch begins with the first step
        if state is not None:
            self.rng.setstate(state.rng)
            self.order = list(state.order)
            self.epoch, self.batch = state.epoch, state.batch

    def batches(self, examples: Sequence[Example], m: int) -> list[list[Example]]:
        """The batches of the epoch under way that are still to come (a new epoch's if done)."""
        if self.batch >= self.per_epoch:
            self.epoch += 1
            self.batch = 0
            self.rng.shuffle(self.order)
        shuffled = [examples[i] for i in self.order]
        return [shuffled[start : start + m] for start in range(self.batch * m, len(shuffled), m)]

    def just_done(self, m: int) -> list[int]:
        """The positions in the data of the examples of the batch just done."""
        return self.order[(self.batch - 1) * m : self.batch * m]

    def state(self) -> ShuffleState:
        return ShuffleState(self.rng.getstate(), list(self.order), self.epoch, self.batch)
