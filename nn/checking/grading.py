"""Grading a class: each submission checked in a process of its own, and a grade for each.

``grade_class(folder)`` checks every submission of ``folder``
(``nn.checking.submissions``): each student's ``backprop`` on their own
network and example, in a child process (``nn.checking.isolation``) with a
time limit, a memory limit and its output cut, run in an empty temporary
folder of its own. Whatever a submission does, it gets a ``Grade``: an
endless loop, a syntax error, an exception at import, ``sys.exit``, a thread
left running, memory eaten past the limit, megabytes printed; each is graded
(0 where it gave no answer) with the reason in words, and the class goes on.

The score is partial credit by quantity: one point for each dC/db_j^l and
dC/dw_jk^l within the tolerance of autograd's, out of all of them. A student
whose output layer is right and hidden layer wrong scores between 0 and the
most; one whose code gave no answer scores 0.

This bounds what a submission may take, not what it may do: it runs as the
same user as the grader. Grade code you do not trust in a container
(docs/grading.md shows how).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from nn.checking.feedback import DEFAULT_LEVEL, check_level
from nn.checking.isolation import Limits, Outcome, phase, run_isolated
from nn.checking.reports import BackpropCheck, Tolerance
from nn.checking.student_files import CHECKER_SECONDS, FileCheck, check_file
from nn.checking.submissions import Submission, notebook_code, student_exercise, submissions
from nn.model.costs import quadratic_cost
from nn.model.layers import check_sizes

OUTPUT_KEPT = 100_000  # bytes of what a submission prints, kept for its page


@dataclass(frozen=True)
class GradingOptions:
    """How a class is graded: the network's sizes, the cost and array style the function
    takes, a batch, the function's name, the tolerance, the limits and the feedback level."""

    sizes: tuple[int, ...] = (2, 2, 2)
    cost: str = quadratic_cost.name
    arrays: str = "lists"
    batch: int | None = None
    function: str = "backprop"
    rtol: float = Tolerance.rtol
    atol: float = Tolerance.atol
    timeout: float = 10.0
    memory: int | None = 2**30
    level: str = DEFAULT_LEVEL

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(check_sizes(self.sizes)))
        check_level(self.level)

    @property
    def max_score(self) -> int:
        """One point per dC/db_j^l and dC/dw_jk^l: n_l (1 + n_(l-1)) for each layer l = 2..L."""
        return sum(n * (1 + m) for m, n in zip(self.sizes, self.sizes[1:]))


@dataclass
class Grade:
    """One student's grade, and how it came about.

    Attributes:
        student: the id (the file's stem).
        file: the submission's file name.
        score: the quantities right (partial credit); ``max_score`` how many there are.
        status: "checked" (its numbers were compared), or why there is no answer: "no
            answer" (its code could not be run or returned nothing to check), "timed out",
            "exited", "crashed".
        reason: what happened, in words; "" for a submission that was checked.
        check: the checker's report (None where the code gave no answer).
        output: what it printed, cut to ``OUTPUT_KEPT`` bytes; ``cut`` bytes were dropped.
        notes: limits the system could not set, in words.
    """

    student: str
    file: str
    score: int
    max_score: int
    status: str
    reason: str = ""
    check: BackpropCheck | None = None
    output: str = ""
    cut: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def first_wrong(self) -> str | None:
        return self.check.first_wrong if self.check else None

    @property
    def mistakes(self) -> tuple[str, ...]:
        return self.check.mistakes if self.check else ()

    @property
    def mistake(self) -> str | None:
        return self.check.mistake if self.check else None


def grade_class(
    folder: str | os.PathLike[str], options: GradingOptions = GradingOptions(), *,
    jobs: int = 2, progress: Callable[[Grade], None] | None = None,
) -> list[Grade]:
    """Every submission of ``folder`` graded, ``jobs`` at a time; the grades sorted by student.

    ``progress(grade)`` is called as each is done (in the order they finish).
    """
    found = submissions(folder)
    return grade_submissions(found, options, jobs=jobs, progress=progress)


