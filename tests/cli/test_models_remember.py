"""A model file remembers how it was trained: its data (a dataset or a CSV file), cost and
training arguments, so evaluate, compare and draw need no more, and train --resume goes on."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nn.data.datasets import load_csv, moons, split
from nn.lecture.comparison import compare
from nn.model.costs import cross_entropy_cost
from nn.model.layers import MLP
from nn.training.metrics import evaluate
from nn.training.model_files import load, read_model, save

FEW = ["--epochs", "2", "--no-progress"]


def weight_bits(bits, path: Path) -> list[bytes]:
    return bits(p.data for p in load(path).parameters())


@pytest.fixture
def iris(tmp_path):
    """A CSV file of 45 examples, 2 inputs and a text label of 3 classes, with a header."""
    import random

    rng = random.Random(0)
    rows = ["sepal,petal,species"]
    for i in range(45):
        c = i % 3
        rows.append(f"{rng.gauss(c, 0.4):.3f},{rng.gauss(2 * c, 0.4):.3f},"
                    f"{('setosa', 'versicolor', 'virginica')[c]}")
    path = tmp_path / "iris.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


# ---------------------------------------------------------------- your own data


def test_train_on_a_csv_file_and_evaluate_it_without_saying_so_again(tmp_path, run_cli, iris):
    result = run_cli(tmp_path, "train", "--data", "iris.csv", *FEW, "--out", "models/m.json")
    assert result.returncode == 0, result.stderr
    assert "MLP([2, 8, 3]" in result.stdout  # the sizes from the data: 2 inputs, 3 classes
    assert "training on 36 iris.csv examples, testing on 9" in result.stdout
    evaluated = run_cli(tmp_path / "models", "evaluate", "m.json")  # from another folder
    assert evaluated.returncode == 0, evaluated.stderr
    _, test = split(load_csv(iris), test_fraction=0.2, seed=0)
    C, accuracy = evaluate(load(tmp_path / "models" / "m.json"), test)
    match = re.search(r"9 test iris.csv examples: C = (\S+), accuracy = (\S+)  \(quadratic",
                      evaluated.stdout)
    assert match, evaluated.stdout
    assert float(match[1]) == pytest.approx(C, abs=1e-6)
    assert float(match[2]) == pytest.approx(accuracy, abs=1e-3)


def test_the_target_column_by_name_or_number(tmp_path, run_cli, iris):
    for target in ("species", "3", "-1"):
        result = run_cli(tmp_path, "train", "--data", "iris.csv", "--target", target, *FEW,
                         "--out", f"m{target}.json")
        assert result.returncode == 0, result.stderr
    assert load(tmp_path / "mspecies.json").sizes == load(tmp_path / "m3.json").sizes
    # sepal as the target: then the species is an input, and not a number
    result = run_cli(tmp_path, "train", "--data", "iris.csv", "--target", "1", *FEW)
    assert result.stderr == ("deltagrad train: error: iris.csv, line 2, column 3 (species): "
                             "'setosa' is not a number\n")
    result = run_cli(tmp_path, "train", "--target", "1", *FEW)
    assert "--target names a column of a CSV file" in result.stderr


def test_a_bad_value_in_a_csv_file_names_its_line_and_column(tmp_path, run_cli):
    (tmp_path / "bad.csv").write_text("a,b,label\n0.5,1,0\n0.25,x,1\n")
    result = run_cli(tmp_path, "train", "--data", "bad.csv", *FEW)
    assert result.stderr == ("deltagrad train: error: bad.csv, line 3, column 2 (b): 'x' is not "
                             "a number\n")
    result = run_cli(tmp_path, "train", "--data", "missing.csv", *FEW)
    assert "missing.csv" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- the cost and the example


def test_evaluate_uses_the_cost_it_was_trained_with(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--cost", "cross_entropy", *FEW, "--out", "m.json")
    assert result.returncode == 0, result.stderr
    evaluated = run_cli(tmp_path, "evaluate", "m.json")
    _, test = split(moons(seed=0), test_fraction=0.2, seed=0)
    C, _ = evaluate(load(tmp_path / "m.json"), test, cross_entropy_cost)
    match = re.search(r"C = (\S+), .*\(cross_entropy cost\)", evaluated.stdout)
    assert match and float(match[1]) == pytest.approx(C, abs=1e-6), evaluated.stdout
    quadratic = run_cli(tmp_path, "evaluate", "m.json", "--cost", "quadratic")
    assert "(quadratic cost)" in quadratic.stdout


def test_compare_takes_its_example_and_cost_from_the_model(tmp_path, run_cli):
    run_cli(tmp_path, "train", "--cost", "cross_entropy", "--data", "circles", "--data-seed",
            "3", *FEW, "--out", "m.json")
    result = run_cli(tmp_path, "compare", "m.json", "--no-torch")
    assert result.returncode == 0, result.stderr
    from nn.data.datasets import circles

    _, test = split(circles(seed=3), test_fraction=0.2, seed=3)
    x, y = test[0]
    expected = compare(load(tmp_path / "m.json"), x, y, cross_entropy_cost, torch=False)
    assert result.stdout == f"{expected}\n"


def test_a_model_that_remembers_nothing_gets_the_old_defaults(tmp_path, run_cli):
    save(MLP([2, 3, 1], seed=0), tmp_path / "m.json")
    result = run_cli(tmp_path, "compare", "m.json", "--no-torch")
    expected = compare(load(tmp_path / "m.json"), [0.5, 0.5], [1.0], torch=False)
    assert result.stdout == f"{expected}\n"
    evaluated = run_cli(tmp_path, "evaluate", "m.json")
    assert "40 test moons examples" in evaluated.stdout


def test_a_version_1_model_file_still_works(tmp_path, run_cli):
    import json

    save(MLP([2, 3, 1], seed=0), tmp_path / "m.json")
    model = json.loads((tmp_path / "m.json").read_text())
    del model["training"]
    model["version"] = 1
    (tmp_path / "m.json").write_text(json.dumps(model))
    assert run_cli(tmp_path, "evaluate", "m.json").returncode == 0


# ---------------------------------------------------------------- resume


def test_resume_goes_on_to_the_weights_of_one_run(tmp_path, run_cli, bits):
    assert run_cli(tmp_path, "train", "--epochs", "5", "--out", "whole.json").returncode == 0
    assert run_cli(tmp_path, "train", "--epochs", "2", "--out", "part.json").returncode == 0
    result = run_cli(tmp_path, "train", "--resume", "part.json", "--epochs", "5")
    assert result.returncode == 0, result.stderr
    assert "saved the model to part.json" in result.stdout
    assert re.findall(r"^epoch +(\d+)", result.stdout, re.M) == ["3", "4", "5"]
    assert weight_bits(bits, tmp_path / "part.json") == weight_bits(bits, tmp_path / "whole.json")
    part, whole = read_model(tmp_path / "part.json"), read_model(tmp_path / "whole.json")
    assert part.history.cost == whole.history.cost
    assert part.history.epoch == [1, 2, 3, 4, 5]


def test_resume_refuses_what_it_takes_from_the_model(tmp_path, run_cli):
    run_cli(tmp_path, "train", "--epochs", "2", "--out", "m.json")
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "4", "--sizes", "2,3,1",
                     "--data", "xor")
    assert ("--resume goes on as m.json was trained: its network, data, cost, batch size and "
            "seeds come from it; leave out --sizes, --data") in result.stderr
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "2")
    assert "ask for more epochs than 2" in result.stderr
    save(MLP([2, 3, 1], seed=0), tmp_path / "plain.json")
    result = run_cli(tmp_path, "train", "--resume", "plain.json", "--epochs", "2")
    assert "plain.json does not say how it was trained" in result.stderr


def test_resume_refuses_a_csv_file_that_changed(tmp_path, run_cli, iris):
    run_cli(tmp_path, "train", "--data", "iris.csv", *FEW, "--out", "m.json")
    iris.write_text(iris.read_text().replace("setosa", "setosae", 1))
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "4")
    assert "iris.csv has changed since m.json was trained on it" in result.stderr
    evaluated = run_cli(tmp_path, "evaluate", "m.json")
    assert "deltagrad evaluate: warning: " in evaluated.stderr and "changed" in evaluated.stderr


@pytest.mark.slow
def test_ctrl_c_then_resume_ends_with_the_weights_of_one_run(tmp_path, run_cli, bits):
    # a training long enough to be interrupted after its second epoch
    args = ["train", "--sizes", "2,16,1", "--epochs", "60", "--batch-size", "1",
            "--engine", "values", "--no-progress"]
    assert run_cli(tmp_path, *args, "--out", "whole.json").returncode == 0
    process = subprocess.Popen([sys.executable, "-m", "nn", *args, "--out", "part.json"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for line in process.stdout:
        if line.startswith("epoch    2"):
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130, err  # saved, and stopped by Ctrl-C as shells expect
    assert "interrupted after" in out and "--resume part.json" in out
    stopped = read_model(tmp_path / "part.json").history
    assert stopped.interrupted and stopped.iterations[-1] < 60 * 160
    result = run_cli(tmp_path, "train", "--resume", "part.json")  # to the 60 epochs asked
    assert result.returncode == 0, result.stderr
    assert weight_bits(bits, tmp_path / "part.json") == weight_bits(bits, tmp_path / "whole.json")


# ---------------------------------------------------------------- classes by name


def _labelled(path: Path, labels: str, n: int = 30) -> Path:
    """A CSV file of two inputs and a text label cycling through ``labels`` (a, b, c...)."""
    rows = ["u,v,label"] + [f"{(i % len(labels)) + 0.1 * (i % 7)},{i % 5},{labels[i % len(labels)]}"
                            for i in range(n)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_model_keeps_its_class_names_and_evaluation_maps_by_name(tmp_path, run_cli):
    from nn.data.tables import from_arrays

    _labelled(tmp_path / "abc.csv", "abc")
    assert run_cli(tmp_path, "train", "--data", "abc.csv", *FEW, "--out", "m.json").returncode == 0
    assert read_model(tmp_path / "m.json").data["classes"] == ["a", "b", "c"]
    # a file without class a: its b and c are the model's b and c, not its first two outputs
    _labelled(tmp_path / "bc.csv", "bc")
    result = run_cli(tmp_path, "evaluate", "m.json", "--data", "bc.csv", "--all")
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in (tmp_path / "bc.csv").read_text().split()[1:]]
    data = from_arrays([[float(u), float(v)] for u, v, _ in rows], [c for *_, c in rows],
                       classes=["a", "b", "c"])
    _, accuracy = evaluate(load(tmp_path / "m.json"), data)
    assert f"accuracy = {accuracy:.3f}" in result.stdout
    # a class the model never saw is named, not taken for the one in its place
    _labelled(tmp_path / "bcd.csv", "bcd")
    result = run_cli(tmp_path, "evaluate", "m.json", "--data", "bcd.csv")
    assert result.returncode == 1 and result.stderr == (
        "deltagrad evaluate: error: bcd.csv, line 4 (label): 'd' is not one of the classes "
        "['a', 'b', 'c']\n")


def test_an_unknown_cost_in_a_model_file_is_an_error_not_quadratic(tmp_path, run_cli):
    import json

    assert run_cli(tmp_path, "train", *FEW, "--out", "m.json").returncode == 0
    model = json.loads((tmp_path / "m.json").read_text())
    model["training"]["history"]["arguments"]["cost"] = "hinge"
    (tmp_path / "m.json").write_text(json.dumps(model))
    for command in (["evaluate", "m.json"], ["compare", "m.json", "--no-torch"]):
        result = run_cli(tmp_path, *command)
        assert result.returncode == 1 and result.stderr == (
            f"deltagrad {command[0]}: error: m.json was trained with the cost 'hinge', which "
            "the command line does not know: give --cost cross_entropy or --cost quadratic\n")
        assert run_cli(tmp_path, *command, "--cost", "quadratic").returncode == 0


def test_a_model_whose_csv_file_is_gone_takes_it_again_by_data(tmp_path, run_cli, iris, bits):
    # a file moved, or a pipe (--data <(zcat d.csv.gz)) that cannot be read twice: the model
    # could be neither evaluated without a word of how, nor resumed at all
    run_cli(tmp_path, "train", "--data", "iris.csv", *FEW, "--out", "m.json")
    run_cli(tmp_path, "train", "--data", "iris.csv", "--epochs", "3", "--no-progress",
            "--out", "whole.json")
    iris.rename(tmp_path / "moved.csv")
    evaluated = run_cli(tmp_path, "evaluate", "m.json")
    assert evaluated.stderr == ("deltagrad evaluate: error: cannot read the data iris.csv: no "
                                "such file or directory; give --data, the file m.json was "
                                "trained on\n")
    assert run_cli(tmp_path, "evaluate", "m.json", "--data", "moved.csv").returncode == 0
    resumed = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "3",
                      "--data", "moved.csv", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert weight_bits(bits, tmp_path / "m.json") == weight_bits(bits, tmp_path / "whole.json")
    assert Path(read_model(tmp_path / "m.json").data["csv"]) == tmp_path / "moved.csv"


def test_resume_takes_again_only_the_same_csv_file(tmp_path, run_cli, iris):
    run_cli(tmp_path, "train", "--data", "iris.csv", *FEW, "--out", "m.json")
    (tmp_path / "other.csv").write_text(iris.read_text() + "0.100,0.200,setosa\n")
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "3",
                     "--data", "other.csv")
    assert "other.csv has changed since m.json was trained on it" in result.stderr
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "3", "--data", "moons")
    assert "leave out --data" in result.stderr
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "3",
                     "--data", "iris.csv", "--target", "1")
    assert "leave out --target" in result.stderr


def test_data_from_a_pipe_is_called_piped_not_by_its_descriptor(tmp_path, iris):
    # bash gives <(cat iris.csv) as /dev/fd/63: "training on 120 63 examples" said nothing
    result = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m nn train --data <(cat iris.csv) --epochs 1 "
                       "--no-progress --out m.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    said = next(line for line in result.stdout.splitlines() if line.startswith("training on"))
    assert "piped CSV example" in said and "63" not in said, said
