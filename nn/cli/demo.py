"""``deltagrad demo``: the whole thing end to end, into a folder of results."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from autodiff.files import atomic_write_text
from autodiff.validate import plural
from autodiff.views.pictures import DEFAULT_MAX_NODES, GraphTooLargeError, save_picture
from nn.cli.arguments import (
    Parser,
    add_data_arguments,
    add_force_argument,
    add_network_arguments,
    add_sgd_arguments,
    check_outputs,
    data_description,
    data_inputs,
)
from nn.cli.training import fit, say_stopping
from nn.data.datasets import Example
from nn.lecture.comparison import compare
from nn.lecture.diagrams import (
    DEFAULT_MAX_EDGES,
    NetworkTooLargeError,
    draw_network,
    save_pictures,
)
from nn.lecture.step_by_step import walkthrough
from nn.model.costs import Cost, as_cost
from nn.model.layers import MLP
from nn.training.guard import Guard, guarded, steady_output
from nn.training.model_files import save
from nn.training.records import History

# ---------------------------------------------------------------- demo


def add_demo(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "demo", help="train a small sigmoid net on moons and write a folder of results",
        description="The whole thing end to end: train a sigmoid network on moons by "
                    "mini-batch SGD, then write the model, its history and pictures.")
    add_network_arguments(p)
    add_data_arguments(p)
    add_sgd_arguments(p, epochs=100)
    p.add_argument("--out", type=Path, default=Path("results"),
                   help="the folder for the results, made if missing (default: %(default)s)")
    add_force_argument(p)


# What the demo writes into its folder (the pictures' names are their functions').
DEMO_FILES = ("model.json", "history.json", "cost.png", "boundary.png", "network.svg",
              "graph.svg", "compare.txt", "compare.html", "walkthrough.html")


def cmd_demo(args: argparse.Namespace) -> int:
    """Train, then write the results, guarded as train is: a signal stops the training, and
    the results of what was learned are written before the command exits with 128 + it."""
    with steady_output(), guarded(say_stopping("demo")) as guard:
        _demo(args, guard)
    return guard.exit_status


def _demo(args: argparse.Namespace, guard: Guard) -> None:
    described = data_description(args)
    check_outputs({"--out": [args.out / name for name in DEMO_FILES]},
                  data_inputs(args, described))
    net, history, train_data, test_data = fit(args, described)
    if guard.stopping:
        steps = history.iterations[-1] if history.iterations else 0
        print(f"interrupted after {plural(steps, 'step')}: the results are those of what was "
              "learned until then")
    cost = as_cost(history.arguments["cost"])
    written = [args.out / "model.json", args.out / "history.json"]
    save(net, written[0], history=history, data=described)
    atomic_write_text(written[1], json.dumps(history.as_dict(), indent=1))
    written += demo_pictures(net, train_data + test_data, history, args.out)
    written += demo_graphs(net, (test_data or train_data)[0], args.out)
    written += demo_compare(net, (test_data or train_data)[0], cost, args.out)
    written += demo_walkthrough(net, (test_data or train_data)[0], cost,
                                history.arguments["eta"], args.out)
    print(f"wrote {len(written)} files to {args.out}/:")
    for path in written:
        print(f"  {path.name}")


def demo_walkthrough(net: MLP, example: Example, cost: Cost, eta: float, folder: Path
                     ) -> list[Path]:
    """walkthrough.html: backpropagation of one example, step by step, on the network."""
    x, y = example
    try:
        return [walkthrough(net, x, y, cost, eta=eta).save(folder / "walkthrough.html")]
    except ValueError as error:  # e.g. cross-entropy of a saturated output
        print(f"no walkthrough.html: {error}")
    return []


def demo_graphs(net: MLP, example: Example, folder: Path) -> list[Path]:
    """The network diagram and one example's computation graph, as SVG (drawn by deltagrad)."""
    x, y = example
    try:
        return save_pictures(net, x, y, folder)
    except GraphTooLargeError:
        # save_pictures has backpropagated the example: the diagram can still be drawn
        print(f"no graph.svg: one example's computation graph has more than "
              f"{DEFAULT_MAX_NODES} Values; `deltagrad draw {folder / 'model.json'} "
              f"--max-nodes N` with a larger N draws it")
        return [save_picture(draw_network(net, delta=True), folder / "network.svg")]
    except NetworkTooLargeError as error:
        print(f"no network pictures: the network has {error.n_edges} weights, more than "
              f"{DEFAULT_MAX_EDGES}; `deltagrad draw {folder / 'model.json'} --max-edges "
              f"{error.n_edges}` draws them")
        return []


def demo_pictures(net: MLP, data: Sequence[Example], history: History, folder: Path
                  ) -> list[Path]:
    """The cost curve and decision boundary, when matplotlib is installed."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no plots (pip install 'deltagrad[plots]')")
        return []
    matplotlib.use("Agg")
    from nn.lecture.plots import save_training_pictures

    if net.sizes[0] != 2:
        print(f"no boundary.png: a decision boundary needs 2 inputs, the network has "
              f"{net.sizes[0]}")
    return save_training_pictures(net, data, history, folder)


def demo_compare(net: MLP, example: Example, cost: Cost, folder: Path) -> list[Path]:
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


COMMANDS = {"demo": (add_demo, cmd_demo)}
