"""nn.train: mini-batch SGD, its History, divergence, Ctrl-C, and bad arguments.

Where the exact result of training matters, it is reproduced here step by step
with the lecture's recipe (shuffle once per epoch with random.Random(seed), C
on the batch, C.backward(), p -= eta * dC/dp) on an identically seeded net.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import signal

import pytest

from nn.data.datasets import moons, xor
from nn.model.costs import cross_entropy_cost, quadratic_cost
from nn.model.layers import MLP
from nn.training.metrics import predicted_class, true_class
from nn.training.sgd import History, TrainingDiverged, train


def weights(net):
    return [p.data for p in net.parameters()]


def sgd_by_hand(net, data, steps, batch_size, eta, seed, cost=quadratic_cost):
    """Take ``steps`` SGD steps the lecture's way; returns the weights after each step."""
    rng = random.Random(seed)
    examples = list(data)
    after = []
    while len(after) < steps:
        rng.shuffle(examples)
        for start in range(0, len(examples), batch_size):
            batch = examples[start:start + batch_size]
            C = cost([net(x) for x, _ in batch], [y for _, y in batch])
            net.zero_grad()
            C.backward()
            for p in net.parameters():
                p.data = p.data - eta * p.grad
            after.append(weights(net))
            if len(after) == steps:
                break
    return after


# ---------------------------------------------------------------- learning


def test_xor_is_learned_completely():
    net = MLP([2, 3, 1], seed=0)
    history = train(net, xor(), epochs=1000, batch_size=4, eta=3.0, seed=0, progress=False)
    assert history.accuracy[-1] == 1.0
    for x, y in xor():
        assert predicted_class(net(x)) == true_class(y)
    assert history.cost[-1] < history.cost[0] / 10


def test_moons_above_95_percent():
    data = moons(100, noise=0.1, seed=0)
    fresh = moons(100, noise=0.1, seed=1)
    net = MLP([2, 8, 1], seed=0)
    history = train(net, data, epochs=40, batch_size=5, eta=10.0, seed=0, progress=False,
                    test_data=fresh)
    assert history.accuracy[-1] > 0.95
    assert history.test_accuracy[-1] > 0.9  # it generalises to points it never saw
    right = sum(predicted_class(net(x)) == true_class(y) for x, y in data)
    assert right / len(data) == history.accuracy[-1]


def test_cross_entropy_cost_trains_too():
    net = MLP([2, 3, 1], seed=1)
    history = train(net, xor(), epochs=500, batch_size=4, eta=2.0, seed=1, progress=False,
                    cost=cross_entropy_cost)
    assert history.accuracy[-1] == 1.0


# ---------------------------------------------------------------- reproducibility


def test_same_seed_gives_identical_history_and_weights():
    data = moons(40, noise=0.2, seed=3)
    runs = []
    for _ in range(2):
        net = MLP([2, 4, 1], seed=5)
        history = train(net, data, epochs=4, batch_size=3, eta=2.0, seed=9, progress=False)
        runs.append((history, weights(net)))
    (h1, w1), (h2, w2) = runs
    for name in ("epoch", "iterations", "cost", "accuracy", "test_cost", "test_accuracy"):
        assert getattr(h1, name) == getattr(h2, name), name
    assert w1 == w2


def test_different_shuffle_seed_gives_a_different_history():
    data = moons(40, noise=0.2, seed=3)
    costs = []
    for seed in (1, 2):
        net = MLP([2, 4, 1], seed=5)
        costs.append(train(net, data, epochs=2, batch_size=3, eta=2.0, seed=seed,
                           progress=False).cost)
    assert costs[0] != costs[1]


def test_training_is_the_lectures_sgd_step_by_step(small_data):
    data = small_data(10)
    net = MLP([2, 3, 1], seed=2)
    train(net, data, epochs=3, batch_size=4, eta=1.5, seed=4, progress=False)
    by_hand = MLP([2, 3, 1], seed=2)
    expected = sgd_by_hand(by_hand, data, steps=9, batch_size=4, eta=1.5, seed=4)
    assert weights(net) == expected[-1]


