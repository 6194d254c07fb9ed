"""Running code that may misbehave in a child process: bounded in time, memory and output.

A student's file may loop for ever, ignore every signal, start threads that
never end, fill the terminal, eat the memory or end the process itself
(``os._exit(0)``). Run in-process, any of these hangs the checker or fools it.
So ``run_isolated`` runs a function in a child Python process that the parent
can always kill, and says what became of it:

    >>> outcome = run_isolated("math:sqrt", 2.0)          # doctest: +SKIP
    >>> outcome.status, outcome.value
    ('returned', 1.4142135623730951)

* time: the child has ``Limits.seconds`` (from the moment the function starts,
  not counting the interpreter's own start). A ``phase(text, seconds)`` called
  in the child names what it is doing and sets the time that part may take,
  so a timeout says whose time ran out ("importing student.py", or the
  checker's own work); ``Limits.total`` bounds all of it, phases included.
  At the end of its time the child is asked where it is (``faulthandler``
  writes its stack), then killed with its whole process group: a SIGALRM
  ignored, a thread left running or a grandchild process cannot outlive it.
* memory: ``Limits.memory`` bytes of data (``RLIMIT_DATA``, or ``RLIMIT_AS``
  where that is all the system has); beyond it an allocation fails with a
  MemoryError. Where the system sets no such limit (Windows, macOS) the
  outcome's ``notes`` say so.
* output: what the child prints (stdout and stderr, in their order) is kept up
  to ``Limits.output`` bytes; the rest is read and dropped, so that printing
  megabytes neither blocks the child nor floods the parent.
* the folder: the child runs in ``folder`` (a new temporary folder, removed
  afterwards, when ``folder`` is None), with no input (``input()`` gets an
  end of file at once) and the parent's ``sys.path``.

This bounds what the code may take, not what it may do: the child runs as
the same user, with the same rights. The value returned and the arguments
travel by pickle, so they must be picklable (plain data).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

STARTUP_SECONDS = 60.0  # for the child's interpreter to start and import deltagrad
WHERE_SECONDS = 1.0  # for the child to say where it is, before it is killed
POLL_SECONDS = 0.02  # how often the parent looks whether the child has ended
_HEADER = struct.Struct("!I")  # a message's length, before its pickle

# How a child process is started: the parent's path, then the function that serves it.
# Its stdin brings the request, its stdout carries the messages back, its stderr the
# output (what it prints to stdout goes there too, in order).
_BOOT = ("import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
         "from nn.checking.isolation import _serve; _serve(sys.argv[2])")


@dataclass(frozen=True)
class Limits:
    """What a child process may take.

    Attributes:
        seconds: wall-clock seconds for the function (or for each phase it names).
        total: seconds for all of it, phases included (default: ``seconds``).
        memory: bytes of memory (data), or None for no limit.
        output: bytes of its output kept; the rest is dropped.
    """

    seconds: float = 10.0
    total: float | None = None
    memory: int | None = 2**30
    output: int = 100_000

    def __post_init__(self) -> None:
        for name in ("seconds", "total"):
            value = getattr(self, name)
            if value is not None and not LEAST_SECONDS <= value <= MOST_SECONDS:
                raise ValueError(f"{name} must be {SECONDS_RANGE}, got {value!r}")


LEAST_SECONDS = 0.1  # the parent looks every POLL_SECONDS: less could not be kept to
MOST_SECONDS = 86_400.0  # a day: longer is a mistake (and beyond what timers take)
SECONDS_RANGE = f"from {LEAST_SECONDS:g} to {MOST_SECONDS:g} seconds (a day)"


@dataclass
class Outcome:
    """What became of a function run in a child process.

    Attributes:
        status: "returned", "raised" (the function raised an exception),
            "timed out", "exited" (the process ended before the function
            returned: ``os._exit``, ``sys.exit`` from a thread), or "crashed"
            (ended by a signal: a segmentation fault, out of memory).
        reason: what happened, in words, for a person.
        value: what the function returned ("returned"), else None.
        error: the exception, said in one line ("ZeroDivisionError: division
            by zero"), for "raised".
        traceback: the exception's frames ("raised") or where the process was
            when its time ran out ("timed out"), innermost last, as
            (file, line, function) triples.
        phase: the last ``phase`` the child named, or "" (the function itself).
        whose: whose work that phase is, as the child said ("student", "checker").
        output: what it printed, cut to ``Limits.output`` bytes.
        cut: how many bytes of output were dropped.
        exit_code: the child's exit status (negative: the signal that ended it).
        seconds: how long it ran.
        notes: limits the system could not set, in words.
    """

    status: str
    reason: str
    value: object = None
    error: str = ""
    traceback: list[tuple[str, int, str]] = field(default_factory=list)
    phase: str = ""
    whose: str = ""
    output: str = ""
    cut: int = 0
    exit_code: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the function returned."""
        return self.status == "returned"


def run_isolated(
    target: str, *args: object, limits: Limits = Limits(),
    folder: str | os.PathLike[str] | None = None,
) -> Outcome:
    """Run ``target(*args)`` in a child process within ``limits``; what became of it.

    ``target`` is "module:function", imported in the child ("nn.checking.
    student_files:check_file"). ``folder`` is the child's working folder; None
    makes a temporary one, removed afterwards. Needs a system that starts
    processes (not Pyodide).
    """
    if ":" not in target:
        raise ValueError(f"target must be 'module:function', got {target!r}")
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="deltagrad-"))
        return _Child(target, args, limits, Path(folder)).run()


