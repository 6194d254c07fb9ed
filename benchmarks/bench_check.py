"""What running a student's backprop in a child process costs, against running it in-process.

``deltagrad check`` runs the student's file through ``nn.checking.isolation.run_isolated``
(a child Python process: start, import deltagrad, build the exercise, import the file,
check): bounded in time, memory and output whatever the file does. The peer is what it
did before, in this process: build the exercise, import the file, ``check_backprop``.
Both check the same right backprop (the lecture's equations on lists) on the same
exercise. Runs alternate between the two (and which goes first); each figure is the
median of several runs.

Run: ``python benchmarks/bench_check.py`` (about 30 s), ``--quick`` for fewer runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nn.checking.isolation import Limits, run_isolated
from nn.checking.reports import BackpropCheck
from nn.checking.student_files import FileCheck, check_file

STUDENT = '''
import math


def backprop(weights, biases, x, y):
    acts = [x]
    for W, b in zip(weights, biases):
        acts.append([1 / (1 + math.exp(-(sum(w * a for w, a in zip(row, acts[-1])) + c)))
                     for row, c in zip(W, b)])
    delta = [(a - t) * a * (1 - a) for a, t in zip(acts[-1], y)]
    nabla_b, nabla_w = [], []
    for i in reversed(range(len(weights))):
        nabla_b.insert(0, delta)
        nabla_w.insert(0, [[a * d for a in acts[i]] for d in delta])
        if i:
            delta = [sum(weights[i][k][j] * delta[k] for k in range(len(delta)))
                     * acts[i][j] * (1 - acts[i][j]) for j in range(len(acts[i]))]
    return nabla_b, nabla_w
'''


def isolated(request: FileCheck, folder: Path) -> BackpropCheck:
    outcome = run_isolated("nn.checking.student_files:check_file", request,
                           limits=Limits(seconds=60), folder=folder)
    assert outcome.ok and isinstance(outcome.value, BackpropCheck), outcome.reason
    return outcome.value


def in_process(request: FileCheck, folder: Path) -> BackpropCheck:
    check = check_file(request)
    assert isinstance(check, BackpropCheck), check
    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    runs = 3 if parser.parse_args().quick else 9
    with tempfile.TemporaryDirectory() as folder:
        for n, sizes in enumerate([(2, 2, 2), (4, 8, 3)]):
            path = Path(folder) / f"student{n}.py"  # (a new name: imported afresh in-process)
            path.write_text(STUDENT)
            request = FileCheck(str(path), sizes=sizes)
            assert isolated(request, Path(folder)).ok and in_process(request, Path(folder)).ok
            times: dict[str, list[float]] = {"isolated": [], "in-process": []}
            for i in range(runs):
                order = [("isolated", isolated), ("in-process", in_process)]
                for name, run in order if i % 2 == 0 else order[::-1]:
                    sys.modules.pop(path.stem, None)
                    start = time.perf_counter()
                    run(request, Path(folder))
                    times[name].append(time.perf_counter() - start)
            child, here = (statistics.median(times[k]) for k in ("isolated", "in-process"))
            print(f"sizes {','.join(map(str, sizes))}: in a child process {child * 1000:.0f} ms, "
                  f"in-process {here * 1000:.0f} ms: {child / here:.1f}x, of which the child's "
                  f"start and imports are {(child - here) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
