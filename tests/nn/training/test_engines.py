"""nn.training.engines and train(engine=...): two engines, one interface, the same numbers.

The reference is the values engine (build C from Values, C.backward()), which
tests/nn/test_sgd.py checks against the lecture's SGD by hand. The replay
engine must end with the same weights and the same history, compared as the
floats' bytes, on random networks, every activation and both costs; must raise
the same errors; and must really be replaying (not quietly handing every step
to the values engine).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn.data.datasets import moons
from nn.model.costs import QuadraticCost, cross_entropy_cost, quadratic_cost
from nn.model.layers import ACTIVATIONS, MLP
from nn.training.engines import ENGINES, KINDS, ReplayEngine, ValuesEngine, choose_engine
from nn.training.metrics import accuracy, evaluate
from nn.training.sgd import TrainingDiverged, train

HISTORY_FIELDS = ("epoch", "iterations", "cost", "accuracy", "test_cost", "test_accuracy")


@pytest.fixture(scope="module")
def state(bits):
    """state(net, history): everything training leaves behind that must not depend on the engine."""

    def everything(net, history):
        params = net.parameters()
        return (
            bits(p.data for p in params),
            bits(p.grad for p in params),
            {name: getattr(history, name) for name in HISTORY_FIELDS},
            # the z and a of the last example evaluated, as the layers keep them
            [bits(v.data for v in layer.z + layer.a) for layer in net.layers],
        )

    return everything


@pytest.fixture
def no_fallback(monkeypatch):
    """Check that every ReplayEngine made in the test replayed: nothing left to the values engine.

    (The first step and evaluation are done by both engines and compared: a
    difference would disable replay, and is an error here too.)
    """
    made = []
    init = ReplayEngine.__init__

    def remember(self, *args):
        init(self, *args)
        made.append(self)

    monkeypatch.setattr(ReplayEngine, "__init__", remember)
    yield
    assert made, "no ReplayEngine was made"
    for engine in made:
        assert engine.disabled is None and engine.fallbacks == 0


def random_data(rng, n, n_in, n_out, classes):
    def target():
        if not classes:
            return [rng.uniform(-1, 1) for _ in range(n_out)]
        if n_out == 1:
            return [float(rng.random() < 0.5)]
        y = [0.0] * n_out
        y[rng.randrange(n_out)] = 1.0
        return y

    return [([rng.uniform(-2, 2) for _ in range(n_in)], target()) for _ in range(n)]


@st.composite
def trainings(draw):
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    hidden = draw(
        st.lists(st.sampled_from(ACTIVATIONS), min_size=len(sizes) - 1, max_size=len(sizes) - 1)
    )
    cost = draw(st.sampled_from([quadratic_cost, cross_entropy_cost]))
    if cost is cross_entropy_cost:
        hidden[-1] = "sigmoid"  # cross-entropy needs outputs in (0, 1)
    seed = draw(st.integers(0, 2**16))
    rng = random.Random(seed)
    classes = cost is cross_entropy_cost or draw(st.booleans())
    n = draw(st.integers(1, 12))
    data = random_data(rng, n, sizes[0], sizes[-1], classes)
    test_data = random_data(rng, 3, sizes[0], sizes[-1], classes) if draw(st.booleans()) else None
    init = draw(st.sampled_from(["normal", "scaled"]))
    kwargs = dict(
        batch_size=draw(st.integers(1, n)),  # often leaving a smaller last batch
        eta=draw(st.sampled_from([0.05, 0.5, 3.0])),
        cost=cost,
        seed=seed,
        test_data=test_data,
        progress=False,
    )
    if draw(st.booleans()):
        kwargs["epochs"] = draw(st.integers(1, 3))
    else:
        kwargs["iterations"] = draw(st.integers(1, 7))
    return (sizes, hidden, seed, init), data, kwargs


def train_with(engine, net_args, data, kwargs, state, bits):
    """The state after training, or the error and the weights it left (a big eta diverges)."""
    sizes, activations, seed, init = net_args
    net = MLP(sizes, activations, seed=seed, init=init)
    try:
        history = train(net, data, engine=engine, **kwargs)
    except (TrainingDiverged, ValueError) as error:
        return type(error), str(error), bits(p.data for p in net.parameters())
    return state(net, history)


# ---------------------------------------------------------------- the same training


# (a random relu network may die, and train says so: both engines alike)
@pytest.mark.filterwarnings("ignore:every delta_j.l vanished:RuntimeWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=trainings())
def test_random_trainings_are_bit_identical_under_both_engines(case, state, bits):
    net_args, data, kwargs = case
    assert train_with("replay", net_args, data, kwargs, state, bits) == train_with(
        "values", net_args, data, kwargs, state, bits
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("cost", [quadratic_cost, cross_entropy_cost])
def test_every_activation_and_cost_on_moons(activation, cost, no_fallback, state):
    data = moons(n=60, noise=0.2, seed=3)
    kwargs = dict(epochs=2, batch_size=7, eta=0.3, cost=cost, seed=5, progress=False)
    nets = {}
    for engine in ("replay", "values"):
        net = MLP([2, 5, 4, 1], activation, seed=1, output_activation="sigmoid")
        nets[engine] = state(net, train(net, data, engine=engine, **kwargs))
    assert nets["replay"] == nets["values"]


# ---------------------------------------------------------------- the interface


@pytest.mark.parametrize("Engine", [ValuesEngine, ReplayEngine])
def test_gradient_is_what_backward_gives(Engine, bits):
    """One batch, directly: C and every dC/dp against C.backward() on the same net."""
    rng = random.Random(7)
    net = MLP([3, 6, 6, 2], ["tanh", "relu", "sigmoid"], seed=2)
    engine = Engine(net, quadratic_cost)
    for m in (1, 4, 9):  # one tape serves every batch size
        batch = random_data(rng, m, 3, 2, classes=False)
        C = engine.gradient(batch)
        grads = [p.grad for p in net.parameters()]
        C_values = quadratic_cost([net(x) for x, _ in batch], [y for _, y in batch])
        net.zero_grad()
        C_values.backward()
        assert bits([C, *grads]) == bits([C_values.data, *(p.grad for p in net.parameters())])
    if Engine is ReplayEngine:
        assert engine.fallbacks == 0 and engine.disabled is None


@pytest.mark.parametrize("Engine", [ValuesEngine, ReplayEngine])
def test_evaluate_gives_C_and_the_outputs_as_floats(Engine, bits):
    """C and a^L over the data as the cost's graph gives them; evaluate's numbers."""
    rng = random.Random(11)
    net = MLP([3, 4, 2], ["relu", "sigmoid"], seed=4)
    for cost in (quadratic_cost, cross_entropy_cost):
        engine = Engine(net, cost)
        for classes in (True, False):
            data = random_data(rng, 9, 3, 2, classes=classes or cost is cross_entropy_cost)
            ys = [y for _, y in data]
            grads = [p.grad for p in net.parameters()]
            C, outputs = engine.evaluate(data)
            assert [p.grad for p in net.parameters()] == grads  # no gradient is touched
            a_L = [net(x) for x, _ in data]
            assert bits([C]) == bits([cost(a_L, ys).data])
            assert [bits(a) for a in outputs] == [bits(v.data for v in a) for a in a_L]
            assert (C, accuracy(outputs, ys)) == evaluate(net, data, cost)
            assert (accuracy(outputs, ys) is None) == (not classes and cost is quadratic_cost)
        if Engine is ReplayEngine:
            assert engine.fallbacks == 0


def test_engines_are_the_choices_of_train():
    assert ENGINES == ("auto", "replay", "values", "torch")
    for name, kind in KINDS.items():
        assert kind.name == name
        assert callable(kind.cannot_train) and callable(kind.for_training)


def test_auto_replays_an_mlp_with_a_known_cost_and_builds_values_otherwise(state):
    net = MLP([2, 3, 1], seed=0)
    assert isinstance(choose_engine(net, quadratic_cost, "auto"), ReplayEngine)
    assert isinstance(choose_engine(net, cross_entropy_cost, "replay"), ReplayEngine)
    assert isinstance(choose_engine(net, quadratic_cost, "values"), ValuesEngine)

    def my_cost(outputs, targets):  # replay cannot know what this builds
        return quadratic_cost(outputs, targets) * 2.0

    assert isinstance(choose_engine(net, my_cost, "auto"), ValuesEngine)
    data = moons(n=20, seed=0)
    results = [
        state(n, train(n, data, epochs=1, batch_size=4, eta=0.5, cost=my_cost, seed=0,
                       progress=False, engine=engine))
        for engine, n in (("auto", MLP([2, 3, 1], seed=0)), ("values", MLP([2, 3, 1], seed=0)))
    ]
    assert results[0] == results[1]


def test_engine_replay_refuses_what_it_cannot_train():
    net = MLP([2, 3, 1], seed=0)
    knows = "replay knows the costs quadratic_cost, cross_entropy_cost"
    with pytest.raises(ValueError, match=knows):
        train(net, moons(n=10), epochs=1, batch_size=2, eta=0.1, progress=False,
              cost=lambda a, y: quadratic_cost(a, y), engine="replay")
    with pytest.raises(ValueError, match=r"engine must be one of \('auto', 'replay', 'values', "
                                         r"'torch'\)"):
        train(net, moons(n=10), epochs=1, batch_size=2, eta=0.1, progress=False, engine="fast")
    with pytest.raises(ValueError, match="the network must be an nn.MLP, got str"):
        choose_engine("net", quadratic_cost, "replay")


# ---------------------------------------------------------------- one cost definition


def test_both_engines_read_the_one_definition_of_a_cost(monkeypatch, state):
    """Change the quadratic cost's factor k(n) and term: both engines train by the new cost."""
    data = moons(n=24, seed=4)
    kwargs = dict(epochs=2, batch_size=5, eta=0.5, seed=1, progress=False)

    def trained(engine):
        net = MLP([2, 3, 1], seed=2)
        return state(net, train(net, data, engine=engine, **kwargs))

    before = trained("values")
    monkeypatch.setattr(quadratic_cost, "factor", lambda n: 1.0 / n)
    monkeypatch.setattr(quadratic_cost, "term", lambda a_j, y_j: (y_j - a_j) ** 4)
    replayed, built = trained("replay"), trained("values")
    assert replayed == built  # the first step was checked too: no warning, no fallback
    assert built != before
    net = MLP([2, 3, 1], seed=2)
    C = quadratic_cost([net(x) for x, _ in data], [y for _, y in data]).data
    fourth_powers = [(y[0] - net(x)[0].data) ** 4 for x, y in data]
    assert C == pytest.approx(sum(fourth_powers) / len(data), rel=1e-12)


