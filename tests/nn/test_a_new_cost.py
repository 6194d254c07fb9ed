"""A new cost is one record: the squared error without the 1/2, defined here, works everywhere.

C = 1/n sum_i ||y_i - a(x_i)||^2, so dC_x/da_j = 2 (a_j - y_j). Nothing in nn
knows it: the lecture's formulas, the engines, the walkthrough, the checker and
a student's backprop read its record. References: autograd, PyTorch, central
differences, and Python evaluating the walkthrough's substituted numbers.
"""

import math

import pytest

from nn import MLP, Cost, backprop, check_backprop, compare, moons, train, walkthrough
from nn.checking.student_backprops import backprop_lists


class SquaredErrorCost(Cost):
    name = "squared_error"
    factor_label = "1/n"
    text = "C = ||y − a^L||²"
    sum_text = "1 * ({terms})"
    term_text = "({y} - {a})^2"
    dC_da_text = "2 * ({a} - {y})"

    def term(self, a_j, y_j):
        return (y_j - a_j) ** 2

    def factor(self, n):
        return 1.0 / n

    def dC_da(self, a_j, y_j):
        return 2 * (a_j - y_j)


squared_error = SquaredErrorCost()
X, Y = [0.4, -0.7], [0.3, 0.9]


def test_its_dC_da_is_the_derivative_of_its_cost():
    a, y = [0.2, 0.7], [1.0, 0.1]
    for j in range(2):
        up, down = list(a), list(a)
        up[j] += 1e-6
        down[j] -= 1e-6
        numeric = (squared_error.example_cost(up, y) - squared_error.example_cost(down, y)) / 2e-6
        assert squared_error.dC_da(a[j], y[j]) == pytest.approx(numeric, abs=1e-8)
    assert squared_error.example_cost(a, y) == pytest.approx(0.8**2 + 0.6**2, rel=1e-15)


def test_the_lectures_equations_agree_with_autograd_and_pytorch():
    net = MLP([2, 3, 2], "tanh", seed=1)
    report = compare(net, X, Y, squared_error, torch=False)
    assert report.max_abs_diff < 1e-12 and report.cost == "squared_error"
    lecture = backprop(net, X, Y, squared_error)
    L = lecture.L
    for j, (a_j, z_j) in enumerate(zip(lecture.a[L], lecture.z[L])):
        assert lecture.delta[L][j] == pytest.approx(2 * (a_j - Y[j]) * (1 - math.tanh(z_j) ** 2),
                                                    rel=1e-12)
    pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    assert compare(net, X, Y, squared_error, torch=True).max_abs_diff < 1e-12


def test_the_engines_train_with_it_alike():
    data = moons(30, seed=2)
    weights = {}
    for engine in ("values", "replay"):
        net = MLP([2, 4, 1], seed=0)
        train(net, data, epochs=2, batch_size=5, eta=0.5, seed=1, cost=squared_error,
              engine=engine, progress=False)
        weights[engine] = [p.data for p in net.parameters()]
    assert weights["replay"] == weights["values"]


def test_the_walkthrough_writes_it_with_its_texts():
    walk = walkthrough(MLP([2, 2, 2], seed=0), X, Y, squared_error, digits=17)
    assert walk.step("C").formula == "1 * ((y_1 - a_1^3)^2 + (y_2 - a_2^3)^2)"
    assert walk.step("delta_1^3").formula == "2 * (a_1^3 - y_1) * sigma'(z_1^3)"
    for symbol in ("C", "delta_1^3", "delta_2^3"):
        s = walk.step(symbol)
        assert eval(s.substituted.replace("^", "**")) == pytest.approx(s.value, rel=1e-12)  # noqa: S307
    assert "cost: squared_error" in walk.text()


def test_check_backprop_accepts_a_right_backprop_of_it_and_names_a_slip():
    net = MLP([2, 3, 2], seed=4)
    right = check_backprop(lambda *a: backprop_lists(*a, cost=squared_error), net, X, Y,
                           squared_error)
    assert right.ok, right.text()
    wrong = check_backprop(lambda *a: backprop_lists(*a, slip="error_sign", cost=squared_error),
                           net, X, Y, squared_error)
    assert wrong.mistake == "error_sign", wrong.text()
    # against the quadratic cost the same function is off by its factor 2
    assert check_backprop(lambda *a: backprop_lists(*a, cost=squared_error), net, X, Y).mistake \
        == "factor_two"
