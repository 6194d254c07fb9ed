"""nn.model.layers: the lecture's MLP, checked from the outside.

Gradients are compared with central finite differences computed here, never
with numbers produced by the code under test; the delta check recomputes the
network from layer l's z onwards with plain floats.
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from autodiff import Value
from nn.model.costs import cross_entropy_cost, quadratic_cost
from nn.model.layers import ACTIVATIONS, INITS, MLP, Layer, node_label

EPS = 1e-6

# plain-float sigma for each activation, independent of autodiff
SIGMA = {
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(0.0, z),
    "linear": lambda z: z,
}
SIGMA_PRIME = {
    "sigmoid": lambda z: SIGMA["sigmoid"](z) * (1.0 - SIGMA["sigmoid"](z)),
    "tanh": lambda z: 1.0 - math.tanh(z) ** 2,
    "relu": lambda z: 1.0 if z > 0 else 0.0,
    "linear": lambda z: 1.0,
}


def random_batch(sizes, n, seed, *, unit_targets=False):
    rng = random.Random(seed)
    xs = [[rng.uniform(-1.0, 1.0) for _ in range(sizes[0])] for _ in range(n)]
    if unit_targets:
        ys = [[rng.uniform(0.05, 0.95) for _ in range(sizes[-1])] for _ in range(n)]
    else:
        ys = [[rng.uniform(-1.0, 1.0) for _ in range(sizes[-1])] for _ in range(n)]
    return xs, ys


def cost_value(net, xs, ys, cost):
    return cost([net(x) for x in xs], ys)


def relu_margin(net, xs):
    """The smallest |z| over every relu node and example: finite differences need it > EPS."""
    margin = math.inf
    for x in xs:
        net(x)
        for layer in net.layers:
            if layer.activation == "relu":
                margin = min(margin, *(abs(z.data) for z in layer.z))
    return margin


def net_away_from_kinks(sizes, activation, output_activation, xs):
    """The first seeded net whose relu nodes all stay clearly away from z = 0 on xs."""
    for seed in range(100):
        net = MLP(sizes, activation, seed, output_activation=output_activation)
        if relu_margin(net, xs) > 1e-3:
            return net
    raise AssertionError("no seed keeps the relu nodes away from their kink")


def assert_close(numeric, analytic, what):
    tol = 1e-6 + 1e-5 * max(abs(numeric), abs(analytic))
    assert abs(numeric - analytic) <= tol, f"{what}: finite differences {numeric}, grad {analytic}"


# ---------------------------------------------------------------- gradients

SHAPES = [[1, 1], [2, 3, 1], [3, 4, 4, 2], [2, 5, 3]]
CASES = [
    ("sigmoid", None, quadratic_cost),
    ("sigmoid", None, cross_entropy_cost),
    ("tanh", None, quadratic_cost),
    ("tanh", "sigmoid", cross_entropy_cost),
    ("relu", "linear", quadratic_cost),
    ("relu", "sigmoid", quadratic_cost),
    ("sigmoid", "linear", quadratic_cost),
]
GRID = [(sizes, *case) for sizes in SHAPES for case in CASES]
GRID.append(([3, 4, 4, 2], ["tanh", "relu", "sigmoid"], None, quadratic_cost))


@pytest.mark.parametrize("sizes, activation, output_activation, cost", GRID,
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_parameter_gradient_matches_central_differences(
    sizes, activation, output_activation, cost
):
    xs, ys = random_batch(sizes, n=3, seed=len(sizes), unit_targets=cost is cross_entropy_cost)
    net = net_away_from_kinks(sizes, activation, output_activation, xs)
    C = cost_value(net, xs, ys, cost)
    net.zero_grad()
    C.backward()
    params = net.parameters()
    assert len(params) == sum(n * (m + 1) for m, n in zip(sizes, sizes[1:]))
    for p in params:
        original = p.data
        p.data = original + EPS
        c_plus = cost_value(net, xs, ys, cost).data
        p.data = original - EPS
        c_minus = cost_value(net, xs, ys, cost).data
        p.data = original
        assert_close((c_plus - c_minus) / (2 * EPS), p.grad, p.label)


def test_gradients_flow_into_input_values():
    net = MLP([3, 4, 2], "tanh", seed=3)
    x = [Value(0.3), Value(-0.7), Value(1.1)]
    y = [0.2, 0.9]
    C = quadratic_cost([net(x)], [y])
    C.backward()
    plain = [v.data for v in x]
    for k, x_k in enumerate(x):
        up, down = list(plain), list(plain)
        up[k] += EPS
        down[k] -= EPS
        numeric = (quadratic_cost([net(up)], [y]).data
                   - quadratic_cost([net(down)], [y]).data) / (2 * EPS)
        assert_close(numeric, x_k.grad, f"x_{k + 1}")
    assert any(v.grad != 0.0 for v in x)


def test_input_values_are_used_as_given():
    net = MLP([2, 2, 1], seed=0)
    x = [Value(0.5), Value(-0.5)]
    net(x)
    first = net.layer(2).neurons[0]
    # z_1^2 = w_11 x_1 + w_12 x_2 + b_1, recomputed by hand
    expected = first.w[0].data * 0.5 + first.w[1].data * -0.5 + first.b.data
    assert net.layer(2).z[0].data == pytest.approx(expected, rel=1e-15)
    C = quadratic_cost([net(x)], [[1.0]])
    C.backward()
    assert x[0].grad != 0.0 and x[1].grad != 0.0


# ---------------------------------------------------------------- delta_j^l


def plain_forward_from(net, l, z_l):
    """a^L computed with plain floats from layer l's z^l onwards (weights read as numbers)."""
    layer = net.layer(l)
    a = [SIGMA[layer.activation](z) for z in z_l]
    for later in net.layers[l - 1:]:
        act = SIGMA[later.activation]
        a = [act(sum(w.data * a_k for w, a_k in zip(neuron.w, a)) + neuron.b.data)
             for neuron in later.neurons]
    return a