def test_an_output_a_cost_refuses_is_refused_under_both_engines(bits):
    """A Cost's check_output holds in the replay engine too, after its first, checked step."""

    class CappedCost(QuadraticCost):
        name = "capped"

        def check_output(self, a_j, i, j):
            if a_j > 0.9:
                raise ValueError(f"a_{j + 1} = {a_j!r} of example {i + 1} is above 0.9")

    capped = CappedCost()
    outcomes, nets = [], []
    for engine in ("replay", "values"):
        nets.append(MLP([1, 1], seed=0))  # a = sigma(w x + b) rises towards y = 1, past 0.9
        with pytest.raises(TrainingDiverged, match="above 0.9") as caught:
            train(nets[-1], [([1.0], [1.0])] * 4, epochs=5, batch_size=1, eta=5.0, cost=capped,
                  progress=False, engine=engine)
        outcomes.append((str(caught.value), bits(p.data for p in nets[-1].parameters())))
    assert outcomes[0] == outcomes[1]
    assert "epoch 2" in outcomes[0][0]  # replayed steps came first
    replay = choose_engine(nets[0], capped, "replay")
    assert replay.fallbacks == 1 and replay.disabled is None  # the refused step went to values


# ---------------------------------------------------------------- errors alike


@pytest.mark.parametrize(
    "data, eta, epochs, batch_size",
    [
        ([([1.0], [2.0]), ([2.0], [-1.0]), ([-1.5], [0.5])], 1e200, 3, 1),  # C overflows
        ([([1.0], [2.0]), ([2.0], [-1.0]), ([-1.5], [0.5])], 1e308, 1, 3),  # the update does
        ([([1.0], [0.0]), ([3.0], [1.0])], 4.0, 2000, 2),  # grows until C overflows
    ],
)
def test_divergence_is_the_same_under_both_engines(data, eta, epochs, batch_size, linear_net,
                                                   bits):
    outcomes = []
    for engine in ("replay", "values"):
        net = linear_net()
        with pytest.raises(TrainingDiverged) as caught:
            train(net, data, epochs=epochs, batch_size=batch_size, eta=eta, seed=0,
                  progress=False, engine=engine)
        outcomes.append((str(caught.value), bits(p.data for p in net.parameters())))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("other", ["replay", "torch"])
