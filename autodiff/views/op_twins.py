"""The op table in JavaScript: each operation's twin, translated from its rule's source.

A live page (``autodiff.views.live``) recomputes a graph in the browser when a
number is edited. It must compute what ``Value`` computes, and it keeps no
second copy of any derivative to do so: each operation's JavaScript is its rule
in the op table (``autodiff.ops``), read as source (``autodiff.rule_source``, the
part replay's code generator reads too) and written again in JavaScript,
statement by statement. For ``sigmoid``:

    def sigmoid(x):                         function (x) {
        if x >= 0.0:                          let e, s, d;
            e = math.exp(-x)                  if ((x >= 0.0)) {
            s = 1.0 / (1.0 + e)                 e = Math.exp((-x));
            return s, s * (e * s)               s = (1.0 / (1.0 + e));
        ...                                     return [s, (s * (e * s))];
                                              } else { ... }
                                            }

Every operation and every parenthesis is kept, so the browser does the same
float operations in the same order; only ``math``'s functions are the
browser's own (``Math.exp``), which agree with the C library's to within an ulp
or so (a test runs every twin against its rule). A ``raise`` becomes a throw of
an ``OpError`` carrying the rule's kind of error and its message, the operands
written as Python writes them (``pyRepr``, from the page's runtime).
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterable

from autodiff.ops import OPS, Op
from autodiff.rule_source import RuleError, operand_names, rule_body

# Python's operators and math's functions, as JavaScript writes them
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===",
            ast.NotEq: "!=="}
_MATH = {name: f"Math.{name}" for name in (
    "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "cbrt", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "floor", "ceil", "trunc", "hypot")} | {"fabs": "Math.abs", "pi": "Math.PI", "e": "Math.E",
                                        "inf": "Infinity"}


def op_table_js(ops: Iterable[Op] | None = None) -> str:
    """The JavaScript object of every operation's twin: ``{"*": {arity, rule}, ...}``.

    ``rule`` takes the operands as numbers (and a number power its exponent
    after them) and returns ``[result, d result/d x, (d result/d y)]``, as the
    Python rule does. Operations registered at run time are included.
    """
    entries = []
    for op in OPS.values() if ops is None else ops:
        entries.append(f"  {json.dumps(op.name)}: {{arity: {op.arity}, "
                       f"parametrised: {str(op.parametrised).lower()},\n"
                       f"    rule: {rule_js(op)}}}")
    return "{\n" + ",\n".join(entries) + "\n}"


def rule_js(op: Op) -> str:
    """One rule as a JavaScript function expression (see the module docstring)."""
    names = operand_names(op.rule, op.arity + op.parametrised)
    body = rule_body(op.rule, op.arity)
    local = sorted({n.id for s in body for n in ast.walk(s)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)})
    lines = [f"let {', '.join(local)};"] if local else []
    lines += _Writer(op.name).statements(body)
    inner = "\n".join("      " + line for line in lines)
    return f"function ({', '.join(names)}) {{\n{inner}\n    }}"


class _Writer:
    """Writes a rule's checked statements and expressions as JavaScript."""

    def __init__(self, name: str) -> None:
        self.name = name

    def statements(self, body: list[ast.stmt]) -> list[str]:
        out = []
        for node in body:
            if isinstance(node, ast.Assign):
                target = node.targets[0]
                assert isinstance(target, ast.Name)  # rule_body checked it
                out.append(f"{target.id} = {self.expr(node.value)};")
            elif isinstance(node, ast.If):
                out.append(f"if ({self.expr(node.test)}) {{")
                out += ["  " + line for line in self.statements(node.body)]
                if node.orelse:
                    out.append("} else {")
                    out += ["  " + line for line in self.statements(node.orelse)]
                out.append("}")
            elif isinstance(node, ast.Raise):
                exc = node.exc
                assert isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name)
                kind, message = exc.func.id, exc.args[0]
                out.append(f"throw new OpError({json.dumps(kind)}, {self.message(message)});")
            elif isinstance(node, ast.Return):
                assert isinstance(node.value, ast.Tuple)
                out.append(f"return [{', '.join(map(self.expr, node.value.elts))}];")
        return out

    def expr(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                return str(value).lower()
            assert isinstance(value, (int, float))  # rule_body let no other constant through
            return repr(float(value)) if math.isfinite(value) else "Infinity"
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.BinOp):
            return f"({self.expr(node.left)} {_BINARY[type(node.op)]} {self.expr(node.right)})"
        if isinstance(node, ast.UnaryOp):
            sign = {ast.USub: "-", ast.UAdd: "+", ast.Not: "!"}[type(node.op)]
            return f"({sign}{self.expr(node.operand)})"
        if isinstance(node, ast.BoolOp):
            joiner = " && " if isinstance(node.op, ast.And) else " || "
            return "(" + joiner.join(map(self.expr, node.values)) + ")"
        if isinstance(node, ast.Compare):
            parts, left = [], node.left
            for op, right in zip(node.ops, node.comparators):
                parts.append(f"({self.expr(left)} {_COMPARE[type(op)]} {self.expr(right)})")
                left = right
            return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"
        if isinstance(node, ast.IfExp):
            return (f"({self.expr(node.test)} ? {self.expr(node.body)} : "
                    f"{self.expr(node.orelse)})")
        if isinstance(node, ast.Call):
            return f"{self.math(node.func)}({', '.join(map(self.expr, node.args))})"
        if isinstance(node, ast.Attribute):
            return self.math(node)
        raise RuleError(f"rule {self.name}: {ast.unparse(node)!r} has no JavaScript twin")

    def math(self, node: ast.expr) -> str:
        """``math.exp`` as ``Math.exp``; a function JavaScript lacks is refused, by name."""
        assert isinstance(node, ast.Attribute)
        if node.attr not in _MATH:
            raise RuleError(f"rule {self.name}: math.{node.attr} has no twin in JavaScript's "
                            "Math, so the live pages cannot compute this operation")
        return _MATH[node.attr]

    def message(self, node: ast.expr) -> str:
        """An error's message (an f-string of the operands) as a template literal."""
        if isinstance(node, ast.Constant):
            return json.dumps(str(node.value))
        assert isinstance(node, ast.JoinedStr)
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                text = str(part.value).replace("\\", "\\\\").replace("`", "\\`")
                parts.append(text.replace("${", "\\${"))
            else:
                assert isinstance(part, ast.FormattedValue)
                shown = "pyRepr" if part.conversion == ord("r") else "pyStr"
                parts.append(f"${{{shown}({self.expr(part.value)})}}")
        return "`" + "".join(parts) + "`"
