"""The op table's rules as source: the small Python they are written in, read as a tree.

A rule of the op table (``autodiff.ops``) is an ordinary Python function, which
``Value`` calls. Code generators read the same function as source, so that an
operation's derivative is written once: replay inlines it into straight-line
Python (``autodiff.replay.templates``), and another generator may translate it
to another language. So a rule keeps to a small part of Python, which
:func:`rule_body` checks:

    def pow_number(x, n):            operands, then any fixed number (n), no defaults
        \"\"\"A docstring.\"\"\"           optional
        if x == 0.0 and n < 0.0:     if / elif / else, on comparisons, and, or, not
            raise ZeroDivisionError(f"{x!r} ** {n!r}: zero to a negative power")
        t = x ** (n - 1.0)           a local, assigned
        return x ** n, n * t         the result, then d(result)/d(each operand)

* statements: ``name = expression``, ``if``, ``raise`` of ``ValueError`` or
  ``ZeroDivisionError`` with a message (an f-string of the operands),
  ``return`` of the result and one local derivative per operand; every path
  ends in a ``return`` or a ``raise``;
* expressions: numbers, names, ``+ - * / **``, unary ``-``, comparisons,
  ``and``, ``or``, ``not``, ``a if test else b``, and calls of ``math``'s
  functions (``math.exp(x)``).

An overflow is not a rule's business: ``Value`` names the operation when a
result is beyond the largest float, or when Python raises ``OverflowError``
inside a rule (``math.exp(800.0)``, ``10.0 ** 400.0``).

:func:`rule_body` gives a rule's statements as a tree (Python's ``ast``), with
any fixed number put in and what it decides worked out (``x ** 2.0`` needs no
test of a fractional power), and every ``if`` whose branch returns given the
rest of the rule as its ``else``: a tree that runs top to bottom, each path
ending in its own ``return``, as straight-line code needs.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import math
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

Rule = Callable[..., tuple[float, ...]]  # the result, then the local derivatives
ERRORS = ("ValueError", "ZeroDivisionError")
ALLOWED = (ast.Assign, ast.If, ast.Raise, ast.Return, ast.Name, ast.Constant, ast.BinOp,
           ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.Attribute, ast.Tuple,
           ast.JoinedStr, ast.FormattedValue, ast.Load, ast.Store, ast.Add, ast.Sub, ast.Mult,
           ast.Div, ast.Pow, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or, ast.Lt, ast.LtE,
           ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


class RuleError(ValueError):
    """A rule written outside the Python that code generators translate (see the module doc)."""


def rule_body(rule: Rule, arity: int,
              constants: Mapping[str, float] | None = None) -> list[ast.stmt]:
    """The statements of a rule of ``arity`` operands, checked, with ``constants`` put in.

    ``rule_body(ops.pow_number, 1, {"n": 2.0})`` is the tree of ``return x **
    2.0, 2.0 * x ** 1.0``. Raises :class:`RuleError` naming what is outside
    the subset (see the module doc).
    """
    body = _Fold(constants or {}).visit(ast.Module(copy.deepcopy(_checked(rule, arity)), []))
    return _else_after_return(body.body)


def operand_names(rule: Rule, n_operands: int) -> list[str]:
    """The names of a rule's first ``n_operands`` parameters: its operands, x (and y)."""
    return [a.arg for a in _function(rule).args.args[:n_operands]]


@functools.cache
def _function(rule: Rule) -> ast.FunctionDef:
    try:
        source = textwrap.dedent(inspect.getsource(rule))
    except (OSError, TypeError) as error:
        raise RuleError(f"the source of the rule {rule!r} cannot be read: {error}") from None
    tree = ast.parse(source)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise RuleError(f"a rule is written as one def, got {source.splitlines()[0]!r}")
    return tree.body[0]