def test_saturated_cross_entropy_stops_training_alike_under_both_engines(other):
    # a huge weight saturates the sigmoid output to exactly 1.0: ln(1 - a) is undefined
    if other == "torch":
        pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    messages = []
    for engine in (other, "values"):
        net = MLP([1, 1], "sigmoid", seed=0)
        net.layers[0].neurons[0].w[0].data = 1e3
        with pytest.raises(TrainingDiverged) as caught:
            train(net, [([1.0], [1.0])], epochs=1, batch_size=1, eta=0.1,
                  cost=cross_entropy_cost, progress=False, engine=engine)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "cross-entropy needs outputs strictly between 0 and 1" in messages[0]
    assert "epoch 1, batch 1" in messages[0]


def test_a_cost_that_overflows_only_when_the_examples_are_added_up(linear_net, bits):
    # each example's (y - a)^2 is about 1.4e308, finite; their sum is not
    outcomes = []
    for engine in ("replay", "values"):
        net = linear_net()
        net.layers[0].neurons[0].w[0].data = 1.2e154
        net.layers[0].neurons[0].b.data = 0.0
        with pytest.raises(TrainingDiverged) as caught:
            train(net, [([1.0], [0.0]), ([-1.0], [0.0])], epochs=1, batch_size=2, eta=0.1,
                  seed=0, progress=False, engine=engine)
        outcomes.append((str(caught.value), bits(p.data for p in net.parameters())))
    assert outcomes[0] == outcomes[1]
    assert "= inf: the result is beyond the largest float" in outcomes[0][0]