def phase(text: str, seconds: float | None = None, whose: str = "") -> None:
    """In a child process: say what it does now, and the seconds that may take.

    ``whose`` says whose work it is ("student", "checker"), for the parent to
    say whose time ran out. Outside a child process this does nothing, so
    code that names its phases runs the same in-process.
    """
    if _CHANNEL is not None:
        _send(("phase", text, seconds, whose))


# ---------------------------------------------------------------- the parent's side


@dataclass
class _Phase:
    """What the child said it does, the seconds that may take, whose work it is, and since when."""

    text: str
    seconds: float
    whose: str
    since: float


class _Child:
    """One child process, from its start to its end, and what it said and printed."""

    def __init__(self, target: str, args: tuple[object, ...], limits: Limits,
                 folder: Path) -> None:
        self.target, self.args, self.limits, self.folder = target, args, limits, folder
        self.started: float | None = None  # when the function started (time.monotonic)
        self.notes: list[str] = []
        self.phase: _Phase | None = None
        self.end: tuple[str, Any, Any] | None = None  # ("returned", value, _) or ("raised", ...)
        self.pending = b""  # bytes of a message not yet whole
        self.output = bytearray()
        self.cut = 0

    def run(self) -> Outcome:
        with tempfile.TemporaryDirectory(prefix="deltagrad-where-") as private:
            self.where_file = Path(private) / "where.txt"  # where the child is, when asked
            request = pickle.dumps((self.target, self.args, self.limits))
            self.spawned = time.monotonic()
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, json.dumps(_absolute_path()),
                 str(self.where_file)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=self.folder, env=_environment(), start_new_session=True)
            readers = self._start_readers()
            try:
                self._send_request(request)
                timed_out = self._watch()
            finally:  # (also on Ctrl-C in the parent: the child goes with it)
                self._kill()
                for reader in readers:  # (the pipes end with the child and all it started)
                    reader.join(timeout=10)
                for pipe in self._pipes():
                    with contextlib.suppress(OSError):
                        pipe.close()
            where = self.where_file.read_text("utf-8", "replace") if timed_out else ""
        return self._outcome(timed_out, where, time.monotonic() - self.spawned)

    def _pipes(self) -> tuple[IO[bytes], IO[bytes], IO[bytes]]:
        """The child's stdin, stdout and stderr (all three are pipes)."""
        stdin, stdout, stderr = self.process.stdin, self.process.stdout, self.process.stderr
        assert stdin is not None and stdout is not None and stderr is not None
        return stdin, stdout, stderr

    def _send_request(self, request: bytes) -> None:
        stdin = self._pipes()[0]
        try:
            stdin.write(request)
            stdin.close()
        except BrokenPipeError:  # the child died at once; its output says why
            pass

    def _start_readers(self) -> list[threading.Thread]:
        """Threads that read the child's messages (stdout) and output (stderr) as they come,
        so that neither pipe fills and blocks it (threads: pipes can be waited on alike
        everywhere, Windows included)."""
        _, stdout, stderr = self._pipes()
        readers = [threading.Thread(target=_drain, args=(pipe, use), daemon=True)
                   for pipe, use in ((stdout, self._said), (stderr, self._printed))]
        for reader in readers:
            reader.start()
        return readers

    def _watch(self) -> bool:
        """Wait until the child ends or its time is up; True if it is up."""
        while self.process.poll() is None:
            left = self._deadline() - time.monotonic()
            if left <= 0:
                self._ask_where()
                return True
            time.sleep(min(left, POLL_SECONDS))
        return False

    def _deadline(self) -> float:
        """When the child's time is up: its start's, its phase's or its total's limit."""
        if self.started is None:
            return self.spawned + STARTUP_SECONDS
        total = self.started + (self.limits.total or self.limits.seconds)
        if self.phase is None:
            return min(self.started + self.limits.seconds, total)
        return min(self.phase.since + self.phase.seconds, total)

    def _printed(self, data: bytes) -> None:
        room = max(self.limits.output - len(self.output), 0)
        self.output.extend(data[:room])
        self.cut += max(len(data) - room, 0)

    def _said(self, data: bytes) -> None:
        """Whole messages from the child: a length, then a pickle."""
        self.pending += data
        while len(self.pending) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self.pending)
            if len(self.pending) < _HEADER.size + length:
                return
            body = self.pending[_HEADER.size:_HEADER.size + length]
            self.pending = self.pending[_HEADER.size + length:]
            try:
                message = pickle.loads(body)
            except Exception as error:  # a result that does not unpickle here
                message = ("raised", f"its result could not be read: {type(error).__name__}: "
                                     f"{error}", [])
            self._heard(message)

    def _heard(self, message: tuple[Any, ...]) -> None:
        kind, *said = message
        if kind == "started":
            self.started, self.notes = time.monotonic(), said[0]
        elif kind == "phase":
            text, seconds, whose = said
            self.phase = _Phase(text, seconds or self.limits.seconds, whose, time.monotonic())
        else:
            self.end = (kind, said[0], said[1] if len(said) > 1 else None)

    def _ask_where(self) -> None:
        """Ask a child out of time where it is (faulthandler writes its stacks to a file).

        Waits until the file stops growing, a second at most: a child that
        ignores the question is killed without an answer.
        """
        if not hasattr(signal, "SIGUSR1"):  # (Windows)
            return
        with contextlib.suppress(OSError):
            os.kill(self.process.pid, signal.SIGUSR1)
        until, size = time.monotonic() + WHERE_SECONDS, -1
        while time.monotonic() < until:
            time.sleep(0.05)
            now = self.where_file.stat().st_size if self.where_file.exists() else 0
            if now and now == size:
                return
            size = now

    def _kill(self) -> None:
        """End the child and everything it started (its process group), and reap it."""
        with contextlib.suppress(OSError):
            if os.name == "posix":  # (even when it has ended: what it started may live on)
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def _outcome(self, timed_out: bool, where: str, seconds: float) -> Outcome:
        def outcome(status: str, reason: str, **more: Any) -> Outcome:
            return Outcome(status, reason, output=self.output.decode("utf-8", errors="replace"),
                           cut=self.cut, exit_code=self.process.returncode, seconds=seconds,
                           phase=self.phase.text if self.phase else "",
                           whose=self.phase.whose if self.phase else "", notes=self.notes,
                           **more)

        if self.end is not None and self.end[0] == "returned":
            return outcome("returned", "it returned", value=self.end[1])
        if self.end is not None:
            _, error, frames = self.end
            return outcome("raised", f"it raised {error}", error=error, traceback=frames)
        if timed_out:
            limit = self.phase.seconds if self.phase else self.limits.seconds
            whose = f" ({self.phase.whose}'s time)" if self.phase and self.phase.whose else ""
            return outcome("timed out", f"it did not finish within {limit:g} s{whose}",
                           traceback=_frames(where))
        code = self.process.returncode
        if code is not None and code < 0:
            memory = (f", perhaps out of its memory ({_size(self.limits.memory)})"
                      if self.limits.memory and -code in (6, 9) else "")
            return outcome("crashed", f"the process was ended by {_signal_name(-code)}{memory}")
        before = "before it started" if self.started is None else "before the function returned"
        return outcome("exited", f"the process ended with exit status {code} {before} "
                                 "(os._exit, or sys.exit in a thread?)")


