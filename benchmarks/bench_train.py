"""Time per training epoch: nn.train's engines against their peers, side by side.

1. Moons, micrograd's race. A [2, 16, 16, 1] MLP on 100 moons points, batch size
   10, quadratic cost C = 1/(2n) sum ||y - a||^2, plain SGD with eta = 0.1.
   micrograd 0.1.0 has no exp, hence no sigmoid, so the race uses relu hidden layers
   and a linear output, which both engines have; deltagrad's usual sigmoid network
   is timed beside it for reference. The micrograd loop does exactly what
   ``nn.train`` does (the same shuffle, the same forward order, the same update),
   and the script checks that both end with the same weights before it reports any
   time.
2. The 8x8 digits, the lecture's network ``MLP([64, 30, 10], seed=0)`` on the first
   1,500 digits (pixels / 16, one-hot targets), quadratic cost, batch 10, eta 3:
   one epoch of ``train(...)`` as one whole call (the data checked and
   converted, the steps, the weights written back, C and the accuracy over
   the data after the epoch), with ``engine="torch"`` and ``engine="replay"``
   (its first call, which records and checks, and a later one), against the
   same epoch by hand with numpy as fast as numpy allows (Nielsen's equations
   on whole mini-batches, arrays made once, in-place updates, the evaluation
   one batched pass), and by hand with torch tensors (no autograd): PyTorch's
   own cost on matrices this small. Every contender's weights after the epoch
   are checked against the values engine's (replay's bit for bit, the others'
   to 1e-9) before any time is reported; the values engine is timed then,
   once. One thread each, and the time is the process's CPU time
   (``time.process_time``): the work itself, which other programs on a busy
   machine disturb far less than they do the clock on the wall.
3. The digits to 95%: 30 epochs with replay on a 1,438 / 359 split, evaluation
   of both sets included.
4. Moons [2, 16, 16, 1], 200 points, batch 10: three epochs of ``train()``,
   recording included, replay against values.

    python benchmarks/bench_train.py [--quick]

``--quick`` runs fewer, shorter runs: a fifth of the digits, 10 epochs instead of 30.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from micrograd.engine import Value as MicroValue
from threadpoolctl import threadpool_limits

from nn import MLP, moons
from nn.training.sgd import train

SIZES = [2, 16, 16, 1]
N, BATCH, ETA, SEED = 100, 10, 0.1, 0


def relu_net() -> MLP:
    return MLP(SIZES, "relu", seed=SEED, output_activation="linear", init="scaled")


def micrograd_copy(net: MLP) -> list[list[tuple[list[MicroValue], MicroValue]]]:
    """The same weights as micrograd Values: layers of (w_j, b_j) per neuron."""
    return [[([MicroValue(w.data) for w in n.w], MicroValue(n.b.data)) for n in layer.neurons]
            for layer in net.layers]


def micrograd_forward(layers, x: list[float]) -> MicroValue:
    """z = w_1 a_1 + ... + w_m a_m + b, relu on hidden layers: the order nn.model.layers uses."""
    a = x
    for i, layer in enumerate(layers):
        out = []
        for w, b in layer:
            z = w[0] * a[0]
            for k in range(1, len(w)):
                z = z + w[k] * a[k]
            z = z + b
            out.append(z if i == len(layers) - 1 else z.relu())
        a = out
    return a[0]


def micrograd_epochs(layers, data, epochs: int, seed: int) -> float:
    """Train as nn.train does, for whole epochs; return the seconds spent."""
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    rng = random.Random(seed)
    examples = list(data)
    started = time.perf_counter()
    for _ in range(epochs):
        rng.shuffle(examples)
        for start in range(0, len(examples), BATCH):
            batch = examples[start:start + BATCH]
            total = None
            for x, y in batch:
                term = (y[0] - micrograd_forward(layers, x)) ** 2
                total = term if total is None else total + term
            C = total * (1.0 / (2 * len(batch)))
            for p in params:
                p.grad = 0.0
            C.backward()
            for p in params:
                p.data -= ETA * p.grad
    return time.perf_counter() - started


def deltagrad_epochs(net: MLP, data, epochs: int, seed: int, engine: str) -> float:
    history = train(net, data, epochs=epochs, batch_size=BATCH, eta=ETA, seed=seed,
                    progress=False, engine=engine)
    return sum(history.time)  # learning only; train() also evaluates after each epoch


def check_same_training(data) -> float:
    """Train both for two epochs from the same weights; return the largest weight difference."""
    net = relu_net()
    layers = micrograd_copy(net)
    deltagrad_epochs(net, data, 2, SEED, "values")
    micrograd_epochs(layers, data, 2, SEED)
    ours = [p.data for p in net.parameters()]
    theirs = [p.data for layer in layers for w, b in layer for p in (*w, b)]
    return max(abs(p - q) for p, q in zip(ours, theirs, strict=True))


def bench_micrograd(quick: bool) -> None:
    runs, epochs = (3, 1) if quick else (7, 3)
    data = moons(n=N, noise=0.1, seed=SEED)

    difference = check_same_training(data)
    if difference > 1e-9:
        raise SystemExit(f"the two trainings differ (largest weight difference {difference:.2e})")

    contenders = {
        "micrograd 0.1.0 (relu)": lambda: micrograd_epochs(micrograd_copy(relu_net()), data,
                                                           epochs, SEED),
        "deltagrad values (relu)": lambda: deltagrad_epochs(relu_net(), data, epochs, SEED,
                                                            "values"),
        "deltagrad replay (relu)": lambda: deltagrad_epochs(relu_net(), data, epochs, SEED,
                                                            "replay"),
        "deltagrad values (sigmoid)": lambda: deltagrad_epochs(MLP(SIZES, seed=SEED), data,
                                                               epochs, SEED, "values"),
        "deltagrad replay (sigmoid)": lambda: deltagrad_epochs(MLP(SIZES, seed=SEED), data,
                                                               epochs, SEED, "replay"),
    }
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for run in range(runs):
        order = list(contenders) if run % 2 == 0 else list(reversed(contenders))
        for name in order:
            gc.collect()
            seconds[name].append(contenders[name]() / epochs)

    peer = statistics.median(seconds["micrograd 0.1.0 (relu)"])
    print(f"Time per epoch: MLP {SIZES}, {N} moons points, batch {BATCH} "
          f"({N // BATCH} SGD steps), median of {runs} interleaved runs of {epochs} epoch(s).")
    print(f"Both trainings checked equal first (largest weight difference {difference:.1e}).\n")
    print(f"{'':28} {'per epoch':>12} {'vs micrograd':>14}")
    for name, times in seconds.items():
        t = statistics.median(times)
        print(f"{name:28} {t * 1e3:9.1f} ms {peer / t:13.1f}x")
    print("\n(micrograd 0.1.0 has no sigmoid; the sigmoid rows are deltagrad's lecture network.)")


# ----------------------------------------------------------------------
# 2. The 8x8 digits, the lecture's network, against numpy
# ----------------------------------------------------------------------

DIGITS_SIZES = [64, 30, 10]
DIGITS_N, DIGITS_BATCH, DIGITS_ETA = 1500, 10, 3.0


def digits_train(engine: str, net: MLP, examples, seed: int = SEED) -> float:
    """One epoch of train() as one whole call, its evaluation after the epoch included."""
    started = time.process_time()
    train(net, examples, epochs=1, batch_size=DIGITS_BATCH, eta=DIGITS_ETA, seed=seed,
          progress=False, engine=engine)
    return time.process_time() - started


def by_hand(library: str) -> Callable:
    """One epoch by hand with numpy (or torch tensors, no autograd), timed as a train() call:

    the arrays made once from the list of examples (in train()'s shuffled
    order, so that each mini-batch is a slice), the weights from the
    network's Values; for each mini-batch of m rows the lecture's four
    equations, one matrix product per layer and step, every result in an array
    made once, the weights updated in place; the weights back into the Values;
    then C and the accuracy over the data in one batched forward pass.
    """
    xp = np if library == "numpy" else torch

    def epoch(net: MLP, examples, seed: int = SEED) -> float:
        started = time.process_time()
        order = list(range(len(examples)))
        random.Random(seed).shuffle(order)  # train()'s first shuffle
        X = xp.asarray([examples[i][0] for i in order], dtype=xp.float64)
        Y = xp.asarray([examples[i][1] for i in order], dtype=xp.float64)
        layers = [(xp.asarray([[w.data for w in n.w] for n in layer.neurons], dtype=xp.float64),
                   xp.asarray([n.b.data for n in layer.neurons], dtype=xp.float64))
                  for layer in net.layers]
        sgd_by_hand(xp, layers, X, Y)
        weights = [v for w, b in layers for row, b_j in zip(w.tolist(), b.tolist())
                   for v in (*row, b_j)]
        for p, v in zip(net.parameters(), weights, strict=True):
            p.data = v
        a = X
        for w, b in layers:
            a = sigma(xp, a @ w.T + b)
        C = float(((Y - a) ** 2).sum()) / (2 * len(examples))
        right = float((a.argmax(1) == Y.argmax(1)).sum()) / len(examples)
        del C, right  # measured, as train() measures them, not used
        return time.process_time() - started

    return epoch


def sgd_by_hand(xp, layers: list, X, Y) -> None:
    """SGD over the rows of X, Y, DIGITS_BATCH at a time: the lecture's four equations.

    ``layers`` holds (w, b) of each layer l = 2..L, w[j, k] = w_jk^l, updated
    in place. The rows of A^l are the batch's a^l, so for each mini-batch

        A^l = sigma(A^{l-1} w^l^T + b^l)                               (forward)
        D^L = (A^L - Y) * sigma'(z^L)                                 (1)
        D^l = (D^{l+1} w^{l+1}) * sigma'(z^l)                         (2)
        dC/db^l = 1/m sum of the rows of D^l                          (3)
        dC/dw^l = 1/m D^l^T A^{l-1}                                   (4)

    with C = 1/(2m) sum ||y - a||^2 and sigma'(z) = a (1 - a); D is scaled
    by eta/m once, so the products are the steps themselves.
    """
    m = DIGITS_BATCH
    sizes = [X.shape[1]] + [w.shape[0] for w, _ in layers]
    made = {}  # the arrays of a batch of each size: m, and a smaller last one

    def arrays(rows: int) -> tuple:
        if rows not in made:
            made[rows] = ([xp.empty((rows, n), dtype=xp.float64) for n in sizes],
                          [xp.empty((rows, n), dtype=xp.float64) for n in sizes],
                          [xp.empty_like(w) for w, _ in layers],
                          [xp.empty_like(b) for _, b in layers])
        return made[rows]

    last = len(layers)
    for start in range(0, len(X), m):
        A, D, step_w, step_b = arrays(min(m, len(X) - start))
        A[0] = X[start:start + m]
        for l, (w, b) in enumerate(layers, start=1):
            xp.matmul(A[l - 1], w.T, out=A[l])
            A[l] += b
            sigma(xp, A[l], out=A[l])
        y = Y[start:start + m]
        xp.subtract(A[last], y, out=D[last])
        D[last] *= slope(xp, A[last], D[0][:, :sizes[last]])
        D[last] *= DIGITS_ETA / len(y)
        for l in range(last, 0, -1):
            w, b = layers[l - 1]
            if l > 1:  # D^{l-1} from w^l, before w^l moves
                xp.matmul(D[l], w, out=D[l - 1])
                D[l - 1] *= slope(xp, A[l - 1], D[0][:, :sizes[l - 1]])
            xp.matmul(D[l].T, A[l - 1], out=step_w[l - 1])
            w -= step_w[l - 1]
            xp.sum(D[l], 0, out=step_b[l - 1])
            b -= step_b[l - 1]


def sigma(xp, z, out=None):
    """The logistic function without overflow: 1/(1 + e^-z) = (1 + tanh(z/2))/2."""
    if out is None:
        return 0.5 * (1.0 + xp.tanh(0.5 * z))
    xp.multiply(z, 0.5, out=out)
    xp.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def slope(xp, a, out):
    """sigma'(z) = a (1 - a), into ``out``."""
    xp.subtract(1.0, a, out=out)
    out *= a
    return out


