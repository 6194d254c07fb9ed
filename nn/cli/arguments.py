"""What the commands share: argument types, groups of arguments, and checks of paths.

Numbers on the command line are read here, with errors that say what was
expected; paths are checked before any work is done, so that a long training
never ends in a file that cannot be written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nn.costs import COSTS
from nn.data import DATASETS, load_dataset, split
from nn.engines import ENGINES
from nn.layers import ACTIVATIONS, INITS
from nn.model_files import load

# ---------------------------------------------------------------- argument types


def sizes_type(text: str) -> list[int]:
    """'2,8,1' -> [2, 8, 1]."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be whole numbers separated by commas, like 2,8,1; got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"need at least two layers of at least one node each, like 2,8,1; got {text!r}"
        )
    return sizes


def floats_type(text: str) -> list[float]:
    """'0.5,0.1' -> [0.5, 0.1]."""
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, like 0.5,0.1; got {text!r}"
        ) from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_data_arguments(parser: argparse.ArgumentParser, default: str | None = "moons") -> None:
    group = parser.add_argument_group("data")
    group.add_argument("--data", choices=sorted(DATASETS), default=default,
                       help="the dataset (default: %(default)s)")
    group.add_argument("--n", type=positive_int,
                       help="points to generate for moons/circles (default: 200), "
                            "or digits to take (default: all)")
    group.add_argument("--noise", type=float, help="noise of moons/circles (default: 0.1)")
    group.add_argument("--data-seed", type=int, default=0,
                       help="seed of the generated data and of the train/test split "
                            "(default: %(default)s)")
    group.add_argument("--test-fraction", type=float, default=0.2,
                       help="share of the data held out for testing (default: %(default)s)")


def dataset(args: argparse.Namespace):
    """(train, test) for the data arguments."""
    # defaults only where the dataset takes them: xor takes neither n nor noise, digits no noise
    generated = args.data in ("moons", "circles")
    n = 200 if args.n is None and generated else args.n
    noise = 0.1 if args.noise is None and generated else args.noise
    data = load_dataset(args.data, n=n, noise=noise, seed=args.data_seed)
    if args.test_fraction == 0 or args.data == "xor":  # xor's four corners are all there is
        return data, []
    return split(data, test_fraction=args.test_fraction, seed=args.data_seed)



def add_network_arguments(p: argparse.ArgumentParser, sizes: str = "2,8,1") -> None:
    group = p.add_argument_group("network")
    group.add_argument("--sizes", type=sizes_type, default=sizes_type(sizes),
                       help=f"layer sizes n_1,...,n_L (default: {sizes})")
    group.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                       help="sigma of every layer (default: %(default)s)")
    group.add_argument("--output-activation", choices=ACTIVATIONS,
                       help="sigma of the output layer, if different")
    group.add_argument("--init", choices=INITS, default="normal",
                       help="weight initialisation (default: %(default)s)")
    group.add_argument("--seed", type=int, default=0,
                       help="seed of the initial weights and the shuffling (default: %(default)s)")

def add_sgd_arguments(p: argparse.ArgumentParser, epochs: int | None = None) -> None:
    group = p.add_argument_group("stochastic gradient descent")
    how_long = group.add_mutually_exclusive_group(required=epochs is None)
    how_long.add_argument("--epochs", type=positive_int, default=epochs,
                          help="passes over the training data")
    how_long.add_argument("--iterations", type=positive_int, help="SGD steps in all")
    group.add_argument("--batch-size", type=positive_int,
                       help="examples per SGD step, m (default: 10, or all the examples "
                            "when there are fewer)")
    group.add_argument("--eta", type=positive_float, default=3.0,
                       help="learning rate (default: %(default)s)")
    group.add_argument("--cost", choices=sorted(COSTS), default="quadratic",
                       help="cost function (default: %(default)s)")
    add_engine_argument(group, "how C and its gradients are computed: replay a recorded "
                               "graph or build Values every time (the same numbers either way), "
                               "or PyTorch (the same to rounding)")
    group.add_argument("--device", help="where --engine torch computes: cpu (the default) or "
                                        "cuda (a GPU)")
    group.add_argument("--no-progress", action="store_true", help="no progress bar")

def add_engine_argument(group, what: str) -> None:
    group.add_argument("--engine", choices=ENGINES, default="auto",
                       help=f"{what} (default: %(default)s, replay where it can)")


def check_writable_file(path: Path) -> None:
    """Refuse, before any work is done, a file that could not be written at the end."""
    if path.is_dir():
        raise IsADirectoryError(f"cannot save to {path}: it is a folder; give a file name")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save to {path}: the folder {path.parent} does not exist")

def make_folder(path: Path) -> None:
    """Create the results folder ``path`` (and its parents) unless it is there."""
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"--out {path} is a file; give a folder for the results")
    path.mkdir(parents=True, exist_ok=True)

# ---------------------------------------------------------------- one example of a model


def add_example_arguments(p: argparse.ArgumentParser) -> None:
    """A saved model and one example (x, y) to backpropagate through it."""
    p.add_argument("model", type=Path, help="a model saved by `deltagrad train`")
    p.add_argument("--x", type=floats_type, help="the example's input (default: 0.5 for each)")
    p.add_argument("--y", type=floats_type, help="its target (default: 1.0 for each output)")
    p.add_argument("--cost", choices=sorted(COSTS), default="quadratic",
                   help="cost function (default: %(default)s)")


def model_and_example(args: argparse.Namespace):
    """(net, x, y): the saved model and the example (0.5 per input, 1.0 per output unless given)."""
    net = load(args.model)
    x = args.x if args.x is not None else [0.5] * net.sizes[0]
    y = args.y if args.y is not None else [1.0] * net.sizes[-1]
    return net, x, y
