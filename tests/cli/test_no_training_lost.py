"""No training lost: signals, a lost terminal and a full disk, tried on a real `deltagrad train`.

Each test runs ``python -m nn train`` in a subprocess, as a user or a job
scheduler would, and sends it real signals, closes its pipes or fills its
disk. The reference for what was learned is the model file itself: it must
exist, load, and go on (``--resume``) as any model does.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nn.training.model_files import read_model

# A training long enough to be stopped in the middle (thousands of epochs of moons).
LONG = ["train", "--epochs", "5000", "--no-progress"]


def started(tmp_path: Path, *args: str, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            **popen) -> subprocess.Popen:
    """``python -m nn *args`` in tmp_path, with Ctrl-C delivered as in a terminal (a test run
    in the background would otherwise pass on an ignored SIGINT)."""
    return subprocess.Popen(
        [sys.executable, "-m", "nn", *args], cwd=tmp_path, stdout=stdout, stderr=stderr,
        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **popen)


def after_two_epochs(process: subprocess.Popen) -> None:
    """Read the training's output until its second epoch is done."""
    for line in process.stdout:
        if line.startswith("epoch    2"):
            return
    raise AssertionError(f"the training ended early: {process.communicate()}")


@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_saves_what_was_learned_and_exits_as_shells_expect(tmp_path, name, status):
    process = started(tmp_path, *LONG, "--out", "new/m.json")
    after_two_epochs(process)
    process.send_signal(getattr(signal, name))
    out, err = process.communicate(timeout=120)
    assert process.returncode == status, err
    assert "stopping after this step, and saving what was learned" in err
    assert "saved the model to new/m.json" in out and "--resume new/m.json" in out
    history = read_model(tmp_path / "new" / "m.json").history
    assert history.interrupted and 2 <= len(history) < 5000


@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_stops_demo_s_training_which_writes_its_results_and_exits_so(tmp_path, name,
                                                                               status):
    # demo trains too: a signal there was said as train()'s, in Python's words, and exited 0
    process = started(tmp_path, "demo", "--epochs", "5000", "--no-progress", "--out", "results")
    after_two_epochs(process)
    process.send_signal(getattr(signal, name))
    out, err = process.communicate(timeout=300)
    assert process.returncode == status, err
    assert err.startswith(f"deltagrad demo: {'terminated (SIGTERM)' if status == 143 else 'inte'}")
    assert "stopping after this step, and saving what was learned" in err
    assert "interrupted after" in out and "wrote 9 files to results/" in out
    history = read_model(tmp_path / "results" / "model.json").history
    assert history.interrupted and 2 <= len(history) < 5000


def test_two_ctrl_c_in_a_row_still_save_the_model(tmp_path):
    process = started(tmp_path, *LONG, "--out", "m.json")
    after_two_epochs(process)
    process.send_signal(signal.SIGINT)
    for line in process.stderr:  # the first is answered at once...
        assert "interrupted (Ctrl-C): stopping after this step" in line
        break
    process.send_signal(signal.SIGINT)  # ... and the second ignored while the model is saved
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "error" not in err and "saved the model to m.json" in out
    assert read_model(tmp_path / "m.json").history.interrupted


def test_sigterm_before_training_leaves_no_folder_behind(tmp_path):
    # the data is read from a FIFO that nobody writes yet: the command waits there
    os.mkfifo(tmp_path / "data.csv")
    process = started(tmp_path, "train", "--data", "data.csv", "--epochs", "2",
                      "--out", "made/m.json")
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=3)  # (it is reading the FIFO: nothing to keep yet)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert not (tmp_path / "made").exists()


def test_stdout_into_a_closed_pipe_does_not_stop_training_or_the_save(tmp_path):
    # `deltagrad train ... | head -1`: the reader takes one line and goes
    read_end, write_end = os.pipe()
    reader = subprocess.Popen(["head", "-1"], stdin=read_end, stdout=subprocess.PIPE)
    process = started(tmp_path, "train", "--epochs", "300", "--no-progress", "--out", "m.json",
                      stdout=write_end)
    os.close(read_end)
    os.close(write_end)
    first, _ = reader.communicate(timeout=60)
    _, err = process.communicate(timeout=300)
    assert first.startswith(b"MLP(")
    assert process.returncode == 0, err
    assert err == ""
    assert len(read_model(tmp_path / "m.json").history) == 300


