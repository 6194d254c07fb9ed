"""``deltagrad grade``: a class's backprops graded, each student on their own numbers.

    deltagrad grade submissions/ --out grades/              # *.py and *.ipynb, one per student
    deltagrad grade submissions/ --out grades/ --level equation --gradescope results.json
    deltagrad grade --answers answers.csv --out grades/     # numbers typed from the sheets

Each submission runs in a process of its own (``nn.checking.grading``), with
``--timeout`` seconds and ``--memory`` bytes, its output cut; ``--jobs`` of
them at a time. OUT gets ``grades.csv`` (a row per student), ``<student>.html``
(their feedback at ``--level``) and ``class.html`` (the class at a glance).
Exit status 0 when grading completed, whatever the students scored; 2 and one
line on stderr for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from autodiff.files import atomic_write_text
from nn.checking.class_sheets import grade_answers, read_answers_csv
from nn.checking.feedback import DEFAULT_LEVEL, LEVELS
from nn.checking.grade_pages import class_page, student_page
from nn.checking.gradebook import grades_csv, gradescope_results
from nn.checking.grading import Grade, GradingOptions, grade_submissions
from nn.checking.submissions import Submission, submissions
from nn.cli.arguments import Parser, add_force_argument, check_outputs, positive_int
from nn.cli.checking import add_function_options, exercise_sizes_type
from nn.training.guard import say_on_stderr

BAD_ARGUMENTS = 2
RESERVED = {"class"}  # a student's page may not take the class page's name


def add_grade(subparsers: argparse._SubParsersAction[Parser]) -> None:
    p = subparsers.add_parser(
        "grade", help="grade a class's backprops (or numbers typed from the exercise sheets)",
        description="Check every submission in DIR (*.py, and *.ipynb by its code cells; the "
                    "file's stem is the student's id) on the student's own network and example, "
                    "each in a process of its own with a time and a memory limit, and write "
                    "OUT/grades.csv, OUT/<student>.html and OUT/class.html. The score is one "
                    "point per quantity dC/db_j^l and dC/dw_jk^l right. Exit status 0 when "
                    "grading completed, whatever the scores; 2 for bad arguments.")
    p.add_argument("folder", nargs="?", type=Path, metavar="DIR",
                   help="the folder of submissions, each defining backprop(weights, biases, x, y)")
    p.add_argument("--out", type=Path, required=True, help="the folder the grades go to")
    p.add_argument("--answers", type=Path, metavar="CSV",
                   help="grade numbers typed from the sheets of `deltagrad exercise --roster` "
                        "instead: a CSV of student, quantity, value")
    p.add_argument("--sizes", type=exercise_sizes_type, default=None,
                   help="layer sizes n_1,...,n_L (default: 2,2,2 for code; 2,2,1, as the "
                        "sheets, for --answers)")
    p.add_argument("--function", default="backprop",
                   help="the name of the function in each file (default: %(default)s)")
    add_function_options(p)
    p.add_argument("--memory", type=memory_type, default=2**30,
                   help="memory each submission may take, such as 512M or 2G, or 'none' "
                        "(default: 1G; where the system sets no such limit, the grades say so)")
    p.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 1,
                   help="submissions graded at a time (default: the number of cores, "
                        "%(default)s here)")
    p.add_argument("--level", choices=LEVELS, default=DEFAULT_LEVEL,
                   help="how much feedback the students are told (default: %(default)s)")
    p.add_argument("--gradescope", type=Path, metavar="PATH",
                   help="also write Gradescope's results.json: PATH itself for one "
                        "submission, PATH/<student>.json for several")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_force_argument(p)


def memory_type(text: str) -> int | None:
    """--memory: bytes, with K, M or G (powers of 1024), or "none" for no limit."""
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    word = text.strip().lower().removesuffix("b")
    if word == "none":
        return None
    scale = units.get(word[-1:], 1)
    try:
        value = float(word[:-1] if word[-1:] in units else word) * scale
    except ValueError:
        value = float("nan")
    if not 2**20 <= value < 2**50:
        raise argparse.ArgumentTypeError(f"{text!r}: expected bytes of memory, at least 1M, "
                                         "such as 512M or 2G, or 'none'")
    return int(value)


def cmd_grade(args: argparse.Namespace) -> int:
    problem = _bad_arguments(args)
    if problem:
        say_on_stderr(f"deltagrad grade: error: {problem}")
        return BAD_ARGUMENTS
    if args.answers:
        grades = grade_answers(read_answers_csv(args.answers), tuple(args.sizes or (2, 2, 1)))
        found: list[Submission] = []
    else:
        found = submissions(args.folder)
        if (problem := _bad_submissions(found, args)) is not None:
            say_on_stderr(f"deltagrad grade: error: {problem}")
            return BAD_ARGUMENTS
    _check_files(args, found)
    if not args.answers:
        options = GradingOptions(tuple(args.sizes or (2, 2, 2)), args.cost, args.arrays,
                                 args.batch, args.function, args.rtol, args.atol, args.timeout,
                                 args.memory, args.level)
        with _progress(len(found), not args.no_progress) as advance:
            grades = grade_submissions(found, options, jobs=args.jobs, progress=advance)
    _write(args, grades)
    right = sum(g.check is not None and g.check.ok for g in grades)
    print(f"graded {len(grades)} submission{'s' * (len(grades) != 1)} ({right} all right): "
          f"wrote {args.out / 'grades.csv'}, {args.out / 'class.html'} and a page per student")
    return 0


def _bad_arguments(args: argparse.Namespace) -> str | None:
    if (args.folder is None) == (args.answers is None):
        return "give either DIR, the folder of submissions, or --answers CSV, not both"
    if args.folder is not None and not args.folder.is_dir():
        return f"{args.folder}: no such folder of submissions"
    if args.answers is not None and not args.answers.is_file():
        return f"--answers {args.answers}: no such file"
    if args.folder is not None and args.out.resolve() == args.folder.resolve():
        return "--out is the folder of submissions: give the grades a folder of their own"
    return None


def _bad_submissions(found: list[Submission], args: argparse.Namespace) -> str | None:
    if not found:
        return f"{args.folder} holds no submission (*.py or *.ipynb)"
    taken = [s.path.name for s in found if s.student in RESERVED]
    if taken:
        return f"a submission may not be named {taken[0]}: its page would be class.html; rename it"
    return None


def _check_files(args: argparse.Namespace, found: list[Submission]) -> None:
    inputs = {f"submission {s.path.name}": s.path for s in found}
    if args.answers:
        inputs["--answers"] = args.answers
    outputs = {"--out": [args.out / "grades.csv", args.out / "class.html"]}
    if args.gradescope:
        outputs["--gradescope"] = ([args.gradescope] if len(found) == 1 else
                                   [args.gradescope / f"{s.student}.json" for s in found])
    check_outputs(outputs, inputs)


def _write(args: argparse.Namespace, grades: list[Grade]) -> None:
    atomic_write_text(args.out / "grades.csv", grades_csv(grades))
    for g in grades:
        atomic_write_text(args.out / f"{g.student}.html", student_page(g, args.level))
    atomic_write_text(args.out / "class.html", class_page(grades, args.level))
    if args.gradescope:
        for g in grades:
            path = args.gradescope if len(grades) == 1 and not args.answers else (
                args.gradescope / f"{g.student}.json")
            atomic_write_text(path, json.dumps(gradescope_results(g, args.level), indent=2,
                                               ensure_ascii=False) + "\n")


class _progress:
    """A tqdm bar over the submissions on stderr, where someone can see it (a terminal)."""

    def __init__(self, total: int, wanted: bool) -> None:
        self.bar = None
        if wanted and sys.stderr is not None and sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, unit="submission", desc="grading", file=sys.stderr)

    def __enter__(self) -> Callable[[Grade], None]:
        def advance(grade: Grade) -> None:
            if self.bar is not None:
                self.bar.set_postfix_str(grade.student, refresh=False)
                self.bar.update(1)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


COMMANDS = {"grade": (add_grade, cmd_grade)}