def test_training_does_not_reorder_the_callers_data(small_data):
    data = small_data(10)
    before = [(list(x), list(y)) for x, y in data]
    train(MLP([2, 2, 1], seed=0), data, epochs=2, batch_size=3, eta=1.0, seed=0, progress=False)
    assert data == before


# ---------------------------------------------------------------- epochs and iterations


@pytest.mark.parametrize("n_steps", [1, 4, 7, 10])
def test_iterations_takes_exactly_that_many_steps(n_steps, small_data):
    data = small_data(10)  # batch 3 -> 4 steps per epoch, the last of one example
    net = MLP([2, 3, 1], seed=1)
    history = train(net, data, iterations=n_steps, batch_size=3, eta=1.0, seed=2,
                    progress=False)
    assert history.iterations[-1] == n_steps
    assert history.epoch == list(range(1, math.ceil(n_steps / 4) + 1))
    assert history.iterations == [min(4 * e, n_steps) for e in history.epoch]
    by_hand = MLP([2, 3, 1], seed=1)
    after = sgd_by_hand(by_hand, data, steps=n_steps + 1, batch_size=3, eta=1.0, seed=2)
    assert weights(net) == after[n_steps - 1]
    assert weights(net) != after[n_steps]  # not one step more
    if n_steps > 1:
        assert weights(net) != after[n_steps - 2]  # nor one fewer


def test_epochs_counts_passes_over_the_data(small_data):
    data = small_data(10)
    history = train(MLP([2, 2, 1], seed=0), data, epochs=3, batch_size=4, eta=1.0, seed=0,
                    progress=False)
    assert len(history) == 3
    assert history.epoch == [1, 2, 3]
    assert history.iterations == [3, 6, 9]  # ceil(10 / 4) steps per epoch
    assert len(history.cost) == len(history.accuracy) == len(history.time) == 3
    assert all(t >= 0.0 for t in history.time)
    assert history.interrupted is False


def test_history_cost_is_the_cost_on_the_training_data_after_the_epoch(
    small_data, plain_quadratic_cost
):
    data = small_data(12, seed=5)
    net = MLP([2, 3, 1], seed=3)
    history = train(net, data, epochs=2, batch_size=5, eta=1.0, seed=1, progress=False)
    assert history.cost[-1] == pytest.approx(plain_quadratic_cost(net, data), rel=1e-12)
    right = sum(predicted_class(net(x)) == true_class(y) for x, y in data)
    assert history.accuracy[-1] == right / len(data)


def test_test_data_gives_test_cost_and_accuracy(small_data, plain_quadratic_cost):
    data, test = small_data(12, seed=1), small_data(7, seed=2)
    net = MLP([2, 3, 1], seed=0)
    history = train(net, data, epochs=3, batch_size=4, eta=1.0, seed=0, test_data=test,
                    progress=False)
    assert len(history.test_cost) == len(history.test_accuracy) == 3
    assert all(isinstance(c, float) for c in history.test_cost)
    assert history.test_cost[-1] == pytest.approx(plain_quadratic_cost(net, test), rel=1e-12)
    right = sum(predicted_class(net(x)) == true_class(y) for x, y in test)
    assert history.test_accuracy[-1] == right / len(test)
    # the test data is never learned from: same weights as training without it
    alone = MLP([2, 3, 1], seed=0)
    train(alone, data, epochs=3, batch_size=4, eta=1.0, seed=0, progress=False)
    assert weights(alone) == weights(net)


def test_without_test_data_test_entries_are_none(small_data):
    history = train(MLP([2, 2, 1], seed=0), small_data(6), epochs=2, batch_size=2, eta=1.0,
                    seed=0, progress=False)
    assert history.test_cost == [None, None] and history.test_accuracy == [None, None]


def test_accuracy_is_none_for_targets_that_are_not_classes():
    data = [([0.1 * i, 0.2], [0.05 * i]) for i in range(6)]
    history = train(MLP([2, 2, 1], seed=0), data, epochs=2, batch_size=3, eta=1.0, seed=0,
                    progress=False)
    assert history.accuracy == [None, None]


