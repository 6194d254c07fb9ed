"""Replay: record a computation graph once, then run it again on new numbers.

Training builds the same graph again for every batch: the same operations on the
same kinds of operands, only the numbers differ. Most of the time goes into
making the Value objects, not into the arithmetic. If the *shape* of the graph
does not depend on the numbers, we can build it once, write down what it does,
and afterwards do just the arithmetic. This module does that in three steps.

1. Record. ``record(C, inputs=x, params=w)`` walks the graph under ``C`` in the
   order ``backward()`` uses (``_topological_order``) and writes each node down
   as a line of a *tape*: its operation and the positions of its operands. Leaves
   you designate (inputs, parameters) become slots to fill at replay time; every
   other leaf is a constant, its number baked into the tape.

2. Compile. The tape is turned into the source of one Python function, straight-
   line code with a local variable for most nodes: the forward pass, then the
   backward pass, exactly as ``Value`` and ``backward()`` would do them. For
   ``C = (y - relu(w * x + b)) ** 2`` with inputs x, y and parameters w, b::

       def replay(inputs, params, param_grads):
           [v3, v0] = inputs
           [v2, v1] = params
           [h0, h1] = param_grads
           # forward pass, parents before children
           v5 = (v2 * v3) + v1
           if v5 > 0.0:
               v6 = v5
               da6 = 1.0
           else:
               v6 = 0.0
               da6 = 0.0
           v7 = v0 - v6
           v8 = v7 ** 2.0
           da8 = 2.0 * v7 ** 1.0
           # backward pass, children before parents
           g7 = 0.0 + da8 * 1.0
           g6 = 0.0 - g7
           g5 = 0.0 + da6 * g6
           g1 = h1 + g5
           g2 = h0 + v3 * g5
           g3 = 0.0 + v2 * g5
           return [v8], [g3, g7], [g2, g1], [v5]

   ``da6`` and ``da8`` are the local derivatives, computed where ``Value``
   computes them. The product ``w * x`` (node 4) and the sum (node 5) pass
   their gradient on unchanged, so node 5's ``g5`` serves both: no code; and
   the product, used once and by a sum, needs no variable at all, it is
   written into the sum's expression. A param's grad starts from
   ``param_grads`` (``h0``, ``h1``), as ``backward()`` adds into a leaf's
   grad: that is how ``Tape.accumulate`` adds up the gradients of several
   examples. ``Tape.source`` shows the real thing. ``compile()`` turns it
   into bytecode once; a replay is then one call that makes no objects but
   floats.

3. Replay. ``tape(inputs, params)`` runs that function and returns the outputs
   and the gradients of the first output with respect to every designated leaf.

Bit for bit the same as ``Value``
---------------------------------
Floating-point arithmetic is not associative, so "the same result" needs the
same operations in the same order. The generated code uses each operation's
formula from ``value.py`` as written there (``x / y`` has local derivatives
``1.0 / y`` and ``-out / y``, not ``-x / y**2``; the sigmoid takes the same
branch and computes 1 - sigma the same way; ``x ** n`` differentiates as
``n * x ** (n - 1.0)``), and adds the contributions into each gradient in the
order ``backward()`` does. (So when ``value.py`` changes a formula, ``_forward``
below must change with it; ``tests/test_replay.py`` notices.) It leaves
out only operations whose result IEEE 754 fixes exactly: ``1.0 * g`` is ``g``,
``-1.0 * g`` is ``-g``, and ``0.0 + g`` is ``g`` when ``g`` is itself a
gradient (a sum that starts at 0.0 is never -0.0). So a sum node passes its
gradient on by renaming a variable: no code at all.

Errors as ``Value`` raises them
-------------------------------
``Value`` checks every result: it raises ``OverflowError`` for a result beyond
the largest float, ``ValueError`` or ``ZeroDivisionError`` outside an
operation's domain (``log`` of a negative number, division by zero). Checking
every node in the generated code would cost a test per node. Instead the fast
code runs unchecked, then looks once at a few numbers where any inf or NaN must
show: the outputs, the operands of the operations that could hide one
(``relu(-inf)`` is 0, ``sigmoid(inf)`` is 1, ``x / inf`` is 0, ...), and the
gradients of all leaves (an inf or NaN gradient flows down to every leaf
below it). If one of them is not finite, or Python itself raised, the tape
builds the graph again from real Values, in the recorded order, and runs
``backward()``: that raises exactly the error ``Value`` raises, message and
all. A false alarm (say a sum of huge but finite numbers) costs only the time
of that rebuild, which then returns the correct result. ``Tape.rebuilds``
counts them. One difference remains: when several operations would fail, the
rebuild meets them in the recorded order (parents first), which need not be
the order your code made them in, so it may report another of them.

Why generated code and not an interpreter
-----------------------------------------
The other way is a loop over the tape that looks up each line's operation and
reads and writes lists of floats. Measured on a [16, 32, 32, 1] training step
(batch 8, 27,396 nodes), a prototype of such an interpreter was 2.5 to 3x
faster than building Values; the straight-line code is 12 to 14x faster
(about 3 ms against 35): it spends nothing on dispatch or list indexing, and
local variables are the fastest storage CPython has. The price is paid once:
generating and compiling its 30,000 lines takes about a second, as long as
some 25 plain steps. ``benchmarks/bench_replay.py`` measures all this. Python's
compiler wants some 30 to 70 microseconds and 5 to 10 kB per node while it
works: nothing for a network's step, but a graph of a few hundred thousand
nodes takes seconds and gigabytes to record. Record one example, not the
whole data set, and use ``Tape.accumulate`` (as ``nn.replay`` does).

What replay cannot see
----------------------
A tape holds the graph as it was when recorded. Operations that choose a
branch from the numbers inside ``Value`` (``relu``, ``sigmoid``) are replayed
with the branch chosen anew each time. But a Python ``if`` in *your* code that
looks at ``v.data`` to decide what to build is invisible: the tape keeps the
branch taken while recording and replays it whatever the new numbers say. For
example ``y = x if x.data > 0 else -x`` records either ``x`` or ``-x``; replay
it on a negative x and you get the wrong answer, silently. Only record code
whose operations do not depend on the data (the ``nn`` networks and costs
qualify). Likewise a number computed outside the graph (``1.0 - y`` from plain
floats) is a constant of the tape; make it a designated input if it changes.
And only what the outputs depend on is recorded: an operation whose result no
output uses is not replayed (nor are its errors raised).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import NamedTuple

from autodiff.value import Value, _topological_order

# The operations the tape knows, by their number of operands; and "**n", a power
# with a number exponent n spelled in the op name ("**2", "**0.5").
UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu")
BINARY = ("+", "-", "*", "/", "**")


class Replayed(NamedTuple):
    """What one replay computed.

    outputs: the data of each recorded output, in the order given to ``record``.
    input_grads: d outputs[0] / d inputs[k] for each designated input.
    param_grads: d outputs[0] / d params[k] for each designated parameter
        (added to the ``param_grads`` the replay started from, if any).
    """

    outputs: list[float]
    input_grads: list[float]
    param_grads: list[float]


class _Unusual(ArithmeticError):
    """Raised by generated code for a rare case it leaves to the Value rebuild."""


def record(
    outputs: Value | Sequence[Value],
    inputs: Sequence[Value] = (),
    params: Sequence[Value] = (),
    *,
    backward: bool = True,
) -> Tape:
    """Record the graph under ``outputs`` for replay on new inputs and parameters.

    Args:
        outputs: a Value, or a list of Values; replay differentiates the first
            (typically the cost C) and also returns the data of the others.
        inputs: leaf Values whose numbers change from one replay to the next
            (the x and y of a batch).
        params: leaf Values to differentiate with respect to (weights, biases).
        backward: False for a tape that only computes the outputs (as building
            the graph without calling ``backward()``); its grads are empty lists.

    Every other leaf is a constant of the tape. ``inputs`` and ``params`` are
    treated alike, but for two things: they stay apart in ``Replayed``, and
    only the params' grads can start from given numbers (``param_grads``) and
    add up over several replays (``Tape.accumulate``).
    Recording runs ``_topological_order``, which resets the ``grad`` of the
    graph's non-leaf nodes to 0.0, as ``backward()`` does.
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    if not outs:
        raise ValueError("record needs at least one output Value, got none")
    for i, out in enumerate(outs):
        if not isinstance(out, Value):
            raise TypeError(f"outputs[{i}] must be a Value, got {type(out).__name__}: {out!r}")
    slots = {}  # id(leaf) -> ("inputs", k) or ("params", k)
    for what, leaves in (("inputs", inputs), ("params", params)):
        for k, leaf in enumerate(leaves):
            if not isinstance(leaf, Value):
                raise TypeError(f"{what}[{k}] must be a Value, got {type(leaf).__name__}: {leaf!r}")
            if leaf.op:
                raise ValueError(
                    f"{what}[{k}] must be a leaf Value (one made by Value(...)), "
                    f"got the result of {leaf.op!r}: {leaf!r}"
                )
            if id(leaf) in slots:
                first, j = slots[id(leaf)]
                raise ValueError(f"{what}[{k}] is the same Value as {first}[{j}]: {leaf!r}")
            slots[id(leaf)] = (what, k)
    return Tape(outs, slots, len(inputs), len(params), backward)


