"""Replay's code generator: a recorded graph as one Python function of straight-line code.

A :class:`Program` is what ``autodiff.replay.tape`` writes down when it records a
graph: one line per node, parents before children, each line one of

* :class:`Slot`: a leaf whose number each replay supplies (``inputs[k]``,
  ``params[k]``);
* :class:`Constant`: a leaf whose number is part of the graph (the 1.0 of
  ``1.0 - a``);
* :class:`Operation`: an entry of the op table applied to earlier lines.

:func:`generate` turns it into the source of ``replay(inputs, params,
param_grads)``: the forward pass, each operation as its rule in the op table,
inlined (``autodiff.replay.templates``), then the backward pass, each node adding
``upstream grad * local derivative`` into its operands' grads in the order
``backward()`` does. Three passes make the code shorter without changing a bit
of any result (each is tested on its own):

* :func:`inlined`: a sum, product or negation used once, by a node whose local
  derivatives are constants (a sum, a difference, a negation), needs no
  variable: it is written into its user's expression;
* :func:`contribution` and :func:`add_into`: a local derivative of 1.0 or -1.0
  multiplies nothing, and a node whose only contribution is its user's grad
  takes the user's variable instead of a copy;
* :func:`summed`: a grad's contributions, added where the sweep reaches each,
  are added up in one statement instead (in the same order).

Why generated code, and why these results are the engine's to the last bit:
``docs/replay.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from autodiff.ops import Op
from autodiff.replay.templates import Code, code_of
from autodiff.value import chain_rule_steps

# What the generated code may call: math's functions, as the rules call them
# (math.exp in a rule is exp in the generated code).
NAMESPACE = {name: f for name, f in vars(math).items() if not name.startswith("_")}


@dataclass(frozen=True, slots=True)
class Slot:
    """A leaf whose number each replay supplies: ``inputs[index]`` or ``params[index]``."""

    kind: str  # "inputs" or "params"
    index: int


@dataclass(frozen=True, slots=True)
class Constant:
    """A leaf whose number is baked into the code."""

    value: float


@dataclass(frozen=True, slots=True)
class Operation:
    """An operation of the op table applied to the lines at positions ``a`` (and ``b``)."""

    op: Op
    a: int
    b: int | None = None
    n: float | None = None  # the exponent of a number power ("**n")

    @property
    def code(self) -> Code:
        return code_of(self.op, self.n)

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
    input_grads: bool = True  # False: only the params' grads are wanted


# ----------------------------------------------------------------------
# The whole function
# ----------------------------------------------------------------------


def generate(program: Program, piece_lines: int | None = None) -> str:
    """The source of ``replay(inputs, params, param_grads)`` for ``program``.

    It returns ``[outputs], [input grads], [param grads], [watched]``: the last
    list holds the numbers where an inf or NaN must show if one arose (see
    ``docs/replay.md``); the tape checks them once, after the run. A long
    program comes as several functions, the pieces before ``replay`` itself
    (see ``functions``).
    """
    return "\n".join(functions(program, piece_lines))


def functions(program: Program, piece_lines: int | None = None) -> list[str]:
    """The source of each function of the replay, to be compiled one by one, ``replay`` last.

    A program of up to ``piece_lines`` statements (``PIECE_LINES`` unless
    given) is one function. A longer one is cut into pieces of about that
    many: Python's compiler needs some kilobytes per statement while it
    works on a function, so a graph of a million nodes compiled whole would
    take gigabytes, where piece by piece it takes what one piece takes (see
    ``pieces``).
    """
    body, results = _body(program)
    if len(body) <= (piece_lines or PIECE_LINES):
        return [_whole(program, body, results)]
    return pieces(program, body, results, piece_lines or PIECE_LINES)


def _body(program: Program) -> tuple[list[str], list[list[str]]]:
    """The statements of the forward and backward passes, and the four lists replay returns."""
    code = ["    # forward pass, parents before children"]
    names, local, watch, forward = forward_pass(program)
    code += forward
    outputs = [names[i] for i in program.outputs]
    if not program.backward:
        return code, [outputs, [], [], watch]
    code.append("    # backward pass, children before parents")
    grads, backward = backward_pass(program, local)
    code += summed(backward)
    start = _param_grad_starts(program)

    def grad(i: int, otherwise: str = "0.0") -> str:
        return grads.get(i, start.get(i, otherwise))

    lines = program.lines
    if program.input_grads:
        # an inf or NaN gradient flows down to every leaf, constants included
        const_grads = [grad(i) for i in range(program.n_backward)
                       if isinstance(lines[i], Constant)]
        input_grads = [grad(i) for i in program.slots.get("inputs", [])]
    else:  # and to every param below it, which is enough where only those are wanted
        const_grads, input_grads = [], []
    param_grads = [grad(i, f"param_grads[{k}]")
                   for k, i in enumerate(program.slots.get("params", []))]
    return code, [outputs, input_grads, param_grads, watch + const_grads]


def _whole(program: Program, body: list[str], results: list[list[str]]) -> str:
    """The replay as one function: take the slots' numbers, run the body, return the lists."""
    code = ["def replay(inputs, params, param_grads):", *_unpack(program), *body]
    code += _return(results)
    return "\n".join(code) + "\n"


