"""autodiff.gradcheck and numerical_gradient: they pass right gradients and catch wrong ones.

A checker that always says True is worthless, so most of these tests feed it a
gradient that is wrong on purpose. The wrong gradients are built honestly, from
the public API: a factor taken out of the graph as a plain number (``Value(x.data)``:
backward treats it as a constant, the finite differences see it move), and
relu's kink, where no derivative exists and the central difference sees 1/2.
"""

import math
import re

import pytest

from autodiff import Value, gradcheck, numerical_gradient


def detached(v):
    """v's number as a fresh leaf: the function still uses it, backward cannot see it."""
    return Value(v.data)


def numbers_in(text):
    return [float(s) for s in re.findall(r"-?\d+\.\d*(?:e[-+]?\d+)?", text)]


# ----------------------------------------------------------------------
# Right gradients pass
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, inputs",
    [
        (lambda x: x * x, [3.0]),
        (lambda x, y: x * y.tanh(), [0.5, -1.5]),
        (lambda x, y, z: (x * y + z).sigmoid() * (x - z).exp(), [0.2, -0.7, 1.1]),
        (lambda x, y: (x**2 + y**2) ** 0.5, [3.0, 4.0]),
        (lambda x, y: x / y + y.log(), [1.0, 2.0]),
        (lambda x: 2.5**x - 1 / x, [0.8]),
    ],
)
def test_correct_gradients_pass(f, inputs):
    assert gradcheck(f, inputs) is True


def test_accepts_values_as_inputs_and_uses_their_data():
    assert gradcheck(lambda x, y: x * y, [Value(2.0), Value(-3.0)]) is True
    assert gradcheck(lambda x, y: x * y, [2, -3.0]) is True


def test_a_function_ignoring_an_input_passes_with_zero_gradient():
    assert gradcheck(lambda x, y: x * 3, [1.0, 5.0]) is True


# ----------------------------------------------------------------------
# Wrong gradients are caught, and the error names the input and both values
# ----------------------------------------------------------------------


def test_detached_factor_is_caught_naming_input_and_both_values():
    # f(x) = x^2 computed as x * (x as a constant): backward gives x, truth is 2x
    with pytest.raises(AssertionError) as info:
        gradcheck(lambda x: x * detached(x), [1.5])
    message = str(info.value)
    assert "input 1 (x1 = 1.5)" in message  # counted from 1, as the leaves are labelled
    assert "1.5" in message  # the input's value, and the wrong gradient 1.5
    assert any(abs(n - 3.0) < 1e-6 for n in numbers_in(message))  # central difference 2x


def test_only_the_wrong_input_is_named():
    # f(x, y) = x y + y^2 with the y^2 half-detached: dx right (y), dy wrong (x + y, not x + 2y)
    with pytest.raises(AssertionError, match="input 2") as info:
        gradcheck(lambda x, y: x * y + y * detached(y), [0.5, 2.0])
    message = str(info.value)
    assert "input 1" not in message
    values = numbers_in(message)
    assert 2.5 in values  # backward: x + y
    assert any(abs(n - 4.5) < 1e-6 for n in values)  # central differences: x + 2y


def test_a_small_relative_error_is_caught_with_default_tolerances():
    # f(x) = x + 1e-4 x with the small part detached: backward 1, truth 1.0001
    with pytest.raises(AssertionError, match="input 1"):
        gradcheck(lambda x: x + 1e-4 * detached(x), [0.7])


def test_relu_kink_is_caught():
    # no derivative at 0: backward says 0, the central difference (eps - 0) / 2 eps = 1/2
    with pytest.raises(AssertionError, match="input 1") as info:
        gradcheck(Value.relu, [0.0])
    assert any(abs(n - 0.5) < 1e-9 for n in numbers_in(str(info.value)))


def test_rtol_is_applied():
    # a relative error of 1e-3: fails at rtol 1e-5, passes at rtol 1e-2
    def f(x):
        return x + 1e-3 * detached(x)

    with pytest.raises(AssertionError):
        gradcheck(f, [2.0], rtol=1e-5)
    assert gradcheck(f, [2.0], rtol=1e-2) is True


def test_atol_is_applied():
    # the true gradient is 1e-8, backward sees 0: within atol 1e-7, not within 1e-10
    def f(x):
        return x * 0.0 + 1e-8 * detached(x)

    assert gradcheck(f, [1.0], atol=1e-7) is True
    with pytest.raises(AssertionError):
        gradcheck(f, [1.0], atol=1e-10, rtol=1e-5)


# ----------------------------------------------------------------------
# numerical_gradient alone
# ----------------------------------------------------------------------


def test_numerical_gradient_matches_closed_forms():
    g = numerical_gradient(lambda x, y: x * y + x.exp(), [2.0, -3.0])
    assert g == pytest.approx([-3.0 + math.exp(2.0), 2.0], rel=1e-8)
    assert numerical_gradient(lambda x: x**3, [1.5], eps=1e-4) == pytest.approx([6.75], rel=1e-7)


def test_numerical_gradient_error_shrinks_like_eps_squared():
    # f = e^x: central difference error ~ eps^2/6 e^x; 10x smaller eps, ~100x smaller error
    truth = math.exp(1.0)
    errors = [abs(numerical_gradient(Value.exp, [1.0], eps=h)[0] - truth) for h in (1e-2, 1e-3)]
    assert errors[1] < errors[0] / 50
    assert errors[0] == pytest.approx(1e-4 / 6 * truth, rel=1e-2)