class Tape:
    """A recorded graph; call it to replay. Made by ``record``.

    Attributes:
        n_inputs, n_params: how many numbers each replay takes in each list.
        backward: whether replays differentiate (see ``record``).
        n_nodes: the number of nodes in the graph (leaves included).
        source: the generated Python source of the replay function.
        rebuilds: how many replays were handed to the Value rebuild (see the
            module docstring); 0 in normal use.
    """

    def __init__(
        self, outputs: list[Value], slots: dict, n_inputs: int, n_params: int, backward: bool
    ) -> None:
        self.n_inputs = n_inputs
        self.n_params = n_params
        self.backward = backward
        self.rebuilds = 0
        root_order = _topological_order(outputs[0]) if backward else []
        nodes = list(root_order)
        position = {id(v): i for i, v in enumerate(nodes)}
        for extra in outputs[1:] if backward else outputs:  # what only the others need
            for v in _topological_order(extra):
                if id(v) not in position:
                    position[id(v)] = len(nodes)
                    nodes.append(v)
        # The tape proper: one line per node, in an order fit for the forward pass.
        self._lines: list[tuple] = []
        for v in nodes:
            if not v.op:
                what, k = slots.get(id(v), ("const", v.data))
                self._lines.append((what, k))
            else:
                _check_op(v)
                b = -1 if v._b is None else position[id(v._b)]
                self._lines.append((v.op, position[id(v._a)], b))
        self._n_backward = len(root_order)  # the first n_backward lines, reversed
        self._outputs = [position[id(out)] for out in outputs]
        self._slot_nodes = {"inputs": [-1] * n_inputs, "params": [-1] * n_params}
        for i, line in enumerate(self._lines):
            if line[0] in ("inputs", "params"):
                self._slot_nodes[line[0]][line[1]] = i
        self.n_nodes = len(nodes)
        self.source = _generate(self)
        namespace = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "_Unusual": _Unusual}
        exec(compile(self.source, "<replay>", "exec"), namespace)
        self._run = namespace["replay"]

    def __repr__(self) -> str:
        return (
            f"Tape({self.n_nodes} nodes, {self.n_inputs} inputs, {self.n_params} params, "
            f"{len(self._outputs)} output{'s' * (len(self._outputs) != 1)})"
        )

    def __call__(
        self,
        inputs: Sequence[float],
        params: Sequence[float],
        param_grads: Sequence[float] | None = None,
    ) -> Replayed:
        """Replay on new numbers: ``inputs`` and ``params`` in the order given to ``record``.

        Returns the outputs and the gradients of the first output, bit for bit
        what building the graph with these numbers and calling ``backward()``
        would give, and raises what that would raise. The leaves' grads start
        at 0.0, or for the params at ``param_grads`` if given: ``backward()``
        adds into a leaf's grad, and so does replay.
        """
        inputs = _as_floats(inputs, self.n_inputs, "inputs")
        params = _as_floats(params, self.n_params, "params")
        if param_grads is None:
            param_grads = [0.0] * self.n_params
        else:
            param_grads = _as_floats(param_grads, self.n_params, "param_grads")
        return self._replay(inputs, params, param_grads)

    def accumulate(
        self, inputs: Sequence[Sequence[float]], params: Sequence[float]
    ) -> tuple[list[list[float]], list[float]]:
        """Replay once for each list of inputs, the params' grads adding up from one to the next.

        Bit for bit what building the graph for each ``inputs[i]`` in turn and
        calling ``backward()`` on each would give, with the params' grads
        starting at 0.0 and not zeroed in between: the gradient of the sum of
        the first outputs. Returns (the outputs of each replay, the params'
        grads). Cheaper than as many calls: the params are checked once.
        """
        params = _as_floats(params, self.n_params, "params")
        grads = [0.0] * self.n_params
        outputs = []
        for example in inputs:
            r = self._replay(_as_floats(example, self.n_inputs, "inputs"), params, grads)
            outputs.append(r.outputs)
            grads = r.param_grads
        return outputs, grads

    def _replay(self, inputs: list[float], params: list[float], grads: list[float]) -> Replayed:
        try:
            outputs, input_grads, param_grads, watch = self._run(inputs, params, grads)
        except (ArithmeticError, ValueError):
            return self._rebuild(inputs, params, grads)
        total = sum(watch) + sum(outputs) + sum(input_grads) + sum(param_grads)
        if total - total != 0.0:  # an inf or a NaN somewhere (or a false alarm)
            return self._rebuild(inputs, params, grads)
        return Replayed(outputs, input_grads, param_grads)

    def _rebuild(self, inputs: list[float], params: list[float], grads: list[float]) -> Replayed:
        """The slow, sure way: build the recorded graph from Values and call backward()."""
        self.rebuilds += 1
        numbers = {"inputs": inputs, "params": params}
        values: list[Value] = []
        for line in self._lines:
            what = line[0]
            if what in numbers:
                values.append(Value(numbers[what][line[1]]))
            elif what == "const":
                values.append(Value(line[1]))
            else:
                a = values[line[1]]
                b = values[line[2]] if line[2] >= 0 else None
                values.append(_apply(what, a, b))
        outputs = [values[i].data for i in self._outputs]
        if not self.backward:
            return Replayed(outputs, [], [])
        for i, g in zip(self._slot_nodes["params"], grads):
            if i >= 0:
                values[i].grad = g
        values[self._outputs[0]].backward()

        def grads_of(what: str, start: list[float]) -> list[float]:
            return [values[i].grad if 0 <= i < self._n_backward else g0
                    for i, g0 in zip(self._slot_nodes[what], start)]

        return Replayed(outputs, grads_of("inputs", [0.0] * self.n_inputs),
                        grads_of("params", grads))