def test_on_epoch_sees_the_growing_history(small_data):
    seen = []
    history = train(MLP([2, 2, 1], seed=0), small_data(6), epochs=3, batch_size=2, eta=1.0,
                    seed=0, progress=False, on_epoch=lambda h: seen.append(len(h)))
    assert seen == [1, 2, 3]
    assert len(history) == 3


# ---------------------------------------------------------------- divergence


def linear_data():
    return [([1.0], [2.0]), ([2.0], [-1.0]), ([-1.5], [0.5])]


def test_divergence_in_the_forward_pass_names_epoch_and_batch_and_keeps_weights(linear_net):
    # eta = 1e200: step 1 throws the weights out to ~1e200, step 2's C = (y - a)^2 overflows
    data, eta = linear_data(), 1e200
    net = linear_net()
    with pytest.raises(TrainingDiverged) as caught:
        train(net, data, epochs=3, batch_size=1, eta=eta, seed=0, progress=False)
    message = str(caught.value)
    assert "epoch 1" in message and "batch 2" in message
    assert "smaller" in message and "eta" in message
    by_hand = linear_net()
    after = sgd_by_hand(by_hand, data, steps=1, batch_size=1, eta=eta, seed=0)
    assert weights(net) == after[0]
    assert all(math.isfinite(w) and abs(w) > 1e100 for w in weights(net))


def test_divergence_in_the_update_keeps_the_weights_before_the_step(linear_net):
    # the gradient is finite but eta * grad overflows to infinity in the very first step
    data = linear_data()
    net = linear_net()
    before = weights(net)
    with pytest.raises(TrainingDiverged, match="epoch 1, batch 1") as caught:
        train(net, data, epochs=1, batch_size=3, eta=1e308, seed=0, progress=False)
    assert "smaller" in str(caught.value)
    assert weights(net) == before


def test_divergence_later_in_training_names_that_epoch(linear_net):
    # a modest eta that grows the weights step by step until (y - a)^2 overflows
    data = [([1.0], [0.0]), ([3.0], [1.0])]
    net = linear_net()
    with pytest.raises(TrainingDiverged) as caught:
        train(net, data, epochs=2000, batch_size=2, eta=4.0, seed=0, progress=False)
    message = str(caught.value)
    epoch = int(message.split("epoch ")[1].split(",")[0])
    assert epoch > 1 and "batch 1" in message
    # reproduce: epoch - 1 good steps (one per epoch), then the bad one
    by_hand = linear_net()
    after = sgd_by_hand(by_hand, data, steps=epoch - 1, batch_size=2, eta=4.0, seed=0)
    assert weights(net) == after[-1]


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_after_an_epoch_stops_cleanly(small_data):
    data = small_data(10)
    net = MLP([2, 3, 1], seed=0)
    seen = []

    def interrupt(history):
        seen.append(history)
        if len(history) == 2:
            os.kill(os.getpid(), signal.SIGINT)

    handler_before = signal.getsignal(signal.SIGINT)
    history = train(net, data, epochs=50, batch_size=3, eta=1.0, seed=0, progress=False,
                    on_epoch=interrupt)
    assert history.interrupted is True
    assert len(history) == 2 and history.iterations == [4, 8]
    assert seen[-1] is history
    assert signal.getsignal(signal.SIGINT) is handler_before
    by_hand = MLP([2, 3, 1], seed=0)
    assert weights(net) == sgd_by_hand(by_hand, data, steps=8, batch_size=3, eta=1.0, seed=0)[-1]


def test_ctrl_c_in_the_middle_of_an_epoch_finishes_the_step_and_returns(
    small_data, plain_quadratic_cost
):
    data = small_data(12)  # batch 3: 4 steps per epoch, all of 3 examples
    net = MLP([2, 3, 1], seed=0)
    steps = []

    def cost(outputs, targets):
        if len(outputs) == 3:  # a training batch, not the per-epoch evaluation
            steps.append(1)
            if len(steps) == 6:
                os.kill(os.getpid(), signal.SIGINT)
        return quadratic_cost(outputs, targets)

    history = train(net, data, epochs=50, batch_size=3, eta=1.0, seed=0, progress=False,
                    cost=cost)
    assert history.interrupted is True
    assert history.iterations[-1] == 6 and history.epoch[-1] == 2
    by_hand = MLP([2, 3, 1], seed=0)
    assert weights(net) == sgd_by_hand(by_hand, data, steps=6, batch_size=3, eta=1.0, seed=0)[-1]
    # the history's last cost is for the weights as returned
    assert history.cost[-1] == pytest.approx(plain_quadratic_cost(net, data), rel=1e-12)


