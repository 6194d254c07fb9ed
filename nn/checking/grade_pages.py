"""The grading pages: each student's feedback, and the class at a glance.

``student_page(grade, level)`` is a student's page at a feedback level
(``nn.checking.feedback``): their score, and as much of the check as the level
tells, naming the mistake (its id and its words) from the ``hint`` level on.
``class_page(grades)`` is the teacher's: how the scores spread, and a chart of
how many students made each mistake, each with its words, its hint and an
example, so that a teacher sees what to teach again tomorrow.

Each page stands alone (its style inside, nothing loaded from elsewhere), reads
on a phone (it fits a 390 px wide screen), and says right and wrong in words,
not by colour alone: they are checked with axe-core at WCAG 2.1 AA in the tests.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from nn.checking.feedback import Feedback, feedback
from nn.checking.gradebook import ClassSummary, summary
from nn.checking.grading import Grade
from nn.checking.mistakes import MISTAKES
from nn.checking.reports import CheckRow, typeset

_STYLE = """
  body { font-family: system-ui, sans-serif; margin: 1em auto; padding: 0 1em; color: #222;
         max-width: 52em; line-height: 1.45; }
  h1 { font-size: 1.4em; margin: 0 0 0.4em; }
  h2 { font-size: 1.15em; margin: 1.4em 0 0.4em; }
  .verdict { font-size: 1.1em; padding: 0.6em 0.8em; background: #f4f6fb;
             border-left: 4px solid #1f4e9c; }
  .wrong { background: #fde3de; }
  .right { background: #e3f1df; }
  .scroll { overflow-x: auto; max-width: 100%; }
  table { border-collapse: collapse; margin: 0.4em 0; }
  th, td { padding: 0.25em 0.6em; text-align: left; border-bottom: 1px solid #ccc; }
  td.number { text-align: right; font-variant-numeric: tabular-nums; }
  .bar { display: inline-block; height: 0.9em; background: #1f4e9c; vertical-align: middle; }
  pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; white-space: pre-wrap;
        word-break: break-word; }
  a { color: #1a4a96; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
                     clip: rect(0 0 0 0); white-space: nowrap; }
"""


def _page(title: str, body: list[str]) -> str:
    """A whole page: English, its style inside, nothing loaded from elsewhere."""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


# ---------------------------------------------------------------- a student's page


def student_page(grade: Grade, level: str) -> str:
    """A student's feedback page at ``level``: their score and what the level tells."""
    out = [f"<h1>{html.escape(grade.student)}: your backprop</h1>",
           f'<p class="verdict">Score: <strong>{grade.score} of {grade.max_score}</strong> '
           f"quantities right{_percent(grade.score, grade.max_score)}.</p>"]
    if grade.check is None:
        out.append(f"<p>No answer: {html.escape(grade.reason)}</p>")
    else:
        fb = feedback(grade.check, level)
        out += _feedback(fb)
        if fb.rows:
            out += ["<h2>Each quantity</h2>", _rows_table(fb.rows, fb.level == "solution")]
    if grade.output:
        cut = f" (and {grade.cut} more bytes, not kept)" if grade.cut else ""
        out += [f"<h2>What {html.escape(grade.file)} printed{cut}</h2>",
                f"<pre>{html.escape(grade.output)}</pre>"]
    for note in grade.notes:
        out.append(f"<p>Note: {html.escape(note)}</p>")
    return _page(f"{grade.student}: your backprop, graded", out)


def _feedback(fb: Feedback) -> list[str]:
    out = []
    if fb.problem:
        out.append(f"<p>Problem: {typeset(fb.problem)}</p>")
    if fb.first_wrong:
        out.append(f"<p>The first wrong quantity is {_symbol(fb.first_wrong)}.</p>")
    if fb.equation:
        out.append(f"<p>It is given by {typeset(fb.equation)}.</p>")
    for id_ in fb.mistakes:
        out.append(f"<p>The mistake: <code>{id_}</code>, "
                   f"{typeset(MISTAKES[id_].description)}.</p>")
    if fb.hint:
        out.append(f"<p>Hint: {typeset(fb.hint)}</p>")
    if fb.worked:
        out.append(f"<h2>The worked step</h2><pre>{html.escape(fb.worked)}</pre>")
    return out


def _rows_table(rows: Sequence[CheckRow], numbers: bool) -> str:
    """Each quantity, right or wrong in words (and colour); the numbers at the solution level."""
    head = ["quantity", "verdict"] + (["yours", "right"] if numbers else [])
    parts = ['<div class="scroll" tabindex="0" role="region" aria-label="each quantity">',
             "<table><thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in head)
             + "</tr></thead><tbody>"]
    for r in rows:
        verdict = "right" if r.right else "wrong"
        cells = [f"<td>{_symbol(r.symbol)}</td>", f"<td>{verdict}</td>"]
        if numbers:
            yours = "—" if r.student is None else f"{r.student:.6g}"
            cells += [f'<td class="number">{yours}</td>',
                      f'<td class="number">{r.autograd:.6g}</td>']
        parts.append(f'<tr class="{verdict}">' + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "\n".join(parts)


# ---------------------------------------------------------------- the class page


def class_page(grades: Sequence[Grade], level: str) -> str:
    """The class at a glance: the scores, the mistakes and whom they were made by."""
    s = summary(grades)
    out = ["<h1>The class at a glance</h1>",
           f'<p class="verdict">{s.students} submissions; {s.right} all right; mean score '
           f"{s.mean:.1f} of {s.max_score}. The students were told their feedback at the "
           f"<em>{html.escape(level)}</em> level.</p>"]
    out += _distribution(s)
    out += _mistakes(s, grades)
    if s.statuses:
        items = "".join(f"<li>{html.escape(status)}: {n}</li>" for status, n in s.statuses.items())
        out += ["<h2>Submissions that gave no answer</h2>", f"<ul>{items}</ul>"]
    out += ["<h2>Each student</h2>", _students(grades)]
    return _page("The class at a glance: backprop, graded", out)


def _distribution(s: ClassSummary) -> list[str]:
    most = max(s.bins) or 1
    rows = []
    for i, n in enumerate(s.bins):
        band = "100%" if i == 10 else f"{10 * i}–{10 * i + 9}%"
        bar = f'<span class="bar" style="width:{8 * n / most:.2f}em" aria-hidden="true"></span>'
        rows.append(f"<tr><td>{band}</td><td class=\"number\">{n}</td><td>{bar}</td></tr>")
    return ["<h2>Scores</h2>",
            '<div class="scroll" tabindex="0" role="region" aria-label="scores">'
            '<table><thead><tr><th scope="col">score</th><th scope="col">students</th>'
            '<th scope="col"><span class="visually-hidden">bar</span></th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>"]


def _mistakes(s: ClassSummary, grades: Sequence[Grade]) -> list[str]:
    if not s.mistakes:
        return ["<h2>Mistakes</h2>", "<p>No catalogued mistake was made.</p>"]
    most = max(len(who) for who in s.mistakes.values())
    by_student = {g.student: g for g in grades}
    out = ["<h2>Mistakes, most common first</h2>"]
    for id_, who in s.mistakes.items():
        example = by_student[who[0]]
        hint = example.check.findings[0].hint if example.check and example.check.findings else ""
        bar = (f'<span class="bar" style="width:{12 * len(who) / most:.2f}em" '
               'aria-hidden="true"></span>')
        students = ", ".join(f'<a href="{html.escape(w)}.html">{html.escape(w)}</a>' for w in who)
        out.append(
            f"<section><h3><code>{id_}</code>: {len(who)} student{'s' * (len(who) != 1)} "
            f"{bar}</h3><p>{typeset(MISTAKES[id_].description)}.</p>"
            f"<p>Hint, as {html.escape(example.student)} was told it: {typeset(hint)}</p>"
            f"<p>Made by {students}.</p></section>")
    return out


def _students(grades: Sequence[Grade]) -> str:
    head = ("student", "score", "first wrong", "mistake", "status")
    rows = []
    for g in grades:
        first = _symbol(g.first_wrong) if g.first_wrong else "—"
        rows.append(f'<tr><td><a href="{html.escape(g.student)}.html">{html.escape(g.student)}'
                    f'</a></td><td class="number">{g.score} of {g.max_score}</td><td>{first}</td>'
                    f"<td>{html.escape(g.mistake or '—')}</td><td>{html.escape(g.status)}</td>"
                    "</tr>")
    return ('<div class="scroll" tabindex="0" role="region" aria-label="each student"><table>'
            "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def _percent(score: int, most: int) -> str:
    return f" ({100 * score / most:.0f}%)" if most else ""


def _symbol(symbol: str) -> str:
    return typeset(symbol)
