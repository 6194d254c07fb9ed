"""A scalar that remembers how it was computed, and can differentiate itself.

Every operation on a :class:`Value` returns a new Value that records the
operation (``op``), its operands (``parents``) and, computed right away, the
*local* derivative of its result with respect to each operand. That is all the
chain rule needs: ``C.backward()`` visits the graph from ``C`` back to its
leaves, and leaves in every Value ``v`` that ``C`` depends on ``v.grad =
dC/dv``, the sum over all paths from ``v`` to ``C`` of the products of the
local derivatives along the path.

What each operation computes, and its local derivatives, is written once, in
the op table (``autodiff.ops``: ``mul(x, y)`` returns ``x * y, y, x``); this
module gives each entry an operator or a method. Every Value is finite: NaN and
infinity are refused, and so is a result that overflows, naming the operation.
Why it is built as it is (numbers rather than closures, two slots per node, the
garbage collector, the sort, the fast paths of ``+`` and ``*``): ``docs/engine.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import count
from typing import NoReturn, TypeVar, Union

from autodiff import ops
from autodiff.validate import finite_number, is_number, not_finite

Number = int | float
Operand = Union["Value", int, float]

N = TypeVar("N")  # a node: a Value, or a line of a recorded program
P = TypeVar("P")  # its operand
_pass_numbers = count(1)  # every topological sort gets a fresh mark


class Value:
    """A scalar node of a computation graph.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x          # y = x^2 + 3x
    >>> y.backward()               # dy/dx = 2x + 3
    >>> x.grad
    7.0

    Attributes:
        data: the value, a finite float.
        grad: dC/d(this node) after ``C.backward()``; 0.0 before.
        label: a name for people (graph pictures, reports); "" if none.
        op: the operation that made this node, "" for a leaf (an input).
        parents: the input Values of ``op``, in operand order; () for a leaf.
    """

    __slots__ = ("data", "grad", "label", "op", "_a", "_b", "_da", "_db", "_mark")
    data: float
    grad: float
    label: str
    op: str
    _a: Value | None  # the operands (None for a leaf, _b None for one operand)
    _b: Value | None
    _da: float  # d(this)/d(operand), beside each operand
    _db: float
    _mark: int  # where the node stands in the current topological sort

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = finite_number(data, "Value")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._b = None
        self._da = self._db = 0.0
        self._mark = 0

    @property
    def parents(self) -> tuple[Value, ...]:
        """The input Values of the operation that made this node, in operand order."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._a,)
        return (self._a, self._b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this)/d(parent) for each parent, computed when the node was made."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._da,)
        return (self._da, self._db)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # ------------------------------------------------------------------
    # Operations: each is an entry of the op table (autodiff.ops), whose rule
    # returns the result and, beside it, the local derivative by each operand.
    # ------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:  # x + y;  d/dx = 1, d/dy = 1
        if type(other) is not Value:
            return _binary(ops.ADD, self, other)
        # + and * are written out (ops.add and _node in one): nearly every node
        # of a network is one, and the way through _binary costs a training step
        # a fifth more (docs/engine.md); test_ops checks them against the rules.
        data = self.data + other.data
        if data - data != 0.0:  # true only for inf and nan
            _raise_not_finite(data, "+", self, other)
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = "+"
        out._a = self
        out._da = 1.0
        out._b = other
        out._db = 1.0
        out._mark = 0
        return out

    def __mul__(self, other: Operand) -> Value:  # x * y;  d/dx = y, d/dy = x
        if type(other) is not Value:
            return _binary(ops.MUL, self, other)
        x = self.data
        y = other.data
        data = x * y
        if data - data != 0.0:
            _raise_not_finite(data, "*", self, other)
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = "*"
        out._a = self
        out._da = y
        out._b = other
        out._db = x
        out._mark = 0
        return out

    def __sub__(self, other: Operand) -> Value:  # x - y;  d/dx = 1, d/dy = -1
        return _binary(ops.SUB, self, other)

    def __truediv__(self, other: Operand) -> Value:  # x / y;  d/dx = 1/y, d/dy = -x/y^2
        return _binary(ops.DIV, self, other)

    def __neg__(self) -> Value:  # -x;  d/dx = -1
        return _unary(ops.NEG, self)

    def __pow__(self, exponent: Operand) -> Value:
        """x ** y. A number exponent n is part of the operation (op "**2"): d/dx = n x^(n-1).

        A Value exponent is an operand (op "**"): d/dx = y x^(y-1), d/dy = x^y ln x.
        """
        if isinstance(exponent, Value):
            return _binary(ops.POW, self, exponent)
        if not is_number(exponent):
            return NotImplemented
        # a NaN or infinite exponent is refused like NaN data (0.5 ** inf would
        # otherwise carry a NaN derivative, inf * 0)
        return _unary(ops.POWER, self, finite_number(exponent, "the exponent"))

    def exp(self) -> Value:
        """e^x;  d/dx e^x = e^x."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """The natural logarithm ln x, for x > 0;  d/dx ln x = 1/x."""
        return _unary(ops.LOG, self)

    def tanh(self) -> Value:
        """tanh x;  d/dx tanh x = 1 - tanh(x)^2."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """The logistic function sigma(x) = 1 / (1 + e^-x);  sigma' = sigma (1 - sigma).

        Never overflows, and stays in [0, 1], for any finite x.
        """
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x);  its derivative is 1 for x > 0 and 0 otherwise (also at 0)."""
        return _unary(ops.RELU, self)

    def sin(self) -> Value:
        """sin x;  d/dx sin x = cos x."""
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """cos x;  d/dx cos x = -sin x."""
        return _unary(ops.COS, self)

    def apply(self, op: ops.Op, *operands: Operand) -> Value:
        """Any operation of the op table, this Value its first operand: ``x.apply(ops.MUL, y)``.

        Every operator and method above is this for its entry; an entry added
        at run time (``ops.register``) is applied this way. A number power
        takes its number: ``x.apply(ops.POWER, 2)`` is ``x ** 2``.
        """
        if op.parametrised and len(operands) == 1:
            return self ** operands[0]
        if not op.parametrised and len(operands) == op.arity - 1:
            return _unary(op, self) if op.arity == 1 else _binary(op, self, operands[0])
        raise TypeError(f"{op.name!r} takes {op.arity} operand(s), this Value and "
                        f"{len(operands)} more were given")

    # A number on the left: 2 * x, 1 - x, 2 / x, 2 ** x
    def __radd__(self, other: Operand) -> Value:
        return _binary(ops.ADD, other, self)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(ops.MUL, other, self)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(ops.SUB, other, self)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(ops.DIV, other, self)

    def __rpow__(self, base: Operand) -> Value:
        return _binary(ops.POW, base, self)

    def __pos__(self) -> Value:
        return self

    # ------------------------------------------------------------------
    # Backpropagation
    # ------------------------------------------------------------------

    def backward(self) -> None:
        """Apply the chain rule from this node back to every node it depends on.

        Seeds ``self.grad`` with 1.0 (dC/dC = 1), then visits the graph in
        reverse topological order, so that a node is reached only after every
        node that uses it has passed back its share: each node ``v`` adds
        ``v.grad * dv/dp`` into each parent ``p``. A node used several times
        thus receives the sum over its paths.

        Leaves (inputs and parameters) *accumulate*, as in PyTorch: a second
        ``backward()`` adds to their ``grad``. Set ``p.grad = 0.0`` on each
        parameter (``nn`` offers ``net.zero_grad()``) before the next step.
        Intermediate nodes restart from 0 on each call, so after a call their
        ``grad`` is exactly the derivative of this root with respect to them.

        The sort and the sweep are loops, not recursion: a graph of a million
        nodes in a chain is fine.

        If a gradient overflows to inf (or becomes NaN), ``OverflowError`` names
        the first node of the sweep where that happened; the grads are then
        meaningless.
        """
        order = _topological_order(self)
        self.grad += 1.0
        if chain_rule(order):
            _raise_gradient_overflow(order)

    def zero_grad(self) -> None:
        """Set the grad of this node and every node it depends on to 0.0."""
        for node in _topological_order(self):
            node.grad = 0.0


