"""Where training cannot learn, said in one line: the warnings ``train`` gives, and why.

Each warning is a ``RuntimeWarning`` (one line ``deltagrad train: warning:
...`` on the command line) and is kept in ``history.warnings``. The
thresholds, and why they are where they are:

* **Targets out of reach** (before training): a target y_j outside the
  values the output activation can take (below 0 or above 1 for a sigmoid,
  outside [-1, 1] for tanh, below 0 for relu) can never be met, so C stays
  above 0 whatever is learned. The range is found by giving the activation
  z = -1000 and z = +1000 (``reach``).
* **The deltas vanished**: in every step of an epoch, every dC/dw and dC/db
  was at most ``VANISHED`` = 1e-4 times sqrt(C) in size (0 exactly counts,
  of course). An output's delta is its error (a - y, about sqrt(C) in size)
  times sigma'(z); dC/db_j^l is delta_j^l itself. Ten thousand times smaller
  than the error means sigma'(z) is about 0 in the neurons that matter: a
  sigmoid pushed to 0 or 1 (|z| > 9 or so), a relu below 0. Then each step
  changes almost nothing and C stays put.
* **C flat**: for ``FLAT_EPOCHS`` = 10 epochs in a row, C moved by at most
  ``FLAT`` = 1e-6 of itself. Training is then not learning, whatever the
  reason (saturated neurons, a learning rate far too small, targets out of
  reach); with C = 0 there is nothing left to learn, and no warning.
* **C diverging** (``diverging``, the loop acts on it): C after an epoch
  more than ``GROWTH`` = 1000 times C after the epoch before (before the
  first epoch: C of the untrained network, on up to ``SAMPLE`` examples of
  the data), and above C before training. A learning rate too large makes C
  grow by orders of magnitude per epoch, until the numbers overflow; the
  loop stops at once and goes back to the weights with the lowest C seen.
  Slower growth goes on until a number overflows (``TrainingDiverged``).

Each is given once per call of ``train``.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Sequence

from autodiff.validate import plural
from nn.data.datasets import Example
from nn.model.activations import Activation
from nn.model.layers import MLP
from nn.training.callbacks import Callback, Step
from nn.training.records import History

VANISHED = 1e-4  # dC/dp this many times sqrt(C), or less, for every p: the deltas vanished
FLAT, FLAT_EPOCHS = 1e-6, 10  # C within this fraction of itself for this many epochs: flat
GROWTH = 1000.0  # C this many times larger than an epoch before: diverging
SAMPLE = 32  # examples C before training is measured on (spread over the data)
EXTREME_Z = 1000.0  # where an activation has reached its limits, if it has any
_NN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the nn package's folder


def warn(history: History, message: str) -> None:
    """Say ``message`` as a RuntimeWarning, and keep it in the history (unless it is there:
    a resumed training's)."""
    if message in history.warnings:
        return
    history.warnings.append(message)
    level, frame = 1, sys._getframe()
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_NN):
        frame, level = frame.f_back, level + 1  # (said where the user's code called nn)
    warnings.warn(message, RuntimeWarning, stacklevel=level)


# ---------------------------------------------------------------- before training


def reach(net: MLP) -> tuple[float, float]:
    """The values the output layer's activation can take: sigma(-1000) and sigma(+1000), an
    end that keeps growing there (or overflows) given as -inf or inf."""
    sigma = net.layers[-1].sigma
    return _limit(sigma, -EXTREME_Z), _limit(sigma, EXTREME_Z)


def _limit(sigma: Activation, z: float) -> float:
    try:
        a = sigma.of(z)
    except (ArithmeticError, ValueError):
        return math.copysign(math.inf, z)
    return a if abs(a) < EXTREME_Z / 2 else math.copysign(math.inf, a)


def check_targets(net: MLP, examples: Sequence[Example], history: History) -> bool:
    """Warn when a target lies outside what the output activation can give; say whether
    one does."""
    low, high = reach(net)
    targets = [y_j for _, y in examples for y_j in y]
    smallest, largest = min(targets), max(targets)
    if low <= smallest and largest <= high:
        return False
    warn(history, f"the targets go from {smallest:g} to {largest:g}, but the output layer's "
                  f"{net.layers[-1].activation} gives a between {low:g} and {high:g}: C cannot "
                  "go below what the targets out of reach cost, however long it trains. Scale "
                  "the targets into that range, or choose another output activation")
    return True


# ---------------------------------------------------------------- during training


class Saturation(Callback):
    """Warns when, in every step of an epoch, the deltas vanished (see the module docstring)."""

    def __init__(self, eta: float, targets_out_of_reach: bool = False) -> None:
        self.eta = eta
        self.targets_out_of_reach = targets_out_of_reach  # (a cause more likely than eta)
        self.learned = False  # has any step of this training learned?
        self.steps = self.still = 0  # this epoch's steps, and those that learned nothing
        self.exactly = True  # were they all exact zeros?
        self.said = False

    def step(self, step: Step) -> None:
        self.steps += 1
        if step.vanished:
            self.still += 1
            self.exactly = self.exactly and step.vanished == "exactly"
        else:
            self.learned = True

    def epoch(self, history: History) -> None:
        if self.steps and self.still == self.steps and not self.said:
            warn(history, self._message(history))
            self.said = True
        self.steps = self.still = 0
        self.exactly = True

    def _message(self, history: History) -> str:
        if self.targets_out_of_reach:  # the output chases them into saturation
            cause = ("the targets out of the output activation's reach drove it there: scale "
                     "the targets into its range, or choose another output activation")
        elif self.learned:
            cause = f"the learning rate eta = {self.eta} is probably too large: try a smaller one"
        else:
            cause = ("they were so from the start, with the initial weights: try another seed, "
                     "or init='scaled'")
        size = "0" if self.exactly else f"at most {VANISHED:g} times sqrt(C)"
        return (f"every delta_j^l vanished in epoch {history.epoch[-1]}: dC/dw and dC/db were "
                f"{size} in all {plural(self.steps, 'step')} although C = {history.cost[-1]:.4g}"
                " > 0, so training cannot change the network any more. Its neurons have "
                "saturated (sigma'(z) = 0 or nearly: a sigmoid at 0 or 1, a relu below 0); "
                f"{cause}")


class FlatCost(Callback):
    """Warns when C has stayed within FLAT of itself for FLAT_EPOCHS epochs."""

    said = False

    def epoch(self, history: History) -> None:
        recent = history.cost[-FLAT_EPOCHS - 1:]
        if len(recent) <= FLAT_EPOCHS or recent[-1] == 0.0 or self.said:
            return
        if max(recent) - min(recent) <= FLAT * recent[-1]:
            self.said = True
            warn(history, f"C has stayed at {recent[-1]:.6g} (within {FLAT:g} of it) for "
                          f"{FLAT_EPOCHS} epochs: training is not learning. Saturated neurons, "
                          "a learning rate far too small or targets out of reach are the "
                          "usual causes")


def diverging(C: float, before: float, start: float | None) -> bool:
    """Whether C, after an epoch that began at C = ``before``, is diverging: GROWTH times
    larger, and above ``start``, C before training."""
    return C > GROWTH * before and (start is None or C > start)


def sample(examples: Sequence[Example]) -> list[Example]:
    """Up to SAMPLE examples spread evenly over the data (sorted data is sampled fairly)."""
    return list(examples[:: max(1, len(examples) // SAMPLE)][:SAMPLE])
