"""Where training cannot learn, train says so: divergence, targets out of reach, vanished
deltas, C flat; and a diverging training stops with its last good weights.

References: networks trained anew with the same seeds and stopped by hand (the
last good weights are theirs, bit for bit), the gradients the time machine
kept (for the vanished deltas), and the activations' ranges as the lecture
gives them (a sigmoid between 0 and 1).
"""

from __future__ import annotations

import math
import random

import pytest

from nn.data.datasets import moons
from nn.model.layers import MLP
from nn.training.sgd import TrainingDiverged, train
from nn.training.watchers import FLAT_EPOCHS, GROWTH, VANISHED

DATA = moons(160, seed=0)


def weights(net: MLP) -> list[float]:
    return [p.data for p in net.parameters()]


def linear_output() -> MLP:
    return MLP([2, 8, 1], seed=0, output_activation="linear")


def warnings_about(history, words: str) -> list[str]:
    return [w for w in history.warnings if words in w]


# ---------------------------------------------------------------- C diverging


def test_a_training_that_diverges_at_once_stops_with_the_network_it_began_with():
    # a linear output and eta = 30: C goes from about 1 to 1e51 in the first epoch
    net = linear_output()
    with pytest.warns(RuntimeWarning, match=r"training diverged: C grew from \S+ to \S+e\+\d+ "
                                            r"in epoch 1, more than 1000 times"):
        history = train(net, DATA, epochs=5, batch_size=10, eta=30.0, seed=0, progress=False)
    assert weights(net) == weights(linear_output())  # as it was before training, bit for bit
    assert len(history) == 0 and history.interrupted
    assert "as it was before training" in history.warnings[0]
    assert "smaller learning rate than eta = 30.0" in history.warnings[0]


def test_a_training_that_diverges_later_goes_back_to_its_best_epoch_and_can_go_on(bits):
    # three good epochs, then eta = 30 (given when resuming) throws C up by orders of magnitude
    net = linear_output()
    good = train(net, DATA, epochs=3, batch_size=10, eta=0.05, seed=0, progress=False)
    assert good.warnings == [] and good.cost[-1] < good.cost[0]
    after_three = weights(net)
    with pytest.warns(RuntimeWarning, match="training diverged: C grew from"):
        stopped = train(net, DATA, epochs=10, resume=good, eta=30.0, progress=False,
                        keep="steps")
    assert bits(weights(net)) == bits(after_three)
    assert stopped.epoch == [1, 2, 3] and stopped.cost == good.cost and stopped.interrupted
    assert "the network is the one after epoch 3" in stopped.warnings[0]
    assert stopped.steps.last == 48 and bits(weights(stopped.steps.network_at(48))) == bits(
        after_three)  # the time machine forgot the steps that diverged
    # and the training goes on from there as if it had never diverged
    train(net, DATA, epochs=6, resume=stopped, eta=0.05, progress=False)
    whole = linear_output()
    first = train(whole, DATA, epochs=3, batch_size=10, eta=0.05, seed=0, progress=False)
    train(whole, DATA, epochs=6, resume=first, eta=0.05, progress=False)
    assert bits(weights(net)) == bits(weights(whole))


def test_slower_growth_goes_on_until_it_overflows_and_the_error_keeps_the_best_weights(bits):
    # C grows about 500 times an epoch (less than GROWTH): TrainingDiverged at the overflow
    data = [([1.0], [0.0]), ([3.0], [1.0])]
    net = MLP([1, 1], "linear", seed=0)
    seen = []
    with pytest.raises(TrainingDiverged) as caught:
        train(net, data, epochs=2000, batch_size=2, eta=4.0, seed=0, progress=False,
              on_epoch=lambda h: seen.append(h.cost[-1]))
    assert all(later < GROWTH * earlier for earlier, later in zip(seen, seen[1:]))
    error = caught.value
    best = len(error.history)  # epochs of one step each
    assert best <= 1 and (error.history.shuffle is not None) == (best > 0)
    stopped = MLP([1, 1], "linear", seed=0)
    if best:
        train(stopped, data, iterations=best, batch_size=2, eta=4.0, seed=0, progress=False)
    assert bits(error.weights) == bits(weights(stopped))
    assert error.reason.startswith("training diverged in epoch") and error.eta == 4.0


def test_c_going_down_and_up_a_little_is_not_divergence(recwarn):
    history = train(MLP([2, 8, 1], seed=0), DATA, epochs=30, batch_size=10, eta=3.0, seed=0,
                    progress=False)
    assert history.warnings == [] and not recwarn.list and len(history) == 30


