"""Feedback at a level: how much of a check a student is told, for graders who must not give
the answer away.

A ``BackpropCheck`` knows everything: every number, autograd's beside the
student's, the first wrong quantity, its equation and the catalogued mistake.
A grader chooses how much of that the student sees, one level adding to the
one before:

    score     the score alone: how many quantities are right, of how many
    quantity  + which quantity is the first wrong one, and which are right or wrong
    equation  + which of the lecture's equations gives that quantity
    hint      + the catalogued mistake (its id and its words) and its hint (the default)
    solution  + the right numbers, and the worked step of the first wrong quantity

Below ``solution`` no right number is shown: not autograd's column, and not the
checker's own words where they quote one (a wrong quantity no catalogued
mistake explains is said to be so, with its equation).

>>> from nn import exercise
>>> ex = exercise(0)
>>> feedback(ex.check({"delta_1^3": 0.0}), "quantity").text()
'Score: 0 of 1 quantities right.\\nThe first wrong quantity is delta_1^3.'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autodiff.validate import excerpt
from nn.checking.mistakes import MISTAKES
from nn.checking.reports import BackpropCheck, CheckRow

LEVELS = ("score", "quantity", "equation", "hint", "solution")
DEFAULT_LEVEL = "hint"


def check_level(level: object) -> str:
    """``level`` if it is one of ``LEVELS``; else a ValueError naming them."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {excerpt(level)}")
    return str(level)


def at_least(level: str, than: str) -> bool:
    """Whether ``level`` tells a student as much as ``than`` or more."""
    return LEVELS.index(check_level(level)) >= LEVELS.index(check_level(than))


@dataclass(frozen=True)
class Feedback:
    """What a student is told of a check at one level; what the level hides is None.

    Attributes:
        level: one of ``LEVELS``.
        score: the quantities right; ``max_score`` how many were checked.
        problem: why nothing could be checked (it raised, printed nothing back, ran
            out of time), in words, at every level: it is about the code, not the answer.
        first_wrong: the first wrong quantity ("quantity" and above).
        rows: each quantity and whether it is right ("quantity" and above; the
            right numbers only at "solution").
        equation: the lecture's equation for the first wrong quantity ("equation" and above).
        mistakes: the ids of the catalogued mistakes that give the student's numbers,
            and ``hint`` what to look at ("hint" and above).
        worked: the worked step of the first wrong quantity ("solution").
    """

    level: str
    score: int
    max_score: int
    problem: str | None = None
    first_wrong: str | None = None
    rows: tuple[CheckRow, ...] = ()
    equation: str | None = None
    mistakes: tuple[str, ...] = ()
    hint: str | None = None
    worked: str | None = None

    def shows(self, level: str) -> bool:
        """Whether this level shows what ``level`` adds: ``feedback.shows("hint")``."""
        return at_least(self.level, level)

    def lines(self) -> list[str]:
        """The feedback, a sentence a line."""
        out = [f"Score: {self.score} of {self.max_score} quantities right."]
        if self.problem:
            out.append(f"Problem: {self.problem}")
        if self.first_wrong:
            out.append(f"The first wrong quantity is {self.first_wrong}.")
        if self.equation:
            out.append(f"It is given by {self.equation}.")
        for id_ in self.mistakes:
            out.append(f"The mistake: {id_}, {MISTAKES[id_].description}.")
        if self.hint:
            out.append(f"Hint: {self.hint}")
        if self.worked:
            out.append(f"The worked step: {self.worked}")
        return out

    def text(self) -> str:
        """The feedback as text, a sentence a line."""
        return "\n".join(self.lines())


def feedback(check: BackpropCheck, level: str = DEFAULT_LEVEL,
             worked: Callable[[str], str] | None = None) -> Feedback:
    """What the student is told of ``check`` at ``level`` (one of ``LEVELS``).

    ``worked`` gives the worked step of a quantity (its symbol -> text, as
    ``walkthrough(...).step(symbol).text()``), for the ``solution`` level.
    """
    level = check_level(level)
    score = sum(r.right for r in check.rows) if check.problem is None else 0
    fb = Feedback(level, score, len(check.rows), problem=check.problem)
    first = check.findings[0] if check.findings else None
    if level == "score" or first is None:
        return fb
    solution = level == "solution"
    rows = tuple(r if solution else CheckRow(r.symbol, None, float("nan"), r.right, r.section)
                 for r in check.rows)
    more: dict[str, Any] = {"first_wrong": first.symbol, "rows": rows}
    if at_least(level, "equation"):
        more["equation"] = first.equation or None
    if at_least(level, "hint"):
        more["mistakes"] = first.mistakes
        more["hint"] = first.hint if first.mistakes or solution else (
            "no catalogued mistake gives your numbers: work the quantity again by its "
            "equation, from the numbers before it.")
    if solution and worked is not None:
        more["worked"] = _worked(worked, first.symbol)
    return Feedback(level, score, len(check.rows), problem=check.problem, **more)


def _worked(worked: Callable[[str], str], symbol: str) -> str | None:
    """The worked step of ``symbol``; for dC/db_j^l, that of delta_j^l first (equation 3)."""
    names = [symbol.replace("dC/db", "delta", 1), symbol] if symbol.startswith("dC/db") else [
        symbol]
    texts = []
    for name in names:
        try:
            texts.append(worked(name))
        except KeyError:
            continue
    return "\n".join(texts) or None
