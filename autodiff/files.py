"""Writing files so that a crash never leaves a half-written one, and nothing is destroyed.

Everything deltagrad writes (models, histories, pictures, reports) goes through
``atomic_write``, the one place that decides where and how a file is written.
A regular file goes first to a temporary file beside it, ``.<name>.<8 hex
digits>.tmp``, is flushed to disk, and is then renamed over the destination
with ``os.replace``, which is atomic: a reader sees the old file or the new
one, never a mixture. What is at the destination decides the rest, as for
coreutils' ``install`` and ``cp`` (docs/files-and-safety.md):

* a symbolic link is written through: its target is replaced atomically and
  the link kept (a link whose target is missing makes it, as the shell's ``>``);
* a character device (a null device, a terminal) or a FIFO (a named pipe) is
  written into, never replaced; a FIFO that nobody reads is refused at once
  rather than waited on;
* a folder, a block device (a disk) or a socket is refused, nothing in it touched;
* a file the user could not write with the shell's ``>`` (mode 0444, say) is
  refused unless ``force=True`` (or inside ``with forcing():``). Root's ``>``
  writes it, and so does root here.

Three more promises:

* A file written over keeps its permissions: a private (0600) model stays
  private. A new file gets those of any other new file (the umask's).
* No temporary file is left behind. An error, Ctrl-C or SIGTERM during the
  write removes it. A SIGKILL (or a power cut) cannot be caught, so the next
  write of the same file removes the temporaries such a death left: each
  writer holds a lock on its temporary file while it lives (``flock``), and
  only unlocked ones are removed, never another writer's. A leftover that is
  not a regular file (a FIFO, a link) is removed without being opened.
* Errors name the file asked for, not the temporary one, and a name as long
  as the file system allows can be written (the temporary name is shortened
  to fit). ``check_writable`` tries it all before any long work is done.

``read_at_most`` is the reading side: a file, a device or a FIFO read once,
and no more than a limit (``READ_LIMIT`` by default where deltagrad reads);
``parse_json`` reads JSON strictly (no key twice, no NaN).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import json
import os
import re
import signal
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any, NoReturn

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be removed there, which is lock enough
    fcntl = None  # type: ignore[assignment]

_SUFFIX_LENGTH = len(".01234567.tmp")
_MOST_LINKS = 40  # links followed in a row before giving up, as Linux does
READ_LIMIT = 64 * 2**20  # bytes of one file read at most (64 MiB): a model file, a CSV file
_FORCE = contextvars.ContextVar("deltagrad_force", default=False)


class WriteProtectedError(PermissionError):
    """A file the user could not write with the shell's ``>``: replaced only when forced."""

    def __init__(self, path: str | os.PathLike[str], mode: int, remedy: str = "force=True") -> None:
        self.path, self.mode = Path(path), mode
        super().__init__(f"cannot write {path}: it is write-protected (mode {mode:04o}); "
                         f"{remedy} replaces it")
        self.errno = errno.EACCES


@contextlib.contextmanager
def forcing() -> Iterator[None]:
    """Inside, every write replaces a write-protected file, as if given ``force=True``."""
    token = _FORCE.set(True)
    try:
        yield
    finally:
        _FORCE.reset(token)


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[Any]], object], *, binary: bool = False,
    force: bool | None = None,
) -> Path:
    """Call ``write(f)`` on a temporary file, then move it to ``path``; returns the path.

    On any error (also Ctrl-C and SIGTERM) the temporary file is removed and an
    existing file at ``path`` is left as it was. The folder must exist. A file
    replaced keeps its permissions. A link is written through, a device or a
    FIFO written into, and a write-protected file refused unless ``force``
    (see the module's docstring).
    """
    path = Path(path)
    target, found = _destination(path, force)
    mode = "wb" if binary else "w"
    if found is not None and not stat.S_ISREG(found.st_mode):
        with _stream(path, target, found) as fd, _named(path):
            with os.fdopen(fd, mode, closefd=False, encoding=_encoding(binary)) as f:
                write(f)
        return path
    _remove_stale_temporaries(target)
    with _removed_on_sigterm():
        tmp, fd = _create_temporary(path, target, found)
        try:
            with _named(path), os.fdopen(fd, mode, encoding=_encoding(binary)) as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
                if fcntl is not None:  # renamed while still locked: never taken for stale
                    _replace(tmp, path, target)
            if fcntl is None:  # (Windows renames no open file)
                _replace(tmp, path, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    _sync_folder(target.parent)
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str, *, force: bool | None = None
                      ) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    return atomic_write(path, lambda f: f.write(text), force=force)


