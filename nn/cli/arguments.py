"""What the commands share: the parser, argument types, groups of arguments, data, outputs.

Numbers on the command line are read here, with errors that say what was
expected, and may start with a minus sign (``--x -0.5,0.1``). The data a
command works on is described by a small dictionary (a dataset or a CSV file,
its seed and test fraction) that model files remember, so that a command
given a model file and no data uses the data it was trained on. Outputs
follow one rule: missing folders are created (as ``mkdir -p`` does), a file
that could not be written is refused before any work is done, and folders
made for a command that fails are removed again.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import inspect
import math
import os
import re
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from autodiff.files import check_writable
from autodiff.validate import excerpt, plural
from nn.checking.isolation import LEAST_SECONDS, MOST_SECONDS, SECONDS_RANGE
from nn.data.datasets import DATASETS, MAX_EXAMPLES, load_dataset, split
from nn.data.tables import NoSuchColumnError, csv_examples, read_csv_file
from nn.model.costs import COSTS, Cost, as_cost, quadratic_cost
from nn.model.layers import ACTIVATIONS, INITS, too_many_parameters
from nn.training.engines import ENGINES
from nn.training.model_files import SavedModel, read_model

# ---------------------------------------------------------------- the parser


class Parser(argparse.ArgumentParser):
    """argparse's parser, with an error in one line (argparse prints the usage before it,
    which buries the line that says what was wrong; ``--help`` shows it), quoting only an
    excerpt of a long value."""

    def error(self, message: str) -> NoReturn:
        message = re.sub(r"'([^']{60,})'", lambda m: excerpt(m.group(1)), message)
        self.exit(2, f"{self.prog}: error: {message}\n")


def attach_negative_numbers(argv: Sequence[str]) -> list[str]:
    """``--x -0.5,0.1`` as ``--x=-0.5,0.1``: argparse takes a value starting with '-' for an option.

    No option of ours starts with a digit, so a word that starts with a minus
    sign and a digit (or a point) after an option is that option's value.
    """
    out: list[str] = []
    for word in argv:
        if (out and re.match(r"-\.?\d", word) and out[-1].startswith("--")
                and "=" not in out[-1]):
            out[-1] = f"{out[-1]}={word}"
        else:
            out.append(word)
    return out


# What people coming from other tools type, and the option that does it here.
SYNONYMS = {"--lr": "--eta", "--learning-rate": "--eta", "--learning_rate": "--eta",
            "--batch": "--batch-size", "--batch_size": "--batch-size", "--bs": "--batch-size",
            "--epoch": "--epochs", "--steps": "--iterations", "--iters": "--iterations",
            "--layers": "--sizes", "--hidden": "--sizes", "--dataset": "--data",
            "--output": "--out", "--loss": "--cost", "--random-seed": "--seed"}


def unknown_options(words: Sequence[str], parser: argparse.ArgumentParser) -> str:
    """argparse's "unrecognized arguments" message, with the option each one probably meant."""
    known = sorted(set(re.findall(r"--[\w-]+", parser.format_usage())))
    hints = []
    for word in words:
        name = word.split("=")[0]
        if not name.startswith("--"):
            continue
        meant = SYNONYMS.get(name)
        if meant not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            meant = close[0] if close else None
        if meant:
            hints.append(f"{name}: did you mean {meant}?")
    message = f"unrecognized arguments: {excerpt(' '.join(words))[1:-1]}"
    return message + (f" ({'; '.join(hints)})" if hints else "")


# ---------------------------------------------------------------- argument types


def sizes_type(text: str) -> list[int]:
    """'2,8,1' -> [2, 8, 1]."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be whole numbers separated by commas, like 2,8,1; got {excerpt(text)}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"need at least two layers of at least one node each, like 2,8,1; got {excerpt(text)}"
        )
    if (beyond := too_many_parameters(sizes)) is not None:
        raise argparse.ArgumentTypeError(f"{excerpt(text)[1:-1]} {beyond}")
    return sizes


def floats_type(text: str) -> list[float]:
    """'0.5,-0.1' -> [0.5, -0.1]."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, like 0.5,-0.1; got {excerpt(text)}"
        ) from None
    if not all(map(math.isfinite, numbers)):
        raise argparse.ArgumentTypeError(f"expected finite numbers, got {excerpt(text)}")
    return numbers


