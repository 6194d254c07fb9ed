"""deltagrad check and deltagrad exercise, run as a user would: in a subprocess, in a folder
holding the student's files."""

from __future__ import annotations

import json
import re
import shutil
import textwrap

import pytest
from conftest import RIGHT_BACKPROP

from nn import exercise

HAVE_DOT = shutil.which("dot") is not None

RIGHT = RIGHT_BACKPROP + '''

if __name__ == "__main__":
    raise SystemExit("the checker must not run this")
'''


def one_line_error(result, command="check") -> str:
    """The one line on stderr, checked to be just that: no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"deltagrad {command}: error: "), lines[0]
    return lines[0]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "student.py").write_text(RIGHT)
    (tmp_path / "wrong.py").write_text(RIGHT.replace("(a - t) * a", "(t - a) * a"))
    return tmp_path


# ---------------------------------------------------------------- check


def test_a_right_backprop_exits_0_with_the_report(folder, run_cli):
    result = run_cli(folder, "check", "student.py")
    assert result.returncode == 0, result.stderr
    assert "Right: all 12 quantities agree with autograd." in result.stdout
    assert "backprop(weights, biases, x, y) against autograd: MLP([2, 2, 2]" in result.stdout
    assert result.stderr == ""


def test_a_wrong_backprop_exits_1_naming_the_mistake(folder, run_cli):
    result = run_cli(folder, "check", "wrong.py", "--html", "report.html")
    assert result.returncode == 1
    assert "the first wrong one is dC/db_1^3 (error_sign)" in result.stdout
    assert "Equation 1 starts from ∂C/∂a_j^3" in result.stdout
    page = (folder / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "error_sign" in page


def test_the_network_is_the_exercises_and_options_reach_the_check(folder, run_cli):
    result = run_cli(folder, "check", "student.py", "--sizes", "3,2,1", "--seed", "4")
    ex = exercise(4, (3, 2, 1))
    assert result.returncode == 0, result.stderr
    assert f"x = {[float(v) for v in ex.x]}" in result.stdout
    numpy_code = textwrap.dedent('''
        import numpy as np

        def backprop(weights, biases, xs, ys):
            nb = [np.zeros(len(b)) for b in biases]
            nw = [np.zeros(W.shape) for W in weights]
            for x, y in zip(xs, ys):
                acts = [x]
                for W, b in zip(weights, biases):
                    acts.append(1 / (1 + np.exp(-(W @ acts[-1] + b))))
                d = (acts[-1] - y) * acts[-1] * (1 - acts[-1])
                for i in reversed(range(len(weights))):
                    nb[i] += d
                    nw[i] += np.outer(d, acts[i])
                    d = (weights[i].T @ d) * acts[i] * (1 - acts[i])
            return nb, nw          # the sum: the mean was asked for
    ''')
    (folder / "batch.py").write_text(numpy_code)
    result = run_cli(folder, "check", "batch.py", "--arrays", "numpy", "--batch", "3")
    assert result.returncode == 1, result.stderr
    assert "(sum_not_mean)" in result.stdout and "3 examples" in result.stdout
    loose = run_cli(folder, "check", "wrong.py", "--rtol", "10", "--atol", "1")
    assert loose.returncode == 0 and "≤ 1 + 10 |autograd|" in loose.stdout


def test_the_files_own_folder_is_importable(folder, run_cli):
    (folder / "helpers.py").write_text("def f():\n    return 1 / 0\n")
    (folder / "uses.py").write_text("import helpers\n\ndef backprop(w, b, x, y):\n"
                                    "    return helpers.f()\n")
    error = one_line_error(run_cli(folder, "check", "uses.py"))
    assert error == ("deltagrad check: error: uses.py: backprop raised ZeroDivisionError: "
                     "division by zero at helpers.py, line 2, in f: return 1 / 0")


@pytest.mark.parametrize("source, words", [
    ("def backprop(w, b, x, y)\n    return 1\n",
     "syntax.py, line 1: SyntaxError: expected ':': def backprop(w, b, x, y)"),
    ("import no_such_module_here\n",
     "importing syntax.py raised ModuleNotFoundError: No module named 'no_such_module_here' "
     "at syntax.py, line 1: import no_such_module_here"),
    ("def other(w, b, x, y):\n    pass\n",
     "syntax.py defines no function backprop; it defines other (--function picks one)"),
    ("backprop = 3\n", "backprop in syntax.py is a int, not a function"),
    ("def backprop(w, b):\n    pass\n",
     "syntax.py: backprop must take four arguments (weights, biases, x, y); it takes (w, b)"),
    ("def backprop(w, b, x, y):\n    return [], []\n",
     "syntax.py: nabla_b must hold 2 entries, one per layer l = 2..3"),
    ("import sys\nsys.exit(2)\n", "importing syntax.py raised SystemExit: 2 at syntax.py, line 2"),
])
def test_whatever_is_wrong_in_the_file_is_one_line(tmp_path, run_cli, source, words):
    (tmp_path / "syntax.py").write_text(source)
    error = one_line_error(run_cli(tmp_path, "check", "syntax.py"))
    assert error.startswith(f"deltagrad check: error: {words}"), error


def test_a_missing_file_is_one_line(tmp_path, run_cli):
    assert one_line_error(run_cli(tmp_path, "check", "nothing.py")) == \
        "deltagrad check: error: no such file: nothing.py"
    (tmp_path / "dir").mkdir()
    assert "dir is a folder" in one_line_error(run_cli(tmp_path, "check", "dir"))


def test_a_numpy_shape_error_names_the_mistake_in_the_one_line(tmp_path, run_cli):
    pytest.importorskip("numpy", reason="the student's file uses numpy")
    (tmp_path / "w.py").write_text(
        "from nn.checking.mistakes import MISTAKES\n"
        "backprop = MISTAKES['untransposed_weights'].reference('numpy')\n")
    error = one_line_error(run_cli(tmp_path, "check", "w.py", "--arrays", "numpy",
                                   "--sizes", "2,3,1"))
    assert "raised ValueError: matmul" in error
    assert "; that is untransposed_weights: Equation 2 sums over the nodes k" in error


@pytest.mark.slow
def test_an_endless_loop_is_stopped_naming_its_line(tmp_path, run_cli):
    (tmp_path / "loop.py").write_text("def backprop(w, b, x, y):\n    n = 0\n"
                                      "    while True:\n        n += 1\n")
    error = one_line_error(run_cli(tmp_path, "check", "loop.py", "--timeout", "1"))
    assert re.fullmatch(r"deltagrad check: error: backprop did not finish within 1 s \(it was "
                        r"at loop.py, line [34], in backprop: .*\): an endless loop, or waiting "
                        r"for input\? \(--timeout sets the limit\)", error), error
    (tmp_path / "stubborn.py").write_text(
        "def backprop(w, b, x, y):\n    while True:\n        try:\n            while True:\n"
        "                pass\n        except BaseException:\n            pass\n")
    error = one_line_error(run_cli(tmp_path, "check", "stubborn.py", "--timeout", "1"))
    assert "did not finish within 1 s" in error
    (tmp_path / "top.py").write_text("while True:\n    pass\n")
    assert "(it was at top.py, line " in one_line_error(
        run_cli(tmp_path, "check", "top.py", "--timeout", "1"))


# ---------------------------------------------------------------- exercise


def test_the_sheet_prints_as_markdown(tmp_path, run_cli):
    result = run_cli(tmp_path, "exercise", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout == exercise(3).sheet().markdown(picture=False) + "\n"


@pytest.mark.skipif(not HAVE_DOT, reason="the sheet's diagram needs Graphviz's dot program")
def test_the_sheet_is_written_as_html_with_the_diagram(tmp_path, run_cli):
    result = run_cli(tmp_path, "exercise", "--seed", "3", "--out", "sheet.html", "--level",
                     "equation")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote sheet.html\n"
    page = (tmp_path / "sheet.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert page == exercise(3).sheet("equation").html() != exercise(3).sheet().html()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def test_answers_are_checked_from_a_json_file(tmp_path, run_cli):
    solution = exercise(3).solution()
    answers = {step.symbol: float(f"{step.value:.4g}") for step in solution.steps}
    (tmp_path / "right.json").write_text(json.dumps(answers))
    result = run_cli(tmp_path, "exercise", "--seed", "3", "--check", "right.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Right: all {len(answers)} quantities agree with autograd." in result.stdout
    answers["delta_1^3"] *= -1
    (tmp_path / "wrong.json").write_text(json.dumps(answers))
    result = run_cli(tmp_path, "exercise", "--seed", "3", "--check", "wrong.json", "--solution")
    assert result.returncode == 1
    assert "the first wrong one is delta_1^3 (error_sign)" in result.stdout
    assert "Backward pass: the lecture's equations 1-4" in result.stdout  # the solution after it


@pytest.mark.parametrize("content, words", [
    ("{", "bad.json is not JSON: Expecting property name"),
    ("[1, 2]", "bad.json: answers must be a dict from symbols"),
    ('{"delta_9^3": 1}', "bad.json: unknown quantity 'delta_9^3'"),
    ('{"delta_1^3": "x"}', "bad.json: the answer for delta_1^3 must be a number, got str"),
])
def test_bad_answer_files_are_one_line(tmp_path, run_cli, content, words):
    (tmp_path / "bad.json").write_text(content)
    error = one_line_error(run_cli(tmp_path, "exercise", "--check", "bad.json"), "exercise")
    assert error.startswith(f"deltagrad exercise: error: {words}"), error


def test_bad_output_names_are_refused_before_any_work(tmp_path, run_cli):
    error = one_line_error(run_cli(tmp_path, "exercise", "--out", "sheet.pdf"), "exercise")
    assert "give a name ending in .html or .md" in error
    # one rule for every command's output (issue 14): a missing folder is made
    assert run_cli(tmp_path, "exercise", "--out", "new/sheet.md").returncode == 0
    assert (tmp_path / "new" / "sheet.md").is_file()
    (tmp_path / "file").write_text("")
    error = one_line_error(run_cli(tmp_path, "exercise", "--out", "file/sheet.md"), "exercise")
    assert "file" in error and not (tmp_path / "file" / "sheet.md").exists()
    assert one_line_error(run_cli(tmp_path, "exercise", "--check", "none.json"), "exercise") \
        == "deltagrad exercise: error: no such file: none.json"


# ---------------------------------------------------------------- hostile files


@pytest.mark.parametrize("source", [
    RIGHT + "\nimport threading, time\n"
            "threading.Thread(target=lambda: time.sleep(10_000)).start()\n",
    RIGHT + "\nimport signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\n",
], ids=["a thread left running", "signals ignored"])
def test_a_file_that_leaves_work_behind_still_ends(tmp_path, run_cli, source):
    (tmp_path / "student.py").write_text(source)
    result = run_cli(tmp_path, "check", "student.py")
    assert result.returncode == 0, result.stderr
    assert "Right: all 12 quantities agree with autograd." in result.stdout


def test_an_endless_loop_that_ignores_the_alarm_is_stopped(tmp_path, run_cli):
    (tmp_path / "stubborn.py").write_text(
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n\n"
        "def backprop(w, b, x, y):\n    while True:\n        pass\n")
    error = one_line_error(run_cli(tmp_path, "check", "stubborn.py", "--timeout", "1"))
    assert re.fullmatch(r"deltagrad check: error: backprop did not finish within 1 s \(it was at "
                        r"stubborn.py, line [56], in backprop: (while True:|pass)\): an endless "
                        r"loop, or waiting for input\? \(--timeout sets the limit\)", error), error


def test_ending_the_process_is_not_a_success(tmp_path, run_cli):
    (tmp_path / "quits.py").write_text("import os\n\ndef backprop(w, b, x, y):\n"
                                       "    print('bye')\n    os._exit(0)\n")
    result = run_cli(tmp_path, "check", "quits.py")
    assert one_line_error(result) == (
        "deltagrad check: error: quits.py: the process ended while running backprop (exit "
        "status 0) before the check was done: os._exit, or sys.exit in a thread?")
    assert result.stdout == "bye\n"


def test_megabytes_printed_are_cut(tmp_path, run_cli):
    (tmp_path / "loud.py").write_text(RIGHT.replace('"""Equations 1-4, the student\'s way."""',
                                                    'print("x" * 10_000_000)'))
    result = run_cli(tmp_path, "check", "loud.py")
    assert result.returncode == 0, result.stderr
    shown, rest = result.stdout.split("\n", 1)
    assert shown == "x" * 100_000
    assert rest.startswith("(and 9900001 more bytes of output, not shown)\n")
    assert "Right: all 12 quantities agree with autograd." in rest


