"""The command line never prints a traceback: every failure is one line naming what was wrong."""

from __future__ import annotations

import json
import re

import pytest

from nn.lecture.comparison import compare
from nn.model.layers import MLP
from nn.training.model_files import load, save

ONE_LINE = re.compile(r"deltagrad (\w+): error: [^\n]+\n")


def one_error_line(result, command: str) -> str:
    """The error line of a failed run, checked to be all there is on stderr."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert ONE_LINE.fullmatch(result.stderr), result.stderr
    assert result.stderr.startswith(f"deltagrad {command}: error: ")
    assert len(result.stderr) < 500  # an excerpt of a bad value, never all of it
    return result.stderr


@pytest.fixture
def model_text(tmp_path):
    """model_text(change) writes a valid model file's text, changed, as model.json."""
    save(MLP([2, 3, 1], seed=0), tmp_path / "good.json")
    good = (tmp_path / "good.json").read_text()

    def write(change) -> str:
        (tmp_path / "model.json").write_text(change(good), encoding="utf-8")
        return "model.json"

    return write


def _first_bias(text: str) -> str:
    return repr(json.loads(text)["biases"][0][0])


@pytest.mark.parametrize("change, words", [
    (lambda t: t.replace(repr(json.loads(t)["weights"][0][0][0]), "1e308"),
     "model.json on the moons data: .* = inf: the result is beyond the largest float"),
    (lambda t: t.replace(_first_bias(t), "1" * 400),
     r"model.json: biases\[0\]\[0\] \(b_1\^2\) must be a finite number, got 1111"),
    (lambda t: "[" * 100_000 + "]" * 100_000, "model.json: not a model file: its JSON is nested"),
    (lambda t: t.replace(_first_bias(t), "1" * 5000), "model.json: not a model file: Exceeds"),
    (lambda t: t[:-2] + ', "seed": 1}', "model.json: the key 'seed' is given twice"),
], ids=["weight 1e308", "400-digit bias", "deep JSON", "5000 digits", "a key twice"])
def test_a_bad_model_file_is_one_line_naming_it(tmp_path, run_cli, model_text, change, words):
    result = run_cli(tmp_path, "evaluate", model_text(change))
    assert re.search(words, one_error_line(result, "evaluate"))


def test_an_endless_file_is_one_line(tmp_path, run_cli):
    import os

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    result = run_cli(tmp_path, "evaluate", "/dev/zero")
    assert "/dev/zero: larger than" in one_error_line(result, "evaluate")


def test_an_example_that_overflows_names_the_example(tmp_path, run_cli):
    save(MLP([2, 3, 1], output_activation="linear", activation="linear", seed=0),
         tmp_path / "m.json")
    result = run_cli(tmp_path, "compare", "m.json", "--x", "1e308,1e308", "--no-torch")
    line = one_error_line(result, "compare")
    assert "the example overflows in m.json (--x, --y)" in line
    assert "beyond the largest float" in line


