"""autodiff.files: atomic writes that keep permissions, leave no temporaries, name the file."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autodiff import files
from autodiff.files import atomic_write, atomic_write_text, check_writable

NAME_MAX = 255
needs_posix = pytest.mark.skipif(os.name != "posix", reason="permissions and signals of POSIX")


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


def test_writes_text_and_replaces_an_old_file(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write_text(path, "old")
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert os.listdir(tmp_path) == ["a.txt"]


@needs_posix
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_a_file_written_over_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "model.json"
    path.write_text("old")
    path.chmod(mode)
    atomic_write_text(path, "new", force=True)  # (0o444 is write-protected for a user)
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == mode


@needs_posix
def test_a_new_file_gets_the_umask_s_mode(tmp_path):
    atomic_write_text(tmp_path / "new.txt", "x")
    (tmp_path / "plain.txt").write_text("x")
    assert ((tmp_path / "new.txt").stat().st_mode & 0o777
            == (tmp_path / "plain.txt").stat().st_mode & 0o777)


def test_the_longest_legal_name_can_be_written(tmp_path):
    # the temporary name adds 14 characters; it is cut to fit, not the user's name
    path = tmp_path / ("m" * (NAME_MAX - 5) + ".json")
    assert len(path.name) == NAME_MAX
    atomic_write_text(path, "x")
    assert path.read_text() == "x"
    assert os.listdir(tmp_path) == [path.name]
    check_writable(path)


def test_a_name_too_long_is_refused_naming_it_not_the_temporary(tmp_path):
    path = tmp_path / ("m" * (NAME_MAX + 1))
    with pytest.raises(OSError) as error:
        atomic_write_text(path, "x")
    assert path.name[:40] in str(error.value) and ".tmp" not in str(error.value)


def test_a_folder_without_write_permission_is_named_with_the_users_path(unwritable_folder):
    path = unwritable_folder / "m.json"
    for attempt in (check_writable, lambda p: atomic_write_text(p, "x")):
        with pytest.raises(PermissionError) as error:
            attempt(path)
        assert str(error.value) == f"cannot write {path}: permission denied"
        assert error.value.errno == 13
    assert not path.exists()


@needs_posix
def test_a_failed_rename_names_the_users_path(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(src))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError, match=r"cannot write .*m\.json: permission denied$"):
        atomic_write_text(tmp_path / "m.json", "x")
    assert os.listdir(tmp_path) == []


def test_check_writable_leaves_nothing_behind(tmp_path):
    assert check_writable(tmp_path / "m.json") == tmp_path / "m.json"
    assert os.listdir(tmp_path) == []
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_writable(tmp_path / "missing" / "m.json")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        check_writable(tmp_path)


def test_stale_temporaries_of_the_same_file_are_removed_by_the_next_write(tmp_path):
    # what a SIGKILL during a write leaves: unlocked temporaries of that name
    stale = [tmp_path / ".m.json.0123abcd.tmp", tmp_path / ".m.json.ffffffff.tmp"]
    others = [tmp_path / ".other.json.0123abcd.tmp", tmp_path / ".m.json.notes.tmp"]
    for p in stale + others:
        p.write_text("half a model")
    atomic_write_text(tmp_path / "m.json", "x")
    assert sorted(os.listdir(tmp_path)) == sorted(["m.json", *(p.name for p in others)])


@needs_posix
def test_a_living_writer_s_temporary_is_never_removed(tmp_path):
    fcntl = pytest.importorskip("fcntl", reason="file locks of POSIX")
    busy = tmp_path / ".m.json.0123abcd.tmp"
    with open(busy, "w") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # as a writer in another process holds it
        atomic_write_text(tmp_path / "m.json", "x")
        assert busy.exists()
    atomic_write_text(tmp_path / "m.json", "y")  # its writer gone, it is stale
    assert os.listdir(tmp_path) == ["m.json"]


@needs_posix
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_write_killed_by_a_signal_leaves_no_temporary_for_good(tmp_path, how):
    # a child process writes slowly, and is killed in the middle of the write
    code = f"""
        import os, signal
        from autodiff.files import atomic_write
        def write(f):
            f.write("half")
            f.flush()
            os.kill(os.getpid(), signal.{how})
            f.write(" and the rest")
        atomic_write("m.json", write)
    """
    result = _run(code, tmp_path)
    assert result.returncode == -getattr(signal, how), result.stderr
    assert not (tmp_path / "m.json").exists()
    left = os.listdir(tmp_path)
    if how == "SIGTERM":
        assert left == []  # removed on the way out
    else:
        assert len(left) == 1 and left[0].startswith(".m.json.")  # nothing can catch SIGKILL
    atomic_write_text(tmp_path / "m.json", "whole")  # the next write clears it
    assert os.listdir(tmp_path) == ["m.json"]


@needs_posix
def test_a_program_s_own_sigterm_handler_is_kept(tmp_path):
    code = """
        import os, signal
        from autodiff.files import atomic_write_text
        signal.signal(signal.SIGTERM, lambda *a: print("mine"))
        atomic_write_text("m.json", "x")
        os.kill(os.getpid(), signal.SIGTERM)
    """
    result = _run(code, tmp_path)
    assert result.returncode == 0 and result.stdout == "mine\n", result.stderr


def test_binary_writes(tmp_path):
    atomic_write(tmp_path / "b.bin", lambda f: f.write(b"\x00\xff"), binary=True)
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"


def test_the_temporary_prefix_fits_the_longest_name(tmp_path):
    for length in (1, 100, 241, 242, NAME_MAX):
        prefix = files._temporary_prefix(tmp_path / ("x" * length))
        assert len(prefix) + len(".01234567.tmp") <= NAME_MAX
        assert prefix == "." + "x" * min(length, NAME_MAX - 14)