def plain_cost(a, y, cost):
    if cost is quadratic_cost:
        return 0.5 * sum((y_j - a_j) ** 2 for a_j, y_j in zip(a, y))
    return -sum(y_j * math.log(a_j) + (1 - y_j) * math.log(1 - a_j) for a_j, y_j in zip(a, y))


@pytest.mark.parametrize("sizes, activation, output_activation, cost", [
    ([2, 3, 1], "sigmoid", None, quadratic_cost),
    ([3, 4, 4, 2], "sigmoid", None, quadratic_cost),
    ([3, 4, 4, 2], "tanh", "linear", quadratic_cost),
    ([3, 5, 3, 2], "relu", "sigmoid", cross_entropy_cost),
    ([2, 4, 3], "sigmoid", None, cross_entropy_cost),
], ids=str)
def test_delta_is_dC_dz_by_central_differences(sizes, activation, output_activation, cost):
    xs, ys = random_batch(sizes, n=1, seed=11, unit_targets=True)
    x, y = xs[0], ys[0]
    net = net_away_from_kinks(sizes, activation, output_activation, xs)
    C = cost([net(x)], [y])
    net.zero_grad()
    C.backward()
    # the plain-float forward from z^l must reproduce the network's own C
    L = len(sizes)
    z_L1 = [z.data for z in net.layer(2).z]
    assert plain_cost(plain_forward_from(net, 2, z_L1), y, cost) == pytest.approx(C.data, rel=1e-12)
    for l in range(2, L + 1):
        layer = net.layer(l)
        z_l = [z.data for z in layer.z]
        for j in range(len(layer)):
            up, down = list(z_l), list(z_l)
            up[j] += EPS
            down[j] -= EPS
            numeric = (plain_cost(plain_forward_from(net, l, up), y, cost)
                       - plain_cost(plain_forward_from(net, l, down), y, cost)) / (2 * EPS)
            assert_close(numeric, layer.z[j].grad, f"delta_{j + 1}^{l}")


def test_output_delta_is_the_lectures_equation_1():
    # delta_j^L = (a_j^L - y_j) sigma'(z_j^L) for the quadratic cost of one example
    net = MLP([2, 3, 2], seed=5)
    x, y = [0.4, -0.9], [1.0, 0.0]
    C = quadratic_cost([net(x)], [y])
    C.backward()
    out = net.layer(3)
    for j in range(2):
        z, a = out.z[j].data, out.a[j].data
        assert out.z[j].grad == pytest.approx((a - y[j]) * SIGMA_PRIME["sigmoid"](z), rel=1e-12)


def test_layers_keep_the_last_examples_z_and_a():
    net = MLP([2, 3, 2], seed=1)
    net([0.1, 0.2])
    a_L = net([-0.3, 0.8])
    assert net.layer(3).a == a_L
    first = net.layer(2).neurons[1]
    z = first.w[0].data * -0.3 + first.w[1].data * 0.8 + first.b.data
    assert net.layer(2).z[1].data == pytest.approx(z, rel=1e-15)
    assert net.layer(2).a[1].data == pytest.approx(SIGMA["sigmoid"](z), rel=1e-15)


