"""Data people actually have, as examples (x, y): arrays, data frames and CSV files.

A table of n rows and m columns X holds one example per row, its m inputs
a^1 = x; the targets y are either a column of labels or a table of n rows of
targets. Labels become the targets the lecture's networks are trained on:

    labels 0 and 1 (integers)   y = [0.0] or [1.0]: one output node, as in moons
    other integer or text labels  one-hot: one output node per class, y_j = 1 for
                                  the j-th class in sorted order, 0 for the rest
    numbers with a fraction     y = [value]: one output node, a target as it is
    a table of n rows           y = the row: one output node per column

>>> import numpy as np
>>> data = from_arrays(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2, 7]))
>>> data[0]
([0.0, 1.0], [1.0, 0.0])

``classes`` fixes the classes and their order instead (one-hot always):
``classes=3`` for the labels 0, 1, 2; ``classes=["setosa", "virginica"]``.
``load_csv`` reads a CSV file into the same examples, with errors that name
the line and column of a bad value. Neither needs numpy or pandas: arrays,
pandas frames and lists of lists are all read as rows of numbers.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from typing import Any

from autodiff.files import READ_LIMIT, read_at_most
from autodiff.validate import excerpt, finite_number, is_number, plural

Dataset = list[tuple[list[float], list[float]]]
Classes = int | Sequence[object] | None
MAX_CLASSES = 100  # more different labels than this are numbers to learn, not classes
MAX_BYTES = READ_LIMIT  # the most of a CSV file read (64 MiB), as of a model file
# How to learn labels as numbers, said for arrays and for a file.
AS_NUMBERS = {"arrays": "give them as floats (y.astype(float)), or name the classes with "
                        "classes=",
              "file": "write them with a fraction (3.0 for 3) to learn them as numbers"}


class Examples(list[tuple[list[float], list[float]]]):
    """A list of examples (x, y) that knows the classes its targets stand for.

    ``classes`` is the label of each output node, in order, where the targets
    were made one-hot from a column of labels (``["setosa", "versicolor"]``);
    None where they are numbers (labels 0 and 1 included: one output node).
    """

    classes: list[Any] | None = None


def from_arrays(X: object, y: object, classes: Classes = None) -> Dataset:
    """The examples (x, y) of a table of inputs ``X`` and its targets ``y``.

    ``X`` has n rows (examples) and m columns (inputs): a 2-D numpy array, a
    pandas DataFrame or a list of lists. ``y`` is a column of n labels (1-D)
    or a table of n rows of targets (2-D); see the module's docstring for how
    labels become targets, and ``classes`` to fix the classes. Raises
    TypeError or ValueError naming the row and column of a bad entry. The list
    returned knows its classes (``Examples.classes``).
    """
    return _examples(X, y, classes, "X", "y")


def load_csv(
    path: str | os.PathLike[str],
    target: int | str = -1,
    *,
    header: bool | None = None,
    classes: Classes = None,
    max_bytes: int = MAX_BYTES,
) -> Dataset:
    """The examples of a CSV file: one per row, the ``target`` column its y, the others its x.

    Args:
        path: the file (UTF-8, commas between fields; empty lines are skipped).
            It is read once, so a named pipe (FIFO) will do, and no more than
            ``max_bytes`` of it.
        target: the target's column, by name (from the header row) or by
            position from 0 (negative from the end): the last one by default.
        header: whether the first row names the columns. By default it does
            when one of its fields is not a number where the next row has one
            (``nan``, ``inf`` and ``1e400`` are numbers: data, refused as such).
        classes: as for ``from_arrays``: the class labels, in the order of the
            output nodes, or their number. By default a target column of whole
            numbers or of text is a column of labels, other numbers targets.

    Raises ValueError naming the file, the line and the column of a bad value.
    """
    path = Path(path)
    return csv_examples(read_csv_file(path, max_bytes), path, target, header=header,
                        classes=classes)


def read_csv_file(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a CSV file, read once (a FIFO too), refusing a folder and a file larger
    than ``max_bytes``."""
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; expected a CSV file")
    raw = read_at_most(path, max_bytes, "the data")
    if len(raw) > max_bytes:
        raise ValueError(f"{path}: larger than {max_bytes} bytes, the most read of a CSV file "
                         "(load_csv's max_bytes)")
    return raw


