"""nn.lecture.formulas: the lecture's four equations on floats, against autograd, central
differences, closed forms and the published CS231n sigmoid-neuron numbers."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nn import ACTIVATIONS, COSTS, MLP, backprop, backprop_batch
from nn.lecture import formulas as F
from nn.model.activations import as_activation, sigmoid


def close(u: float, v: float, tol: float = 1e-12) -> bool:
    """Equal to 1e-12, relative to the size of the numbers (absolute below 1)."""
    return abs(u - v) <= tol * max(1.0, abs(u), abs(v))


@st.composite
def cases(draw, batch: bool = False, activations=ACTIVATIONS):
    """A random network (shape, activations, seed), a cost, and n examples for it."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    cost = draw(st.sampled_from(sorted(COSTS)))
    acts = draw(st.lists(st.sampled_from(activations), min_size=len(sizes) - 1,
                         max_size=len(sizes) - 1))
    if cost == "cross_entropy":
        acts[-1] = "sigmoid"  # cross-entropy needs outputs in (0, 1)
    net = MLP(sizes, acts, seed=draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 4)) if batch else 1
    number = st.floats(-3.0, 3.0, allow_nan=False)
    target = st.floats(0.0, 1.0) if cost == "cross_entropy" else st.floats(-2.0, 2.0)
    xs = draw(st.lists(st.lists(number, min_size=sizes[0], max_size=sizes[0]),
                       min_size=n, max_size=n))
    ys = draw(st.lists(st.lists(target, min_size=sizes[-1], max_size=sizes[-1]),
                       min_size=n, max_size=n))
    return net, xs, ys, cost


def autograd(net, xs, ys, cost):
    """C, and the grads C.backward() leaves in z, b and w (z: the last example's)."""
    net.zero_grad()
    C = COSTS[cost]([net(x) for x in xs], ys)
    C.backward()
    return C


# ---------------------------------------------------------------- against autograd


@settings(max_examples=150, deadline=None)
@given(cases())
def test_one_example_agrees_with_autograd(case):
    net, (x,), (y,), cost = case
    try:
        C = autograd(net, [x], [y], cost)
    except ValueError:  # cross-entropy of a saturated output: the formulas must refuse it too
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            backprop(net, x, y, cost)
        return
    result = backprop(net, x, y, cost)
    assert close(result.C, C.data)
    assert result.a[1] == x
    for l, layer in enumerate(net.layers, start=2):
        for j, neuron in enumerate(layer.neurons):
            assert result.z[l][j] == layer.z[j].data  # same sums in the same order
            assert result.a[l][j] == layer.a[j].data
            assert close(result.delta[l][j], layer.z[j].grad)
            assert close(result.grad_b[l][j], neuron.b.grad)
            for k, w in enumerate(neuron.w):
                assert close(result.grad_w[l][j][k], w.grad)


@settings(max_examples=100, deadline=None)
@given(cases(batch=True))
def test_batch_agrees_with_autograd_of_the_batch_cost(case):
    net, xs, ys, cost = case
    try:
        C = autograd(net, xs, ys, cost)
    except ValueError:
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            backprop_batch(net, xs, ys, cost)
        return
    result = backprop_batch(net, xs, ys, cost)
    assert close(result.C, C.data)
    assert len(result.examples) == len(xs)
    for l, layer in enumerate(net.layers, start=2):
        for j, neuron in enumerate(layer.neurons):
            assert close(result.grad_b[l][j], neuron.b.grad)
            for k, w in enumerate(neuron.w):
                assert close(result.grad_w[l][j][k], w.grad)


