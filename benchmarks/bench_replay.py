"""Replay (autodiff.record) against building the graph every step: deltagrad and micrograd.

1. One gradient step of a [16, 32, 32, 1] MLP (ReLU hidden layers, linear
   output) on a batch of 8, mean squared error: loss and the gradient of every
   weight and bias. Three ways, on the same data and weights:
     - replay:    the graph recorded once; each step is ``tape(inputs, params)``
     - deltagrad: ``autodiff.Value``, the graph built anew, then ``backward()``
     - micrograd: ``micrograd.engine.Value`` 0.1.0, the same
   The runs alternate (and rotate which goes first); ``gc.collect()`` before
   each; each figure is the median of the runs. Then the one-off cost of
   recording (build the graph once, ``record``, which generates and compiles
   the code) and after how many steps replay has paid it back.
2. nn's replay engine (``nn.training.engines``: one example recorded, replayed for each
   example of the batch) against nn's values step, on the [16, 32, 32, 1] net
   and on a [2, 16, 16, 1] sigmoid net with moons, batch 8, quadratic cost.
3. Training on moons with ``nn.train``, [2, 16, 16, 1] sigmoid network, batch
   8: ``engine="replay"`` against ``engine="values"``, whole epochs, the same
   seed; the two must end with bit-identical weights. Learning is the SGD
   steps (``history.time``); train() adds the evaluation after each epoch. (micrograd 0.1.0 has no
   sigmoid, so it races only in 1.)

4. Memory on a wide network: the peak a training step of a batch of 10 takes
   over what the network itself takes, each engine in a process of its own (the
   first replay step records the tape, compiled in pieces, and checks it against
   the values engine on a few examples). [200, 1000, 10] (a 632,000-node example),
   or [784, 30, 10] with ``--quick``.

Run: ``python benchmarks/bench_replay.py`` (a few minutes, most of it part 4),
``--quick`` for fewer runs and a smaller network in part 4.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import struct
import subprocess
import sys
import time
from functools import partial

from micrograd.engine import Value as MicroValue

from autodiff import Value, record

SIZES = [16, 32, 32, 1]
BATCH = 8


def random_weights(sizes: list[int], seed: int) -> list[float]:
    """Every weight and bias as plain floats, layer by layer, node by node (w_j1..w_jm, b_j)."""
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for m, n in zip(sizes, sizes[1:]) for _ in range(n * (m + 1))]


def random_batch(seed: int) -> tuple[list[float], list[float]]:
    """A batch as flat lists: the 8 x 16 inputs x, then the 8 targets y."""
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(BATCH * SIZES[0])], [
        rng.uniform(-1, 1) for _ in range(BATCH)
    ]


def loss(params: list, xs: list, ys: list):
    """Mean squared error (1/n) sum_i (a_i - y_i)^2 of the network, for any Value class.

    z_j = sum_k w_jk a_k + b_j; a_j = relu(z_j) in hidden layers, z_j at the output.
    """
    it = iter(params)
    layers = [[([next(it) for _ in range(m)], next(it)) for _ in range(n)]
              for m, n in zip(SIZES, SIZES[1:])]
    total = 0.0
    n_1 = SIZES[0]
    for i, y in enumerate(ys):
        a = xs[i * n_1 : (i + 1) * n_1]
        for l, layer in enumerate(layers):
            zs = [sum((w * a_k for w, a_k in zip(ws, a)), b) for ws, b in layer]
            a = zs if l == len(layers) - 1 else [z.relu() for z in zs]
        total = total + (a[0] - y) ** 2
    return total * (1.0 / len(ys))


class Plain:
    """Build the graph from Values of class V every step, then backward()."""

    def __init__(self, V, weights: list[float]) -> None:
        self.V = V
        self.params = [V(w) for w in weights]

    def step(self, x: list[float], y: list[float]) -> tuple[float, list[float]]:
        for p in self.params:
            p.grad = 0.0
        V = self.V
        C = loss(self.params, [V(v) for v in x], [V(v) for v in y])
        C.backward()
        return C.data, [p.grad for p in self.params]


class Replay:
    """Record the graph once; each step replays it on the batch and the current weights."""

    def __init__(self, weights: list[float], x: list[float], y: list[float]) -> None:
        params = [Value(w) for w in weights]
        inputs = [Value(v) for v in x + y]
        C = loss(params, inputs[: len(x)], inputs[len(x) :])
        self.tape = record(C, inputs=inputs, params=params)
        self.weights = list(weights)

    def step(self, x: list[float], y: list[float]) -> tuple[float, list[float]]:
        r = self.tape(x + y, self.weights)
        return r.outputs[0], r.param_grads


def bits(xs: list[float]) -> list[bytes]:
    return [struct.pack("<d", v) for v in xs]


def timed(f, *args) -> float:
    gc.collect()
    t0 = time.perf_counter()
    f(*args)
    return time.perf_counter() - t0


def bench_step(runs: int) -> None:
    weights = random_weights(SIZES, seed=0)
    x, y = random_batch(seed=1)

    # The one-off cost: build the graph once and record it (generate + compile).
    gc.collect()
    t0 = time.perf_counter()
    replay = Replay(weights, x, y)
    recording = time.perf_counter() - t0
    engines = {
        "replay": replay,
        "deltagrad": Plain(Value, weights),
        "micrograd": Plain(MicroValue, weights),
    }

    # The race is void unless the answers agree: replay bit for bit with deltagrad.
    x2, y2 = random_batch(seed=2)
    results = {name: e.step(x2, y2) for name, e in engines.items()}
    C, g = results["deltagrad"]
    if bits([results["replay"][0], *results["replay"][1]]) != bits([C, *g]):
        raise RuntimeError("replay and deltagrad disagree: the benchmark is void")
    Cm, gm = results["micrograd"]
    if abs(Cm - C) > 1e-9 or max(abs(a - b) for a, b in zip(gm, g)) > 1e-9:
        raise RuntimeError("micrograd and deltagrad disagree: the benchmark is void")

    names = list(engines)
    times = {name: [] for name in names}
    for run in range(runs):
        k = run % len(names)
        for name in names[k:] + names[:k]:  # rotate who goes first
            times[name].append(timed(engines[name].step, x, y))
    median = {name: statistics.median(t) for name, t in times.items()}

    tape = replay.tape
    print(f"MLP {SIZES}, ReLU hidden, linear output, batch {BATCH}, mean squared error:")
    print(f"loss and all {tape.n_params} gradients; the tape has {tape.n_nodes:,} nodes.")
    print("Replay's loss and gradients equal deltagrad's bit for bit; micrograd's to 1e-9.")
    print(f"\nOne step, median of {runs} interleaved runs, gc.collect() before each:")
    print(f"{'':12}{'per step':>10}{'replay is':>12}{'target':>9}")
    print(f"{'replay':12}{median['replay'] * 1e3:7.2f} ms")
    for name, target in (("deltagrad", ">= 5x"), ("micrograd", ">= 30x")):
        ratio = median[name] / median["replay"]
        print(f"{name:12}{median[name] * 1e3:7.2f} ms{ratio:10.1f}x{target:>9}")
    saved = median["deltagrad"] - median["replay"]
    print(
        f"\nRecording, once: {recording:.2f} s (build the graph, record, generate and compile\n"
        f"{len(tape.source.splitlines()):,} lines), as long as "
        f"{recording / median['deltagrad']:.0f} plain deltagrad steps; replay has paid it back "
        f"after {recording / saved:.0f} steps."
    )


def bench_nn_steps(runs: int) -> None:
    """nn's replay engine (one example recorded, replayed per example) against nn's values step."""
    from nn import MLP, moons
    from nn.model.costs import quadratic_cost
    from nn.training.engines import ReplayEngine, ValuesEngine

    rng = random.Random(3)
    cases = {
        "[16, 32, 32, 1] relu": (
            MLP(SIZES, ["relu", "relu", "linear"], seed=0),
            [([rng.uniform(-1, 1) for _ in range(16)], [rng.uniform(-1, 1)]) for _ in range(BATCH)],
        ),
        "[2, 16, 16, 1] moons": (MLP([2, 16, 16, 1], seed=0), moons(n=BATCH, seed=0)),
    }
    print(f"\nnn: one step's C and gradients on a batch of {BATCH}, quadratic cost; replay records")
    print(f"one example and replays it {BATCH} times. Median of {runs} interleaved runs:")
    print(f"{'':22}{'replay':>10}{'values':>10}{'replay is':>11}{'recording':>11}{'paid back':>11}")
    for name, (net, batch) in cases.items():
        replay = ReplayEngine(net, quadratic_cost)
        replay.gradient = partial(replay.gradient, batch)
        gc.collect()
        t0 = time.perf_counter()
        replay.gradient()  # the first step records the tape
        recording = time.perf_counter() - t0
        # train's step with engine="values"
        values = partial(ValuesEngine(net, quadratic_cost).gradient, batch)

        C = replay.gradient()
        grads, C_values = [p.grad for p in net.parameters()], values()
        if bits([C, *grads]) != bits([C_values, *(p.grad for p in net.parameters())]):
            raise RuntimeError(f"{name}: the engines disagree: the benchmark is void")
        times = {"replay": [], "values": []}
        for run in range(runs):
            order = ["replay", "values"] if run % 2 == 0 else ["values", "replay"]
            for engine in order:
                f = replay.gradient if engine == "replay" else values
                times[engine].append(timed(f))
        r, v = (statistics.median(times[e]) for e in ("replay", "values"))
        print(f"{name:22}{r * 1e3:7.2f} ms{v * 1e3:7.2f} ms{v / r:10.1f}x{recording:9.2f} s"
              f"{recording / (v - r):6.0f} steps")
    print("(recording: the first step, which records the tape and checks it against the values\n"
          "engine on 3 of the batch's examples; target for replay: >= 5x)")


def bench_moons(runs: int) -> None:
    from nn import MLP, moons
    from nn.training.engines import SAMPLE
    from nn.training.sgd import train

    data = moons(n=200, noise=0.1, seed=0)
    sizes, epochs, batch = [2, 16, 16, 1], 2, 8
    steps = epochs * -(-len(data) // batch)
    times = {"replay": [], "values": []}
    weights = {}
    for run in range(runs):
        order = ["replay", "values"] if run % 2 == 0 else ["values", "replay"]
        for engine in order:
            net = MLP(sizes, seed=0)
            gc.collect()
            t0 = time.perf_counter()
            history = train(net, data, epochs=epochs, batch_size=batch, eta=0.5, seed=1,
                            engine=engine, progress=False)
            total = time.perf_counter() - t0
            # history.time is the learning alone; the rest is evaluation after each epoch
            times[engine].append((total, sum(history.time)))
            weights[engine] = [p.data for p in net.parameters()]
    if bits(weights["replay"]) != bits(weights["values"]):
        raise RuntimeError("the engines trained different weights: the benchmark is void")
    print(f"\nnn.train on moons (n = {len(data)}), MLP {sizes}, sigmoid, batch {batch}, "
          f"{epochs} epochs = {steps} steps;")
    print(f"median of {runs} interleaved runs; both engines end with bit-identical weights:")
    print(f"{'':10}{'learning':>11}{'per step':>11}{'whole train()':>15}")
    for engine in ("replay", "values"):
        total = statistics.median(t for t, _ in times[engine])
        learning = statistics.median(t for _, t in times[engine])
        print(f"{engine:10}{learning:9.3f} s{learning / steps * 1e3:8.2f} ms{total:13.3f} s")
    def ratio(part: int) -> float:
        return (statistics.median(t[part] for t in times["values"])
                / statistics.median(t[part] for t in times["replay"]))

    print(f"Learning, replay is {ratio(1):.1f}x faster than values (target >= 5x), recording "
          f"included;\nthe whole of train(), with the evaluation after each epoch, "
          f"{ratio(0):.1f}x. Replay's tape is checked\nagainst the values engine on "
          f"{SAMPLE} examples before the first step, its forward tape at the first evaluation.")


def peak_memory(engine: str, sizes: list[int]) -> None:
    """In a process of its own: one step of ``engine`` on a batch of 10; print the MB it took."""
    from nn import MLP
    from nn.model.costs import quadratic_cost
    from nn.training.engines import ReplayEngine, ValuesEngine

    net = MLP(sizes, seed=0)
    rng = random.Random(0)
    batch = [([rng.random() for _ in range(sizes[0])],
              [float(j == i % sizes[-1]) for j in range(sizes[-1])]) for i in range(10)]
    kind = {"replay": ReplayEngine, "values": ValuesEngine}[engine]
    gc.collect()
    before = _peak_mb()
    started = time.perf_counter()
    kind(net, quadratic_cost).gradient(batch)
    print(f"{_peak_mb() - before:.0f} {time.perf_counter() - started:.1f}")


def _peak_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes there, kB here


def bench_memory(sizes: list[int]) -> None:
    print(f"\nMemory of one training step (batch 10) of MLP {sizes}, each engine in a process of "
          "its own:")
    peaks = {}
    for engine in ("values", "replay"):
        command = [sys.executable, __file__, "--peak", engine, ",".join(map(str, sizes))]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        peaks[engine] = float(out[0])
        print(f"  {engine:7}{peaks[engine]:7.0f} MB above the network's own, {float(out[1]):6.1f} s"
              + (" (recording the tape and checking it included)" if engine == "replay" else ""))
    print(f"  replay's peak is {peaks['replay'] / peaks['values']:.2f}x the values engine's "
          "(target: within about 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, noisier figures")
    parser.add_argument("--peak", nargs=2, metavar=("ENGINE", "SIZES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak:
        peak_memory(args.peak[0], [int(n) for n in args.peak[1].split(",")])
        return
    bench_step(runs=5 if args.quick else 15)
    bench_nn_steps(runs=5 if args.quick else 15)
    bench_moons(runs=3 if args.quick else 5)
    bench_memory([784, 30, 10] if args.quick else [200, 1000, 10])


if __name__ == "__main__":
    main()