# ---------------------------------------------------------------- cannot learn


def test_targets_a_sigmoid_cannot_reach_are_said_before_training():
    rng = random.Random(0)
    data = [([rng.uniform(-1, 1), rng.uniform(-1, 1)], [rng.uniform(0, 150)]) for _ in range(20)]
    data[0] = (data[0][0], [150.0])
    data[1] = (data[1][0], [0.0])
    with pytest.warns(RuntimeWarning, match=r"the targets go from 0 to 150, but the output "
                                            r"layer's sigmoid gives a between 0 and 1"):
        history = train(MLP([2, 3, 1], seed=0), data, epochs=1, batch_size=5, eta=1.0,
                        progress=False)
    assert len(warnings_about(history, "targets go from")) == 1
    # the same targets with a linear output, and targets in [0, 1] with a sigmoid, are fine
    for net, examples in [(MLP([2, 3, 1], seed=0, output_activation="linear"), data),
                          (MLP([2, 3, 1], seed=0), [(x, [y[0] / 150]) for x, y in data])]:
        history = train(net, examples, epochs=1, batch_size=5, eta=0.001, progress=False)
        assert warnings_about(history, "targets") == []


def test_deltas_vanished_by_targets_out_of_reach_blame_the_targets_not_eta():
    # targets of 150 drive a sigmoid output to 1, where sigma' vanishes: the cause is the
    # targets (said before training), not the learning rate
    rng = random.Random(0)
    data = [([rng.uniform(-1, 1), rng.uniform(-1, 1)], [150.0]) for _ in range(20)]
    with pytest.warns(RuntimeWarning):
        history = train(MLP([2, 3, 1], seed=0), data, epochs=30, batch_size=5, eta=1.0,
                        progress=False, seed=0)
    vanished = warnings_about(history, "vanished")
    assert vanished, history.warnings
    assert "learning rate" not in vanished[0] and "targets" in vanished[0]


@pytest.mark.parametrize("activation, low, high", [("tanh", -1, 1), ("relu", 0, math.inf)])
def test_each_activation_has_its_own_reach(activation, low, high):
    data = [([0.1, 0.2], [low - 0.5]), ([0.3, 0.1], [0.5])]
    with pytest.warns(RuntimeWarning, match=f"gives a between {low:g} and {high:g}"):
        train(MLP([2, 2, 1], seed=0, output_activation=activation), data, epochs=1,
              batch_size=1, eta=0.1, progress=False)


def test_deltas_that_all_but_vanished_are_said(recwarn):
    # eta = 500 throws every sigmoid far out: the deltas are tiny, but not exactly 0
    history = train(MLP([2, 8, 1], seed=0), DATA, epochs=3, batch_size=10, eta=500.0, seed=0,
                    progress=False, keep="steps")
    said = warnings_about(history, "vanished")
    assert len(said) == 1
    epoch = int(said[0].split("vanished in epoch ")[1].split(":")[0])
    assert f"were at most {VANISHED:g} times sqrt(C) in all 16 steps" in said[0]
    assert "eta = 500.0 is probably too large" in said[0]
    # the reference: every gradient the steps of that epoch took, as the time machine kept it
    for k in range(16 * (epoch - 1) + 1, 16 * epoch + 1):
        largest = max(abs(g) for g in history.gradients_at(k).values())
        assert 0 < largest <= VANISHED * math.sqrt(history.cost_at(k))
    assert any("vanished" in str(w.message) for w in recwarn)


def test_c_flat_for_many_epochs_is_said():
    history = train(MLP([2, 8, 1], seed=0), DATA, epochs=FLAT_EPOCHS + 2, batch_size=10,
                    eta=500.0, seed=0, progress=False)
    said = warnings_about(history, "training is not learning")
    assert len(said) == 1
    spread = history.cost[-FLAT_EPOCHS - 1:]
    assert max(spread) - min(spread) <= 1e-6 * history.cost[-1]


def test_a_warning_is_kept_once_when_training_resumes():
    data = [([0.1, 0.2], [2.0]), ([0.3, 0.1], [0.5])]
    with pytest.warns(RuntimeWarning):
        first = train(MLP([2, 2, 1], seed=0), data, epochs=1, batch_size=1, eta=0.1, seed=0,
                      progress=False)
        again = train(MLP([2, 2, 1], seed=0), data, epochs=2, resume=first, progress=False)
    assert len(warnings_about(again, "targets go from")) == 1
