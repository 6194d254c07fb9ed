"""`deltagrad train` says where training cannot learn, in one line each, and keeps the last
good model of a diverging training."""

from __future__ import annotations

import re

from nn.training.model_files import read_model

LINEAR = ["--output-activation", "linear", "--no-progress"]


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("deltagrad train: warning: ")]


def costs_printed(stdout: str) -> list[str]:
    return re.findall(r"^epoch +\d+ +steps +\d+ +C (\S+)", stdout, flags=re.MULTILINE)


def test_a_training_diverging_at_once_saves_nothing_and_fails(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--epochs", "5", "--eta", "30", *LINEAR,
                     "--out", "m.json")
    assert result.returncode == 1
    warned = warning_lines(result.stderr)
    assert len(warned) == 1 and "training diverged: C grew from" in warned[0]
    assert result.stderr.splitlines()[-1] == (
        "deltagrad train: error: training diverged in its first epoch: nothing was learned "
        "that is worth keeping, so nothing was saved")
    assert not (tmp_path / "m.json").exists()
    assert "interrupted" not in result.stdout and "keeping" not in result.stdout  # C diverged
    printed = costs_printed(result.stdout)
    assert printed and all(len(C) <= 12 and "e+" in C for C in printed)  # g form, not :.6f


def test_a_training_diverging_later_keeps_its_last_good_model(tmp_path, run_cli, bits):
    run_cli(tmp_path, "train", "--epochs", "3", "--eta", "0.05", *LINEAR, "--out", "m.json")
    before = read_model(tmp_path / "m.json")
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "10", "--eta", "30",
                     "--no-progress")
    assert result.returncode == 1
    assert len(warning_lines(result.stderr)) == 1
    assert result.stderr.splitlines()[-1] == (
        "deltagrad train: error: training diverged (as said above); the model saved to m.json "
        "is the last good one, after epoch 3")
    assert "stopped after 48 steps; `deltagrad train --resume m.json` goes on from there " \
           "(with --eta, a smaller learning rate)" in result.stdout
    after = read_model(tmp_path / "m.json")
    assert bits(p.data for p in after.net.parameters()) == bits(
        p.data for p in before.net.parameters())
    assert after.history.cost == before.history.cost
    assert run_cli(tmp_path, "train", "--resume", "m.json", "--eta", "0.05").returncode == 0


def test_saturated_and_flat_trainings_are_said_in_a_line_each(tmp_path, run_cli):
    result = run_cli(tmp_path, "train", "--epochs", "12", "--eta", "500", "--no-progress",
                     "--out", "m.json")
    assert result.returncode == 0
    warned = warning_lines(result.stderr)
    assert len(warned) == 2 and result.stderr.count("\n") == 2
    assert "every delta_j^l vanished" in warned[0] and "not learning" in warned[1]
    kept = read_model(tmp_path / "m.json").history.warnings
    assert [f"deltagrad train: warning: {w}" for w in kept] == warned


def test_targets_out_of_the_outputs_reach_are_said(tmp_path, run_cli):
    rows = [f"{i / 10},{(i * 7) % 10 / 10},{i * 7.5}" for i in range(21)]  # y from 0 to 150
    (tmp_path / "far.csv").write_text("x1,x2,y\n" + "\n".join(rows) + "\n")
    result = run_cli(tmp_path, "train", "--data", "far.csv", "--epochs", "2", "--no-progress",
                     "--out", "m.json")
    assert result.returncode == 0, result.stderr
    warned = warning_lines(result.stderr)  # first, before training (the sigmoids saturate next)
    assert "the targets go from 0 to 150, but the output layer's sigmoid gives a between 0 " \
           "and 1" in warned[0]