def _check_op(v: Value) -> None:
    """Refuse, at record time, an operation the tape cannot replay."""
    op = v.op
    if op in UNARY and v._b is None or op in BINARY and v._b is not None:
        return
    if op.startswith("**") and v._b is None:
        try:
            float(op[2:])
        except ValueError:
            pass
        else:
            return
    raise ValueError(
        f"replay does not know the operation {op!r} (of {v!r}); it knows {', '.join(BINARY)}, "
        f"{', '.join(UNARY)} and '**n' with a number n"
    )


def _apply(op: str, a: Value, b: Value | None) -> Value:
    """Perform a recorded operation with Values, exactly as the user's code did."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "**":
        return a**b
    if op.startswith("**"):
        return a ** float(op[2:])
    if op == "neg":
        return -a
    return getattr(a, op)()  # exp, log, tanh, sigmoid, relu


def _as_floats(numbers: Sequence[float], n: int, what: str) -> list[float]:
    """``numbers`` as a list of n finite floats, or an error naming what is wrong."""
    if isinstance(numbers, (str, bytes)) or not isinstance(numbers, Sequence):
        raise TypeError(f"{what} must be a sequence of {n} numbers, got {type(numbers).__name__}")
    if len(numbers) != n:
        raise ValueError(f"this tape was recorded with {n} {what}, got {len(numbers)}")
    numbers = list(numbers)
    # The usual case, all floats, in one pass at C speed; else look at each.
    if set(map(type, numbers)) <= {float} and math.isfinite(sum(numbers)):
        return numbers
    for k, x in enumerate(numbers):
        if isinstance(x, bool) or not isinstance(x, Real):
            raise TypeError(f"{what}[{k}] must be a real number, got {type(x).__name__}: {x!r}")
        numbers[k] = float(x)
        if not math.isfinite(numbers[k]):
            raise ValueError(f"{what}[{k}] must be a finite number, got {x!r}")
    return numbers


# ----------------------------------------------------------------------
# Code generation
# ----------------------------------------------------------------------

# The ops whose result can be finite although an operand is inf or NaN; their
# operands are watched. (+, -, * and neg carry an inf or NaN on to their result.)
_HIDING = {"/", "**", "exp", "log", "tanh", "sigmoid", "relu"}


def _generate(tape: Tape) -> str:
    """The source of ``replay(inputs, params)`` for a tape: forward, backward, return."""
    lines = tape._lines
    names = {}  # node position -> how the code refers to its data: "v7" or a literal

    def data(i: int) -> str:
        return names[i]

    code = ["def replay(inputs, params, param_grads):"]
    for what in ("inputs", "params"):
        slots = tape._slot_nodes[what]
        if slots:
            targets = ", ".join(f"v{i}" if i >= 0 else "_" for i in slots)
            code.append(f"    [{targets}] = {what}")
    # A param's grad starts where backward() would find it: at param_grads[k].
    slots = tape._slot_nodes["params"]
    start = {i: f"h{k}" for k, i in enumerate(slots) if i >= 0}
    if slots and tape.backward:
        targets = ", ".join(f"h{k}" if i >= 0 else "_" for k, i in enumerate(slots))
        code.append(f"    [{targets}] = param_grads")
    inline = _inlined(tape)
    watch = []  # expressions checked for inf and NaN after the run
    locals_, locals_b = {}, {}  # node position -> expression of d(node)/d(a), d(node)/d(b)
    code.append("    # forward pass, parents before children")
    for i, line in enumerate(lines):
        op = line[0]
        if op in ("inputs", "params"):
            names[i] = f"v{i}"
            continue
        if op == "const":
            names[i] = f"({line[1]!r})" if math.copysign(1.0, line[1]) < 0 else repr(line[1])
            continue
        a = data(line[1])
        b = data(line[2]) if line[2] >= 0 else None
        statements, locals_[i], locals_b[i] = _forward(op, i, a, b)
        if not tape.backward and not op.startswith("**"):
            # no local derivatives needed; a power's stay: Value refuses an
            # infinite one, so computing it is part of the forward pass
            statements = [s for s in statements if not s.lstrip().startswith(("da", "db"))]
        if i in inline:
            names[i] = "(" + _INLINE[op].format(a=a, b=b) + ")"
            continue
        names[i] = f"v{i}"
        if op in _HIDING:
            watch += [x for x in (a, b) if x is not None and x.startswith("v")]
        code += ["    " + s for s in statements]

    if not tape.backward:
        outputs = ", ".join(data(i) for i in tape._outputs)
        code.append(f"    return [{outputs}], [], [], [{', '.join(watch)}]")
        return "\n".join(code) + "\n"

    code.append("    # backward pass, children before parents")
    grads: dict[int, str] = {}  # node position -> name of its grad (or another's it equals)
    pending = [0] * len(lines)  # contributions each node is still to receive
    order = range(tape._n_backward - 1, -1, -1)
    for i in order:
        if lines[i][0] not in ("inputs", "params", "const"):
            pending[lines[i][1]] += 1
            if lines[i][2] >= 0:
                pending[lines[i][2]] += 1
    root = tape._outputs[0]
    grads[root] = "1.0"  # dC/dC; the root's grad is 0.0 + 1.0
    if root in start:  # the cost is a param itself: its grad starts elsewhere
        grads[root] = f"g{root}"
        code.append(f"    g{root} = {start[root]} + 1.0")
    for i in order:
        op = lines[i][0]
        if op in ("inputs", "params", "const"):
            continue
        g = grads[i]
        for parent, local in ((lines[i][1], locals_[i]), (lines[i][2], locals_b[i])):
            if parent >= 0:
                code += _accumulate(parent, _term(local, g), g, grads, pending, start)

    def grad(i: int) -> str:
        return grads.get(i, start.get(i, "0.0"))

    const_grads = [grad(i) for i in range(tape._n_backward) if lines[i][0] == "const"]
    outputs = ", ".join(data(i) for i in tape._outputs)
    input_grads = ", ".join(grad(i) for i in tape._slot_nodes["inputs"])
    param_grads = ", ".join(
        grads.get(i, start.get(i, f"param_grads[{k}]")) for k, i in enumerate(slots)
    )
    watched = ", ".join(watch + const_grads)
    code.append(f"    return [{outputs}], [{input_grads}], [{param_grads}], [{watched}]")
    return "\n".join(code) + "\n"


# Results that need no variable of their own: a sum, difference, product or
# negation used once, by a sum, difference or negation (whose local derivatives
# are constants, so the backward pass never reads it). They are written into
# their user's expression instead: z = (w1 * a1 + w2 * a2) + b in one statement.
_INLINE = {"+": "{a} + {b}", "-": "{a} - {b}", "*": "{a} * {b}", "neg": "-{a}"}
_MAX_DEPTH = 40  # keeps expressions far from the compiler's recursion limit


def _inlined(tape: Tape) -> set[int]:
    """The nodes whose data can be an expression inside their only user's."""
    lines = tape._lines
    uses = [0] * len(lines)
    user = [-1] * len(lines)
    for j, line in enumerate(lines):
        if line[0] in ("inputs", "params", "const"):
            continue
        for i in (line[1], line[2]):
            if i >= 0:
                uses[i] += 1
                user[i] = j
    outputs = set(tape._outputs)
    depth = [0] * len(lines)
    inline = set()
    for i, line in enumerate(lines):
        if line[0] not in _INLINE:
            continue
        depth[i] = 1 + max(depth[k] for k in line[1:] if k >= 0)
        if (
            uses[i] == 1
            and i not in outputs
            and lines[user[i]][0] in ("+", "-", "neg")
            and depth[i] < _MAX_DEPTH
        ):
            inline.add(i)
        else:
            depth[i] = 0
    return inline


