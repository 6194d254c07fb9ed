"""What watches a training: small objects that ``train``'s step loop calls, in order.

``train`` is the step loop (``nn.training.sgd``); everything else that
happens during a training is a *callback* the loop calls with what it has just
done. The numbers go down, from the loop to each callback; no callback calls
another, or the loop. Each implements some of these methods (the others are
``Callback``'s, which do nothing):

    begin(total)            before the first step: the steps this call will take
    say(text)               what the loop is busy with ("measuring C on ...")
    shuffled(state)         a new epoch's order of examples has been drawn
    step(step)              after each SGD step: a ``Step``
    epoch(history)          after each epoch, its numbers added to the history
    rewound(steps)          training went back to the state after ``steps`` steps
    end(history)            training is over (also after an error or Ctrl-C)

The callbacks of ``train``: the progress bar (here), the user's ``on_epoch``
(here), the time machine (``nn.training.trajectory``) and the watchers that
warn where training cannot learn (``nn.training.watchers``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autodiff.validate import plural
from nn.model.layers import MLP
from nn.training.records import History, ShuffleState


@dataclass
class Step:
    """One SGD step, as the loop hands it to the callbacks.

    Attributes:
        number: the steps taken in all, this one included (1 for the first).
        epoch: the epoch it belongs to, counted from 1.
        batch: the batches of that epoch done, this one included.
        C: the cost on the step's batch, before the step.
        examples: the positions in the training data of the batch's examples.
        net: the network, its Values holding the weights after the step and
            their ``grad`` the step's dC/dp (where a callback asked for them
            with ``wants_weights``; else as the engine left them).
        vanished: dC/dp of every parameter was at most ``nn.training.watchers.VANISHED``
            times sqrt(C) in size (and 0 exactly when ``vanished == "exactly"``).
    """

    number: int
    epoch: int
    batch: int
    C: float
    examples: Sequence[int]
    net: MLP
    vanished: bool | str


class Callback:
    """A callback that does nothing; subclasses implement what they watch (see above).

    ``wants_weights = True`` asks the loop to put the weights into the
    network's Values after every step (an engine may keep them elsewhere,
    as PyTorch does, and writing them back costs time).
    """

    wants_weights = False

    def begin(self, total: int) -> None:
        """Training begins, with ``total`` steps to take in this call."""

    def say(self, text: str) -> None:
        """The loop is busy with ``text`` (recording a tape, measuring C)."""

    def shuffled(self, state: ShuffleState) -> None:
        """A new epoch begins, its examples in the order ``state.order``."""

    def step(self, step: Step) -> None:
        """An SGD step has been taken."""

    def epoch(self, history: History) -> None:
        """An epoch is over; its C and accuracy are the history's last entries."""

    def rewound(self, steps: int) -> None:
        """Training went back to where it was after ``steps`` steps (it diverged)."""

    def end(self, history: History) -> None:
        """Training is over, however it ended."""


class Callbacks:
    """Several callbacks called as one, in their order: ``callbacks.step(s)`` calls each one's
    ``step(s)`` (and so for every method of ``Callback``)."""

    def __init__(self, callbacks: Sequence[Callback]) -> None:
        self.callbacks = list(callbacks)
        self.wants_weights = any(c.wants_weights for c in callbacks)

    def __getattr__(self, event: str) -> Callable[..., None]:
        if not hasattr(Callback, event):
            raise AttributeError(event)
        methods = [getattr(c, event) for c in self.callbacks]

        def tell(*args: object) -> None:
            for method in methods:
                method(*args)

        setattr(self, event, tell)  # (made once: the loop calls it every step)
        return tell


class OnEpoch(Callback):
    """``train(..., on_epoch=f)``: ``f(history)`` after each epoch."""

    def __init__(self, function: Callable[[History], None]) -> None:
        self.function = function

    def epoch(self, history: History) -> None:
        self.function(history)


TRAINING = "training"  # the progress bar's word while SGD steps are taken


class ProgressBar(Callback):
    """A tqdm bar over the SGD steps, saying what the loop waits for and C of the last step.

    Made by ``progress_bar`` only where someone can see it.
    """

    def __init__(self, tqdm: Callable[..., Any]) -> None:
        self.tqdm = tqdm
        self.bar: Any = None  # (made when training begins, knowing its length)

    def begin(self, total: int) -> None:
        self.bar = self.tqdm(total=total, unit="step", desc=TRAINING)

    def say(self, text: str) -> None:
        self.bar.set_description_str(text)

    def step(self, step: Step) -> None:
        self.bar.update(1)
        self.bar.set_postfix(epoch=step.epoch, C=f"{step.C:.4g}", refresh=False)

    def epoch(self, history: History) -> None:
        self.bar.set_description_str(TRAINING)

    def end(self, history: History) -> None:
        if self.bar is not None:
            self.bar.close()


def progress_bar(wanted: bool) -> list[Callback]:
    """[a ProgressBar] when wanted, tqdm is installed and someone can see it (a terminal on
    stderr, or Jupyter); else []."""
    stderr = sys.stderr
    if not (wanted and (_in_notebook() or (stderr is not None and stderr.isatty()))):
        return []
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return []
    return [ProgressBar(tqdm)]


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None and hasattr(shell, "get_ipython") else None
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def measuring(n: int, n_test: int) -> str:
    """What the bar says while C and the accuracy are measured after an epoch."""
    test = f" and {plural(n_test, 'test example')}" if n_test else ""
    return f"measuring C on {plural(n, 'training example')}{test}"
