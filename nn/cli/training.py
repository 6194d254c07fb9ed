"""``deltagrad train`` and ``deltagrad evaluate``: learn a network by SGD, and score it.

A model file remembers how it was trained (its data, cost and training
arguments, and where the shuffling stopped), so ``deltagrad evaluate
model.json`` needs no more, and ``deltagrad train --resume model.json
--epochs N`` goes on to N epochs in all, ending with the weights of one run
that was never stopped.
"""

from __future__ import annotations

import argparse
import errno
import itertools
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autodiff.files import atomic_write_text
from autodiff.validate import plural
from nn.cli.arguments import (
    DATA_OPTIONS,
    Parser,
    add_data_arguments,
    add_engine_argument,
    add_force_argument,
    add_model_cost_argument,
    add_network_arguments,
    add_sgd_arguments,
    check_fits,
    check_outputs,
    data_description,
    data_inputs,
    data_name,
    dataset,
    model_cost,
    remove_made_folders,
)
from nn.data.datasets import Dataset
from nn.model.activations import sigmoid
from nn.model.costs import COSTS, quadratic_cost
from nn.model.layers import MLP
from nn.training.guard import Guard, guarded, say_on_stderr, steady_output
from nn.training.metrics import evaluate
from nn.training.model_files import SavedModel, read_model, save
from nn.training.records import History
from nn.training.sgd import TrainingDiverged, train

Described = dict[str, Any]  # the data, as ``arguments.data_description`` describes it

# What --resume takes from the model file, and must not be told again.
FROM_THE_MODEL = ("sizes", "activation", "output_activation", "init", "seed", "cost",
                  "batch_size", *DATA_OPTIONS)

# ---------------------------------------------------------------- train


def add_train(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "train", help="train a network and save it",
        description="Train a network by mini-batch SGD and save it as JSON, with how it was "
                    "trained. Ctrl-C (or SIGTERM) stops after the current step and saves what "
                    "was learned, exiting with 130 (143); --resume goes on from there.")
    add_network_arguments(p)
    add_data_arguments(p)
    add_sgd_arguments(p)
    p.add_argument("--out", type=Path,
                   help="where to save the model (default: model.json; with --resume, the "
                        "model resumed); missing folders are made")
    p.add_argument("--history", type=Path, help="also save the per-epoch history as JSON")
    p.add_argument("--resume", type=Path, metavar="MODEL",
                   help="go on training a model saved by train, on its data, as it was "
                        "trained; --epochs and --iterations count from its start (--data "
                        "only to find its CSV file again, moved or piped)")
    add_force_argument(p)


def cmd_train(args: argparse.Namespace) -> int:
    """Train and save, guarded from the first moment (``nn.training.guard``): a signal before
    training ends the command at once, during it stops training and saves."""
    with steady_output(), guarded(say_stopping("train")) as guard:
        _train_and_keep(args, guard)
    return guard.exit_status


def _train_and_keep(args: argparse.Namespace, guard: Guard) -> None:
    saved = _resumed(args) if args.resume else None
    out = args.out or args.resume or Path("model.json")
    if args.resume is None and args.epochs is None and args.iterations is None:
        raise ValueError("give --epochs or --iterations: how long to train")
    described = _described(args, saved)
    check_outputs({"--out": out, "--history": args.history},
                  {"--resume": args.resume, **data_inputs(args, described, args.resume)},
                  may_replace={("--out", "--resume")})
    net, train_data, test_data = _learner(args, described, saved)
    try:
        history = _fit(args, net, train_data, test_data, saved)
    except TrainingDiverged as error:
        raise _kept_after(error, net, out, described) from None
    _keep(net, history, out, described, args.history, signalled=guard.stopping)


def _described(args: argparse.Namespace, saved: SavedModel | None) -> Described:
    """The data to train on: the arguments' (or the model's); the CSV file of a model resumed,
    given again by --data (moved, or piped), with all else the model remembers of it."""
    if saved is not None and saved.data is not None and args.data is not None:
        return {**saved.data, "csv": str(args.data)}
    return data_description(args, saved.data if saved else None)


def _keep(net: MLP, history: History, out: Path, described: Described, history_file: Path | None,
          *, signalled: bool) -> None:
    """Save the model (and the history), saying so, and where a stopped training goes on.

    A training that stopped because C diverged (not for a signal) is an
    error, raised once its last good model is saved.
    """
    diverged = history.interrupted and not signalled
    if not history.iterations:
        if diverged:
            raise ArithmeticError("training diverged in its first epoch: nothing was learned "
                                  "that is worth keeping, so nothing was saved")
        print("interrupted before the first step: nothing was learned, nothing saved")
        remove_made_folders()
        return
    save_model(net, out, history, described)
    print(f"saved the model to {out}")
    if history.interrupted:
        print(f"{'stopped' if diverged else 'interrupted'} after "
              f"{plural(history.iterations[-1], 'step')}; `deltagrad train --resume {out}` "
              f"goes on from there{' (with --eta, a smaller learning rate)' if diverged else ''}")
    if history_file:
        _save_history(history, history_file, out)
        print(f"saved the history to {history_file}")
    if diverged:
        raise ArithmeticError(f"training diverged (as said above); the model saved to {out} "
                              f"is the last good one, after epoch {history.epoch[-1]}")


