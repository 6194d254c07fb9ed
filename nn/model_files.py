"""Save and load networks as JSON files, exactly and atomically; never pickle.

A model file is one JSON object:

    {"format": "deltagrad.mlp", "version": 1,
     "sizes": [n_1, ..., n_L], "activations": [sigma for layers 2..L],
     "init": "normal", "seed": 0,
     "weights": [w^2, ..., w^L],   w^l[j][k] = w_jk^l  (an n_l x n_{l-1} matrix)
     "biases":  [b^2, ..., b^L]}   b^l[j]    = b_j^l

Python writes a float as the shortest decimal that reads back as the same
double, so ``load(save(net))`` has bit-identical weights and biases. The file
is written beside its destination under a temporary name and then renamed
over it (``os.replace``, atomic), so a crash never leaves a half-written model.
JSON rather than pickle because loading a pickle runs whatever code the file
says; loading a JSON file only reads numbers.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from autodiff.files import atomic_write
from autodiff.validate import is_number
from nn.layers import INITS, MLP, check_sizes, node_label

FORMAT = "deltagrad.mlp"
VERSION = 1
KEYS = ("format", "version", "sizes", "activations", "init", "seed", "weights", "biases")


class ModelFileError(ValueError):
    """A model file that cannot be loaded; ``path`` is the file, ``problem`` what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def save(net: MLP, path: str | os.PathLike) -> Path:
    """Write ``net`` to ``path`` as JSON, replacing any file there only once fully written.

    Returns the path written. The folder must exist. On any error (also
    Ctrl-C) an existing file at ``path`` is left as it was (see autodiff.files).
    """
    if not isinstance(net, MLP):
        raise TypeError(f"save() takes an MLP, got {type(net).__name__}")
    model = _to_dict(net)

    def write(f: IO[str]) -> None:
        # allow_nan=False: a NaN would give a file that JSON readers reject
        json.dump(model, f, allow_nan=False)
        f.write("\n")

    return atomic_write(path, write)


def load(path: str | os.PathLike) -> MLP:
    """Read a network written by :func:`save`, with exactly the saved weights and biases.

    Raises ModelFileError (a ValueError) naming the file and the problem when the
    file is not a deltagrad model of a version this code reads, or is damaged.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(path, "is a folder; expected a model file written by save()")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ModelFileError(path, f"not a text (UTF-8) file: {e.reason} at byte {e.start}") from e
    try:
        model = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise ModelFileError(
            path, f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
        ) from e
    except _NonFinite as e:
        raise ModelFileError(path, f"numbers must be finite, found {e.args[0]}") from e
    return _from_dict(model, path)


def _to_dict(net: MLP) -> dict:
    seed = net.seed
    # the seed is only a note of where the weights came from (the weights are
    # saved themselves), so a seed JSON cannot hold is dropped rather than fatal
    if not (seed is None or isinstance(seed, (int, str))) or isinstance(seed, bool):
        seed = None
    return {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "init": net.init,
        "seed": seed,
        "weights": [[[w.data for w in n.w] for n in layer.neurons] for layer in net.layers],
        "biases": [[n.b.data for n in layer.neurons] for layer in net.layers],
    }


def _from_dict(model: object, path: Path) -> MLP:
    """The network a parsed model file describes, every part of it checked first."""

    def bad(problem: str) -> ModelFileError:
        return ModelFileError(path, problem)

    _check_header(model, bad)
    sizes = _check_network(model, bad)
    # the shapes are checked before the network is built, so that a file
    # claiming huge sizes costs no more memory than the numbers it holds
    w, b = _read_parameters(model["weights"], model["biases"], sizes, bad)
    try:
        net = MLP(sizes, model["activations"], seed=model["seed"], init=model["init"])
    except (TypeError, ValueError) as e:
        raise bad(f"the network it describes is invalid: {e}") from e
    for layer, w_l, b_l in zip(net.layers, w, b):
        for neuron, w_j, b_j in zip(layer.neurons, w_l, b_l):
            for w_jk, number in zip(neuron.w, w_j):
                w_jk.data = number
            neuron.b.data = b_j
    return net


def _check_header(model: object, bad: Callable[[str], ModelFileError]) -> None:
    """A JSON object of this format and version, with exactly the keys it should have."""
    if not isinstance(model, dict):
        raise bad(f"expected a JSON object (a deltagrad model), got a JSON {_json_type(model)}")
    if model.get("format") != FORMAT:
        raise bad(
            f"not a deltagrad model file: format is {model.get('format')!r}, expected {FORMAT!r}"
        )
    version = model.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise bad(f"version must be an integer, got {version!r}")
    if version != VERSION:
        newer = " (written by a newer deltagrad?)" if version > VERSION else ""
        raise bad(f"unsupported format version {version}{newer}; this deltagrad reads {VERSION}")
    missing = [k for k in KEYS if k not in model]
    if missing:
        raise bad(f"missing keys {missing}")
    unknown = sorted(set(model) - set(KEYS))
    if unknown:
        raise bad(f"unknown keys {unknown}; version {VERSION} files have exactly {list(KEYS)}")


def _check_network(model: dict, bad: Callable[[str], ModelFileError]) -> list[int]:
    """The description of the network (sizes, activations, init, seed); returns the sizes."""
    sizes, activations, init, seed = (model[k] for k in ("sizes", "activations", "init", "seed"))
    if not isinstance(sizes, list):
        raise bad(f"sizes must be a list of layer sizes, got {sizes!r}")
    if not isinstance(activations, list):
        raise bad(f"activations must be a list of names, got {activations!r}")
    if init not in INITS:
        raise bad(f"init must be one of {INITS}, got {init!r}")
    if not (seed is None or isinstance(seed, (int, str))) or isinstance(seed, bool):
        raise bad(f"seed must be an integer, a string or null, got {seed!r}")
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
        raise bad(f"{where} must be a list ({what}), got {v!r}")
    if len(v) != size:
        raise bad(f"{where} has {len(v)} entries, expected {size} ({what})")


def _number(v: object, where: str, bad) -> float:
    if not is_number(v):
        raise bad(f"{where} must be a number, got {v!r}")
    # a literal like 1e400 parses to inf without any NaN/Infinity token
    if not math.isfinite(v):
        raise bad(f"{where} must be finite, got {v!r}")
    return float(v)


class _NonFinite(Exception):
    pass


def _reject_constant(token: str) -> float:
    raise _NonFinite(token)


def _json_type(v: object) -> str:
    names = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(v), "number")