def _unary(op: ops.Op, x: Value, n: float | None = None) -> Value:
    """The node of a one-operand operation (of a number power, to the n), from its rule."""
    name = op.name if n is None else ops.power_name(n)
    try:
        data, dx = op.rule(x.data) if n is None else op.rule(x.data, n)
    except OverflowError:  # Python's own, from math.exp or **: named here
        _raise_overflow(name, x, None)
    return _node(data, name, x, dx)


def _binary(op: ops.Op, x: Operand, y: Operand) -> Value:
    """The node of x op y; a number operand becomes a constant leaf Value."""
    a = x if type(x) is Value else _lift(x)
    b = y if type(y) is Value else _lift(y)
    if a is None or b is None:  # Python then tries the other operand, or names both types
        return NotImplemented  # type: ignore[no-any-return]
    try:
        data, dx, dy = op.rule(a.data, b.data)
    except OverflowError:
        _raise_overflow(op.name, a, b)
    return _node(data, op.name, a, dx, b, dy)


def _node(
    data: float, op: str, a: Value, da: float, b: Value | None = None, db: float = 0.0
) -> Value:
    """Make the result node of an operation; refuse results that are not finite."""
    if data - data != 0.0:  # true only for inf and nan
        _raise_not_finite(data, op, a, b)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out._a = a
    out._da = da
    out._b = b
    out._db = db
    out._mark = 0
    return out


_new_value = object.__new__


