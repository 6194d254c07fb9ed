"""nn.checking.mistakes and nn.checking.student_backprops: the catalogue, and backprops that
make each slip.

Each reference implementation is set beside an account of its slip written here
from autograd's numbers (C.backward() through the same network) and the
mistake's description, so that the catalogue's code is what its words say:
the slip where it is made, and no other difference before it.
"""

import math

import pytest
from conftest import as_lists, as_vector, autograd_numbers

from nn import MLP
from nn.checking.mistakes import MISTAKES
from nn.checking.student_backprops import (
    backprop_lists,
    backprop_numpy,
    batch_backprop_lists,
    batch_backprop_numpy,
)

ISSUE_IDS = {
    "missing_sigma_prime_output", "missing_sigma_prime_hidden", "sigma_prime_of_a",
    "error_sign", "untransposed_weights", "a_of_wrong_layer", "z_instead_of_a",
    "weight_gradient_transposed", "factor_two", "sum_not_mean",
    "cross_entropy_with_sigma_prime",
}
X, Y = [0.6, -0.4], [1.0, 0.0]
XS, YS = [[0.6, -0.4], [-0.2, 0.9], [0.5, 0.5]], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]


def numpy_or_skip():
    return pytest.importorskip("numpy", reason="the numpy implementations need numpy")


def network():
    """[2, 2, 2]: square, so that every slip gives numbers rather than a shape error."""
    return MLP([2, 2, 2], seed=1)


def parameters(net):
    return ([[[w.data for w in n.w] for n in layer.neurons] for layer in net.layers],
            [[n.b.data for n in layer.neurons] for layer in net.layers])


def run(fn, net, x, y, arrays: str):
    """fn's (nabla_b, nabla_w) as nested lists, given lists or numpy arrays."""
    weights, biases = parameters(net)
    if arrays != "lists":
        np = numpy_or_skip()
        column = arrays == "numpy-column"

        def vector(v):
            return np.array(v).reshape(-1, 1) if column else np.array(v)

        weights, biases = [np.array(W) for W in weights], [vector(b) for b in biases]
        x = [vector(v) for v in x] if isinstance(x[0], list) else vector(x)
        y = [vector(v) for v in y] if isinstance(y[0], list) else vector(y)
    nabla_b, nabla_w = fn(weights, biases, x, y)
    return [as_vector(b) for b in nabla_b], [as_lists(W) for W in nabla_w]


def assert_close(got, want, tol=1e-12):
    if isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w, tol)
    else:
        assert math.isclose(got, want, rel_tol=tol, abs_tol=tol), (got, want)


def sigmoid(t):
    return 1.0 / (1.0 + math.exp(-t))


# ---------------------------------------------------------------- the catalogue


def test_the_catalogue_has_every_mistake_the_issue_names():
    assert ISSUE_IDS <= set(MISTAKES)
    for id_, m in MISTAKES.items():
        assert m.id == id_
        assert m.description and "\n" not in m.description and len(m.description) <= 90
        assert set(m.equations) <= {1, 2, 3, 4}
        hint = m.hint(2, 3, 4)
        assert "{" not in hint and len(hint) < 400
        assert m.reference().__name__.endswith(f"backprop_with_{id_}")


def test_a_batch_mistake_has_no_one_example_form():
    with pytest.raises(ValueError, match="sum_not_mean shows only in the gradient of a batch"):
        MISTAKES["sum_not_mean"].reference(batch=False)
    assert MISTAKES["error_sign"].reference(batch=True).__name__ == \
        "batch_backprop_with_error_sign"


# ---------------------------------------------------------------- the right ones


@pytest.mark.parametrize("arrays", ["lists", "numpy", "numpy-column"])
@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
def test_without_a_slip_they_give_autograds_gradients(arrays, cost):
    net = MLP([3, 4, 2, 2], seed=5)
    fn = backprop_lists if arrays == "lists" else backprop_numpy
    want = autograd_numbers(net, [X + [0.3]], [Y], cost)
    nabla_b, nabla_w = run(lambda *a: fn(*a, cost=cost), net, X + [0.3], Y, arrays)
    assert_close(nabla_b, [want["b"][l] for l in (2, 3, 4)])
    assert_close(nabla_w, [want["w"][l] for l in (2, 3, 4)])