# Python's parser needs much memory for one statement of thousands of names, so
# a long list is taken apart, or put together, this many names at a time.
LIST_CHUNK = 256


def _unpack(program: Program) -> list[str]:
    """Statements taking the slots' numbers (and the params' starting grads) into variables."""
    targets = {kind: [f"v{i}" if i >= 0 else "_" for i in program.slots.get(kind, [])]
               for kind in ("inputs", "params")}
    if program.backward:
        params = program.slots.get("params", [])
        targets["param_grads"] = [f"h{k}" if i >= 0 else "_" for k, i in enumerate(params)]
    code = []
    for kind, names in targets.items():
        if len(names) <= LIST_CHUNK and names:
            code.append(f"    [{', '.join(names)}] = {kind}")
            continue
        for at in range(0, len(names), LIST_CHUNK):
            part = names[at : at + LIST_CHUNK]
            code.append(f"    [{', '.join(part)}] = {kind}[{at}:{at + len(part)}]")
    return code


def _return(results: list[list[str]]) -> list[str]:
    """The return statement of the four lists, a long one built up beforehand in chunks."""
    code, returned = [], []
    for r, items in enumerate(results):
        if len(items) <= LIST_CHUNK:
            returned.append(f"[{', '.join(items)}]")
            continue
        for at in range(0, len(items), LIST_CHUNK):
            part = ", ".join(items[at : at + LIST_CHUNK])
            code.append(f"    r{r} {'+' if at else ''}= [{part}]")
        returned.append(f"r{r}")
    return [*code, f"    return {', '.join(returned)}"]


# ----------------------------------------------------------------------
# A long program in pieces
# ----------------------------------------------------------------------

# Statements per function: a program longer than this is compiled in pieces.
PIECE_LINES = 8000

# Every variable of the generated code: a node's data (v), its local derivatives
# (da, db) and the locals of its rule (t7e), its grad (g), a param's starting grad (h).
VARIABLE = re.compile(r"\b(?:v\d+|da\d+|db\d+|g\d+|h\d+|t\d+[A-Za-z_]\w*)\b")
ASSIGNMENT = re.compile(r"\s*(\w+) ([-+]?=) ")


def pieces(program: Program, body: list[str], results: list[list[str]],
           piece_lines: int) -> list[str]:
    """The replay as several functions: pieces of the body, then ``replay`` calling them.

    The body is cut between statements (never inside an if/else) into pieces
    of about ``piece_lines``, each a function ``replay_<n>(inputs, params,
    param_grads, s)``. A variable that one piece sets and a later one (or the
    return) reads goes through the list ``s``: stored at the end of the piece
    that sets it, loaded at the start of each piece that reads it. A slot's
    number is loaded where it is read, from ``inputs``, ``params`` or
    ``param_grads``. The same statements in the same order: the same floats.
    """
    cut = _cut(body, piece_lines)
    reads, writes = zip(*(_reads_and_writes(piece) for piece in cut))
    slot_of = _slot_sources(program)
    live = set(_results_variables(results))  # read after the piece at hand
    stores: list[list[str]] = []
    for n in range(len(cut) - 1, -1, -1):
        stores.append([name for name in writes[n] if name in live])
        live = (live - writes[n].keys()) | {name for name in reads[n] if name not in slot_of}
    stores.reverse()
    spill = {name: k for k, name in enumerate(dict.fromkeys(
        name for names in stores for name in names))}
    code = []
    for n, piece in enumerate(cut, start=1):
        loads = _loads(reads[n - 1], slot_of, spill)
        saved = [f"    s[{spill[name]}] = {name}" for name in stores[n - 1]]
        code.append("\n".join([f"def replay_{n}(inputs, params, param_grads, s):",
                               *loads, *piece, *saved, ""]))
    main = ["def replay(inputs, params, param_grads):", f"    s = [0.0] * {len(spill)}"]
    main += [f"    replay_{n}(inputs, params, param_grads, s)" for n in range(1, len(cut) + 1)]
    spilled = [[_read_back(item, slot_of, spill) for item in items] for items in results]
    return [*code, "\n".join([*main, *_return(spilled)]) + "\n"]


