"""Writing files so that a crash never leaves a half-written one, and nothing is lost.

Everything deltagrad writes (models, histories, pictures, reports) goes first
to a temporary file beside its destination, ``.<name>.<8 hex digits>.tmp``,
is flushed to disk, and is then renamed over the destination with
``os.replace``, which is atomic: a reader sees the old file or the new one,
never a mixture. Three more promises:

* A file written over keeps its permissions: a private (0600) model stays
  private. A new file gets those of any other new file (the umask's).
* No temporary file is left behind. An error, Ctrl-C or SIGTERM during the
  write removes it. A SIGKILL (or a power cut) cannot be caught, so the next
  write of the same file removes the temporaries such a death left: each
  writer holds a lock on its temporary file while it lives (``flock``), and
  only unlocked ones are removed, never another writer's.
* Errors name the file asked for, not the temporary one, and a name as long
  as the file system allows can be written (the temporary name is shortened
  to fit). ``check_writable`` tries it all before any long work is done.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be removed there, which is lock enough
    fcntl = None

_SUFFIX_LENGTH = len(".01234567.tmp")


def atomic_write(
    path: str | os.PathLike, write: Callable[[IO], object], *, binary: bool = False
) -> Path:
    """Call ``write(f)`` on a temporary file, then move it to ``path``; returns the path.

    On any error (also Ctrl-C and SIGTERM) the temporary file is removed and an
    existing file at ``path`` is left as it was. The folder must exist. A file
    replaced keeps its permissions.
    """
    path = Path(path)
    folder = _check_destination(path)
    _remove_stale_temporaries(path)
    with _removed_on_sigterm():
        tmp, fd = _create_temporary(path)
        try:
            mode = "wb" if binary else "w"
            with os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8"})) as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
                if fcntl is not None:  # renamed while still locked: never taken for stale
                    _replace(tmp, path)
            if fcntl is None:  # (Windows renames no open file)
                _replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    _sync_folder(folder)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    return atomic_write(path, lambda f: f.write(text))


def check_writable(path: str | os.PathLike) -> Path:
    """Refuse, before any work is done, a ``path`` that ``atomic_write`` could not write.

    Creates and removes the temporary file the write would create, so a folder
    that is missing or not writable, a name too long, or a folder where a file
    belongs all fail here, with the error the write would give.
    """
    path = Path(path)
    _check_destination(path)
    tmp, fd = _create_temporary(path)
    os.close(fd)
    tmp.unlink(missing_ok=True)
    return path


def _check_destination(path: Path) -> Path:
    """The folder of ``path``, which must exist; ``path`` itself must not be a folder."""
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        is_folder = path.is_dir()
    except OSError as e:  # a name too long, say
        raise _about(path, e) from None
    if is_folder:
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name")
    return folder


def _create_temporary(path: Path) -> tuple[Path, int]:
    """Create and lock a new file beside ``path`` (same folder, so the rename stays atomic).

    Made with os.open and mode 0o666 so that the umask gives it the permissions
    of any other new file (tempfile would make it private, 0o600); a file it
    will replace lends it its own permissions at once.
    """
    prefix = _temporary_prefix(path)
    while True:
        tmp = path.with_name(f"{prefix}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as e:
            raise _about(path, e) from None
        if _lock(fd):
            break
        os.close(fd)  # removed as stale between its creation and our lock: a new name
    try:
        os.fchmod(fd, stat.S_IMODE(os.stat(path).st_mode))
    except (FileNotFoundError, AttributeError):  # a new file; or no fchmod (Windows)
        pass
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
    """Remove the temporaries of ``path`` that no living writer holds (a SIGKILL's leftovers)."""
    stale = re.compile(re.escape(_temporary_prefix(path)) + r"\.[0-9a-f]{8}\.tmp")
    try:
        entries = [e.path for e in os.scandir(path.parent) if stale.fullmatch(e.name)]
    except OSError:
        return
    for name in entries:
        try:
            fd = os.open(name, os.O_RDONLY)
        except OSError:
            continue
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(name)
        except OSError:  # locked: a writer is alive; or it went meanwhile
            pass
        finally:
            os.close(fd)


def _replace(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except OSError as e:
        raise _about(path, e) from None


def _about(path: Path, error: OSError) -> OSError:
    """The same kind of error, about the file asked for rather than the temporary one."""
    reason = (error.strerror or str(error)).lower()
    named = type(error)(f"cannot write {path}: {reason}")
    named.errno = error.errno  # (strerror and filename left unset: they would reword str())
    return named


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

    def terminate(signum, frame):
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