def check_writable(path: str | os.PathLike[str], *, force: bool | None = None) -> Path:
    """Refuse, before any work is done, a ``path`` that ``atomic_write`` could not write.

    Creates and removes the temporary file the write would create, so a folder
    that is missing or not writable, a name too long, or a folder where a file
    belongs all fail here, with the error the write would give. A device or a
    device is not opened, only its permission checked. A FIFO is opened, and
    refused at once if nobody reads it; it is then kept open for the write, as
    the shell's ``>`` opens its file before the command starts (closing it
    again would end its reader's input).
    """
    path = Path(path)
    target, found = _destination(path, force)
    if found is not None and stat.S_ISFIFO(found.st_mode):
        if _identity(found) not in _held:
            _held[_identity(found)] = _open_stream(path, target)
        return path
    if found is not None and not stat.S_ISREG(found.st_mode):
        if not os.access(target, os.W_OK):
            raise _error(PermissionError, errno.EACCES, f"cannot write {path}: permission denied")
        return path
    tmp, fd = _create_temporary(path, target, found)
    os.close(fd)
    tmp.unlink(missing_ok=True)
    return path


def read_at_most(path: str | os.PathLike[str], limit: int, what: str = "") -> bytes:
    """The bytes of ``path``, read once and no more than ``limit`` + 1 of them.

    A device or a FIFO has no size to ask first, and a FIFO gives its bytes
    once: so the caller reads it here, once, and a result longer than ``limit``
    says the file is larger than that. Errors name the file (and ``what`` it
    is, "the data"): "cannot read the data d.csv: permission denied".
    """
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except OSError as e:  # the same kind of error, in words: "no such file or directory"
        reason = (e.strerror or str(e)).lower()
        raise _error(type(e), e.errno, f"cannot read {what + ' ' if what else ''}{path}: "
                                       f"{reason}") from None


class KeyGivenTwiceError(ValueError):
    """A JSON object gives a key twice (JSON readers disagree on which one wins)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"the key {key!r} is given twice in one object")


class NonFiniteNumberError(ValueError):
    """JSON text holds NaN or Infinity, which Python reads and JSON does not have."""

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(f"numbers must be finite, found {token}")


def parse_json(text: str) -> object:
    """JSON text as Python's ``json.loads`` reads it, but strict: a key given twice in one
    object (``KeyGivenTwiceError``) and NaN or Infinity (``NonFiniteNumberError``) refused."""
    return json.loads(text, parse_constant=_non_finite, object_pairs_hook=_each_key_once)


def _non_finite(token: str) -> float:
    raise NonFiniteNumberError(token)


def _each_key_once(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise KeyGivenTwiceError(key)
            seen.add(key)
    return found


def _encoding(binary: bool) -> str | None:
    return None if binary else "utf-8"


# ---------------------------------------------------------------- what is at the destination

# What cannot be written, by the kind of thing found there: the error and its words.
_REFUSED = {stat.S_IFDIR: (IsADirectoryError, errno.EISDIR, "it is a folder"),
            stat.S_IFBLK: (OSError, errno.EINVAL, "it is a block device (a disk)"),
            stat.S_IFSOCK: (OSError, errno.EINVAL, "it is a socket")}


def _destination(path: Path, force: bool | None) -> tuple[Path, os.stat_result | None]:
    """Where writing ``path`` goes (through its links), and what is there now (None: nothing).

    Refuses a missing folder, a folder, a block device, a socket, and (unless
    forced) a file the user could not write.
    """
    target = _through_links(path)
    folder = target.parent
    if not folder.is_dir():
        link = f"it is a symbolic link to {target}, whose" if target != path else "the"
        raise _error(FileNotFoundError, errno.ENOENT,
                     f"cannot write {path}: {link} folder {folder} does not exist")
    try:
        found = os.stat(target)
    except FileNotFoundError:
        return target, None
    except OSError as e:  # a name too long, say
        raise _about(path, e) from None
    if stat.S_IFMT(found.st_mode) in _REFUSED:
        kind, number, what = _REFUSED[stat.S_IFMT(found.st_mode)]
        raise _error(kind, number, f"cannot write {path}: {what}; give a file name")
    if stat.S_ISREG(found.st_mode) and not (_FORCE.get() if force is None else force):
        # the file refuses the user, the folder does not: only then is it the file's
        # protection (a read-only disk refuses both, and says so when written)
        if not os.access(target, os.W_OK) and os.access(folder, os.W_OK):
            raise WriteProtectedError(path, stat.S_IMODE(found.st_mode))
    return target, found


def _through_links(path: Path) -> Path:
    """The path a write of ``path`` reaches: its last part's links followed, left relative.

    (Only the last part: the system follows links in the folders itself, and a
    path kept relative works where the folders above cannot be read.)
    """
    reached = path
    for _ in range(_MOST_LINKS):
        try:
            link = os.readlink(reached)
        except (OSError, ValueError):  # not a link, or nothing there
            return reached
        reached = reached.parent / link
    raise _error(OSError, errno.ELOOP, f"cannot write {path}: too many levels of symbolic links")


# FIFOs that check_writable opened, kept open for their write: (device, inode) -> descriptor
_held: dict[tuple[int, int], int] = {}


def _identity(found: os.stat_result) -> tuple[int, int]:
    return found.st_dev, found.st_ino


@contextlib.contextmanager
def _stream(path: Path, target: Path, found: os.stat_result) -> Iterator[int]:
    """A device or a FIFO opened to write into (a FIFO check_writable holds open, that one)."""
    fd = _held.pop(_identity(found), None)
    if fd is None:
        fd = _open_stream(path, target)
    try:
        yield fd
    finally:
        os.close(fd)


def _open_stream(path: Path, target: Path) -> int:
    """Open a device or a FIFO to write into; a FIFO without a reader refused at once."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(target, os.O_WRONLY | nonblocking | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise _error(OSError, errno.ENXIO, f"cannot write {path}: it is a named pipe "
                         "(FIFO) that nobody reads; start its reader first") from None
        raise _about(path, e) from None
    if fcntl is not None:  # (opened without waiting; now written as any file is)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~nonblocking)
    return fd


