"""``deltagrad check`` and ``deltagrad exercise``: a student's own backprop, and backprop by hand.

    deltagrad check student.py                 # student.py defines backprop(weights, biases, x, y)
    deltagrad exercise --seed 3 --out sheet.html
    deltagrad exercise --seed 3 --check answers.json
    deltagrad exercise --roster roster.csv --out sheets/     # a sheet per student, the key

``check`` runs the student's file in a child process (``nn.checking.isolation``)
that it can always stop: importing the file and calling its function on the
exercise's network (``nn.checking.student_files``), then setting every number
beside autograd's. What the file prints is shown before the report, cut at
100 KB. Whatever goes wrong is one line naming the file and the line: a
missing file, a syntax error, an exception, no such function, the process
ended (``os._exit``) or crashed. The file and the function each have
``--timeout`` seconds (an endless loop, or waiting for input, is stopped and
the line it was at named); the checker's own work has a time of its own, and
a timeout says whose it was. The child has 1 GiB of memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autodiff.files import (
    READ_LIMIT,
    KeyGivenTwiceError,
    NonFiniteNumberError,
    atomic_write_text,
    parse_json,
    read_at_most,
)
from nn.checking.array_styles import ARRAY_STYLES
from nn.checking.checker import frames_place
from nn.checking.class_sheets import KEY, read_roster, write_sheets
from nn.checking.exercises import MAX_EXERCISE_PARAMETERS, exercise, too_big_for_an_exercise
from nn.checking.feedback import DEFAULT_LEVEL, LEVELS
from nn.checking.isolation import Limits, Outcome, run_isolated
from nn.checking.reports import BackpropCheck, Tolerance
from nn.checking.student_files import CHECKER_SECONDS, FileCheck, StudentCodeError
from nn.cli.arguments import (
    Parser,
    add_force_argument,
    check_outputs,
    non_negative_float,
    positive_int,
    seconds_type,
    seed_type,
    sizes_type,
)
from nn.model.costs import COSTS, quadratic_cost

SHEET_SUFFIXES = (".html", ".htm", ".md", ".markdown")
OUTPUT_KEPT = 100_000  # bytes of what the student's file prints, shown before the report


# ---------------------------------------------------------------- check


def add_check(subparsers: argparse._SubParsersAction[Parser]) -> None:
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
    p.add_argument("--sizes", type=exercise_sizes_type, default=sizes_type("2,2,2"),
                   help="layer sizes n_1,...,n_L of the network it runs on (default: 2,2,2; "
                        f"at most {MAX_EXERCISE_PARAMETERS} weights and biases)")
    p.add_argument("--seed", type=seed_type, default=0,
                   help="seed of the network's weights and the example, as for `deltagrad "
                        "exercise` (default: %(default)s)")
    add_function_options(p)
    p.add_argument("--html", type=Path, help="also write the report as an HTML page")
    add_force_argument(p)


def add_function_options(p: argparse.ArgumentParser) -> None:
    """What the student's function takes and how it is checked: for check and grade alike."""
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
    p.add_argument("--timeout", type=seconds_type, default=10.0,
                   help="seconds the file may take to import, and the function to run "
                        "(default: %(default)s)")


def exercise_sizes_type(text: str) -> list[int]:
    """--sizes of an exercise: as for a network, and no more than an exercise may have."""
    sizes = sizes_type(text)
    if (beyond := too_big_for_an_exercise(sizes)) is not None:
        raise argparse.ArgumentTypeError(f"{text} {beyond}")
    return sizes


def cmd_check(args: argparse.Namespace) -> int:
    check_outputs({"--html": args.html}, {"the file to check": args.file})
    check = run_check(args)
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


def run_check(args: argparse.Namespace) -> BackpropCheck:
    """The report of the student's file, checked in a child process; its output shown first."""
    request = FileCheck(str(args.file), args.function, args.seed, tuple(args.sizes), args.cost,
                        args.arrays, args.batch, args.rtol, args.atol, args.timeout)
    limits = Limits(seconds=args.timeout, total=2 * args.timeout + 2 * CHECKER_SECONDS,
                    output=OUTPUT_KEPT)
    outcome = run_isolated("nn.checking.student_files:check_file", request, limits=limits,
                           folder=Path.cwd())
    _show_output(outcome)
    if outcome.ok and isinstance(outcome.value, BackpropCheck):
        return outcome.value
    if outcome.ok:  # the one line saying why there is no report
        raise StudentCodeError(outcome.value)
    raise StudentCodeError(_what_happened(outcome, args))


def _show_output(outcome: Outcome) -> None:
    if outcome.output:
        print(outcome.output, end="" if outcome.output.endswith("\n") else "\n")
    if outcome.cut:
        print(f"(and {outcome.cut} more bytes of output, not shown)")


