"""The ``deltagrad`` command line: train, evaluate, the end-to-end demo, and looking inside.

    deltagrad train --sizes 2,8,1 --data moons --epochs 50 --batch-size 10 --eta 3 \
        --seed 0 --out model.json
    deltagrad evaluate model.json --data moons
    deltagrad demo

Also ``python -m nn ...``. Each subcommand is a function ``cmd_<name>(args)``
beside the function ``add_<name>(subparsers)`` that declares its arguments, in
the module of its kind (``training``, ``demo``, ``inspecting``), which lists
them in its ``COMMANDS``; ``arguments`` holds what they share. A failure is
one line on stderr, ``deltagrad <command>: error: ...``, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from autodiff import collector_paused
from nn.cli import demo, inspecting, training
from nn.sgd import TrainingDiverged

COMMANDS = {**training.COMMANDS, **demo.COMMANDS, **inspecting.COMMANDS}

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
        with collector_paused():  # the graphs have no cycles: reference counting frees them
            return run(args)
    except BrokenPipeError:
        # the reader (say `| head`) has gone: stop quietly, as other commands do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (TrainingDiverged, ValueError, OSError, ImportError) as error:
        print(f"deltagrad {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