@pytest.mark.parametrize("arrays", ["lists", "numpy", "numpy-column"])
def test_batch_versions_give_the_mean_gradient(arrays):
    net = network()
    fn = batch_backprop_lists if arrays == "lists" else batch_backprop_numpy
    want = autograd_numbers(net, XS, YS)  # C = 1/(2n) sum ||y - a||^2 over the batch
    nabla_b, nabla_w = run(fn, net, XS, YS, arrays)
    assert_close(nabla_b, [want["b"][2], want["b"][3]])
    assert_close(nabla_w, [want["w"][2], want["w"][3]])


# ---------------------------------------------------------------- each slip, where it is made


SLIPS = ["missing_sigma_prime_output", "missing_sigma_prime_hidden", "sigma_prime_of_a",
         "error_sign", "untransposed_weights", "a_of_wrong_layer", "z_instead_of_a",
         "weight_gradient_transposed", "factor_two"]


def slip_accounts(n):
    """id -> (block, what the slip gives there), from autograd's numbers n of network()."""
    W3 = [[w.data for w in neuron.w] for neuron in network().layers[1].neurons]
    a, z, d, y = n["a"], n["z"], n["delta"], Y
    return {
        "missing_sigma_prime_output": (("b", 3), [a[3][j] - y[j] for j in range(2)]),
        "missing_sigma_prime_hidden": (("b", 2), [sum(W3[k][j] * d[3][k] for k in range(2))
                                                  for j in range(2)]),
        "sigma_prime_of_a": (("b", 3), [(a[3][j] - y[j]) * sigmoid(a[3][j])
                                        * (1 - sigmoid(a[3][j])) for j in range(2)]),
        "error_sign": (("b", 3), [(y[j] - a[3][j]) * a[3][j] * (1 - a[3][j]) for j in range(2)]),
        "untransposed_weights": (("b", 2), [sum(W3[j][k] * d[3][k] for k in range(2))
                                            * a[2][j] * (1 - a[2][j]) for j in range(2)]),
        "a_of_wrong_layer": (("w", 3), [[a[3][k] * d[3][j] for k in range(2)]
                                        for j in range(2)]),
        "z_instead_of_a": (("w", 3), [[z[2][k] * d[3][j] for k in range(2)] for j in range(2)]),
        "weight_gradient_transposed": (("w", 3), [[a[2][j] * d[3][k] for k in range(2)]
                                                  for j in range(2)]),
        "factor_two": (("b", 3), [2 * d[3][j] for j in range(2)]),
    }


def blocks_before(block):
    """The blocks the lecture computes before ``block``: ("b", 3), ("w", 3), ("b", 2), ..."""
    order = [("b", 3), ("w", 3), ("b", 2), ("w", 2)]
    return order[:order.index(block)]


@pytest.mark.parametrize("arrays", ["lists", "numpy", "numpy-column"])
@pytest.mark.parametrize("mistake", SLIPS)
def test_each_reference_makes_its_slip_and_nothing_before_it(mistake, arrays):
    net = network()
    n = autograd_numbers(net, [X], [Y])
    block, want = slip_accounts(n)[mistake]
    nabla_b, nabla_w = run(MISTAKES[mistake].reference(arrays), net, X, Y, arrays)
    got = {("b", l): nabla_b[l - 2] for l in (2, 3)} | {("w", l): nabla_w[l - 2] for l in (2, 3)}
    assert_close(got[block], want)
    for earlier in blocks_before(block):
        assert_close(got[earlier], n[earlier[0]][earlier[1]])
    with pytest.raises(AssertionError):  # and the slip shows: its block is not autograd's
        assert_close(got[block], n[block[0]][block[1]], tol=1e-6)