def positive_int(text: str) -> int:
    return _at_least(_read(text, int), 1)


def examples_type(text: str) -> int:
    """A number of examples: a whole number from 1 to ``MAX_EXAMPLES``."""
    n = positive_int(text)
    if n > MAX_EXAMPLES:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_EXAMPLES} examples (nn.data.datasets.MAX_EXAMPLES), got {n}")
    return n


def seed_type(text: str) -> int:
    """A seed: a whole number >= 0 (Python's random gives -1 the numbers of 1)."""
    return _at_least(_read(text, int), 0)


def positive_float(text: str) -> float:
    value = _read(text, float)
    if not 0.0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {excerpt(text)}")
    return value


def seconds_type(text: str) -> float:
    """A time in seconds: from a tenth of a second to a day (``nn.checking.isolation``)."""
    value = _read(text, float)
    if not LEAST_SECONDS <= value <= MOST_SECONDS:
        raise argparse.ArgumentTypeError(f"expected {SECONDS_RANGE}, got {excerpt(text)}")
    return value


def fraction_type(text: str) -> float:
    """A share of the data: 0 (none) up to, but not including, 1."""
    value = _read(text, float)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(
            f"expected a number from 0 (no test data) up to, not including, 1; got "
            f"{excerpt(text)}")
    return value


def _read(text: str, kind: type) -> int | float:
    """``text`` as an int or a float, or an error quoting (an excerpt of) it."""
    try:
        return kind(text)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {expected}, got {excerpt(text)}") from None


def _at_least(value: int, minimum: int) -> int:
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
    return value


def data_type(text: str) -> str | Path:
    """A dataset's name, or a CSV file (or a pipe giving one: ``--data <(zcat d.csv.gz)``)."""
    if text in DATASETS:
        return text
    path = Path(text)
    try:
        is_file = path.exists() and not path.is_dir()
    except OSError:  # a name too long for a file, say
        is_file = False
    if path.suffix.lower() == ".csv" or is_file:
        return path
    raise argparse.ArgumentTypeError(
        f"expected one of {', '.join(sorted(DATASETS))} or a CSV file, got {excerpt(text)}")


def target_type(text: str) -> int | str:
    """A column of a CSV file: its name, or its number counted from 1 (-1 the last)."""
    if re.fullmatch(r"[+-]?\d{1,9}", text.strip()):
        k = int(text)
        if k == 0:
            raise argparse.ArgumentTypeError("columns count from 1 (and -1 is the last), got 0")
        return k - 1 if k > 0 else k
    return text


