"""autodiff.rule_source: every rule of the op table is within the Python code generators read.

Replay inlines each rule's source (and a later generator translates it), so a
rule must keep to the subset the module documents; these tests check every rule
of the table against it, and that what is outside is refused by name.
"""

import ast
import math

import pytest
from conftest import EXPONENTS

from autodiff import ops
from autodiff.rule_source import RuleError, rule_body


@pytest.mark.parametrize("op", list(ops.OPS.values()), ids=lambda op: op.name)
def test_every_rule_of_the_table_is_within_the_subset(op):
    exponents = [float(n) for n in (*EXPONENTS, 0, 7, -2.5, 0.25)] if op.parametrised else [None]
    for n in exponents:
        body = rule_body(op.rule, op.arity, {"n": n} if n is not None else None)
        assert body, op.name


def test_a_fixed_number_is_put_in_and_what_it_decides_worked_out():
    (square,) = rule_body(ops.pow_number, 1, {"n": 2.0})  # no test is left: x^2 is defined
    assert ast.unparse(square) == "return (x ** 2.0, 2.0 * x ** 1.0)"
    guards = rule_body(ops.pow_number, 1, {"n": 0.5})
    assert [ast.unparse(g.test) for g in guards[:-1]] == ["x < 0.0", "x == 0.0"]
    (zeroth,) = rule_body(ops.pow_number, 1, {"n": 0.0})
    assert ast.unparse(zeroth) == "return (x ** 0.0, 0.0)"


def test_a_branch_that_returns_takes_the_rest_as_its_else():
    (branches,) = rule_body(ops.sigmoid, 1)
    assert isinstance(branches, ast.If)
    assert isinstance(branches.body[-1], ast.Return) and isinstance(branches.orelse[-1],
                                                                      ast.Return)
    guard, rest = rule_body(ops.log, 1)  # a branch that raises stays a guard before the rest
    assert isinstance(guard.body[0], ast.Raise) and not guard.orelse
    assert isinstance(rest, ast.Return)


def loop(x):
    for _ in range(3):
        x = x * 2.0
    return x, 8.0


def guarded(x):
    try:
        out = math.exp(x)
    except OverflowError:
        out = 0.0
    return out, out


def calls_round(x):
    return round(x), 0.0


def reads_a_global(x):
    return x * math, 1.0


def returns_too_little(x, y):
    return x + y, 1.0


def raises_a_type_error(x):
    if x < 0.0:
        raise TypeError("no")
    return x, 1.0


def falls_through(x):
    if x > 0.0:
        return x, 1.0


def a_list(x):
    return [x][0], 1.0


@pytest.mark.parametrize("rule, arity, message", [
    (loop, 1, r"rule loop, line \d+: a For is outside"),
    (guarded, 1, "a Try"),
    (calls_round, 1, r"the call round\(x\) \(only math's functions\)"),
    (reads_a_global, 1, "the name 'math'"),
    (returns_too_little, 2, "the result and 2 local derivative"),
    (raises_a_type_error, 1, "raise of anything but ValueError or ZeroDivisionError"),
    (falls_through, 1, "every path must end in a return or a raise"),
    (a_list, 1, "a Subscript"),
    (lambda x: (x, 1.0), 1, "one def"),
])
def test_what_is_outside_the_subset_is_refused_by_name(rule, arity, message):
    with pytest.raises(RuleError, match=message):
        rule_body(rule, arity)