# ---------------------------------------------------------------- progress bar


def test_no_progress_bar_when_not_on_a_terminal(capfd, small_data):
    train(MLP([2, 2, 1], seed=0), small_data(6), epochs=3, batch_size=2, eta=1.0, seed=0)
    out, err = capfd.readouterr()
    assert err == "" and out == ""


class Terminal(io.StringIO):
    """stderr as a terminal would be (where a bar shows), kept in a string to read."""

    def isatty(self):
        return True


def on_a_terminal(monkeypatch) -> Terminal:
    """Make stderr a Terminal for the rest of the test (called in it: pytest's capture
    puts its own stderr back between a fixture and the test)."""
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    return screen


def test_progress_bar_on_a_terminal(monkeypatch, small_data):
    pytest.importorskip("tqdm", reason="the bar needs tqdm: pip install 'deltagrad[progress]'")
    terminal = on_a_terminal(monkeypatch)
    train(MLP([2, 2, 1], seed=0), small_data(6), epochs=3, batch_size=2, eta=1.0, seed=0)
    assert "9/9" in terminal.getvalue()  # 3 epochs of 3 steps


def test_the_bar_says_what_it_waits_for(monkeypatch, small_data):
    """Recording and checking the tapes, and measuring C after each epoch, are named."""
    pytest.importorskip("tqdm", reason="the bar needs tqdm: pip install 'deltagrad[progress]'")
    terminal = on_a_terminal(monkeypatch)
    train(MLP([2, 2, 1], seed=0), small_data(6), epochs=2, batch_size=2, eta=1.0, seed=0,
          test_data=small_data(4, seed=1))
    shown = terminal.getvalue()
    said = ["recording the graph of one example, and checking it against the values engine "
            "on 3 examples (once)",
            "measuring C on 6 training examples and 4 test examples", "training"]
    assert all(text in shown for text in said)
    assert shown.index(said[0]) < shown.index(said[1]) < shown.rindex("6/6")


def test_progress_false_shows_nothing_even_on_a_terminal(monkeypatch, small_data):
    terminal = on_a_terminal(monkeypatch)
    train(MLP([2, 2, 1], seed=0), small_data(6), epochs=3, batch_size=2, eta=1.0, seed=0,
          progress=False)
    assert terminal.getvalue() == ""


# ---------------------------------------------------------------- bad arguments


GOOD = {"epochs": 1, "batch_size": 2, "eta": 1.0}


@pytest.mark.parametrize("change, pattern", [
    ({"batch_size": 0}, "batch_size.*0"),
    ({"batch_size": -3}, "batch_size"),
    ({"batch_size": 7}, r"batch_size.*\(6\).*7"),
    ({"eta": 0.0}, "eta"),
    ({"eta": -1.0}, "eta.*-1"),
    ({"eta": math.nan}, "eta"),
    ({"eta": math.inf}, "eta"),
    ({"epochs": None}, "epochs.*iterations"),
    ({"iterations": 5}, "epochs.*iterations"),
    ({"epochs": 0}, "epochs"),
    ({"epochs": None, "iterations": 0}, "iterations"),
], ids=str)
def test_bad_arguments_are_a_value_error(change, pattern, small_data):
    net = MLP([2, 2, 1], seed=0)
    before = weights(net)
    with pytest.raises(ValueError, match=pattern):
        train(net, small_data(6), **{**GOOD, **change}, progress=False)
    assert weights(net) == before