def test_batch_is_the_mean_of_the_examples():
    net = MLP([2, 3, 2], seed=4)
    xs, ys = [[0.5, 0.1], [-1.0, 2.0], [0.3, 0.3]], [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    batch = backprop_batch(net, xs, ys)
    alone = [backprop(net, x, y) for x, y in zip(xs, ys)]
    assert close(batch.C, sum(r.C for r in alone) / 3)
    assert close(batch.grad_w[2][1][0], sum(r.grad_w[2][1][0] for r in alone) / 3)
    assert close(batch.grad_b[3][1], sum(r.grad_b[3][1] for r in alone) / 3)


# ---------------------------------------------------------------- against central differences


def cost_of(net, x, y, cost):
    """C by the engine's forward pass alone: no derivative of any kind."""
    return COSTS[cost]([net(x)], [y]).data


@settings(max_examples=40, deadline=None)
@given(cases(activations=("sigmoid", "tanh", "linear")))  # smooth: no kink for the differences
def test_agrees_with_central_differences(case):
    net, (x,), (y,), cost = case
    try:
        cost_of(net, x, y, cost)
    except ValueError:
        return
    result = backprop(net, x, y, cost)
    if cost == "cross_entropy":
        # ln(1 - a) for a near 1 loses digits to rounding, which the differences amplify
        assume(all(1e-3 < a_j < 1 - 1e-3 for a_j in result.a[result.L]))
    eps = 1e-6
    for l, layer in enumerate(net.layers, start=2):
        for j, neuron in enumerate(layer.neurons):
            # z_j^l moves with b_j^l one for one, so this also checks delta_j^l = dC/dz_j^l
            params = [(neuron.b, result.grad_b[l][j]), (neuron.b, result.delta[l][j])]
            params += [(w, result.grad_w[l][j][k]) for k, w in enumerate(neuron.w)]
            for p, formula in params:
                p.data += eps
                up = cost_of(net, x, y, cost)
                p.data -= 2 * eps
                down = cost_of(net, x, y, cost)
                p.data += eps
                numeric = (up - down) / (2 * eps)
                assert abs(formula - numeric) <= 1e-6 + 1e-5 * abs(numeric), (l, j, formula)


# ---------------------------------------------------------------- closed forms


def test_one_sigmoid_neuron_by_hand():
    net = MLP([1, 1], seed=0)
    w, b = net.layers[0].neurons[0].w[0].data, net.layers[0].neurons[0].b.data
    x, y = 0.8, 0.3
    z = w * x + b
    a = 1 / (1 + math.exp(-z))
    delta = (a - y) * a * (1 - a)  # equation 1 with the quadratic cost
    result = backprop(net, [x], [y])
    assert close(result.a[2][0], a) and close(result.z[2][0], z)
    assert close(result.C, 0.5 * (y - a) ** 2)
    assert close(result.delta[2][0], delta)
    assert close(result.grad_w[2][0][0], x * delta)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_cross_entropy_with_sigmoid_output_gives_delta_a_minus_y(case):
    # dC/da = -(y/a - (1-y)/(1-a)) and sigma' = a(1-a): the product is a - y
    net, (x,), (y,), _ = case
    for neuron in net.layers[-1].neurons:
        neuron.activation = "sigmoid"
    try:
        result = backprop(net, x, y, "cross_entropy")
    except ValueError:
        return
    # near saturation 1 - a keeps few correct digits, in the cost and so in dC/da
    assume(all(1e-4 < a_j < 1 - 1e-4 for a_j in result.a[result.L]))
    for j, a_j in enumerate(result.a[result.L]):
        assert close(result.delta[result.L][j], a_j - y[j], 1e-9)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivatives_match_central_differences(name):
    record = as_activation(name)
    sigma, sigma_prime = record.of, record.prime
    for z in (-2.5, -0.3, 0.4, 1.7):
        numeric = (sigma(z + 1e-6) - sigma(z - 1e-6)) / 2e-6
        assert abs(sigma_prime(z) - numeric) < 1e-8


def test_cost_derivatives_match_central_differences():
    a, y = [0.3, 0.8], [1.0, 0.25]
    for name, cost in COSTS.items():
        C_x, dC_da = cost.example_cost, cost.dC_da
        for j in range(2):
            up, down = list(a), list(a)
            up[j] += 1e-6
            down[j] -= 1e-6
            numeric = (C_x(up, y) - C_x(down, y)) / 2e-6
            assert abs(dC_da(a[j], y[j]) - numeric) < 1e-7, name


# ---------------------------------------------------------------- CS231n's sigmoid neuron

# Stanford CS231n, "Backpropagation, Intuitions": f(w, x) = 1 / (1 + e^-(w0 x0 + w1 x1 + w2))
# with w = [2, -3, -3], x = [-1, -2] has f = 0.7311 (printed 0.73), and its gradients,
# printed to three decimals, are dw = [-0.197, -0.393, 0.197], dx = [0.393, -0.590].
# They are gradients of the output f itself, not of a cost.
CS231N_W, CS231N_X = [2.0, -3.0, -3.0], [-1.0, -2.0]


def cs231n_neuron() -> MLP:
    """The neuron as a [2, 1] sigmoid net: w_11^2 = w0, w_12^2 = w1, b_1^2 = w2."""
    net = MLP([2, 1], seed=0)
    neuron = net.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = CS231N_W
    return net


def test_cs231n_neuron_by_the_four_equations():
    # d(output)/d(param) is the chain of equations 1, 3, 4 started from dC/da^L = 1
    net = cs231n_neuron()
    z, a = F.forward({2: [CS231N_W[:2]]}, {2: [CS231N_W[2]]},
                     {2: [sigmoid]}, CS231N_X)
    assert round(a[2][0], 4) == 0.7311
    delta = F.output_delta([1.0], [sigmoid.prime(z[2][0])])
    dw = F.weight_gradient(CS231N_X, delta)[0] + F.bias_gradient(delta)
    assert dw == pytest.approx([-0.197, -0.393, 0.197], abs=5e-4)
    # dx: equation 2's sum without the sigma' factor (layer 1 has no sigma)
    dx = [CS231N_W[k] * delta[0] for k in range(2)]
    assert dx == pytest.approx([0.393, -0.590], abs=5e-4)
    assert net([-1.0, -2.0])[0].data == a[2][0]


def test_cs231n_neuron_through_backprop_with_unit_cost_gradient():
    # With the quadratic cost and target y = a - 1, dC/da = a - y = 1 exactly
    # (a - 1 and a - (a - 1) are exact in floating point for 0.5 <= a <= 1),
    # so dC/dw is d(output)/dw.
    net = cs231n_neuron()
    a = net(CS231N_X)[0].data
    result = backprop(net, CS231N_X, [a - 1.0])
    assert result.a[2][0] - (a - 1.0) == 1.0
    dw = result.grad_w[2][0] + result.grad_b[2]
    assert dw == pytest.approx([-0.197, -0.393, 0.197], abs=5e-4)


def test_cs231n_neuron_by_autograd():
    from autodiff import Value

    net = cs231n_neuron()
    x = [Value(v) for v in CS231N_X]
    f = net(x)[0]
    f.backward()
    neuron = net.layers[0].neurons[0]
    assert round(f.data, 4) == 0.7311
    assert [neuron.w[0].grad, neuron.w[1].grad, neuron.b.grad] == pytest.approx(
        [-0.197, -0.393, 0.197], abs=5e-4)
    assert [x[0].grad, x[1].grad] == pytest.approx([0.393, -0.590], abs=5e-4)


# ---------------------------------------------------------------- result layout


def test_fields_are_indexed_by_the_lecture_layer_number():
    net = MLP([3, 4, 2], seed=1)
    result = backprop(net, [0.1, 0.2, 0.3], [0.0, 1.0])
    assert sorted(result.z) == [2, 3] and sorted(result.a) == [1, 2, 3]
    assert sorted(result.delta) == sorted(result.grad_b) == sorted(result.grad_w) == [2, 3]
    assert [len(result.delta[l]) for l in (2, 3)] == [4, 2]
    assert len(result.grad_w[2]) == 4 and len(result.grad_w[2][0]) == 3  # w^2 is 4 x 3
    assert result.L == 3


def test_cost_can_be_given_as_function_or_name():
    from nn import cross_entropy_cost, quadratic_cost

    net = MLP([2, 2], seed=0)
    assert backprop(net, [1, 2], [1, 0], quadratic_cost) == backprop(net, [1, 2], [1, 0])
    assert backprop(net, [1, 2], [1, 0], cross_entropy_cost) == backprop(
        net, [1, 2], [1, 0], "cross_entropy")


# ---------------------------------------------------------------- bad input


def test_target_of_wrong_length():
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"y has 2 entries .* 1 output node \(layer L = 3\)"):
        backprop(net, [0.5, 0.1], [1.0, 0.0])