def test_an_evaluation_that_overflows_only_when_the_examples_are_added_up(linear_net, bits):
    # steps of one example are fine; C over both examples, after the epoch, is not
    outcomes = []
    for engine in ("replay", "values"):
        net = linear_net()
        net.layers[0].neurons[0].w[0].data = 1.2e154
        net.layers[0].neurons[0].b.data = 0.0
        with pytest.raises(TrainingDiverged) as caught:
            train(net, [([1.0], [0.0]), ([-1.0], [0.0])], epochs=1, batch_size=1, eta=1e-300,
                  seed=0, progress=False, engine=engine)
        outcomes.append((str(caught.value), bits(p.data for p in net.parameters())))
    assert outcomes[0] == outcomes[1]
    assert "after this step C overflows" in outcomes[0][0]


# ---------------------------------------------------------------- checked, kept, let go


@pytest.mark.parametrize("method", ["_replay", "_replay_forward"])
def test_a_replay_that_disagrees_with_values_warns_and_steps_aside(monkeypatch, state, method):
    """The first step and evaluation are checked against the values engine: a wrong C is caught."""
    replay = getattr(ReplayEngine, method)

    def off_by_one_ulp(self, *args):
        C, rest = replay(self, *args)
        return C * (1.0 + 2.0**-52), rest

    monkeypatch.setattr(ReplayEngine, method, off_by_one_ulp)
    data = moons(n=30, seed=2)
    kwargs = dict(epochs=2, batch_size=4, eta=0.5, seed=3, progress=False)
    net = MLP([2, 4, 1], seed=1)
    with pytest.warns(RuntimeWarning, match="differs from the values engine's"):
        replayed = state(net, train(net, data, engine="replay", **kwargs))
    net = MLP([2, 4, 1], seed=1)
    assert replayed == state(net, train(net, data, engine="values", **kwargs))


