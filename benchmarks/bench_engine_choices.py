"""Two loops of the engine that are written out for speed, against the ways they could be written.

1. ``+`` and ``*`` (nearly every node of a network): ``Value.__add__`` and
   ``__mul__`` do their rule's arithmetic and make the node in one function.
   Swapped in as methods, one at a time: a method made from the table entry,
   calling the rule and then ``_node``; and ``_binary``, as every other
   operation goes (which also checks both operands' types). Timed on
   ``bench_engine.py``'s training step ([16, 32, 32, 1], ReLU, batch 8, forward
   and backward), the ways interleaved, the median of the runs.
2. ``backward()``'s sweep: ``value.chain_rule``, the loop written out with a
   node's slots, against the same steps taken from ``chain_rule_steps`` (the
   definition), on the same graph.

Each variant must give the same numbers bit for bit, or the race is void.
See docs/engine.md. Run: ``python benchmarks/bench_engine_choices.py``
(``--quick`` for fewer runs).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import struct
import time

from bench_engine import SIZES, forward, make_network, random_batch, random_weights

from autodiff import ops
from autodiff.value import Value, _binary, _node, _topological_order, chain_rule_steps


def method_of(op):
    """A method made from ``op``'s table entry: its rule called, then ``_node``."""
    rule, name = op.rule, op.name

    def method(self, other):
        if type(other) is not Value:
            return _binary(op, self, other)
        data, da, db = rule(self.data, other.data)
        return _node(data, name, self, da, other, db)

    return method


WAYS = {
    "the fast paths": (Value.__add__, Value.__mul__),
    "a method per op: rule, then _node": (method_of(ops.ADD), method_of(ops.MUL)),
    "_binary (rule, then _node)": (lambda x, y: _binary(ops.ADD, x, y),
                                   lambda x, y: _binary(ops.MUL, x, y)),
}


def bits(xs) -> list[bytes]:
    return [struct.pack("<d", x) for x in xs]


def fast_paths(runs: int) -> None:
    layers, params = make_network(Value, random_weights(SIZES, seed=0))
    xs, ys = random_batch(seed=1)

    def step() -> list[float]:
        for p in params:
            p.grad = 0.0
        loss = forward(Value, layers, xs, ys)
        loss.backward()
        return [loss.data, *(p.grad for p in params)]

    fast = WAYS["the fast paths"]
    expected = bits(step())
    times = {name: [] for name in WAYS}
    try:
        for name, (add, mul) in WAYS.items():
            Value.__add__, Value.__mul__ = add, mul
            if bits(step()) != expected:
                raise RuntimeError(f"{name} computes other numbers: the race is void")
        names = list(WAYS)
        for run in range(runs):
            k = run % len(names)
            for name in names[k:] + names[:k]:  # rotate who goes first
                Value.__add__, Value.__mul__ = WAYS[name]
                gc.collect()
                t0 = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - t0)
    finally:
        Value.__add__, Value.__mul__ = fast
    base = statistics.median(times["the fast paths"])
    print(f"1. A training step of MLP {SIZES}, batch 8, median of {runs} interleaved runs,")
    print("   + and * written as:")
    for name, t in times.items():
        m = statistics.median(t)
        print(f"   {name:36}{m * 1e3:8.1f} ms  {m / base:5.2f}x")


def sweep(runs: int) -> None:
    layers, params = make_network(Value, random_weights(SIZES, seed=0))
    loss = forward(Value, layers, *random_batch(seed=1))

    def written_out() -> None:
        loss.backward()

    def by_the_steps() -> None:
        order = _topological_order(loss)
        loss.grad += 1.0
        for node, k, parent in chain_rule_steps(order, lambda v: v.parents):
            parent.grad += node.local_grads[k] * node.grad

    results, times = {}, {"written out": [], "by the steps": []}
    for name, f in (("written out", written_out), ("by the steps", by_the_steps)):
        for p in params:
            p.grad = 0.0
        f()
        results[name] = bits(p.grad for p in params)
    if results["written out"] != results["by the steps"]:
        raise RuntimeError("the two sweeps disagree: the race is void")
    for run in range(runs):
        order = [("written out", written_out), ("by the steps", by_the_steps)]
        for name, f in order if run % 2 == 0 else order[::-1]:
            gc.collect()
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    w, s = (statistics.median(times[n]) for n in ("written out", "by the steps"))
    print(f"\n2. backward() of that step's graph ({len(_topological_order(loss)):,} nodes), "
          f"median of {runs} interleaved runs:")
    print(f"   chain_rule, written out          {w * 1e3:8.1f} ms   1.00x")
    print(f"   the steps of chain_rule_steps    {s * 1e3:8.1f} ms  {s / w:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, noisier figures")
    args = parser.parse_args()
    fast_paths(runs=7 if args.quick else 21)
    sweep(runs=5 if args.quick else 15)


if __name__ == "__main__":
    main()
