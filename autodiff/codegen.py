"""Replay's code generator: a recorded graph as one Python function of straight-line code.

A :class:`Program` is what ``autodiff.tape`` writes down when it records a
graph: one line per node, parents before children, each line one of

* :class:`Slot`: a leaf whose number each replay supplies (``inputs[k]``,
  ``params[k]``);
* :class:`Constant`: a leaf whose number is part of the graph (the 1.0 of
  ``1.0 - a``);
* :class:`Operation`: an entry of the op table applied to earlier lines.

:func:`generate` turns it into the source of ``replay(inputs, params,
param_grads)``: the forward pass, each operation as the statements of its
``Code`` template from the op table, then the backward pass, each node adding
``upstream grad * local derivative`` into its operands' grads in the order
``backward()`` does. Two passes make the code shorter without changing a bit
of any result (each is tested on its own):

* :func:`inlined`: a sum, product or negation used once, by a node whose local
  derivatives are constants (a sum, a difference, a negation), needs no
  variable: it is written into its user's expression;
* :func:`contribution` and :func:`add_into`: a local derivative of 1.0 or -1.0
  multiplies nothing, and a node whose only contribution is its user's grad
  takes the user's variable instead of a copy.

Why generated code, and why these results are the engine's to the last bit:
``docs/replay.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from autodiff.ops import OPS, Code, Op


class Unusual(ArithmeticError):
    """Raised by generated code for a rare case it leaves to the Value rebuild."""


# What the generated code may call: the functions the templates use, and Unusual.
NAMESPACE = {name: f for op in OPS.values() if not op.parametrised
             for name, f in op.code.uses.items()} | {"Unusual": Unusual}


@dataclass(frozen=True)
class Slot:
    """A leaf whose number each replay supplies: ``inputs[index]`` or ``params[index]``."""

    kind: str  # "inputs" or "params"
    index: int


@dataclass(frozen=True)
class Constant:
    """A leaf whose number is baked into the code."""

    value: float


@dataclass(frozen=True)
class Operation:
    """An operation of the op table applied to the lines at positions ``a`` (and ``b``)."""

    op: Op
    a: int
    b: int | None = None
    n: float | None = None  # the exponent of a number power ("**n")

    @property
    def code(self) -> Code:
        return self.op.code_for(self.n)

    @property
    def operands(self) -> tuple[int, ...]:
        return (self.a,) if self.b is None else (self.a, self.b)


Line = Slot | Constant | Operation


@dataclass
class Program:
    """A recorded graph, ready for code generation.

    ``lines`` go parents first. The first ``n_backward`` lines are the graph
    of the first output, in ``topological_order``; the backward pass runs
    through them in reverse. ``outputs`` are line positions; ``slots[kind][k]``
    is the line of ``inputs[k]`` or ``params[k]`` (-1 when no output needs it).
    """

    lines: list[Line]
    outputs: list[int]
    n_backward: int
    slots: dict[str, list[int]] = field(default_factory=dict)
    backward: bool = True


# ----------------------------------------------------------------------
# The whole function
# ----------------------------------------------------------------------


def generate(program: Program) -> str:
    """The source of ``replay(inputs, params, param_grads)`` for ``program``.

    It returns ``[outputs], [input grads], [param grads], [watched]``: the last
    list holds the numbers where an inf or NaN must show if one arose (see
    ``docs/replay.md``); the tape checks them once, after the run.
    """
    code = ["def replay(inputs, params, param_grads):", *_unpack(program)]
    code.append("    # forward pass, parents before children")
    names, local, watch, forward = forward_pass(program)
    code += forward
    outputs = ", ".join(names[i] for i in program.outputs)
    if not program.backward:
        code.append(f"    return [{outputs}], [], [], [{', '.join(watch)}]")
        return "\n".join(code) + "\n"
    code.append("    # backward pass, children before parents")
    grads, backward = backward_pass(program, local)
    code += backward
    start = _param_grad_starts(program)

    def grad(i: int, otherwise: str = "0.0") -> str:
        return grads.get(i, start.get(i, otherwise))

    lines = program.lines
    # an inf or NaN gradient flows down to every leaf, constants included
    const_grads = [grad(i) for i in range(program.n_backward) if isinstance(lines[i], Constant)]
    input_grads = ", ".join(grad(i) for i in program.slots.get("inputs", []))
    param_grads = ", ".join(
        grad(i, f"param_grads[{k}]") for k, i in enumerate(program.slots.get("params", []))
    )
    watched = ", ".join(watch + const_grads)
    code.append(f"    return [{outputs}], [{input_grads}], [{param_grads}], [{watched}]")
    return "\n".join(code) + "\n"


def _unpack(program: Program) -> list[str]:
    """Statements taking the slots' numbers (and the params' starting grads) into variables."""
    code = []
    for kind in ("inputs", "params"):
        slots = program.slots.get(kind, [])
        if slots:
            targets = ", ".join(f"v{i}" if i >= 0 else "_" for i in slots)
            code.append(f"    [{targets}] = {kind}")
    params = program.slots.get("params", [])
    if params and program.backward:
        targets = ", ".join(f"h{k}" if i >= 0 else "_" for k, i in enumerate(params))
        code.append(f"    [{targets}] = param_grads")
    return code


def _param_grad_starts(program: Program) -> dict[int, str]:
    """Where each param's grad starts: at ``param_grads[k]`` (h_k), as backward() adds into it."""
    return {i: f"h{k}" for k, i in enumerate(program.slots.get("params", [])) if i >= 0}


# ----------------------------------------------------------------------
# The forward pass
# ----------------------------------------------------------------------


