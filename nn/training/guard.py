"""What guards a training run: signals stop it cleanly, and a lost terminal does not stop it.

Training can be long, and what it learned is worth keeping however it is
stopped. ``guarded`` turns the signals that would end the process into a
request, checked between SGD steps, so a step is never half applied:

    SIGINT  (Ctrl-C)      stop after this step; exit status 130 (128 + 2)
    SIGTERM (kill, a job  stop after this step; exit status 143 (128 + 15)
             scheduler)
    SIGHUP  (the terminal stop after this step; exit status 129 (128 + 1)
             closed)

The first signal says at once that training is stopping; any further signal
is ignored until the guard ends, so that a second Ctrl-C cannot interrupt
the writing of the model (``deltagrad train`` keeps the guard until it has
saved). Before the first step nothing has been learned: a signal then ends
the run at once (``KeyboardInterrupt`` for Ctrl-C, ``Terminated`` for the
others). A signal the process ignores (a background job's SIGINT, ``nohup``'s
SIGHUP) stays ignored, and a SIGTERM or SIGHUP handler of the program's own is
left in place. One guard serves a whole command: ``train`` inside
``deltagrad train`` uses the command's guard.

``steady_output`` keeps a command writing when its reader goes away:
``deltagrad train ... | head -1`` or a full disk behind ``> log`` make stdout
fail, and a closed stderr (``2>&-``) is no stream at all. The text then goes
nowhere, and training and saving go on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TextIO

# The signals a guard stops on, where the platform has them, and their names for people.
SIGNALS = {getattr(signal, name): words for name, words in (
    ("SIGINT", "interrupted (Ctrl-C)"),
    ("SIGTERM", "terminated (SIGTERM)"),
    ("SIGHUP", "the terminal hung up (SIGHUP)"),
) if hasattr(signal, name)}


class Terminated(BaseException):
    """SIGTERM (or SIGHUP) arrived before anything was learned: the run ends at once."""

    def __init__(self, signum: int) -> None:
        super().__init__(SIGNALS[signum])
        self.exit_status = 128 + signum


class Guard:
    """The state of a guarded run: has a signal asked it to stop, and which one.

    Attributes:
        signal: the first signal received (None while none came).
        learning: True once training has begun: from then on a signal stops
            the run after the current step instead of ending it at once.
    """

    def __init__(self, say: Callable[[str], None]) -> None:
        self.signal: int | None = None
        self.learning = False
        self._say = say

    @property
    def stopping(self) -> bool:
        """True once a signal has asked the run to stop."""
        return self.signal is not None

    @property
    def exit_status(self) -> int:
        """What a shell expects of a program a signal stopped: 128 + the signal's number."""
        return 0 if self.signal is None else 128 + self.signal

    def on_signal(self, signum: int, frame: object = None) -> None:
        """The handler: end at once before learning, stop after the step during it, and
        ignore what comes after the first."""
        if self.signal is not None:
            return
        if not self.learning:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise Terminated(signum)
        self.signal = signum
        self._say(SIGNALS[signum])


_ACTIVE: list[Guard] = []  # the guard of the run under way, if any


@contextlib.contextmanager
def guarded(say: Callable[[str], None]) -> Iterator[Guard]:
    """Guard the run inside the ``with`` (see the module's docstring); yields its ``Guard``.

    ``say(words)`` tells the user at once that a signal is stopping the run
    (``words`` name the signal); it must not raise. Inside another guarded
    run, the outer guard is yielded. Outside the main thread, where signal
    handlers cannot be set, the guard never fires.
    """
    if _ACTIVE:
        yield _ACTIVE[-1]
        return
    guard = Guard(say)
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s, handler in previous.items():
        if handler is not signal.SIG_IGN and (s == signal.SIGINT or handler is signal.SIG_DFL):
            with contextlib.suppress(OSError, ValueError):  # (a platform that refuses it)
                signal.signal(s, guard.on_signal)
    _ACTIVE.append(guard)
    try:
        yield guard
    finally:
        _ACTIVE.pop()
        for s, handler in previous.items():
            with contextlib.suppress(OSError, ValueError):
                signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def say_on_stderr(text: str) -> None:
    """Write a line on stderr, whatever has become of it (closed, a broken pipe)."""
    try:
        print(text, file=sys.stderr, flush=True)
    except RuntimeError:  # a signal came while stderr was being written: past its buffer
        with contextlib.suppress(OSError):
            os.write(2, f"{text}\n".encode(errors="replace"))
    except (OSError, ValueError, AttributeError):  # stderr gone, closed, or None
        pass


# ---------------------------------------------------------------- the terminal


class _Steady:
    """A text stream that, once its reader has gone, writes nowhere instead of failing."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except OSError:  # a broken pipe, a full disk
            self._lost()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            self._lost()

    def _lost(self) -> None:
        """Point the stream's file descriptor at the null device, so that the text waiting in
        its buffer (flushed again at exit) goes there quietly."""
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def open_standard_streams() -> None:
    """Give a closed stdin, stdout or stderr (``2>&-``) the null device.

    Otherwise the next file opened (the model being saved) would get its
    number, 0, 1 or 2, and whatever is written to stdout or stderr would go
    into that file; and Python, which found no stream, has ``None`` for it.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free number: fd itself
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (lives as long as the process)
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115


@contextlib.contextmanager
def steady_output() -> Iterator[None]:
    """Inside the ``with``, stdout and stderr never fail: text a reader cannot take is
    dropped, and the run goes on (see the module's docstring)."""
    open_standard_streams()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Steady(sys.stdout), _Steady(sys.stderr)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = saved
