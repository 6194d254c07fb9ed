"""Speed and memory of deltagrad's engine, side by side with micrograd 0.1.0.

Three measurements, each printed as a table:

1. One training step of a [16, 32, 32, 1] MLP (ReLU hidden layers, linear
   output) on a batch of 8, mean squared error, forward + backward. The network
   code below is written once and run with each engine's ``Value`` class, on the
   same data and the same weights; the runs alternate between the engines (and
   which goes first), and each figure is the median of several runs.
2. Bytes per node of a 200,000-node chain, measured with tracemalloc.
3. Time to build and differentiate a 1,000,000-node chain (deltagrad only:
   micrograd's recursive topological sort cannot go deeper than Python's
   recursion limit, about 1,000 nodes), with the collector on, as in users'
   code, and inside ``autodiff.collector_paused()``, runs alternating.

Garbage collection is treated alike for both engines: ``gc.collect()`` before
every timed run, so neither pays for the other's garbage; the collector stays
on during the run, as it is in users' code. A second step table repeats the runs
with the collector off, to show how much of each engine's time is the
collector's. Those two leave freeing the graph out of the time. A third table
times a training loop, steps back to back, where each step drops the previous
step's graph: deltagrad's graphs are freed at once, micrograd's closures make
reference cycles that wait for the collector, and the loop pays for both.

Run: ``python benchmarks/bench_engine.py`` (under a minute on an idle machine),
or with ``--quick`` for a shorter, noisier run.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

from micrograd.engine import Value as MicroValue

from autodiff import Value as DeltaValue
from autodiff import collector_paused

ENGINES = {"deltagrad": DeltaValue, "micrograd": MicroValue}
SIZES = [16, 32, 32, 1]
BATCH = 8

# ----------------------------------------------------------------------
# The network, written once for any Value class V
# ----------------------------------------------------------------------


def random_weights(sizes: list[int], seed: int) -> list[list[tuple[list[float], float]]]:
    """Plain floats: for each layer, for each neuron, (weights w_jk, bias b_j)."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(n_in)], rng.uniform(-1, 1)) for _ in range(n_out)]
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def random_batch(seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 1) for _ in range(SIZES[0])] for _ in range(BATCH)]
    ys = [rng.uniform(-1, 1) for _ in range(BATCH)]
    return xs, ys


def make_network(V, weights):
    """The same weights as Values of class V; returns (layers, flat parameter list)."""
    layers = [[([V(w) for w in ws], V(b)) for ws, b in layer] for layer in weights]
    params = [p for layer in layers for ws, b in layer for p in [*ws, b]]
    return layers, params


def forward(V, layers, xs, ys):
    """Mean squared error of the network on the batch: (1/n) sum_i (a_i - y_i)^2."""
    loss = 0.0
    last = len(layers) - 1
    for x, y in zip(xs, ys, strict=True):
        a = [V(xk) for xk in x]
        for i, layer in enumerate(layers):
            # z_j = sum_k w_jk a_k + b_j; a_j = relu(z_j), or z_j in the output layer
            zs = [sum((w * ak for w, ak in zip(ws, a, strict=True)), b) for ws, b in layer]
            a = zs if i == last else [z.relu() for z in zs]
        loss = loss + (a[0] - y) ** 2
    return loss * (1.0 / len(xs))