def forward_pass(program: Program) -> tuple[dict[int, str], dict[int, list[str]], list[str],
                                             list[str]]:
    """Statements computing every node, parents first, each as its template says.

    Returns (names, local, watch, code): how the code refers to each node's
    data (a variable "v7", a literal, or an inlined expression), the
    expressions of each operation's local derivatives, the variables to
    watch for inf and NaN, and the statements.
    """
    inline = inlined(program)
    names: dict[int, str] = {}
    local: dict[int, list[str]] = {}
    watch: list[str] = []
    code: list[str] = []
    for i, line in enumerate(program.lines):
        if isinstance(line, Slot):
            names[i] = f"v{i}"
            continue
        if isinstance(line, Constant):
            value = line.value
            names[i] = f"({value!r})" if math.copysign(1.0, value) < 0 else repr(value)
            continue
        template = line.code
        fields = {"out": f"v{i}", "x": names[line.a], "dx": f"da{i}", "dy": f"db{i}",
                  "t": f"t{i}", "y": names[line.b] if line.b is not None else None}
        local[i] = [expression.format(**fields) for expression in template.local]
        if i in inline:
            names[i] = "(" + _expression(template).format(**fields) + ")"
            continue
        names[i] = f"v{i}"
        statements = [s.format(**fields) for s in template.forward]
        if not program.backward and not template.keep_local:
            # no local derivatives needed
            statements = [s for s in statements if not s.lstrip().startswith((f"da{i} ",
                                                                               f"db{i} "))]
        if line.op.hides:
            watch += [names[k] for k in line.operands if names[k].startswith("v")]
        code += ["    " + s for s in statements]
    return names, local, watch, code


# Results that need no variable of their own are written into their user's
# expression instead: z = (w1 * a1 + w2 * a2) + b in one statement.
MAX_DEPTH = 40  # keeps expressions far from the compiler's recursion limit


def inlined(program: Program) -> set[int]:
    """The nodes whose data can be an expression inside their only user's.

    A node qualifies when its template is one expression whose local
    derivatives do not read its own result (+, -, *, neg), it is used exactly
    once and is no output, and its user's local derivatives are constants
    (+, -, neg): then the backward pass never needs the node's number, and the
    forward pass needs it in one place only. Neither may hide an inf (an
    inlined operand would escape the watch).
    """
    lines = program.lines
    uses = [0] * len(lines)
    user = [-1] * len(lines)
    for j, line in enumerate(lines):
        if isinstance(line, Operation):
            for i in line.operands:
                uses[i] += 1
                user[i] = j
    outputs = set(program.outputs)
    depth = [0] * len(lines)
    inline = set()
    for i, line in enumerate(lines):
        if not isinstance(line, Operation) or not _is_expression(line):
            continue
        depth[i] = 1 + max(depth[k] for k in line.operands)
        if (
            uses[i] == 1
            and i not in outputs
            and _takes_expressions(lines[user[i]])
            and depth[i] < MAX_DEPTH
        ):
            inline.add(i)
        else:
            depth[i] = 0
    return inline


def _is_expression(line: Operation) -> bool:
    """One statement "{out} = <expression>", and local derivatives that never read {out}."""
    key = (line.op.name, line.n, "expression")
    if key not in _KINDS:
        code = line.code
        _KINDS[key] = (
            not line.op.hides
            and len(code.forward) == 1
            and code.forward[0].startswith("{out} = ")
            and not any("{out}" in d or "{d" in d for d in code.local)
        )
    return _KINDS[key]


def _takes_expressions(line: Line) -> bool:
    """An operation whose local derivatives are constants: it never reads its operands again."""
    if not isinstance(line, Operation):
        return False
    key = (line.op.name, line.n, "takes")
    if key not in _KINDS:
        _KINDS[key] = not line.op.hides and all(_is_literal(d) for d in line.code.local)
    return _KINDS[key]


_KINDS: dict[tuple, bool] = {}  # what _is_expression and _takes_expressions found, per op


def _is_literal(expression: str) -> bool:
    try:
        float(expression)
    except ValueError:
        return False
    return True


def _expression(code: Code) -> str:
    return code.forward[0].removeprefix("{out} = ")


# ----------------------------------------------------------------------
# The backward pass
# ----------------------------------------------------------------------


def backward_pass(program: Program, local: dict[int, list[str]]) -> tuple[dict[int, str],
                                                                            list[str]]:
    """Statements of the chain rule, children before parents, as ``backward()`` adds.

    Returns (grads, code): the name of each node's grad (which may be the
    name of another grad it equals) and the statements.
    """
    lines = program.lines
    grads: dict[int, str] = {}
    pending = [0] * len(lines)  # contributions each node is still to receive
    order = range(program.n_backward - 1, -1, -1)
    for i in order:
        if isinstance(lines[i], Operation):
            for k in lines[i].operands:
                pending[k] += 1
    start = _param_grad_starts(program)
    code = []
    root = program.outputs[0]
    grads[root] = "1.0"  # dC/dC; the root's grad is 0.0 + 1.0
    if root in start:  # the cost is a param itself: its grad starts elsewhere
        grads[root] = f"g{root}"
        code.append(f"    g{root} = {start[root]} + 1.0")
    for i in order:
        line = lines[i]
        if not isinstance(line, Operation):
            continue
        g = grads[i]
        for parent, d in zip(line.operands, local[i]):
            code += add_into(parent, contribution(d, g), g, grads, pending, start)
    return grads, code


def contribution(local: str, g: str) -> str:
    """local * g, leaving out what IEEE 754 makes exact: 1.0 * g is g, -1.0 * g is -g."""
    if local == "1.0":
        return g
    if local == "-1.0":
        return f"-{g}"
    return f"{local} * {g}"


def add_into(
    parent: int, term: str, g: str, grads: dict[int, str], pending: list[int],
    start: dict[int, str],
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
