"""Nothing lost, nothing half-written: outputs are checked before the work, one rule for
folders, permissions kept, no temporary file left behind."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from nn.model.layers import MLP
from nn.training.model_files import load, save

TRAIN = ["train", "--epochs", "1", "--no-progress"]
needs_posix = pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and links of POSIX")


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


# ---------------------------------------------------------------- what is where an output goes


def one_line(result, command: str = "train") -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"deltagrad {command}: error: "), lines
    return lines[0][len(f"deltagrad {command}: error: "):]


@needs_posix
def test_a_null_device_is_written_into_not_replaced(tmp_path, run_cli):
    null = tmp_path / "null"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    result = run_cli(tmp_path, *TRAIN, "--out", "null", "--history", "null2")
    assert result.returncode == 0 and "saved the model to null" in result.stdout, result.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)


@needs_posix
def test_a_fifo_nobody_reads_is_refused_in_one_line_and_kept(tmp_path, run_cli):
    os.mkfifo(tmp_path / "pipe")
    result = run_cli(tmp_path, *TRAIN, "--out", "pipe")
    assert one_line(result) == ("cannot write pipe: it is a named pipe (FIFO) that nobody "
                                "reads; start its reader first")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)
    assert "epoch" not in result.stdout  # refused before training, not after it


@needs_posix
def test_a_fifo_s_reader_gets_the_model(tmp_path, run_cli):
    os.mkfifo(tmp_path / "pipe")
    with open(tmp_path / "got.json", "wb") as got:
        reader = subprocess.Popen(["cat", "pipe"], cwd=tmp_path, stdout=got)
        result = run_cli(tmp_path, *TRAIN, "--out", "pipe")
        assert reader.wait(timeout=60) == 0
    assert result.returncode == 0 and "saved the model to pipe" in result.stdout, result.stderr
    assert load(tmp_path / "got.json").sizes == [2, 8, 1]


@needs_posix
def test_a_link_is_written_through_and_kept(tmp_path, run_cli):
    (tmp_path / "models").mkdir()
    (tmp_path / "m.json").symlink_to(os.path.join("models", "current.json"))
    result = run_cli(tmp_path, *TRAIN, "--out", "m.json")
    assert result.returncode == 0 and "saved the model to m.json" in result.stdout
    assert (tmp_path / "m.json").is_symlink()
    assert load(tmp_path / "models" / "current.json").sizes == [2, 8, 1]


def test_a_folder_is_refused_before_training_with_nothing_inside_touched(tmp_path, run_cli):
    (tmp_path / "m.json").mkdir()
    (tmp_path / "m.json" / "keep.txt").write_text("mine")
    result = run_cli(tmp_path, *TRAIN, "--out", "m.json")
    assert one_line(result) == "cannot write m.json: it is a folder; give a file name"
    assert "epoch" not in result.stdout
    assert os.listdir(tmp_path / "m.json") == ["keep.txt"]


def test_a_write_protected_model_is_refused_before_training_unless_forced(unprivileged):
    import nn.cli
    import nn.training.engines  # noqa: F401 (imported before the user changes: see unprivileged)

    def attempt() -> int:
        save(MLP([2, 8, 1], seed=1), "m.json")
        os.chmod("m.json", 0o444)
        nn.cli.main([*TRAIN, "--out", "m.json"])
        print("kept" if load("m.json").layers[0].neurons[0].w[0].data
              == MLP([2, 8, 1], seed=1).layers[0].neurons[0].w[0].data else "replaced")
        status = nn.cli.main([*TRAIN, "--out", "m.json", "--force"])
        print(status, oct(os.stat("m.json").st_mode & 0o777))
        return 0

    status, output = unprivileged(attempt)
    lines = output.splitlines()
    assert lines[0] == ("deltagrad train: error: cannot write m.json: it is write-protected "
                        "(mode 0444); --force replaces it"), output
    assert lines[1] == "kept" and lines[-1] == "0 0o444", output


# ---------------------------------------------------------------- outputs that are inputs


def _csv(folder, name="d.csv"):
    rows = ["x1,x2,y"] + [f"{i / 10},{(i * 7 % 10) / 10},{i % 2}" for i in range(20)]
    (folder / name).write_text("\n".join(rows) + "\n")
    return (folder / name).read_text()


@pytest.mark.parametrize("args, said", [
    (["--data", "d.csv", "--out", "d.csv"],
     "--out d.csv is the same file as --data d.csv: writing it would destroy that; give "
     "--out another name"),
    (["--data", "d.csv", "--history", "./d.csv"],
     "--history d.csv is the same file as --data d.csv: writing it would destroy that; give "
     "--history another name"),
    (["--data", "d.csv", "--out", "link.csv"],
     "--out link.csv is the same file as --data d.csv: writing it would destroy that; give "
     "--out another name"),
    (["--data", "d.csv", "--out", "hard.csv"],
     "--out hard.csv is the same file as --data d.csv: writing it would destroy that; give "
     "--out another name"),
    (["--data", "d.csv", "--out", "m.json", "--history", "m.json"],
     "--history m.json is the same file as --out m.json: writing it would destroy that; give "
     "--history another name"),
], ids=["out", "history", "a link", "a hard link", "two outputs"])
def test_an_output_that_is_an_input_or_another_output_is_refused(tmp_path, run_cli, args, said):
    data = _csv(tmp_path)
    if os.name == "posix":
        (tmp_path / "link.csv").symlink_to("d.csv")
        os.link(tmp_path / "d.csv", tmp_path / "hard.csv")
    result = run_cli(tmp_path, *TRAIN, *args)
    assert one_line(result) == said
    assert "epoch" not in result.stdout and (tmp_path / "d.csv").read_text() == data
    assert not (tmp_path / "m.json").exists()


def test_resume_may_replace_the_model_it_resumes_but_not_its_data(tmp_path, run_cli):
    data = _csv(tmp_path)
    assert run_cli(tmp_path, *TRAIN, "--data", "d.csv", "--out", "m.json").returncode == 0
    assert run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "2").returncode == 0
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "3", "--out", "d.csv")
    assert one_line(result) == ("--out d.csv is the same file as the data m.json was trained on "
                                "(d.csv): writing it would destroy that; give --out another name")
    result = run_cli(tmp_path, "train", "--resume", "m.json", "--epochs", "3", "--history",
                     "m.json")
    assert one_line(result) == ("--history m.json is the same file as --resume m.json: writing "
                                "it would destroy that; give --history another name")
    assert (tmp_path / "d.csv").read_text() == data


def test_check_refuses_to_write_its_report_over_the_student_s_file(tmp_path, run_cli):
    source = "def backprop(w, b, x, y):\n    return [], []\n"
    (tmp_path / "victim.py").write_text(source)
    result = run_cli(tmp_path, "check", "victim.py", "--html", "victim.py")
    assert one_line(result, "check") == (
        "--html victim.py is the same file as the file to check (victim.py): writing it would "
        "destroy that; give --html another name")
    assert (tmp_path / "victim.py").read_text() == source


@pytest.mark.parametrize("command", [["compare", "m.json", "--no-torch", "--html", "m.json"],
                                     ["explain", "m.json.md", "--out", "m.json.md"],
                                     ["exercise", "--check", "a.md", "--out", "a.md"]],
                         ids=["compare", "explain", "exercise"])
def test_other_commands_refuse_an_output_that_is_their_input(tmp_path, run_cli, command):
    save(MLP([2, 3, 1], seed=0), tmp_path / "m.json")
    save(MLP([2, 3, 1], seed=0), tmp_path / "m.json.md")
    (tmp_path / "a.md").write_text("{}")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run_cli(tmp_path, *command)
    assert "is the same file as" in one_line(result, command[0])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