# ---------------------------------------------------------------- groups of arguments


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The data: a dataset or a CSV file. Left out, a command given a model file uses the
    data the model was trained on, and otherwise moons."""
    group = parser.add_argument_group("data")
    group.add_argument("--data", type=data_type, metavar="NAME_OR_CSV",
                       help=f"a dataset ({', '.join(sorted(DATASETS))}) or a CSV file of "
                            "examples, one per row (default: the model's own data, or moons)")
    group.add_argument("--target", type=target_type, metavar="COLUMN",
                       help="the CSV file's target column, by name or number from 1 "
                            "(default: the last)")
    group.add_argument("--n", type=examples_type,
                       help=f"points to generate for moons/circles (default: "
                            f"{_default('moons', 'n')}), or digits to take (default: all)")
    group.add_argument("--noise", type=float,
                       help=f"noise of moons/circles (default: {_default('moons', 'noise')})")
    group.add_argument("--data-seed", type=seed_type,
                       help="seed of the generated data and of the train/test split (default: 0)")
    group.add_argument("--test-fraction", type=fraction_type,
                       help="share of the data held out for testing, 0 for none (default: 0.2)")


def add_network_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("network")
    group.add_argument("--sizes", type=sizes_type,
                       help="layer sizes n_1,...,n_L (default: the data's inputs, 8 hidden "
                            "nodes, the data's outputs; 2,8,1 for moons)")
    group.add_argument("--activation", choices=ACTIVATIONS,
                       help="sigma of every layer (default: sigmoid)")
    group.add_argument("--output-activation", choices=ACTIVATIONS,
                       help="sigma of the output layer, if different")
    group.add_argument("--init", choices=INITS, help="weight initialisation (default: normal)")
    group.add_argument("--seed", type=seed_type,
                       help="seed of the initial weights and the shuffling (default: 0)")


def add_sgd_arguments(p: argparse.ArgumentParser, epochs: int | None = None) -> None:
    group = p.add_argument_group("stochastic gradient descent")
    how_long = group.add_mutually_exclusive_group()
    how_long.add_argument("--epochs", type=positive_int, default=epochs,
                          help="passes over the training data"
                               + (f" (default: {epochs})" if epochs else ""))
    how_long.add_argument("--iterations", type=positive_int, help="SGD steps in all")
    group.add_argument("--batch-size", type=positive_int,
                       help="examples per SGD step, m (default: 10, or all the examples "
                            "when there are fewer)")
    group.add_argument("--eta", type=positive_float,
                       help="learning rate (default: 3.0)")
    group.add_argument("--cost", choices=sorted(COSTS),
                       help=f"cost function (default: {quadratic_cost.name})")
    add_engine_argument(group, "how C and its gradients are computed: replay a recorded "
                               "graph or build Values every time (the same numbers either way), "
                               "or PyTorch (the same to rounding)")
    group.add_argument("--device", help="where --engine torch computes: cpu (the default) or "
                                        "cuda (a GPU)")
    group.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_engine_argument(group, what: str) -> None:
    group.add_argument("--engine", choices=ENGINES, default="auto",
                       help=f"{what} (default: %(default)s, replay where it can)")


def add_example_arguments(p: argparse.ArgumentParser) -> None:
    """A saved model and one example (x, y) to backpropagate through it."""
    p.add_argument("model", type=Path, help="a model saved by `deltagrad train`")
    p.add_argument("--x", type=floats_type,
                   help="the example's input (default: the first test example of the data "
                        "the model was trained on, or 0.5 for each input)")
    p.add_argument("--y", type=floats_type,
                   help="its target (default: that example's, or 1.0 for each output)")
    add_model_cost_argument(p)


def add_model_cost_argument(p: argparse.ArgumentParser) -> None:
    """--cost for a command on a saved model, which remembers its own."""
    p.add_argument("--cost", choices=sorted(COSTS), help="cost function (default: the one "
                   f"the model was trained with, or {quadratic_cost.name})")


# ---------------------------------------------------------------- data


def _default(name: str, parameter: str):
    """A generated dataset's default, read from its function: one default everywhere."""
    return inspect.signature(DATASETS[name]).parameters[parameter].default


DATA_OPTIONS = ("data", "target", "n", "noise", "data_seed", "test_fraction")


def data_description(args: argparse.Namespace, remembered: dict | None = None) -> dict:
    """The data the arguments ask for: ``--data`` and its options, else ``remembered``'s
    (a model file's), with any option given on the command line changed. The classes a
    model was trained on stay its classes, whatever file it is given."""
    if args.data is None and remembered is not None:
        described = dict(remembered)
    elif isinstance(args.data, Path):
        described = {"csv": str(args.data), "target": -1}
        if remembered and "classes" in remembered:  # (its output nodes, by name)
            described["classes"] = remembered["classes"]
    else:
        name = args.data or "moons"
        described = {"dataset": name}
        if name in ("moons", "circles"):
            described.update(n=_default(name, "n"), noise=_default(name, "noise"))
    described.setdefault("seed", 0)
    described.setdefault("test_fraction", 0.0 if described.get("dataset") == "xor" else 0.2)
    for option, key in (("target", "target"), ("n", "n"), ("noise", "noise"),
                        ("data_seed", "seed"), ("test_fraction", "test_fraction")):
        if getattr(args, option) is not None:
            if key == "target" and "csv" not in described:
                raise ValueError("--target names a column of a CSV file: give --data FILE.csv")
            described[key] = getattr(args, option)
    return described


