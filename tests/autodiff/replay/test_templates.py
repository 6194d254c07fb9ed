"""autodiff.replay.templates: replay's code for an operation is its rule, inlined.

An operation added to the table at run time (here softplus and hypot, written in
this file) is applied to Values through ``Value.apply``, recorded, and replayed
with nothing else written for it: bit for bit what Values and ``backward()``
give, and its derivative right by central differences.
"""

import math
import struct
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, gradcheck, record
from autodiff.ops import OPS, SIGMOID, Op, lookup, register
from autodiff.replay.templates import code_of
from autodiff.rule_source import RuleError


def bits(xs):
    return [struct.pack("<d", x) for x in xs]


def softplus(x: float) -> tuple[float, float]:
    """ln(1 + e^x) without overflow;  d/dx = sigma(x)."""
    if x > 0.0:
        e = math.exp(-x)
        return x + math.log1p(e), 1.0 / (1.0 + e)
    e = math.exp(x)
    return math.log1p(e), e / (1.0 + e)


def hypot(x: float, y: float) -> tuple[float, float, float]:
    """sqrt(x^2 + y^2);  d/dx = x / r, d/dy = y / r, undefined at the origin."""
    r = math.hypot(x, y)
    if r == 0.0:
        raise ZeroDivisionError(f"hypot({x!r}, {y!r}): no derivative at the origin")
    return r, x / r, y / r


SOFTPLUS = Op("softplus", 1, softplus, lambda x: x.apply(SOFTPLUS), symbol="softplus",
              text="softplus({x})", derivatives=("σ({x})",), tex=r"\operatorname{{softplus}}({x})",
              tex_derivatives=(r"\sigma({x})",), hides=True)
HYPOT = Op("hypot", 2, hypot, lambda x, y: x.apply(HYPOT, y), symbol="hypot",
           text="hypot({x}, {y})", derivatives=("{x}/{out}", "{y}/{out}"),
           tex=r"\sqrt{{{x}^2 + {y}^2}}", tex_derivatives=(r"{x}/{out}", r"{y}/{out}"),
           hides=True)


@contextmanager
def added_ops():
    """softplus and hypot in the op table for a while, and out again after it."""
    for op in (SOFTPLUS, HYPOT):
        register(op)
    try:
        yield
    finally:
        for op in (SOFTPLUS, HYPOT):
            del OPS[op.name]


@pytest.fixture
def added():
    with added_ops():
        yield


def build(xs, ps):
    """C = softplus(w x + b) * hypot(x, w) - softplus(-x): both added ops, more than once."""
    x, = xs
    w, b = ps
    return [(w * x + b).apply(SOFTPLUS) * x.apply(HYPOT, w) - (-x).apply(SOFTPLUS)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-40.0, 40.0) | st.floats(allow_nan=False, allow_infinity=False),
                min_size=3, max_size=3))
def test_an_op_added_at_run_time_replays_bit_for_bit(numbers):
    x, w, b = numbers
    with added_ops():
        xs, ps = [Value(1.0)], [Value(0.5), Value(-0.25)]
        tape = record(build(xs, ps), inputs=xs, params=ps)
        leaves = [Value(x)], [Value(w), Value(b)]
        try:
            C = build(*leaves)[0]
            C.backward()
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            with pytest.raises(type(error)):
                tape([x], [w, b])
            return
        r = tape([x], [w, b])
    assert bits(r.outputs) == bits([C.data])
    assert bits(r.input_grads + r.param_grads) == bits(v.grad for v in (*leaves[0], *leaves[1]))


def test_an_op_added_at_run_time_is_differentiated_right(added):
    for x, w, b in [(0.3, -1.2, 0.4), (2.0, 0.5, -3.0), (-1.5, 2.5, 1.0)]:
        assert gradcheck(lambda x, w, b: build([x], [w, b])[0], [x, w, b])
    x = Value(0.7)
    x.apply(SOFTPLUS).backward()
    assert x.grad == pytest.approx(1.0 / (1.0 + math.exp(-0.7)), rel=1e-15)


def test_the_tape_runs_the_rule_itself(added):
    xs, ps = [Value(1.0)], [Value(0.5), Value(-0.25)]
    tape = record(build(xs, ps), inputs=xs, params=ps)
    assert "log1p(" in tape.source and "hypot(" in tape.source
    assert "no derivative at the origin" in tape.source  # the rule's own raise
    with pytest.raises(ZeroDivisionError, match=r"hypot\(0.0, 0.0\)"):
        tape([0.0], [0.0, 1.0])
    assert tape.rebuilds == 1  # the error, raised by the rule in the code, then by Values
    assert lookup("softplus") == (SOFTPLUS, None)


def test_an_added_op_is_checked_where_it_is_added():
    with pytest.raises(ValueError, match="named 'sigmoid' already"):
        register(SIGMOID)

    def rounded(x):
        return round(x), 0.0

    with pytest.raises(RuleError, match=r"rule rounded, line \d+: the call round\(x\)"):
        register(Op("rounded", 1, rounded, round, symbol="r", text="r", derivatives=("0",),
                    tex="r", tex_derivatives=("0",)))
    assert "rounded" not in OPS


def test_a_sigmoid_is_generated_as_its_rule_reads():
    code = code_of(SIGMOID)
    assert code.forward == (
        "if {x} >= 0.0:",
        "    {t}e = exp(-{x})",
        "    {out} = 1.0 / (1.0 + {t}e)",
        "    {dx} = {out} * ({t}e * {out})",
        "else:",
        "    {t}e = exp({x})",
        "    {t}d = 1.0 + {t}e",
        "    {out} = {t}e / {t}d",
        "    {dx} = {out} / {t}d",
    )
    assert code.local == ("{dx}",) and code.expression is None
