"""Mini-batch stochastic gradient descent, the lecture's way of learning w and b.

The cost C is an average over the n training examples, so its gradient is the
average of the examples' gradients. SGD estimates it from a small random batch
of m examples at a time and takes a step against it:

    w -> w - eta * dC_batch/dw,    b -> b - eta * dC_batch/db

One pass through the shuffled training data, batch by batch, is an *epoch*;
each step is an *iteration*. The lecture names the two knobs that matter: the
batch size m and the number of iterations.

Training can stop (Ctrl-C) and go on later, ``train(..., resume=history)``,
and ends with the weights of a run that never stopped: the history keeps where
the shuffling was (``nn.training.records``).
"""

from __future__ import annotations

import math
import random
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from autodiff import Value, collector_paused
from autodiff.validate import excerpt, plural, positive_number, random_seed, whole_number
from nn.data.datasets import Example, check_data
from nn.model.costs import Cost, cost_or_function, quadratic_cost
from nn.model.layers import MLP
from nn.training.engines import Engine, choose_engine
from nn.training.metrics import accuracy
from nn.training.records import History, ShuffleState
from nn.training.trajectory import Trajectory

__all__ = ["History", "TrainingDiverged", "train"]

CostFunction = Callable[[Sequence[Sequence[Value]], Sequence[Sequence[float]]], Value]


class TrainingDiverged(ArithmeticError):
    """The cost or a parameter stopped being a finite number during training."""


