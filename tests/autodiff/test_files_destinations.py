"""Where a file goes: what a write does to a device, a FIFO, a link, a folder and a
write-protected file (docs/files-and-safety.md). Devices and FIFOs are made here, in a
temporary folder, never taken from /dev."""

import os
import re
import socket
import stat
from pathlib import Path

import pytest

from autodiff.files import (
    WriteProtectedError,
    atomic_write,
    atomic_write_text,
    check_writable,
    forcing,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and links of POSIX")


def make_device(path: Path, major: int, minor: int, kind: int = stat.S_IFCHR) -> Path:
    """A device node like /dev's (1, 3 is the null device, 1, 7 the full one), or a skip."""
    try:
        os.mknod(path, 0o666 | kind, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    return path


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder``: its kind, mode, size and time of change."""
    return {str(p.relative_to(folder)): (p.lstat().st_mode, p.lstat().st_size,
                                         p.lstat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


# ---------------------------------------------------------------- devices and FIFOs


def test_a_null_device_is_written_into_and_kept(tmp_path):
    null = make_device(tmp_path / "null", 1, 3)
    assert check_writable(null) == null
    assert atomic_write_text(null, "a model") == null
    assert stat.S_ISCHR(os.lstat(null).st_mode)  # the device itself, not a file in its place
    assert os.listdir(tmp_path) == ["null"]  # and no temporary beside it


def test_a_full_device_s_error_names_it(tmp_path):
    full = make_device(tmp_path / "full", 1, 7)
    with pytest.raises(OSError, match=f"^cannot write {full}: no space left on device$"):
        atomic_write_text(full, "x" * 100_000)
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_a_fifo_with_a_reader_is_written_into(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # someone reading, as `cat pipe` would
    try:
        check_writable(fifo)
        atomic_write(fifo, lambda f: f.write(b"a model\n"), binary=True)
        assert os.read(reader, 100) == b"a model\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_a_fifo_nobody_reads_is_refused_at_once_and_kept(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=f"^cannot write {fifo}: it is a named pipe .FIFO. that "
                                      "nobody reads; start its reader first$"):
        atomic_write_text(fifo, "a model")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_check_writable_refuses_a_fifo_nobody_reads_before_any_work(tmp_path):
    # (checked only when written, a long training was lost at the end)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=f"^cannot write {fifo}: it is a named pipe .FIFO. that "
                                      "nobody reads; start its reader first$"):
        check_writable(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_check_writable_keeps_a_fifo_open_so_that_its_reader_waits_for_the_write(tmp_path):
    # the shell's `>` opens its file before the command starts: the reader waits for the
    # text rather than ending at an end of file when a check closes the FIFO again
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        check_writable(fifo)
        with pytest.raises(BlockingIOError):  # a writer holds it: no end of file yet
            os.read(reader, 100)
        atomic_write_text(fifo, "a model\n")
        assert os.read(reader, 100) == b"a model\n"
        assert os.read(reader, 100) == b""  # and the write closed it
    finally:
        os.close(reader)


def test_a_fifo_checked_twice_is_held_open_once_so_that_the_write_ends_its_input(tmp_path):
    # a second descriptor left open would keep its reader waiting for an end of file
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        check_writable(fifo)
        check_writable(fifo)
        atomic_write_text(fifo, "a model\n")
        assert os.read(reader, 100) == b"a model\n"
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)


@pytest.mark.parametrize("kind", ["block device", "socket"])
def test_a_block_device_or_a_socket_is_refused(tmp_path, kind):
    path = tmp_path / "it"
    if kind == "block device":
        make_device(path, 7, 0, stat.S_IFBLK)  # a loop device: a disk
        said = "it is a block device (a disk)"
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        said = "it is a socket"
    for attempt in (check_writable, lambda p: atomic_write_text(p, "x")):
        with pytest.raises(OSError, match=f"^cannot write {path}: {re.escape(said)}; give a file "
                                          "name$"):
            attempt(path)
    assert not stat.S_ISREG(os.lstat(path).st_mode) and os.listdir(tmp_path) == ["it"]


def test_a_stale_temporary_that_is_a_fifo_is_removed_without_opening_it(tmp_path, run_python):
    # opening a FIFO to lock it would wait for a writer for ever
    code = """
        import os
        os.mkfifo(".m.json.0123abcd.tmp")
        os.symlink("elsewhere", ".m.json.0badc0de.tmp")
        from autodiff.files import atomic_write_text
        atomic_write_text("m.json", "x")
        print(sorted(os.listdir()))
    """
    result = run_python(code, tmp_path)  # (a hang fails after a minute, not for ever)
    assert result.stdout == "['m.json']\n", result.stderr


# ---------------------------------------------------------------- links and folders


def test_a_link_is_written_through_its_target_replaced_atomically_the_link_kept(tmp_path):
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "current.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "m.json"
    link.symlink_to(Path("models") / "current.json")
    check_writable(link)
    atomic_write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == os.path.join("models", "current.json")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["m.json", "models"]  # no temporary left anywhere
    assert os.listdir(tmp_path / "models") == ["current.json"]


def test_links_to_links_are_followed_and_a_missing_target_is_made(tmp_path):
    (tmp_path / "b").symlink_to("c.json")  # dangling: c.json is made, as the shell's > makes it
    (tmp_path / "a").symlink_to("b")
    atomic_write_text(tmp_path / "a", "x")
    assert (tmp_path / "c.json").read_text() == "x"
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_a_link_whose_target_folder_is_missing_says_so(tmp_path):
    link = tmp_path / "m.json"
    link.symlink_to(tmp_path / "gone" / "m.json")
    with pytest.raises(FileNotFoundError, match=f"^cannot write {link}: it is a symbolic link to "
                                                f"{tmp_path / 'gone' / 'm.json'}, whose folder "
                                                f"{tmp_path / 'gone'} does not exist$"):
        atomic_write_text(link, "x")


def test_a_loop_of_links_is_refused(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError, match="^cannot write .*a: too many levels of symbolic links$"):
        atomic_write_text(tmp_path / "a", "x")


@pytest.mark.parametrize("how", ["folder", "link to a folder"])
def test_a_folder_is_refused_with_nothing_inside_touched(tmp_path, how):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    (folder / ".m.json.0123abcd.tmp").write_text("not ours to remove")
    path = folder if how == "folder" else tmp_path / "m.json"
    if how != "folder":
        path.symlink_to("results")
    before = snapshot(tmp_path)
    for attempt in (check_writable, lambda p: atomic_write_text(p, "x")):
        with pytest.raises(IsADirectoryError, match=f"^cannot write {path}: it is a folder; "
                                                    "give a file name$"):
            attempt(path)
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- write-protected files


def test_a_write_protected_file_is_refused_unless_forced(unprivileged):
    def attempt() -> int:
        Path("ro.json").write_text("mine")
        os.chmod("ro.json", 0o444)
        try:
            open("ro.json", "w")  # noqa: SIM115 (what the shell's > does)
        except PermissionError:
            print("> refused")
        for write in (check_writable, lambda p: atomic_write_text(p, "new")):
            try:
                write("ro.json")
            except WriteProtectedError as error:
                print(error)
        print(Path("ro.json").read_text())
        atomic_write_text("ro.json", "new", force=True)
        print(Path("ro.json").read_text(), oct(os.stat("ro.json").st_mode & 0o777))
        with forcing():
            check_writable("ro.json")
            atomic_write_text("ro.json", "newer")
        print(Path("ro.json").read_text())
        return 0

    status, output = unprivileged(attempt)
    refused = "cannot write ro.json: it is write-protected (mode 0444); force=True replaces it"
    assert (status, output.splitlines()) == (0, ["> refused", refused, refused, "mine",
                                                 "new 0o444", "newer"]), output


def test_a_write_protected_file_behind_a_link_is_refused_too(unprivileged):
    def attempt() -> int:
        Path("target.json").write_text("mine")
        os.chmod("target.json", 0o444)
        os.symlink("target.json", "m.json")
        try:
            atomic_write_text("m.json", "new")
        except WriteProtectedError as error:
            print(error)
        print(Path("target.json").read_text())
        return 0

    status, output = unprivileged(attempt)
    assert output.splitlines() == ["cannot write m.json: it is write-protected (mode 0444); "
                                   "force=True replaces it", "mine"], output
