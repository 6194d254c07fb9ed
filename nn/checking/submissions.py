"""A class's submissions: the files in a folder, each student's id, and their own numbers.

``deltagrad grade DIR`` takes every ``*.py`` file in DIR, and every ``*.ipynb``
notebook (its code cells, in order), as one student's submission; the file's
stem is the student's id (``ada.py`` is ada's). Each student's network and
example are drawn from a seed made from the id (``student_seed``): everyone
gets other numbers, so that answers cannot be passed around, and grading again
gives the same numbers, so the same grades, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autodiff.validate import whole_number
from nn.checking.exercises import Exercise
from nn.model.layers import MLP, check_sizes

SUFFIXES = (".py", ".ipynb")
# The inputs a student's example is drawn from: plain numbers in (-1, 1), none 0.
_INPUTS = [k / 100 for k in range(-95, 96, 5) if k]


@dataclass(frozen=True)
class Submission:
    """One student's file: their id (the file's stem), the file, and its kind ("py", "ipynb")."""

    student: str
    path: Path

    @property
    def kind(self) -> str:
        return self.path.suffix.lower().lstrip(".")


def submissions(folder: str | os.PathLike[str]) -> list[Submission]:
    """The submissions in ``folder`` (``*.py`` and ``*.ipynb``), sorted by student id.

    Two files of one stem (``ada.py`` and ``ada.ipynb``) are refused: whose is
    which would be a guess.
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "no such folder" if not folder.exists() else "not a folder"
        raise FileNotFoundError(f"{folder}: {what}; give the folder of the class's submissions")
    found: dict[str, Submission] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        if path.stem in found:
            raise ValueError(f"{found[path.stem].path.name} and {path.name} are both "
                             f"{path.stem}'s: keep one submission per student")
        found[path.stem] = Submission(path.stem, path)
    return [found[s] for s in sorted(found)]


def student_seed(student: str) -> int:
    """The seed of a student's numbers: the same id, the same numbers, on any machine.

    Python's own ``hash`` of a string changes from run to run; SHA-256 does not.
    """
    return int.from_bytes(hashlib.sha256(student.encode("utf-8")).digest()[:4], "big")


def student_exercise(student: str, sizes: Sequence[int]) -> Exercise:
    """The network and example a student's code is graded on, drawn from their id.

    The weights and biases are N(0, 1), as ``nn.MLP`` draws them, and the input
    and target plain numbers: on such numbers the catalogue's mistakes give
    numbers of their own (no two coincide but by chance; the tests measure it).
    """
    sizes = check_sizes(sizes)
    seed = student_seed(student)
    rng = random.Random(f"grading {seed}")
    x = [rng.choice(_INPUTS) for _ in range(sizes[0])]
    y = [float(rng.random() < 0.5) for _ in range(sizes[-1])]
    return Exercise(seed, MLP(sizes, seed=whole_number(seed, "seed")), x, y)


def notebook_code(path: str | os.PathLike[str]) -> str:
    """The code cells of a Jupyter notebook, in order, as one Python file.

    Lines of IPython's own syntax (``%timeit``, ``!pip``, ``?``) are kept as
    comments, so that the line numbers of errors stay those of the cells
    laid end to end.
    """
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path.name} is not a Jupyter notebook: {error}") from None
    parts = []
    for i, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        lines = [f"# (IPython) {line}" if line.lstrip().startswith(("%", "!", "?")) else line
                 for line in source.splitlines()]
        parts.append(f"# cell {i}\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"
