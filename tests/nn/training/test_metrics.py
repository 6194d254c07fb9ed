"""nn.training.metrics: the cost and accuracy of a network on data, and the classes behind it."""

from __future__ import annotations

import pytest

from autodiff import Value
from nn.model.costs import cross_entropy_cost, quadratic_cost
from nn.model.layers import MLP
from nn.training.metrics import accuracy, evaluate, is_classification, predicted_class, true_class


def test_classes_of_outputs_and_targets():
    assert predicted_class([0.49]) == 0 and predicted_class([0.5]) == 1
    assert predicted_class([0.1, 0.7, 0.2]) == 1
    assert true_class([1.0]) == 1 and true_class([0.0, 0.0, 1.0]) == 2
    assert is_classification([[0.0], [1.0]])
    assert is_classification([[0.0, 1.0], [1.0, 0.0]])
    assert not is_classification([[0.5]])
    assert not is_classification([[1.0, 1.0]])


def test_predicted_class_reads_values_and_floats_alike():
    assert predicted_class([Value(0.2), Value(0.9)]) == predicted_class([0.2, 0.9]) == 1
    assert predicted_class([Value(0.5)]) == 1


def test_evaluate_matches_a_plain_computation(small_data, plain_quadratic_cost):
    data = small_data(9, seed=4)
    net = MLP([2, 3, 1], seed=6)
    C, accuracy = evaluate(net, data)
    assert C == pytest.approx(plain_quadratic_cost(net, data), rel=1e-12)
    assert accuracy == sum(predicted_class(net(x)) == true_class(y) for x, y in data) / 9


def test_evaluate_is_the_cost_built_from_values_and_the_accuracy_of_its_outputs(small_data):
    data = small_data(7, seed=2)
    net = MLP([2, 4, 1], seed=3)
    for cost in (quadratic_cost, cross_entropy_cost):
        outputs = [net(x) for x, _ in data]
        targets = [y for _, y in data]
        assert evaluate(net, data, cost) == (cost(outputs, targets).data,
                                             accuracy(outputs, targets))


def test_accuracy_counts_the_right_answers():
    targets = [[1.0], [0.0], [1.0], [0.0]]
    assert accuracy([[0.9], [0.1], [0.2], [0.7]], targets) == 0.5
    one_hot = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    assert accuracy([[0.1, 0.8, 0.1], [0.2, 0.3, 0.5]], one_hot) == 0.5


def test_accuracy_of_targets_that_are_not_classes_is_none(small_data):
    assert accuracy([[0.3], [0.6]], [[0.25], [0.5]]) is None
    net = MLP([2, 2, 1], seed=0)
    data = [([0.1 * i, 0.2], [0.05 * i]) for i in range(6)]
    assert evaluate(net, data)[1] is None


def test_accuracy_needs_one_output_per_target():
    with pytest.raises(ValueError, match="2 outputs and 3 targets"):
        accuracy([[0.1], [0.9]], [[0.0], [1.0], [1.0]])
    with pytest.raises(ValueError, match="0 outputs and 0 targets"):
        accuracy([], [])


def test_evaluate_checks_the_data_against_the_network():
    with pytest.raises(ValueError, match="3 entries but the network has 2 inputs"):
        evaluate(MLP([2, 1], seed=0), [([0.1, 0.2, 0.3], [1.0])])
