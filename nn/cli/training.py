"""``deltagrad train`` and ``deltagrad evaluate``: learn a network by SGD, and score it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from autodiff.files import atomic_write_text
from nn.cli.arguments import (
    add_data_arguments,
    add_engine_argument,
    add_network_arguments,
    add_sgd_arguments,
    check_writable_file,
    dataset,
)
from nn.costs import COSTS
from nn.layers import MLP
from nn.metrics import evaluate
from nn.model_files import load, save
from nn.sgd import History, train

# ---------------------------------------------------------------- train


def add_train(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a network and save it",
                              description="Train a network by mini-batch SGD and save it as JSON.")
    add_network_arguments(p)
    add_data_arguments(p)
    add_sgd_arguments(p)
    p.add_argument("--out", type=Path, default=Path("model.json"),
                   help="where to save the model (default: %(default)s)")
    p.add_argument("--history", type=Path, help="also save the per-epoch history as JSON")






def cmd_train(args: argparse.Namespace) -> int:
    for path in (args.out, args.history):
        if path is not None:
            check_writable_file(path)
    net, history, _, _ = fit(args)
    save(net, args.out)
    print(f"saved the model to {args.out}")
    if args.history:
        atomic_write_text(args.history, json.dumps(history.as_dict(), indent=1))
        print(f"saved the history to {args.history}")
    return 0






def fit(args: argparse.Namespace):
    """Build the network and train it as the arguments say; returns (net, history, train, test)."""
    train_data, test_data = dataset(args)
    net = MLP(args.sizes, args.activation, args.seed,
              output_activation=args.output_activation, init=args.init)
    print(f"{net}\ntraining on {len(train_data)} {args.data} examples, "
          f"testing on {len(test_data)}")
    history = train(
        net, train_data, epochs=args.epochs, iterations=args.iterations,
        batch_size=args.batch_size or min(10, len(train_data)), eta=args.eta,
        cost=COSTS[args.cost], seed=args.seed, test_data=test_data or None,
        progress=not args.no_progress, on_epoch=print_epoch, engine=args.engine,
        device=args.device,
    )
    if history.interrupted:
        print("interrupted: keeping what was learned so far")
    return net, history, train_data, test_data


def print_epoch(history: History) -> None:
    """One line per epoch, written so that a progress bar stays intact."""
    i = -1
    line = f"epoch {history.epoch[i]:4d}  steps {history.iterations[i]:6d}  C {history.cost[i]:.6f}"
    if history.accuracy[i] is not None:
        line += f"  accuracy {history.accuracy[i]:.3f}"
    if history.test_accuracy[i] is not None:
        line += f"  test accuracy {history.test_accuracy[i]:.3f}"
    try:
        from tqdm import tqdm

        tqdm.write(line)
    except ImportError:
        print(line)


# ---------------------------------------------------------------- evaluate


def add_evaluate(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="cost and accuracy of a saved model",
                              description="Evaluate a saved model on a dataset.")
    p.add_argument("model", type=Path, help="a model saved by `deltagrad train`")
    add_data_arguments(p)
    p.add_argument("--cost", choices=sorted(COSTS), default="quadratic",
                   help="cost function (default: %(default)s)")
    p.add_argument("--all", action="store_true",
                   help="evaluate on all the data, not only the held-out test part")
    add_engine_argument(p, "how the outputs are computed: replay a recorded forward pass or "
                           "build Values (the same numbers either way), or PyTorch")


def cmd_evaluate(args: argparse.Namespace) -> int:
    net = load(args.model)
    train_data, test_data = dataset(args)
    data = train_data + test_data if args.all or not test_data else test_data
    C, accuracy = evaluate(net, data, COSTS[args.cost], engine=args.engine)
    which = "all" if args.all or not test_data else "test"
    print(f"{net}\n{len(data)} {which} {args.data} examples: C = {C:.6f}", end="")
    print(f", accuracy = {accuracy:.3f}" if accuracy is not None else "")
    return 0



COMMANDS = {
    "train": (add_train, cmd_train),
    "evaluate": (add_evaluate, cmd_evaluate),
}
