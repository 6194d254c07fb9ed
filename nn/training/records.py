"""What training leaves behind: its ``History``, epoch by epoch, and where it stopped.

``train`` returns a History: the cost and accuracy after each epoch, the
arguments it was called with, and its warnings. It also keeps, in
``history.shuffle``, where SGD is in its shuffled passes over the data (a
``ShuffleState``): the random generator's state, the order of the examples in
the current epoch and how many of its batches are done. That is all it takes
to go on exactly as an unbroken run would, so

    train(net, data, epochs=10, ...)            # interrupted after 4.5 epochs
    train(net, data, epochs=10, resume=history)  # the same weights as one run of 10

Both turn into plain JSON (``as_dict``, ``from_dict``) for history files and
model files; ``from_dict`` checks what it reads, with errors naming the key.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from autodiff.validate import excerpt, is_number
from nn.model.layers import MLP

# What train remembers of its arguments: the length asked for (one of the two),
# m, eta, the cost's name, the shuffling seed and the engine.
ARGUMENTS = ("epochs", "iterations", "batch_size", "eta", "cost", "seed", "engine")
# The History's lists with one entry per epoch, in the order History.add_epoch takes them.
_PER_EPOCH = ("epoch", "iterations", "cost", "accuracy", "test_cost", "test_accuracy", "time")
# What is measured after an epoch: C and the accuracy on the training data, then on the test data.
Measured = tuple[float, float | None, float | None, float | None]


@dataclass
class ShuffleState:
    """Where SGD is in its passes over the data: enough to go on as if never stopped.

    Attributes:
        rng: the state of the ``random.Random`` that shuffles (``getstate()``).
        order: the examples of the current epoch, in order, by their position in the data.
        epoch: the current epoch, counted from 1 (0 before the first).
        batch: how many of its batches are done.
    """

    rng: tuple[Any, ...]
    order: list[int]
    epoch: int
    batch: int

    def as_dict(self) -> dict[str, Any]:
        version, words, gauss = self.rng
        return {"rng": [version, list(words), gauss], "order": list(self.order),
                "epoch": self.epoch, "batch": self.batch}

    @classmethod
    def from_dict(cls, d: object) -> ShuffleState:
        """The state a JSON object describes; ValueError naming what is wrong."""
        d = _keys(d, ("rng", "order", "epoch", "batch"), "shuffle")
        epoch, batch = (_count(d[k], f"shuffle.{k}") for k in ("epoch", "batch"))
        order = d["order"]
        if (not isinstance(order, list) or not all(type(i) is int for i in order)
                or sorted(order) != list(range(len(order)))):
            raise ValueError(f"shuffle.order must list the examples 0..n-1 once each, got "
                             f"{excerpt(order)}")
        rng = d["rng"]
        try:
            state = (rng[0], tuple(rng[1]), rng[2])
            random.Random().setstate(state)
            if not all(type(w) is int for w in state[1]):  # setstate would take floats
                raise TypeError
        except (TypeError, ValueError, IndexError, KeyError, OverflowError):
            raise ValueError(f"shuffle.rng is not a state of Python's random generator: "
                             f"{excerpt(rng)}") from None
        return cls(state, order, epoch, batch)


@dataclass
class History:
    """What happened in each epoch of ``train``: lists with one entry per epoch.

    ``cost`` and ``accuracy`` are measured on the whole training set after the
    epoch (accuracy only when the targets are classes, else None), ``test_cost``
    and ``test_accuracy`` likewise on ``test_data`` when given. ``time`` is the
    seconds spent learning in the epoch (evaluation excluded); ``iterations``
    the number of SGD steps taken by the end of it. ``arguments`` holds what
    ``train`` was asked (see ``ARGUMENTS``), ``warnings`` what it warned about
    (such as a network whose deltas all vanished), ``shuffle`` where it stopped
    (for ``train(..., resume=history)``). ``interrupted`` is True when training
    stopped before the end it was asked for: a signal (Ctrl-C, SIGTERM), or C
    diverging (see ``nn.training.watchers``). ``nn.lecture.plots.plot_history`` draws it.
    """

    epoch: list[int] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    test_cost: list[float | None] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    interrupted: bool = False
    arguments: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    shuffle: ShuffleState | None = field(default=None, repr=False, compare=False)
    steps: KeptSteps | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.epoch)

    # ---------------------------------------------------------------- the time machine

    def network_at(self, step: int) -> MLP:
        """The network as it was after ``step`` SGD steps (0: before the first), a new MLP.

        Bit for bit the network of a run stopped after that many steps. Needs
        ``train(..., keep="steps")``, which keeps every step (``nn.training.trajectory``).
        """
        return self._kept().network_at(step)

    def gradients_at(self, step: int) -> dict[str, float]:
        """The gradient SGD step ``step`` took, dC/dp by the lecture's names ("w_12^3": ...)."""
        return self._kept().gradients_at(step)

    def cost_at(self, step: int) -> float:
        """C on the batch of SGD step ``step``, before the step."""
        return self._kept().cost_at(step)

    def batch_at(self, step: int) -> list[int]:
        """The positions in the training data of the examples of SGD step ``step``."""
        return self._kept().batch_at(step)

    def replay_from(self, step: int, **knobs: Any) -> tuple[MLP, History]:
        """Train again from ``step`` with other knobs (eta, batch_size, epochs, iterations);
        returns (the network, its History).
        See ``nn.training.sgd.TimeMachine.replay_from``."""
        return self._kept().replay_from(step, self, **knobs)

    # ---------------------------------------------------------------- recording

    def add_epoch(self, epoch: int, steps: int, measured: Measured, seconds: float) -> None:
        """Add an epoch's numbers: ``measured`` is (C, accuracy, test C, test accuracy).

        An epoch that was under way when an earlier training stopped (and is
        now finished) replaces its entry, as one training would have recorded it.
        """
        if self.epoch and self.epoch[-1] == epoch:
            seconds += self.time[-1]
            self.back_to(len(self) - 1)
        numbers = (epoch, steps, *measured, seconds)
        for name, number in zip(_PER_EPOCH, numbers):
            getattr(self, name).append(number)

    def back_to(self, epochs: int) -> None:
        """Forget every epoch after the first ``epochs``."""
        for name in _PER_EPOCH:
            del getattr(self, name)[epochs:]

    def _kept(self) -> KeptSteps:
        if self.steps is None:
            raise ValueError("this history kept no steps: train with keep=\"steps\" to go back "
                             "to any of them (network_at, gradients_at, replay_from)")
        return self.steps

    def as_dict(self) -> dict[str, Any]:
        """The history as plain lists, ready for ``json.dump`` (``shuffle`` apart: its own
        ``as_dict`` gives it)."""
        return {f.name: _copy(getattr(self, f.name)) for f in fields(self)
                if f.name not in ("shuffle", "steps")}

    def copy(self) -> History:
        """A history that can grow without changing this one."""
        return History(**{f.name: _copy(getattr(self, f.name)) for f in fields(self)})

    def until(self, epochs: int, shuffle: ShuffleState | None) -> History:
        """A copy of this history as it was after its first ``epochs`` epochs, its shuffled
        passes at ``shuffle``: the history of a run stopped there."""
        past = self.copy()
        past.back_to(epochs)
        past.shuffle = shuffle
        return past

    @classmethod
    def from_dict(cls, d: object, shuffle: ShuffleState | None = None) -> History:
        """The history a JSON object of ``as_dict`` describes; ValueError naming what is wrong."""
        names = [f.name for f in fields(cls) if f.name not in ("shuffle", "steps")]
        d = _keys(d, names, "history")
        n = len(d["epoch"]) if isinstance(d["epoch"], list) else -1
        for name in _PER_EPOCH:
            if not isinstance(d[name], list) or len(d[name]) != n:
                raise ValueError(f"history.{name} must be a list with one entry per epoch")
            optional = name in ("accuracy", "test_cost", "test_accuracy")
            for v in d[name]:
                if not (is_number(v) or (optional and v is None)):
                    raise ValueError(f"history.{name} must hold numbers, got {excerpt(v)}")
        if not isinstance(d["interrupted"], bool):
            raise ValueError(f"history.interrupted must be true or false, got "
                             f"{excerpt(d['interrupted'])}")
        if not isinstance(d["warnings"], list) or not all(isinstance(w, str)
                                                          for w in d["warnings"]):
            raise ValueError("history.warnings must be a list of texts")
        if not isinstance(d["arguments"], dict) or set(d["arguments"]) - set(ARGUMENTS):
            raise ValueError(f"history.arguments must be an object with some of the keys "
                             f"{list(ARGUMENTS)}, got {excerpt(d['arguments'])}")
        return cls(**{name: _copy(d[name]) for name in names}, shuffle=shuffle)


class KeptSteps(Protocol):
    """What ``history.steps`` answers: the record of every step (``nn.training.trajectory``)."""

    def network_at(self, k: int) -> MLP: ...
    def gradients_at(self, k: int) -> dict[str, float]: ...
    def cost_at(self, k: int) -> float: ...
    def batch_at(self, k: int) -> list[int]: ...
    def replay_from(self, k: int, history: History, **knobs: Any) -> tuple[MLP, History]: ...


def _copy(v: Any) -> Any:
    return list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v


def _keys(d: object, names: Sequence[str], what: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise ValueError(f"{what} must be a JSON object, got {excerpt(d)}")
    missing = [k for k in names if k not in d]
    unknown = sorted(set(d) - set(names))
    if missing or unknown:
        raise ValueError(f"{what} must have exactly the keys {list(names)}"
                         + (f"; missing {missing}" if missing else "")
                         + (f"; unknown {unknown}" if unknown else ""))
    return d


def _count(v: object, what: str) -> int:
    if type(v) is not int or v < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {excerpt(v)}")
    return v