def test_training_in_several_calls_records_once_unless_the_net_changes(no_fallback, state):
    data = moons(n=40, seed=5)
    kwargs = dict(iterations=3, batch_size=5, eta=0.5, progress=False)
    nets = {engine: MLP([2, 4, 3, 1], seed=2) for engine in ("replay", "values")}
    results = {engine: [] for engine in nets}
    replays = []
    for call in range(4):
        if call == 2:  # a different sigma, and a new Value for a weight: record again
            for net in nets.values():
                net.layers[0].neurons[1].activation = "tanh"
                w = net.layers[1].neurons[0].w
                w[2] = type(w[2])(w[2].data)
        for engine, net in nets.items():
            history = train(net, data, seed=call, engine=engine, **kwargs)
            results[engine].append(state(net, history))
        replays.append(choose_engine(nets["replay"], quadratic_cost, "auto"))
    assert replays[0] is replays[1] and replays[2] is replays[3]
    assert replays[1] is not replays[2]
    assert results["replay"] == results["values"]


def test_a_replay_does_not_keep_its_net_alive():
    import gc
    import weakref

    net = MLP([2, 3, 1], seed=0)
    train(net, moons(n=10, seed=0), epochs=1, batch_size=5, eta=0.1, progress=False)
    gone = weakref.ref(net)
    del net
    gc.collect()
    assert gone() is None


# ---------------------------------------------------------------- checked on a few examples


def test_replay_is_checked_against_values_on_a_few_examples_not_all_the_data(monkeypatch):
    """The values engine does the check's examples only: SAMPLE of them, once per tape."""
    from nn.training.engines import SAMPLE

    sizes = []
    for method in ("gradient", "evaluate"):
        original = getattr(ValuesEngine, method)

        def counting(self, data, original=original, method=method):
            sizes.append((method, len(data)))
            return original(self, data)

        monkeypatch.setattr(ValuesEngine, method, counting)
    data = moons(n=120, seed=1)
    net = MLP([2, 4, 1], seed=0)
    train(net, data, epochs=2, batch_size=40, eta=0.5, seed=0, test_data=data[:30],
          progress=False, engine="replay")
    assert sizes == [("gradient", SAMPLE), ("evaluate", SAMPLE)]
    engine = choose_engine(net, quadratic_cost, "replay")
    assert engine.checked == {"gradient": True, "evaluate": True, "outputs": False}
    assert engine.fallbacks == 0 and engine.disabled is None


def test_a_check_that_replay_cannot_be_sure_of_waits_for_the_next_step(bits):
    """Saturated first examples: replay leaves them to values, and checks on later ones."""
    net = MLP([1, 1], seed=0)
    net.layers[0].neurons[0].w[0].data = 1e3  # x = 1 saturates the sigmoid: a = 1.0
    saturated = [([1.0], [1.0])] * 3
    fine = [([-1e-3], [1.0]), ([2e-3], [0.0]), ([1e-3], [1.0])]
    engine = ReplayEngine(net, cross_entropy_cost)
    with pytest.raises(ValueError, match="cross-entropy needs outputs strictly between 0 and 1"):
        engine.gradient(saturated)
    assert engine.checked["gradient"] is False and engine.fallbacks == 1
    C = engine.gradient(fine)
    assert engine.checked["gradient"] is True and engine.disabled is None
    replayed = bits([C, *(p.grad for p in net.parameters())])
    built = ValuesEngine(net, cross_entropy_cost).gradient(fine)
    assert replayed == bits([built, *(p.grad for p in net.parameters())])


# ---------------------------------------------------------------- evaluation and outputs


def test_evaluate_replays_a_forward_pass_by_default(no_fallback, bits):
    """nn.evaluate (and so `deltagrad evaluate`) replays: the values engine's floats."""
    net = MLP([2, 5, 3], seed=2)
    data = random_data(random.Random(1), 40, 2, 3, classes=True)
    replayed = evaluate(net, data)
    engine = choose_engine(net, quadratic_cost, "auto")
    assert engine.forward_tape is not None and engine.tape is None  # forward only, no backward
    built = evaluate(net, data, engine="values")
    assert bits([replayed[0]]) == bits([built[0]]) and replayed[1] == built[1]


