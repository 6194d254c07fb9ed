"""``deltagrad check`` and ``deltagrad exercise``: a student's own backprop, and backprop by hand.

    deltagrad check student.py                 # student.py defines backprop(weights, biases, x, y)
    deltagrad exercise --seed 3 --out sheet.html
    deltagrad exercise --seed 3 --check answers.json

``check`` imports the file as ``import student`` would (its folder first on
the path, so that it can import its neighbours; its ``if __name__ ==
"__main__":`` part not run), calls the function on a small network with short
decimal weights (``nn.exercise``'s, on which every catalogued mistake shows)
and prints the report. Whatever goes wrong in the student's code is one line
naming the file and the line: a missing file, a syntax error, an exception,
no such function. A file or function that runs longer than ``--timeout``
seconds (an endless loop, or waiting for input) is stopped, and the line it
was running named; where the system has no SIGALRM (Windows) there is no time
limit, and Ctrl-C stops it the same way.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import inspect
import json
import linecache
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from autodiff.files import atomic_write_text
from nn.checking.array_styles import ARRAY_STYLES
from nn.checking.checker import check_backprop, check_backprop_batch, frame_place, place, said
from nn.checking.exercises import exercise
from nn.checking.reports import BackpropCheck, Tolerance
from nn.cli.arguments import (
    add_force_argument,
    check_outputs,
    non_negative_float,
    positive_float,
    positive_int,
    sizes_type,
)
from nn.model.costs import COSTS, quadratic_cost

SHEET_SUFFIXES = (".html", ".htm", ".md", ".markdown")


class StudentCodeError(ValueError):
    """The student's file could not be checked: one line saying where and why."""


# ---------------------------------------------------------------- check


def add_check(subparsers) -> None:
    p = subparsers.add_parser(
        "check", help="check your own backprop(weights, biases, x, y) against autograd",
        description="Import a Python file defining backprop(weights, biases, x, y), which "
                    "returns (nabla_b, nabla_w), run it on a small network and set every "
                    "number it gives beside autograd's: the first wrong quantity, and the "
                    "catalogued mistake whose numbers match. Exit status 0 only when all "
                    "are right.")
    p.add_argument("file", type=Path, help="the Python file that defines the function")
    p.add_argument("--function", default="backprop",
                   help="the name of the function in the file (default: %(default)s)")
    p.add_argument("--sizes", type=sizes_type, default=sizes_type("2,2,2"),
                   help="layer sizes n_1,...,n_L of the network it runs on (default: 2,2,2)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the network's weights and the example, as for `deltagrad "
                        "exercise` (default: %(default)s)")
    p.add_argument("--cost", choices=sorted(COSTS), default=quadratic_cost.name,
                   help="the cost the function differentiates (default: %(default)s)")
    p.add_argument("--arrays", choices=ARRAY_STYLES, default="lists",
                   help="what the function gets: nested lists, numpy arrays, or numpy "
                        "columns of shape (n, 1) (default: %(default)s)")
    p.add_argument("--batch", type=positive_int, metavar="N",
                   help="check a function of a batch, backprop(weights, biases, xs, ys), "
                        "returning the mean gradient over N examples")
    p.add_argument("--rtol", type=non_negative_float, default=Tolerance.rtol,
                   help="relative tolerance (default: %(default)s)")
    p.add_argument("--atol", type=non_negative_float, default=Tolerance.atol,
                   help="absolute tolerance (default: %(default)s)")
    p.add_argument("--timeout", type=positive_float, default=10.0,
                   help="seconds the file and the function may take (default: %(default)s)")
    p.add_argument("--html", type=Path, help="also write the report as an HTML page")
    add_force_argument(p)


def cmd_check(args: argparse.Namespace) -> int:
    check_outputs({"--html": args.html}, {"the file to check": args.file})
    ex = exercise(args.seed, args.sizes)
    with time_limit(args.timeout, args.function):
        fn = load_function(args.file, args.function)
        check = _run(fn, ex, args)
    if args.html:
        atomic_write_text(args.html, check.html())
    if check.problem is not None:
        diagnosis = f"; that is {check.mistake}: {check.hint}" if check.mistake else ""
        print(f"deltagrad check: error: {args.file.name}: {check.problem}{diagnosis}",
              file=sys.stderr)
        return 1
    print(check.text())
    if args.html:
        print(f"wrote {args.html}")
    return 0 if check.ok else 1


def _run(fn: Callable, ex, args: argparse.Namespace) -> BackpropCheck:
    options = dict(arrays=args.arrays, rtol=args.rtol, atol=args.atol)
    try:
        if args.batch:
            xs, ys = ex.batch(args.batch)
            return check_backprop_batch(fn, ex.net, xs, ys, args.cost, **options)
        return check_backprop(fn, ex.net, ex.x, ex.y, args.cost, **options)
    except TypeError as error:  # only the function's signature is refused so
        raise StudentCodeError(f"{args.file.name}: {error}") from None