@contextlib.contextmanager
def _named(path: Path) -> Iterator[None]:
    """An error of the system while writing (a full disk, a reader gone) names ``path``."""
    try:
        yield
    except OSError as e:
        if e.errno is None or e.filename is not None or str(e).startswith(f"cannot write {path}"):
            raise  # not the system's, or named already
        raise _about(path, e) from None


def _create_temporary(
    path: Path, target: Path, found: os.stat_result | None
) -> tuple[Path, int]:
    """Create and lock a new file beside ``target`` (same folder, so the rename stays atomic).

    Made with os.open and mode 0o666 so that the umask gives it the permissions
    of any other new file (tempfile would make it private, 0o600); a file it
    will replace (``found``) lends it its own permissions at once. Errors name
    ``path``, the file asked for.
    """
    prefix = _temporary_prefix(target)
    while True:
        tmp = target.with_name(f"{prefix}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as e:
            raise _about(path, e) from None
        if _lock(fd):
            break
        os.close(fd)  # removed as stale between its creation and our lock: a new name
    if found is not None and hasattr(os, "fchmod"):  # (Windows has no fchmod)
        try:
            os.fchmod(fd, stat.S_IMODE(found.st_mode))
        except OSError:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
    return tmp, fd


def _temporary_prefix(path: Path) -> str:
    """".<name>", cut so that ".<name>.<8 hex>.tmp" fits the file system's longest name."""
    try:
        longest = os.pathconf(path.parent, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or it cannot say
        longest = 255
    prefix = f".{path.name}"
    while len(os.fsencode(prefix)) + _SUFFIX_LENGTH > longest and len(prefix) > 1:
        prefix = prefix[:-1]
    return prefix


def _lock(fd: int) -> bool:
    """Lock our new temporary file for as long as we write it; False if it was removed meanwhile.

    A stale temporary is removed only by whoever holds its lock, so checking
    that the file still has a name once we hold the lock leaves no gap.
    """
    if fcntl is None:
        return True
    fcntl.flock(fd, fcntl.LOCK_EX)
    return os.fstat(fd).st_nlink > 0


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporaries of ``path`` that no living writer holds (a SIGKILL's leftovers).

    Only a regular file is opened, to take its lock; anything else of such a
    name (a FIFO would keep its opener waiting for ever) is removed unopened.
    """
    stale = re.compile(re.escape(_temporary_prefix(path)) + r"\.[0-9a-f]{8}\.tmp")
    try:
        entries = [e for e in os.scandir(path.parent) if stale.fullmatch(e.name)]
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                continue
            if not entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped meanwhile: leave it
                continue
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(entry.path)
        except OSError:  # locked: a writer is alive; or it went meanwhile
            pass
        finally:
            os.close(fd)


def _replace(tmp: Path, path: Path, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except OSError as e:
        raise _about(path, e) from None


def _about(path: Path, error: OSError) -> OSError:
    """The same kind of error, about the file asked for rather than the temporary one.

    (A reader gone from a FIFO is said as a plain OSError: a BrokenPipeError
    means to the command line that its own output was closed.)
    """
    reason = (error.strerror or str(error)).lower()
    kind = OSError if isinstance(error, BrokenPipeError) else type(error)
    return _error(kind, error.errno, f"cannot write {path}: {reason}")


def _error(kind: type[OSError], number: int | None, message: str) -> OSError:
    """An OSError of ``kind`` whose str() is ``message`` alone, with its errno set."""
    error = kind(message)
    error.errno = number  # (strerror and filename left unset: they would reword str())
    return error


class _Terminated(BaseException):
    """SIGTERM arrived while a file was being written."""


@contextlib.contextmanager
def _removed_on_sigterm() -> Iterator[None]:
    """Let SIGTERM remove the temporary file, then end the process as SIGTERM would have.

    Only where SIGTERM would kill the process anyway (its default action, in
    the main thread): a program that handles SIGTERM itself keeps its handler.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def terminate(signum: int, frame: FrameType | None) -> NoReturn:
        raise _Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise  # (only where the signal does not end the process at once)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk where the platform allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