@pytest.mark.parametrize("data, pattern", [
    ([], "no examples|non-empty"),
    ([([0.1, 0.2, 0.3], [1.0])] * 3, "3 entries.*2 inputs"),
    ([([0.1, 0.2], [1.0, 0.0])] * 3, "2 entries.*1 output "),
    ([([0.1, 0.2], [1.0]), ([0.1], [1.0])], r"example 2"),
    ([([0.1, 0.2], [1.0], "extra")], "pair"),
    ([([0.1, math.nan], [1.0])], "finite"),
], ids=["empty", "x too long", "y too long", "second x short", "triple", "nan"])
def test_data_of_the_wrong_shape_is_a_value_error(data, pattern):
    with pytest.raises(ValueError, match=pattern):
        train(MLP([2, 2, 1], seed=0), data, epochs=1, batch_size=1, eta=1.0, progress=False)


def test_test_data_of_the_wrong_shape_is_a_value_error(small_data):
    with pytest.raises(ValueError, match="3 entries"):
        train(MLP([2, 2, 1], seed=0), small_data(4), epochs=1, batch_size=1, eta=1.0,
              progress=False, test_data=[([0.1, 0.2, 0.3], [1.0])])


# ---------------------------------------------------------------- History and pictures


def test_history_as_dict_is_json_serialisable(small_data):
    history = train(MLP([2, 2, 1], seed=0), small_data(6), epochs=2, batch_size=2, eta=1.0,
                    seed=0, progress=False, test_data=small_data(3, seed=1))
    d = history.as_dict()
    back = json.loads(json.dumps(d))
    assert back == d
    assert back["cost"] == history.cost and back["epoch"] == [1, 2]
    assert back["interrupted"] is False


def test_empty_history():
    h = History()
    assert len(h) == 0 and json.loads(json.dumps(h.as_dict()))["cost"] == []


# ---------------------------------------------------------------- numpy's numbers


def test_numpy_numbers_train_exactly_as_python_numbers(small_data):
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    # inputs that float32 holds exactly, so that both lists hold the same numbers
    data = [([float(np.float32(v)) for v in x], y) for x, y in small_data(8, seed=3)]
    numpy_data = [([np.float32(v) for v in x], [np.int64(y[0])]) for x, y in data]
    runs = []
    for examples, knobs in [
        (data, dict(epochs=2, batch_size=3, eta=0.5)),
        (numpy_data, dict(epochs=np.int64(2), batch_size=np.int64(3), eta=np.float32(0.5))),
    ]:
        net = MLP([2, 3, 1], seed=1)
        history = train(net, examples, seed=0, progress=False, **knobs)
        runs.append((weights(net), history.cost, history.accuracy))
    assert runs[0] == runs[1]
    assert all(type(w) is float for w in runs[1][0])  # no numpy number got into the net


# ---------------------------------------------------------------- arguments checked at the entry


@pytest.mark.parametrize("change, pattern", [
    ({"batch_size": 2.0}, "batch_size must be a whole number, got float"),
    ({"batch_size": "2"}, "batch_size must be a whole number, got str: '2'"),
    ({"epochs": 1.5}, "epochs must be a whole number, got float"),
    ({"eta": "3"}, "eta must be a number, got str"),
    ({"cost": None}, "cost must be a cost function such as nn.quadratic_cost, got NoneType"),
    ({"cost": lambda outputs, targets: 1.0}, "cost must return C as a Value .* returned float"),
    ({"on_epoch": 3}, "on_epoch must be a function of the history .* got int: 3"),
    ({"seed": 1.0}, "seed must be a whole number, got float"),
    ({"seed": float("nan")}, "seed must be a whole number, got float: nan"),
    ({"seed": True}, "seed must be a whole number, got bool"),
    ({"batch_size": None}, "train.. needs batch_size"),
    ({"eta": None}, "train.. needs eta"),
], ids=str)
def test_a_wrong_kind_of_argument_is_a_type_error_before_anything_changes(change, pattern,
                                                                           small_data):
    net = MLP([2, 2, 1], seed=0)
    before = weights(net)
    with pytest.raises(TypeError, match=pattern):
        train(net, small_data(6), **{**GOOD, **change}, progress=False)
    assert weights(net) == before


