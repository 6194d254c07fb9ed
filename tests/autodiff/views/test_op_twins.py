"""The op table's JavaScript twins against the Python rules, and the page's numbers as Python
writes them, run in Node.js.

The live pages recompute a graph with each operation's twin, translated from its rule
(``autodiff.views.op_twins``), and write numbers as Python does (``page.js``: repr and
"%.{digits}g"). Each twin is run here on many operands beside its rule: the same result
and local derivatives to 1e-15 (the browser's ``Math.exp`` and the C library's may differ
in the last bit), and the same error, with the same message, where the rule raises.
"""

import json
import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from autodiff import ops
from autodiff.rule_source import RuleError
from autodiff.views.op_twins import op_table_js, rule_js

PAGE_JS = Path(__file__).parents[3] / "autodiff" / "views" / "page.js"
EXPONENTS = (2.0, 3.0, 0.0, -1.0, 0.5, 1.5, -2.5)


def run_js(tmp_path: Path, harness: str, cases) -> list:
    """``harness`` (JavaScript reading ``cases`` as CASES) run in Node beside the twins and
    page.js; what it prints, read as JSON."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: 'sudo apt-get install nodejs' (make test "
                    "installs it when run as root)")
    script = tmp_path / "twins.js"
    script.write_text(f"const OPS = {op_table_js()};\n{PAGE_JS.read_text(encoding='utf-8')}\n"
                      f"const CASES = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
                      f"{harness}\n", encoding="utf-8")
    done = subprocess.run([node, script], input=json.dumps(cases), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def operands(rng: random.Random) -> list[float]:
    """Numbers a graph meets: small and large, negative, zero, integers, near the kinks."""
    special = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -0.5, 1e-300, -1e-300, 1e-8, 40.0, -40.0,
               700.0, -745.0, 709.7, 1e154, math.pi, 3.0]
    drawn = [rng.uniform(-5, 5) for _ in range(150)] + [rng.gauss(0, 1) * 10 ** rng.randint(
        -12, 12) for _ in range(100)] + [float(rng.randint(-6, 6)) for _ in range(20)]
    return special + drawn


def python_rule(op: ops.Op, args: list[float]):
    try:
        return {"out": list(op.rule(*args))}
    except (ValueError, ZeroDivisionError) as error:
        return {"error": type(error).__name__, "message": str(error)}
    except OverflowError:
        return {"error": "OverflowError"}


HARNESS = """
const out = CASES.map(function ([name, args]) {
  try {
    return {out: OPS[name].rule(...args).map(v => Number.isFinite(v) ? v : String(v))};
  } catch (e) {
    return e instanceof OpError ? {error: e.kind, message: e.message} : {error: String(e)};
  }
});
console.log(JSON.stringify(out));
"""


def test_every_twin_gives_its_rules_numbers(tmp_path):
    rng = random.Random(0)
    xs = operands(rng)
    cases = []
    for op in ops.OPS.values():
        if op.parametrised:
            cases += [(op.name, [x, n]) for x in xs for n in EXPONENTS]
        elif op.arity == 1:
            cases += [(op.name, [x]) for x in xs]
        else:
            cases += [(op.name, [x, y]) for x in xs[:60] for y in xs[:60]]
    results = run_js(tmp_path, HARNESS, cases)
    compared = errors = 0
    for (name, args), js in zip(cases, results):
        py = python_rule(ops.OPS[name], args)
        where = f"{name}{tuple(args)}"
        if "error" in py:
            errors += 1
            if py["error"] == "OverflowError":  # Python's own, where JavaScript gives inf
                assert "error" in js or not all(isinstance(v, float) and math.isfinite(v)
                                                for v in js["out"]), where
                continue
            assert js == py, where  # the same kind of error, the same words
            continue
        outs = [v for v in py["out"]]
        if not all(math.isfinite(v) for v in outs):
            continue  # an inf that Value refuses, naming the operation (the page does too)
        assert "out" in js, f"{where}: {js}"
        for p, j in zip(outs, js["out"]):
            assert isinstance(j, (int, float)), f"{where}: {js}"
            assert abs(j - p) <= 1e-15 * max(abs(p), 1e-300) or j == p, (where, p, j)
            compared += 1
    assert compared > 5000 and errors > 50


def test_a_registered_operation_has_a_twin():
    def softsign(x):
        d = 1.0 + (x if x >= 0.0 else -x)
        return x / d, 1.0 / (d * d)

    op = ops.Op("softsign_test", 1, softsign, lambda x: x, symbol="s", text="s({x})",
                derivatives=("1",), tex="s", tex_derivatives=("1",))
    source = rule_js(op)
    assert "(1.0 + ((x >= 0.0) ? x : (-x)))" in source and "return [(x / d)" in source


def test_a_math_function_javascript_lacks_is_named():
    def gamma_rule(x):
        return math.gamma(x), math.gamma(x)

    op = ops.Op("gamma_test", 1, gamma_rule, lambda x: x, symbol="g", text="g({x})",
                derivatives=("1",), tex="g", tex_derivatives=("1",))
    with pytest.raises(RuleError, match="math.gamma has no twin"):
        rule_js(op)


FORMATS = """
console.log(JSON.stringify(CASES.map(([x, p]) => [formatG(x, p), pyRepr(x)])));
"""


def test_numbers_are_written_as_python_writes_them(tmp_path):
    rng = random.Random(1)
    xs = [0.0, -0.0, 1.0, 0.5, 0.125, 2.5, 1234565.0, 9.9999996, 0.00012345, 1e-5, 1e16,
          123456789012345678.0, 5e-324, 1.7976931348623157e308, 0.1, 0.7, -3.0, 100.0, 1e-4,
          99999.95, 0.000099999995]
    xs += [rng.gauss(0, 1) * 10 ** rng.randint(-20, 20) for _ in range(600)]
    xs += [rng.randint(-999, 999) / 8 for _ in range(100)]  # exact halves, quarters: ties
    cases = [(x, p) for x in xs for p in (1, 2, 3, 4, 6, 10, 17)]
    for (x, p), (g, r) in zip(cases, run_js(tmp_path, FORMATS, cases)):
        assert g == f"{x:.{p}g}", (x, p)
        assert r == repr(x), x
