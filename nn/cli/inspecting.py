"""``deltagrad draw``, ``compare`` and ``explain``: look inside a saved model on one example."""

from __future__ import annotations

import argparse
from pathlib import Path

from autodiff.files import atomic_write_text
from autodiff.views.pictures import DEFAULT_MAX_NODES, GraphTooLargeError
from nn.cli.arguments import (
    Parser,
    add_example_arguments,
    add_force_argument,
    model_and_example,
    positive_float,
    positive_int,
    the_example_of,
)
from nn.lecture.comparison import compare
from nn.lecture.diagrams import DEFAULT_MAX_EDGES, NetworkTooLargeError, save_pictures
from nn.lecture.step_by_step import walkthrough

# ---------------------------------------------------------------- draw


def add_draw(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "draw", help="draw a saved model: its network and one example's computation graph",
        description="Backpropagate one example through a saved model and write two pictures: "
                    "network.svg (layers, weights, delta_j^l) and graph.svg (the computation "
                    "graph of the example's cost), drawn by deltagrad itself: no Graphviz needed.")
    add_example_arguments(p)
    p.add_argument("--format", choices=["svg", "png", "pdf"], default="svg",
                   help="picture format (default: %(default)s)")
    p.add_argument("--max-nodes", type=positive_int, default=DEFAULT_MAX_NODES,
                   help="largest computation graph to draw, in Values (default: %(default)s)")
    p.add_argument("--max-edges", type=positive_int, default=DEFAULT_MAX_EDGES,
                   help="largest network to draw, in weights (default: %(default)s)")
    p.add_argument("--out", type=Path, default=Path("pictures"),
                   help="the folder for the pictures, made if missing (default: %(default)s)")
    add_force_argument(p)


def cmd_draw(args: argparse.Namespace) -> int:
    net, x, y = model_and_example(args, {"--out": [args.out / f"{name}.{args.format}"
                                                   for name in ("network", "graph")]})
    try:
        with the_example_of(args):
            written = save_pictures(net, x, y, args.out, cost=args.cost,
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


def add_compare(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "compare", help="autograd's gradients beside the lecture's equations (and PyTorch's)",
        description="For one example, print delta_j^l, dC/db_j^l and dC/dw_jk^l of a saved "
                    "model as C.backward() finds them, as the lecture's equations 1-4 give "
                    "them, and as PyTorch does when it is installed, with their differences.")
    add_example_arguments(p)
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--html", type=Path, help="also write the report as an HTML table")
    add_force_argument(p)


def cmd_compare(args: argparse.Namespace) -> int:
    net, x, y = model_and_example(args, {"--html": args.html})
    with the_example_of(args):
        report = compare(net, x, y, args.cost, torch=False if args.no_torch else None)
    print(report)
    if args.html:
        atomic_write_text(args.html, report.html_page())
        print(f"wrote {args.html}")
    return 0


# ---------------------------------------------------------------- explain


def add_explain(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "explain", help="backpropagation through a saved model, step by step, numbers plugged in",
        description="Walk one example through a saved model: the forward pass, then delta, "
                    "dC/db and dC/dw by the lecture's equations 1-4 with the numbers plugged "
                    "in, and with --eta the SGD update. Prints the steps, or writes them to "
                    "--out: a page to step through (.html), Markdown with math (.md), text "
                    "(.txt) or an animated GIF (.gif).")
    add_example_arguments(p)
    p.add_argument("--eta", type=positive_float,
                   help="also show the SGD update w -> w - eta dC/dw of every parameter")
    p.add_argument("--digits", type=positive_int, default=6,
                   help="significant digits of the numbers shown (default: %(default)s)")
    p.add_argument("--out", type=Path,
                   help="write the walkthrough here (.html, .md, .txt or .gif) instead of "
                        "printing it")
    add_force_argument(p)


EXPLAIN_SUFFIXES = (".html", ".md", ".txt", ".gif")


def cmd_explain(args: argparse.Namespace) -> int:
    if args.out is not None:
        if args.out.suffix.lower() not in EXPLAIN_SUFFIXES:
            raise ValueError(f"--out {args.out} must end in one of {', '.join(EXPLAIN_SUFFIXES)}")
    net, x, y = model_and_example(args, {"--out": args.out})
    with the_example_of(args):
        walk = walkthrough(net, x, y, args.cost, eta=args.eta, digits=args.digits)
    if args.out is None:
        print(walk.text(), end="")
        return 0
    walk.save(args.out)  # the page and the GIF draw the network: Graphviz's dot renders it
    print(f"wrote {args.out} ({len(walk)} steps)")
    return 0


COMMANDS = {
    "draw": (add_draw, cmd_draw),
    "compare": (add_compare, cmd_compare),
    "explain": (add_explain, cmd_explain),
}