# ----------------------------------------------------------------------
# Bad arguments
# ----------------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf"), "small", None])
def test_bad_eps(eps):
    with pytest.raises((ValueError, TypeError), match="eps"):
        gradcheck(lambda x: x * x, [1.0], eps=eps)
    with pytest.raises((ValueError, TypeError), match="eps"):
        numerical_gradient(lambda x: x * x, [1.0], eps=eps)


@pytest.mark.parametrize("name", ["rtol", "atol"])
@pytest.mark.parametrize("tol", [-1e-5, float("nan"), float("inf"), "tight", None])
def test_bad_tolerances_name_the_argument_and_value(name, tol):
    with pytest.raises((ValueError, TypeError), match=name) as info:
        gradcheck(lambda x: x * x, [1.0], **{name: tol})
    assert repr(tol) in str(info.value)


def test_bad_arguments_are_refused_before_f_runs():
    calls = []

    def f(x):
        calls.append(x)
        return x * x

    for kwargs in ({"eps": 0.0}, {"rtol": -1.0}, {"atol": float("nan")}):
        with pytest.raises((ValueError, TypeError)):
            gradcheck(f, [1.0], **kwargs)
    assert calls == []


@pytest.mark.parametrize("result, type_name", [(2.0, "float"), (None, "NoneType"), ([], "list")])
def test_f_must_return_a_value(result, type_name):
    with pytest.raises(TypeError, match=type_name):
        gradcheck(lambda x: result, [1.0])


@pytest.mark.parametrize("bad, type_name", [("1.0", "str"), (None, "NoneType"), (True, "bool")])
def test_inputs_must_be_numbers_or_values(bad, type_name):
    with pytest.raises(TypeError, match=f"input 2.*{type_name}"):
        gradcheck(lambda x, y: x * y, [1.0, bad])


def test_numerical_gradient_takes_the_same_inputs_as_gradcheck():
    f = lambda x, y: x * y  # noqa: E731
    assert numerical_gradient(f, [Value(2.0), 3]) == pytest.approx([3.0, 2.0], rel=1e-8)
    for bad, type_name in (("1.5", "str"), (True, "bool"), (None, "NoneType")):
        with pytest.raises(TypeError, match=f"input 1.*{type_name}"):
            numerical_gradient(f, [bad, 3.0])


def test_point_within_eps_of_the_domain_edge_raises_the_engine_error():
    # log at 1e-7 with eps 1e-6: the difference would need log(-9e-7)
    with pytest.raises(ValueError, match="log"):
        gradcheck(Value.log, [1e-7])


# ----------------------------------------------------------------------
# Where central differences cannot work, they say so instead of blaming backward
# ----------------------------------------------------------------------


@pytest.mark.parametrize("x", [1e308, -1e308, 1e22, 2.0**60, 1e10])
def test_eps_below_the_resolution_of_floats_is_said_not_blamed_on_backward(x):
    # floats are further apart than eps here: at most x + 1e-6 == x, and the
    # central difference is 0 for any f, or at 1e10 off by 90%
    assert math.ulp(x) > 1e-6
    with pytest.raises(ValueError, match=r"input 1 \(x1 = .*\): eps = 1e-06 is below the "
                                         r"resolution of floats there") as info:
        gradcheck(lambda x: x * 1.0, [x])
    assert "larger eps" in str(info.value)
    with pytest.raises(ValueError, match="below the resolution"):
        numerical_gradient(lambda x: x * 1.0, [x])


def test_the_suggested_eps_works():
    message = ""
    try:
        gradcheck(lambda x: x * 1.0, [1e308])
    except ValueError as error:
        message = str(error)
    eps = float(re.search(r"about (\S+) \(", message).group(1))
    assert gradcheck(lambda x: x * 1.0, [1e308], eps=eps) is True


def test_a_step_beyond_the_largest_float_is_said():
    with pytest.raises(ValueError, match=r"input 2 .*x \+ eps overflows"):
        gradcheck(lambda x, y: x * y, [1.0, 1.7976931348623157e308], eps=1e300)


def test_coarse_floats_are_pointed_out_when_a_check_fails_there():
    # at 1e9 floats are 1.2e-7 apart: x +- 1e-6 is a step off by about 5%
    assert 1e-6 > math.ulp(1e9) > 1e-5 * 2e-6
    with pytest.raises(AssertionError, match=r"floats near x are 1\.19e-07 apart.*larger eps"):
        gradcheck(lambda x: x * 3.0, [1e9])
    assert gradcheck(lambda x: x * 3.0, [1e9], eps=1e3) is True


@pytest.mark.parametrize("inputs", [0.5, 2, Value(0.5)])
def test_a_lone_number_says_to_write_a_list(inputs):
    with pytest.raises(TypeError, match=r"inputs must be a list with one number per argument "
                                        r"of f, got \w+: write \[.*\]"):
        gradcheck(lambda x: x * x, inputs)


def test_numpy_inputs():
    np = pytest.importorskip("numpy", reason="numpy is optional (the tests of numpy input)")
    assert gradcheck(lambda x, y: x * y, np.array([2.0, -3.0])) is True
    assert gradcheck(lambda x: x * x, [np.float32(1.5)]) is True
