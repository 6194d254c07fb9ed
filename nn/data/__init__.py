"""Data: examples (x, y) from the built-in datasets, from arrays and from CSV files.

    datasets  xor, moons, circles, digits; load_dataset, split, check_data
    tables    from_arrays, load_csv: arrays, data frames and CSV files as examples
"""

from nn.data.datasets import (
    DATASETS,
    Dataset,
    Example,
    check_data,
    checked_data,
    circles,
    digits,
    load_dataset,
    moons,
    split,
    xor,
)
from nn.data.tables import from_arrays, load_csv

__all__ = ["DATASETS", "Dataset", "Example", "check_data", "checked_data", "circles", "digits",
           "from_arrays", "load_csv", "load_dataset", "moons", "split", "xor"]
