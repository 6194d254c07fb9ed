"""train() under signals: SIGTERM is Ctrl-C, a second signal is ignored, handlers come back.

The reference for the weights is a training that was never interrupted, asked
for as many steps (``iterations=``), bit for bit.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from nn.model.layers import MLP
from nn.training.guard import Guard, Terminated, guarded
from nn.training.sgd import train


def weights(net: MLP) -> list[float]:
    return [p.data for p in net.parameters()]


def signalling(*signums: int, after: int = 2):
    """An on_epoch that sends these signals to this process after that many epochs."""
    def on_epoch(history):
        if len(history) == after:
            for signum in signums:
                os.kill(os.getpid(), signum)
    return on_epoch


@pytest.mark.parametrize("signums", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGINT),
                                     (signal.SIGTERM, signal.SIGINT)], ids=str)
def test_a_signal_stops_training_after_the_step_and_more_are_ignored(signums, small_data,
                                                                       capfd):
    data = small_data(10)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    net = MLP([2, 3, 1], seed=0)
    history = train(net, data, epochs=50, batch_size=3, eta=1.0, seed=0, progress=False,
                    on_epoch=signalling(*signums))
    assert history.interrupted and history.iterations == [4, 8]
    never_stopped = MLP([2, 3, 1], seed=0)
    train(never_stopped, data, iterations=8, batch_size=3, eta=1.0, seed=0, progress=False)
    assert weights(net) == weights(never_stopped)
    assert {s: signal.getsignal(s) for s in before} == before
    said = capfd.readouterr().err
    assert said.count("stopping after this step") == 1  # said at once, and once
    assert ("terminated (SIGTERM)" if signums[0] == signal.SIGTERM else "Ctrl-C") in said


def test_a_sigterm_handler_of_the_programs_own_is_left_alone(small_data):
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        history = train(MLP([2, 3, 1], seed=0), small_data(10), epochs=3, batch_size=3,
                        eta=1.0, seed=0, progress=False, on_epoch=signalling(signal.SIGTERM))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [signal.SIGTERM] and not history.interrupted and len(history) == 3


def test_an_ignored_ctrl_c_stays_ignored(small_data):
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        history = train(MLP([2, 3, 1], seed=0), small_data(10), epochs=3, batch_size=3,
                        eta=1.0, seed=0, progress=False, on_epoch=signalling(signal.SIGINT))
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not history.interrupted and len(history) == 3


def test_before_anything_is_learned_a_signal_ends_the_run_at_once():
    said = []
    with guarded(said.append) as guard:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
        with pytest.raises(Terminated) as caught:
            os.kill(os.getpid(), signal.SIGTERM)
        guard.learning = True
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
    assert caught.value.exit_status == 143
    assert said == ["terminated (SIGTERM)"] and guard.exit_status == 143


def test_an_inner_guard_is_the_outer_one_and_threads_have_none():
    with guarded(print) as outer, guarded(print) as inner:
        assert inner is outer
    found = []
    thread = threading.Thread(target=lambda: found.append(guarded(print).__enter__()))
    thread.start()
    thread.join()
    assert isinstance(found[0], Guard) and found[0] is not outer
