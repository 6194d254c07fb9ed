"""Save and load networks as JSON files, exactly and atomically; never pickle.

A model file is one JSON object:

    {"format": "deltagrad.mlp", "version": 2,
     "sizes": [n_1, ..., n_L], "activations": [sigma for layers 2..L],
     "init": "normal", "seed": 0,
     "weights": [w^2, ..., w^L],   w^l[j][k] = w_jk^l  (an n_l x n_{l-1} matrix)
     "biases":  [b^2, ..., b^L],   b^l[j]    = b_j^l
     "training": null, or how the network was trained:
        {"data": how the data was made, as the command line describes it:
             {"dataset": "moons", "n": 200, "noise": 0.1, "seed": 0, "test_fraction": 0.2}
             or {"csv": "iris.csv", "target": "species", "sha256": "...", "seed": 0, ...,
                 "classes": ["setosa", "versicolor", "virginica"]}: the label of each
                 output node, where the targets were made one-hot from labels,
         "history": the History of train(): its epochs, its arguments (the cost,
             m, eta, the seed, the length asked for) and its warnings,
         "shuffle": where its shuffling stopped (nn.training.records.ShuffleState)}}

A model file remembers how it was trained, so that ``deltagrad evaluate``,
``compare`` and ``draw`` use its data and cost without being told, and
``deltagrad train --resume`` goes on exactly where it stopped. A CSV file is
named relative to the model's folder, so the two can move together.
Version 1 files (no "training") are read as ever; files of a newer version
are refused.

Python writes a float as the shortest decimal that reads back as the same
double, so ``load(save(net))`` has bit-identical weights and biases. The file
is written beside its destination under a temporary name and then renamed
over it (``autodiff.files``), so a crash never leaves a half-written model.
JSON rather than pickle because loading a pickle runs whatever code the file
says; loading a JSON file only reads numbers. A file larger than
``MAX_BYTES``, a key given twice, nesting too deep for Python and numbers too
long for it are refused with a ModelFileError naming the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from autodiff.files import (
    READ_LIMIT,
    KeyGivenTwiceError,
    NonFiniteNumberError,
    atomic_write,
    parse_json,
    read_at_most,
)
from autodiff.validate import excerpt, finite_number, is_number, plural
from nn.data.datasets import MAX_EXAMPLES, examples_bound
from nn.model.activations import ACTIVATIONS, Activation, as_activation
from nn.model.layers import INITS, MLP, check_sizes, node_label
from nn.training.records import History, ShuffleState

FORMAT = "deltagrad.mlp"
VERSION = 2
KEYS = ("format", "version", "sizes", "activations", "init", "seed", "weights", "biases",
        "training")
KEYS_OF_VERSION = {1: KEYS[:-1], 2: KEYS}
TRAINING_KEYS = ("data", "history", "shuffle")
# What a description of the data may hold, and the JSON types of each.
DATA_KEYS = {"dataset": (str,), "n": (int, type(None)), "noise": (int, float, type(None)),
             "csv": (str,), "target": (int, str), "header": (bool, type(None)),
             "sha256": (str,), "seed": (int,), "test_fraction": (int, float),
             "classes": (list,)}
MAX_BYTES = READ_LIMIT  # 64 MiB: some three million weights, beyond any network of Values


class ModelFileError(ValueError):
    """A model file that cannot be loaded; ``path`` is the file, ``problem`` what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class SavedModel:
    """What a model file holds: the network, and how it was trained where the file says.

    Attributes:
        net: the network, with exactly the saved weights and biases.
        history: the History of its training (with its arguments and the
            shuffling state to resume from), or None.
        data: how its data was made, as the command line describes it (see the
            module's docstring; a CSV file's path made absolute), or None.
    """

    net: MLP
    history: History | None = None
    data: dict | None = None

    @property
    def cost(self) -> str | None:
        """The name of the cost it was trained with (a key of ``nn.COSTS``), if known."""
        return self.history.arguments.get("cost") if self.history is not None else None


def save(
    net: MLP, path: str | os.PathLike, *, history: History | None = None,
    data: dict | None = None, force: bool | None = None,
) -> Path:
    """Write ``net`` to ``path`` as JSON, replacing any file there only once fully written.

    With ``history`` (what ``train`` returned) and ``data`` (how the data was
    made, as the module's docstring describes it), the file remembers how the
    network was trained. Returns the path written. The folder must exist. On
    any error (also Ctrl-C) an existing file at ``path`` is left as it was,
    and a file replaced keeps its permissions; a write-protected file is
    replaced only with ``force=True`` (see autodiff.files).
    """
    if not isinstance(net, MLP):
        raise TypeError(f"save() takes an MLP, got {type(net).__name__}")
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history must be the History train() returned, got "
                        f"{type(history).__name__}")
    model = _to_dict(net)
    model["training"] = _training(history, data, Path(path)) if history or data else None

    def write(f: IO[str]) -> None:
        # allow_nan=False: a NaN would give a file that JSON readers reject
        json.dump(model, f, allow_nan=False)
        f.write("\n")

    return atomic_write(path, write, force=force)


