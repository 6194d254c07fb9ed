"""nn.checking.isolation: a function run in a child process the parent can always kill,
bounded in time, memory and output, whatever the function does."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

from nn.checking.isolation import Limits, run_isolated

needs_posix = pytest.mark.skipif(os.name != "posix", reason="signals and limits of POSIX")

MISBEHAVING = '''
import os, signal, subprocess, sys, threading, time

from nn.checking.isolation import phase


def loop_for_ever():
    signal.signal(signal.SIGALRM, signal.SIG_IGN)  # no alarm stops it
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        try:
            n = 0
            while True:
                n += 1  # line 14
        except BaseException:
            pass


def leave_a_thread_running(value):
    threading.Thread(target=lambda: time.sleep(10_000)).start()  # not a daemon
    return value


def end_the_process():
    print("about to end")
    os._exit(0)


def print_megabytes(n):
    for _ in range(n):
        sys.stdout.write("x" * 1_000_000)
    print("done", file=sys.stderr)
    return "printed"


def allocate(n):
    return len(bytearray(n))


def ask():
    return input("your answer? ")


def start_a_grandchild():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(10_000)"]).pid


def work_in_phases():
    phase("building the reference", 30, "checker")
    phase("running yours", 0.5, "student")
    while True:
        pass


def crash():
    os.kill(os.getpid(), signal.SIGSEGV)


def where_am_i():
    with open("scratch.txt", "w") as f:
        f.write("mine")
    return os.getcwd()


def unpicklable():
    return lambda: 1
'''


@pytest.fixture
def code(tmp_path, monkeypatch):
    """The module "misbehaving" above, importable by the child (the parent's path is its)."""
    (tmp_path / "misbehaving.py").write_text(textwrap.dedent(MISBEHAVING))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "misbehaving"


def test_a_value_returned_comes_back():
    outcome = run_isolated("math:sqrt", 4.0)
    assert (outcome.status, outcome.value, outcome.ok) == ("returned", 2.0, True)
    assert outcome.exit_code == 0


def test_an_exception_is_said_with_its_frames(code):
    outcome = run_isolated("math:sqrt", -1.0)
    assert outcome.status == "raised" and outcome.error == "ValueError: math domain error"
    assert outcome.reason == "it raised ValueError: math domain error"


@needs_posix
def test_an_endless_loop_that_ignores_signals_is_killed_and_said_where(code):
    outcome = run_isolated(f"{code}:loop_for_ever", limits=Limits(seconds=1))
    assert outcome.status == "timed out" and outcome.reason == "it did not finish within 1 s"
    file, line, function = outcome.traceback[-1]
    assert (os.path.basename(file), function) == ("misbehaving.py", "loop_for_ever")
    assert line in (13, 14)  # the loop: its test or its body


def test_a_thread_left_running_does_not_hold_the_result(code):
    outcome = run_isolated(f"{code}:leave_a_thread_running", 7, limits=Limits(seconds=30))
    assert (outcome.status, outcome.value) == ("returned", 7)


def test_ending_the_process_is_not_a_success(code):
    outcome = run_isolated(f"{code}:end_the_process")
    assert outcome.status == "exited" and outcome.exit_code == 0 and not outcome.ok
    assert outcome.reason == ("the process ended with exit status 0 before the function "
                              "returned (os._exit, or sys.exit in a thread?)")
    assert outcome.output == "about to end\n"


def test_megabytes_printed_are_cut_and_the_rest_dropped(code):
    outcome = run_isolated(f"{code}:print_megabytes", 5, limits=Limits(output=1000))
    assert (outcome.status, outcome.value) == ("returned", "printed")
    assert outcome.output == "x" * 1000
    assert outcome.cut == 5_000_000 + len("done\n") - 1000  # all it printed, but the 1000 kept


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA, as Linux keeps it")
def test_memory_beyond_the_limit_is_a_memory_error(code):
    outcome = run_isolated(f"{code}:allocate", 2**31, limits=Limits(memory=2**28))
    assert outcome.status == "raised" and outcome.error.startswith("MemoryError")
    assert outcome.notes == []
    assert run_isolated(f"{code}:allocate", 2**20, limits=Limits(memory=2**28)).value == 2**20


def test_input_ends_at_once(code):
    outcome = run_isolated(f"{code}:ask")
    assert outcome.status == "raised" and outcome.error.startswith("EOFError")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="/proc, as Linux has it")
def test_what_the_child_started_ends_with_it(code):
    import time

    pid = run_isolated(f"{code}:start_a_grandchild").value
    for _ in range(200):  # (a process killed takes a moment to die)
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            state = "gone"
        if state in ("gone", "Z", "X"):
            break
        time.sleep(0.05)
    assert state in ("gone", "Z", "X"), state  # killed (a zombie until someone reaps it)


@needs_posix
def test_a_timeout_says_whose_time_ran_out(code):
    outcome = run_isolated(f"{code}:work_in_phases", limits=Limits(seconds=30))
    assert outcome.status == "timed out" and outcome.phase == "running yours"
    assert outcome.reason == "it did not finish within 0.5 s (student's time)"


@needs_posix
def test_a_crash_is_said(code):
    outcome = run_isolated(f"{code}:crash")
    assert outcome.status == "crashed" and outcome.exit_code == -11
    assert outcome.reason == "the process was ended by SIGSEGV"


def test_the_child_works_in_a_folder_of_its_own_removed_after(code, tmp_path):
    outcome = run_isolated(f"{code}:where_am_i")
    assert outcome.ok and not os.path.exists(outcome.value)
    mine = tmp_path / "work"
    mine.mkdir()
    assert run_isolated(f"{code}:where_am_i", folder=mine).value == str(mine.resolve())
    assert (mine / "scratch.txt").read_text() == "mine"


def test_a_result_that_cannot_travel_is_an_error(code):
    outcome = run_isolated(f"{code}:unpicklable")
    assert outcome.status == "raised" and "its result could not be sent" in outcome.error


@pytest.mark.parametrize("seconds", [0, -1, 1e-6, 1e10, float("nan")])
def test_limits_refuse_times_out_of_range(seconds):
    with pytest.raises(ValueError, match=r"seconds must be from 0.1 to 86400 seconds \(a day\)"):
        Limits(seconds=seconds)


def test_a_target_must_name_module_and_function():
    with pytest.raises(ValueError, match="target must be 'module:function'"):
        run_isolated("math.sqrt", 4.0)