def dataset(described: dict, model: Path | None = None, resuming: bool = False
            ) -> tuple[list, list]:
    """(train, test): the data a description asks for, split as it says.

    A CSV file is read once (a named pipe will do), and its sha256 noted in the
    description, with the classes of its labels: a model file remembers both, to
    tell when the file changes and which output node is which class. A file
    that changed since ``model`` was trained on it is a warning, and an error
    when ``resuming``. The test fraction is honoured for every dataset (xor's
    default is 0: four corners).
    """
    if "csv" in described:
        path = Path(described["csv"])
        try:
            raw = read_csv_file(path)
        except FileNotFoundError as error:  # moved, or a pipe (<(zcat d.csv.gz)) read once
            if model is None or "sha256" not in described:
                raise
            raise FileNotFoundError(f"{error}; give --data, the file {model} was trained on") \
                from None
        _note_sha256(described, hashlib.sha256(raw).hexdigest(), model, resuming)
        try:
            data = csv_examples(raw, path, described.get("target", -1),
                                header=described.get("header"), classes=described.get("classes"))
        except NoSuchColumnError as error:  # (said counting from 1, as --target counts)
            raise ValueError(f"{path} has {plural(len(error.names), 'column')} "
                             f"{excerpt(error.names)}: --target {_counted_from_1(error.target)} "
                             "is not one of them; give a name, or a number from 1 (-1 for the "
                             "last)") from None
        if data.classes is not None:
            described["classes"] = data.classes
    else:
        data = load_dataset(described["dataset"], n=described.get("n"),
                            noise=described.get("noise"), seed=described["seed"])
    if described["test_fraction"] == 0:
        return data, []
    return split(data, test_fraction=described["test_fraction"], seed=described["seed"])


def check_fits(net_sizes: Sequence[int], examples: list, described: dict, network: str) -> None:
    """Refuse, in the command line's words, examples that do not fit a network of
    ``net_sizes``; ``network`` says where it comes from ("--sizes 3,1", "m.json")."""
    x, y = examples[0]
    if (len(x), len(y)) != (net_sizes[0], net_sizes[-1]):
        raise ValueError(f"{network} takes {plural(net_sizes[0], 'input')} and gives "
                         f"{plural(net_sizes[-1], 'output')}, but the {data_name(described)} "
                         f"examples have {plural(len(x), 'input')} and "
                         f"{plural(len(y), 'target')}")


def data_name(described: dict) -> str:
    """How the data is called in messages: "moons", the CSV file's name, or "piped CSV"
    for a pipe (``--data <(zcat d.csv.gz)``, which the shell gives as /dev/fd/63)."""
    if described.get("dataset"):
        return str(described["dataset"])
    path = Path(described["csv"])
    return "piped CSV" if path.parent.name == "fd" and path.name.isdigit() else path.name


def _counted_from_1(target: int | str) -> int | str:
    return target + 1 if isinstance(target, int) and target >= 0 else target


def _note_sha256(described: dict, sha256: str, model: Path | None, resuming: bool) -> None:
    """Note the CSV file's sha256 in ``described``; a different one remembered there means
    the file changed since ``model`` was trained on it."""
    if described.get("sha256") not in (None, sha256):
        said = f"{described['csv']} has changed since {model} was trained on it"
        if resuming:
            raise ValueError(f"{said}: resuming needs the same data")
        warnings.warn(said, stacklevel=1)
    described["sha256"] = sha256


# ---------------------------------------------------------------- one example of a model


def model_cost(args: argparse.Namespace, saved: SavedModel) -> Cost:
    """The cost of a command on a saved model: --cost, else the one it was trained with,
    else (a model saved without its training) the quadratic. A cost the command line does
    not know (a function of Values of the user's) is refused, never taken for another."""
    wanted = args.cost or saved.cost or quadratic_cost.name
    if wanted not in COSTS:
        known = " or ".join(f"--cost {name}" for name in sorted(COSTS))
        raise ValueError(f"{args.model} was trained with the cost {wanted!r}, which the command "
                         f"line does not know: give {known}")
    return as_cost(wanted)


def model_and_example(args: argparse.Namespace, outputs: Files):
    """(net, x, y): the saved model and an example; sets ``args.cost`` to the cost to use
    (an ``nn.Cost``).

    ``outputs`` are the command's, checked against the model file and its data
    (``check_outputs``) before any work. What the command line leaves out comes
    from the model file: its cost, and as the example the first test example of
    the data it was trained on. A model that does not remember its data gets 0.5
    for each input and 1.0 for each output.
    """
    saved = read_model(args.model)
    check_outputs(outputs, {"the model file": args.model, **data_inputs(args, saved.data or {},
                                                                        args.model)})
    net = saved.net
    args.cost = model_cost(args, saved)
    x, y = args.x, args.y
    if (x is None or y is None) and saved.data is not None:
        try:
            train, test = dataset(saved.data, args.model)
        except OSError as e:
            raise type(e)(f"{args.model} was trained on {saved.data.get('csv')}, which cannot "
                          f"be read ({(e.strerror or str(e)).lower()}): give the example with "
                          "--x and --y") from None
        x0, y0 = (test or train)[0]
        x, y = (x0 if x is None else x), (y0 if y is None else y)
    x = x if x is not None else [0.5] * net.sizes[0]
    y = y if y is not None else [1.0] * net.sizes[-1]
    return net, x, y