def digits_net() -> MLP:
    return MLP(DIGITS_SIZES, seed=SEED)


def trainers() -> dict[str, Callable[..., float]]:
    """The contenders: name -> train(net, examples, seed) for one epoch, returning its seconds."""
    def engine(name: str) -> Callable[..., float]:
        return lambda net, examples, seed=SEED: digits_train(name, net, examples, seed)

    return {"numpy by hand": by_hand("numpy"), "torch by hand": by_hand("torch"),
            "engine='torch'": engine("torch"), "engine='replay'": engine("replay")}


def check_digits(examples) -> tuple[dict[str, float], float]:
    """Each contender's weights after the epoch against the values engine's (replay's bit
    for bit, the others' to 1e-9), before any time is reported; and the values engine's
    own time (measured once, here: it is the slow one)."""
    net = digits_net()
    seconds = digits_train("values", net, examples)
    reference = [p.data for p in net.parameters()]
    differences = {}
    for name, epoch in trainers().items():
        net = digits_net()
        epoch(net, examples)
        differences[name] = max(abs(p.data - w) for p, w in zip(net.parameters(), reference,
                                                              strict=True))
    if differences["engine='replay'"] != 0.0:
        raise SystemExit("replay and values trained different weights: the benchmark is void")
    for name, difference in differences.items():
        if difference > 1e-9:
            raise SystemExit(f"{name} differs from the values engine by {difference:.1e}: void")
    return differences, seconds