# ---------------------------------------------------------------- labels


def test_every_value_is_labelled_in_lecture_notation():
    net = MLP([2, 3, 2], seed=0)
    x = [Value(0.5, label="a_1^1"), 0.25]
    net(x)
    for i, layer in enumerate(net.layers):
        l = i + 2
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                assert w.label == f"w_{j + 1}{k + 1}^{l}"
            assert neuron.b.label == f"b_{j + 1}^{l}"
            assert layer.z[j].label == f"z_{j + 1}^{l}"
            assert layer.a[j].label == f"a_{j + 1}^{l}"


def test_inputs_given_as_numbers_are_labelled_a_k_1():
    net = MLP([3, 1], seed=0)
    net([1.0, 2.0, 3.0])
    z = net.layer(2).z[0]
    labels = set()
    stack = [z]
    while stack:
        v = stack.pop()
        labels.add(v.label)
        stack.extend(v.parents)
    assert {"a_1^1", "a_2^1", "a_3^1"} <= labels


def test_linear_output_is_its_z():
    net = MLP([2, 2], output_activation="linear", seed=0)
    net([0.3, 0.4])
    assert net.layer(2).a[0] is net.layer(2).z[0]


def test_labels_stay_unambiguous_beyond_nine():
    assert node_label("w", 2, 0, 1) == "w_12^2"
    assert node_label("w", 2, 0, 11) == "w_1,12^2"
    assert node_label("w", 2, 11, 0) == "w_12,1^2"
    net = MLP([12, 1], seed=0)
    assert net.layer(2).neurons[0].w[11].label == "w_1,12^2"


# ---------------------------------------------------------------- initialisation


def weights(net):
    return [p.data for p in net.parameters()]


@pytest.mark.parametrize("init", INITS)
def test_same_seed_gives_bit_identical_weights(init):
    a = MLP([3, 5, 2], seed=7, init=init)
    b = MLP([3, 5, 2], seed=7, init=init)
    assert [w.hex() for w in weights(a)] == [w.hex() for w in weights(b)]
    assert net_output(a) == net_output(b)


def net_output(net):
    return [v.data for v in net([0.1, -0.2, 0.3])]


def test_different_seeds_give_different_weights():
    a, b = weights(MLP([3, 5, 2], seed=1)), weights(MLP([3, 5, 2], seed=2))
    assert sum(x != y for x, y in zip(a, b)) == len(a)


def test_normal_init_is_standard_normal():
    net = MLP([200, 50, 1], seed=0, init="normal")
    w = [w.data for neuron in net.layer(2).neurons for w in neuron.w]  # 10000 weights
    # sd of the sample sd is about 1/sqrt(2N) = 0.7%: 5% is loose, 1/sqrt(200) far away
    assert statistics.stdev(w) == pytest.approx(1.0, rel=0.05)
    assert abs(statistics.fmean(w)) < 4 / math.sqrt(len(w))


@pytest.mark.parametrize("sizes, l, m", [([400, 40, 3], 2, 400), ([3, 50, 400], 3, 50)], ids=str)
def test_scaled_init_has_spread_one_over_sqrt_fan_in(sizes, l, m):
    layer = MLP(sizes, seed=1, init="scaled").layer(l)
    w = [w.data for neuron in layer.neurons for w in neuron.w]
    assert all(len(neuron.w) == m for neuron in layer.neurons)
    assert len(w) >= 16000
    sd = statistics.stdev(w)
    assert sd * math.sqrt(m) == pytest.approx(1.0, rel=0.05)
    assert abs(statistics.fmean(w)) < 4 / math.sqrt(m) / math.sqrt(len(w))
    # roughly Gaussian: about 68% within one sd
    inside = sum(abs(v) < 1 / math.sqrt(m) for v in w) / len(w)
    assert 0.65 < inside < 0.71
    # biases stay N(0, 1): their spread is not shrunk with the fan-in
    b = [neuron.b.data for neuron in layer.neurons]
    assert 0.6 < statistics.stdev(b) < 1.4


def test_scaled_and_normal_differ_by_the_fan_in():
    normal = MLP([100, 30, 1], seed=3, init="normal")
    scaled = MLP([100, 30, 1], seed=3, init="scaled")
    ws = [w.data for n in normal.layer(2).neurons for w in n.w]
    wsc = [w.data for n in scaled.layer(2).neurons for w in n.w]
    ratio = statistics.stdev(ws) / statistics.stdev(wsc)
    assert ratio == pytest.approx(10.0, rel=0.1)