def load(path: str | os.PathLike, *, activations: Sequence[Activation] = (),
         max_bytes: int = MAX_BYTES) -> MLP:
    """Read a network written by :func:`save`, with exactly the saved weights and biases.

    A file names each layer's activation; one that is not built in is read from
    the records in ``activations`` (``nn.Activation``), by name. Raises
    ModelFileError (a ValueError) naming the file and the problem when the file
    is not a deltagrad model of a version this code reads, is damaged, names an
    activation it was not given, or is larger than ``max_bytes``.
    """
    return read_model(path, activations=activations, max_bytes=max_bytes).net


def read_model(path: str | os.PathLike, *, activations: Sequence[Activation] = (),
               max_bytes: int = MAX_BYTES) -> SavedModel:
    """Read a model file: the network, and how it was trained where the file says.

    ``activations`` as for :func:`load`.
    """
    path = Path(path)
    model = _parse(_read_text(path, max_bytes), path)

    def bad(problem: str) -> ModelFileError:
        return ModelFileError(path, problem)

    version = _check_header(model, bad)
    net = _from_dict(model, version, _records(activations), bad)
    history, data = _read_training(model.get("training"), path, bad)
    return SavedModel(net, history, data)


def _records(activations: Sequence[Activation]) -> list[Activation]:
    """The records given to load, each checked to be one (a name alone says too little)."""
    if isinstance(activations, (str, Activation)) or not isinstance(activations, Sequence):
        activations = [activations]
    for a in activations:
        if not isinstance(a, Activation):
            raise TypeError(f"activations must be a list of nn.Activation records, got "
                            f"{type(a).__name__}: {excerpt(a)}")
    return list(activations)


def _read_text(path: Path, max_bytes: int) -> str:
    """The file's text, refusing folders, files over max_bytes, and what is not UTF-8."""
    if path.is_dir():
        raise ModelFileError(path, "is a folder; expected a model file written by save()")
    raw = read_at_most(path, max_bytes, "the model file")  # (once: a FIFO gives it once)
    if len(raw) > max_bytes:
        raise ModelFileError(path, f"larger than {max_bytes} bytes, the most load() reads "
                                   "(max_bytes=...): not a model file of a network of Values")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelFileError(path, f"not a text (UTF-8) file: {e.reason} at byte {e.start}") from e


def _parse(text: str, path: Path) -> object:
    try:
        return parse_json(text)
    except json.JSONDecodeError as e:
        raise ModelFileError(
            path, f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
        ) from e
    except NonFiniteNumberError as e:
        raise ModelFileError(path, str(e)) from e
    except KeyGivenTwiceError as e:
        raise ModelFileError(path, f"the key {excerpt(e.key)} is given twice in one object; "
                                   "a model file gives each once") from e
    except RecursionError:
        raise ModelFileError(path, "not a model file: its JSON is nested too deeply to read") \
            from None
    except ValueError as e:  # Python's limit on the digits of an integer, for one
        reason = str(e).split(";")[0][:200]  # (Python's words; the number itself is not quoted)
        raise ModelFileError(path, f"not a model file: {reason}") from None


def _to_dict(net: MLP) -> dict:
    seed = net.seed
    # the seed is only a note of where the weights came from (the weights are
    # saved themselves), so a seed a version 1 file held as a string is dropped
    if not isinstance(seed, int) or isinstance(seed, bool):
        seed = None
    return {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "init": net.init,
        "seed": seed,
        "weights": [[[_saved(w.data, "weights", l, j, k) for k, w in enumerate(n.w)]
                     for j, n in enumerate(layer.neurons)]
                    for l, layer in enumerate(net.layers, start=2)],
        "biases": [[_saved(n.b.data, "biases", l, j) for j, n in enumerate(layer.neurons)]
                   for l, layer in enumerate(net.layers, start=2)],
    }


def _saved(v: object, key: str, layer_no: int, *jk: int) -> float:
    """A parameter as it is saved: refused, naming it, where load() would refuse it."""
    if type(v) is float and v - v == 0.0:  # (the usual case, at once)
        return v
    return _number(v, _where(key, layer_no, *jk),
                   lambda problem: ValueError(f"cannot save the network: {problem} (a model "
                                              "file holds finite numbers only)"))


