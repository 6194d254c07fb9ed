"""What a training is asked, checked before anything changes: its ``Plan``.

``train`` takes many keywords; this module checks them all (TypeError for a
wrong kind, ValueError for a wrong value, each naming what was wrong), fills
in what a resumed training takes from its history, and works out how many
SGD steps to take. Nothing is changed until every check has passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autodiff import Value
from autodiff.validate import excerpt, plural, positive_number, random_seed, whole_number
from nn.data.datasets import Dataset, Example, check_data
from nn.model.costs import Cost, cost_or_function
from nn.model.layers import MLP
from nn.training.records import History, ShuffleState


@dataclass
class Plan:
    """A training, checked: what to learn from, how, and where it starts.

    Attributes:
        examples, test_data: the data as new lists of floats (shuffling them is ours).
        cost: the cost function.
        total_steps: the SGD steps the whole training takes (a resumed one's included).
        batch_size, eta: m and the learning rate.
        arguments: what ``history.arguments`` keeps.
        history: the history to add to (a copy of the resumed one, or a new one).
        shuffle: where the resumed training's shuffling stopped (None for a new one).
    """

    examples: Dataset
    test_data: Dataset | None
    cost: Callable[..., Value]
    total_steps: int
    batch_size: int
    eta: float
    arguments: dict[str, Any]
    history: History
    shuffle: ShuffleState | None

    @property
    def steps_done(self) -> int:
        """The steps taken before this call (by the training it resumes)."""
        return self.history.iterations[-1] if self.history.iterations else 0


def plan(net: MLP, data: Sequence[Example], test_data: Sequence[Example] | None,
         resume: History | None, on_epoch: object, **given: Any) -> Plan:
    """Check everything ``train`` was given (see its docstring) and plan the training."""
    examples, test_data = _check_data(net, data, test_data)
    given["cost"] = cost_or_function(given["cost"])
    _check_functions(net, given["cost"], on_epoch, examples, test_data)
    arguments = _arguments(len(examples), resume, **given)
    total_steps, batch_size, eta = _check_arguments(len(examples), arguments)
    history = _start(resume, arguments, total_steps)
    return Plan(examples, test_data, given["cost"], total_steps, batch_size, eta, arguments,
                history, resume.shuffle if resume is not None else None)


def _check_data(
    net: MLP, data: Sequence[Example], test_data: Sequence[Example] | None
) -> tuple[Dataset, Dataset | None]:
    """The training and test data checked against the network, as new lists of floats."""
    if not isinstance(net, MLP):
        raise TypeError(f"train() takes an nn.MLP as net, got {type(net).__name__}: "
                        f"{excerpt(net)}")
    examples = check_data(data, net.sizes[0], net.sizes[-1])  # a copy: shuffling it is ours
    if test_data is not None:
        test_data = check_data(test_data, net.sizes[0], net.sizes[-1], "test_data")
    return examples, test_data


def _check_functions(
    net: MLP, cost: object, on_epoch: object, examples: Dataset,
    test_data: Dataset | None,
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
        if type(cost).check_target is Cost.check_target:
            return  # a cost that takes every target: nothing to look at
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


def _arguments(n: int, resume: History | None, **given: Any) -> dict[str, Any]:
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


def _check_arguments(n: int, arguments: dict[str, Any]) -> tuple[int, int, float]:
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


def _start(resume: History | None, arguments: dict[str, Any], total_steps: int) -> History:
    """The history to add to: a new one, or a copy of the one ``resume`` goes on from."""
    if resume is None:
        return History(arguments=arguments)
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
    return history
