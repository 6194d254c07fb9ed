"""nn.model.costs: the quadratic and cross-entropy costs against plain-float formulas,
and the Cost definition both are made of."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value
from nn.model.costs import COSTS, Cost, cross_entropy_cost, quadratic_cost
from nn.model.layers import MLP

COST_FUNCTIONS = [quadratic_cost, cross_entropy_cost]


@st.composite
def batches(draw, low=-3.0, high=3.0, target_low=-3.0, target_high=3.0):
    """(a, y): n examples of size d, as plain floats."""
    n = draw(st.integers(1, 5))
    d = draw(st.integers(1, 4))
    number = st.floats(low, high, allow_nan=False, allow_infinity=False)
    target = st.floats(target_low, target_high, allow_nan=False, allow_infinity=False)
    a = draw(st.lists(st.lists(number, min_size=d, max_size=d), min_size=n, max_size=n))
    y = draw(st.lists(st.lists(target, min_size=d, max_size=d), min_size=n, max_size=n))
    return a, y


def as_values(a):
    return [[Value(a_j) for a_j in a_i] for a_i in a]


@given(batches())
def test_quadratic_cost_is_half_the_mean_squared_distance(batch):
    a, y = batch
    n = len(a)
    expected = sum(sum((y_j - a_j) ** 2 for a_j, y_j in zip(a_i, y_i))
                   for a_i, y_i in zip(a, y)) / (2 * n)
    C = quadratic_cost(as_values(a), y)
    assert C.data == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert C.label == "C"


@given(batches())
def test_quadratic_cost_gradient_is_a_minus_y_over_n(batch):
    a, y = batch
    n = len(a)
    outputs = as_values(a)
    quadratic_cost(outputs, y).backward()
    for a_i, y_i in zip(outputs, y):
        for a_j, y_j in zip(a_i, y_i):
            assert a_j.grad == pytest.approx((a_j.data - y_j) / n, rel=1e-12, abs=1e-15)


def test_quadratic_cost_by_hand():
    # two examples: ||(1, 2) - (0, 0)||^2 = 5 and ||3 - 1||^2 = 4 -> C = 9 / 4
    C = quadratic_cost([[Value(0.0), Value(0.0)], [Value(1.0), Value(5.0)]],
                       [[1.0, 2.0], [1.0, 5.0 + 2.0]])
    assert C.data == pytest.approx(9 / 4)


def test_quadratic_cost_of_a_perfect_fit_is_zero():
    C = quadratic_cost([[Value(0.3), Value(0.7)]], [[0.3, 0.7]])
    assert C.data == 0.0


@given(batches(low=0.01, high=0.99, target_low=0.0, target_high=1.0))
def test_cross_entropy_value(batch):
    a, y = batch
    n = len(a)
    expected = -sum(
        sum(y_j * math.log(a_j) + (1 - y_j) * math.log(1 - a_j) for a_j, y_j in zip(a_i, y_i))
        for a_i, y_i in zip(a, y)
    ) / n
    C = cross_entropy_cost(as_values(a), y)
    assert C.data == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert C.label == "C"


@given(batches(low=-6.0, high=6.0, target_low=0.0, target_high=1.0))
def test_cross_entropy_through_a_sigmoid_gives_dC_dz_a_minus_y_over_n(batch):
    z, y = batch
    n = len(z)
    zs = as_values(z)
    outputs = [[z_j.sigmoid() for z_j in z_i] for z_i in zs]
    cross_entropy_cost(outputs, y).backward()
    for z_i, y_i in zip(zs, y):
        for z_j, y_j in zip(z_i, y_i):
            a_j = 1.0 / (1.0 + math.exp(-z_j.data))
            assert z_j.grad == pytest.approx((a_j - y_j) / n, rel=1e-9, abs=1e-12)


def test_cross_entropy_is_smallest_at_the_target():
    # for y in (0, 1), -[y ln a + (1-y) ln(1-a)] has its minimum at a = y
    y = 0.3
    at = cross_entropy_cost([[Value(0.3)]], [[y]]).data
    assert at < cross_entropy_cost([[Value(0.29)]], [[y]]).data
    assert at < cross_entropy_cost([[Value(0.31)]], [[y]]).data


def test_costs_are_registered_by_name():
    assert COSTS["quadratic"] is quadratic_cost
    assert COSTS["cross_entropy"] is cross_entropy_cost


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("cost", COST_FUNCTIONS)
def test_different_batch_lengths_name_both(cost):
    outputs = [[Value(0.5)], [Value(0.5)], [Value(0.5)]]
    with pytest.raises(ValueError, match=r"3 outputs.*2 targets"):
        cost(outputs, [[1.0], [0.0]])
    with pytest.raises(ValueError, match=r"1 output and 4 targets"):
        cost(outputs[:1], [[1.0]] * 4)


@pytest.mark.parametrize("cost", COST_FUNCTIONS)
def test_output_and_target_sizes_differ_name_both(cost):
    outputs = [[Value(0.5), Value(0.5)], [Value(0.5), Value(0.5)]]
    with pytest.raises(ValueError, match=r"example 2.*2 outputs.*3 entries"):
        cost(outputs, [[1.0, 0.0], [1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match=r"2 outputs but the target has 1 entry"):
        cost(outputs, [[1.0], [0.0]])


@pytest.mark.parametrize("cost", COST_FUNCTIONS)
def test_empty_batch_is_refused(cost):
    with pytest.raises(ValueError, match="empty"):
        cost([], [])


@pytest.mark.parametrize("cost", COST_FUNCTIONS)
@pytest.mark.parametrize("bad", ["1", None, True, [1.0], Value(1.0)], ids=repr)
def test_non_number_targets_are_a_type_error(cost, bad):
    with pytest.raises(TypeError, match="target 2 of example 1"):
        cost([[Value(0.5), Value(0.5)]], [[0.0, bad]])


@pytest.mark.parametrize("cost", COST_FUNCTIONS)
def test_flat_output_list_is_refused(cost):
    # quadratic_cost(net(x), y) instead of quadratic_cost([net(x)], [y])
    with pytest.raises(TypeError, match="list of output lists"):
        cost([Value(0.5), Value(0.2)], [[1.0], [0.0]])


@pytest.mark.parametrize("cost", COST_FUNCTIONS)
def test_numbers_as_outputs_are_refused(cost):
    with pytest.raises(TypeError, match="must be a Value"):
        cost([[0.5]], [[1.0]])


@pytest.mark.parametrize("a", [0.0, 1.0])
def test_cross_entropy_of_a_saturated_output_is_refused(a):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        cross_entropy_cost([[Value(0.5)], [Value(a)]], [[1.0], [0.0]])


def test_cross_entropy_of_a_sigmoid_saturated_to_one():
    a = Value(40.0).sigmoid()  # 1/(1 + e^-40) rounds to exactly 1.0
    assert a.data == 1.0
    with pytest.raises(ValueError, match="example 1"):
        cross_entropy_cost([[a]], [[1.0]])


def test_cross_entropy_of_a_linear_output_beyond_one_is_refused():
    with pytest.raises(ValueError, match="sigmoid"):
        cross_entropy_cost([[Value(1.5)]], [[1.0]])


# ---------------------------------------------------------------- one definition per cost


def test_a_cost_is_its_term_and_factor():
    # C = k(n) * sum_i sum_j term(a_ij, *prepare(y_ij)), the graph built term by term
    for cost in COST_FUNCTIONS:
        a, y = [[Value(0.2), Value(0.7)], [Value(0.4), Value(0.9)]], [[0.0, 1.0], [1.0, 0.0]]
        total = None
        for a_i, y_i in zip(a, y):
            for a_j, y_j in zip(a_i, y_i):
                term = cost.term(a_j, *cost.prepare(y_j))
                total = term if total is None else total + term
        assert cost(a, y).data == (total * cost.factor(2)).data  # bit for bit


def test_the_two_costs_factors_and_prepared_targets():
    assert quadratic_cost.factor(4) == 1 / 8 and cross_entropy_cost.factor(4) == -1 / 4
    assert quadratic_cost.prepare(0.25) == (0.25,)
    assert cross_entropy_cost.prepare(0.25) == (0.25, 0.75)  # 1 - y on floats, not a node


def test_costs_have_names_like_functions():
    assert {name: cost.__name__ for name, cost in COSTS.items()} == {
        "quadratic": "quadratic_cost", "cross_entropy": "cross_entropy_cost"}
    assert all(isinstance(cost, Cost) and cost.name == name for name, cost in COSTS.items())
    assert "quadratic_cost" in repr(quadratic_cost)


def test_a_new_cost_is_a_subclass():
    class AbsoluteCost(Cost):
        name = "absolute"

        def term(self, a_j, y_j):
            return ((y_j - a_j) ** 2) ** 0.5

        def factor(self, n):
            return 1.0 / n

    absolute = AbsoluteCost()
    C = absolute([[Value(0.25)], [Value(2.0)]], [[1.0], [1.0]])
    assert C.data == pytest.approx((0.75 + 1.0) / 2) and C.label == "C"
    assert absolute.__name__ == "absolute_cost"


def test_numpy_numbers_are_targets_too():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    for y in (np.float64(1.0), np.float32(1.0), np.int64(1)):
        assert quadratic_cost([[Value(0.5)]], [[y]]).data == 0.125


def test_a_picture_of_the_cost_names_its_constants():
    # the targets are named y_j and the factor 1/(2n): a picture shows what they are
    from autodiff import draw
    from autodiff.views.notation import lecture_html
    from autodiff.views.pictures import ROLE_COLOURS

    net = MLP([2, 2], seed=0)
    for cost, factor in ((quadratic_cost, "1/(2n)"), (cross_entropy_cost, "\u22121/n")):
        C = cost([net([0.5, 0.1])], [[1.0, 0.0]])
        leaves = {v.label: v for v in _leaves(C)}
        assert {"y_1", "y_2", factor} <= set(leaves)
        assert leaves["y_2"].data == 0.0 and leaves[factor].data == cost.factor(1)
        source = draw(C).source
        for label, role in (("y_1", "input"), (factor, "constant")):
            shown = f"<B>{lecture_html(label, small=True)}</B>"
            line = next(t for t in source.splitlines() if shown in t)
            assert f'fillcolor="{ROLE_COLOURS[role]}"' in line


def _leaves(root):
    seen, stack, found = set(), [root], []
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if not v.parents:
            found.append(v)
        stack.extend(v.parents)
    return found
@pytest.mark.parametrize("cost", COST_FUNCTIONS)
def test_numpy_arrays_are_targets_too(cost):
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    outputs = [[Value(0.25), Value(0.5)], [Value(0.75), Value(0.125)]]
    plain = cost(outputs, [[0.0, 1.0], [1.0, 0.0]]).data
    assert cost(outputs, np.array([[0.0, 1.0], [1.0, 0.0]])).data == plain
    assert cost(outputs, [np.array([0, 1]), np.array([1, 0])]).data == plain
    with pytest.raises(ValueError, match=r"array of shape \(2,\): for one example y, write \[y\]"):
        cost(outputs[:1], np.array([0.0, 1.0]))


def test_a_number_where_a_target_list_belongs_says_to_write_a_list():
    with pytest.raises(TypeError, match=r"example 1 is float 1.0: write \[1.0\]"):
        quadratic_cost([[Value(0.5)]], [1.0])


@pytest.mark.parametrize("y", [2.0, -0.5, 1.0000001])
def test_cross_entropy_refuses_targets_outside_0_1(y):
    # such a target can make C negative: -[y ln a + (1 - y) ln(1 - a)] at a = 0.9
    if y == 2.0:
        assert -(y * math.log(0.9) + (1 - y) * math.log(0.1)) < 0
    with pytest.raises(ValueError, match=rf"targets between 0 and 1, got y_1 = {y} for example 1"):
        cross_entropy_cost([[Value(0.9)]], [[y]])
    assert quadratic_cost([[Value(0.9)]], [[y]]).data >= 0  # the quadratic cost takes any


def test_cross_entropy_refuses_an_output_layer_that_is_not_a_sigmoid():
    cross_entropy_cost.check_output_activation("sigmoid")
    for activation in ("linear", "relu", "tanh"):
        with pytest.raises(ValueError, match=f"which a {activation} output layer does not give"):
            cross_entropy_cost.check_output_activation(activation)
        quadratic_cost.check_output_activation(activation)


# ---------------------------------------------------------------- cost=, the same everywhere


def test_as_cost_takes_a_record_or_its_name_and_nothing_else():
    from nn.model.costs import CrossEntropyCost, as_cost

    assert as_cost("quadratic") is quadratic_cost and as_cost("cross_entropy") is cross_entropy_cost
    mine = CrossEntropyCost()
    assert as_cost(mine) is mine and as_cost(quadratic_cost) is quadratic_cost

    def hinge(outputs, targets):
        return outputs[0][0]

    for bad, shown in (("mse", "'mse'"), (hinge, "'hinge'"), (3, "'int'"), (None, "'NoneType'")):
        with pytest.raises(ValueError, match=rf"unknown cost {shown}: expected an nn.Cost "
                                             r"\(nn.quadratic_cost, nn.cross_entropy_cost\) or "
                                             r"the name of one: quadratic, cross_entropy"):
            as_cost(bad)


def every_api():
    """name -> function of cost giving numbers that depend on it, for each API taking cost=."""
    from nn import (
        backprop,
        backprop_batch,
        check_backprop,
        check_backprop_batch,
        compare,
        compare_batch,
        evaluate,
        train,
        walkthrough,
    )
    from nn.checking.array_styles import parameters
    from nn.checking.checker import check_answers
    from nn.checking.student_backprops import backprop_lists

    x, y, xs, ys = [0.5, -0.2], [0.3], [[0.5, -0.2], [0.1, 0.9]], [[0.3], [0.8]]

    def net():
        return MLP([2, 2, 1], seed=3)

    def trained(cost):
        n = net()
        train(n, list(zip(xs, ys)), epochs=1, batch_size=2, eta=0.5, seed=0, cost=cost,
              progress=False)
        return [p.data for p in n.parameters()]

    def right(*args):
        return backprop_lists(*args, cost=cross_entropy_cost)

    return {
        "backprop": lambda c: backprop(net(), x, y, c).grad_w,
        "backprop_batch": lambda c: backprop_batch(net(), xs, ys, c).grad_w,
        "compare": lambda c: [r.autograd for r in compare(net(), x, y, c, torch=False).rows],
        "compare_batch": lambda c: compare_batch(net(), xs, ys, c, torch=False).C,
        "walkthrough": lambda c: walkthrough(net(), x, y, c).text(),
        "check_backprop": lambda c: check_backprop(right, net(), x, y, c).ok,
        "check_backprop_batch": lambda c: check_backprop_batch(
            lambda w, b, X, Y: right(w, b, X[0], Y[0]), net(), xs[:1], ys[:1], c).ok,
        "check_answers": lambda c: check_answers({"C": 0.5}, net(), x, y, c).rows[0].autograd,
        "student_backprop": lambda c: backprop_lists(*parameters(net()), x, y, cost=c),
        "train": trained,
        "evaluate": lambda c: evaluate(net(), list(zip(xs, ys)), c),
    }


@pytest.mark.parametrize("api", sorted(every_api()))
def test_every_api_takes_cost_as_a_record_or_its_name(api):
    from nn.model.costs import CrossEntropyCost

    run = every_api()[api]
    by_record = run(cross_entropy_cost)
    assert run("cross_entropy") == by_record == run(CrossEntropyCost())
    assert run("quadratic") == run(quadratic_cost) != by_record or api.startswith("check_b")
    with pytest.raises(ValueError, match="unknown cost 'mse': expected an nn.Cost"):
        run("mse")
