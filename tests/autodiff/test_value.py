"""autodiff.Value: every operation against its closed form and central differences.

Each operation is checked twice, independently: its value and derivatives against
the textbook formula written out here (closed form), and backward's gradients
against central finite differences (``gradcheck``), which know nothing of any
derivative rule. Then the graph mechanics (reused nodes, diamonds, repeated
backward, zeroing, a million-node chain), numerical safety, and every bad input.
"""

import math
import re

import pytest

from autodiff import Value, gradcheck


def grads(f, *xs):
    """Build f on fresh leaves holding xs, run backward, return (output, leaf grads)."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out, [leaf.grad for leaf in leaves]


def sigma(x):
    return 1.0 / (1.0 + math.exp(-x))


# ----------------------------------------------------------------------
# Every operation: value and gradient against the closed form, and gradcheck.
# Each case: (name, f on Values, inputs, expected value, expected gradients),
# the expected numbers computed by plain float formulas, not by the engine.
# ----------------------------------------------------------------------

X, Y = 1.7, -0.6

CASES = [
    ("add", lambda x, y: x + y, (X, Y), X + Y, (1.0, 1.0)),
    ("add number", lambda x: x + 2.5, (X,), X + 2.5, (1.0,)),
    ("radd", lambda x: 2.5 + x, (X,), 2.5 + X, (1.0,)),
    ("sub", lambda x, y: x - y, (X, Y), X - Y, (1.0, -1.0)),
    ("sub number", lambda x: x - 2.5, (X,), X - 2.5, (1.0,)),
    ("rsub", lambda x: 1 - x, (X,), 1 - X, (-1.0,)),
    ("mul", lambda x, y: x * y, (X, Y), X * Y, (Y, X)),
    ("mul number", lambda x: x * 2, (X,), X * 2, (2.0,)),
    ("rmul", lambda x: 2 * x, (X,), 2 * X, (2.0,)),
    ("div", lambda x, y: x / y, (X, Y), X / Y, (1 / Y, -X / Y**2)),
    ("div number", lambda x: x / 4.0, (X,), X / 4.0, (0.25,)),
    ("rdiv", lambda x: 3 / x, (X,), 3 / X, (-3 / X**2,)),
    ("neg", lambda x: -x, (X,), -X, (-1.0,)),
    ("pow 2", lambda x: x**2, (X,), X**2, (2 * X,)),
    ("pow 3 negative base", lambda x: x**3, (Y,), Y**3, (3 * Y**2,)),
    ("pow -1", lambda x: x**-1, (Y,), 1 / Y, (-1 / Y**2,)),
    ("pow -2", lambda x: x**-2, (X,), X**-2, (-2 * X**-3,)),
    ("pow 0.5", lambda x: x**0.5, (X,), math.sqrt(X), (0.5 / math.sqrt(X),)),
    ("pow 1.5", lambda x: x**1.5, (X,), X**1.5, (1.5 * X**0.5,)),
    ("pow 0", lambda x: x**0, (X,), 1.0, (0.0,)),
    (
        "pow Value",
        lambda x, y: x**y,
        (X, Y),
        X**Y,
        (Y * X ** (Y - 1), X**Y * math.log(X)),
    ),
    ("rpow", lambda x: 2.5**x, (Y,), 2.5**Y, (2.5**Y * math.log(2.5),)),
    ("exp", lambda x: x.exp(), (Y,), math.exp(Y), (math.exp(Y),)),
    ("log", lambda x: x.log(), (X,), math.log(X), (1 / X,)),
    ("tanh", lambda x: x.tanh(), (Y,), math.tanh(Y), (1 - math.tanh(Y) ** 2,)),
    ("sigmoid", lambda x: x.sigmoid(), (Y,), sigma(Y), (sigma(Y) * (1 - sigma(Y)),)),
    ("sigmoid positive", lambda x: x.sigmoid(), (X,), sigma(X), (sigma(X) * (1 - sigma(X)),)),
    ("relu positive", lambda x: x.relu(), (X,), X, (1.0,)),
    ("relu negative", lambda x: x.relu(), (Y,), 0.0, (0.0,)),
]


@pytest.mark.parametrize(
    "f, inputs, value, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_operation_matches_closed_form(f, inputs, value, expected):
    out, g = grads(f, *inputs)
    assert out.data == pytest.approx(value, rel=1e-14, abs=1e-15)
    assert g == pytest.approx(list(expected), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("f, inputs", [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_operation_passes_gradcheck(f, inputs):
    assert gradcheck(f, inputs) is True


@pytest.mark.parametrize("x", [-2.3, -0.4, 0.0, 0.3, 1.9, 5.0])
def test_smooth_functions_pass_gradcheck_over_a_range(x):
    for f in (Value.exp, Value.tanh, Value.sigmoid, lambda v: v**3, lambda v: 2.5**v):
        assert gradcheck(f, [x])


def test_relu_derivative_at_zero_is_zero():
    # A subgradient; the choice every framework makes (PyTorch included).
    out, (g,) = grads(Value.relu, 0.0)
    assert out.data == 0.0 and g == 0.0


def test_operators_accept_ints_and_floats_on_either_side():
    x = Value(3.0)
    for out, value in [
        (x + 1, 4.0),
        (1 + x, 4.0),
        (x - 1, 2.0),
        (1 - x, -2.0),
        (x * 2, 6.0),
        (2 * x, 6.0),
        (x / 2, 1.5),
        (3 / x, 1.0),
        (x**2, 9.0),
        (2**x, 8.0),
        (x + 0.5, 3.5),
        (0.5 * x, 1.5),
        (2.0**x, 8.0),
        (x ** Value(2), 9.0),
    ]:
        assert isinstance(out, Value)
        assert out.data == value


def test_unary_plus_is_the_identity():
    x = Value(1.5)
    y = +x
    assert y.data == 1.5
    (y * 2).backward()
    assert x.grad == 2.0


def test_pow_of_a_value_by_a_value_gives_both_derivatives():
    # d/dx x^y = y x^(y-1),  d/dy x^y = x^y ln x
    for x, y in [(0.5, 3.0), (2.0, -1.5), (3.0, 0.0), (1.0, 7.0)]:
        out, (gx, gy) = grads(lambda a, b: a**b, x, y)
        assert out.data == pytest.approx(x**y, rel=1e-14)
        assert gx == pytest.approx(y * x ** (y - 1), rel=1e-13, abs=1e-15)
        assert gy == pytest.approx(x**y * math.log(x), rel=1e-13, abs=1e-15)


def test_zero_base_with_positive_exponents():
    # 0^2 = 0 with derivative 2*0 = 0; 0^1 = 0 with derivative 1
    assert grads(lambda x: x**2, 0.0)[1] == [0.0]
    assert grads(lambda x: x**1, 0.0)[1] == [1.0]
    out, (gx, gy) = grads(lambda x, y: x**y, 0.0, 2.0)
    assert (out.data, gx, gy) == (0.0, 0.0, 0.0)


# ----------------------------------------------------------------------
# Attributes
# ----------------------------------------------------------------------


def test_leaf_attributes():
    v = Value(3, label="w")
    assert type(v.data) is float and v.data == 3.0
    assert type(v.grad) is float and v.grad == 0.0
    assert v.label == "w"
    assert v.op == ""
    assert v.parents == ()
    assert Value(2.5).label == ""


def test_result_grad_starts_at_zero_and_data_is_float():
    out = Value(2) * Value(3)
    assert type(out.data) is float and out.data == 6.0
    assert out.grad == 0.0


@pytest.mark.parametrize(
    "make, op, n_parents",
    [
        (lambda a, b: a + b, "+", 2),
        (lambda a, b: a - b, "-", 2),
        (lambda a, b: a * b, "*", 2),
        (lambda a, b: a / b, "/", 2),
        (lambda a, b: a**b, "**", 2),
        (lambda a, b: -a, "neg", 1),
        (lambda a, b: a.exp(), "exp", 1),
        (lambda a, b: a.log(), "log", 1),
        (lambda a, b: a.tanh(), "tanh", 1),
        (lambda a, b: a.sigmoid(), "sigmoid", 1),
        (lambda a, b: a.relu(), "relu", 1),
    ],
)
def test_op_names_and_parents_in_operand_order(make, op, n_parents):
    a, b = Value(2.0, label="a"), Value(0.5, label="b")
    out = make(a, b)
    assert out.op == op
    expected = (a, b)[:n_parents]
    assert len(out.parents) == n_parents
    assert all(p is q for p, q in zip(out.parents, expected, strict=True))


def test_pow_by_a_number_names_the_exponent():
    a = Value(2.0)
    for out in (a**2, a**0.5, a**-1):
        assert out.op.startswith("**") and out.op != "**"
        assert out.parents == (a,)
    assert "2" in (a**2).op and "0.5" in (a**0.5).op and "-1" in (a**-1).op


def test_reflected_forms_keep_operand_order():
    # 1 - v is (1) - (v): the number is the first parent, a new leaf holding it
    v = Value(4.0)
    for out, op in [(1 - v, "-"), (3 / v, "/"), (2.5**v, "**"), (2 * v, "*"), (1 + v, "+")]:
        first, second = out.parents
        assert out.op == op
        assert second is v
        assert first.op == "" and first.parents == ()
    assert (1 - v).parents[0].data == 1.0
    assert (3 / v).parents[0].data == 3.0


def test_repr_shows_data_and_grad():
    v = Value(2.5, label="x")
    (v * 3).backward()
    text = repr(v)
    assert "2.5" in text and "3.0" in text
    assert "data" in text and "grad" in text


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label.*int"):
        Value(1.0, label=3)


# ----------------------------------------------------------------------
# The chain rule over shared nodes
# ----------------------------------------------------------------------


def test_reused_node_gets_the_sum_of_its_paths():
    a = Value(1.5)
    b = a + a
    c = b + b  # c = 4a
    c.backward()
    assert c.data == 6.0
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_same_operand_twice_in_a_product():
    a = Value(-1.25)
    c = a * a * a  # a^3
    c.backward()
    assert a.grad == pytest.approx(3 * 1.25**2, rel=1e-15)


def test_diamond_graph():
    # x feeds two branches that meet again: dF/dx = sum over both paths
    x = Value(0.7)
    u = x.exp()
    v = x * x
    f = u * v  # f = x^2 e^x, f' = (2x + x^2) e^x
    f.backward()
    expected = (2 * 0.7 + 0.7**2) * math.exp(0.7)
    assert x.grad == pytest.approx(expected, rel=1e-14)
    assert u.grad == pytest.approx(0.7**2, rel=1e-15)
    assert v.grad == pytest.approx(math.exp(0.7), rel=1e-15)


def test_wide_diamond_many_paths():
    # x -> 50 intermediate nodes k*x -> their sum: df/dx = sum_k k
    x = Value(0.3)
    total = Value(0.0)
    for k in range(1, 51):
        total = total + k * x
    total.backward()
    assert x.grad == sum(range(1, 51))


def test_nested_diamonds_double_the_paths():
    # y_{k+1} = y_k + y_k: 2^k paths from x to y_k, so dy_k/dx = 2^k
    x = Value(1.0)
    y = x
    for _ in range(40):
        y = y + y
    y.backward()
    assert x.grad == 2.0**40
    assert y.data == 2.0**40


def test_backward_on_a_leaf_seeds_one():
    v = Value(3.0)
    v.backward()
    assert v.grad == 1.0


def test_leaves_unrelated_to_the_root_are_untouched():
    a, b = Value(1.0), Value(2.0)
    out = a * 3
    _ = b * 3
    out.backward()
    assert a.grad == 3.0 and b.grad == 0.0


# ----------------------------------------------------------------------
# Repeated backward and zeroing
# ----------------------------------------------------------------------


def test_backward_twice_doubles_leaf_grads():
    x, w = Value(0.8), Value(-1.1)
    h = x * w
    out = h.tanh()
    out.backward()
    first = (x.grad, w.grad)
    out.backward()
    assert x.grad == 2 * first[0]
    assert w.grad == 2 * first[1]
    # the closed form: d tanh(xw)/dx = (1 - tanh^2) w
    assert first[0] == pytest.approx((1 - math.tanh(-0.88) ** 2) * -1.1, rel=1e-14)


def test_backward_twice_intermediate_nodes_hold_the_latest_pass():
    # The engine's documented semantics: leaves accumulate, intermediate nodes
    # are reset at the start of each pass, so they hold d(root)/d(node) of the
    # latest backward() alone; the root holds 1.0.
    x = Value(2.0)
    h = x * x
    out = 3 * h
    out.backward()
    out.backward()
    assert x.grad == 2 * (3 * 2 * 2.0)
    assert h.grad == 3.0
    assert out.grad == 1.0


def test_intermediate_node_shared_by_two_roots_holds_the_latest_root():
    x = Value(0.5)
    h = x.exp()
    first, second = 2 * h, h * h
    first.backward()
    second.backward()
    assert h.grad == pytest.approx(2 * math.exp(0.5), rel=1e-15)  # d(h^2)/dh only
    # leaves add both: 2 e^x + 2 e^(2x)
    assert x.grad == pytest.approx(2 * math.exp(0.5) + 2 * math.exp(1.0), rel=1e-14)


def test_zeroing_leaves_by_hand_restarts_accumulation():
    x = Value(1.5)
    out = x**2
    out.backward()
    out.backward()
    assert x.grad == 6.0
    x.grad = 0.0
    out.backward()
    assert x.grad == 3.0


def test_zero_grad_clears_the_whole_graph():
    x, w = Value(0.3), Value(2.0)
    h = x * w
    out = h.sigmoid() + w
    out.backward()
    assert x.grad != 0.0 and w.grad != 0.0
    out.zero_grad()
    for node in (x, w, h, out):
        assert node.grad == 0.0
    out.backward()
    s = sigma(0.6)
    assert x.grad == pytest.approx(s * (1 - s) * 2.0, rel=1e-14)
    assert w.grad == pytest.approx(s * (1 - s) * 0.3 + 1.0, rel=1e-14)


# ----------------------------------------------------------------------
# A million-node chain: the sort and the sweep are loops, not recursion
# ----------------------------------------------------------------------


def test_million_node_chain():
    # x_{k+1} = x_k * c with one shared c: x_N = x_0 c^N,
    # dx_N/dx_0 = c^N, dx_N/dc = N x_0 c^(N-1)
    n = 1_000_000
    x0, c = Value(0.5), Value(1.0 + 1e-6)
    x = x0
    for _ in range(n):
        x = x * c
    x.backward()
    cn = math.exp(n * math.log1p(1e-6))
    # n roundings in the forward product: relative error below n * 2^-53 ~ 1e-10
    assert x.data == pytest.approx(0.5 * cn, rel=1e-9)
    assert x0.grad == pytest.approx(cn, rel=1e-9)
    assert c.grad == pytest.approx(n * 0.5 * cn / (1.0 + 1e-6), rel=1e-9)
    del x  # freeing the chain must not overflow the C stack either


def test_deep_chain_of_one_input_operations():
    # a path through nodes with a single parent: y = -(-(...(-x))), 200,001 times
    x = Value(0.3)
    y = x
    for _ in range(200_001):
        y = -y
    y.backward()
    assert y.data == -0.3
    assert x.grad == -1.0


# ----------------------------------------------------------------------
# Numerical safety
# ----------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1e308, -1000.0, -710.0, -50.0, 50.0, 710.0, 1000.0, 1e308])
def test_sigmoid_and_tanh_stay_in_range_with_finite_grads(x):
    for method, low, high in ((Value.sigmoid, 0.0, 1.0), (Value.tanh, -1.0, 1.0)):
        v = Value(x)
        out = method(v)
        out.backward()
        assert low <= out.data <= high
        assert math.isfinite(v.grad) and v.grad >= 0.0
    assert Value(x).sigmoid().data == (1.0 if x > 0 else pytest.approx(0.0, abs=1e-21))
    assert Value(x).tanh().data == math.copysign(1.0, x)


def test_sigmoid_tails_match_the_closed_form():
    # sigma(-40) = e^-40 / (1 + e^-40): tiny but not flushed to zero
    assert Value(-40.0).sigmoid().data == pytest.approx(math.exp(-40) / (1 + math.exp(-40)))
    assert Value(-700.0).sigmoid().data > 0.0


@pytest.mark.parametrize("x", [-700.0, -40.0, -11.0, -1.0, 1.0, 11.0, 40.0, 700.0])
def test_sigmoid_gradient_keeps_its_relative_precision_in_the_tails(x):
    # sigma'(x) = e^-|x| / (1 + e^-|x|)^2, symmetric in x; computed as s (1 - s)
    # by subtraction it would lose every digit for large positive x
    e = math.exp(-abs(x))
    v = Value(x)
    v.sigmoid().backward()
    assert v.grad == pytest.approx(e / (1 + e) ** 2, rel=1e-14)


def test_large_but_finite_results_are_fine():
    assert Value(709.0).exp().data == pytest.approx(math.exp(709.0))
    assert (Value(1e154) * Value(1e154)).data == pytest.approx(1e308)


# ----------------------------------------------------------------------
# Bad input: a clear exception naming what was wrong
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, type_name",
    [("3", "str"), (None, "NoneType"), ([1.0], "list"), (True, "bool"), (1 + 2j, "complex")],
)
def test_value_refuses_non_numbers_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_value_refuses_nan_and_infinity(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        Value(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize(
    "apply",
    [
        lambda v, c: v + c,
        lambda v, c: c - v,
        lambda v, c: v * c,
        lambda v, c: c / v,
        lambda v, c: v**c,
        lambda v, c: c**v,
    ],
    ids=["add", "rsub", "mul", "rdiv", "pow", "rpow"],
)
@pytest.mark.parametrize("x", [0.5, 2.0, -2.0])
def test_nan_and_infinite_operands_are_refused_like_nan_data(apply, bad, x):
    # never a silent NaN: not in the result, not in a stored derivative
    # (0.5 ** inf is 0.0, but its derivative inf * 0.5^inf is NaN)
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        apply(Value(x), bad)


@pytest.mark.parametrize(
    "apply",
    [
        lambda v: v + "a",
        lambda v: "a" + v,
        lambda v: v * None,
        lambda v: [1.0] * v,
        lambda v: v - "a",
        lambda v: "a" / v,
        lambda v: v ** "a",
        lambda v: "a" ** v,
    ],
)
def test_operations_refuse_non_numbers(apply):
    with pytest.raises(TypeError, match="Value|str|NoneType|list"):
        apply(Value(1))


def test_add_string_names_both_types():
    with pytest.raises(TypeError, match="Value.*str"):
        Value(1) + "a"


@pytest.mark.parametrize("x", [0.0, -1.0, -1e-300])
def test_log_of_non_positive_names_the_value(x):
    with pytest.raises(ValueError, match=re.escape(f"log({x!r})")):
        Value(x).log()


@pytest.mark.parametrize(
    "divide",
    [lambda a, b: a / b, lambda a, b: a / b.data, lambda a, b: a.data / b],
)
def test_division_by_zero(divide):
    with pytest.raises(ZeroDivisionError, match="zero"):
        divide(Value(2.0), Value(0.0))


def test_zero_to_a_negative_power():
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** Value(-1.0)


@pytest.mark.parametrize("x", [710.0, 1000.0, 1e308])
def test_exp_overflow_names_exp_and_the_argument(x):
    with pytest.raises(OverflowError, match=re.escape(f"exp({x!r})")):
        Value(x).exp()


@pytest.mark.parametrize("base, exponent", [(-8.0, 1 / 3), (-2.0, 0.5), (-1e-3, 2.5)])
def test_negative_base_to_non_integer_power(base, exponent):
    with pytest.raises(ValueError, match=re.escape(repr(base)) + ".*" + re.escape(repr(exponent))):
        Value(base) ** exponent
    with pytest.raises(ValueError, match=re.escape(repr(base))):
        Value(base) ** Value(exponent)
    with pytest.raises(ValueError, match=re.escape(repr(base))):
        base ** Value(exponent)


@pytest.mark.parametrize(
    "make, operator",
    [
        (lambda: Value(1e308) * 10, r"\*"),
        (lambda: Value(1e308) + Value(1e308), r"\+"),
        (lambda: Value(-1e308) - 1e308, "-"),
        (lambda: Value(1e308) / 0.1, "/"),
        (lambda: Value(1e200) ** 2, r"\*\*"),
        (lambda: Value(10.0) ** Value(400.0), r"\*\*"),
        (lambda: 10.0 ** Value(400.0), r"\*\*"),
    ],
)
def test_overflowing_results_raise_naming_the_operation(make, operator):
    with pytest.raises(OverflowError, match=operator):
        make()


def test_overflowing_gradient_raises_in_backward():
    # every value finite (1e-300, 1, 1e300), but d(out)/dx = 1e300 * 1e300 overflows
    x = Value(1e-300)
    out = (x * 1e300) * 1e300
    with pytest.raises(OverflowError, match="backward"):
        out.backward()


def test_an_int_beyond_the_largest_float_is_refused_by_name():
    with pytest.raises(ValueError, match=r"Value must be a finite number, got 1000.*largest"):
        Value(10**400)
