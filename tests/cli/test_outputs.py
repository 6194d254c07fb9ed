"""Nothing lost, nothing half-written: outputs are checked before the work, one rule for
folders, permissions kept, no temporary file left behind."""

from __future__ import annotations

import os

import pytest

from nn.model.layers import MLP
from nn.training.model_files import load, save

TRAIN = ["train", "--epochs", "1", "--no-progress"]


def test_an_output_that_cannot_be_written_is_refused_before_training(tmp_path, run_cli,
                                                                     unwritable_folder):
    out = unwritable_folder / "m.json"
    result = run_cli(tmp_path, *TRAIN, "--out", str(out))
    assert result.stderr == f"deltagrad train: error: cannot write {out}: permission denied\n"
    assert "epoch" not in result.stdout  # refused before a single step
    history = run_cli(tmp_path, *TRAIN, "--history", str(out))
    assert f"cannot write {out}" in history.stderr and "epoch" not in history.stdout


def test_the_longest_legal_name_is_written(tmp_path, run_cli):
    name = "m" * 250 + ".json"
    result = run_cli(tmp_path, *TRAIN, "--out", name)
    assert result.returncode == 0, result.stderr
    assert load(tmp_path / name).sizes == [2, 8, 1]
    assert os.listdir(tmp_path) == [name]


def test_a_name_too_long_is_refused_before_training_naming_it(tmp_path, run_cli):
    name = "m" * 256 + ".json"
    result = run_cli(tmp_path, *TRAIN, "--out", name)
    assert result.stderr.startswith(f"deltagrad train: error: cannot write {name[:40]}")
    assert ".tmp" not in result.stderr and "epoch" not in result.stdout


@pytest.mark.parametrize("command", [TRAIN + ["--out", "new/deeper/m.json"],
                                     TRAIN + ["--out", "m.json", "--history", "new/deeper/h.json"],
                                     ["compare", "m0.json", "--no-torch", "--html",
                                      "new/deeper/r.html"]], ids=["train", "history", "compare"])
def test_missing_folders_of_an_output_are_made(tmp_path, run_cli, command):
    save(MLP([2, 3, 1], seed=0), tmp_path / "m0.json")
    result = run_cli(tmp_path, *command)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "new" / "deeper").iterdir())) == 1


@pytest.mark.slow
def test_demo_makes_missing_folders_as_train_does(tmp_path, run_cli):
    result = run_cli(tmp_path, "demo", "--epochs", "1", "--no-progress", "--out", "new/results")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new" / "results" / "model.json").is_file()


def test_a_failed_command_leaves_no_folder_it_made(tmp_path, run_cli):
    # diverges in its first epoch, after the folders for its output were made
    result = run_cli(tmp_path, *TRAIN, "--sizes", "2,1", "--output-activation", "linear",
                     "--eta", "1e300", "--out", "new/deeper/m.json")
    assert "diverged" in result.stderr
    assert os.listdir(tmp_path) == []
    result = run_cli(tmp_path, "demo", "--out", "results", "--sizes", "2,1",
                     "--output-activation", "linear", "--eta", "1e300", "--no-progress")
    assert "diverged" in result.stderr and os.listdir(tmp_path) == []


def test_an_existing_folder_is_never_removed(tmp_path, run_cli):
    (tmp_path / "kept").mkdir()
    run_cli(tmp_path, *TRAIN, "--sizes", "2,1", "--output-activation", "linear", "--eta",
            "1e300", "--out", "kept/m.json")
    assert (tmp_path / "kept").is_dir()


def test_saving_over_a_private_model_keeps_it_private(tmp_path, run_cli):
    assert run_cli(tmp_path, *TRAIN, "--out", "m.json").returncode == 0
    (tmp_path / "m.json").chmod(0o600)
    assert run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "2").returncode == 0
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o600


def test_the_temporaries_a_killed_save_left_are_removed_by_the_next(tmp_path, run_cli):
    stale = tmp_path / ".m.json.0badc0de.tmp"
    stale.write_text('{"format": "deltagrad.mlp", "ver')  # what a SIGKILL mid-save leaves
    assert run_cli(tmp_path, *TRAIN, "--out", "m.json").returncode == 0
    assert os.listdir(tmp_path) == ["m.json"]