def test_a_network_that_is_not_one_is_a_type_error(small_data):
    for net in (None, "net", [2, 3, 1]):
        with pytest.raises(TypeError, match="train.. takes an nn.MLP as net, got"):
            train(net, small_data(6), **GOOD, progress=False)


def test_a_negative_seed_is_refused(small_data):
    # Python's random gives -1 what it gives 1: two seeds, one shuffling
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        train(MLP([2, 2, 1], seed=0), small_data(6), **GOOD, seed=-1, progress=False)


def test_errors_about_test_data_name_test_data(small_data):
    with pytest.raises(ValueError, match=r"^example 1 \(test_data\[0\]\): x has 3 entries but "
                                         r"the network has 2 inputs"):
        train(MLP([2, 2, 1], seed=0), small_data(4), epochs=1, batch_size=1, eta=1.0,
              progress=False, test_data=[([0.1, 0.2, 0.3], [1.0])])
    with pytest.raises(ValueError, match="^test_data has no examples"):
        train(MLP([2, 2, 1], seed=0), small_data(4), epochs=1, batch_size=1, eta=1.0,
              progress=False, test_data=[])


@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_cross_entropy_with_an_output_that_is_not_a_sigmoid_is_refused_before_training(
        activation, small_data):
    net = MLP([2, 3, 1], seed=0, output_activation=activation)
    before = weights(net)
    with pytest.raises(ValueError, match=f"cross-entropy needs outputs strictly between 0 and "
                                         f"1, which a {activation} output layer does not give"):
        train(net, small_data(6), **GOOD, cost=cross_entropy_cost, progress=False)
    assert weights(net) == before


@pytest.mark.parametrize("y", [2.0, -0.5])
def test_cross_entropy_targets_outside_0_1_are_refused(y, small_data):
    data = small_data(6) + [([0.1, 0.2], [y])]
    with pytest.raises(ValueError, match=rf"data: cross-entropy needs targets between 0 and 1, "
                                         rf"got y_1 = {y} for example 7"):
        train(MLP([2, 3, 1], seed=0), data, **GOOD, cost=cross_entropy_cost, progress=False)
    with pytest.raises(ValueError, match="test_data: cross-entropy needs targets"):
        train(MLP([2, 3, 1], seed=0), small_data(6), **GOOD, cost=cross_entropy_cost,
              progress=False, test_data=[([0.1, 0.2], [y])])


def test_the_history_keeps_its_arguments(small_data):
    history = train(MLP([2, 2, 1], seed=0), small_data(6), epochs=2, batch_size=3, eta=0.5,
                    seed=4, progress=False, cost=cross_entropy_cost)
    assert history.arguments == {"epochs": 2, "iterations": None, "batch_size": 3, "eta": 0.5,
                                 "cost": "cross_entropy", "seed": 4, "engine": "auto"}


# ---------------------------------------------------------------- saturation


def test_a_learning_rate_that_saturates_every_neuron_is_said_naming_eta():
    # eta = 1e300 throws every weight far out: each sigmoid gives 0 or 1 exactly, sigma'(z)
    # is 0, and with it every delta; the cost stays put at a number above 0
    data = moons(40, seed=0)
    with pytest.warns(RuntimeWarning, match=r"every delta_j\^l vanished in epoch 2: dC/dw and "
                                            r"dC/db were 0 in all 4 steps .*eta = 1e\+300"):
        history = train(MLP([2, 3, 1], seed=0), data, epochs=4, batch_size=10, eta=1e300,
                        seed=0, progress=False)
    assert len(history.warnings) == 1 and "saturated" in history.warnings[0]
    assert history.cost[-1] > 0 and len(set(history.cost[1:])) == 1
    assert json.loads(json.dumps(history.as_dict()))["warnings"] == history.warnings


def test_no_saturation_warning_for_a_network_that_learns(recwarn):
    history = train(MLP([2, 3, 1], seed=0), moons(40, seed=0), epochs=4, batch_size=10,
                    eta=3.0, seed=0, progress=False)
    assert history.warnings == [] and not [w for w in recwarn if "vanished" in str(w.message)]


# ---------------------------------------------------------------- resume