def test_the_time_limit_s_range_is_checked(tmp_path, run_cli, folder):
    for seconds in ("1e10", "1e-6", "nan"):
        result = run_cli(folder, "check", "student.py", "--timeout", seconds)
        assert result.returncode == 2 and result.stderr.splitlines()[-1] == (
            "deltagrad check: error: argument --timeout: expected from 0.1 to 86400 seconds "
            f"(a day), got '{seconds}'")


def test_a_slow_checker_is_not_blamed_on_the_student():
    from types import SimpleNamespace

    from nn.checking.isolation import Outcome
    from nn.cli.checking import _what_happened

    outcome = Outcome("timed out", "", phase="building its exercise for sizes 2,30,30,2",
                      whose="checker")
    said = _what_happened(outcome, SimpleNamespace(timeout=1.0, function="backprop",
                                                   file=None))
    assert said == ("the checker did not finish building its exercise for sizes 2,30,30,2 "
                    "within 60 s (not your code's time); smaller --sizes make a smaller exercise")


@pytest.mark.parametrize("command", ["check", "exercise"])
def test_an_exercise_too_big_or_a_negative_seed_is_refused(tmp_path, run_cli, folder, command):
    file = ["student.py"] if command == "check" else []
    result = run_cli(folder, command, *file, "--sizes", "2,30,30,2")
    assert result.returncode == 2 and result.stderr.splitlines()[-1] == (
        f"deltagrad {command}: error: argument --sizes: 2,30,30,2 has 1082 weights and "
        "biases; an exercise has at most 1000 (nn.checking.exercises.MAX_EXERCISE_PARAMETERS)")
    result = run_cli(folder, command, *file, "--sizes", "2,1000,1000,2")
    assert result.returncode == 2 and "has 1006002 weights and biases, more than the 1000000 " \
        "a network of Values may have" in result.stderr.splitlines()[-1]
    result = run_cli(folder, command, *file, "--seed", "-1")
    assert result.returncode == 2 and result.stderr.splitlines()[-1] == (
        f"deltagrad {command}: error: argument --seed: expected a whole number >= 0, got -1")
