"""Mini-batch stochastic gradient descent, the lecture's way of learning w and b.

The cost C is an average over the n training examples, so its gradient is the
average of the examples' gradients. SGD estimates it from a small random batch
of m examples at a time and takes a step against it:

    w -> w - eta * dC_batch/dw,    b -> b - eta * dC_batch/db

One pass through the shuffled training data, batch by batch, is an *epoch*;
each step is an *iteration*. The lecture names the two knobs that matter: the
batch size m and the number of iterations.
"""

from __future__ import annotations

import math
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from autodiff import Value
from nn.costs import quadratic_cost
from nn.data import check_data
from nn.engines import Replay, replay_engine
from nn.layers import MLP

Example = tuple[Sequence[float], Sequence[float]]
Cost = Callable[[Sequence[Sequence[Value]], Sequence[Sequence[float]]], Value]


class TrainingDiverged(ArithmeticError):
    """The cost or a parameter stopped being a finite number during training."""


# What the engine and the costs raise when the numbers leave their domain: an
# overflow, a division by zero, or (ValueError) a saturated sigmoid under the
# cross-entropy cost. The data itself is checked before training starts.
NUMERICAL_ERRORS = (OverflowError, ZeroDivisionError, ValueError)


@dataclass
class History:
    """What happened in each epoch of ``train``: lists with one entry per epoch.

    ``cost`` and ``accuracy`` are measured on the whole training set after the
    epoch (accuracy only when the targets are classes, else None), ``test_cost``
    and ``test_accuracy`` likewise on ``test_data`` when given. ``time`` is the
    seconds spent learning in the epoch (evaluation excluded); ``iterations``
    the number of SGD steps taken by the end of it. ``nn.plots.plot_history``
    draws it.
    """

    epoch: list[int] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    test_cost: list[float | None] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    interrupted: bool = False

    def __len__(self) -> int:
        return len(self.epoch)

    def as_dict(self) -> dict:
        """The history as plain lists, ready for ``json.dump``."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def train(
    net: MLP,
    data: Sequence[Example],
    *,
    epochs: int | None = None,
    iterations: int | None = None,
    batch_size: int,
    eta: float,
    cost: Cost = quadratic_cost,
    seed: int | None = None,
    test_data: Sequence[Example] | None = None,
    progress: bool = True,
    on_epoch: Callable[[History], None] | None = None,
    engine: str = "auto",
) -> History:
    """Train ``net`` on ``data`` by mini-batch SGD and return its ``History``.

    Args:
        net: the network; its parameters are updated in place.
        data: the training examples, a list of (x, y) pairs.
        epochs: passes over the data. Give this or ``iterations``, not both.
        iterations: SGD steps in all (the last epoch may be partial).
        batch_size: m, the number of examples per step (1 <= m <= len(data)).
        eta: the learning rate, > 0.
        cost: a cost over a batch, such as ``quadratic_cost`` (the default).
        seed: seeds the shuffling; with a seeded net, the same seed gives the
            same history, bit for bit.
        test_data: examples to evaluate after each epoch, never learned from.
        progress: show a progress bar (tqdm) when on a terminal or in Jupyter.
        on_epoch: called with the history after each epoch (to print or plot it).
        engine: "replay" records the graph of one example once and replays it
            for every step and evaluation (``nn.replay``); "values" builds the
            graphs from Values each time. Both give the same numbers, bit for
            bit. "auto" (the default) replays when the network and cost allow
            (an MLP with one of ``nn.cost``'s costs).

    If the cost or a parameter stops being finite, raises ``TrainingDiverged``
    naming the epoch and batch; the parameters are left as they were before
    that step. Ctrl-C stops after the current step and returns the history so
    far, with ``history.interrupted`` set.
    """
    total_steps = _check_arguments(data, epochs, iterations, batch_size, eta)
    check_data(data, net.sizes[0], net.sizes[-1])
    if test_data is not None:
        check_data(test_data, net.sizes[0], net.sizes[-1])
    rng = random.Random(seed)
    examples = list(data)
    params = net.parameters()
    replay = replay_engine(net, cost, engine)  # None: the values engine
    history = History()
    steps_done = 0
    with _progress_bar(total_steps, progress) as bar, _interrupt_flag() as interrupted:
        epoch = 0
        while steps_done < total_steps and not interrupted.is_set():
            epoch += 1
            rng.shuffle(examples)
            started = time.perf_counter()
            for b, start in enumerate(range(0, len(examples), batch_size), start=1):
                batch = examples[start : start + batch_size]
                before = [p.data for p in params]  # to undo a step whose C overflows below
                C = _sgd_step(net, params, batch, cost, eta, epoch, b, replay)
                steps_done += 1
                bar.update(1)
                bar.set_postfix(epoch=epoch, C=f"{C:.4g}", refresh=False)
                if steps_done == total_steps or interrupted.is_set():
                    break
            elapsed = time.perf_counter() - started
            try:
                _record(history, net, cost, examples, test_data, epoch, steps_done, elapsed,
                        replay)
            except NUMERICAL_ERRORS as error:
                # the last step left finite weights but a cost that is not a number
                for p, old in zip(params, before):
                    p.data = old
                fails = "overflows" if isinstance(error, OverflowError) else "cannot be computed"
                what = f"after this step C {fails} ({error})"
                raise _diverged(epoch, b, eta, what) from error
            if on_epoch is not None:
                on_epoch(history)
        history.interrupted = interrupted.is_set()
    return history


def _sgd_step(
    net: MLP, params: list[Value], batch: Sequence[Example], cost: Cost, eta: float,
    epoch: int, b: int, replay: Replay | None = None,
) -> float:
    """One step: C on the batch, C.backward(), then p -= eta * dC/dp. Returns C."""
    try:
        if replay is not None:
            C = replay.gradient(batch)  # sets each p.grad as C.backward() does
        else:
            C = cost([net(x) for x, _ in batch], [y for _, y in batch])
            net.zero_grad()
            C.backward()
            C = C.data
    except NUMERICAL_ERRORS as error:
        raise _diverged(epoch, b, eta, str(error)) from error
    updated = [p.data - eta * p.grad for p in params]
    for p, new in zip(params, updated):
        if new - new != 0.0:  # inf or nan
            raise _diverged(epoch, b, eta, f"{p.label or 'a parameter'} would become {new!r}")
    for p, new in zip(params, updated):
        p.data = new
    return C


def _diverged(epoch: int, b: int, eta: float, what: str) -> TrainingDiverged:
    return TrainingDiverged(
        f"training diverged in epoch {epoch}, batch {b}: {what}. The parameters are those "
        f"before this step. Try a smaller learning rate than eta = {eta}."
    )


def evaluate(
    net: MLP, data: Sequence[Example], cost: Cost = quadratic_cost
) -> tuple[float, float | None]:
    """The cost C over ``data`` and the accuracy (None when the targets are not classes)."""
    check_data(data, net.sizes[0], net.sizes[-1])
    outputs = [net(x) for x, _ in data]
    targets = [y for _, y in data]
    C = cost(outputs, targets).data
    if not is_classification(targets):
        return C, None
    right = sum(predicted_class(a) == true_class(y) for a, y in zip(outputs, targets))
    return C, right / len(data)


def is_classification(targets: Sequence[Sequence[float]]) -> bool:
    """True when every target is a class: [0] or [1] for one output, one-hot for several."""
    for y in targets:
        if any(y_j not in (0.0, 1.0) for y_j in y):
            return False
        if len(y) > 1 and sum(y) != 1.0:
            return False
    return True


def predicted_class(a: Sequence[Value | float]) -> int:
    """The class a network's output stands for: a >= 0.5 for one output, else the argmax."""
    values = [v.data if isinstance(v, Value) else v for v in a]
    if len(values) == 1:
        return int(values[0] >= 0.5)
    return max(range(len(values)), key=values.__getitem__)


def true_class(y: Sequence[float]) -> int:
    """The class of a target: y itself for one output, else the position of the 1."""
    return int(y[0]) if len(y) == 1 else list(y).index(1.0)


def _record(
    history: History, net: MLP, cost: Cost, data: Sequence[Example],
    test_data: Sequence[Example] | None, epoch: int, steps: int, elapsed: float,
    replay: Replay | None = None,
) -> None:
    score = evaluate if replay is None else replay.evaluate  # the same numbers
    C, accuracy = score(net, data, cost)
    test_C, test_accuracy = score(net, test_data, cost) if test_data else (None, None)
    history.epoch.append(epoch)
    history.iterations.append(steps)
    history.cost.append(C)
    history.accuracy.append(accuracy)
    history.test_cost.append(test_C)
    history.test_accuracy.append(test_accuracy)
    history.time.append(elapsed)


def _check_arguments(
    data: Sequence[Example], epochs: int | None, iterations: int | None, batch_size: int,
    eta: float,
) -> int:
    """Validate the knobs; return the number of SGD steps to take."""
    if not isinstance(data, Sequence) or len(data) == 0:
        raise ValueError("data must be a non-empty list of (x, y) examples")
    if (epochs is None) == (iterations is None):
        raise ValueError(
            "give exactly one of epochs (passes over the data) or iterations (SGD steps), "
            f"got epochs={epochs!r}, iterations={iterations!r}"
        )
    for name, count in (("epochs", epochs), ("iterations", iterations)):
        if count is None:
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {count!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise ValueError(f"batch_size must be a whole number, got {batch_size!r}")
    if not 1 <= batch_size <= len(data):
        raise ValueError(
            f"batch_size must be between 1 and the number of examples ({len(data)}), "
            f"got {batch_size}"
        )
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not (
        eta > 0 and math.isfinite(eta)
    ):
        raise ValueError(f"the learning rate eta must be a positive number, got {eta!r}")
    if iterations is not None:
        return iterations
    return epochs * math.ceil(len(data) / batch_size)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **kwargs) -> None:
        pass


@contextmanager
def _progress_bar(total: int, wanted: bool) -> Iterator:
    """A tqdm bar over the SGD steps, when wanted, installed, and someone can see it."""
    if not (wanted and (_in_notebook() or sys.stderr.isatty())):
        yield _NoBar()
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        yield _NoBar()
        return
    with tqdm(total=total, unit="step", desc="training") as bar:
        yield bar


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None and hasattr(shell, "get_ipython") else None
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


@contextmanager
def _interrupt_flag() -> Iterator[threading.Event]:
    """Turn Ctrl-C into a flag checked between steps, so a step is never half applied."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum, frame):
        if flag.is_set():  # a second Ctrl-C: the user wants out now
            raise KeyboardInterrupt
        flag.set()

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)