def _forward(op: str, i: int, a: str, b: str | None) -> tuple[list[str], str, str]:
    """Statements computing node i as value.py does, and its local derivatives.

    Returns (statements, da, db): da and db are expressions for d(node)/d(a)
    and d(node)/d(b), either variables the statements set or literals. Each
    case mirrors the method of ``Value`` with the same name, formula for formula:
    if one of those changes, this must change with it (the tests will say so).
    """
    out, da, db = f"v{i}", f"da{i}", f"db{i}"
    if op == "+":
        return [f"{out} = {a} + {b}"], "1.0", "1.0"
    if op == "-":
        return [f"{out} = {a} - {b}"], "1.0", "-1.0"
    if op == "*":
        return [f"{out} = {a} * {b}"], b, a
    if op == "/":
        return [f"{out} = {a} / {b}", f"{da} = 1.0 / {b}", f"{db} = -{out} / {b}"], da, db
    if op == "neg":
        return [f"{out} = -{a}"], "-1.0", ""
    if op == "exp":
        return [f"{out} = exp({a})"], out, ""
    if op == "log":
        return [f"{out} = log({a})", f"{da} = 1.0 / {a}"], da, ""
    if op == "tanh":
        return [f"{out} = tanh({a})", f"{da} = 1.0 - {out} * {out}"], da, ""
    if op == "relu":
        return [
            f"if {a} > 0.0:",
            f"    {out} = {a}",
            f"    {da} = 1.0",
            "else:",
            f"    {out} = 0.0",
            f"    {da} = 0.0",
        ], da, ""
    if op == "sigmoid":  # e^t only for t <= 0; 1 - s taken from e, not by subtraction
        e = f"e{i}"
        return [
            f"if {a} >= 0.0:",
            f"    {e} = exp(-{a})",
            f"    {out} = 1.0 / (1.0 + {e})",
            f"    {da} = {out} * ({e} * {out})",
            "else:",
            f"    {e} = exp({a})",
            f"    d{i} = 1.0 + {e}",
            f"    {out} = {e} / d{i}",
            f"    {da} = {out} / d{i}",
        ], da, ""
    if op == "**":  # a Value exponent; x <= 0 (an error, or 0^y) is left to the rebuild
        return [
            f"if {a} <= 0.0:",
            "    raise _Unusual",
            f"{out} = {a} ** {b}",
            f"{da} = {b} * {a} ** ({b} - 1.0)",
            f"{db} = {out} * log({a})",
        ], da, db
    n = float(op[2:])  # "**n": a number exponent, spelled in the op name
    guard = [] if n.is_integer() else [f"if {a} < 0.0:", "    raise _Unusual"]  # complex
    if n == 0.0:
        return [*guard, f"{out} = {a} ** {n!r}"], "0.0", ""
    return [*guard, f"{out} = {a} ** {n!r}", f"{da} = {n!r} * {a} ** {n - 1.0!r}"], da, ""