@pytest.mark.parametrize("args, words", [
    (["train", "--n", "1" * 5000], r"argument --n: expected a whole number, got '1111.*\.\.\."),
    (["compare", "m.json", "--x", "1" * 5000 + ",1"], "argument --x: expected finite numbers"),
    (["train", "--sizes", "2," + "9" * 5000 + ",1"], "argument --sizes"),
    (["train", "--data", "x" * 5000], r"argument --data: expected one of .* got 'xxxx.*\.\.\."),
], ids=["n", "x", "sizes", "data"])
def test_numbers_of_thousands_of_digits_are_refused_in_a_short_line(tmp_path, run_cli, args,
                                                                    words):
    save(MLP([2, 3, 1], seed=0), tmp_path / "m.json")
    result = run_cli(tmp_path, *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert re.search(words, last) and len(last) < 300, last


# ---------------------------------------------------------------- negative numbers


def test_numbers_may_start_with_a_minus_sign(tmp_path, run_cli):
    save(MLP([2, 3, 1], seed=0, output_activation="linear"), tmp_path / "m.json")
    result = run_cli(tmp_path, "compare", "m.json", "--x", "-0.5,0.1", "--y", "-1",
                     "--no-torch")
    assert result.returncode == 0, result.stderr
    expected = compare(load(tmp_path / "m.json"), [-0.5, 0.1], [-1.0], torch=False)
    assert result.stdout == f"{expected}\n"
    for x in ("-.5,-1e-3", "-1,2"):
        assert run_cli(tmp_path, "compare", "m.json", "--x", x, "--no-torch").returncode == 0


def test_a_negative_number_where_a_positive_one_belongs_says_so(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--epochs", "1", "--eta", "-1")
    assert "argument --eta: expected a positive number, got '-1'" in result.stderr
    result = run_cli(tmp_path, "train", "--epochs", "1", "--seed", "-3")
    assert "argument --seed: expected a whole number >= 0, got -3" in result.stderr


# ---------------------------------------------------------------- options


@pytest.mark.parametrize("typed, meant", [
    ("--lr", "--eta"), ("--learning-rate", "--eta"), ("--batch_size", "--batch-size"),
    ("--epocs", "--epochs"), ("--sises", "--sizes"), ("--loss", "--cost"),
])
def test_an_unknown_option_suggests_the_one_meant(tmp_path, run_cli, typed, meant):
    result = run_cli(tmp_path, "train", "--epochs", "1", typed, "3")
    assert result.returncode == 2
    assert f"deltagrad train: error: unrecognized arguments: {typed} 3 ({typed}: did you mean " \
           f"{meant}?)" in result.stderr


def test_test_fraction_from_0_up_to_1(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--epochs", "1", "--test-fraction", "0")
    assert result.returncode == 0 and "testing on 0" in result.stdout
    for bad in ("1.5", "1", "-0.1"):
        result = run_cli(tmp_path, "train", "--epochs", "1", "--test-fraction", bad)
        assert "--test-fraction: expected a number from 0 (no test data) up to, not " \
               "including, 1" in result.stderr


def test_the_moons_default_is_the_library_s(tmp_path, run_cli):
    from nn.data.datasets import moons

    result = run_cli(tmp_path, "train", "--epochs", "1")
    n = len(moons())
    assert f"training on {n - n // 5} moons examples, testing on {n // 5}" in result.stdout


# ---------------------------------------------------------------- numbers that mean something


def test_cross_entropy_with_a_linear_output_is_refused_before_training(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--epochs", "5", "--cost", "cross_entropy",
                     "--output-activation", "linear", "--out", "m.json")
    assert "which a linear output layer does not give" in one_error_line(result, "train")
    assert "epoch" not in result.stdout and not (tmp_path / "m.json").exists()


def test_a_saturating_learning_rate_is_a_warning_and_draw_explains_it(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--epochs", "3", "--eta", "1e300", "--out", "m.json",
                     "--history", "h.json")
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and warning[0].startswith(
        "deltagrad train: warning: every delta_j^l vanished in epoch 2")
    assert "eta = 1e+300" in warning[0] and "Traceback" not in result.stderr
    assert json.loads((tmp_path / "h.json").read_text())["warnings"][0] in warning[0]
    drawn = run_cli(tmp_path, "draw", "m.json", "--out", "pictures")
    line = one_error_line(drawn, "draw")
    assert "because the output layer is saturated" in line and "C.backward()" not in line
    assert not (tmp_path / "pictures").exists()  # refused: no empty folder left


def test_draw_offers_the_option_it_suggests(tmp_path, run_cli):
    save(MLP([4, 8, 2], seed=0), tmp_path / "m.json")
    result = run_cli(tmp_path, "draw", "m.json", "--max-edges", "40", "--out", "pictures")
    line = one_error_line(result, "draw")
    assert "48 weights, more than --max-edges 40; pass --max-edges 48" in line
    assert "draw_network" not in line
    assert not (tmp_path / "pictures").exists()
    result = run_cli(tmp_path, "draw", "m.json", "--max-nodes", "10", "--out", "deep/pictures")
    assert "more than --max-nodes 10 Values" in one_error_line(result, "draw")
    assert list(tmp_path.iterdir()) == [tmp_path / "m.json"]
