"""Grading a class of 100 submissions on two cores, against two peers.

``grade_class`` (what ``deltagrad grade`` runs) checks each submission in a child
process of its own, ``jobs`` at a time, on the student's own network. The peers:

* one ``deltagrad check`` per submission, one after another: what a teacher
  without ``grade`` would run (a process each, and nn.exercise's search for
  numbers on which every mistake shows);
* the checker in-process: each file imported and ``check_backprop`` run on the
  student's numbers, with no process, limit or page: the floor, so that the ratio
  says what isolation costs.

The class: right backprops on lists and on numpy, and the catalogue's mistakes,
as files that import them. Each figure is one run (the whole class); ``--quick``
grades 20 submissions instead of 100.

Run: ``python benchmarks/bench_grade.py`` (about a minute and a half).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_check import STUDENT

from nn import check_backprop
from nn.checking.grading import GradingOptions, grade_class
from nn.checking.mistakes import MISTAKES
from nn.checking.submissions import student_exercise, submissions

SIZES = (2, 3, 2)
RIGHT = STUDENT  # a right backprop on lists, as bench_check's student writes it
SLIP = '''
from nn.checking.mistakes import MISTAKES

backprop = MISTAKES[{id!r}].reference()
'''


def write_class(folder: Path, n: int) -> None:
    """n submissions: half right, half the catalogue's one-example quadratic-cost mistakes."""
    slips = [m.id for m in MISTAKES.values() if not m.batch and m.cost.name == "quadratic"]
    for i in range(n):
        text = RIGHT if i % 2 == 0 else SLIP.format(id=slips[(i // 2) % len(slips)])
        (folder / f"s{i:03d}.py").write_text(text, encoding="utf-8")


def by_grade(folder: Path, jobs: int) -> float:
    start = time.perf_counter()
    grades = grade_class(folder, GradingOptions(sizes=SIZES), jobs=jobs)
    took = time.perf_counter() - start
    assert all(g.check is not None for g in grades), [g.reason for g in grades]  # each checked
    return took


def by_check_each(folder: Path) -> float:
    start = time.perf_counter()
    for path in sorted(folder.glob("*.py")):
        subprocess.run([sys.executable, "-m", "nn", "check", str(path), "--sizes",
                        ",".join(map(str, SIZES))], capture_output=True, check=False)
    return time.perf_counter() - start


def in_process(folder: Path) -> float:
    start = time.perf_counter()
    for s in submissions(folder):
        spec = importlib.util.spec_from_file_location(f"bench_{s.student}", s.path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        ex = student_exercise(s.student, SIZES)
        check_backprop(module.backprop, ex.net, ex.x, ex.y)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 submissions, not 100")
    n = 20 if parser.parse_args().quick else 100
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_class(folder, n)
        two = by_grade(folder, jobs=2)
        one = by_grade(folder, jobs=1)
        each = by_check_each(folder)
        here = in_process(folder)
    print(f"{n} submissions, sizes {','.join(map(str, SIZES))}:")
    print(f"  grade, 2 jobs:                  {two:6.1f} s  ({two / n * 1000:.0f} ms a submission)")
    print(f"  grade, 1 job:                   {one:6.1f} s  ({one / two:.2f}x the time of 2 jobs)")
    print(f"  deltagrad check, one each:      {each:6.1f} s  ({each / two:.1f}x the time of "
          "grade with 2 jobs)")
    print(f"  the checker in-process (floor): {here:6.1f} s  (grade with 2 jobs takes "
          f"{two / here:.1f}x that: the price of a process each)")


if __name__ == "__main__":
    main()