def test_unknown_init_is_refused():
    with pytest.raises(ValueError, match="xavier"):
        MLP([2, 1], init="xavier")


# ---------------------------------------------------------------- structure


def test_output_is_a_list_also_for_one_output():
    out = MLP([2, 1], seed=0)([0.5, 0.5])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    out = MLP([2, 3, 4], seed=0)([0.5, 0.5])
    assert isinstance(out, list) and len(out) == 4
    assert all(0.0 < a.data < 1.0 for a in out)


def test_parameters_order_and_count():
    sizes = [3, 4, 2]
    net = MLP(sizes, seed=0)
    params = net.parameters()
    assert len(params) == 4 * (3 + 1) + 2 * (4 + 1)
    expected = []
    for layer in net.layers:
        for neuron in layer.neurons:
            expected += [*neuron.w, neuron.b]
    assert all(p is q for p, q in zip(params, expected))
    assert len({id(p) for p in params}) == len(params)
    labels = [p.label for p in params]
    assert labels[:5] == ["w_11^2", "w_12^2", "w_13^2", "b_1^2", "w_21^2"]


def test_parameters_end_with_the_last_neurons_bias():
    net = MLP([3, 4, 2], seed=0)
    labels = [p.label for p in net.parameters()]
    assert labels[-5:] == ["w_21^3", "w_22^3", "w_23^3", "w_24^3", "b_2^3"]
    assert labels[16:21] == ["w_11^3", "w_12^3", "w_13^3", "w_14^3", "b_1^3"]


def test_zero_grad_clears_every_parameter():
    net = MLP([2, 3, 1], seed=0)
    C = quadratic_cost([net([0.3, 0.6])], [[1.0]])
    C.backward()
    assert sum(p.grad != 0.0 for p in net.parameters()) > 5
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


def test_gradients_accumulate_until_zero_grad():
    net = MLP([2, 3, 1], seed=0)
    quadratic_cost([net([0.3, 0.6])], [[1.0]]).backward()
    once = [p.grad for p in net.parameters()]
    quadratic_cost([net([0.3, 0.6])], [[1.0]]).backward()
    assert [p.grad for p in net.parameters()] == pytest.approx([2 * g for g in once])
    net.zero_grad()
    quadratic_cost([net([0.3, 0.6])], [[1.0]]).backward()
    assert [p.grad for p in net.parameters()] == pytest.approx(once)


def test_layer_uses_lecture_numbering():
    net = MLP([3, 4, 5, 2], seed=0)
    for l in (2, 3, 4):
        assert net.layer(l) is net.layers[l - 2]
        assert isinstance(net.layer(l), Layer)
    assert len(net.layer(2)) == 4 and len(net.layer(4)) == 2
    assert all(len(n.w) == 5 for n in net.layer(4).neurons)


@pytest.mark.parametrize("l", [1, 0, -1, 5, 2.0, "2", None])
def test_layer_out_of_range_is_refused(l):
    net = MLP([3, 4, 5, 2], seed=0)
    with pytest.raises(ValueError, match="L = 4"):
        net.layer(l)


def test_repr_shows_sizes_activations_and_parameter_count():
    net = MLP([3, 4, 2], "tanh", seed=0, output_activation="linear")
    text = repr(net)
    assert "[3, 4, 2]" in text
    assert "tanh" in text and "linear" in text
    assert str(4 * 4 + 2 * 5) in text
    assert "4" in repr(net.layer(2)) and "tanh" in repr(net.layer(2))


