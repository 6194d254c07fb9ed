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

from autodiff import Value, collector_paused
from autodiff.validate import plural, positive_number, whole_number
from nn.costs import quadratic_cost
from nn.data import Example, check_data
from nn.engines import Engine, choose_engine
from nn.layers import MLP
from nn.metrics import accuracy

CostFunction = Callable[[Sequence[Sequence[Value]], Sequence[Sequence[float]]], Value]


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
    seconds spent learning in the epoch (evaluation excluded; the first
    epoch's includes the engine's one-off preparation for its steps, such as
    recording the tape replay's steps replay); ``iterations``
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
    cost: CostFunction = quadratic_cost,
    seed: int | None = None,
    test_data: Sequence[Example] | None = None,
    progress: bool = True,
    on_epoch: Callable[[History], None] | None = None,
    engine: str = "auto",
    device: str | None = None,
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
        engine: what computes C and dC/dw (``nn.engines``): "values" builds
            Values every step, "replay" replays one recorded example, the same
            numbers bit for bit; "auto" (the default) replays where it can;
            "torch" trains with PyTorch in float64, the same SGD to rounding.
        device: where engine="torch" computes: "cpu" (the default) or "cuda"
            (a GPU, where PyTorch sees one).

    If the cost or a parameter stops being finite, raises ``TrainingDiverged``
    naming the epoch and batch; the parameters are left as they were before
    that step. Ctrl-C stops after the current step and returns the history so
    far, with ``history.interrupted`` set.

    Python's cyclic garbage collector is paused while training (and put back
    as it was, however training ends): the graphs have no reference cycles,
    so reference counting frees them, and the collector's walks over them
    would cost more time than the arithmetic (``autodiff.collector_paused``).
    """
    total_steps, batch_size, eta = _check_arguments(data, epochs, iterations, batch_size, eta)
    examples, test_data = _check_data(net, data, test_data)
    backend = choose_engine(net, cost, engine, device=device)
    rng = random.Random(seed)
    history = History()
    steps = epoch = 0
    with (collector_paused(), _progress_bar(total_steps, progress) as bar,
          _interrupt_flag() as interrupted):
        preparing = _prepare(backend, examples, bar)
        while steps < total_steps and not interrupted.is_set():
            epoch += 1
            rng.shuffle(examples)
            batches = _batches(examples, batch_size)[: total_steps - steps]
            b, elapsed = _learn(backend, batches, eta, epoch, bar, interrupted)
            steps += b
            bar.set_description_str(_measuring(examples, test_data))
            try:
                _record(history, backend, examples, test_data, epoch, steps, elapsed + preparing)
            except NUMERICAL_ERRORS as error:  # the last step left finite weights, but C is not
                backend.undo()
                raise _diverged(epoch, b, eta, f"after this step C {_fails(error)}") from error
            bar.set_description_str(TRAINING)
            preparing = 0.0
            if on_epoch is not None:
                on_epoch(history)
        history.interrupted = interrupted.is_set()
    return history


TRAINING = "training"  # the progress bar's word while SGD steps are taken


def _prepare(backend: Engine, examples: list[Example], bar) -> float:
    """The engine's one-off work before the first step, the bar saying what it waits for;
    returns its seconds (counted in the first epoch's time)."""
    started = time.perf_counter()
    backend.prepare(examples, bar.set_description_str)
    bar.set_description_str(TRAINING)
    return time.perf_counter() - started


def _measuring(examples: list[Example], test_data: list[Example] | None) -> str:
    """What the bar says while C and the accuracy are measured after an epoch."""
    test = f" and {plural(len(test_data), 'test example')}" if test_data else ""
    return f"measuring C on {plural(len(examples), 'training example')}{test}"


def _check_data(
    net: MLP, data: Sequence[Example], test_data: Sequence[Example] | None
) -> tuple[list[Example], list[Example] | None]:
    """The training and test data checked against the network, as new lists of floats."""
    examples = check_data(data, net.sizes[0], net.sizes[-1])  # a copy: shuffling it is ours
    if test_data is not None:
        test_data = check_data(test_data, net.sizes[0], net.sizes[-1])
    return examples, test_data


def _batches(examples: list[Example], m: int) -> list[list[Example]]:
    """The examples cut, in their order, into batches of m (the last one may be smaller)."""
    return [examples[start : start + m] for start in range(0, len(examples), m)]


def _learn(
    backend: Engine, batches: list[list[Example]], eta: float, epoch: int, bar,
    interrupted: threading.Event,
) -> tuple[int, float]:
    """An SGD step on each batch in turn, until they run out or Ctrl-C is pressed.

    Returns the number of steps taken and the seconds they took. However it
    ends, the network's Values hold the weights afterwards (``write_back``).
    """
    started = time.perf_counter()
    try:
        for b, batch in enumerate(batches, start=1):
            C = _sgd_step(backend, batch, eta, epoch, b)
            bar.update(1)
            bar.set_postfix(epoch=epoch, C=f"{C:.4g}", refresh=False)
            if interrupted.is_set():
                break
    finally:
        backend.write_back()
    return b, time.perf_counter() - started


def _sgd_step(backend: Engine, batch: Sequence[Example], eta: float, epoch: int, b: int) -> float:
    """One step: C on the batch and its gradient, then p -> p - eta * dC/dp. Returns C.

    The engine refuses a step that would make a parameter inf or NaN before
    changing anything, so the parameters stay those before the step.
    """
    try:
        return backend.step(batch, eta)
    except NUMERICAL_ERRORS as error:
        raise _diverged(epoch, b, eta, str(error)) from error


def _fails(error: Exception) -> str:
    """How C failed, for the message: 'overflows (...)' or 'cannot be computed (...)'."""
    how = "overflows" if isinstance(error, OverflowError) else "cannot be computed"
    return f"{how} ({error})"


def _diverged(epoch: int, b: int, eta: float, what: str) -> TrainingDiverged:
    return TrainingDiverged(
        f"training diverged in epoch {epoch}, batch {b}: {what}. The parameters are those "
        f"before this step. Try a smaller learning rate than eta = {eta}."
    )


def _record(
    history: History, backend: Engine, data: list[Example], test_data: list[Example] | None,
    epoch: int, steps: int, elapsed: float,
) -> None:
    """Measure C and the accuracy on the training data (and test data) after an epoch."""
    C, accuracy = _measure(backend, data)
    test_C, test_accuracy = _measure(backend, test_data) if test_data else (None, None)
    history.epoch.append(epoch)
    history.iterations.append(steps)
    history.cost.append(C)
    history.accuracy.append(accuracy)
    history.test_cost.append(test_C)
    history.test_accuracy.append(test_accuracy)
    history.time.append(elapsed)


def _measure(backend: Engine, data: list[Example]) -> tuple[float, float | None]:
    """C over the data and the accuracy, as ``nn.metrics.evaluate`` gives them."""
    C, outputs = backend.evaluate(data)
    return C, accuracy(outputs, [y for _, y in data])


def _check_arguments(
    data: Sequence[Example], epochs: int | None, iterations: int | None, batch_size: int,
    eta: float,
) -> tuple[int, int, float]:
    """Check the knobs; return the number of SGD steps to take, m and eta.

    Numbers of numpy's types pass, as Python's do. Every mistake here is a
    ValueError, a number of the wrong type too: train has always promised that.
    """
    if not isinstance(data, Sequence) or len(data) == 0:
        raise ValueError("data must be a non-empty list of (x, y) examples")
    if (epochs is None) == (iterations is None):
        raise ValueError(
            "give exactly one of epochs (passes over the data) or iterations (SGD steps), "
            f"got epochs={epochs!r}, iterations={iterations!r}"
        )
    name, count = ("epochs", epochs) if iterations is None else ("iterations", iterations)
    try:
        count = whole_number(count, name, minimum=1)
        batch_size = whole_number(batch_size, "batch_size")
        eta = positive_number(eta, "the learning rate eta")
    except TypeError as error:
        raise ValueError(str(error)) from None
    if not 1 <= batch_size <= len(data):
        raise ValueError(
            f"batch_size must be between 1 and the number of examples ({len(data)}), "
            f"got {batch_size}"
        )
    if iterations is not None:
        return count, batch_size, eta
    return count * math.ceil(len(data) / batch_size), batch_size, eta


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **kwargs) -> None:
        pass

    def set_description_str(self, text: str) -> None:
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
    with tqdm(total=total, unit="step", desc=TRAINING) as bar:
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