def _cut(body: list[str], piece_lines: int) -> list[list[str]]:
    """The body in pieces of at least ``piece_lines`` lines, cut where a statement starts
    (never inside an if/else, nor between a comment and what it heads)."""
    cut: list[list[str]] = [[]]
    for line in body:
        starts = line[4] != " " and not line[4:].startswith("else")
        if starts and len(cut[-1]) >= piece_lines and not cut[-1][-1].startswith("    #"):
            cut.append([])
        cut[-1].append(line)
    if len(cut) > 1 and all(line.startswith("    #") for line in cut[-1]):
        heading_nothing = cut.pop()  # a comment over an empty backward pass
        cut[-1] += heading_nothing
    return cut


def _reads_and_writes(piece: list[str]) -> tuple[dict[str, None], dict[str, None]]:
    """The variables a piece reads before it sets them, and those it sets, in order of use."""
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    for line in piece:
        match = ASSIGNMENT.match(line)
        target = match.group(1) if match and VARIABLE.fullmatch(match.group(1)) else None
        expression = line[match.end():] if match and target else line
        if "raise " in line:  # a message's words are no variables
            expression = " ".join(re.findall(r"\{([^{}]+)\}", line))
        if match and target and match.group(2) != "=":  # g += ...: reads g first
            expression += f" {target}"
        for name in VARIABLE.findall(expression):
            if name not in writes:
                reads[name] = None
        if target:
            writes[target] = None
    return reads, writes


def _slot_sources(program: Program) -> dict[str, str]:
    """Where each slot variable's number is: "params[3]" for v17, "param_grads[3]" for h3."""
    sources = {}
    for kind in ("inputs", "params"):
        for k, i in enumerate(program.slots.get(kind, [])):
            if i >= 0:
                sources[f"v{i}"] = f"{kind}[{k}]"
                if kind == "params" and program.backward:
                    sources[f"h{k}"] = f"param_grads[{k}]"
    return sources


def _results_variables(results: list[list[str]]) -> list[str]:
    return [item for items in results for item in items if VARIABLE.fullmatch(item)]


def _loads(names: Iterable[str], slot_of: dict[str, str], spill: dict[str, int]) -> list[str]:
    """Statements giving a piece the variables it reads: a slot's number, or a spilled one.

    Slots next to each other in their list come in one statement (a slice).
    """
    code, slots = [], []
    for name in names:
        if name in slot_of:
            where, index = slot_of[name][:-1].split("[")
            slots.append((where, int(index), name))
        else:
            code.append(f"    {name} = s[{spill[name]}]")
    slots.sort()
    start = 0
    for end in range(1, len(slots) + 1):
        if (end < len(slots) and end - start < LIST_CHUNK and slots[end][0] == slots[start][0]
                and slots[end][1] == slots[end - 1][1] + 1):
            continue  # the run of consecutive slots goes on
        where, first, name = slots[start]
        if end - start == 1:
            code.append(f"    {name} = {where}[{first}]")
        else:
            targets = ", ".join(name for _, _, name in slots[start:end])
            code.append(f"    [{targets}] = {where}[{first}:{first + end - start}]")
        start = end
    return code


def _read_back(item: str, slot_of: dict[str, str], spill: dict[str, int]) -> str:
    """An item of a returned list, as ``replay`` itself finds it once the pieces have run."""
    if not VARIABLE.fullmatch(item):
        return item  # a number, or param_grads[k]
    return slot_of[item] if item in slot_of else f"s[{spill[item]}]"


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
    wanted = grads_wanted(program)
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
        if i in inline and template.expression is not None:
            names[i] = "(" + template.expression.format(**fields) + ")"
            continue
        names[i] = f"v{i}"
        statements = [s.format(**fields) for s in template.forward]
        if not template.keep_local:  # leave out the local derivatives nothing reads
            unread = tuple(f"{d}{i} " for d, k in (("da", line.a), ("db", line.b))
                           if k is not None and not (wanted[i] and wanted[k]))
            statements = [s for s in statements if not s.lstrip().startswith(unread)]
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
    """One expression, whose local derivatives are numbers or operands: x + y, x * y."""
    return line.code.expression is not None and not line.op.hides


