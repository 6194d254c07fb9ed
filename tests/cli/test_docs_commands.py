"""Every command the README and the documentation show runs, as written.

The fenced ``sh`` blocks of README.md and docs/*.md are read line by line. The
``deltagrad`` commands (and what makes their inputs, as a ``printf > file``) run in
one shared folder, block after block in the order of the pages (the command-line page
first: later pages use the model it trains), each line as bash runs it. A line must
succeed, as a reader copying it would expect. The inputs that a reader brings along
(a student's backprop, answers worked by hand) are put in the folder first, under the
names the pages give them.

Commands of other programs (make, pip, mkdocs, a web server) are checked, not run:
the make targets exist, the files they name exist.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FENCE, PAGES, ROOT

RUN = ("deltagrad", "python -m nn", "printf")
# set up a Python, install, serve, test: what `make` does, and what these tests run in
CHECKED_ONLY = ("make ", "pip ", "python -m venv", "python -m pip", "python -m pytest",
                "python -m http.server", "mkdocs ", "python benchmarks/", "docker run ",
                "docker build ")


def shell_lines() -> list[tuple[str, str]]:
    """(page, line) for every command line of every sh block, pages in reading order.

    A line ending in a backslash goes on in the next, as in bash. A block with a title
    (```sh title="run_autograder"```) shows a file's content, not commands to type here.
    """
    pages = sorted(PAGES, key=lambda p: (p.name != "README.md", p.name != "cli.md", p.name))
    found = []
    for path in pages:
        for language, title, code in FENCE.findall(path.read_text(encoding="utf-8")):
            if language in ("sh", "bash", "console") and "title=" not in title:
                code = re.sub(r"\\\n\s*", " ", code)
                found += [(path.name, line.strip()) for line in code.splitlines()
                          if line.strip() and not line.strip().startswith("#")]
    return found


LINES = shell_lines()
TO_RUN = [(page, line) for page, line in LINES if line.startswith(RUN)]


def test_the_pages_show_commands_of_both_kinds():
    assert len(TO_RUN) >= 15
    assert any(line.startswith("make test") for _, line in LINES)


def test_every_command_shown_is_one_the_tests_know_how_to_try():
    for page, line in LINES:
        assert line.startswith(RUN + CHECKED_ONLY), f"{page}: what program is {line!r}?"
        assert "..." not in line.split("#")[0], f"{page}: {line!r} cannot run as written"


@pytest.mark.parametrize("page, line", [(p, x) for p, x in LINES if x.startswith("make ")],
                         ids=lambda v: v if " " in v else None)
def test_each_make_command_names_a_target_the_makefile_has(page, line):
    words = shlex.split(line.split(" #")[0])
    target = next((w for w in words[1:] if "=" not in w), "")
    assert target, f"{page}: {line!r} names no target"
    dry = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True,
                         text=True, timeout=60)
    assert "No rule to make target" not in dry.stderr, f"{page}: make has no target {target}"


def test_each_file_a_command_names_exists():
    for page, line in LINES:
        for word in shlex.split(line.split(" #")[0]):
            if word.startswith("benchmarks/"):
                assert (ROOT / word).exists(), f"{page}: {line!r} names a missing {word}"


def inputs_a_reader_brings(folder: Path) -> None:
    """What the pages' commands read but no page makes: a student's files, answers."""
    from nn import exercise
    from nn.checking.class_sheets import sheet_exercise

    (folder / "student.py").write_text(
        "from nn.checking.student_backprops import backprop_lists\n\n\n"
        "def backprop(weights, biases, x, y):\n"
        "    return backprop_lists(weights, biases, x, y)\n", encoding="utf-8")
    (folder / "columns.py").write_text(
        "from nn.checking.student_backprops import backprop_numpy\n\n\n"
        "def backprop(weights, biases, x, y):\n"
        "    nabla_b, nabla_w = backprop_numpy(weights, [b.ravel() for b in biases],\n"
        "                                      x.ravel(), y.ravel())\n"
        "    return [b.reshape(-1, 1) for b in nabla_b], nabla_w\n", encoding="utf-8")
    worked = exercise(3).solution()
    (folder / "answers.json").write_text(
        json.dumps({step.symbol: step.value for step in worked.steps}), encoding="utf-8")
    # a class: its submissions, its roster, and the numbers two students typed from their sheets
    (folder / "submissions").mkdir()
    for student in ("ada", "bo"):
        (folder / "submissions" / f"{student}.py").write_text(
            (folder / "student.py").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "roster.csv").write_text("student\nada\nbo\n", encoding="utf-8")
    typed = ["student,quantity,value"] + [
        f"{student},{step.symbol},{step.value:.4g}"
        for student in ("ada", "bo") for step in sheet_exercise(student).solution().steps]
    (folder / "answers.csv").write_text("\n".join(typed) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_each_command_runs_as_written(tmp_path):
    pytest.importorskip("torch", reason="a page shows --engine torch (the torch extra)")
    inputs_a_reader_brings(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "MPLBACKEND": "Agg"}
    for page, line in TO_RUN:
        command = re.sub(r"^python ", f"{shlex.quote(sys.executable)} ", line)
        result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{page}: {line}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, f"{page}: {line}\n{result.stderr[-2000:]}"