def load_function(path: Path, name: str) -> Callable:
    """``name`` from the Python file ``path``, imported as ``import <stem>`` would import it."""
    if not path.exists():
        raise StudentCodeError(f"no such file: {path}")
    if path.is_dir():
        raise StudentCodeError(f"{path} is a folder; give the Python file that defines {name}")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the file's neighbours import as they do for its author
    stem = path.stem
    module_name = stem if stem.isidentifier() and stem not in sys.modules else "deltagrad_student"
    loader = importlib.machinery.SourceFileLoader(module_name, str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(module_name, loader))
    sys.modules[module_name] = module
    try:
        loader.exec_module(module)
    except SyntaxError as error:
        code = f": {error.text.strip()}" if error.text and error.text.strip() else ""
        raise StudentCodeError(f"{path.name}, line {error.lineno}: {type(error).__name__}: "
                               f"{error.msg}{code}") from None
    except (Exception, SystemExit) as error:
        raise StudentCodeError(f"importing {path.name} raised {said(error)} at "
                               f"{place(error)}") from None
    fn = getattr(module, name, None)
    if fn is None:
        defined = [n for n, v in vars(module).items()
                   if inspect.isfunction(v) and v.__module__ == module_name]
        others = f"; it defines {', '.join(defined)} (--function picks one)" if defined else ""
        raise StudentCodeError(f"{path.name} defines no function {name}{others}")
    if not callable(fn):
        raise StudentCodeError(f"{name} in {path.name} is a {type(fn).__name__}, not a function")
    return fn


class _TimeUp(BaseException):
    """Raised into the student's code when its time is up (BaseException: a bare ``except
    Exception`` in that code does not swallow it)."""


@contextmanager
def time_limit(seconds: float, name: str) -> Iterator[None]:
    """Stop what runs inside after ``seconds`` (and on Ctrl-C) with a StudentCodeError naming
    the line it was at. Only in the main thread of a system with SIGALRM; elsewhere no limit.

    Code that swallows even that (a bare ``except:`` in a loop) is ended a second
    later with the same one line.
    """
    armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    fired = []

    def alarm(signum, frame):
        message = (f"{name} did not finish within {seconds:g} s (it was at "
                   f"{_frame_place(frame)}): an endless loop, or waiting for input? "
                   "(--timeout sets the limit)")
        if fired:
            print(f"deltagrad check: error: {message}", file=sys.stderr, flush=True)
            os._exit(1)
        fired.append(message)
        raise _TimeUp(message)

    if armed:
        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    except _TimeUp as error:
        raise StudentCodeError(str(error)) from None
    except KeyboardInterrupt as error:
        raise StudentCodeError(f"interrupted at {place(error)}") from None
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _frame_place(frame) -> str:
    code = frame.f_code
    return frame_place(code.co_filename, frame.f_lineno, code.co_name,
                       linecache.getline(code.co_filename, frame.f_lineno))


# ---------------------------------------------------------------- exercise


def add_exercise(subparsers) -> None:
    p = subparsers.add_parser(
        "exercise", help="an exercise in backpropagation by hand: the sheet, the check, "
                         "the solution",
        description="A small sigmoid network with short decimal weights, an input and a "
                    "target: print (or write) the sheet to hand out, check answers worked "
                    "by hand, or print the worked solution.")
    p.add_argument("--seed", type=int, default=0,
                   help="which exercise: the same seed, the same numbers (default: %(default)s)")
    p.add_argument("--sizes", type=sizes_type, default=sizes_type("2,2,1"),
                   help="layer sizes n_1,...,n_L (default: 2,2,1)")
    p.add_argument("--out", type=Path,
                   help="write the sheet to this file, .html or .md (with the network "
                        "diagram, which needs Graphviz)")
    p.add_argument("--check", type=Path, metavar="ANSWERS",
                   help='check the answers in this JSON file, such as {"delta_1^3": -0.042}; '
                        "exit status 0 only when all are right")
    p.add_argument("--solution", action="store_true", help="print the worked solution")
    add_force_argument(p)


def cmd_exercise(args: argparse.Namespace) -> int:
    if args.out:
        if args.out.suffix.lower() not in SHEET_SUFFIXES:
            raise ValueError(f"--out {args.out}: give a name ending in .html or .md")
    check_outputs({"--out": args.out}, {"--check": args.check})
    answers = read_answers(args.check) if args.check else None
    ex = exercise(args.seed, args.sizes)
    status = 0
    if args.out:
        sheet = ex.sheet()
        sheet.save(args.out)
        missing = "" if sheet.diagram else (" (without the network diagram: Graphviz's dot "
                                            "program is missing)")
        print(f"wrote {args.out}{missing}")
    if answers is not None:
        try:
            result = ex.check(answers)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{args.check}: {error}") from None
        print(result.text())
        status = 0 if result.ok else 1
    if args.solution:
        print(ex.solution())
    if not (args.out or args.check or args.solution):
        print(ex.sheet().markdown(picture=False))
    return status


def read_answers(path: Path) -> object:
    """The JSON in ``path``, or an error naming the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file (UTF-8)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None


COMMANDS = {
    "check": (add_check, cmd_check),
    "exercise": (add_exercise, cmd_exercise),
}
