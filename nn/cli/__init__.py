"""The ``deltagrad`` command line: train, evaluate, the end-to-end demo, and looking inside.

    deltagrad train --sizes 2,8,1 --data moons --epochs 50 --batch-size 10 --eta 3 \
        --seed 0 --out model.json
    deltagrad evaluate model.json
    deltagrad demo

Also ``python -m nn ...``. Each subcommand is a function ``cmd_<name>(args)``
beside the function ``add_<name>(subparsers)`` that declares its arguments, in
the module of its kind (``training``, ``demo``, ``inspecting``, ``checking``), which lists
them in its ``COMMANDS``; ``arguments`` holds what they share. A failure is
one line on stderr, ``deltagrad <command>: error: ...``, never a traceback;
a warning is one line too, ``deltagrad <command>: warning: ...``.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import os
import sys
import warnings
from collections.abc import Sequence

from autodiff import collector_paused
from autodiff.files import WriteProtectedError, forcing
from autodiff.views.notation import GREEK
from nn.cli import checking, demo, grading, inspecting, training
from nn.cli.arguments import Parser, attach_negative_numbers, remove_made_folders, unknown_options
from nn.training.guard import Terminated, open_standard_streams, say_on_stderr

COMMANDS = {**training.COMMANDS, **demo.COMMANDS, **inspecting.COMMANDS,
            **checking.COMMANDS, **grading.COMMANDS}
LONGEST_MESSAGE = 1000  # characters of an error message: one line, even for a strange error


def parser() -> argparse.ArgumentParser:
    top = Parser(
        prog="deltagrad",
        description="Train and inspect the lecture's sigmoid networks, built on a tiny "
                    "autograd engine.")
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                    parser_class=Parser)
    for add, _ in COMMANDS.values():
        add(subparsers)
    for command in subparsers.choices.values():
        command.set_defaults(command_parser=command)  # (to say which options it has)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    open_standard_streams()  # (a closed stderr must not make the model file fd 2)
    _readable_anywhere()
    top = parser()
    args, extra = top.parse_known_args(attach_negative_numbers(
        sys.argv[1:] if argv is None else argv))
    if extra:
        args.command_parser.error(unknown_options(extra, args.command_parser))
    _, run = COMMANDS[args.command]
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_, **__: _say(args.command, "warning", message)
        forced = forcing() if getattr(args, "force", False) else contextlib.nullcontext()
        try:
            # (the graphs have no cycles: reference counting frees them)
            with collector_paused(), forced:
                return run(args)
        except BrokenPipeError:
            # the reader (say `| head`) has gone: stop quietly, as other commands do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except KeyboardInterrupt:
            remove_made_folders()
            _say(args.command, "error", "interrupted")
            return 130
        except Terminated as signalled:  # SIGTERM before training began: nothing to keep
            remove_made_folders()
            _say(args.command, "error", signalled)
            return signalled.exit_status
        except Exception as error:  # whatever it is, one line: never a traceback
            remove_made_folders()
            _say(args.command, "error", _reason(error))
            return 1


# What the lecture's symbols are called where a terminal cannot show them (an ASCII one).
IN_ASCII = {**{letter: name for name, letter in GREEK.items()}, "∂": "d", "≤": "<=", "≥": ">=",
            "−": "-", "–": "-", "—": "-", "½": "1/2", "²": "^2", "·": "*", "×": "x", "Σ": "sum",
            "→": "->", "…": "...", "‖": "||", "′": "'", "ᵀ": "^T"}


def _readable_anywhere() -> None:
    """Print what a terminal cannot show in words (σ as sigma), never fail on it."""

    def in_words(error: UnicodeError) -> tuple[str, int]:
        if not isinstance(error, UnicodeEncodeError):  # (registered for writing only)
            raise error
        text = error.object[error.start:error.end]
        return "".join(IN_ASCII.get(c) or c.encode("ascii", "backslashreplace").decode()
                       for c in text), error.end

    codecs.register_error("deltagrad.words", in_words)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):  # (closed, or not a text file)
            stream.reconfigure(errors="deltagrad.words")  # type: ignore[union-attr]


# The errors that say in their own words what was wrong; any other kind is named too.
PLAIN = (ValueError, TypeError, OSError, ArithmeticError, ImportError, RuntimeError)


def _reason(error: Exception) -> str:
    """What went wrong, in the error's words; its kind too where they would not say it."""
    if isinstance(error, WriteProtectedError):  # in the command line's words
        error = WriteProtectedError(error.path, error.mode, "--force")
    text = str(error)
    if not text or not isinstance(error, PLAIN) or isinstance(error, RecursionError):
        text = f"{type(error).__name__}: {text}".rstrip(": ")
    return text


def _say(command: str, kind: str, message: object) -> None:
    text = " ".join(str(message).split())  # one line
    if len(text) > LONGEST_MESSAGE:
        text = text[: LONGEST_MESSAGE - 3] + "..."
    say_on_stderr(f"deltagrad {command}: {kind}: {text}")


if __name__ == "__main__":
    sys.exit(main())