# What the engine and the costs raise when the numbers leave their domain: an
# overflow, a division by zero, or (ValueError) a saturated sigmoid under the
# cross-entropy cost. The data itself is checked before training starts.
NUMERICAL_ERRORS = (OverflowError, ZeroDivisionError, ValueError)


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
    they were before that step. If every dC/dw and dC/db stays 0 for a whole
    epoch while C > 0, the neurons have saturated and nothing can be learned
    any more: a RuntimeWarning says so (naming eta), and the history keeps it
    in ``warnings``. Ctrl-C stops after the current step and returns the
    history so far, with ``history.interrupted`` set.

    Python's cyclic garbage collector is paused while training (and put back
    as it was, however training ends): the graphs have no reference cycles,
    so reference counting frees them, and the collector's walks over them
    would cost more time than the arithmetic (``autodiff.collector_paused``).
    """
    examples, test_data = _check_data(net, data, test_data)
    cost = cost_or_function(cost)
    _check_functions(net, cost, on_epoch, examples, test_data)
    arguments = _arguments(len(examples), resume, epochs=epochs, iterations=iterations,
                           batch_size=batch_size, eta=eta, seed=seed, cost=cost, engine=engine)
    total_steps, batch_size, eta = _check_arguments(len(examples), arguments)
    backend = choose_engine(net, cost, engine, device=device)
    history, passes = _start(resume, arguments, len(examples), batch_size, total_steps)
    steps = history.iterations[-1] if history.iterations else 0
    history.steps = _trajectory(keep, net, examples, test_data, cost, arguments, steps, passes)
    warned = learned = False
    with (collector_paused(), _progress_bar(total_steps - steps, progress) as bar,
          _interrupt_flag() as interrupted):
        preparing = _prepare(backend, examples, bar)
        while steps < total_steps and not interrupted.is_set():
            batches = passes.batches(examples, batch_size)[: total_steps - steps]
            b, elapsed, still = _learn(backend, batches, eta, passes, bar, interrupted,
                                       history.steps, batch_size)
            steps += b
            bar.set_description_str(_measuring(examples, test_data))
            try:
                _record(history, backend, examples, test_data, passes.epoch, steps,
                        elapsed + preparing)
            except NUMERICAL_ERRORS as error:  # the last step left finite weights, but C is not
                backend.undo()
                raise _diverged(passes.epoch, passes.batch, eta,
                                f"after this step C {_fails(error)}") from error
            bar.set_description_str(TRAINING)
            preparing = 0.0
            if still == b and not warned:
                warned = _warn_saturated(history, passes.epoch, b, eta if learned else None)
            learned = learned or still < b
            history.shuffle = passes.state()
            if on_epoch is not None:
                on_epoch(history)
        history.interrupted = interrupted.is_set()
    return history


TRAINING = "training"  # the progress bar's word while SGD steps are taken


def _trajectory(keep: object, net: MLP, examples: list[Example],
                test_data: list[Example] | None, cost: Callable, arguments: dict, steps: int,
                passes: _Passes) -> Trajectory | None:
    """A record of every step to come, for keep="steps"; None for keep=None."""
    if keep is None:
        return None
    if keep != "steps":
        raise ValueError(f'keep must be "steps" (keep every SGD step) or None, got {excerpt(keep)}')
    return Trajectory(net, examples, test_data, cost, arguments, steps, passes, trainer=train)


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
    if not isinstance(net, MLP):
        raise TypeError(f"train() takes an nn.MLP as net, got {type(net).__name__}: "
                        f"{excerpt(net)}")
    examples = check_data(data, net.sizes[0], net.sizes[-1])  # a copy: shuffling it is ours
    if test_data is not None:
        test_data = check_data(test_data, net.sizes[0], net.sizes[-1], "test_data")
    return examples, test_data


def _check_functions(
    net: MLP, cost: object, on_epoch: object, examples: list[Example],
    test_data: list[Example] | None,
) -> None:
    """Refuse a cost that cannot work with this network and these targets, and an on_epoch
    that is not a function."""
    if not callable(cost):
        raise TypeError(f"cost must be a cost function such as nn.quadratic_cost, got "
                        f"{type(cost).__name__}: {excerpt(cost)}")
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch must be a function of the history (or None), got "
                        f"{type(on_epoch).__name__}: {excerpt(on_epoch)}")
    if isinstance(cost, Cost):
        cost.check_output_activation(net.layers[-1].sigma)
        for what, data in (("data", examples), ("test_data", test_data or [])):
            for i, (_, y) in enumerate(data):
                try:
                    for j, y_j in enumerate(y):
                        cost.check_target(y_j, i, j)
                except ValueError as error:
                    raise ValueError(f"{what}: {error}") from None
    else:  # a function of the user's: try it on one example before training on it
        x, y = examples[0]
        C = cost([net(x)], [y])
        if not isinstance(C, Value):
            raise TypeError(f"cost must return C as a Value (built from the outputs, so that "
                            f"C.backward() works), but it returned {type(C).__name__}: "
                            f"{excerpt(C)}")


def _arguments(n: int, resume: History | None, **given) -> dict:
    """What this training is asked, as ``history.arguments`` keeps it: the arguments given,
    and where they are left out, those of the training it resumes."""
    cost = given["cost"]
    given["cost"] = getattr(cost, "name", None) or getattr(cost, "__name__", repr(cost))
    given["seed"] = random_seed(given["seed"])
    if resume is None:
        return given
    if not isinstance(resume, History):
        raise TypeError(f"resume takes the History of an earlier train(), got "
                        f"{type(resume).__name__}: {excerpt(resume)}")
    if resume.shuffle is None or not resume.iterations:
        raise ValueError("resume: this history does not say where its training stopped (it "
                         "has no shuffle state); only a history from train() can be resumed")
    if len(resume.shuffle.order) != n:
        raise ValueError(f"resume: the history's training was on {len(resume.shuffle.order)} "
                         f"examples, this data has {n}: resume on the same data")
    before = resume.arguments
    if given["cost"] != before.get("cost"):
        raise ValueError(f"resume: the training was with the {before.get('cost')} cost, and "
                         f"goes on with it: pass cost= that cost, not {given['cost']}")
    for name in ("seed", "batch_size"):  # the shuffling and the epoch's batches under way
        if given[name] is not None and given[name] != before.get(name):
            raise ValueError(f"resume: the training was with {name} = {before.get(name)!r}, "
                             f"and goes on with it: leave {name} out")
    if given["epochs"] is None and given["iterations"] is None:
        given["epochs"], given["iterations"] = before.get("epochs"), before.get("iterations")
    for name in ("batch_size", "eta", "seed"):
        if given[name] is None:
            given[name] = before.get(name)
    return given


def _learn(
    backend: Engine, batches: list[list[Example]], eta: float, passes: _Passes, bar,
    interrupted: threading.Event, trajectory: Trajectory | None = None, m: int = 0,
) -> tuple[int, float, int]:
    """An SGD step on each batch in turn, until they run out or Ctrl-C is pressed.

    Returns the number of steps taken, the seconds they took, and how many
    steps found every dC/dp = 0 while C > 0 (nothing learned: the deltas
    vanished). However it ends, the network's Values hold the weights
    afterwards (``write_back``).
    """
    started = time.perf_counter()
    steps = still = 0
    try:
        for batch in batches:
            C = _sgd_step(backend, batch, eta, passes.epoch, passes.batch + 1)
            passes.batch += 1
            steps += 1
            if trajectory is not None:
                backend.write_back()  # (where the engine keeps the weights apart: torch)
                trajectory.record(backend.net, C, passes, m)
            if C > 0.0 and backend.vanished():
                still += 1
            bar.update(1)
            bar.set_postfix(epoch=passes.epoch, C=f"{C:.4g}", refresh=False)
            if interrupted.is_set():
                break
    finally:
        backend.write_back()
    return steps, time.perf_counter() - started, still


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
    """Measure C and the accuracy on the training data (and test data) after an epoch.

    An epoch that was under way when an earlier training stopped (and is now
    finished) replaces its entry, as one training would have recorded it.
    """
    C, accuracy = _measure(backend, data)
    test_C, test_accuracy = _measure(backend, test_data) if test_data else (None, None)
    if history.epoch and history.epoch[-1] == epoch:
        elapsed += history.time[-1]
        for name in ("epoch", "iterations", "cost", "accuracy", "test_cost", "test_accuracy",
                     "time"):
            getattr(history, name).pop()
    history.epoch.append(epoch)
    history.iterations.append(steps)
    history.cost.append(C)
    history.accuracy.append(accuracy)
    history.test_cost.append(test_C)
    history.test_accuracy.append(test_accuracy)
    history.time.append(elapsed)


def _measure(backend: Engine, data: list[Example]) -> tuple[float, float | None]:
    """C over the data and the accuracy, as ``nn.training.metrics.evaluate`` gives them."""
    C, outputs = backend.evaluate(data)
    return C, accuracy(outputs, [y for _, y in data])


def _check_arguments(n: int, arguments: dict) -> tuple[int, int, float]:
    """Check the knobs; return the number of SGD steps to take in all, m and eta.

    Numbers of numpy's types pass, as Python's do; a number of the wrong type
    is a TypeError, one out of range a ValueError.
    """
    epochs, iterations = arguments["epochs"], arguments["iterations"]
    if (epochs is None) == (iterations is None):
        raise ValueError(
            "give exactly one of epochs (passes over the data) or iterations (SGD steps), "
            f"got epochs={excerpt(epochs)}, iterations={excerpt(iterations)}"
        )
    name, count = ("epochs", epochs) if iterations is None else ("iterations", iterations)
    if arguments["batch_size"] is None or arguments["eta"] is None:
        missing = "batch_size" if arguments["batch_size"] is None else "eta"
        raise TypeError(f"train() needs {missing}: the examples per SGD step m and the "
                        "learning rate eta are the lecture's knobs, and have no default")
    count = arguments[name] = whole_number(count, name, minimum=1)
    batch_size = arguments["batch_size"] = whole_number(arguments["batch_size"], "batch_size")
    eta = arguments["eta"] = positive_number(arguments["eta"], "the learning rate eta")
    if not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size must be between 1 and the number of examples ({n}), got {batch_size}"
        )
    if iterations is not None:
        return count, batch_size, eta
    return count * math.ceil(n / batch_size), batch_size, eta


def _start(
    resume: History | None, arguments: dict, n: int, m: int, total_steps: int
) -> tuple[History, _Passes]:
    """The history to add to and the passes to go on with: new ones, or those of ``resume``."""
    if resume is None:
        return History(arguments=arguments), _Passes(n, m, arguments["seed"])
    history = resume.copy()
    history.arguments = arguments
    history.interrupted = False
    if total_steps <= history.iterations[-1]:
        name = "epochs" if arguments["epochs"] is not None else "iterations"
        raise ValueError(
            f"resume: the training has taken {plural(history.iterations[-1], 'step')} "
            f"({plural(len(history), 'epoch')}) already; ask for more {name} than "
            f"{arguments[name]} to go on"
        )
    return history, _Passes(n, m, None, resume.shuffle)


class _Passes:
    """The shuffled passes over the data: the order of each epoch, and where in it SGD is.

    Every epoch shuffles the order of the one before with ``random.Random(seed)``,
    the lecture's recipe; ``state()`` is where it is, and a ``ShuffleState``
    given to the constructor goes on from there.
    """

    def __init__(self, n: int, m: int, seed: int | None, state: ShuffleState | None = None):
        self.per_epoch = math.ceil(n / m)
        self.rng = random.Random(seed)
        self.order = list(range(n))
        self.epoch, self.batch = 0, self.per_epoch  # an epoch begins with the first step
        if state is not None:
            self.rng.setstate(state.rng)
            self.order = list(state.order)
            self.epoch, self.batch = state.epoch, state.batch

    def batches(self, examples: list[Example], m: int) -> list[list[Example]]:
        """The batches of the epoch under way that are still to come (a new epoch's if done)."""
        if self.batch >= self.per_epoch:
            self.epoch += 1
            self.batch = 0
            self.rng.shuffle(self.order)
        shuffled = [examples[i] for i in self.order]
        return [shuffled[start : start + m] for start in range(self.batch * m, len(shuffled), m)]

    def state(self) -> ShuffleState:
        return ShuffleState(self.rng.getstate(), list(self.order), self.epoch, self.batch)


def _warn_saturated(history: History, epoch: int, steps: int, eta: float | None) -> bool:
    """Say that no step of this epoch changed anything: the deltas vanished. Returns True.

    ``eta`` is the learning rate when earlier steps did learn (so it is the
    likely cause), None when nothing was ever learned (the initial weights are).
    """
    cause = (f"the learning rate eta = {eta} is probably too large: try a smaller one"
             if eta is not None else "they were so from the start, with the initial weights: "
             "try another seed, or init='scaled'")
    message = (
        f"every delta_j^l vanished in epoch {epoch}: dC/dw and dC/db were 0 in all "
        f"{plural(steps, 'step')} although C = {history.cost[-1]:.4g} > 0, so training cannot "
        "change the network any more. Its neurons have saturated (sigma'(z) = 0: a sigmoid "
        f"at 0 or 1 exactly, a relu below 0); {cause}"
    )
    history.warnings.append(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)
    return True


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

