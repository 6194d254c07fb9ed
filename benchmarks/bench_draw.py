"""Time to turn a 10,000-node computation graph into a graphviz.Digraph; and to draw
a network's cost graph as SVG, by deltagrad's own layout against Graphviz's ``dot``.

deltagrad's ``autodiff.draw`` against a peer written below in the manner of
micrograd's ``draw_dot`` (the function of its README's notebook, which the
micrograd package does not ship): collect nodes and edges, then one
``dot.node`` per Value with a record label and one small node per operation,
named by ``id()``. The peer's trace is iterative here, because micrograd's
recursive one stops at Python's recursion limit long before 10,000 nodes.

Both draw the same expression, built with each engine's own Value class:
a batch of single-neuron examples, C = sum_i (relu(w . x_i + b) - y_i)^2,
with labelled parameters (ReLU: micrograd 0.1.0 has no sigmoid), written so
that both engines make the same nodes. Both build the Digraph and then its DOT text
(``.source``); only ``dot``'s layout, which neither controls, is left out.
Runs alternate between the two (and which goes first); each figure is the
median of several runs, with ``gc.collect()`` before each.

Then the SVG: the cost graph of one example through a [2, 3, 1] and a [2, 16, 16, 1]
sigmoid network (C = 1/2 (a - y)^2), drawn as SVG from the same ``draw(C)``: by
deltagrad (``.svg()``: layout and SVG text, in this process) and by Graphviz
(``.pipe(format="svg")``: ``dot`` as a program, as every renderer of graphviz's
package runs it), interleaved, median of several runs. Skipped where ``dot`` is
missing.

Run: ``python benchmarks/bench_draw.py`` (about 2 minutes: dot takes a while on the
large graph), ``--quick`` for fewer runs.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import time

import graphviz
from micrograd.engine import Value as MicroValue

from autodiff import Value as DeltaValue
from autodiff import draw
from nn import MLP, quadratic_cost

N_INPUTS = 8


def cost(V, n_examples: int, seed: int = 0):
    """The same cost for Value class V: sum over examples of (relu(w . x + b) - y)^2."""
    rng = random.Random(seed)
    w = [V(rng.uniform(-1, 1)) for _ in range(N_INPUTS)]
    b = V(rng.uniform(-1, 1))
    for k, w_k in enumerate(w):
        w_k.label = f"w_1{k + 1}^2"
    b.label = "b_1^2"
    total = None
    for _ in range(n_examples):
        z = b
        for w_k in w:
            z = z + w_k * rng.uniform(-1, 1)
        a = z.relu()
        term = (a + -rng.choice((0.0, 1.0))) ** 2  # a - y, spelt alike in both engines
        total = term if total is None else total + term
    return total


def peer_trace(root):
    """micrograd's trace_graph, made iterative: every node and edge reachable from root."""
    nodes, edges, stack = set(), set(), [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for child in v._prev:
            edges.add((child, v))
            stack.append(child)
    return nodes, edges


def peer_draw_dot(root):
    """micrograd's draw_dot: a record node per Value, an op node per operation, names from id()."""
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = peer_trace(root)
    for n in nodes:
        uid = str(id(n))
        label = getattr(n, "label", "")
        dot.node(
            name=uid, label=f"{{ {label} | data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record"
        )
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def count_values(root, parents) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for p in parents(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def timed(build, root) -> tuple[float, float]:
    """Seconds to build the Digraph, and then to produce its DOT source."""
    gc.collect()
    t0 = time.perf_counter()
    g = build(root)
    t1 = time.perf_counter()
    g.source  # noqa: B018 (the text is what dot reads)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def svg_against_dot(runs: int) -> None:
    """Seconds to draw a network's cost graph as SVG: deltagrad's renderer, then dot."""
    if shutil.which("dot") is None:
        print("\nGraphviz's dot is missing: no SVG comparison")
        return
    print(f"\nThe cost graph of one example as SVG, median of {runs} interleaved runs:")
    print(f"{'network':16}{'drawn':>8}{'deltagrad':>12}{'dot':>12}{'dot / deltagrad':>18}")
    for sizes in ([2, 3, 1], [2, 16, 16, 1]):
        net = MLP(sizes, seed=0)
        C = quadratic_cost([net([0.5] * sizes[0])], [[1.0] * sizes[-1]])
        C.backward()
        times: dict[str, list[float]] = {"deltagrad": [], "dot": []}
        for r in range(runs):
            pair = [("deltagrad", lambda g: g.svg()), ("dot", lambda g: g.pipe(format="svg"))]
            for name, render in pair if r % 2 == 0 else reversed(pair):
                g = draw(C, max_nodes=100_000)  # a fresh Drawing: nothing laid out yet
                gc.collect()
                t0 = time.perf_counter()
                render(g)
                times[name].append(time.perf_counter() - t0)
        ours, theirs = (statistics.median(times[n]) for n in ("deltagrad", "dot"))
        nodes = len(draw(C, max_nodes=100_000).figure.nodes)
        print(f"{str(sizes):16}{nodes:>6,} n{ours * 1e3:9.0f} ms{theirs * 1e3:9.0f} ms"
              f"{theirs / ours:15.1f}x")
    print("(above 1x: deltagrad is faster; n is nodes drawn: Values and operations)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 9

    n_examples = 10_000 // (3 * N_INPUTS + 5)  # about 10,000 Values per graph
    delta_root = cost(DeltaValue, n_examples)
    micro_root = cost(MicroValue, n_examples)
    delta_root.backward()
    micro_root.backward()
    n_delta = count_values(delta_root, lambda v: v.parents)
    n_micro = count_values(micro_root, lambda v: v._prev)

    def ours(root):
        return draw(root, max_nodes=n_delta)

    times = {"deltagrad": [], "peer": []}
    for r in range(runs):
        pair = [("deltagrad", ours, delta_root), ("peer", peer_draw_dot, micro_root)]
        for name, build, root in pair if r % 2 == 0 else reversed(pair):
            times[name].append(timed(build, root))

    print(f"Python {sys.version.split()[0]}, graphviz {graphviz.__version__}")
    print(
        f"Graph: {n_examples} examples of one ReLU neuron with {N_INPUTS} inputs, "
        f"quadratic cost; deltagrad {n_delta:,} Values, micrograd {n_micro:,} Values"
    )
    print(f"\nMedian of {runs} interleaved runs, gc.collect() before each:")
    print(f"{'':10}{'Digraph':>10}{'source':>10}{'total':>10}{'Values/s':>12}")
    totals = {}
    for name, n in (("deltagrad", n_delta), ("peer", n_micro)):
        build = statistics.median(t for t, _ in times[name])
        source = statistics.median(s for _, s in times[name])
        total = statistics.median(t + s for t, s in times[name])
        totals[name] = total / n
        print(
            f"{name:10}{build * 1e3:7.1f} ms{source * 1e3:7.1f} ms{total * 1e3:7.1f} ms"
            f"{n / total:12,.0f}"
        )
    print(
        f"\nper Value, peer / deltagrad: {totals['peer'] / totals['deltagrad']:.2f}x "
        "(above 1: deltagrad is faster)"
    )
    svg_against_dot(3 if args.quick else 5)


if __name__ == "__main__":
    main()
