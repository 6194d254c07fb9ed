"""``deltagrad draw`` and ``deltagrad compare``: look inside a saved model on one example."""

from __future__ import annotations

import argparse
from pathlib import Path

from autodiff.files import atomic_write_text
from autodiff.pictures import DEFAULT_MAX_NODES, GraphTooLargeError
from nn.cli.arguments import (
    add_example_arguments,
    check_writable_file,
    model_and_example,
    positive_int,
    the_example_of,
)
from nn.comparison import compare
from nn.costs import COSTS
from nn.diagrams import DEFAULT_MAX_EDGES, NetworkTooLargeError, save_pictures

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
                   help="largest computation graph to draw, in Values (default: %(default)s)")
    p.add_argument("--max-edges", type=positive_int, default=DEFAULT_MAX_EDGES,
                   help="largest network to draw, in weights (default: %(default)s)")
    p.add_argument("--out", type=Path, default=Path("pictures"),
                   help="the folder for the pictures, made if missing (default: %(default)s)")


def cmd_draw(args: argparse.Namespace) -> int:
    check_writable_file(args.out / f"network.{args.format}")
    net, x, y = model_and_example(args)
    try:
        with the_example_of(args):
            written = save_pictures(net, x, y, args.out, cost=COSTS[args.cost],
                                    format=args.format, max_nodes=args.max_nodes,
                                    max_edges=args.max_edges)
    except GraphTooLargeError:
        raise ValueError(f"the computation graph of one example has more than --max-nodes "
                         f"{args.max_nodes} Values; give a larger --max-nodes to draw it anyway "
                         "(Graphviz will be slow)") from None
    except NetworkTooLargeError as error:
        raise ValueError(f"the network has {error.n_edges} weights, more than --max-edges "
                         f"{args.max_edges}; pass --max-edges {error.n_edges} to draw it anyway "
                         "(Graphviz will be slow, and the picture hard to read)") from None
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
    if args.html:
        check_writable_file(args.html)
    net, x, y = model_and_example(args)
    with the_example_of(args):
        report = compare(net, x, y, COSTS[args.cost], torch=False if args.no_torch else None)
    print(report)
    if args.html:
        atomic_write_text(args.html, report.html_page())
        print(f"wrote {args.html}")
    return 0


COMMANDS = {
    "draw": (add_draw, cmd_draw),
    "compare": (add_compare, cmd_compare),
}
