"""deltagrad grade, run as a teacher would: a class of files, some of which misbehave in every
way a student's code can (issue 22); each in its own process, graded with the reason."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import RIGHT_BACKPROP

RIGHT = RIGHT_BACKPROP

# The hidden layer's delta without sigma'(z^2): the output layer right, the hidden one not.
NO_SIGMA_PRIME = RIGHT.replace("* acts[i][j] * (1 - acts[i][j]) for j", "for j")
assert NO_SIGMA_PRIME != RIGHT


def notebook(*cells: str) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "source": ["# my backprop"]}]
                       + [{"cell_type": "code", "source": cell.splitlines(keepends=True),
                           "metadata": {}, "outputs": [], "execution_count": None}
                          for cell in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


CLASS = {
    "ada.py": RIGHT,
    "bo.py": NO_SIGMA_PRIME,
    "cy.ipynb": notebook("%matplotlib inline\nimport math", RIGHT.replace("import math", "")),
    "di.py": "while True:\n    pass\n",                                     # hangs at import
    "ed.py": RIGHT + "\nraise RuntimeError('not finished')\n",            # raises at import
    "fay.py": "def backprop(weights, biases, x, y)\n    return 1\n",       # a syntax error
    "gus.py": "import sys\nsys.exit(3)\n",                                 # exits at import
    "hal.py": "import os\n\ndef backprop(weights, biases, x, y):\n    os._exit(0)\n",
    "ivy.py": RIGHT + ("\nimport threading, time\nthreading.Thread(target=lambda: "
                       "[time.sleep(1) for _ in iter(int, 1)]).start()\n"),  # a thread left
    "jo.py": ("def backprop(weights, biases, x, y):\n"
              "    hoard = bytearray(8 * 2**30)\n    return hoard\n"),        # eats memory
    "kit.py": RIGHT + "\nprint('x' * 5_000_000)\n",                         # prints megabytes
    "lu.py": RIGHT.replace("def backprop", "def back_prop"),              # no such function
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, run_cli):
    """The class graded twice, into two folders (the same grades, byte for byte)."""
    root = tmp_path_factory.mktemp("class")
    folder = root / "submissions"
    folder.mkdir()
    for name, text in CLASS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("not a submission")
    runs = [run_cli(root, "grade", "submissions", "--out", out, "--timeout", "3", "--jobs", "2",
                    "--sizes", "2,3,2", "--gradescope", f"{out}/gradescope")
            for out in ("out", "again")]
    return root, runs


def rows(root, out="out"):
    with open(root / out / "grades.csv", encoding="utf-8", newline="") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def test_grading_completes_with_exit_status_0_whatever_the_students_did(graded):
    root, runs = graded
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
        assert run.stdout.startswith("graded 12 submissions (4 all right): wrote ")
    assert sorted(rows(root)) == sorted(name.split(".")[0] for name in CLASS)


def test_each_misbehaving_submission_is_graded_with_the_reason_in_words(graded):
    root, _ = graded
    r = rows(root)
    most = str(3 * 3 + 2 * 4)
    assert {s: r[s]["max_score"] for s in r} == dict.fromkeys(r, most)
    for right in ("ada", "cy", "ivy"):  # the notebook, and the thread left running
        assert (r[right]["score"], r[right]["status"], r[right]["mistake"]) == (most, "checked", "")
    assert r["bo"]["mistake"] == "missing_sigma_prime_hidden"
    assert 0 < int(r["bo"]["score"]) < int(most)  # the output layer's 8 right: partial credit
    assert r["bo"]["score"] == "8"
    expected = {
        "di": ("timed out", "did not finish within 3 s (student's time) while importing"),
        "ed": ("no answer", "RuntimeError: not finished"),
        "fay": ("no answer", "SyntaxError"),
        "gus": ("no answer", "SystemExit: 3"),
        "hal": ("exited", "the process ended with exit status 0"),
        "jo": ("no answer", "MemoryError"),
        "lu": ("no answer", "lu.py defines no function backprop; it defines sigmoid, back_prop"),
    }
    for student, (status, words) in expected.items():
        assert r[student]["status"] == status, r[student]
        assert words in r[student]["reason"], r[student]
        assert r[student]["score"] == "0"
    assert r["kit"]["status"] == "checked" and r["kit"]["score"] == most


def test_output_is_kept_cut_and_nothing_is_written_outside_the_grades(graded):
    root, _ = graded
    page = (root / "out" / "kit.html").read_text(encoding="utf-8")
    kept = re.search(r"<pre>(x+)", page).group(1)
    assert 90_000 <= len(kept) <= 100_000
    assert "more bytes, not kept" in page
    assert sorted(p.name for p in (root / "submissions").iterdir()) == sorted(
        [*CLASS, "notes.txt"])
    assert {p.name for p in root.iterdir()} == {"submissions", "out", "again"}


def test_a_rerun_gives_the_same_grades_byte_for_byte(graded):
    root, _ = graded
    first = sorted(p.relative_to(root / "out") for p in (root / "out").rglob("*") if p.is_file())
    second = sorted(p.relative_to(root / "again") for p in (root / "again").rglob("*")
                    if p.is_file())
    assert first == second and len(first) == 2 + 12 + 12
    for name in first:
        assert (root / "out" / name).read_bytes() == (root / "again" / name).read_bytes(), name


def test_each_student_gets_numbers_of_their_own(graded):
    root, _ = graded
    ada = json.loads((root / "out" / "gradescope" / "ada.json").read_text())
    assert ada["score"] == 17
    from nn.checking.submissions import student_exercise

    a, b = student_exercise("ada", (2, 3, 2)), student_exercise("cy", (2, 3, 2))
    assert [p.data for p in a.net.parameters()] != [p.data for p in b.net.parameters()]
    assert [p.data for p in a.net.parameters()] == [
        p.data for p in student_exercise("ada", (2, 3, 2)).net.parameters()]


def test_the_pages_name_the_mistake_at_the_hint_level(graded):
    root, _ = graded
    bo = (root / "out" / "bo.html").read_text(encoding="utf-8")
    assert "missing_sigma_prime_hidden" in bo and 'lang="en"' in bo
    cls = (root / "out" / "class.html").read_text(encoding="utf-8")
    assert "missing_sigma_prime_hidden</code>: 1 student" in cls
    assert "timed out: 1" in cls


@pytest.mark.parametrize("args, words", [
    ((), "give either DIR, the folder of submissions, or --answers CSV"),
    (("missing",), "missing: no such folder of submissions"),
    (("empty",), "empty holds no submission"),
    (("empty", "--answers", "a.csv"), "give either DIR"),
])
def test_bad_arguments_are_one_line_and_exit_status_2(tmp_path, run_cli, args, words):
    (tmp_path / "empty").mkdir()
    result = run_cli(tmp_path, "grade", *args, "--out", "out")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("deltagrad grade: error: "), lines
    assert words in lines[0]
    assert not (tmp_path / "out").exists()


def test_an_unknown_level_is_refused_by_the_parser(tmp_path, run_cli):
    result = run_cli(tmp_path, "grade", ".", "--out", "out", "--level", "everything")
    assert result.returncode == 2 and "invalid choice: 'everything'" in result.stderr


class Terminal(io.StringIO):
    """stderr as a terminal: where someone can see a progress bar."""

    def isatty(self):
        return True


@pytest.mark.parametrize("where, wanted, shown", [
    (Terminal, True, True), (Terminal, False, False), (io.StringIO, True, False)])
def test_a_progress_bar_counts_the_submissions_on_a_terminal_only(monkeypatch, where, wanted,
                                                                   shown):
    pytest.importorskip("tqdm", reason="the bar is the progress extra's")
    from nn.checking.grading import Grade
    from nn.cli.grading import _progress

    stderr = where()
    monkeypatch.setattr("sys.stderr", stderr)
    with _progress(3, wanted) as advance:
        for student in ("ada", "bo", "cy"):
            advance(Grade(student, f"{student}.py", 1, 1, "checked"))
    assert ("3/3" in stderr.getvalue() and "grading" in stderr.getvalue()) == shown
    assert ("cy" in stderr.getvalue()) == shown  # the last student graded
