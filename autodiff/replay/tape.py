"""Replay: record a computation graph once, then run it again on new numbers.

    >>> from autodiff import Value, record
    >>> x, w = Value(1.0), Value(2.0)
    >>> tape = record((w * x).sigmoid(), inputs=[x], params=[w])
    >>> r = tape([0.5], [-3.0])       # as if built anew with x = 0.5, w = -3.0
    >>> r.outputs == [(Value(-3.0) * 0.5).sigmoid().data]
    True

Training builds the same graph for every example; only the numbers change.
``record`` writes the graph down once (a ``codegen.Program``: one line per
node), ``autodiff.replay.codegen`` turns it into straight-line Python over floats, and
every call of the :class:`Tape` runs that code: the forward pass and the
backward pass, bit for bit what building Values and calling ``backward()``
would give, and raising what that would raise. How and why, with an example of
the generated code: ``docs/replay.md``.

A tape cannot see a Python ``if`` in your code that looks at ``v.data``: it
keeps the branch taken while recording. Only record code whose operations do
not depend on the data (``nn``'s networks and costs qualify).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from autodiff import ops
from autodiff.replay import codegen
from autodiff.replay.codegen import Constant, Operation, Program, Slot
from autodiff.validate import finite_numbers, number_list, plural
from autodiff.value import Value, topological_order

Slots = dict[int, tuple[str, int]]  # id(leaf) -> ("inputs", k) or ("params", k)


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


def record(
    outputs: Value | Sequence[Value],
    inputs: Sequence[Value] = (),
    params: Sequence[Value] = (),
    *,
    backward: bool = True,
    input_grads: bool = True,
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
        input_grads: False for a tape whose replays need only the params' grads
            (training does): the backward pass then leaves out every derivative
            that leads to inputs and constants alone, and ``input_grads`` are
            empty lists. (``backward()`` also raises where an input's grad alone
            overflows; such a replay does not, as it never computes that grad.)

    Every other leaf is a constant of the tape. ``inputs`` and ``params`` are
    treated alike, but for two things: they stay apart in ``Replayed``, and
    only the params' grads can start from given numbers (``param_grads``) and
    add up over several replays (``Tape.accumulate``).
    Recording changes nothing in the graph.
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    if not outs:
        raise ValueError("record needs at least one output Value, got none")
    for i, out in enumerate(outs):
        if not isinstance(out, Value):
            raise TypeError(f"outputs[{i}] must be a Value, got {type(out).__name__}: {out!r}")
    slots: Slots = {}  # id(leaf) -> ("inputs", k) or ("params", k)
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
    return Tape(outs, slots, len(inputs), len(params), backward, input_grads)


class Tape:
    """A recorded graph; call it to replay. Made by ``record``.

    Attributes:
        n_inputs, n_params: how many numbers each replay takes in each list.
        backward: whether replays differentiate (see ``record``).
        input_grads: whether they give the inputs' grads (see ``record``).
        n_nodes: the number of nodes in the graph (leaves included).
        program: the graph as ``codegen`` lines, parents first.
        source: the generated Python source of the replay function (and, for a
            graph of many thousands of nodes, of the pieces it calls).
        rebuilds: how many replays were handed to the Value rebuild (see
            ``docs/replay.md``); 0 in normal use.
    """

    def __init__(
        self, outputs: list[Value], slots: Slots, n_inputs: int, n_params: int, backward: bool,
        input_grads: bool = True,
    ) -> None:
        self.n_inputs = n_inputs
        self.n_params = n_params
        self.backward = backward
        self.input_grads = input_grads
        self.rebuilds = 0
        self.program = _program(outputs, slots, n_inputs, n_params, backward, input_grads)
        self.n_nodes = len(self.program.lines)
        sources = codegen.functions(self.program)
        namespace = dict(codegen.NAMESPACE)
        for source in sources:  # one by one: the compiler's memory is one function's
            exec(compile(source, "<replay>", "exec"), namespace)
        self.source = "\n".join(sources)
        self._run = namespace["replay"]

    def __repr__(self) -> str:
        n_outputs = len(self.program.outputs)
        return (
            f"Tape({self.n_nodes} nodes, {self.n_inputs} inputs, {self.n_params} params, "
            f"{n_outputs} output{'s' * (n_outputs != 1)})"
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
        program = self.program
        numbers = {"inputs": inputs, "params": params}
        values: list[Value] = []
        for line in program.lines:
            if isinstance(line, Slot):
                values.append(Value(numbers[line.kind][line.index]))
            elif isinstance(line, Constant):
                values.append(Value(line.value))
            else:
                values.append(_perform(line, values))
        outputs = [values[i].data for i in program.outputs]
        if not self.backward:
            return Replayed(outputs, [], [])
        for i, g in zip(program.slots["params"], grads):
            if i >= 0:
                values[i].grad = g
        values[program.outputs[0]].backward()

        def grads_of(kind: str, start: list[float]) -> list[float]:
            return [values[i].grad if 0 <= i < program.n_backward else g0
                    for i, g0 in zip(program.slots[kind], start)]

        input_grads = grads_of("inputs", [0.0] * self.n_inputs) if self.input_grads else []
        return Replayed(outputs, input_grads, grads_of("params", grads))


def _program(
    outputs: list[Value], slots: Slots, n_inputs: int, n_params: int, backward: bool,
    input_grads: bool = True,
) -> Program:
    """The graph under ``outputs`` as lines for ``codegen``: the first output's graph first.

    The first output's nodes come in ``topological_order``, so that reversed
    they are ``backward()``'s sweep; what only the other outputs need follows.
    """
    root_order = topological_order(outputs[0]) if backward else []
    nodes = list(root_order)
    position = {id(v): i for i, v in enumerate(nodes)}
    _add_below(outputs[1:] if backward else outputs, nodes, position)
    lines: list[codegen.Line] = []
    for v in nodes:
        if not v.op:
            slot = slots.get(id(v))
            lines.append(Constant(v.data) if slot is None else Slot(*slot))
        else:
            op, n = _table_entry(v)
            a, *b = [position[id(p)] for p in v.parents]
            lines.append(Operation(op, a, b[0] if b else None, n))
    slot_lines = {"inputs": [-1] * n_inputs, "params": [-1] * n_params}
    for i, line in enumerate(lines):
        if isinstance(line, Slot):
            slot_lines[line.kind][line.index] = i
    return Program(lines, [position[id(out)] for out in outputs], len(root_order),
                   slot_lines, backward, input_grads)


def _add_below(outputs: list[Value], nodes: list[Value], position: dict[int, int]) -> None:
    """Append to ``nodes`` what the outputs need that is not there yet, each after its parents.

    One walk for all the outputs, which may share most of their graph (a
    network's outputs share its every layer); a node already placed, and so
    everything it depends on, is not walked again.
    """
    for out in outputs:
        stack = [out]
        while stack:
            node = stack[-1]
            if id(node) in position:
                stack.pop()
                continue
            waiting = [p for p in node.parents if id(p) not in position]
            if waiting:
                stack += waiting
                continue
            stack.pop()
            position[id(node)] = len(nodes)
            nodes.append(node)


def _table_entry(v: Value) -> tuple[ops.Op, float | None]:
    """The op-table entry of a node (and a number power's exponent), checked at record time."""
    try:
        op, n = ops.lookup(v.op)
    except KeyError:
        op = None
    if op is None or op.arity != len(v.parents):
        known = ", ".join(o.name for o in ops.OPS.values())
        raise ValueError(
            f"replay does not know the operation {v.op!r} (of {v!r}) with "
            f"{len(v.parents)} operand(s); it knows {known} ('**n' with a number n)"
        )
    return op, n


def _perform(line: Operation, values: list[Value]) -> Value:
    """Perform a recorded operation with Values: the op table's entry, through ``Value.apply``."""
    x, *others = [values[k] for k in line.operands]
    return x.apply(line.op, *others) if line.n is None else x.apply(line.op, line.n)


def _as_floats(numbers: Sequence[float], n: int, what: str) -> list[float]:
    """``numbers`` as a list of n finite floats, or an error naming what is wrong."""
    # The usual case at C speed: a list of n floats, all finite.
    if (type(numbers) is list and len(numbers) == n and set(map(type, numbers)) <= _FLOAT
            and math.isfinite(sum(numbers))):
        return numbers
    numbers = number_list(numbers, what)
    if len(numbers) != n:
        raise ValueError(f"this tape was recorded with {plural(n, what[:-1], what)}, got "
                         f"{len(numbers)}")
    return finite_numbers(numbers, n, what)


_FLOAT = {float}