def _kept_after(error: TrainingDiverged, net: MLP, out: Path, described: Described
                ) -> ArithmeticError:
    """A diverged training: save its last good weights, if it learned any, and say where."""
    history, weights = error.history, error.weights
    if history is None or weights is None or not history.iterations:
        return ArithmeticError(f"{error.reason}: nothing learned before it was worth keeping, "
                               f"so nothing was saved. Try a smaller --eta than {error.eta}")
    for p, w in zip(net.parameters(), weights):
        p.data = w
    save_model(net, out, history, described)
    return ArithmeticError(
        f"{error.reason}. The last good model (after epoch {history.epoch[-1]}, C = "
        f"{history.cost[-1]:.6g}) is saved to {out}; `deltagrad train --resume {out} --eta "
        f"...` goes on from there with a smaller learning rate than {error.eta}")


def say_stopping(command: str) -> Callable[[str], None]:
    """What a command that trains says at once when a signal stops its training."""
    def say(words: str) -> None:
        say_on_stderr(f"deltagrad {command}: {words}: stopping after this step, and saving what "
                      "was learned (more signals are ignored until it is saved)")
    return say


# What a full disk says (or a quota, or a limit on the size of files).
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def save_model(net: MLP, out: Path, history: History, described: Described) -> None:
    """``save``, and where that fails (a full disk, a FIFO's reader gone, a folder removed
    meanwhile), the model kept in a folder with room, saying where: the output was checked
    before training, so what was learned is not lost to what became of it since."""
    try:
        save(net, out, history=history, data=described)
    except OSError as error:
        rescued = _saved_elsewhere(net, out, history, described)
        kept = (f"the model is saved to {rescued} meanwhile" if rescued else
                "nor could the model be saved anywhere else")
        if error.errno in FULL:
            raise OSError(f"{_full(out, error)}: make room there, or give --out a disk with "
                          f"room; {kept}") from None
        raise OSError(f"{error}; {kept}") from None


def _save_history(history: History, path: Path, out: Path) -> None:
    try:
        atomic_write_text(path, json.dumps(history.as_dict(), indent=1))
    except OSError as error:
        if error.errno not in FULL:
            raise OSError(f"{error}; the model is saved to {out}") from None
        raise OSError(f"{_full(path, error)}: make room there, or give --history a disk with "
                      f"room; the model is saved to {out}") from None


def _full(path: Path, error: OSError) -> str:
    """The error, naming the file (a full disk is found while writing the temporary file)."""
    return f"cannot write {path}: {error.strerror.lower()}" if error.strerror else str(error)


def _saved_elsewhere(net: MLP, out: Path, history: History, described: Described
                     ) -> Path | None:
    """Save the model beside the temporary files, in the home folder or here, whichever has
    room (not in the full folder of ``out``); the path, or None."""
    full = os.path.realpath(out.parent)
    for folder in (Path(tempfile.gettempdir()), Path.home(), Path.cwd()):
        if os.path.realpath(folder) == full:
            continue
        path = folder / f"{out.stem}.rescued{out.suffix}"
        for n in itertools.count(2):
            if not path.exists():
                break
            path = folder / f"{out.stem}.rescued{n}{out.suffix}"
        try:
            return save(net, path, history=history, data=described)
        except OSError:
            continue
    return None