@functools.cache
def _checked(rule: Rule, arity: int) -> list[ast.stmt]:
    """The rule's statements (its docstring left out), checked to be within the subset."""
    function = _function(rule)

    def refuse(node: ast.AST, what: str) -> None:
        raise RuleError(f"rule {function.name}, line {getattr(node, 'lineno', '?')}: {what} "
                        "is outside the Python rules are written in (see autodiff.rule_source)")

    args = function.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs:
        refuse(function, "a parameter with a default, *, or **")
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    nodes = [node for statement in body for node in ast.walk(statement)]
    known = {a.arg for a in args.args} | {n.id for n in nodes if isinstance(n, ast.Name)
                                          and isinstance(n.ctx, ast.Store)}
    raised = [n for n in nodes if isinstance(n, ast.Raise)]
    # what a raise's message may hold, and the name math of math.exp, are let through
    exempt = {id(m) for r in raised if r.exc is not None for m in ast.walk(r.exc)}
    exempt |= {id(n.value) for n in nodes if isinstance(n, ast.Attribute) and _math(n)}
    returned = {id(n.value) for n in nodes if isinstance(n, ast.Return)}
    for node in nodes:
        if not isinstance(node, ALLOWED):
            refuse(node, f"a {type(node).__name__}")
        elif isinstance(node, ast.Assign) and not isinstance(node.targets[0], ast.Name):
            refuse(node, "an assignment to anything but one name")
        elif isinstance(node, ast.Name) and node.id not in known and id(node) not in exempt:
            refuse(node, f"the name {node.id!r} (neither an operand nor a local)")
        elif isinstance(node, ast.Call) and not _math(node.func) and id(node) not in exempt:
            refuse(node, f"the call {ast.unparse(node)} (only math's functions)")
        elif isinstance(node, ast.Attribute) and not _math(node):
            refuse(node, f"the expression {ast.unparse(node)!r}")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)) \
                and id(node) not in exempt:
            refuse(node, f"the constant {node.value!r}")
        elif isinstance(node, (ast.JoinedStr, ast.Tuple)) and not (
                id(node) in exempt or id(node) in returned):
            refuse(node, f"the expression {ast.unparse(node)!r}")
        elif isinstance(node, ast.Return) and not (
                isinstance(node.value, ast.Tuple) and len(node.value.elts) == arity + 1):
            refuse(node, f"a return of anything but the result and {arity} local "
                         "derivative(s), one per operand")
    for r in raised:
        exc = r.exc
        if not (isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name)
                and exc.func.id in ERRORS and len(exc.args) == 1) or r.cause not in (None,):
            refuse(r, f"a raise of anything but {' or '.join(ERRORS)}(message)")
    if not _ends(body):
        raise RuleError(f"rule {function.name}: every path must end in a return or a raise")
    return body


def _math(node: ast.AST) -> bool:
    """``math.exp`` and the like: a function or constant of Python's math module."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "math" and hasattr(math, node.attr))


def _ends(body: list[ast.stmt]) -> bool:
    """Every path through ``body`` ends in a return or a raise."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and _ends(last.body) and _ends(last.orelse)


def _returns(body: list[ast.stmt]) -> bool:
    """Some path through ``body`` returns (rather than raises)."""
    return any(isinstance(n, ast.Return) for s in body for n in ast.walk(s))


def number(value: float) -> ast.expr:
    """A number as an expression: a negative one as a minus and a constant, as written."""
    if math.copysign(1.0, value) < 0.0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


class _Fold(ast.NodeTransformer):
    """Puts the fixed numbers in, and works out what they decide."""

    def __init__(self, constants: Mapping[str, float]) -> None:
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return number(self.constants[node.id]) if node.id in self.constants else node

    def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        if _known(node.test):  # decided: the branch taken, in the If's place
            return node.body if _value(node.test) else node.orelse
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if isinstance(node, ast.BoolOp):
            return _bool_op(node)
        if isinstance(node, ast.IfExp) and _known(node.test):
            return node.body if _value(node.test) else node.orelse
        parts = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        if isinstance(node, ast.Call):
            parts = node.args
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call)) and all(
                map(_known, parts)):
            try:
                value = _value(node)
            except (ArithmeticError, ValueError):
                return node  # left for the generated code to raise
            return ast.Constant(value) if isinstance(value, bool) else number(value)
        return node


def _bool_op(node: ast.BoolOp) -> ast.expr:
    """``and``/``or`` with the parts already known taken out: ``x < 0 and True`` is ``x < 0``."""
    decisive = isinstance(node.op, ast.Or)  # the value that decides an or (and: False)
    left = []
    for value in node.values:
        if not _known(value):
            left.append(value)
        elif bool(_value(value)) == decisive:
            return ast.Constant(decisive)
    if not left:
        return ast.Constant(not decisive)
    return left[0] if len(left) == 1 else ast.BoolOp(node.op, left)


def _known(node: ast.expr) -> bool:
    """A number or truth value written out (a negative number as minus and constant)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant)


def _value(node: ast.expr) -> Any:
    return eval(compile(ast.fix_missing_locations(ast.Expression(node)), "<rule>", "eval"),
                {"math": math})


def _else_after_return(body: list[ast.stmt]) -> list[ast.stmt]:
    """``if c: ... return`` then the rest, as ``if c: ... else: the rest``; nothing after an end.

    A branch that only raises stays a guard before the rest; when a branch
    returns, the rest of the rule goes into each branch that does not end, so
    that each path ends in its own return.
    """
    for i, node in enumerate(body):
        if isinstance(node, (ast.Return, ast.Raise)):
            return body[: i + 1]
        if isinstance(node, ast.If) and _returns([node]):
            for branch in (node.body, node.orelse):
                if not _ends(branch):
                    branch += copy.deepcopy(body[i + 1:])
            node.body = _else_after_return(node.body)
            node.orelse = _else_after_return(node.orelse)
            return body[: i + 1]
    return body
