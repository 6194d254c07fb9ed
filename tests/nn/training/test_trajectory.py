"""train(..., keep="steps"): every SGD step kept; the network, gradient and batch of any step.

References: a fresh run stopped after k steps (the network at step k must be
its network, bit for bit), the cost built anew from Values on the kept batch
(the gradient), Python's random generator shuffling as the lecture's recipe
does (the batches), and train(..., resume=) (the branches).
"""

import random
import struct
import tracemalloc

import pytest

from nn import MLP, quadratic_cost, train
from nn.data.datasets import moons, xor


def bits(values) -> list[bytes]:
    return [struct.pack("<d", v) for v in values]


def weights(net: MLP) -> list[bytes]:
    return bits(p.data for p in net.parameters())


DATA = moons(30, noise=0.1, seed=1)
KNOBS = {"batch_size": 4, "eta": 2.0, "seed": 3, "progress": False}  # 8 steps an epoch


def kept(engine: str = "auto", epochs: int = 5, **knobs) -> tuple[MLP, object]:
    net = MLP([2, 4, 1], seed=0)
    history = train(net, DATA, epochs=epochs, engine=engine, keep="steps", **{**KNOBS, **knobs})
    return net, history


@pytest.mark.parametrize("engine", ["values", "replay"])
def test_the_network_at_step_k_is_a_run_stopped_after_k_steps(engine):
    net, history = kept(engine)
    assert len(history.steps) == 40 and history.steps.first == 0
    for k in (0, 1, 5, 8, 9, 23, 40):  # before the first, within and at the end of epochs
        stopped = MLP([2, 4, 1], seed=0)
        if k:
            train(stopped, DATA, iterations=k, engine=engine, **KNOBS)
        assert weights(history.network_at(k)) == weights(stopped), k
    assert weights(history.network_at(40)) == weights(net)


def test_each_steps_gradient_cost_and_batch():
    _, history = kept(epochs=2)
    # the batches: each epoch shuffles the order of the one before with Random(seed)
    rng, order = random.Random(KNOBS["seed"]), list(range(len(DATA)))
    expected = []
    for _ in range(2):
        rng.shuffle(order)
        expected += [order[i:i + 4] for i in range(0, len(order), 4)]
    assert [history.batch_at(k) for k in range(1, 17)] == expected
    for k in (1, 7, 8, 16):
        net = history.network_at(k - 1)  # the gradient of step k is taken before it
        batch = [DATA[i] for i in history.batch_at(k)]
        C = quadratic_cost([net(x) for x, _ in batch], [y for _, y in batch])
        net.zero_grad()
        C.backward()
        assert bits([history.cost_at(k)]) == bits([C.data])
        grads = history.gradients_at(k)
        assert list(grads) == [p.label for p in net.parameters()]
        assert bits(grads.values()) == bits(p.grad for p in net.parameters())


def test_replaying_from_a_step_without_new_knobs_repeats_the_run():
    net, history = kept()
    for k in (0, 6, 16):
        again, branch = history.replay_from(k)
        assert weights(again) == weights(net), k
        assert branch.cost[-1] == history.cost[-1]
        assert branch.steps.first == k and branch.steps.last == 40


def test_a_branch_with_another_eta_is_the_run_resumed_with_it():
    _, history = kept()
    branched, branch = history.replay_from(13, eta=0.5, epochs=6)
    stopped = MLP([2, 4, 1], seed=0)
    first = train(stopped, DATA, iterations=13, **KNOBS)
    train(stopped, DATA, resume=first, eta=0.5, epochs=6, progress=False)
    assert weights(branched) == weights(stopped)
    assert branch.iterations[-1] == 48 and branch.arguments["eta"] == 0.5


def test_a_branch_with_another_batch_size_is_a_new_training_from_there():
    _, history = kept()
    branched, branch = history.replay_from(13, batch_size=10, iterations=9)
    fresh = history.network_at(13)
    train(fresh, DATA, iterations=9, batch_size=10, eta=2.0, seed=3, progress=False)
    assert weights(branched) == weights(fresh)
    with pytest.raises(ValueError, match="give its length as iterations"):
        history.replay_from(13, batch_size=10, epochs=2)


def test_a_resumed_training_keeps_its_own_steps():
    net = MLP([2, 4, 1], seed=0)
    first = train(net, DATA, iterations=10, **KNOBS)
    history = train(net, DATA, epochs=3, resume=first, keep="steps", progress=False)
    assert history.steps.first == 10 and history.steps.last == 24
    stopped = MLP([2, 4, 1], seed=0)
    train(stopped, DATA, iterations=17, **KNOBS)
    assert weights(history.network_at(17)) == weights(stopped)
    with pytest.raises(ValueError, match="from 10 to 24, got 5"):
        history.network_at(5)


def test_a_thousand_steps_stay_small():
    data = moons(200, noise=0.1, seed=0)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        history = train(MLP([2, 8, 1], seed=0), data, iterations=1000, batch_size=10, eta=3.0,
                        seed=0, progress=False, keep="steps")
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "lineno"))
    finally:
        tracemalloc.stop()
    assert len(history.steps) == 1000
    assert history.steps.nbytes < 1_000_000  # 33 parameters: about 600 bytes a step
    assert grown < 20_000_000  # everything train kept, the steps included: tens of MB at most


def test_torch_keeps_its_steps_too():
    pytest.importorskip("torch", reason="PyTorch is not installed")
    _, by_torch = kept("torch", epochs=2)
    _, by_values = kept("values", epochs=2)
    for k in (3, 16):
        a, b = by_torch.network_at(k).parameters(), by_values.network_at(k).parameters()
        assert [p.data for p in a] == pytest.approx([p.data for p in b], abs=1e-12)
        assert list(by_torch.gradients_at(k).values()) == pytest.approx(
            list(by_values.gradients_at(k).values()), abs=1e-12)


def test_refusals_say_what_to_do():
    history = train(MLP([2, 2, 1], seed=0), xor(), epochs=2, batch_size=2, eta=1.0,
                    progress=False)
    with pytest.raises(ValueError, match='kept no steps: train with keep="steps"'):
        history.network_at(1)
    with pytest.raises(ValueError, match='keep must be "steps"'):
        train(MLP([2, 2, 1], seed=0), xor(), epochs=1, batch_size=2, eta=1.0, keep="all")
    _, history = kept(epochs=1)
    with pytest.raises(ValueError, match="from 1 to 8, got 0"):
        history.gradients_at(0)  # no step 0 was taken: its gradient does not exist
    with pytest.raises(TypeError, match="step must be a whole number"):
        history.network_at(2.5)


def test_a_training_resumed_before_a_short_batch_keeps_its_examples():
    # 30 examples in batches of 4: the 8th batch of each epoch has 2
    _, whole = kept(epochs=2)
    net = MLP([2, 4, 1], seed=0)
    first = train(net, DATA, iterations=7, **KNOBS)
    resumed = train(net, DATA, epochs=2, resume=first, keep="steps", progress=False)
    assert [resumed.batch_at(k) for k in range(8, 17)] == [whole.batch_at(k) for k in range(8, 17)]
    assert len(resumed.batch_at(8)) == 2
