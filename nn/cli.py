"""The ``deltagrad`` command line: train, evaluate, and the end-to-end demo.

    deltagrad train --sizes 2,8,1 --data moons --epochs 50 --batch-size 10 --eta 3 \
        --seed 0 --out model.json
    deltagrad evaluate model.json --data moons
    deltagrad demo

Also ``python -m nn ...``. Each subcommand is a function ``cmd_<name>(args)``
beside the function ``add_<name>(subparsers)`` that declares its arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from autodiff.files import atomic_write_text
from autodiff.pictures import (
    DEFAULT_MAX_NODES,
    GraphTooLargeError,
    GraphvizMissingError,
    save_picture,
)
from nn.comparison import compare
from nn.costs import COSTS
from nn.data import DATASETS, load_dataset, split
from nn.diagrams import draw_network, save_pictures
from nn.engines import ENGINES
from nn.layers import ACTIVATIONS, INITS, MLP
from nn.metrics import evaluate
from nn.model_files import load, save
from nn.sgd import History, TrainingDiverged, train

# ---------------------------------------------------------------- argument types


def sizes_type(text: str) -> list[int]:
    """'2,8,1' -> [2, 8, 1]."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be whole numbers separated by commas, like 2,8,1; got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"need at least two layers of at least one node each, like 2,8,1; got {text!r}"
        )
    return sizes


def floats_type(text: str) -> list[float]:
    """'0.5,0.1' -> [0.5, 0.1]."""
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, like 0.5,0.1; got {text!r}"
        ) from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_data_arguments(parser: argparse.ArgumentParser, default: str | None = "moons") -> None:
    group = parser.add_argument_group("data")
    group.add_argument("--data", choices=sorted(DATASETS), default=default,
                       help="the dataset (default: %(default)s)")
    group.add_argument("--n", type=positive_int,
                       help="points to generate for moons/circles (default: 200), "
                            "or digits to take (default: all)")
    group.add_argument("--noise", type=float, help="noise of moons/circles (default: 0.1)")
    group.add_argument("--data-seed", type=int, default=0,
                       help="seed of the generated data and of the train/test split "
                            "(default: %(default)s)")
    group.add_argument("--test-fraction", type=float, default=0.2,
                       help="share of the data held out for testing (default: %(default)s)")


def dataset(args: argparse.Namespace):
    """(train, test) for the data arguments."""
    # defaults only where the dataset takes them: xor takes neither n nor noise, digits no noise
    generated = args.data in ("moons", "circles")
    n = 200 if args.n is None and generated else args.n
    noise = 0.1 if args.noise is None and generated else args.noise
    data = load_dataset(args.data, n=n, noise=noise, seed=args.data_seed)
    if args.test_fraction == 0 or args.data == "xor":  # xor's four corners are all there is
        return data, []
    return split(data, test_fraction=args.test_fraction, seed=args.data_seed)


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


def add_network_arguments(p: argparse.ArgumentParser, sizes: str = "2,8,1") -> None:
    group = p.add_argument_group("network")
    group.add_argument("--sizes", type=sizes_type, default=sizes_type(sizes),
                       help=f"layer sizes n_1,...,n_L (default: {sizes})")
    group.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                       help="sigma of every layer (default: %(default)s)")
    group.add_argument("--output-activation", choices=ACTIVATIONS,
                       help="sigma of the output layer, if different")
    group.add_argument("--init", choices=INITS, default="normal",
                       help="weight initialisation (default: %(default)s)")
    group.add_argument("--seed", type=int, default=0,
                       help="seed of the initial weights and the shuffling (default: %(default)s)")


def add_sgd_arguments(p: argparse.ArgumentParser, epochs: int | None = None) -> None:
    group = p.add_argument_group("stochastic gradient descent")
    how_long = group.add_mutually_exclusive_group(required=epochs is None)
    how_long.add_argument("--epochs", type=positive_int, default=epochs,
                          help="passes over the training data")
    how_long.add_argument("--iterations", type=positive_int, help="SGD steps in all")
    group.add_argument("--batch-size", type=positive_int,
                       help="examples per SGD step, m (default: 10, or all the examples "
                            "when there are fewer)")
    group.add_argument("--eta", type=positive_float, default=3.0,
                       help="learning rate (default: %(default)s)")
    group.add_argument("--cost", choices=sorted(COSTS), default="quadratic",
                       help="cost function (default: %(default)s)")
    group.add_argument("--engine", choices=ENGINES, default="auto",
                       help="how gradients are computed: replay a recorded graph, or build "
                            "Values every time; the same numbers either way (default: "
                            "%(default)s, replay where it can)")
    group.add_argument("--no-progress", action="store_true", help="no progress bar")


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