@pytest.mark.parametrize("arrays", ["lists", "numpy"])
def test_sign_and_factor_two_carry_through_every_layer(arrays):
    # equations 2-4 are linear in delta, so a slip of -1 or 2 at the output scales everything
    net = network()
    n = autograd_numbers(net, [X], [Y])
    for mistake, factor in (("error_sign", -1.0), ("factor_two", 2.0)):
        nabla_b, nabla_w = run(MISTAKES[mistake].reference(arrays), net, X, Y, arrays)
        assert_close(nabla_b, [[factor * v for v in n["b"][l]] for l in (2, 3)])
        assert_close(nabla_w, [[[factor * v for v in r] for r in n["w"][l]] for l in (2, 3)])


@pytest.mark.parametrize("arrays", ["lists", "numpy"])
def test_sum_not_mean_is_n_times_the_mean(arrays):
    net = network()
    n = autograd_numbers(net, XS, YS)
    nabla_b, nabla_w = run(MISTAKES["sum_not_mean"].reference(arrays), net, XS, YS, arrays)
    assert_close(nabla_b, [[3 * v for v in n["b"][l]] for l in (2, 3)])
    assert_close(nabla_w, [[[3 * v for v in r] for r in n["w"][l]] for l in (2, 3)])


@pytest.mark.parametrize("arrays", ["lists", "numpy"])
def test_cross_entropy_with_sigma_prime_multiplies_by_it_again(arrays):
    net = network()
    n = autograd_numbers(net, [X], [Y], "cross_entropy")  # delta^L = a - y
    nabla_b, _ = run(MISTAKES["cross_entropy_with_sigma_prime"].reference(arrays), net, X, Y,
                     arrays)
    a = n["a"][3]
    assert_close(n["delta"][3], [a[j] - Y[j] for j in range(2)])
    assert_close(nabla_b[1], [n["delta"][3][j] * a[j] * (1 - a[j]) for j in range(2)])


def test_untransposed_weights_on_a_non_square_layer_fails_as_a_student_s_code_would():
    net = MLP([2, 3, 1], seed=0)
    fn = MISTAKES["untransposed_weights"].reference()
    with pytest.raises(IndexError):
        run(fn, net, X, [1.0], "lists")
    numpy_or_skip()
    with pytest.raises(ValueError, match="matmul"):
        run(MISTAKES["untransposed_weights"].reference("numpy"), net, X, [1.0], "numpy")


# ---------------------------------------------------------------- issue 22: the whole derivation


def changed(net, weights=None, bias=None):
    """A copy of ``net`` with each W^l replaced by weights(W^l) and each b_j^l by bias(b_j^l)."""
    copy = MLP(net.sizes, seed=0)
    for mine, theirs in zip(copy.layers, net.layers):
        W = [[w.data for w in n.w] for n in theirs.neurons]
        W = weights(W) if weights else W
        for n, row, other in zip(mine.neurons, W, theirs.neurons):
            for w, v in zip(n.w, row):
                w.data = v
            n.b.data = bias(other.b.data) if bias else other.b.data
    return copy


def transposed(W):
    return [list(column) for column in zip(*W)]


FORWARD_SLIPS = {
    # the student's forward pass, as a network autograd runs: their gradients are its own
    "forward_missing_bias": (lambda net: changed(net, bias=lambda b: 0.0), lambda x: x),
    "forward_weights_transposed": (lambda net: changed(net, weights=transposed), lambda x: x),
    "sigma_of_input": (lambda net: net, lambda x: [sigmoid(v) for v in x]),
}


