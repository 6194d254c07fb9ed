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
import json
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_SECONDS = 60.0  # for the child's interpreter to start and import deltagrad
WHERE_SECONDS = 1.0  # for the child to say where it is, before it is killed
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
            if value is not None and not 0 < value <= MOST_SECONDS:
                raise ValueError(f"{name} must be more than 0 and at most {MOST_SECONDS:g} "
                                 f"(a day), got {value!r}")


MOST_SECONDS = 86_400.0  # a day: longer is a mistake (and beyond what timers take)


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
    folder: str | os.PathLike | None = None,
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


class _Child:
    """One child process, from its start to its end, and what it said and printed."""

    def __init__(self, target: str, args: tuple, limits: Limits, folder: Path) -> None:
        self.target, self.args, self.limits, self.folder = target, args, limits, folder
        self.messages: list[tuple] = []
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
            try:
                self._send_request(request)
                timed_out = self._watch()
            finally:  # (also on Ctrl-C in the parent: the child goes with it)
                self._kill()
            where = self.where_file.read_text("utf-8", "replace") if timed_out else ""
        return self._outcome(timed_out, where, time.monotonic() - self.spawned)

    def _send_request(self, request: bytes) -> None:
        try:
            self.process.stdin.write(request)
            self.process.stdin.close()
        except BrokenPipeError:  # the child died at once; its output says why
            pass

    def _watch(self) -> bool:
        """Read the child's messages and output until it ends or its time is up; True if up."""
        import selectors

        readers = {self.process.stdout.fileno(): self._said,
                   self.process.stderr.fileno(): self._printed}
        with selectors.DefaultSelector() as selector:
            for fd in readers:
                selector.register(fd, selectors.EVENT_READ)
            while self.process.poll() is None:
                left = self._deadline() - time.monotonic()
                if left <= 0:
                    self._ask_where()
                    return True
                self._read(selector, readers, min(left, 0.25))
            self._read(selector, readers, 0.0, until_quiet=True)
        return False

    def _read(self, selector, readers: dict, timeout: float, until_quiet: bool = False) -> None:
        while True:
            ready = selector.select(timeout)
            for key, _ in ready:
                data = os.read(key.fd, 1 << 16)
                if data:
                    readers[key.fd](data)
                else:
                    selector.unregister(key.fd)
            if not (until_quiet and ready and selector.get_map()):
                return

    def _deadline(self) -> float:
        """When the child's time is up: its start, its phase's and its total's limits."""
        started = [m for m in self.messages if m[0] == "started"]
        if not started:
            return self.spawned + STARTUP_SECONDS
        start = started[0][2]
        phases = [m for m in self.messages if m[0] == "phase"]
        total = start + (self.limits.total or self.limits.seconds)
        if not phases:
            return min(start + self.limits.seconds, total)
        seconds = phases[-1][2] if phases[-1][2] is not None else self.limits.seconds
        return min(phases[-1][-1] + seconds, total)

    def _printed(self, data: bytes) -> None:
        room = self.limits.output - len(self.output)
        self.output.extend(data[:max(room, 0)])
        self.cut += max(len(data) - max(room, 0), 0)

    def _said(self, data: bytes) -> None:
        """Whole messages from the child: a length, then a pickle; each stamped on arrival."""
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
            if message[0] == "started":
                message = (*message, time.monotonic())
            elif message[0] == "phase":
                message = (*message, time.monotonic())
            self.messages.append(message)

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
        if self.process.poll() is None or os.name == "posix":
            with contextlib.suppress(OSError):
                if os.name == "posix":
                    os.killpg(self.process.pid, signal.SIGKILL)
                else:
                    self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                stream.close()

    def _outcome(self, timed_out: bool, where: str, seconds: float) -> Outcome:
        started = [m for m in self.messages if m[0] == "started"]
        phases = [m for m in self.messages if m[0] == "phase"]
        ends = [m for m in self.messages if m[0] in ("returned", "raised")]
        common = dict(
            output=self.output.decode("utf-8", errors="replace"), cut=self.cut,
            exit_code=self.process.returncode, seconds=seconds,
            phase=phases[-1][1] if phases else "", whose=phases[-1][3] if phases else "",
            notes=started[0][1] if started else [])
        whose = common["whose"]
        if ends and ends[-1][0] == "returned":
            return Outcome("returned", "it returned", value=ends[-1][1], **common)
        if ends:
            _, error, frames = ends[-1]
            return Outcome("raised", f"it raised {error}", error=error, traceback=frames,
                           **common)
        if timed_out:
            limit = self._limit_of_last_phase(phases)
            return Outcome("timed out", f"it did not finish within {limit:g} s"
                           + (f" ({whose}'s time)" if whose else ""),
                           traceback=_frames(where), **common)
        return self._ended(common, started)

    def _limit_of_last_phase(self, phases: list) -> float:
        if phases and phases[-1][2] is not None:
            return phases[-1][2]
        return self.limits.seconds

    def _ended(self, common: dict, started: list) -> Outcome:
        """The child ended without returning: by itself, or by a signal."""
        code = self.process.returncode
        if code is not None and code < 0:
            name = _signal_name(-code)
            memory = (f", perhaps out of its memory ({_size(self.limits.memory)})"
                      if self.limits.memory and -code in (6, 9) else "")
            return Outcome("crashed", f"the process was ended by {name}{memory}", **common)
        before = "before it started" if not started else "before the function returned"
        return Outcome("exited", f"the process ended with exit status {code} {before} "
                                 "(os._exit, or sys.exit in a thread?)", **common)


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

_CHANNEL = None  # the child's pipe to the parent, in a child process


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
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace", line_buffering=True)
    where = open(where_path, "w", encoding="utf-8")  # noqa: SIM115 (open until the end)
    with contextlib.suppress(AttributeError, ValueError, RuntimeError):  # (no SIGUSR1: Windows)
        faulthandler.register(signal.SIGUSR1, file=where, all_threads=True)
    notes = _set_memory_limit(limits.memory)
    module, name = target.split(":", 1)
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


def _raised(error: BaseException) -> tuple:
    """("raised", the error in one line, its frames) for the parent."""
    import traceback

    frames = [(f.filename, f.lineno or 0, f.name)
              for f in traceback.extract_tb(error.__traceback__)]
    lines = str(error).strip().splitlines()
    return ("raised", type(error).__name__ + (f": {lines[0]}" if lines else ""), frames)


def _send(message: tuple) -> None:
    body = pickle.dumps(message)
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