def test_the_values_engine_evaluates_one_example_at_a_time():
    """C over the data is a sum over the examples: no graph of all of them at once."""
    import gc

    from autodiff import Value

    alive = []

    class Watched(QuadraticCost):
        name = "watched"

        def terms(self, a, y, i=0):
            alive.append(sum(type(o) is Value for o in gc.get_objects()))
            return super().terms(a, y, i)

    net = MLP([2, 3, 1], seed=0)
    data = moons(n=60, seed=0)
    C, _ = ValuesEngine(net, Watched()).evaluate(data)
    assert max(alive) - min(alive) < 60  # one example's graph is 38 Values; 60 are 2,280
    assert C == quadratic_cost([net(x) for x, _ in data], [y for _, y in data]).data


@pytest.mark.parametrize("Engine", [ValuesEngine, ReplayEngine])
def test_outputs_are_a_L_of_each_input(Engine, bits):
    net = MLP([3, 4, 2], ["tanh", "sigmoid"], seed=1)
    rng = random.Random(2)
    xs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(25)]
    outputs = Engine(net, quadratic_cost).outputs(xs)
    assert [bits(a) for a in outputs] == [bits(a_j.data for a_j in net(x)) for x in xs]


@pytest.mark.parametrize("Engine", [ValuesEngine, ReplayEngine])
@pytest.mark.parametrize("xs, error, message", [
    ([[1.0, 2.0]], ValueError, r"xs\[0\] must be a list of 3 numbers, got 2"),
    ([[1.0, 2.0, float("nan")]], ValueError, r"xs\[0\]\[2\] must be a finite number, got nan"),
    ([], ValueError, "xs must be a list of lists of 3 numbers, got none"),
    ("abc", TypeError, "xs must be a list of lists of 3 numbers, got str"),
])
def test_outputs_refuse_bad_inputs_naming_them(Engine, xs, error, message):
    net = MLP([3, 2], seed=0)  # (a replay engine does not keep its net alive)
    with pytest.raises(error, match=message):
        Engine(net, quadratic_cost).outputs(xs)


def test_metrics_outputs_replay_where_they_can(no_fallback):
    from nn.training.metrics import outputs

    net = MLP([2, 3, 1], seed=4)
    xs = [[0.1 * k, -0.2 * k] for k in range(10)]
    assert outputs(net, xs) == outputs(net, xs, engine="values")
    assert choose_engine(net, quadratic_cost, "auto").outputs_tape is not None


# ---------------------------------------------------------------- the collector


def test_training_and_evaluating_pause_the_collector_and_restore_it(small_data):
    import gc

    seen = []
    net = MLP([2, 3, 1], seed=0)
    was = gc.isenabled()
    gc.enable()
    try:
        train(net, small_data(12), epochs=2, batch_size=4, eta=0.5, progress=False,
              on_epoch=lambda history: seen.append(gc.isenabled()))
        assert seen == [False, False] and gc.isenabled()
        with pytest.raises(TrainingDiverged):
            train(MLP([1, 1], "linear", seed=0), [([1.0], [2.0]), ([2.0], [-1.0])], epochs=3,
                  batch_size=1, eta=1e200, progress=False)
        assert gc.isenabled()
        gc.disable()  # a caller who turned it off keeps it off
        train(net, small_data(12), epochs=1, batch_size=4, eta=0.5, progress=False)
        evaluate(net, small_data(12), engine="values")
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


# ---------------------------------------------------------------- wide networks


def test_a_tape_compiled_in_pieces_trains_bit_for_bit_as_values(monkeypatch, no_fallback, state):
    import autodiff.replay.codegen

    monkeypatch.setattr(autodiff.replay.codegen, "PIECE_LINES", 40)
    rng = random.Random(5)
    data = random_data(rng, 12, 9, 3, classes=True)
    kwargs = dict(epochs=2, batch_size=5, eta=0.5, seed=2, test_data=data[:4], progress=False)
    results, nets = {}, {}
    for engine in ("replay", "values"):
        nets[engine] = MLP([9, 8, 3], seed=3)
        results[engine] = state(nets[engine], train(nets[engine], data, engine=engine, **kwargs))
    assert results["replay"] == results["values"]
    replay = choose_engine(nets["replay"], quadratic_cost, "replay")
    assert "def replay_3(" in replay.tape.source and "def replay_3(" in replay.forward_tape.source