@pytest.mark.parametrize("closing", ["2>&-", ">&- 2>&-"])
def test_closed_standard_streams_do_not_stop_training_or_the_save(tmp_path, closing, run_cli):
    # no stream at all where the epochs, the bar and the warnings go
    process = subprocess.run(f"'{sys.executable}' -m nn train --epochs 3 --eta 500 "
                             f"--out m.json {closing}", shell=True, cwd=tmp_path, timeout=300)
    assert process.returncode == 0
    model = read_model(tmp_path / "m.json")  # (nothing was written into the model file)
    assert len(model.history) == 3 and model.history.warnings  # the warning went nowhere
    assert run_cli(tmp_path, "evaluate", "m.json").returncode == 0


# ---------------------------------------------------------------- a full disk


@contextlib.contextmanager
def small_disk(folder: Path, kilobytes: int):
    """A tmpfs of that size mounted at ``folder`` (as root), or skip saying why not."""
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root; RLIMIT_FSIZE is tried below")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_names_the_file_and_keeps_the_model_where_there_is_room(tmp_path, run_cli):
    rescue = tmp_path / "room"
    rescue.mkdir()
    with small_disk(tmp_path / "full", 8):  # room for the check, not for the model
        result = subprocess.run(
            [sys.executable, "-m", "nn", "train", "--sizes", "2,40,1", "--epochs", "2",
             "--no-progress", "--out", "full/m.json"], cwd=tmp_path, capture_output=True,
            text=True, timeout=300, env={**os.environ, "TMPDIR": str(rescue)})
        assert not (tmp_path / "full" / "m.json").exists()
        assert os.listdir(tmp_path / "full") == []  # no temporary left behind
    assert result.returncode == 1
    kept = rescue / "m.rescued.json"
    assert result.stderr == (
        "deltagrad train: error: cannot write full/m.json: no space left on device: make room "
        f"there, or give --out a disk with room; the model is saved to {kept} meanwhile\n")
    assert len(read_model(kept).history) == 2
    assert run_cli(tmp_path, "evaluate", str(kept)).returncode == 0


def test_a_file_size_limit_is_a_full_disk_too(tmp_path):
    # RLIMIT_FSIZE: what a quota does, without root; SIGXFSZ ignored, so the write fails
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    (tmp_path / "room").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--sizes", "2,40,1", "--epochs", "2",
         "--no-progress", "--out", "m.json"], cwd=tmp_path, capture_output=True, text=True,
        timeout=300, preexec_fn=limited, env={**os.environ, "TMPDIR": str(tmp_path / "room")})
    assert result.returncode == 1
    assert result.stderr.startswith("deltagrad train: error: cannot write m.json: file too large:"
                                    " make room there, or give --out a disk with room; ")
    assert not (tmp_path / "m.json").exists()
    assert sorted(os.listdir(tmp_path)) == ["room"]  # no temporary left behind


@pytest.mark.skipif(os.name != "posix", reason="FIFOs of POSIX")
def test_an_output_gone_bad_during_training_keeps_the_model_elsewhere(tmp_path, run_cli):
    # the FIFO's reader opens it when the check does, and is gone when the model comes
    os.mkfifo(tmp_path / "pipe")
    rescue = tmp_path / "room"
    rescue.mkdir()
    reader = subprocess.Popen([sys.executable, "-c", "open('pipe').close()"], cwd=tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--epochs", "5", "--no-progress", "--out", "pipe"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TMPDIR": str(rescue)})
    assert reader.wait(timeout=60) == 0
    kept = rescue / "pipe.rescued"
    assert result.returncode == 1
    assert result.stderr == ("deltagrad train: error: cannot write pipe: broken pipe; the model "
                             f"is saved to {kept} meanwhile\n")
    assert len(read_model(kept).history) == 5
