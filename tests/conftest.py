"""Shared test helpers."""

import os
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def matches_golden():
    """Check DOT source against tests/golden/<name>.dot, a file reviewed by eye once.

    Set DELTAGRAD_UPDATE_GOLDEN=1 to rewrite the files after such a review.
    """

    def check(name: str, source: str) -> None:
        path = GOLDEN / f"{name}.dot"
        if os.environ.get("DELTAGRAD_UPDATE_GOLDEN"):
            path.write_text(source, encoding="utf-8")
        hint = "review the picture, then set DELTAGRAD_UPDATE_GOLDEN=1"
        assert path.exists(), f"no {path.name}: {hint}"
        assert source == path.read_text(encoding="utf-8")

    return check


@pytest.fixture
def dot_clusters():
    """DOT source -> {cluster name: [(node name, label)] of the nodes declared directly in it}."""

    def parse(source: str) -> dict[str, list[tuple[str, str]]]:
        members, stack = {}, []
        for line in source.splitlines():
            line = line.strip()
            m = re.match(r"subgraph (cluster_\w+) \{", line)
            if m:
                stack.append(m.group(1))
                members[m.group(1)] = []
            elif line == "}" and stack:
                stack.pop()
            elif stack and (m := re.match(r"(v\d+(?:op)?) \[label=<(.*)> (?:fill|shape)", line)):
                members[stack[-1]].append((m.group(1), m.group(2)))
        return members

    return parse


# ----------------------------------------------------------------------
# The engine's operations as tests write them, read from the op table
# ----------------------------------------------------------------------

# The number exponents tried for the op table's "**n" (a power with a number exponent).
EXPONENTS = (2, 3, 0, -1, 0.5, 1.5)


def table_operations(arity: int) -> dict:
    """name -> function of ``arity`` operands, for every op-table entry of that arity.

    The functions work on Values and on torch tensors alike (``op.apply``); the
    number power appears once per exponent of ``EXPONENTS``, as "**2", "**0.5", ...
    """
    from autodiff.ops import OPS, power_name

    found = {}
    for op in OPS.values():
        if op.arity != arity:
            continue
        if op.parametrised:
            for n in EXPONENTS:
                found[power_name(float(n))] = lambda u, op=op, n=n: op.apply(u, n)
        else:
            found[op.name] = op.apply
    return found
