"""No hang and no unbounded memory: data read once with a limit, sizes refused beyond a
documented bound before anything is allocated (docs/files-and-safety.md)."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from nn.data.datasets import MAX_EXAMPLES
from nn.model.layers import MAX_PARAMETERS, MLP
from nn.training.model_files import MAX_BYTES, save

TRAIN = ["train", "--epochs", "1", "--no-progress"]
needs_posix = pytest.mark.skipif(os.name != "posix", reason="FIFOs and devices of POSIX")


def one_line(result, command: str = "train") -> str:
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr, result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"deltagrad {command}: error: "), result.stderr
    return last[len(f"deltagrad {command}: error: "):]


@needs_posix
def test_data_from_a_fifo_is_read_once(tmp_path, run_cli):
    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)
    rows = "x1,x2,y\n" + "".join(f"{i / 10},{(i * 7 % 10) / 10},{i % 2}\n" for i in range(20))

    def feed():  # one writer, once: a second open for reading would wait for ever
        with open(fifo, "w") as f:
            f.write(rows)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        result = run_cli(tmp_path, *TRAIN, "--data", "d.csv", "--out", "m.json")
    finally:
        if feeder.is_alive():  # (the command never opened it: let the feeder go)
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert result.returncode == 0, result.stderr
    assert "training on 16 d.csv examples, testing on 4" in result.stdout
    described = json.loads((tmp_path / "m.json").read_text())["training"]["data"]
    import hashlib

    assert described["sha256"] == hashlib.sha256(rows.encode()).hexdigest()


@needs_posix
def test_endless_data_is_refused_at_the_model_files_limit(tmp_path, run_cli):
    zeros = tmp_path / "zeros.csv"
    try:
        os.mknod(zeros, 0o666 | stat.S_IFCHR, os.makedev(1, 5))  # an endless source of bytes
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    result = run_cli(tmp_path, *TRAIN, "--data", "zeros.csv")
    assert one_line(result) == (f"zeros.csv: larger than {MAX_BYTES} bytes, the most read of a "
                                "CSV file (load_csv's max_bytes)")


@pytest.mark.parametrize("args, said", [
    (["--n", "100000000"],
     f"argument --n: at most {MAX_EXAMPLES} examples (nn.data.datasets.MAX_EXAMPLES), "
     "got 100000000"),
    (["--sizes", "2,100000000,1"],
     f"argument --sizes: 2,100000000,1 has 400000001 weights and biases, more than the "
     f"{MAX_PARAMETERS} a network of Values may have (nn.model.layers.MAX_PARAMETERS)"),
], ids=["n", "sizes"])
def test_sizes_beyond_the_bounds_are_refused_before_anything_is_made(tmp_path, run_cli, args,
                                                                     said):
    result = run_cli(tmp_path, *TRAIN, *args)
    assert result.returncode == 2 and one_line(result) == said


def test_a_model_file_claiming_huge_data_is_refused_naming_the_bound(tmp_path, run_cli):
    save(MLP([2, 3, 1], seed=0), tmp_path / "m.json",
         data={"dataset": "moons", "n": 200, "noise": 0.1, "seed": 0, "test_fraction": 0.2})
    model = json.loads((tmp_path / "m.json").read_text())
    model["training"]["data"]["n"] = 100_000_000
    (tmp_path / "m.json").write_text(json.dumps(model))
    result = run_cli(tmp_path, "evaluate", "m.json")
    assert one_line(result, "evaluate") == (
        f"m.json: training.data: n must be at most {MAX_EXAMPLES} (nn.data.datasets."
        "MAX_EXAMPLES), got 100000000")


def test_the_bounds_in_python(tmp_path):
    from nn.data.datasets import moons

    with pytest.raises(ValueError, match=f"at most {MAX_EXAMPLES}"):
        moons(n=MAX_EXAMPLES + 1)
    with pytest.raises(ValueError, match=f"more than the {MAX_PARAMETERS} a network of Values"):
        MLP([2, 100_000_000, 1])