def _interrupted_after(steps: int):
    """A cost that presses Ctrl-C after that many training steps (batches of 3)."""
    taken = []

    def cost(outputs, targets):
        if len(outputs) == 3:
            taken.append(1)
            if len(taken) == steps:
                os.kill(os.getpid(), signal.SIGINT)
        return quadratic_cost(outputs, targets)

    return cost


@pytest.mark.parametrize("stop_after", [1, 4, 6, 11])  # epochs have 4 steps: mid and end
def test_an_interrupted_training_resumed_ends_as_one_uninterrupted_run(stop_after, small_data,
                                                                        bits):
    data = small_data(12)
    whole = MLP([2, 3, 1], seed=0)
    one_run = train(whole, data, epochs=5, batch_size=3, eta=1.0, seed=7, progress=False)

    net = MLP([2, 3, 1], seed=0)
    first = train(net, data, epochs=5, batch_size=3, eta=1.0, seed=7, progress=False,
                  cost=_interrupted_after(stop_after))
    assert first.interrupted and first.iterations[-1] == stop_after
    # (the same cost function as before, but one that no longer interrupts)
    resumed = train(net, data, resume=first, progress=False, cost=_interrupted_after(0))
    assert bits(weights(net)) == bits(weights(whole))
    for name in ("epoch", "iterations", "cost", "accuracy"):
        assert getattr(resumed, name) == getattr(one_run, name), name
    assert not resumed.interrupted and resumed.arguments["epochs"] == 5
    assert first.iterations[-1] == stop_after  # the history resumed is left as it was


def test_resuming_a_finished_training_goes_on_to_the_new_length(small_data, bits):
    data = small_data(12)
    whole, net = MLP([2, 3, 1], seed=0), MLP([2, 3, 1], seed=0)
    train(whole, data, iterations=30, batch_size=5, eta=1.0, seed=1, progress=False)
    first = train(net, data, iterations=11, batch_size=5, eta=1.0, seed=1, progress=False)
    train(net, data, iterations=30, resume=first, progress=False)
    assert bits(weights(net)) == bits(weights(whole))


def test_resume_through_json_as_a_model_file_keeps_it(small_data, bits):
    from nn.training.records import ShuffleState

    data = small_data(12)
    whole, net = MLP([2, 3, 1], seed=0), MLP([2, 3, 1], seed=0)
    train(whole, data, epochs=3, batch_size=3, eta=1.0, seed=2, progress=False)
    first = train(net, data, epochs=1, batch_size=3, eta=1.0, seed=2, progress=False)
    text = json.dumps({"history": first.as_dict(), "shuffle": first.shuffle.as_dict()})
    back = json.loads(text)
    again = History.from_dict(back["history"], ShuffleState.from_dict(back["shuffle"]))
    train(net, data, epochs=3, resume=again, progress=False)
    assert bits(weights(net)) == bits(weights(whole))


def test_resume_refuses_what_would_not_go_on_as_before(small_data):
    data = small_data(12)
    net = MLP([2, 3, 1], seed=0)
    first = train(net, data, epochs=2, batch_size=3, eta=1.0, seed=2, progress=False)
    with pytest.raises(ValueError, match="ask for more epochs than 2"):
        train(net, data, resume=first, progress=False)
    with pytest.raises(ValueError, match="batch_size = 3.*leave batch_size out"):
        train(net, data, epochs=3, batch_size=4, resume=first, progress=False)
    with pytest.raises(ValueError, match="seed = 2.*leave seed out"):
        train(net, data, epochs=3, seed=3, resume=first, progress=False)
    with pytest.raises(ValueError, match="quadratic cost.*not cross_entropy"):
        train(net, data, epochs=3, resume=first, cost=cross_entropy_cost, progress=False)
    with pytest.raises(ValueError, match="on 12 examples, this data has 11"):
        train(net, data[:11], epochs=3, resume=first, progress=False)
    with pytest.raises(ValueError, match="does not say where its training stopped"):
        train(net, data, epochs=3, resume=History(), progress=False)
    with pytest.raises(TypeError, match="resume takes the History"):
        train(net, data, epochs=3, resume={"epoch": [1]}, progress=False)
