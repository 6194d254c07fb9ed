"""Each operation as lines of replay's generated code, made from its rule in the op table.

Replay does not keep a second copy of any derivative: the code for a node is
its op's rule itself (``autodiff.ops``), read as source (``autodiff.rule_source``)
and inlined, its names renamed to the node's variables. For ``sigmoid``:

    if {x} >= 0.0:                        if x >= 0.0:
        {t}e = exp(-{x})                      e = math.exp(-x)
        {out} = 1.0 / (1.0 + {t}e)            s = 1.0 / (1.0 + e)
        {dx} = {out} * ({t}e * {out})         return s, s * (e * s)
    else:                                 e = math.exp(x)
        ...                               ...

The operands become ``{x}``, ``{y}``; the local the rule returns as its result
``{out}``; its other locals ``{t}e``, ``{t}d``; each ``return`` sets the result
and the local derivatives (``{dx}``, ``{dy}``); ``math.exp`` is ``exp``. The
same operations in the same order: the numbers are the rule's, bit for bit,
and a ``raise`` raises the rule's own error.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
from dataclasses import dataclass

from autodiff.ops import Op
from autodiff.rule_source import operand_names, rule_body


@dataclass(frozen=True)
class Code:
    """An op's rule as lines of Python, with fields to fill for each node.

    ``forward``: statements over the operands ``{x}``, ``{y}``, setting the
    result ``{out}`` and the local derivatives that need a variable (``{dx}``,
    ``{dy}``); ``{t}`` prefixes the rule's own locals. ``local``: for each
    operand, d(out)/d(operand) as an expression: a number, an operand,
    ``{out}`` or ``{dx}``/``{dy}``. ``expression``: the result as one
    expression, when the rule is nothing but that and its derivatives are
    numbers or operands (``x + y``, ``x * y``): it may then be written into its
    user's expression. ``constant_local``: every local derivative is a number
    (``+``, ``-``, neg): the operation never reads its operands again.
    ``keep_local``: a local derivative may raise where the result does not (it
    takes a power or calls a function), so even a forward-only tape computes it.
    """

    forward: tuple[str, ...]
    local: tuple[str, ...]
    expression: str | None = None
    constant_local: bool = False
    keep_local: bool = False


@functools.lru_cache(maxsize=1024)
def code_of(op: Op, n: float | None = None) -> Code:
    """The generated code of ``op`` (for a number power, of exponent n), made from its rule."""
    operands = operand_names(op.rule, op.arity + (n is not None))
    constants = {operands.pop(): n} if n is not None else {}
    body = rule_body(op.rule, op.arity, constants)
    return _Writer(operands, _result_local(body, operands)).code(body)


class _Writer:
    """Writes a rule's statements as lines with fields, for one kind of node."""

    def __init__(self, operands: list[str], result: str | None) -> None:
        self.fields = dict(zip(operands, ("x", "y")))
        if result is not None:
            self.fields[result] = "out"
        self.derivatives = ("{dx}", "{dy}")[: len(operands)]
        self.keep_local = False

    def code(self, body: list[ast.stmt]) -> Code:
        *statements, last = body
        if not isinstance(last, ast.Return):  # branches, each with its return
            forward = self.lines(body, "")
            return Code(tuple(forward), self.derivatives, keep_local=self.keep_local)
        forward = self.lines(statements, "")
        result, *derivatives = _returned(last)
        forward += self.set("{out}", result, "")
        local = []
        for d, name in zip(derivatives, self.derivatives):
            if _is_atom(d):
                local.append(self.text(d))
            else:
                forward += self.set(name, d, "")
                local.append(name)
        expression = None
        if not statements and all(_is_atom(d) for d in derivatives):
            expression = self.text(result)
        constant = all(_is_atom(d) and not isinstance(d, ast.Name) for d in derivatives)
        return Code(tuple(forward), tuple(local), expression, constant, self.keep_local)

    def lines(self, body: list[ast.stmt], indent: str) -> list[str]:
        out = []
        for node in body:
            if isinstance(node, ast.Assign):
                out += self.set(self.text(node.targets[0]), node.value, indent)
            elif isinstance(node, ast.If):
                out.append(f"{indent}if {self.text(node.test)}:")
                out += self.lines(node.body, indent + "    ")
                if node.orelse:
                    out.append(f"{indent}else:")
                    out += self.lines(node.orelse, indent + "    ")
            elif isinstance(node, ast.Raise) and node.exc is not None:
                out.append(f"{indent}raise {self.text(node.exc)}")
            elif isinstance(node, ast.Return):  # in a branch: set the result and derivatives
                result, *derivatives = _returned(node)
                out += self.set("{out}", result, indent)
                for d, name in zip(derivatives, self.derivatives):
                    out += self.set(name, d, indent)
        return out

    def set(self, target: str, value: ast.expr, indent: str) -> list[str]:
        """``target = value`` (a field, ``{out}`` or ``{dx}``, or a local); never {out} = {out}."""
        text = self.text(value)
        if text == target:
            return []
        if target in self.derivatives and any(isinstance(n, (ast.Pow, ast.Call))
                                              for n in ast.walk(value)):
            self.keep_local = True
        return [f"{indent}{target} = {text}"]

    def text(self, node: ast.expr) -> str:
        """An expression as source with fields: ``{x}`` for an operand, ``{t}e`` for a local."""
        node = _Rename(self.fields).visit(copy.deepcopy(node))
        source = ast.unparse(node).replace("{", "{{").replace("}", "}}")
        return _MARK.sub(r"{\1}", source)


# A field inside unparsed source, until it becomes "{x}": its name in angle brackets
# that no rule's source has (and that an f-string's unparsing keeps as they are).
_MARK = re.compile("\u27e8(\\w+)\u27e9")


class _Rename(ast.NodeTransformer):
    """Operands and the result to fields, other locals to ``{t}`` names, math.f to f."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields

    def visit_Name(self, node: ast.Name) -> ast.Name:
        field = self.fields.get(node.id)
        return ast.Name(f"\u27e8{field}\u27e9" if field else f"\u27e8t\u27e9{node.id}", node.ctx)

    def visit_Call(self, node: ast.Call) -> ast.Call:
        node.args = [self.visit(arg) for arg in node.args]
        if isinstance(node.func, ast.Attribute):  # math.exp(x) -> exp(x); ValueError stays
            node.func = ast.Name(node.func.attr, ast.Load())
        return node


def _is_atom(node: ast.expr) -> bool:
    """A number (-1.0 included) or a name: an expression that needs no variable of its own."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, (ast.Constant, ast.Name))


def _returned(node: ast.Return) -> list[ast.expr]:
    """What a return gives: the result, then the local derivatives (a tuple: rule_body checks)."""
    return node.value.elts if isinstance(node.value, ast.Tuple) else []


def _result_local(body: list[ast.stmt], operands: list[str]) -> str | None:
    """The local that every return gives as the result (the sigmoid's ``s``), if there is one.

    The node's variable can then be that local itself: ``{out}``.
    """
    results = {ast.unparse(_returned(n)[0]) for s in body for n in ast.walk(s)
               if isinstance(n, ast.Return)}
    (name,) = results if len(results) == 1 else (None,)
    return name if name is not None and name.isidentifier() and name not in operands else None