def test_activation_per_layer():
    net = MLP([2, 3, 3, 1], ["relu", "tanh", "linear"], seed=0)
    assert [layer.activation for layer in net.layers] == ["relu", "tanh", "linear"]
    net = MLP([2, 3, 1], "tanh", output_activation="sigmoid", seed=0)
    assert [layer.activation for layer in net.layers] == ["tanh", "sigmoid"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation_computes_its_sigma(name):
    net = MLP([1, 1], name, seed=4)
    (a,) = net([0.7])
    neuron = net.layer(2).neurons[0]
    z = neuron.w[0].data * 0.7 + neuron.b.data
    assert a.data == pytest.approx(SIGMA[name](z), rel=1e-14, abs=1e-300)


# ---------------------------------------------------------------- bad input


def test_wrong_number_of_inputs_names_both_numbers():
    net = MLP([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"3.*5|5.*3"):
        net([1.0] * 5)
    with pytest.raises(ValueError, match=r"3.*2|2.*3"):
        net([1.0, 2.0])
    with pytest.raises(ValueError, match=r"3.*0|0.*3"):
        net([])


@pytest.mark.parametrize("x", [
    ["a", 1.0, 2.0], [1.0, None, 2.0], [1.0, 2.0, [3.0]], [True, 0.0, 1.0], "abc", 3.0, None,
], ids=repr)
def test_non_numeric_inputs_are_a_type_error(x):
    net = MLP([3, 1], seed=0)
    with pytest.raises(TypeError):
        net(x)


def test_type_error_names_the_bad_input():
    with pytest.raises(TypeError, match="input 2.*'oops'"):
        MLP([3, 1], seed=0)([1.0, "oops", 2.0])


@pytest.mark.parametrize("sizes", [[3], [], [3, 0, 1], [3, 2, 0], [0, 2], [3, -2, 1], [-1, 1]],
                         ids=str)
def test_bad_sizes_are_a_value_error(sizes):
    with pytest.raises(ValueError):
        MLP(sizes)


def test_bad_size_message_names_the_layer():
    with pytest.raises(ValueError, match="layer 2.*-2"):
        MLP([3, -2, 1])


@pytest.mark.parametrize("sizes", [[2.5, 1], ["2", 1], "2,1", 3], ids=repr)
def test_non_integer_sizes_are_refused(sizes):
    with pytest.raises((TypeError, ValueError)):
        MLP(sizes)


@pytest.mark.parametrize("kwargs", [
    {"activation": "softmax"},
    {"activation": "Sigmoid"},
    {"output_activation": "softmax"},
    {"activation": ["tanh", "softmax"]},
])
def test_unknown_activation_is_a_value_error_naming_it(kwargs):
    with pytest.raises(ValueError, match="(?i)softmax|Sigmoid"):
        MLP([2, 3, 1], **kwargs)


def test_activation_list_of_wrong_length_is_refused():
    with pytest.raises(ValueError, match="2"):
        MLP([2, 3, 1], ["tanh", "tanh", "sigmoid"])


def test_numpy_numbers_pass_as_python_numbers():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    net = MLP([np.int64(2), np.int64(3), 1], seed=0)
    assert net.sizes == [2, 3, 1] and all(type(n) is int for n in net.sizes)
    assert net.layer(np.int64(3)) is net.layers[1]
    same = MLP([2, 3, 1], seed=0)
    x = [np.float32(0.5), np.float64(-1.0)]
    assert net(x)[0].data == same([0.5, -1.0])[0].data
    assert all(type(a.data) is float for a in net.layer(2).a)


def test_a_network_takes_numpy_arrays_and_numpy_seeds():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    net, same = MLP([2, 3, 1], seed=np.int64(4)), MLP([2, 3, 1], seed=4)
    assert net.seed == 4 and type(net.seed) is int
    assert net(np.array([0.5, -1.0]))[0].data == same([0.5, -1.0])[0].data
    assert net(np.array([0.5, -1.0], dtype=np.float32))[0].data == same([0.5, -1.0])[0].data
    with pytest.raises(ValueError, match=r"shape \(2, 1\); a one-dimensional array"):
        net(np.array([[0.5], [-1.0]]))


def test_a_lone_number_for_a_one_input_network_says_to_write_a_list():
    with pytest.raises(TypeError, match=r"takes a list of 1 number, got float 0.5: write \[0.5\]"):
        MLP([1, 1], seed=0)(0.5)


def test_one_input_reads_as_english():
    with pytest.raises(ValueError, match=r"takes 1 input \(layer 1\), got 2"):
        MLP([1, 1], seed=0)([0.5, 0.1])


@pytest.mark.parametrize("seed", [1.0, True, float("nan"), "a string"], ids=repr)
def test_a_seed_that_is_not_a_whole_number_is_refused(seed):
    # Python's random would take them: nan gives other weights every time, and 1.0, True
    # (and -1) the weights of 1
    with pytest.raises(TypeError, match="seed must be a whole number"):
        MLP([2, 1], seed=seed)


def test_a_negative_seed_is_refused():
    assert MLP([2, 1], seed=1).parameters()[0].data != MLP([2, 1], seed=2).parameters()[0].data
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        MLP([2, 1], seed=-1)


@pytest.mark.parametrize("activation", [None, 3, {"sigmoid"}], ids=repr)
def test_an_activation_that_is_no_name_is_a_type_error(activation):
    with pytest.raises(TypeError, match="activation must be the name of sigma"):
        MLP([2, 3, 1], activation=activation)
    with pytest.raises(TypeError, match="an activation is the name of sigma"):
        MLP([2, 3, 1], activation=["tanh", activation])
