"""Writing files so that a crash never leaves a half-written one.

Everything deltagrad writes (models, histories, pictures, reports) goes first
to a temporary file beside its destination, is flushed to disk, and is then
renamed over the destination with ``os.replace``, which is atomic: a reader
sees the old file or the new one, never a mixture.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO


def atomic_write(
    path: str | os.PathLike, write: Callable[[IO], object], *, binary: bool = False
) -> Path:
    """Call ``write(f)`` on a temporary file, then move it to ``path``; returns the path.

    On any error (also Ctrl-C) the temporary file is removed and an existing
    file at ``path`` is left as it was. The folder must exist.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name")
    tmp, fd = _create_temporary(path)
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8"})) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    return atomic_write(path, lambda f: f.write(text))


def _create_temporary(path: Path) -> tuple[Path, int]:
    """Create a new file beside ``path`` (same folder, so the rename stays atomic).

    Made with os.open and mode 0o666 so that the umask gives it the permissions
    of any other new file (tempfile would make it private, 0o600).
    """
    while True:
        tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


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