def grade_submissions(
    found: Sequence[Submission], options: GradingOptions = GradingOptions(), *,
    jobs: int = 2, progress: Callable[[Grade], None] | None = None,
) -> list[Grade]:
    """``grade_class`` of submissions already found."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")

    def one(submission: Submission) -> Grade:
        grade = grade_submission(submission, options)
        if progress is not None:
            progress(grade)
        return grade

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each thread waits on its child
        grades = list(pool.map(one, found))
    return sorted(grades, key=lambda g: g.student)


def grade_submission(submission: Submission, options: GradingOptions = GradingOptions()
                     ) -> Grade:
    """One submission checked in a child process, in an empty temporary folder of its own.

    The file is copied there (a notebook as its code cells), so that it
    imports no other student's file, and writes nothing where the grades go.
    """
    with tempfile.TemporaryDirectory(prefix="deltagrad-grade-") as folder:
        name = f"{submission.student}.py" if submission.student.isidentifier() else "student.py"
        copy = Path(folder) / name
        try:
            if submission.kind == "ipynb":
                copy.write_text(notebook_code(submission.path), encoding="utf-8")
            else:
                shutil.copyfile(submission.path, copy)
        except (OSError, ValueError) as error:
            return _no_answer(submission, options, "no answer", f"cannot be read: {error}")
        request = FileCheck(str(copy), options.function, 0, options.sizes, options.cost,
                            options.arrays, options.batch, options.rtol, options.atol,
                            options.timeout)
        limits = Limits(seconds=options.timeout,
                        total=2 * options.timeout + 2 * CHECKER_SECONDS,
                        memory=options.memory, output=OUTPUT_KEPT)
        outcome = run_isolated("nn.checking.grading:check_submission", request,
                               submission.student, limits=limits, folder=folder)
    return _graded(submission, options, outcome)


def check_submission(request: FileCheck, student: str) -> BackpropCheck | str:
    """In the child: the student's file checked on their own network and example."""
    phase(f"building {student}'s exercise", CHECKER_SECONDS, "checker")
    return check_file(request, student_exercise(student, request.sizes))


def _graded(submission: Submission, options: GradingOptions, outcome: Outcome) -> Grade:
    """The grade of what became of a submission's child process."""
    kept = _Kept(outcome.output, outcome.cut, tuple(outcome.notes))
    if outcome.ok and isinstance(outcome.value, BackpropCheck):
        check = outcome.value
        score = sum(r.right for r in check.rows) if check.problem is None else 0
        status = "checked" if check.problem is None else "no answer"
        return Grade(submission.student, submission.path.name, score, options.max_score,
                     status, check.problem or "", check, kept.output, kept.cut, list(kept.notes))
    if outcome.ok:  # the one line saying why the file could not be checked
        return _no_answer(submission, options, "no answer", str(outcome.value), kept)
    status = "no answer" if outcome.status == "raised" else outcome.status
    return _no_answer(submission, options, status, _reason(outcome), kept)


class _Kept(NamedTuple):
    """What a grade keeps of its child process: its output, the bytes cut, the notes."""

    output: str = ""
    cut: int = 0
    notes: tuple[str, ...] = ()


def _reason(outcome: Outcome) -> str:
    """What became of a child that did not return, in words, with the student's phase."""
    phase = f"running {outcome.phase}" if outcome.phase.isidentifier() else outcome.phase
    where = f" while {phase}" if phase else ""
    if outcome.status == "raised":
        return f"the checker could not finish{where}: {outcome.error}"
    return f"{outcome.reason}{where}"


def _no_answer(submission: Submission, options: GradingOptions, status: str, reason: str,
               kept: _Kept | None = None) -> Grade:
    kept = kept or _Kept()
    return Grade(submission.student, submission.path.name, 0, options.max_score, status,
                 reason, None, kept.output, kept.cut, list(kept.notes))