def _drain(pipe: IO[bytes], use: Callable[[bytes], None]) -> None:
    """Hand what comes through ``pipe`` to ``use``, until the pipe ends."""
    read = getattr(pipe, "read1", pipe.read)
    with contextlib.suppress(OSError, ValueError):  # (closed under it: a grandchild kept it)
        for data in iter(lambda: read(1 << 16), b""):
            use(data)


def _absolute_path() -> list[str]:
    """The parent's sys.path with its folders made absolute ("" is the parent's folder), so
    that the child, elsewhere, imports the same deltagrad and no file of its folder first."""
    return [os.path.abspath(p) for p in sys.path]


def _environment() -> dict[str, str]:
    """The parent's environment, with numpy's libraries on one thread (their threads would
    reserve memory the limit counts)."""
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1"}


_FRAME = re.compile(r'^\s+File "(.*)", line (\d+) in (.*)$')


def _frames(dump: str) -> list[tuple[str, int, str]]:
    """The main thread's frames from faulthandler's dump, innermost last.

    faulthandler lists every thread, most recent call first; the main thread,
    the oldest, comes last.
    """
    blocks = re.split(r"^(?:Current thread|Thread) 0x[0-9a-f]+ .*:$", dump, flags=re.M)
    lines = blocks[-1].splitlines() if blocks else []
    found = [(m.group(1), int(m.group(2)), m.group(3)) for m in map(_FRAME.match, lines) if m]
    return list(reversed(found))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _size(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


# ---------------------------------------------------------------- the child's side

_CHANNEL: IO[bytes] | None = None  # the child's pipe to the parent, in a child process


def _serve(where_path: str) -> None:
    """The child process: read the request, set the limits, run the function, say how it went.

    Its stdout becomes the channel of messages, and what it prints goes to its
    stderr. Ends with os._exit, so that no thread the function left running
    keeps it alive.
    """
    global _CHANNEL
    import faulthandler
    import importlib

    _CHANNEL = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # what the function prints, to stdout or stderr, is the output
    target, args, limits = pickle.load(sys.stdin.buffer)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # no input: input() ends at once
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace", line_buffering=True)
    where = open(where_path, "w", encoding="utf-8")  # noqa: SIM115 (open until the end)
    with contextlib.suppress(AttributeError, ValueError, RuntimeError):  # (no SIGUSR1: Windows)
        faulthandler.register(signal.SIGUSR1, file=where, all_threads=True)
    notes = _set_memory_limit(limits.memory)
    module, name = target.split(":", 1)
    result: tuple[Any, ...]
    try:
        function = getattr(importlib.import_module(module), name)
        _send(("started", notes))
        result = ("returned", function(*args))
    except BaseException as error:  # noqa: BLE001 (whatever it is, the parent hears of it)
        result = _raised(error)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    try:
        _send(result)
    except Exception as error:  # a result that does not pickle
        _send(("raised", f"its result could not be sent: {type(error).__name__}: {error}", []))
    os._exit(0)


def _raised(error: BaseException) -> tuple[str, str, list[tuple[str, int, str]]]:
    """("raised", the error in one line, its frames) for the parent."""
    import traceback

    frames = [(f.filename, f.lineno or 0, f.name)
              for f in traceback.extract_tb(error.__traceback__)]
    lines = str(error).strip().splitlines()
    return ("raised", type(error).__name__ + (f": {lines[0]}" if lines else ""), frames)


def _send(message: tuple[Any, ...]) -> None:
    body = pickle.dumps(message)
    if _CHANNEL is not None:
        _CHANNEL.write(_HEADER.pack(len(body)) + body)


def _set_memory_limit(memory: int | None) -> list[str]:
    """Limit the process's memory; what could not be limited, in words."""
    if memory is None:
        return []
    try:
        import resource
    except ImportError:
        return ["no memory limit: this system has no resource limits (Windows)"]
    for name in ("RLIMIT_DATA", "RLIMIT_AS"):
        kind = getattr(resource, name, None)
        if kind is None or sys.platform == "darwin":  # (macOS accepts them, and ignores them)
            continue
        try:
            _, hard = resource.getrlimit(kind)
            soft = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
            resource.setrlimit(kind, (soft, hard))
            return []
        except (OSError, ValueError):
            continue
    return [f"no memory limit: {sys.platform} does not enforce one"]