def _resumed(args: argparse.Namespace) -> SavedModel:
    """The model to resume, which must say how it was trained; and nothing said twice, but
    for --data: its CSV file found again (moved, or a pipe read once), the same bytes."""
    saved = read_model(args.resume)
    again = (isinstance(args.data, Path) and saved.data is not None
             and "sha256" in saved.data)
    given = [name for name in FROM_THE_MODEL if getattr(args, name, None) is not None
             and not (name == "data" and again)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ValueError(f"--resume goes on as {args.resume} was trained: its network, data, "
                         f"cost, batch size and seeds come from it; leave out {options}")
    if saved.history is None or saved.history.shuffle is None or saved.data is None:
        raise ValueError(f"{args.resume} does not say how it was trained (it was saved without "
                         "its history and data), so it cannot be resumed; train a new model")
    if saved.cost not in COSTS:
        raise ValueError(f"{args.resume} was trained with the cost {saved.cost!r}, which the "
                         "command line does not know: resume it from Python, with train(..., "
                         "resume=read_model(path).history)")
    return saved


def fit(args: argparse.Namespace, described: Described, saved: SavedModel | None = None
        ) -> tuple[MLP, History, Dataset, Dataset]:
    """Build the network (or take the saved one) and train it as the arguments say.

    Returns (net, history, train, test).
    """
    net, train_data, test_data = _learner(args, described, saved)
    return net, _fit(args, net, train_data, test_data, saved), train_data, test_data


def _learner(args: argparse.Namespace, described: Described, saved: SavedModel | None
             ) -> tuple[MLP, Dataset, Dataset]:
    """The network (the saved one, or a new one) and the data: (net, train, test). The data
    of a training resumed must be the data it was trained on."""
    resumed = getattr(args, "resume", None)
    train_data, test_data = dataset(described, resumed, resuming=resumed is not None)
    net = saved.net if saved is not None else _network(args, train_data, described)
    print(f"{net}\ntraining on {plural(len(train_data), data_name(described) + ' example')}, "
          f"testing on {len(test_data)}")
    return net, train_data, test_data


def _fit(args: argparse.Namespace, net: MLP, train_data: Dataset, test_data: Dataset,
         saved: SavedModel | None) -> History:
    """Train the network as the arguments say; returns its history."""
    history = train(
        net, train_data, epochs=args.epochs, iterations=args.iterations,
        test_data=test_data or None, progress=not args.no_progress, on_epoch=print_epoch,
        engine=args.engine, device=args.device, **_knobs(args, saved, len(train_data)),
    )
    return history


def _network(args: argparse.Namespace, train_data: Dataset, described: Described) -> MLP:
    """The network the arguments ask for; by default one hidden layer of 8 between the
    data's inputs and outputs. Sizes or a batch size that do not fit the data are refused
    in the command line's words."""
    x, y = train_data[0]
    if args.sizes:
        check_fits(args.sizes, train_data, described, f"--sizes {','.join(map(str, args.sizes))}")
    if args.batch_size and args.batch_size > len(train_data):
        raise ValueError(f"--batch-size {args.batch_size} is more than the "
                         f"{plural(len(train_data), 'training example')}: give at most "
                         f"{len(train_data)}")
    sizes = args.sizes or [len(x), 8, len(y)]
    return MLP(sizes, args.activation or sigmoid, args.seed or 0,
               output_activation=args.output_activation, init=args.init or "normal")


def _knobs(args: argparse.Namespace, saved: SavedModel | None, n: int) -> dict[str, Any]:
    """m, eta, the cost and the seed: as given, else the defaults, or the resumed training's."""
    if saved is not None:  # train takes m and the seed from the history; eta may change
        return {"eta": args.eta, "cost": saved.cost, "resume": saved.history}
    return {"batch_size": args.batch_size or min(10, n), "eta": args.eta or 3.0,
            "cost": args.cost or quadratic_cost, "seed": args.seed or 0}


def print_epoch(history: History) -> None:
    """One line per epoch, written so that a progress bar stays intact."""
    i = -1
    line = f"epoch {history.epoch[i]:4d}  steps {history.iterations[i]:6d}  C {history.cost[i]:.6g}"
    if history.accuracy[i] is not None:
        line += f"  accuracy {history.accuracy[i]:.3f}"
    if history.test_accuracy[i] is not None:
        line += f"  test accuracy {history.test_accuracy[i]:.3f}"
    try:
        from tqdm import tqdm

        tqdm.write(line)
    except ImportError:
        print(line, flush=True)


# ---------------------------------------------------------------- evaluate


def add_evaluate(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "evaluate", help="cost and accuracy of a saved model",
        description="Evaluate a saved model: by default on the held-out part of the data it "
                    "was trained on, with its cost.")
    p.add_argument("model", type=Path, help="a model saved by `deltagrad train`")
    add_data_arguments(p)
    add_model_cost_argument(p)
    p.add_argument("--all", action="store_true",
                   help="evaluate on all the data, not only the held-out test part")
    add_engine_argument(p, "how the outputs are computed: replay a recorded forward pass or "
                           "build Values (the same numbers either way), or PyTorch")


def cmd_evaluate(args: argparse.Namespace) -> int:
    saved = read_model(args.model)
    described = data_description(args, saved.data)
    train_data, test_data = dataset(described, args.model)
    check_fits(saved.net.sizes, train_data + test_data, described, str(args.model))
    data = train_data + test_data if args.all or not test_data else test_data
    cost = model_cost(args, saved)
    try:
        C, accuracy = evaluate(saved.net, data, cost, engine=args.engine)
    except ArithmeticError as error:
        raise ArithmeticError(f"{args.model} on the {data_name(described)} data: {error}") \
            from None
    which = "all" if args.all or not test_data else "test"
    line = f"{plural(len(data), f'{which} {data_name(described)} example')}: C = {C:.6g}"
    if accuracy is not None:
        line += f", accuracy = {accuracy:.3f}"
    print(f"{saved.net}\n{line}  ({cost.name} cost)")
    return 0


COMMANDS = {
    "train": (add_train, cmd_train),
    "evaluate": (add_evaluate, cmd_evaluate),
}