def _takes_expressions(line: Line) -> bool:
    """An operation that reads its operands once, in its expression, and never again:
    its local derivatives are numbers (+, -, neg)."""
    return isinstance(line, Operation) and _is_expression(line) and line.code.constant_local


# ----------------------------------------------------------------------
# The backward pass
# ----------------------------------------------------------------------


def backward_pass(program: Program, local: dict[int, list[str]]) -> tuple[dict[int, str],
                                                                            list[str]]:
    """Statements of the chain rule, children before parents, as ``backward()`` adds.

    The steps are ``chain_rule_steps`` over the first output's lines, the very
    order of ``backward()``'s sweep. Returns (grads, code): the name of each
    node's grad (which may be the name of another grad it equals) and the
    statements.
    """
    lines = program.lines
    operands = [line.operands if isinstance(line, Operation) else ()
                for line in lines[: program.n_backward]]
    pending = [0] * len(lines)  # contributions each node is still to receive
    for parents in operands:
        for parent in parents:
            pending[parent] += 1
    start = _param_grad_starts(program)
    code = []
    root = program.outputs[0]
    grads = {root: "1.0"}  # dC/dC; the root's grad is 0.0 + 1.0
    if root in start:  # the cost is a param itself: its grad starts elsewhere
        grads[root] = f"g{root}"
        code.append(f"    g{root} = {start[root]} + 1.0")
    wanted = grads_wanted(program)
    for i, k, parent in chain_rule_steps(range(program.n_backward), operands.__getitem__):
        if not wanted[parent]:
            continue  # a derivative nothing reads
        g = grads[i]
        code += add_into(parent, contribution(local[i][k], g), g, grads, pending, start)
    return grads, code


def grads_wanted(program: Program) -> list[bool]:
    """For each line, whether the replay needs its grad: it returns every leaf's grad (a
    constant's is watched for inf and NaN), or, where only the params' grads are wanted,
    those of the params and of the nodes above them (none at all without a backward pass)."""
    lines = program.lines
    if not program.backward:
        return [False] * len(lines)
    if program.input_grads:
        return [True] * len(lines)
    wanted = []
    for line in lines:
        if isinstance(line, Slot):
            wanted.append(line.kind == "params")
        elif isinstance(line, Operation):
            wanted.append(any(wanted[k] for k in line.operands))
        else:
            wanted.append(False)
    return wanted


# The most terms one statement adds up: a longer sum goes on in the next statement.
SUM_TERMS = 32
ADDED = re.compile(r"    (g\d+) ([-+])= (.*)")
SET = re.compile(r"    (g\d+) = (.*)")


def summed(code: list[str]) -> list[str]:
    """The backward pass with each grad's contributions added up in one statement.

    ``add_into`` writes a grad's first contribution (``g7 = 0.0 + v3 * g9``)
    and adds each later one where the sweep reaches it (``g7 += v4 * g12``).
    Here they become one expression, ``g7 = 0.0 + v3 * g9 + v4 * g12``, in
    the place of the last: Python adds left to right, so the additions are
    the same, in the same order, and their operands are set once and never
    changed, so they are the same numbers later. One statement instead of
    many saves storing and loading the grad between them.
    """
    sums: dict[str, list[str]] = {}  # the grad's expression so far, as terms
    last: dict[str, int] = {}  # where its last contribution is
    names = []  # the grad each statement adds into
    for n, line in enumerate(code):
        if added := ADDED.fullmatch(line):
            name, sign, term = added.groups()
            sums[name].append(f"{sign} {term}")
        else:
            first = SET.fullmatch(line)
            assert first, f"add_into wrote {line!r}"  # it writes nothing else
            name, expression = first.groups()
            sums[name] = [expression]
        names.append(name)
        last[name] = n
    fused = []
    for n, name in enumerate(names):
        if last[name] != n:
            continue  # added up later, where its last contribution is
        terms = sums[name]
        fused.append(f"    {name} = {' '.join(terms[:SUM_TERMS])}")
        for at in range(SUM_TERMS, len(terms), SUM_TERMS):
            fused.append(f"    {name} = {name} {' '.join(terms[at : at + SUM_TERMS])}")
    return fused


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
