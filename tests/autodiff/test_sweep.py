"""autodiff.sweep: backward()'s arithmetic recorded, the graph left alone; one sweep for all.

backward(), the recorded sweep and replay's generated code all go through
``chain_rule_steps``; backward()'s loop writes the steps out for speed, and is
checked here to add exactly what they say.
"""

import math
import struct

import pytest
from conftest import table_expression, table_operations
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, topological_order
from autodiff.sweep import reverse_sweep
from autodiff.value import chain_rule_steps


def test_a_reused_node_receives_a_share_per_use_in_backwards_order():
    a = Value(3.0)
    b = a * a  # a is both operands: two shares, 3 and 3
    c = b + b  # b is both operands too
    sweep = reverse_sweep(c)
    assert [(t.operand, t.upstream, t.local, t.value) for t in sweep.shares_of(b)] == [
        (0, 1.0, 1.0, 1.0), (1, 1.0, 1.0, 1.0)]
    assert [t.value for t in sweep.shares_of(a)] == [6.0, 6.0]
    assert sweep.grad(a) == 12.0 and sweep.grad(c) == 1.0
    assert a.grad == 0.0 and b.grad == 0.0  # nothing written into the graph


def test_the_grads_are_backwards_bit_for_bit():
    x, y = Value(0.7), Value(-1.3)
    out = ((x * y).tanh() + x / y - (x ** 2.5) * y.exp()).sigmoid() * x
    sweep = reverse_sweep(out)
    out.backward()
    for v in topological_order(out):
        assert struct.pack("<d", sweep.grad(v)) == struct.pack("<d", v.grad)


def test_refuses_what_is_not_a_value():
    with pytest.raises(TypeError, match="reverse_sweep expects a Value"):
        reverse_sweep(1.0)


# ----------------------------------------------------------------------
# One sweep: backward()'s loop is the chain rule's steps, written out
# ----------------------------------------------------------------------

OPERATIONS = sorted(table_operations(1)) + sorted(table_operations(2))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 50), st.integers(0, 50)),
                min_size=1, max_size=20),
       st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_backward_adds_what_the_chain_rule_steps_say_bit_for_bit(program, xs):
    root = table_expression(program, xs)
    order = topological_order(root)
    grads = {id(v): 0.0 for v in order}
    grads[id(root)] = 1.0
    for node, k, parent in chain_rule_steps(order, lambda v: v.parents):  # the definition
        grads[id(parent)] += node.local_grads[k] * grads[id(node)]
    try:
        root.backward()  # the written-out loop
    except OverflowError:  # raised once the sweep is done: the grads are there to compare
        assert not all(math.isfinite(grads[id(v)]) for v in order)
    for v in order:
        assert struct.pack("<d", v.grad) == struct.pack("<d", grads[id(v)])


def test_the_sweep_leaves_every_grad_as_it_found_it():
    x = Value(2.0)
    y = x * x + x
    y.backward()  # x.grad = 5
    y.backward()  # x.grad = 10: leaves accumulate
    before = [v.grad for v in topological_order(y)]
    sweep = reverse_sweep(y)
    assert [v.grad for v in topological_order(y)] == before
    assert sweep.grad(x) == 5.0  # the sweep starts from zeroed leaves, as its doc says