def check_writable_file(path: Path) -> None:
    """Refuse, before any work is done, a file that could not be written at the end."""
    if path.is_dir():
        raise IsADirectoryError(f"cannot save to {path}: it is a folder; give a file name")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save to {path}: the folder {path.parent} does not exist")


def make_folder(path: Path) -> None:
    """Create the results folder ``path`` (and its parents) unless it is there."""
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"--out {path} is a file; give a folder for the results")
    path.mkdir(parents=True, exist_ok=True)


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


def cmd_evaluate(args: argparse.Namespace) -> int:
    net = load(args.model)
    train_data, test_data = dataset(args)
    data = train_data + test_data if args.all or not test_data else test_data
    C, accuracy = evaluate(net, data, COSTS[args.cost])
    which = "all" if args.all or not test_data else "test"
    print(f"{net}\n{len(data)} {which} {args.data} examples: C = {C:.6f}", end="")
    print(f", accuracy = {accuracy:.3f}" if accuracy is not None else "")
    return 0


# ---------------------------------------------------------------- demo


def add_demo(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="train a small sigmoid net on moons and write a folder of results",
        description="The whole thing end to end: train a sigmoid network on moons by "
                    "mini-batch SGD, then write the model, its history and pictures.")
    add_network_arguments(p, sizes="2,8,1")
    add_data_arguments(p)
    add_sgd_arguments(p, epochs=100)
    p.add_argument("--out", type=Path, default=Path("results"),
                   help="the folder for the results (default: %(default)s)")


def cmd_demo(args: argparse.Namespace) -> int:
    make_folder(args.out)
    net, history, train_data, test_data = fit(args)
    written = [args.out / "model.json", args.out / "history.json"]
    save(net, written[0])
    atomic_write_text(written[1], json.dumps(history.as_dict(), indent=1))
    written += demo_pictures(net, train_data + test_data, history, args.out)
    written += demo_graphs(net, (test_data or train_data)[0], args.out)
    written += demo_compare(net, (test_data or train_data)[0], COSTS[args.cost], args.out)
    print(f"wrote {len(written)} files to {args.out}/:")
    for path in written:
        print(f"  {path.name}")
    return 0


def demo_graphs(net: MLP, example, folder: Path) -> list[Path]:
    """The network diagram and one example's computation graph, when Graphviz can render."""
    x, y = example
    try:
        return save_pictures(net, x, y, folder)
    except GraphvizMissingError as error:
        print(f"no network pictures: {error}")
        return []
    except GraphTooLargeError as error:
        # save_pictures has backpropagated the example: the diagram can still be drawn
        print(f"no graph.svg: one example's computation graph has {error.n_values} Values, "
              f"more than {DEFAULT_MAX_NODES}; `deltagrad draw {folder / 'model.json'} "
              f"--max-nodes {error.n_values}` draws it")
        return [save_picture(draw_network(net, delta=True), folder / "network.svg")]