def _training(history: History | None, data: dict | None, path: Path) -> dict:
    """The "training" part of a model file; a CSV file named relative to the model's folder."""
    if data is not None:
        _check_data_description(data, lambda problem: ValueError(f"data: {problem}"))
        if "csv" in data:
            folder = os.path.abspath(path.parent)
            data = {**data, "csv": os.path.relpath(os.path.abspath(data["csv"]), folder)}
    return {
        "data": data,
        "history": history.as_dict() if history is not None else None,
        "shuffle": history.shuffle.as_dict() if history and history.shuffle else None,
    }


def _read_training(
    training: object, path: Path, bad: Callable[[str], ModelFileError]
) -> tuple[History | None, dict | None]:
    """The history and the data description a model file's "training" holds (None, None if not)."""
    if training is None:
        return None, None
    if not isinstance(training, dict) or set(training) != set(TRAINING_KEYS):
        raise bad(f"training must be null or an object with the keys {list(TRAINING_KEYS)}, "
                  f"got {excerpt(training)}")
    try:
        shuffle = (ShuffleState.from_dict(training["shuffle"])
                   if training["shuffle"] is not None else None)
        history = (History.from_dict(training["history"], shuffle)
                   if training["history"] is not None else None)
    except ValueError as e:
        raise bad(f"training.{e}") from None
    data = training["data"]
    if data is not None:
        _check_data_description(data, lambda problem: bad(f"training.data: {problem}"))
        if "csv" in data:
            data = {**data, "csv": os.path.normpath(os.path.join(path.parent, data["csv"]))}
    return history, data


def _check_data_description(data: object, bad: Callable[[str], Exception]) -> None:
    if not isinstance(data, dict) or ("dataset" in data) == ("csv" in data):
        raise bad(f"must be an object naming a dataset or a csv file, got {excerpt(data)}")
    for key, value in data.items():
        if key not in DATA_KEYS:
            raise bad(f"unknown key {excerpt(key)}; expected some of {list(DATA_KEYS)}")
        if not isinstance(value, DATA_KEYS[key]) or (isinstance(value, bool)
                                                     and bool not in DATA_KEYS[key]):
            raise bad(f"{key} must be {' or '.join(_json_type_name(t) for t in DATA_KEYS[key])}"
                      f", got {excerpt(value)}")
    if isinstance(data.get("n"), int) and data["n"] > MAX_EXAMPLES:  # (before any is made)
        raise bad(f"n must be {examples_bound(data['n'])}")
    classes = data.get("classes", ["a", "b"])
    if len(classes) < 2 or len(set(map(repr, classes))) < len(classes) or not all(
            isinstance(c, (str, int)) and not isinstance(c, bool) for c in classes):
        raise bad(f"classes must list two or more different labels (texts or integers), got "
                  f"{excerpt(classes)}")


def _from_dict(model: dict, version: int, known: Sequence[Activation],
               bad: Callable[[str], ModelFileError]) -> MLP:
    """The network a parsed model file describes, every part of it checked first."""
    sizes = _check_network(model, version, bad)
    # the shapes are checked before the network is built, so that a file
    # claiming huge sizes costs no more memory than the numbers it holds
    w, b = _read_parameters(model["weights"], model["biases"], sizes, bad)
    seed = model["seed"]
    try:
        sigmas = [_activation(name, l, known) for l, name in enumerate(model["activations"], 2)]
        net = MLP(sizes, sigmas, seed=seed if isinstance(seed, int) else None,
                  init=model["init"])
    except (TypeError, ValueError) as e:
        raise bad(f"the network it describes is invalid: {e}") from e
    net.seed = seed  # (a version 1 file may note a string)
    for layer, w_l, b_l in zip(net.layers, w, b):
        for neuron, w_j, b_j in zip(layer.neurons, w_l, b_l):
            for w_jk, number in zip(neuron.w, w_j):
                w_jk.data = number
            neuron.b.data = b_j
    return net


def _activation(name: object, l: int, known: Sequence[Activation]) -> Activation:
    """The record a model file names for layer l: one of ``known``, or built in."""
    try:
        return as_activation(name, known)
    except ValueError:
        raise ValueError(
            f"layer {l} has the activation {excerpt(name)}, which is not built in ("
            f"{', '.join(ACTIVATIONS)}): load the file giving its nn.Activation record, "
            f"nn.load(path, activations=[{name}])") from None