def _term(local: str, g: str) -> str:
    """local * g, leaving out what IEEE 754 makes exact: 1.0 * g is g, -1.0 * g is -g."""
    if local == "1.0":
        return g
    if local == "-1.0":
        return f"-{g}"
    return f"{local} * {g}"


def _accumulate(
    parent: int, term: str, g: str, grads: dict, pending: list, start: dict
) -> list[str]:
    """Statements adding ``term`` into the parent's grad.

    A grad starts at 0.0, a param's at its ``start`` variable. A parent with
    this as its only contribution, starting from 0.0, takes the child's grad
    name (0.0 + g is g for a gradient g); otherwise the first contribution is
    added to the start (``0.0 + term`` keeps -0.0 from appearing where Value
    gives 0.0).
    """
    pending[parent] -= 1
    name = f"g{parent}"
    if parent not in grads:
        begin = start.get(parent, "0.0")
        if term == g and pending[parent] == 0 and begin == "0.0":
            grads[parent] = g
            return []
        grads[parent] = name
        if term == f"-{g}":
            return [f"    {name} = {begin} - {g}"]
        if term == g and begin == "0.0":
            return [f"    {name} = {g}"]
        return [f"    {name} = {begin} + {term}"]
    if term == f"-{g}":
        return [f"    {name} -= {g}"]
    return [f"    {name} += {term}"]