def test_input_of_wrong_length_or_kind():
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"x has 3 entries .* 2 input nodes"):
        backprop(net, [0.5, 0.1, 0.2], [1.0])
    with pytest.raises(TypeError, match=r"x\[1\] must be a number, got str"):
        backprop(net, [0.5, "a"], [1.0])
    with pytest.raises(ValueError, match=r"y\[0\] must be a finite number, got nan"):
        backprop(net, [0.5, 0.1], [float("nan")])
    with pytest.raises(TypeError, match="expected an nn.MLP"):
        backprop("net", [0.5, 0.1], [1.0])


def test_unknown_activation_is_named():
    # refused where the mistake is made: when the node is given it, not later by backprop
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"node 2 of layer 2 has activation 'softplus'.*'sigmoid'"):
        net.layers[0].neurons[1].activation = "softplus"


def test_unknown_cost_is_named():
    net = MLP([2, 1], seed=0)

    def hinge(outputs, targets):
        return outputs[0][0]

    with pytest.raises(ValueError, match=r"unknown cost 'hinge'.*quadratic, cross_entropy"):
        backprop(net, [0.5, 0.1], [1.0], hinge)
    with pytest.raises(ValueError, match=r"unknown cost 'mse'"):
        backprop(net, [0.5, 0.1], [1.0], "mse")


def test_cross_entropy_outside_0_1_is_refused():
    net = MLP([1, 1], output_activation="linear", seed=0)
    net.layers[0].neurons[0].b.data = 5.0
    net.layers[0].neurons[0].w[0].data = 0.0
    with pytest.raises(ValueError, match=r"strictly between 0 and 1, got a_1 = 5.0"):
        backprop(net, [1.0], [1.0], "cross_entropy")


def test_batch_bad_input():
    net = MLP([2, 1], seed=0)
    with pytest.raises(ValueError, match="2 inputs and 1 targets"):
        backprop_batch(net, [[0, 1], [1, 0]], [[1]])
    with pytest.raises(ValueError, match="empty batch"):
        backprop_batch(net, [], [])
    with pytest.raises(ValueError, match=r"example 2: y has 2 entries"):
        backprop_batch(net, [[0, 1], [1, 0]], [[1], [1, 0]])


def test_overflowing_z_is_an_error_not_inf():
    net = MLP([1, 1], seed=0)
    net.layers[0].neurons[0].w[0].data = 1e308
    with pytest.raises(OverflowError, match=r"z_1\^2"):
        backprop(net, [10.0], [1.0])


def test_numpy_numbers_pass_as_python_numbers():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    net = MLP([2, 3, 1], seed=0)
    assert backprop(net, [np.float32(0.5), np.int64(1)], [np.float64(1.0)]) == backprop(
        net, [0.5, 1.0], [1.0])
