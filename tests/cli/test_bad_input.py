"""No silent nonsense: each bad input one rule and one line, in the command line's words
(columns counted from 1, options as typed), naming the file, readable on any terminal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

TRAIN = ["train", "--epochs", "1", "--no-progress"]


def error_line(result, command: str = "train") -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"deltagrad {command}: error: "), lines
    return lines[0][len(f"deltagrad {command}: error: "):]


@pytest.fixture
def csv(tmp_path):
    rows = ["x1,x2,y"] + [f"{i / 10},{(i * 7 % 10) / 10},{i % 2}" for i in range(20)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_answers_given_twice_are_refused(tmp_path, run_cli):
    (tmp_path / "a.json").write_text('{"delta_1^3": 0.1, "delta_1^3": -0.2}')
    result = run_cli(tmp_path, "exercise", "--check", "a.json")
    assert error_line(result, "exercise") == ("a.json: the answer for delta_1^3 is given twice; "
                                              "give each quantity once")
    (tmp_path / "a.json").write_text('{"delta_1^3": NaN}')
    result = run_cli(tmp_path, "exercise", "--check", "a.json")
    assert error_line(result, "exercise") == "a.json: answers are finite numbers, found NaN"


def test_the_test_fraction_is_honoured_for_every_dataset(tmp_path, run_cli):
    result = run_cli(tmp_path, *TRAIN, "--data", "xor", "--test-fraction", "0.25")
    assert result.returncode == 0 and "training on 3 xor examples, testing on 1" in result.stdout
    result = run_cli(tmp_path, *TRAIN, "--data", "xor", "--test-fraction", "0.1")
    assert "gives 0 test and 4 training examples" in error_line(result)


def test_a_target_column_is_counted_from_1_as_it_was_given(csv, run_cli):
    result = run_cli(csv, *TRAIN, "--data", "d.csv", "--target", "4")
    assert error_line(result) == ("d.csv has 3 columns ['x1', 'x2', 'y']: --target 4 is not one "
                                  "of them; give a name, or a number from 1 (-1 for the last)")
    result = run_cli(csv, *TRAIN, "--data", "d.csv", "--target", "z")
    assert "--target z is not one of them" in error_line(result)


@pytest.mark.parametrize("args, said", [
    (["--batch-size", "100"], "--batch-size 100 is more than the 16 training examples: give "
                              "at most 16"),
    (["--sizes", "3,1"], "--sizes 3,1 takes 3 inputs and gives 1 output, but the d.csv examples "
                         "have 2 inputs and 1 target"),
], ids=["batch size", "sizes"])
def test_options_that_do_not_fit_the_data_are_said_as_options(csv, run_cli, args, said):
    assert error_line(run_cli(csv, *TRAIN, "--data", "d.csv", *args)) == said


def test_too_many_whole_number_labels_say_how_to_write_numbers_in_a_file(tmp_path, run_cli):
    rows = ["x,y"] + [f"{i},{i}" for i in range(150)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    said = error_line(run_cli(tmp_path, *TRAIN, "--data", "d.csv"))
    assert said.endswith("150 different labels, too many to be classes (one output node each); "
                         "if they are numbers to learn, write them with a fraction (3.0 for 3) "
                         "to learn them as numbers")
    assert "astype" not in said and "classes=" not in said


def test_unreadable_data_is_named(csv, unprivileged):
    import nn.cli

    os.chmod(csv / "d.csv", 0o000)

    def attempt() -> int:
        return nn.cli.main([*TRAIN, "--data", "d.csv"])

    status, output = unprivileged(attempt)
    assert (status, output) == (1, "deltagrad train: error: cannot read the data d.csv: "
                                   "permission denied\n")


@pytest.mark.parametrize("command", [["exercise", "--solution"], ["exercise"],
                                     ["explain", "m.json"], ["check", "student.py"]])
def test_output_survives_an_ascii_terminal(tmp_path, command):
    from nn.model.layers import MLP
    from nn.training.model_files import save

    save(MLP([2, 2, 1], seed=0), tmp_path / "m.json")
    (tmp_path / "student.py").write_text("def backprop(w, b, x, y):\n    return 1 / 0\n")
    env = {**os.environ, "PYTHONIOENCODING": "ascii",
           "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-m", "nn", *command], cwd=tmp_path, env=env,
                            capture_output=True, timeout=300)
    assert b"Traceback" not in result.stderr and b"codec can't encode" not in result.stderr
    assert result.returncode in (0, 1), result.stderr
    output = result.stdout + result.stderr
    assert output.isascii() and output  # (sigma, delta said in words)
    if command[0] != "check":
        assert b"sigma" in output


@pytest.mark.parametrize("argv, command, said", [
    (["train", "--eta", "abc"], "deltagrad train", "argument --eta: expected a number, got 'abc'"),
    (["grade"], "deltagrad grade", "the following arguments are required: --out"),
    (["trian"], "deltagrad", "argument COMMAND: invalid choice: 'trian'"),
])
def test_an_argument_argparse_refuses_is_one_line_too(tmp_path, run_cli, argv, command, said):
    # argparse prints its usage block first, burying what was wrong; --help shows the usage
    result = run_cli(tmp_path, *argv)
    assert result.returncode == 2 and "usage:" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{command}: error: {said}"), lines
