"""What a student does with deltagrad, run alike in CPython and in Pyodide (tests/test_pyodide.py).

``main(folder)`` imports every module of deltagrad, trains a network, walks through
one backpropagation and saves its page, saves both pictures as SVG, and checks a
student's backprop (a right one and one with a catalogued mistake); it writes what
it saw into ``folder/results.json``, so the test can compare Pyodide's numbers with
CPython's. A part that fails is recorded with its error and the rest goes on, so
one broken part does not hide the others.
"""

import importlib
import json
import math
import pkgutil
import traceback
from pathlib import Path


def main(folder: str) -> None:
    out = Path(folder)
    results = {"imports": imported_modules()}
    for name, part in (("training", training), ("walkthrough", walkthrough_steps),
                       ("page", page), ("network_svg", network_svg), ("graph_svg", graph_svg),
                       ("check", check)):
        try:
            results[name] = {"ok": True, **part(out)}
        except Exception as error:  # recorded for the test to name, never swallowed there
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}",
                             "traceback": traceback.format_exc()}
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")


def imported_modules() -> dict:
    """Every module of deltagrad's two packages, imported: name -> None, or the error."""
    import graphviz  # the one dependency of the core

    found = {"graphviz": None if graphviz.__name__ == "graphviz" else "?"}
    for package in ("autodiff", "nn"):
        root = importlib.import_module(package)
        found[package] = None
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if info.name.endswith(".__main__"):  # `python -m nn`: it runs the command line
                continue
            try:
                importlib.import_module(info.name)
                found[info.name] = None
            except Exception as error:
                found[info.name] = f"{type(error).__name__}: {error}"
    return found


def network():
    from nn import MLP, train
    from nn.data import moons

    net = MLP([2, 3, 1], seed=7)
    history = train(net, moons(40, seed=3), epochs=5, batch_size=8, eta=2.0, seed=11,
                    progress=False)
    return net, history


def training(out: Path) -> dict:
    net, history = network()
    return {"weights": [p.data.hex() for p in net.parameters()],
            "cost": [c.hex() for c in history.cost]}


def walkthrough_steps(out: Path) -> dict:
    from nn import walkthrough

    net, _ = network()
    walk = walkthrough(net, [0.5, -0.25], [1.0], eta=0.5)
    return {"steps": [[s.symbol, None if s.value is None else s.value.hex()] for s in walk.steps]}


def page(out: Path) -> dict:
    from nn import walkthrough

    net, _ = network()
    path = walkthrough(net, [0.5, -0.25], [1.0], eta=0.5).save(out / "walkthrough.html")
    return {"file": path.name}


def network_svg(out: Path) -> dict:
    from autodiff import save_picture
    from nn import draw_network

    net, _ = network()
    return {"file": save_picture(draw_network(net), out / "network.svg").name}


def graph_svg(out: Path) -> dict:
    from autodiff import draw, save_picture
    from nn import MLP, quadratic_cost

    net = MLP([2, 2, 1], seed=0)
    C = quadratic_cost([net([0.5, -0.25])], [[1.0]])
    C.backward()
    return {"file": save_picture(draw(C), out / "graph.svg").name}


def check(out: Path) -> dict:
    from nn import MLP, check_backprop

    net, x, y = MLP([2, 3, 2], seed=5), [0.3, -0.8], [0.0, 1.0]
    right = check_backprop(student_backprop, net, x, y)
    wrong = check_backprop(lambda w, b, x, y: student_backprop(w, b, x, y, sign=-1.0),
                           net, x, y)
    return {"right": [right.ok, right.mistake], "wrong": [wrong.ok, wrong.mistake],
            "rows": [[row.symbol, row.student.hex(), row.autograd.hex(), row.right]
                     for row in right.rows]}


def student_backprop(weights, biases, x, y, sign=1.0):
    """The lecture's equations (BP1-BP4) written out as a student would, on lists;
    ``sign=-1`` makes the catalogued mistake of the error's sign, (y - a) for (a - y)."""
    def sigma(z):
        return 1.0 / (1.0 + math.exp(-z))

    a, zs, activations = list(x), [], [list(x)]
    for W, b in zip(weights, biases):
        z = [sum(w_jk * a_k for w_jk, a_k in zip(row, a)) + b_j for row, b_j in zip(W, b)]
        a = [sigma(z_j) for z_j in z]
        zs.append(z)
        activations.append(a)
    delta = [sign * (a_j - y_j) * sigma(z_j) * (1 - sigma(z_j))
             for a_j, y_j, z_j in zip(a, y, zs[-1])]
    nabla_b, nabla_w = [delta], [[[d * a_k for a_k in activations[-2]] for d in delta]]
    for l in range(len(weights) - 1, 0, -1):
        W_next, z = weights[l], zs[l - 1]
        delta = [sum(W_next[j][k] * delta[j] for j in range(len(delta)))
                 * sigma(z[k]) * (1 - sigma(z[k])) for k in range(len(z))]
        nabla_b.insert(0, delta)
        nabla_w.insert(0, [[d * a_k for a_k in activations[l - 1]] for d in delta])
    return nabla_b, nabla_w