def _what_happened(outcome: Outcome, args: argparse.Namespace) -> str:
    """One line: whose time ran out and where, or how the process ended."""
    if outcome.status == "timed out" and outcome.whose == "checker":
        return (f"the checker did not finish {outcome.phase} within {CHECKER_SECONDS:g} s "
                "(not your code's time); smaller --sizes make a smaller exercise")
    if outcome.status == "timed out":
        return (f"{outcome.phase} did not finish within {args.timeout:g} s (it was at "
                f"{frames_place(outcome.traceback)}): an endless loop, or waiting for input? "
                "(--timeout sets the limit)")
    doing = f"running {args.function}" if outcome.phase == args.function else outcome.phase
    while_ = f" while {doing}" if doing else ""
    if outcome.status == "exited":
        return (f"{args.file.name}: the process ended{while_} (exit status "
                f"{outcome.exit_code}) before the check was done: os._exit, or sys.exit in a "
                "thread?")
    if outcome.status == "crashed":
        return f"{args.file.name}: {outcome.reason}{while_}"
    return f"{args.file.name}: the check failed{while_}: {outcome.error}"


# ---------------------------------------------------------------- exercise


def add_exercise(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "exercise", help="an exercise in backpropagation by hand: the sheet, the check, "
                         "the solution",
        description="A small sigmoid network with short decimal weights, an input and a "
                    "target: print (or write) the sheet to hand out, check answers worked "
                    "by hand, or print the worked solution.")
    p.add_argument("--seed", type=seed_type, default=0,
                   help="which exercise: the same seed, the same numbers (default: %(default)s)")
    p.add_argument("--sizes", type=exercise_sizes_type, default=sizes_type("2,2,1"),
                   help="layer sizes n_1,...,n_L (default: 2,2,1; at most "
                        f"{MAX_EXERCISE_PARAMETERS} weights and biases)")
    p.add_argument("--out", type=Path,
                   help="write the sheet to this file, .html or .md (with the network "
                        "diagram, which needs Graphviz)")
    p.add_argument("--check", type=Path, metavar="ANSWERS",
                   help='check the answers in this JSON file, such as {"delta_1^3": -0.042}; '
                        "exit status 0 only when all are right")
    p.add_argument("--solution", action="store_true", help="print the worked solution")
    p.add_argument("--roster", type=Path, metavar="CSV",
                   help="a sheet per student of this roster (a column 'student'), each with "
                        "numbers of their own, into the folder --out, with the teacher's "
                        f"key, {KEY}; `deltagrad grade --answers` grades what they type")
    p.add_argument("--level", choices=LEVELS, default=DEFAULT_LEVEL,
                   help="how much the .html sheet tells of each answer typed into it, checked "
                        "on the page (default: %(default)s)")
    add_force_argument(p)


def cmd_exercise(args: argparse.Namespace) -> int:
    if args.roster:
        return cmd_roster(args)
    if args.out:
        if args.out.suffix.lower() not in SHEET_SUFFIXES:
            raise ValueError(f"--out {args.out}: give a name ending in .html or .md")
    check_outputs({"--out": args.out}, {"--check": args.check})
    answers = read_answers(args.check) if args.check else None
    ex = exercise(args.seed, args.sizes)
    status = 0
    if args.out:
        sheet = ex.sheet(args.level)
        sheet.save(args.out)
        missing = "" if sheet.diagram else (" (without the network diagram: Graphviz's dot "
                                            "program is missing)")
        print(f"wrote {args.out}{missing}")
    if answers is not None:
        try:
            result = ex.check(answers)  # type: ignore[arg-type]  # (check says what is wrong)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{args.check}: {error}") from None
        print(result.text())
        status = 0 if result.ok else 1
    if args.solution:
        print(ex.solution())
    if not (args.out or args.check or args.solution):
        print(ex.sheet().markdown(picture=False))
    return status


def cmd_roster(args: argparse.Namespace) -> int:
    """``exercise --roster``: the sheets of a roster and their key, into the folder --out."""
    if args.out is None or args.out.suffix:
        raise ValueError("--roster needs --out FOLDER, the folder the sheets go to")
    if args.check or args.solution:
        raise ValueError("--roster writes the sheets and their key; check the students' "
                         "answers with `deltagrad grade --answers`, not --check or --solution")
    if not args.roster.is_file():
        raise FileNotFoundError(f"no such file: {args.roster}")
    students = read_roster(args.roster)
    outputs = [args.out / f"{s}{suffix}" for s in students for suffix in (".html", ".md")]
    check_outputs({"--out": [*outputs, args.out / KEY]}, {"--roster": args.roster})
    write_sheets(students, args.out, args.sizes)
    print(f"wrote {len(students)} sheet{'s' * (len(students) != 1)} ({args.out}/<student>.html "
          f"and .md) and the key, {args.out / KEY}")
    return 0


def read_answers(path: Path) -> object:
    """The JSON in ``path``, or an error naming the file and what is wrong with it."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    raw = read_at_most(path, READ_LIMIT, "the answers")
    if len(raw) > READ_LIMIT:
        raise ValueError(f"{path}: larger than {READ_LIMIT} bytes: not a file of answers")
    try:
        return parse_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file (UTF-8)") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    except KeyGivenTwiceError as error:
        raise ValueError(f"{path}: the answer for {error.key} is given twice; give each "
                         "quantity once") from None
    except NonFiniteNumberError as error:
        raise ValueError(f"{path}: answers are finite numbers, found {error.token}") from None


COMMANDS = {
    "check": (add_check, cmd_check),
    "exercise": (add_exercise, cmd_exercise),
}
