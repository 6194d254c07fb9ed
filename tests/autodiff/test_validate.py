"""autodiff.validate: the argument checks the whole project shares."""

import math
from fractions import Fraction

import pytest

from autodiff.validate import (
    excerpt,
    finite_number,
    finite_numbers,
    finite_vectors,
    is_number,
    non_negative_number,
    number_list,
    plural,
    positive_number,
    positive_whole_number,
    random_seed,
    whole_number,
)


def test_numbers_of_every_kind_are_numbers_but_bools_are_not():
    for x in (1, 1.5, -0.0, Fraction(1, 3), 10**400):
        assert is_number(x)
    for x in (True, False, "1", None, 1j, [1.0]):
        assert not is_number(x)


def test_numpy_numbers_pass_where_python_numbers_do():
    np = pytest.importorskip("numpy", reason="numpy is optional (the tests of numpy input)")
    assert finite_number(np.float32(0.5), "eta") == 0.5
    assert type(finite_number(np.float64(0.25), "eta")) is float
    assert whole_number(np.int64(3), "batch_size") == 3
    assert type(whole_number(np.int64(3), "batch_size")) is int
    assert not is_number(np.bool_(True))
    with pytest.raises(TypeError, match="seed must be a whole number, got bool"):
        whole_number(np.bool_(True), "seed")
    assert finite_numbers(np.array([1.0, 2.0]), 2, "x") == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"2 numbers, got an array of shape \(2, 1\)"):
        finite_numbers(np.ones((2, 1)), 2, "x")
    with pytest.raises(ValueError, match=r"x\[1\] must be a finite number, got nan"):
        finite_numbers(np.array([1.0, np.nan]), 2, "x")


@pytest.mark.parametrize(
    "bad, error, words",
    [
        ("3", TypeError, "eta must be a number, got str: '3'"),
        (True, TypeError, "eta must be a number, got bool"),
        (math.nan, ValueError, "eta must be a finite number, got nan"),
        (-math.inf, ValueError, "eta must be a finite number, got -inf"),
        (10**400, ValueError, "beyond the largest float"),
    ],
)
def test_finite_number_refuses_with_the_reason(bad, error, words):
    with pytest.raises(error, match=words):
        finite_number(bad, "eta")


def test_positive_and_whole_numbers():
    assert positive_number(2, "eta") == 2.0
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match="eta must be a positive number"):
            positive_number(bad, "eta")
    assert whole_number(-3, "seed") == -3
    for bad in (2.0, 2.5, "2", True, None):
        with pytest.raises(TypeError, match="batch_size must be a whole number"):
            whole_number(bad, "batch_size")
    with pytest.raises(ValueError, match="epochs must be a whole number >= 1, got 0"):
        positive_whole_number(0, "epochs")


def test_non_negative_numbers_take_zero_but_not_less():
    assert non_negative_number(0, "rtol") == 0.0
    assert non_negative_number(1e-5, "rtol") == 1e-5
    with pytest.raises(ValueError, match="rtol must be a number >= 0, got -1e-05"):
        non_negative_number(-1e-5, "rtol")
    with pytest.raises(ValueError, match="rtol must be a finite number, got inf"):
        non_negative_number(math.inf, "rtol")
    with pytest.raises(TypeError, match="rtol must be a number, got str"):
        non_negative_number("0", "rtol")


def test_lists_of_numbers_name_the_bad_entry():
    assert finite_numbers((1, 2.5), 2, "x") == [1.0, 2.5]
    assert finite_numbers([1.0, 2.0], None, "x") == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"x must be a list of 1 number, got 2"):
        finite_numbers([1.0, 2.0], 1, "x")
    with pytest.raises(TypeError, match=r"x\[1\] must be a number, got str"):
        finite_numbers([1.0, "a"], 2, "x")
    with pytest.raises(TypeError, match="x must be a list of numbers, got str"):
        number_list("12", "x")
    with pytest.raises(TypeError, match="x must be a list of 3 numbers, got dict"):
        number_list({}, "x", 3)


def test_lists_of_vectors_name_the_bad_one():
    assert finite_vectors([(1, 2), [0.5, -1.0]], 2, "xs") == [[1.0, 2.0], [0.5, -1.0]]
    with pytest.raises(ValueError, match=r"xs\[1\] must be a list of 2 numbers, got 3"):
        finite_vectors([[1.0, 2.0], [1.0, 2.0, 3.0]], 2, "xs")
    with pytest.raises(ValueError, match=r"xs\[0\]\[1\] must be a finite number, got inf"):
        finite_vectors([[1.0, math.inf]], 2, "xs")
    with pytest.raises(ValueError, match="xs must be a list of lists of 2 numbers, got none"):
        finite_vectors([], 2, "xs")
    with pytest.raises(TypeError, match="xs must be a list of lists of 1 number, got float"):
        finite_vectors(0.5, 1, "xs")
    with pytest.raises(TypeError, match=r"xs\[0\] must be a list of 1 number, got float"):
        finite_vectors([0.5], 1, "xs")


def test_a_two_dimensional_array_is_a_list_of_vectors():
    np = pytest.importorskip("numpy", reason="numpy is optional (the tests of numpy input)")
    assert finite_vectors(np.array([[1.0, 2.0], [3.0, 4.0]]), 2, "xs") == [[1.0, 2.0],
                                                                           [3.0, 4.0]]
    assert finite_vectors([np.array([1.0, 2.0])], 2, "xs") == [[1.0, 2.0]]
    with pytest.raises(ValueError, match=r"xs must be a list of lists of 2 numbers, got an "
                                         r"array of shape \(4,\)"):
        finite_vectors(np.ones(4), 2, "xs")


def test_messages_stay_short_and_read_as_english():
    assert plural(1, "number") == "1 number" and plural(2, "number") == "2 numbers"
    assert len(excerpt("x" * 1000)) <= 40
    assert excerpt(1.5) == "1.5"
    with pytest.raises(ValueError) as error:
        finite_number(10**5000, "b")  # an int too long even for repr
    assert len(str(error.value)) < 200


def test_plural_with_an_irregular_plural():
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"
    assert plural(0, "step") == "0 steps"


def test_a_seed_is_a_whole_number_from_0_or_none():
    assert random_seed(None) is None
    assert random_seed(0) == 0 and random_seed(2**80) == 2**80
    np = pytest.importorskip("numpy", reason="numpy is optional (the tests of numpy input)")
    assert type(random_seed(np.int64(7))) is int
    # what random.Random would take quietly: nan (a new seed every run), and 1.0, True
    # and -1, which all give the numbers of 1
    for bad in (math.nan, 1.0, True, "1", np.float64(1.0)):
        with pytest.raises(TypeError, match="seed must be a whole number, got"):
            random_seed(bad)
    with pytest.raises(ValueError, match=r"seed must be a whole number >= 0 \(or None\), got -1"):
        random_seed(-1)
    with pytest.raises(TypeError, match="data_seed must be"):
        random_seed(0.5, "data_seed")


def test_nan_is_not_called_beyond_the_largest_float():
    from autodiff import Value
    from autodiff.validate import not_finite
    from autodiff.value import _raise_gradient_overflow

    assert not_finite(math.inf) == not_finite(-math.inf) == "beyond the largest float"
    assert not_finite(math.nan).startswith("not a number (NaN")
    v = Value(1.0)
    v.grad = math.nan  # (as inf - inf in backward's sums would leave it)
    with pytest.raises(OverflowError, match=r"is nan \(not a number: an inf met another inf, "):
        _raise_gradient_overflow([v])