def time_digits(examples, runs: int) -> dict[str, list[float]]:
    """The contenders interleaved, each run in another order: name -> seconds of each run.

    Replay is timed twice on one net: its first train() call (which records and
    checks), then a later one (which only trains).
    """
    times: dict[str, list[float]] = {}
    contenders = trainers()
    for run in range(runs):
        for name in contenders if run % 2 == 0 else reversed(contenders):
            gc.collect()
            net = digits_net()
            times.setdefault(name, []).append(contenders[name](net, examples))
            if name == "engine='replay'":
                gc.collect()
                later = contenders[name](net, examples, seed=SEED + 1)
                times.setdefault("engine='replay', a later call", []).append(later)
    return times


def bench_digits(quick: bool) -> None:
    from nn.data.datasets import digits

    examples = digits()[: DIGITS_N // 5 if quick else DIGITS_N]
    differences, values = check_digits(examples)
    runs = 3 if quick else 7
    times = time_digits(examples, runs)
    median = {name: statistics.median(t) for name, t in times.items()}
    peer = median["numpy by hand"]
    print(f"\nOne epoch of the first {len(examples):,} 8x8 digits, MLP {DIGITS_SIZES}, quadratic "
          f"cost, batch {DIGITS_BATCH}, eta {DIGITS_ETA}:\ntrain(...) as one whole call "
          "(conversion, steps, write-back, C and the accuracy after the epoch),\nagainst "
          f"numpy by hand; median of {runs} interleaved runs, one thread each, CPU time.")
    print("The weights after the epoch were checked against the values engine's first: "
          + ", ".join(f"{name} {d:.0e}" if d else f"{name} bit for bit"
                      for name, d in differences.items()) + ".\n")
    print(f"{'':32}{'epoch':>10}{'vs numpy':>10}")
    for name, seconds in [*median.items(), ("engine='values' (once)", values)]:
        print(f"{name:32}{seconds:8.3f} s{seconds / peer:9.1f}x")
    print("\nTargets: engine='torch' <= 2.5x numpy, engine='replay' (first call) <= 25x numpy.")
    ratio = median["engine='replay'"] / median["engine='replay', a later call"]
    print(f"Replay's first train() call takes {ratio:.1f}x a later one (target <= 3x).")


def bench_digits_to_95(quick: bool) -> None:
    from nn.data.datasets import digits, split

    train_data, test_data = split(digits(), test_fraction=0.2, seed=0)
    if quick:
        train_data, test_data = train_data[: len(train_data) // 5], test_data[: len(test_data) // 5]
    epochs = 10 if quick else 30
    net = digits_net()
    gc.collect()
    started = time.perf_counter()
    history = train(net, train_data, epochs=epochs, batch_size=DIGITS_BATCH, eta=DIGITS_ETA,
                    seed=SEED, test_data=test_data, progress=False, engine="replay")
    seconds = time.perf_counter() - started
    accuracy = history.test_accuracy
    print(f"\n{epochs} epochs with replay on {len(train_data):,} digits, evaluation of them and "
          f"{len(test_data)} test digits included: {seconds:.1f} s\n(target: 30 epochs of all "
          f"the digits in < 60 s); test accuracy {accuracy[-1]:.1%} after the last epoch, best "
          f"{max(accuracy):.1%} (target >= 95%).")


# ----------------------------------------------------------------------
# 3. Moons, recording included
# ----------------------------------------------------------------------


def bench_moons(runs: int) -> None:
    data = moons(n=200, noise=0.1, seed=SEED)
    sizes, epochs = [2, 16, 16, 1], 3
    times = {"replay": [], "values": []}
    weights = {}
    for run in range(runs):
        for engine in (("replay", "values") if run % 2 == 0 else ("values", "replay")):
            net = MLP(sizes, seed=SEED)  # a new net: replay records (and checks) anew
            gc.collect()
            started = time.perf_counter()
            train(net, data, epochs=epochs, batch_size=10, eta=3.0, seed=SEED, progress=False,
                  engine=engine)
            times[engine].append(time.perf_counter() - started)
            weights[engine] = [p.data for p in net.parameters()]
    if weights["replay"] != weights["values"]:
        raise SystemExit("the engines trained different weights: the benchmark is void")
    replay, values = (statistics.median(times[e]) for e in ("replay", "values"))
    print(f"\n{epochs} epochs of train() on {len(data)} moons, MLP {sizes}, batch 10, from a "
          f"new net (replay records\nand checks its tapes in the first), median of {runs} "
          "interleaved runs; the same weights bit for bit:")
    print(f"  values {values:.3f} s, replay {replay:.3f} s: replay is {values / replay:.1f}x "
          "faster (target >= 4x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    args = parser.parse_args()
    # One thread each: a [64, 30, 10] network's matrices are too small to share between
    # threads, and on a busy 2-core machine sharing them makes PyTorch ten times slower.
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):  # numpy's BLAS, likewise
        bench_micrograd(args.quick)
        bench_digits(args.quick)
        bench_digits_to_95(args.quick)
        bench_moons(runs=3 if args.quick else 7)


if __name__ == "__main__":
    main()