def data_inputs(args: argparse.Namespace, described: dict, model: Path | None = None) -> dict:
    """The CSV file a command reads, named as the user knows it (for ``check_outputs``)."""
    if "csv" not in described:
        return {}
    if isinstance(getattr(args, "data", None), Path):
        return {"--data": args.data}
    return {f"the data {model} was trained on": Path(described["csv"])}


@contextmanager
def the_example_of(args: argparse.Namespace) -> Iterator[None]:
    """Numbers that overflow on the example are said to be the example's and the model's."""
    try:
        yield
    except ArithmeticError as error:
        text = str(error)
        if text.startswith("("):  # math's own (errno, text): say it in words
            text = "a result is beyond the largest float (about 1.8e308)"
        raise ArithmeticError(f"the example overflows in {args.model} (--x, --y): {text}") \
            from None


# ---------------------------------------------------------------- outputs

# Folders made for this command's outputs, removed again (if still empty) when it fails.
MADE_FOLDERS: list[Path] = []

Files = Mapping[str, "Path | Sequence[Path] | None"]


def add_force_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="replace an output file that is write-protected (by default refused)")


def check_outputs(outputs: Files, inputs: Files | None = None,
                  may_replace: Collection[tuple[str, str]] = ()) -> None:
    """The one check of a command's files, before any work is done.

    Refuses, in one line, an output that is one of the command's inputs or
    another of its outputs (the same path, a link to it, or another name of
    the same file: the same device and inode), then an output that could not
    be written (``autodiff.files.check_writable``: a folder, a write-protected
    file without --force, a folder that refuses a new file). The missing
    folders of an output are made (and removed again should the command fail).

    ``outputs`` and ``inputs`` map how a file is named to the user ("--out",
    "the file to check") to its path (None: not given), or to the paths of the
    files written into a folder given so. ``may_replace`` lists the
    (output, input) pairs allowed to be one file: train --resume m.json saves
    over m.json.
    """
    files = [(name, path, "input") for name, path in _each(inputs or {})]
    for name, path in _each(outputs):
        for other, other_path, _ in files:
            if (name, other) not in may_replace and _same_file(path, other_path):
                raise ValueError(f"{name} {path} is the same file as {_named(other, other_path)}"
                                 f": writing it would destroy that; give {name} another name")
        files.append((name, path, "output"))
    for _, path, kind in files:
        if kind == "output":
            make_folder(path.parent)
            check_writable(path)


def _each(files: Files) -> Iterator[tuple[str, Path]]:
    for name, paths in files.items():
        for path in [paths] if isinstance(paths, (str, os.PathLike)) else paths or ():
            yield name, Path(path)


def _named(name: str, path: Path) -> str:
    """An option with its value ("--data d.csv"), or a file said in words with its name."""
    return f"{name} {path}" if name.startswith("--") else f"{name} ({path})"


def _same_file(a: Path, b: Path) -> bool:
    """Whether writing ``a`` would write ``b``: one path after links, or one device and inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them is not there (yet)
        return False


def make_folder(path: Path) -> None:
    """Create the results folder ``path`` (and its parents) unless it is there."""
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"--out {path} is a file; give a folder for the results")
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    path.mkdir(parents=True, exist_ok=True)
    MADE_FOLDERS.extend(reversed(missing))


def remove_made_folders() -> None:
    """Remove the folders this command made that are still empty: it failed before writing."""
    for folder in reversed(MADE_FOLDERS):
        try:
            folder.rmdir()
        except OSError:
            pass
    MADE_FOLDERS.clear()


# ---------------------------------------------------------------- tolerances


def non_negative_float(text: str) -> float:
    """1e-5 -> 1e-05; 0 is allowed (a tolerance of 0 asks for equality)."""
    value = _read(text, float)
    if not 0.0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {excerpt(text)}")
    return value