def _lift(x: object) -> Value | None:
    """A Value as is; a real number as a new leaf Value; anything else None."""
    if isinstance(x, Value):
        return x
    # float and int first: the ABC check in is_number costs more than a node
    if type(x) is float or type(x) is int or is_number(x):
        return Value(x)  # type: ignore[arg-type]  # is_number: a real number
    return None


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on (``root`` last), each listed after all of its parents.

    ``backward()`` visits the nodes in the reverse of this order. The order is
    fixed by the graph: a depth-first search from ``root`` that explores a
    node's second operand before its first, and lists a node once everything
    it depends on is listed. So in ``C = e_1 + e_2 + e_3`` (built left to right)
    the nodes of e_3 come first, then those of e_2, then those of e_1, each
    term's nodes together: ``backward()`` finishes e_1 last. Nothing is changed
    in the graph (the grads stay as they are).
    """
    return _topological_order(root, reset=False)


def _topological_order(root: Value, reset: bool = True) -> list[Value]:
    """``topological_order(root)``; with ``reset``, non-leaf grads are set to 0.0 on the way.

    An iterative depth-first search. A node's ``_mark`` says where it stands in
    this pass: ``mark`` while its parents are being explored, ``done`` once it
    is listed. A leaf is listed as soon as it is found, and the search walks
    straight on to the parent it explores next (why: ``docs/engine.md``).
    """
    mark = next(_pass_numbers)
    done = -mark
    order = []
    stack = [root]
    while stack:
        node = stack.pop()
        seen = node._mark
        if seen == mark:  # back from its parents, all listed by now
            node._mark = done
            order.append(node)
            continue
        if seen == done:  # stacked by one user, then reached through another
            continue
        while True:  # node is new
            node._mark = mark
            stack.append(node)  # comes back once its parents are listed
            a = node._a
            if a is None:  # a leaf; only the root can be one here
                break
            if reset:
                node.grad = 0.0
            follow = None  # the parent to explore next
            if a._mark != done:
                if a._a is None:
                    a._mark = done
                    order.append(a)
                else:
                    follow = a
            b = node._b
            if b is not None and b._mark != done:
                if b._a is None:
                    b._mark = done
                    order.append(b)
                else:
                    if follow is not None:
                        stack.append(follow)
                    follow = b
            if follow is None:
                break
            node = follow
    return order


def chain_rule_steps(order: Sequence[N], parents: Callable[[N], Sequence[P]],
                     ) -> Iterator[tuple[N, int, P]]:
    """The chain rule's steps in ``backward()``'s order: (node, k, its k-th operand).

    Each node of ``order`` from the last (the root) to the first, and for each
    its operands in order: every node is reached after all of its users, so
    its grad is final when it passes it on. ``backward()`` adds, at each step,
    ``node.grad * d node/d operand`` into the operand's grad (:func:`chain_rule`);
    replay's generated code writes each step as a statement, for the nodes of
    a recorded program (``parents`` gives a node's operands).
    """
    for node in reversed(order):
        for k, parent in enumerate(parents(node)):
            yield node, k, parent


def chain_rule(order: list[Value]) -> bool:
    """``backward()``'s sweep: each step of ``chain_rule_steps`` over ``order`` adds grad × local
    derivative into the operand's grad. Returns whether a leaf's grad came out inf or NaN.

    The steps are written out here, with a node's own slots, because
    ``backward()`` spends its time in this loop (a test checks that it adds what
    ``chain_rule_steps`` says, bit for bit). An inf or NaN gradient anywhere
    spreads to every node below it (inf * 0 is NaN), leaves included; so
    watching the leaves is enough, and cheaper than a test at every node.
    """
    overflow = False
    for node in reversed(order):
        g = node.grad
        a = node._a
        if a is None:  # a leaf: nothing to pass on
            if g - g != 0.0:
                overflow = True
            continue
        a.grad += node._da * g
        b = node._b
        if b is not None:
            b.grad += node._db * g
    return overflow


def _raise_not_finite(data: float, op: str, a: Value, b: Value | None) -> NoReturn:
    raise OverflowError(f"{_operation(op, a, b)} = {data!r}: the result is {not_finite(data)}")


def _raise_overflow(op: str, a: Value, b: Value | None) -> NoReturn:
    raise OverflowError(f"{_operation(op, a, b)} overflows: the result or its local derivative "
                        "is beyond the largest float") from None


def _operation(op: str, a: Value, b: Value | None) -> str:
    """The operation with its operands' numbers: "1e+308 * 10.0", "exp(800.0)", "1e+200 ** 2"."""
    if b is not None:
        return f"{a.data!r} {op} {b.data!r}"
    if op.startswith("**"):
        return f"{a.data!r} ** {op[2:]}"
    return f"{op}({a.data!r})"


def _raise_gradient_overflow(order: list[Value]) -> NoReturn:
    """Name the first node of backward's sweep whose gradient is inf or NaN.

    Nodes are final once the sweep has passed them (only their users, earlier in
    the sweep, add to them), so this is the node, and the value, that a test at
    every node during the sweep would have found.
    """
    node, g = next((v, v.grad) for v in reversed(order) if v.grad - v.grad != 0.0)
    nan = " (not a number: an inf met another inf, or 0)" if g != g else ""
    raise OverflowError(
        f"backward: the gradient at {node!r} (op {node.op or 'leaf'!r}) is {g!r}{nan}; "
        "the derivatives along some path multiply beyond the largest float"
    )