def csv_examples(
    raw: bytes, path: str | os.PathLike[str], target: int | str = -1, *,
    header: bool | None = None, classes: Classes = None,
) -> Dataset:
    """The examples of the bytes ``raw`` of the CSV file ``path``, as ``load_csv`` reads them."""
    path = Path(path)
    rows = _rows_of_csv(raw, path)
    if header is None:
        header = _has_header(rows)
    names = (_column_names(rows[0], path) if header
             else [f"column {k + 1}" for k in range(len(rows[0][1]))])
    body = rows[1:] if header else rows
    if not body:
        raise ValueError(f"{path}: no data rows after the header row")
    t = _target_column(target, names, path)
    X, labels = [], []
    for line, fields in body:
        if len(fields) != len(names):
            raise ValueError(f"{path}, line {line}: {plural(len(fields), 'field')}, expected "
                             f"{len(names)} as in line {rows[0][0]}")
        X.append([_csv_number(fields[k], path, line, k, names[k])
                  for k in range(len(fields)) if k != t])
        labels.append((line, fields[t]))
    y = _target_values(labels, path, t, names[t])
    if classes is not None:  # (said by line here: from_arrays would say the row)
        _known_labels(y, labels, _class_list(classes), path, names[t])
    return _examples(X, y, classes, f"{path}: X", f"{path}: {names[t]}", "file")


def _known_labels(y: list[Any], labels: list[tuple[int, str]], classes: list[Any], path: Path,
                  name: str) -> None:
    known = set(classes)
    for label, (line, _) in zip(y, labels):
        if label not in known:
            raise ValueError(f"{path}, line {line} ({name}): {excerpt(label)} is not one of the "
                             f"classes {excerpt(classes)}")


# ---------------------------------------------------------------- tables of numbers


def _examples(X: object, y: object, classes: Classes, x_name: str, y_name: str,
              source: str = "arrays") -> Examples:
    rows = _rows(X, x_name)
    targets, found = _targets(y, classes, y_name, source)
    if len(targets) != len(rows):
        raise ValueError(f"{x_name} has {plural(len(rows), 'row')} but {y_name} has "
                         f"{len(targets)}: one target per example")
    examples = Examples(zip(rows, targets))
    examples.classes = found
    return examples


def _rows(X: object, name: str) -> list[list[float]]:
    """A table as its rows of finite floats, each as long as the first."""
    table = _plain(X)
    if not isinstance(table, list) or not table:
        raise ValueError(f"{name} must be a table of examples (rows) by inputs (columns), "
                         f"got {excerpt(X)}")
    width = None
    rows = []
    for i, row in enumerate(table):
        if not isinstance(row, list):
            raise ValueError(
                f"{name} must have one row per example, but row {i + 1} is {excerpt(row)}: "
                "for a single input, give a column (X.reshape(-1, 1), or [[x] for x in X])"
            )
        width = len(row) if width is None else width
        if len(row) != width:
            raise ValueError(f"{name}: row {i + 1} has {plural(len(row), 'entry', 'entries')}, "
                             f"row 1 has {width}")
        rows.append([finite_number(v, f"{name}[{i}][{k}] (row {i + 1}, column {k + 1})")
                     for k, v in enumerate(row)])
    if width == 0:
        raise ValueError(f"{name} has no columns: an example needs at least one input")
    return rows


def _targets(
    y: object, classes: Classes, name: str, source: str
) -> tuple[list[list[float]], list[Any] | None]:
    """The targets: the rows of a table, or a column of labels as module's docstring says;
    and the classes of the output nodes where they were made one-hot (else None)."""
    column = _plain(y)
    if not isinstance(column, list) or not column:
        raise ValueError(f"{name} must be a column of labels or a table of targets, got "
                         f"{excerpt(y)}")
    if all(isinstance(row, list) for row in column):
        if classes is not None:
            raise ValueError(f"classes one-hot encodes a column of labels, but {name} is a "
                             "table: its rows are the targets already")
        return _rows(column, name), None
    if classes is not None:
        classes = _class_list(classes)
        return _one_hot(column, classes, name), classes
    if all(_is_label(v) for v in column):
        found = sorted(set(column), key=lambda v: (isinstance(v, str), v))
        if set(found) <= {0, 1} and not any(isinstance(v, str) for v in found):
            return [[float(v)] for v in column], None
        if len(found) > MAX_CLASSES:
            raise ValueError(
                f"{name} has {len(found)} different labels, too many to be classes (one output "
                f"node each); if they are numbers to learn, {AS_NUMBERS[source]}")
        return _one_hot(column, found, name), found
    return [[finite_number(v, f"{name}[{i}] (row {i + 1})")] for i, v in enumerate(column)], None


def _one_hot(labels: list[Any], classes: list[Any], name: str) -> list[list[float]]:
    position = {c: j for j, c in enumerate(classes)}
    targets = []
    for i, label in enumerate(labels):
        if label not in position:
            raise ValueError(f"{name}[{i}] (row {i + 1}) is {excerpt(label)}, not one of the "
                             f"classes {excerpt(classes)}")
        y = [0.0] * len(classes)
        y[position[label]] = 1.0
        targets.append(y)
    return targets


def _class_list(classes: Classes) -> list[Any]:
    if is_number(classes) and isinstance(classes, Integral):
        if classes < 2:
            raise ValueError(f"classes must be at least 2 (the labels 0..classes-1), got {classes}")
        return list(range(int(classes)))
    if isinstance(classes, str) or not isinstance(classes, Sequence) and not hasattr(
            classes, "tolist"):
        raise TypeError(f"classes must be a number of classes or a list of labels, got "
                        f"{type(classes).__name__}: {excerpt(classes)}")
    found: list[Any] = _plain(classes)
    if len(found) < 2 or len(set(found)) != len(found):
        raise ValueError(f"classes must list at least two different labels, got {excerpt(found)}")
    return found