def count_nodes(root, parents_of: Callable) -> int:
    """How many distinct nodes the graph under root has (iterative, any engine)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for p in parents_of(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


PARENTS = {"deltagrad": lambda v: v.parents, "micrograd": lambda v: v._prev}

# ----------------------------------------------------------------------
# 1. The MLP step
# ----------------------------------------------------------------------


def time_step(V, layers, params, xs, ys, gc_on: bool) -> tuple[float, float]:
    """(forward seconds, backward seconds) of one step, after a gc.collect()."""
    for p in params:
        p.grad = 0.0
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        t0 = time.perf_counter()
        loss = forward(V, layers, xs, ys)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
    finally:
        gc.enable()
    return t1 - t0, t2 - t1


def check_same_results(nets, xs, ys) -> tuple[float, float, dict[str, int]]:
    """Both engines must compute the same loss and gradients, or the race is void."""
    losses, grads, nodes = {}, {}, {}
    for name, V in ENGINES.items():
        layers, params = nets[name]
        for p in params:
            p.grad = 0.0
        loss = forward(V, layers, xs, ys)
        loss.backward()
        losses[name] = loss.data
        grads[name] = [p.grad for p in params]
        nodes[name] = count_nodes(loss, PARENTS[name])
    loss_diff = abs(losses["deltagrad"] - losses["micrograd"])
    grad_diff = max(abs(g - h) for g, h in zip(grads["deltagrad"], grads["micrograd"], strict=True))
    if loss_diff > 1e-9 or grad_diff > 1e-9:
        raise RuntimeError(f"the engines disagree: loss by {loss_diff}, gradients by {grad_diff}")
    return loss_diff, grad_diff, nodes


def time_loop(V, layers, params, xs, ys, steps: int) -> float:
    """Seconds per step of a training loop's steps back to back, freeing included.

    Each step zeroes the grads, builds a new graph and drops the previous one,
    as a training loop does; the collector runs whenever it decides to.
    """
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(steps):
        for p in params:
            p.grad = 0.0
        loss = forward(V, layers, xs, ys)
        loss.backward()
    del loss
    return (time.perf_counter() - t0) / steps


def print_ratios(title: str, times: dict[str, dict[str, list[float]]]) -> None:
    print(f"\n{title}")
    print(f"{'':10}{'deltagrad':>12}{'micrograd':>12}{'speed-up':>10}{'target':>8}")
    targets = {"forward": "", "backward": ">= 2x", "step": ">= 5x"}
    for part in times["deltagrad"]:
        d = statistics.median(times["deltagrad"][part])
        m = statistics.median(times["micrograd"][part])
        print(f"{part:10}{d * 1e3:9.1f} ms{m * 1e3:9.1f} ms{m / d:9.1f}x{targets[part]:>8}")


def bench_step(runs: int) -> None:
    xs, ys = random_batch(seed=1)
    weights = random_weights(SIZES, seed=0)
    nets = {name: make_network(V, weights) for name, V in ENGINES.items()}
    loss_diff, grad_diff, nodes = check_same_results(nets, xs, ys)
    print(f"MLP {SIZES}, ReLU hidden, linear output, batch {BATCH}, mean squared error.")
    print(
        f"Graph nodes per step: deltagrad {nodes['deltagrad']:,}, micrograd {nodes['micrograd']:,}."
        f" Same loss to {loss_diff:.1e}, same gradients to {grad_diff:.1e}."
    )
    names = list(ENGINES)

    def interleaved(runs=runs):  # alternate which engine goes first
        for run in range(runs):
            yield from (names if run % 2 == 0 else names[::-1])

    for gc_on in (True, False):
        times = {name: {"forward": [], "backward": [], "step": []} for name in ENGINES}
        for name in interleaved():
            f, b = time_step(ENGINES[name], *nets[name], xs, ys, gc_on)
            times[name]["forward"].append(f)
            times[name]["backward"].append(b)
            times[name]["step"].append(f + b)
        mode = "collector on (as in use)" if gc_on else "collector off during the run"
        title = f"One step: median of {runs} interleaved runs, gc.collect() before each, {mode}:"
        print_ratios(title, times)

    steps, loops = 3, min(runs, 5)  # a loop takes about 3 s with micrograd
    times = {name: {"step": []} for name in ENGINES}
    for name in interleaved(loops):
        times[name]["step"].append(time_loop(ENGINES[name], *nets[name], xs, ys, steps))
    print_ratios(
        f"Training loop: {steps} steps back to back (zero grads, forward, backward, free the last\n"
        f"graph), collector on, gc.collect() before each run; median of {loops} runs, per step:",
        times,
    )


# ----------------------------------------------------------------------
# 2. Memory per node
# ----------------------------------------------------------------------

# Each kind builds a chain from a start node x; nodes_per_step says how many
# nodes one step adds (x + 1 adds the constant 1 as a leaf node, then the sum).
CHAINS = {
    "x = x + 1": (lambda x, y: x + 1, 2),
    "x = x * y": (lambda x, y: x * y, 1),
    "x = x.tanh()": (lambda x, y: x.tanh(), 1),
    "x = x.relu()": (lambda x, y: x.relu(), 1),
}


# CPython's small-object allocator hands out blocks in multiples of 16 bytes on
# 64-bit builds: a Value's 104 bytes take 112, a float's 24 take 32.
BLOCK = 16


def chain_memory(V, step, steps: int) -> tuple[int, int | None, object]:
    """Bytes alive after building the chain, and after its backward (None if it fails)."""
    y = V(1.0)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        x = V(0.5)
        for _ in range(steps):
            x = step(x, y)
        built = tracemalloc.get_traced_memory()[0] - base
        try:
            x.backward()
            after = tracemalloc.get_traced_memory()[0] - base
        except RecursionError:
            after = None
    finally:
        tracemalloc.stop()
    return built, after, x


def chain_blocks(V, step, steps: int) -> tuple[int, object]:
    """Bytes the chain's allocations take once each is rounded up to whole blocks."""
    y = V(1.0)
    gc.collect()
    tracemalloc.start()
    try:
        x = V(0.5)
        for _ in range(steps):
            x = step(x, y)
        traces = tracemalloc.take_snapshot().traces
    finally:
        tracemalloc.stop()
    return sum(-(-trace.size // BLOCK) * BLOCK for trace in traces), x


def bench_memory(n_nodes: int, kinds: list[str]) -> None:
    print(f"\nMemory of a chain of {n_nodes:,} nodes (tracemalloc: every allocation still alive):")
    print(f"{'':14}{'deltagrad':^31}{'micrograd':^20}")
    print(
        f"{'chain':14}{'traced':>10}{'in blocks':>11}{'after bwd':>10}"
        f"{'traced':>10}{'in blocks':>10}{'target':>10}"
    )
    for kind in kinds:
        step, per_step = CHAINS[kind]
        row = f"{kind:14}"
        for name, V in ENGINES.items():
            try:
                step(V(0.5), V(1.0))
            except AttributeError:  # micrograd 0.1.0 has no tanh
                row += f"{'no such op':>20}"
                continue
            built, after, x = chain_memory(V, step, n_nodes // per_step)
            nodes = count_nodes(x, PARENTS[name]) - 1  # less the start node
            del x
            # per node the same on a shorter chain; a snapshot of every block is slow
            blocks, x = chain_blocks(V, step, n_nodes // 10 // per_step)
            blocks /= count_nodes(x, PARENTS[name]) - 1
            del x
            row += f"{built / nodes:8.0f} B{blocks:9.0f} B"
            if name == "deltagrad":
                row += f"{(after - built) / nodes:+8.0f} B"
        print(row + f"{'<= 150 B':>10}")
    print(
        "Bytes per node = traced bytes after building / nodes built (constants made into leaf\n"
        "nodes count as nodes). It covers the Value objects with their garbage-collector\n"
        "headers, the float objects they hold, and for micrograd the closures, cells and sets.\n"
        "'after bwd' is what backward adds per node: the new grad floats. micrograd cannot run\n"
        "backward on these chains (its recursive sort hits the recursion limit). 'in blocks'\n"
        f"rounds each allocation up to the allocator's {BLOCK}-byte blocks, closer to the memory\n"
        f"really taken (a Value's 104 bytes take 112, a float's 24 take 32); it is measured on\n"
        f"a chain of {n_nodes // 10:,} nodes, as a snapshot of every block is slow."
    )


# ----------------------------------------------------------------------
# 3. A million-node chain
# ----------------------------------------------------------------------


def time_chain(step, steps: int, paused: bool) -> tuple[float, float, float]:
    """(build, backward, free) seconds of a chain of deltagrad nodes, collector on or paused."""
    y = DeltaValue(1.0)
    gc.collect()
    with collector_paused() if paused else contextlib.nullcontext():
        t0 = time.perf_counter()
        x = DeltaValue(0.5)
        for _ in range(steps):
            x = step(x, y)
        t1 = time.perf_counter()
        x.backward()
        t2 = time.perf_counter()
        del x
        t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def bench_million(n_nodes: int, runs: int) -> None:
    print(f"\nA chain of {n_nodes:,} deltagrad nodes, median of {runs} runs, the collector on")
    print("(as in users' code) and paused (autodiff.collector_paused()), alternating:")
    print(f"{'chain':14}{'collector':>10}{'build':>9}{'backward':>10}{'total':>9}{'target':>8}"
          f"{'free':>9}")
    for kind in ("x = x * y", "x = x + 1"):
        step, per_step = CHAINS[kind]
        times = {False: [], True: []}
        for run in range(runs):
            for paused in (run % 2 == 1, run % 2 == 0):
                times[paused].append(time_chain(step, n_nodes // per_step, paused))
        built = {}
        for paused in (False, True):
            build, back, free = (statistics.median(r[i] for r in times[paused]) for i in range(3))
            built[paused] = build
            print(f"{kind:14}{'paused' if paused else 'on':>10}{build:7.2f} s{back:8.2f} s"
                  f"{build + back:7.2f} s{'< 3 s':>8}{free:7.2f} s")
        print(f"{'':14}building with the collector paused is {built[False] / built[True]:.1f}x "
              "faster")
    print("total = build + backward; 'free' is dropping the last reference to the chain.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller chains")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Python {sys.version.split()[0]}; deltagrad vs micrograd 0.1.0; load average {load:.1f}"
        f" on {os.cpu_count()} CPUs (other work on the machine makes the times noisier)\n"
    )
    bench_step(runs=3 if args.quick else 7)
    bench_memory(200_000, ["x = x * y", "x = x.tanh()"] if args.quick else list(CHAINS))
    bench_million(n_nodes=1_000_000, runs=2 if args.quick else 4)
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
