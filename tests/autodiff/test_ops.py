"""The op table: each entry's rule, the replay code made from it, its Value method, its texts.

The rule is the reference for everything else written about an operation: the
code replay generates from it must give its numbers bit for bit (compared as
the floats' 8 bytes), and raise its errors, and so must the Value method (the
fast paths of + and * included).
"""

import math
import re
import struct

import pytest
from conftest import EXPONENTS, page, python_blocks, section
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, gradcheck
from autodiff.ops import COS, DIV, MUL, OPS, POWER, SIGMOID, SIN, lookup, power_name
from autodiff.replay.codegen import NAMESPACE
from autodiff.replay.templates import code_of

ENGINE_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
ENTRIES = [(op, None) for op in OPS.values() if not op.parametrised]
ENTRIES += [(POWER, float(n)) for n in (*EXPONENTS, 7, -2.5, 0.25)]


def entry_id(entry):
    op, n = entry
    return power_name(n) if op.parametrised else op.name


def bits(numbers):
    return [struct.pack("<d", x) for x in numbers]


def template_function(op, n):
    """A function of x (and y) made from the entry's replay code alone."""
    code = code_of(op, n)
    names = {"out": "out", "x": "x", "y": "y", "dx": "dx", "dy": "dy", "t": "t"}
    body = [s.format(**names) for s in code.forward]
    local = [d.format(**names) for d in code.local]
    source = "def f(x, y=None):\n" + "".join(f"    {s}\n" for s in body)
    source += f"    return (out, {', '.join(local)})\n"
    namespace = dict(NAMESPACE)
    exec(source, namespace)
    return namespace["f"]


def rule(op, n, operands):
    return op.rule(*operands, n) if op.parametrised else op.rule(*operands)


# floats of every size, subnormals and signed zeros included; no inf or NaN
# (Values are finite)
floats = st.floats(allow_nan=False, allow_infinity=False)
usual = st.floats(-30.0, 30.0)
operands = st.one_of(st.tuples(floats, floats), st.tuples(usual, usual))


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
@settings(max_examples=300, deadline=None)
@given(operands)
def test_replay_template_gives_the_rule_numbers_bit_for_bit(entry, xy):
    op, n = entry
    xy = xy[: op.arity]
    f = template_function(op, n)
    try:
        expected = rule(op, n, xy)
    except ENGINE_ERRORS as error:
        # the rule refuses: the template must not pass a finite result off as
        # right; being the rule itself, it raises the rule's very error
        with pytest.raises(type(error)) as raised:
            got = f(*xy)
            assert not all(isinstance(v, float) and math.isfinite(v) for v in got), (xy, got)
        assert str(raised.value) == str(error)
        return
    got = f(*xy)
    assert bits(got) == bits(expected), (xy, got, expected)


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
@settings(max_examples=200, deadline=None)
@given(operands)
def test_value_methods_apply_the_rule(entry, xy):
    """Value's operator or method for each entry: the rule's numbers, and its errors."""
    op, n = entry
    xy = xy[: op.arity]
    leaves = [Value(v) for v in xy]
    args = (*leaves, n) if op.parametrised else leaves
    try:
        expected = rule(op, n, xy)
    except ENGINE_ERRORS as error:
        with pytest.raises(type(error)) as raised:
            op.apply(*args)
        if isinstance(error, OverflowError):  # Python's own (math.exp, **): Value names the op
            assert "beyond the largest float" in str(raised.value)
            assert f"{xy[0]!r}" in str(raised.value)
        else:
            assert str(raised.value) == str(error)
        return
    if not all(math.isfinite(v) for v in expected[:1]):
        with pytest.raises(OverflowError, match="beyond the largest float"):
            op.apply(*args)
        return
    out = op.apply(*args)
    assert bits([out.data, *out.local_grads]) == bits(expected)
    assert out.parents == tuple(leaves)
    assert lookup(out.op) == (op, n)


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_every_entry_is_complete(entry):
    op, n = entry
    assert op.arity in (1, 2)
    assert len(op.derivatives) == len(op.tex_derivatives) == op.arity
    assert len(code_of(op, n).local) == op.arity
    names = {"x": "x", "y": "y", "n": "2", "out": "r"}
    for text in (op.text, op.tex, *op.derivatives, *op.tex_derivatives):
        formatted = text.format(**names)
        assert formatted.count("{") == formatted.count("}")
    assert op.symbol
    for k in range(op.arity):
        assert op.formula(k, n).startswith("∂(")


def test_formulas_read_as_the_lecture_writes_them():
    assert MUL.formula(0) == "∂(x·y)/∂x = y"
    assert MUL.formula(1) == "∂(x·y)/∂y = x"
    assert DIV.formula(1) == "∂(x/y)/∂y = −x/y²"
    assert SIGMOID.formula(0) == "∂(σ(x))/∂x = σ(x)·(1 − σ(x))"
    assert POWER.formula(0, 2.0) == "∂(x^2)/∂x = 2·x^(2 − 1)"
    assert SIN.formula(0) == "∂(sin x)/∂x = cos x"


def test_lookup_finds_every_op_name_value_records():
    assert lookup("*") == (MUL, None)
    assert lookup("**2") == (POWER, 2.0)
    assert lookup("**-0.5") == (POWER, -0.5)
    assert lookup(power_name(0.5)) == (POWER, 0.5)
    for bad in ("erf", "**", "**x", "**inf", ""):
        if bad == "**":
            assert lookup(bad)[0].name == "**"  # the power with a Value exponent
            continue
        with pytest.raises(KeyError, match="knows"):
            lookup(bad)


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_generated_code_may_call_what_the_rules_call(entry):
    assert set(NAMESPACE) >= {"exp", "log", "tanh", "sin", "cos"}
    forward = " ".join(code_of(*entry).forward)
    called = set(re.findall(r"\b([a-z]\w*)\(", re.sub(r"f'[^']*'", "", forward)))
    assert called <= set(NAMESPACE), (entry, called)


# ----------------------------------------------------------------------
# sin and cos, the operations added through the table
# ----------------------------------------------------------------------


@given(st.floats(-50.0, 50.0))
def test_sin_and_cos_values_and_derivatives(x):
    s, c = Value(x), Value(x)
    out_s, out_c = s.sin(), c.cos()
    out_s.backward()
    out_c.backward()
    assert out_s.data == math.sin(x) and s.grad == math.cos(x)
    assert out_c.data == math.cos(x) and c.grad == -math.sin(x)


@given(st.floats(-6.0, 6.0))
def test_sin_and_cos_pass_gradcheck(x):
    assert gradcheck(lambda u: u.sin() * u.cos() + (2.0 * u).sin(), [x])


def test_sin_squared_plus_cos_squared():
    x = Value(0.7)
    one = x.sin() ** 2 + x.cos() ** 2
    one.backward()
    assert one.data == pytest.approx(1.0, abs=1e-15)
    assert x.grad == pytest.approx(0.0, abs=1e-15)
    assert (SIN.symbol, COS.symbol) == ("sin", "cos")


def test_the_docs_show_the_real_code_of_an_added_operation():
    blocks = python_blocks(section(page("docs/engine.md"), "The op table: one rule per operation"))
    (title_1, rule_and_entry), (title_2, method) = blocks[:2]
    assert (title_1, title_2) == ('title="autodiff/ops.py (excerpt)"',
                                  'title="autodiff/value.py (excerpt)"')
    for block, source in ((rule_and_entry, "autodiff/ops.py"), (method, "autodiff/value.py")):
        code = page(source)
        for line in block.splitlines():
            assert line.strip() in code, (source, line)