def _is_label(v: object) -> bool:
    """A class label: a whole number (Python's or numpy's, not a bool) or a text."""
    return isinstance(v, str) or (is_number(v) and isinstance(v, Integral))


def _plain(table: Any) -> Any:
    """A table or a column as plain lists: numpy arrays and pandas frames through tolist()."""
    if hasattr(table, "to_numpy") and not hasattr(table, "tolist"):  # a pandas DataFrame
        table = table.to_numpy()
    if hasattr(table, "tolist") and hasattr(table, "ndim"):
        return table.tolist()
    if isinstance(table, (str, bytes)) or not isinstance(table, Sequence):
        return table
    return [_plain(row) if hasattr(row, "tolist") or isinstance(row, (list, tuple)) else row
            for row in table]


# ---------------------------------------------------------------- CSV files


def _rows_of_csv(raw: bytes, path: Path) -> list[tuple[int, list[str]]]:
    """The non-empty rows of a CSV file's bytes, each with the line it ends on."""
    try:
        reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
        rows = [(reader.line_num, row) for row in reader if any(field.strip() for field in row)]
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not a text (UTF-8) file: {e.reason} at byte {e.start}") from e
    except csv.Error as e:
        raise ValueError(f"{path}: not a CSV file: {e}") from e
    if not rows:
        raise ValueError(f"{path}: the file has no rows")
    if len(rows[0][1]) < 2:
        raise ValueError(f"{path}, line {rows[0][0]}: one column only; a CSV file of examples "
                         "needs the inputs and the target, separated by commas")
    return rows


def _has_header(rows: list[tuple[int, list[str]]]) -> bool:
    """Whether the first row names the columns: one of its fields is not a number where the
    next row has a number (a file of one row: where any field is not a number)."""
    first = rows[0][1]
    if len(rows) == 1:
        return not all(map(_is_number_text, first))
    return any(not _is_number_text(a) and _is_number_text(b) for a, b in zip(first, rows[1][1]))


def _column_names(row: tuple[int, list[str]], path: Path) -> list[str]:
    """The header row's names, each given once (a target named twice would be either)."""
    line, fields = row
    names = [name.strip() for name in fields]
    first: dict[str, int] = {}
    for k, name in enumerate(names):
        if name in first:
            raise ValueError(f"{path}, line {line}: columns {first[name] + 1} and {k + 1} are "
                             f"both named {excerpt(name)}; give each column its own name")
        first[name] = k
    return names


class NoSuchColumnError(ValueError):
    """The target names no column of the file: ``target``, and the file's ``names``."""

    def __init__(self, message: str, target: int | str, names: list[str]) -> None:
        super().__init__(message)
        self.target, self.names = target, names


def _target_column(target: int | str, names: list[str], path: Path) -> int:
    """The 0-based position of the target column."""
    if isinstance(target, str):
        if target not in names:
            raise NoSuchColumnError(f"{path}: no column named {excerpt(target)}; the columns "
                                    f"are {excerpt(names)}", target, names)
        return names.index(target)
    if not (is_number(target) and isinstance(target, Integral)):
        raise TypeError(f"target must be a column name or position, got "
                        f"{type(target).__name__}: {excerpt(target)}")
    if not -len(names) <= target < len(names):
        raise NoSuchColumnError(f"{path}: target {target} is not a column; the file has "
                                f"{len(names)} (0 to {len(names) - 1}, or -1 for the last)",
                                int(target), names)
    return int(target) % len(names)


def _target_values(labels: list[tuple[int, str]], path: Path, k: int, name: str) -> list[Any]:
    """The target column as whole numbers (labels), numbers, or texts (labels)."""
    texts = [text.strip() for _, text in labels]
    if all(_is_whole_text(t) for t in texts):
        return [int(t) for t in texts]
    numbers = [_is_number_text(t) for t in texts]
    if all(numbers) or any(numbers):  # (a stray text among numbers is an error there)
        return [_csv_number(t, path, line, k, name) for (line, _), t in zip(labels, texts)]
    return texts


def _csv_number(text: str, path: Path, line: int, k: int, name: str) -> float:
    where = f"{path}, line {line}, column {k + 1}"
    if name != f"column {k + 1}":  # (a headerless file's columns are named so already)
        where += f" ({name})"
    text = text.strip()
    if not text:
        raise ValueError(f"{where}: empty, where a number belongs")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: {excerpt(text)} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: {excerpt(text)} is not a finite number")
    return value


def _is_number_text(text: str) -> bool:
    """Whether ``text`` reads as a float at all: nan, inf and 1e400 do (and are refused later)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_whole_text(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isdigit() and digits.isascii() and len(digits) <= 18
