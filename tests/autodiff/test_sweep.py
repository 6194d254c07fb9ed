"""autodiff.sweep: backward()'s arithmetic recorded, the graph left alone."""

import struct

import pytest

from autodiff import Value, topological_order
from autodiff.sweep import reverse_sweep


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
