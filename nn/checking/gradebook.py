"""A class's grades as files: grades.csv, Gradescope's results.json, and the class in numbers.

``grades_csv`` is one row per student, sorted, with no timestamp, so that
grading again writes the same bytes; an LMS takes it as it is:

    student, score, max_score, first_wrong, mistake, status, reason

``score`` and ``max_score`` are numbers (the quantities right, of all of
them), ``mistake`` the catalogue's id ("" when none was named; where several
give the same numbers, the first; ``mistakes`` lists them all).

``gradescope_results`` is Gradescope's autograder ``results.json`` for one
submission: its score, the feedback at the grading level as its output, and
one test per block of quantities (dC/db^l and dC/dw^l of each layer), each
with its points. ``summary`` counts what a teacher wants to know of a class:
how the scores spread, and how many students made each mistake.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nn.checking.feedback import at_least, feedback
from nn.checking.grading import Grade
from nn.checking.reports import CheckRow

CSV_COLUMNS = ("student", "score", "max_score", "first_wrong", "mistake", "mistakes", "status",
               "reason")


def grades_csv(grades: Sequence[Grade]) -> str:
    """The grades as CSV text, a row per student in the order given (sorted by student)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for g in grades:
        writer.writerow([g.student, g.score, g.max_score, g.first_wrong or "", g.mistake or "",
                         " ".join(g.mistakes), g.status, g.reason])
    return out.getvalue()


def gradescope_results(grade: Grade, level: str) -> dict[str, Any]:
    """Gradescope's ``results.json`` for one submission, its feedback told at ``level``."""
    tests = []
    for (quantity, l), rows in _blocks(grade):
        right = sum(r.right for r in rows)
        wrong = [r.symbol for r in rows if not r.right]
        said = f"wrong: {', '.join(wrong)}" if wrong else "all right"
        tests.append({
            "name": f"{quantity}^{l} (layer {l})",
            "score": right,
            "max_score": len(rows),
            "status": "passed" if right == len(rows) else "failed",
            "output": said if at_least(level, "quantity") else "",
        })
    if not tests:  # no answer: one test, the code running and giving its numbers
        tests.append({"name": f"{grade.file} runs and returns (nabla_b, nabla_w)", "score": 0,
                      "max_score": grade.max_score, "status": "failed", "output": grade.reason})
    return {
        "score": grade.score,
        "output": grade_text(grade, level),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def grade_text(grade: Grade, level: str) -> str:
    """A student's feedback at ``level`` as text: the score, then what the level tells."""
    if grade.check is None:
        return (f"Score: {grade.score} of {grade.max_score} quantities right.\n"
                f"No answer: {grade.reason}")
    return feedback(grade.check, level).text()


def _blocks(grade: Grade) -> list[tuple[tuple[str, int], list[CheckRow]]]:
    """Each block's rows (dC/db^l, dC/dw^l from L back to 2); all wrong where no answer."""
    if grade.check is None or not grade.check.rows:
        return []
    blocks: dict[tuple[str, int], list[CheckRow]] = {}
    for r in grade.check.rows:
        quantity, layer = r.symbol.split("_")[0], int(r.symbol.rsplit("^", 1)[1])
        blocks.setdefault((quantity, layer), []).append(r)
    return list(blocks.items())


@dataclass(frozen=True)
class ClassSummary:
    """A class in numbers: how many, how the scores spread, and who made which mistake.

    ``bins`` counts the scores in tenths of the most (0-9%, 10-19%, ..., 100%);
    ``mistakes`` maps each catalogued mistake made to the students who made it (as the
    first wrong quantity's), most common first; ``statuses`` counts the ways
    submissions gave no answer.
    """

    students: int
    right: int
    mean: float
    max_score: int
    bins: tuple[int, ...]
    mistakes: dict[str, list[str]]
    statuses: dict[str, int]


def summary(grades: Sequence[Grade]) -> ClassSummary:
    """What the class page shows of ``grades``."""
    max_score = max((g.max_score for g in grades), default=0)
    bins = [0] * 11
    for g in grades:
        bins[min(10, int(10 * g.score / g.max_score)) if g.max_score else 0] += 1
    who: dict[str, list[str]] = {}
    for g in grades:
        for m in g.mistakes:
            who.setdefault(m, []).append(g.student)
    order = sorted(who, key=lambda m: (-len(who[m]), m))
    statuses = Counter(g.status for g in grades if g.status != "checked")
    mean = sum(g.score for g in grades) / len(grades) if grades else 0.0
    right = sum(g.check is not None and g.check.ok for g in grades)
    return ClassSummary(len(grades), right, mean, max_score, tuple(bins),
                        {m: who[m] for m in order}, dict(sorted(statuses.items())))