def demo_pictures(net: MLP, data, history: History, folder: Path) -> list[Path]:
    """The cost curve and decision boundary, when matplotlib is installed."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no plots (pip install 'deltagrad[plots]')")
        return []
    matplotlib.use("Agg")
    from nn.plots import save_training_pictures

    if net.sizes[0] != 2:
        print(f"no boundary.png: a decision boundary needs 2 inputs, the network has "
              f"{net.sizes[0]}")
    return save_training_pictures(net, data, history, folder)


# ---------------------------------------------------------------- one example of a model


def add_example_arguments(p: argparse.ArgumentParser) -> None:
    """A saved model and one example (x, y) to backpropagate through it."""
    p.add_argument("model", type=Path, help="a model saved by `deltagrad train`")
    p.add_argument("--x", type=floats_type, help="the example's input (default: 0.5 for each)")
    p.add_argument("--y", type=floats_type, help="its target (default: 1.0 for each output)")
    p.add_argument("--cost", choices=sorted(COSTS), default="quadratic",
                   help="cost function (default: %(default)s)")


def model_and_example(args: argparse.Namespace):
    """(net, x, y): the saved model and the example (0.5 per input, 1.0 per output unless given)."""
    net = load(args.model)
    x = args.x if args.x is not None else [0.5] * net.sizes[0]
    y = args.y if args.y is not None else [1.0] * net.sizes[-1]
    return net, x, y


# ---------------------------------------------------------------- draw


def add_draw(subparsers) -> None:
    p = subparsers.add_parser(
        "draw", help="draw a saved model: its network and one example's computation graph",
        description="Backpropagate one example through a saved model and write two pictures: "
                    "network.svg (layers, weights, delta_j^l) and graph.svg (the computation "
                    "graph of the example's cost). Needs Graphviz's dot program.")
    add_example_arguments(p)
    p.add_argument("--format", choices=["svg", "png", "pdf"], default="svg",
                   help="picture format (default: %(default)s)")
    p.add_argument("--max-nodes", type=positive_int, default=DEFAULT_MAX_NODES,
                   help="largest computation graph to draw (default: %(default)s)")
    p.add_argument("--out", type=Path, default=Path("pictures"),
                   help="the folder for the pictures (default: %(default)s)")


def cmd_draw(args: argparse.Namespace) -> int:
    net, x, y = model_and_example(args)
    make_folder(args.out)
    try:
        written = save_pictures(net, x, y, args.out, cost=COSTS[args.cost], format=args.format,
                                max_nodes=args.max_nodes)
    except GraphvizMissingError as error:
        print(f"deltagrad draw: error: {error}", file=sys.stderr)
        return 1
    except GraphTooLargeError as error:
        print(f"deltagrad draw: error: the computation graph of one example has "
              f"{error.n_values} Values, more than --max-nodes {args.max_nodes}; pass "
              f"--max-nodes {error.n_values} to draw it anyway (Graphviz will be slow)",
              file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


# ---------------------------------------------------------------- compare


def add_compare(subparsers) -> None:
    p = subparsers.add_parser(
        "compare", help="autograd's gradients beside the lecture's equations (and PyTorch's)",
        description="For one example, print delta_j^l, dC/db_j^l and dC/dw_jk^l of a saved "
                    "model as C.backward() finds them, as the lecture's equations 1-4 give "
                    "them, and as PyTorch does when it is installed, with their differences.")
    add_example_arguments(p)
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--html", type=Path, help="also write the report as an HTML table")


def cmd_compare(args: argparse.Namespace) -> int:
    net, x, y = model_and_example(args)
    report = compare(net, x, y, COSTS[args.cost], torch=False if args.no_torch else None)
    print(report)
    if args.html:
        atomic_write_text(args.html, report.html_page())
        print(f"wrote {args.html}")
    return 0


def demo_compare(net: MLP, example, cost, folder: Path) -> list[Path]:
    """compare.txt and compare.html: one example's gradients by autograd, formulas, PyTorch."""
    x, y = example
    try:
        report = compare(net, x, y, cost)
    except ValueError as error:  # e.g. cross-entropy of a saturated output
        print(f"no comparison: {error}")
        return []
    written = [folder / "compare.txt", folder / "compare.html"]
    atomic_write_text(written[0], str(report) + "\n")
    atomic_write_text(written[1], report.html_page())
    return written


# ---------------------------------------------------------------- main

COMMANDS = {
    "train": (add_train, cmd_train),
    "evaluate": (add_evaluate, cmd_evaluate),
    "demo": (add_demo, cmd_demo),
    "draw": (add_draw, cmd_draw),
    "compare": (add_compare, cmd_compare),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="deltagrad",
        description="Train and inspect the lecture's sigmoid networks, built on a tiny "
                    "autograd engine.")
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add, _ in COMMANDS.values():
        add(subparsers)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _, run = COMMANDS[args.command]
    try:
        return run(args)
    except BrokenPipeError:
        # the reader (say `| head`) has gone: stop quietly, as other commands do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (TrainingDiverged, ValueError, OSError) as error:
        print(f"deltagrad {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