def _check_header(model: object, bad: Callable[[str], ModelFileError]) -> int:
    """A JSON object of this format and a version read here, with exactly its keys; the version."""
    if not isinstance(model, dict):
        raise bad(f"expected a JSON object (a deltagrad model), got a JSON {_json_type(model)}")
    if model.get("format") != FORMAT:
        raise bad(
            f"not a deltagrad model file: format is {excerpt(model.get('format'))}, expected "
            f"{FORMAT!r}"
        )
    version = model.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise bad(f"version must be an integer, got {excerpt(version)}")
    if version not in KEYS_OF_VERSION:
        newer = " (written by a newer deltagrad?)" if version > VERSION else ""
        raise bad(f"unsupported format version {version}{newer}; this deltagrad reads "
                  f"{' and '.join(map(str, KEYS_OF_VERSION))}")
    keys = KEYS_OF_VERSION[version]
    missing = [k for k in keys if k not in model]
    if missing:
        raise bad(f"missing keys {missing}")
    unknown = sorted(set(model) - set(keys))
    if unknown:
        raise bad(f"unknown keys {excerpt(unknown)}; version {version} files have exactly "
                  f"{list(keys)}")
    return version


def _check_network(
    model: dict, version: int, bad: Callable[[str], ModelFileError]
) -> list[int]:
    """The description of the network (sizes, activations, init, seed); returns the sizes."""
    sizes, activations, init, seed = (model[k] for k in ("sizes", "activations", "init", "seed"))
    if not isinstance(sizes, list):
        raise bad(f"sizes must be a list of layer sizes, got {excerpt(sizes)}")
    if not isinstance(activations, list):
        raise bad(f"activations must be a list of names, got {excerpt(activations)}")
    if not isinstance(init, str) or init not in INITS:
        raise bad(f"init must be one of {INITS}, got {excerpt(init)}")
    kinds = (int, str) if version == 1 else int  # (version 1 let a string be a seed)
    if not (seed is None or isinstance(seed, kinds)) or isinstance(seed, bool) or (
            isinstance(seed, int) and seed < 0):
        expected = "an integer >= 0, a string or null" if version == 1 else \
            "an integer >= 0 or null"
        raise bad(f"seed must be {expected}, got {excerpt(seed)}")
    try:
        return check_sizes(sizes)
    except (TypeError, ValueError) as e:
        raise bad(f"the network it describes is invalid: {e}") from e


def _read_parameters(
    weights: object, biases: object, sizes: list[int], bad: Callable[[str], ModelFileError]
) -> tuple[list[list[list[float]]], list[list[float]]]:
    """w[i][j][k] = w_jk^l and b[i][j] = b_j^l (l = i + 2), each list of the size it should be."""
    n_layers = len(sizes) - 1
    _check_list(weights, n_layers, "weights", "one per layer 2..L", bad)
    _check_list(biases, n_layers, "biases", "one per layer 2..L", bad)
    w, b = [], []
    for i in range(n_layers):
        layer_no, m, n = i + 2, sizes[i], sizes[i + 1]
        _check_list(weights[i], n, f"weights[{i}]", f"one row per node of layer {layer_no}", bad)
        _check_list(biases[i], n, f"biases[{i}]", f"one per node of layer {layer_no}", bad)
        w.append([])
        b.append([])
        for j in range(n):
            row = weights[i][j]
            _check_list(row, m, f"weights[{i}][{j}]", f"one per node of layer {layer_no - 1}", bad)
            w[i].append([_number(row[k], _where("weights", layer_no, j, k), bad) for k in range(m)])
            b[i].append(_number(biases[i][j], _where("biases", layer_no, j), bad))
    return w, b


def _where(key: str, layer_no: int, *jk: int) -> str:
    """Where a number sits in the file, and its lecture name: "weights[0][1][0] (w_21^2)"."""
    index = "".join(f"[{i}]" for i in (layer_no - 2, *jk))
    return f"{key}{index} ({node_label(key[0], layer_no, *jk)})"


def _check_list(v: object, size: int, where: str, what: str, bad) -> None:
    if not isinstance(v, list):
        raise bad(f"{where} must be a list ({what}), got {excerpt(v)}")
    if len(v) != size:
        raise bad(f"{where} has {plural(len(v), 'entry', 'entries')}, expected {size} ({what})")


def _number(v: object, where: str, bad) -> float:
    if not is_number(v):
        raise bad(f"{where} must be a number, got {excerpt(v)}")
    # a literal like 1e400 parses to inf without any NaN/Infinity token, and an
    # integer of 400 digits is beyond every float
    try:
        return finite_number(v, where)
    except ValueError as e:
        raise bad(str(e)) from None


def _json_type_name(t: type) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            type(None): "null"}[t]


def _json_type(v: object) -> str:
    names = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(v), "number")