@pytest.mark.parametrize("arrays", ["lists", "numpy", "numpy-column"])
@pytest.mark.parametrize("mistake", sorted(FORWARD_SLIPS))
def test_a_slip_in_the_forward_pass_gives_the_gradients_of_the_network_it_computes(mistake,
                                                                                   arrays):
    # without b, with each W^l transposed, or from sigma(x): autograd through that network
    # gives the numbers, since the backward pass is the lecture's
    net = MLP([2, 2, 2, 2], seed=3)
    as_computed, x_as_computed = FORWARD_SLIPS[mistake]
    want = autograd_numbers(as_computed(net), [x_as_computed(X)], [Y])
    nabla_b, nabla_w = run(MISTAKES[mistake].reference(arrays), net, X, Y, arrays)
    if mistake == "forward_weights_transposed":
        # ... but equation 2 takes the network's own W^(l+1): layer L is that network's,
        # and each delta^l below it W^(l+1) transposed times the student's delta^(l+1)
        assert_close(nabla_b[2], want["b"][4])
        assert_close(nabla_w[2], want["w"][4])
        for l in (3, 2):
            W = [[w.data for w in neuron.w] for neuron in net.layers[l - 1].neurons]
            a = want["a"][l]
            delta = [sum(W[k][j] * nabla_b[l - 1][k] for k in range(2)) * a[j] * (1 - a[j])
                     for j in range(2)]
            assert_close(nabla_b[l - 2], delta)
            assert_close(nabla_w[l - 2], [[a_k * d_j for a_k in want["a"][l - 1]]
                                          for d_j in delta])
    else:
        assert_close(nabla_b, [want["b"][l] for l in (2, 3, 4)])
        assert_close(nabla_w, [want["w"][l] for l in (2, 3, 4)])
    right = autograd_numbers(net, [X], [Y])
    with pytest.raises(AssertionError):
        assert_close(nabla_b[2], right["b"][4], tol=1e-6)


@pytest.mark.parametrize("arrays", ["lists", "numpy", "numpy-column"])
@pytest.mark.parametrize("mistake", ["weights_of_wrong_layer", "sigma_prime_of_next_layer"])
def test_each_new_slip_of_equation_2_is_made_where_it_belongs(mistake, arrays):
    net = network()
    n = autograd_numbers(net, [X], [Y])
    W2 = [[w.data for w in neuron.w] for neuron in net.layers[0].neurons]
    W3 = [[w.data for w in neuron.w] for neuron in net.layers[1].neurons]
    a, d = n["a"], n["delta"]
    want = {  # delta_j^2, with W^2 for W^3, or sigma'(z_j^3) = a_j^3 (1 - a_j^3) for sigma'(z_j^2)
        "weights_of_wrong_layer": [sum(W2[k][j] * d[3][k] for k in range(2))
                                   * a[2][j] * (1 - a[2][j]) for j in range(2)],
        "sigma_prime_of_next_layer": [sum(W3[k][j] * d[3][k] for k in range(2))
                                      * a[3][j] * (1 - a[3][j]) for j in range(2)],
    }[mistake]
    nabla_b, nabla_w = run(MISTAKES[mistake].reference(arrays), net, X, Y, arrays)
    assert_close(nabla_b[1], n["b"][3])  # layer L right
    assert_close(nabla_w[1], n["w"][3])
    assert_close(nabla_b[0], want)
    assert_close(nabla_w[0], [[a[1][k] * want[j] for k in range(2)] for j in range(2)])


@pytest.mark.parametrize("arrays", ["lists", "numpy"])
def test_mean_taken_twice_is_the_mean_over_n(arrays):
    net = network()
    n = autograd_numbers(net, XS, YS)
    nabla_b, nabla_w = run(MISTAKES["mean_taken_twice"].reference(arrays), net, XS, YS, arrays)
    assert_close(nabla_b, [[v / 3 for v in n["b"][l]] for l in (2, 3)])
    assert_close(nabla_w, [[[v / 3 for v in r] for r in n["w"][l]] for l in (2, 3)])


ISSUE_22_IDS = {"forward_missing_bias", "forward_weights_transposed", "sigma_of_input",
                "weights_of_wrong_layer", "sigma_prime_of_next_layer", "untransposed_weights",
                "mean_taken_twice"}


def test_the_catalogue_has_every_mistake_issue_22_names():
    assert ISSUE_22_IDS <= set(MISTAKES)
    assert {m.id for m in MISTAKES.values() if m.square} == {
        "untransposed_weights", "weights_of_wrong_layer", "sigma_prime_of_next_layer",
        "forward_weights_transposed"}
    for id_ in ("forward_missing_bias", "forward_weights_transposed", "sigma_of_input"):
        assert MISTAKES[id_].hint(2, 3).startswith("Your forward pass: ")
        assert "a^l = σ(z^l)" in MISTAKES[id_].hint(2, 3)
