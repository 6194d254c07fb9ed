"""nn.model.activations: one record per activation, checked against independent references.

sigma' is compared with central differences of sigma and with the textbook
formulas written here on floats; the engine's derivative with the op table's
rule (``autodiff.ops``), bit for bit.
"""

import math
import struct

import pytest

from autodiff import ops
from nn import ACTIVATIONS, MLP, Activation
from nn.model.activations import as_activation, linear, relu, sigmoid, tanh

ZS = (-40.0, -2.5, -0.3, 0.0, 0.4, 1.7, 40.0)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# the textbook sigma' of each, on floats
TEXTBOOK = {
    "sigmoid": lambda z: logistic(z) * logistic(-z),
    "tanh": lambda z: 1.0 - math.tanh(z) ** 2,
    "relu": lambda z: 1.0 if z > 0 else 0.0,
    "linear": lambda z: 1.0,
}


def test_the_four_built_in_records_by_name():
    assert ACTIVATIONS == ("sigmoid", "tanh", "relu", "linear")
    assert [as_activation(name) for name in ACTIVATIONS] == [sigmoid, tanh, relu, linear]
    assert as_activation(tanh) is tanh
    assert repr(tanh) == "<activation tanh>"


@pytest.mark.parametrize("record", [sigmoid, tanh, relu, linear], ids=lambda a: a.name)
def test_prime_is_the_derivative_by_central_differences_and_the_textbook(record):
    for z in ZS:
        if record is relu and z == 0.0:
            continue  # the kink: no derivative to approximate
        h = 1e-6
        numeric = (record.of(z + h) - record.of(z - h)) / (2 * h)
        assert record.prime(z) == pytest.approx(numeric, abs=1e-8), z
        assert record.prime(z) == pytest.approx(TEXTBOOK[record.name](z), rel=1e-15, abs=1e-300)


def test_the_sigmoid_keeps_its_digits_where_1_minus_sigma_would_cancel():
    # sigma'(40) = e^-40 / (1 + e^-40)^2 = 4.248e-18, not the 0 of s (1 - s) on floats
    assert sigmoid.prime(40.0) == pytest.approx(math.exp(-40.0), rel=1e-15)
    assert sigmoid.autograd_prime(40.0) == pytest.approx(math.exp(-40.0), rel=1e-15)


@pytest.mark.parametrize("record, op", [(sigmoid, ops.sigmoid), (tanh, ops.tanh),
                                        (relu, ops.relu)], ids=lambda a: getattr(a, "name", ""))
def test_the_engines_derivative_is_the_op_tables_rule_bit_for_bit(record, op):
    for z in ZS:
        value, local = op(z)
        assert bits(record.of(z)) == bits(value)
        assert bits(record.autograd_prime(z)) == bits(local)


def test_linear_is_z_itself():
    net = MLP([1, 1], linear, seed=0)
    (a,) = net([0.5])
    assert a is net.layer(2).z[0]
    assert linear.of(-3.25) == -3.25 and linear.prime(7.0) == 1.0 == linear.autograd_prime(7.0)


def test_the_same_functions_serve_pytorch():
    torch = pytest.importorskip("torch", reason="needs PyTorch: pip install 'deltagrad[torch]'")
    z = torch.tensor([-2.5, -0.3, 0.4, 1.7], dtype=torch.float64, requires_grad=True)
    for record in (sigmoid, tanh, relu, linear):
        (grad,) = torch.autograd.grad(record.f(z).sum(), z)
        assert torch.allclose(record.df(z) + 0 * z, grad, rtol=1e-14, atol=1e-16), record


def test_mlp_takes_a_record_or_a_name_and_a_node_can_be_given_another():
    net = MLP([2, 3, 1], tanh, output_activation=linear, seed=0)
    assert net.activations == ["tanh", "linear"] and net.layer(2).sigma is tanh
    assert MLP([2, 3, 1], ["relu", sigmoid], seed=0).activations == ["relu", "sigmoid"]
    neuron = net.layer(2).neurons[0]
    neuron.activation = "relu"
    assert neuron.sigma is relu
    neuron.activation = sigmoid
    assert neuron.activation == "sigmoid"


@pytest.mark.parametrize("kwargs, error, words", [
    ({"name": ""}, TypeError, "name must be a non-empty str"),
    ({"f": "exp"}, TypeError, "f must be a function of z"),
    ({"df": None}, TypeError, "df must be a function of z"),
    ({"text": 3}, TypeError, "text must be a str written in z"),
])
def test_a_record_says_what_is_wrong_with_it(kwargs, error, words):
    parts = {"name": "softsign", "f": lambda z: z / (1 + z * z) ** 0.5,
             "df": lambda z: (1 + z * z) ** -1.5, "text": "z / sqrt(1 + z^2)",
             "df_text": "(1 + z^2)^-1.5", **kwargs}
    with pytest.raises(error, match=words):
        Activation(**parts)


def test_an_unknown_name_or_a_wrong_type_is_refused_naming_what_is_known():
    with pytest.raises(ValueError, match=r"unknown activation 'softsign'; expected one of "
                                         r"\('sigmoid', 'tanh', 'relu', 'linear'\)"):
        as_activation("softsign")
    with pytest.raises(TypeError, match="an activation is the name of sigma.*got int: 3"):
        as_activation(3)
    mine = Activation("sigmoid", lambda z: z.sigmoid(), lambda z: 0.0, "s(z)", "0")
    assert as_activation("sigmoid", known=[mine]) is mine  # a caller's record comes first
