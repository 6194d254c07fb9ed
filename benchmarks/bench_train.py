"""Time per training epoch: nn.train's engines against their peers, side by side.

1. Moons, micrograd's race. A [2, 16, 16, 1] MLP on 100 moons points, batch size
   10, quadratic cost C = 1/(2n) sum ||y - a||^2, plain SGD with eta = 0.1.
   micrograd 0.1.0 has no exp, hence no sigmoid, so the race uses relu hidden layers
   and a linear output, which both engines have; deltagrad's usual sigmoid network
   is timed beside it for reference. The micrograd loop does exactly what
   ``nn.train`` does (the same shuffle, the same forward order, the same update),
   and the script checks that both end with the same weights before it reports any
   time.
2. The 8x8 digits, the lecture's network ``MLP([64, 30, 10])``: 1,438 training and
   359 test examples, batch 10, eta 3, one epoch of ``train()`` with its
   evaluation of both sets after the epoch, as users run it. The values engine as
   it was before the garbage collector was paused (the peer: the collector on, C
   over all the data in one graph), as it is now, replay (its first ``train()``
   call, which records and checks, and a later epoch), PyTorch
   (``engine="torch"``) and a hand-written numpy backprop of the same network
   (Nielsen's equations on whole mini-batches: the vectorised limit). All from the
   same weights and seeds, their weights after the epoch checked equal first
   (bit for bit, or to 1e-9 for PyTorch and numpy). Then 30 epochs with replay,
   evaluation included, to the test accuracy the lecture's network reaches.
3. Moons [2, 16, 16, 1], 200 points, batch 10: three epochs of ``train()``,
   recording included, replay against values.

    python benchmarks/bench_train.py [--quick]

``--quick`` times each digits contender once on a fifth of the digits (and the
old values engine not at all), and runs 10 epochs instead of 30.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

import numpy as np
from micrograd.engine import Value as MicroValue

from nn import MLP, moons
from nn.model.costs import quadratic_cost
from nn.training.metrics import accuracy
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
# 2. The 8x8 digits, the lecture's network
# ----------------------------------------------------------------------

DIGITS_SIZES = [64, 30, 10]
DIGITS_BATCH, DIGITS_ETA = 10, 3.0


def digits_epoch(engine: str, net: MLP, train_data, test_data, seed: int = SEED) -> float:
    """One epoch of train() as users run it, with its evaluation; the seconds it took."""
    started = time.perf_counter()
    train(net, train_data, epochs=1, batch_size=DIGITS_BATCH, eta=DIGITS_ETA, seed=seed,
          test_data=test_data, progress=False, engine=engine)
    return time.perf_counter() - started


def values_before_the_pause(net: MLP, train_data, test_data, seed: int = SEED) -> float:
    """One epoch as nn.train did it with engine="values" before the collector was paused.

    The collector on, and C over each data set built as one graph; the same
    shuffle, steps and evaluation, so the same weights bit for bit (checked).
    """
    gc.enable()
    started = time.perf_counter()
    examples = [(list(x), list(y)) for x, y in train_data]
    random.Random(seed).shuffle(examples)
    params = net.parameters()
    for start in range(0, len(examples), DIGITS_BATCH):
        batch = examples[start:start + DIGITS_BATCH]
        C = quadratic_cost([net(x) for x, _ in batch], [y for _, y in batch])
        net.zero_grad()
        C.backward()
        for p in params:
            p.data = p.data - DIGITS_ETA * p.grad
    for data in (examples, test_data):
        outputs = [net(x) for x, _ in data]
        C = quadratic_cost(outputs, [y for _, y in data])
        accuracy(outputs, [y for _, y in data])
    return time.perf_counter() - started


def numpy_epoch(layers, train_data, test_data, seed: int = SEED) -> float:
    """One epoch of the same SGD by hand in numpy: the lecture's four equations on a batch.

    ``layers`` holds (w, b) for each layer l = 2..L, w[j, k] = w_jk^l, updated in
    place. The rows of A are the batch's examples, so that for each layer

        z^l = a^{l-1} w^T + b,   a^l = sigma(z^l)                      (forward)
        delta^L = (a^L - y) / m * sigma'(z^L)                          (1)
        delta^l = (delta^{l+1} w^{l+1}) * sigma'(z^l)                  (2)
        dC/db^l = sum over the batch of delta^l                        (3)
        dC/dw^l = delta^l^T a^{l-1}                                    (4)

    with C = 1/(2m) sum ||y - a||^2, sigma'(z) = a (1 - a).
    """
    started = time.perf_counter()
    examples = [(list(x), list(y)) for x, y in train_data]
    random.Random(seed).shuffle(examples)
    for start in range(0, len(examples), DIGITS_BATCH):
        batch = examples[start:start + DIGITS_BATCH]
        x = np.array([x for x, _ in batch])
        y = np.array([y for _, y in batch])
        a = [x]
        for w, b in layers:
            a.append(sigma(a[-1] @ w.T + b))
        delta = (a[-1] - y) / len(batch) * a[-1] * (1.0 - a[-1])
        for l in range(len(layers) - 1, -1, -1):
            w, b = layers[l]
            grad_w, grad_b = delta.T @ a[l], delta.sum(axis=0)
            if l > 0:
                delta = (delta @ w) * a[l] * (1.0 - a[l])
            w -= DIGITS_ETA * grad_w
            b -= DIGITS_ETA * grad_b
    for data in (examples, test_data):
        a = np.array([x for x, _ in data])
        for w, b in layers:
            a = sigma(a @ w.T + b)
        y = np.array([y for _, y in data])
        C = ((y - a) ** 2).sum() / (2 * len(data))
        right = (a.argmax(axis=1) == y.argmax(axis=1)).mean()
    del C, right  # measured, as train() measures them, not used
    return time.perf_counter() - started


def sigma(z):
    """The logistic function, written so that no exp overflows: 1/(1 + e^-z) = (1 + tanh(z/2))/2."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def numpy_copy(net: MLP) -> list:
    return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
             np.array([n.b.data for n in layer.neurons])) for layer in net.layers]


def numpy_weights(layers) -> list[float]:
    """The weights in nn's order: by layer, by node, w_j1..w_jm then b_j."""
    return [v for w, b in layers for row, b_j in zip(w.tolist(), b.tolist()) for v in
            (*row, b_j)]


def digits_net() -> MLP:
    return MLP(DIGITS_SIZES, seed=SEED)


def check_digits(train_data, test_data, old_values: bool) -> dict[str, float]:
    """One epoch by each contender from the same weights; the largest difference from values."""
    trained = {}
    for engine in ("values", "replay", "torch"):
        trained[engine] = digits_net()
        digits_epoch(engine, trained[engine], train_data, test_data)
    weights = {engine: [p.data for p in net.parameters()] for engine, net in trained.items()}
    layers = numpy_copy(digits_net())
    numpy_epoch(layers, train_data, test_data)
    weights["numpy"] = numpy_weights(layers)
    if old_values:
        net = digits_net()
        values_before_the_pause(net, train_data, test_data)
        weights["before"] = [p.data for p in net.parameters()]
    differences = {name: max(abs(u - v) for u, v in zip(w, weights["values"], strict=True))
                   for name, w in weights.items() if name != "values"}
    for name in ("replay", "before"):
        if differences.get(name, 0.0) != 0.0:
            raise SystemExit(f"{name} and values trained different weights: the benchmark is void")
    for name in ("torch", "numpy"):
        if differences[name] > 1e-9:
            raise SystemExit(f"{name} differs from values by {differences[name]:.1e}: void")
    return differences


def time_digits(train_data, test_data, runs: int, old_values: bool) -> dict[str, list[float]]:
    """The contenders interleaved: (name -> seconds of each run)."""
    times: dict[str, list[float]] = {}

    def replay():  # the first train() call records and checks; a later one only trains
        net = digits_net()
        first = digits_epoch("replay", net, train_data, test_data)
        later = digits_epoch("replay", net, train_data, test_data, seed=SEED + 1)
        times.setdefault("replay, first train() call", []).append(first)
        times.setdefault("replay, a later epoch", []).append(later)

    contenders = {
        "values, collector paused": lambda: digits_epoch("values", digits_net(), train_data,
                                                         test_data),
        "replay": replay,
        "torch (float64, 1 thread)": lambda: digits_epoch("torch", digits_net(), train_data,
                                                     test_data),
        "numpy by hand": lambda: numpy_epoch(numpy_copy(digits_net()), train_data, test_data),
    }
    if old_values:  # a minute a run: once is enough to see the factor
        contenders["values before the pause"] = lambda: values_before_the_pause(
            digits_net(), train_data, test_data)
    for run in range(runs):
        order = list(contenders) if run % 2 == 0 else list(reversed(contenders))
        for name in order:
            if run > 0 and name.startswith("values"):
                continue  # the slow ones once
            gc.collect()
            seconds = contenders[name]()
            if seconds is not None:
                times.setdefault(name, []).append(seconds)
    return times


def bench_digits(quick: bool) -> None:
    from nn.data.datasets import digits, split

    train_data, test_data = split(digits(), test_fraction=0.2, seed=0)
    if quick:
        train_data, test_data = train_data[: len(train_data) // 5], test_data[: len(test_data) // 5]
    import torch  # imported before the clock starts, as in a user's notebook

    # A [64, 30, 10] network's matrices are too small to share between threads, and on a
    # busy 2-core machine the sharing makes PyTorch ten times slower: one thread, as
    # notebook 05 has it (numpy's products of these sizes run on one thread anyway).
    torch.set_num_threads(1)

    differences = check_digits(train_data, test_data, old_values=not quick)
    times = time_digits(train_data, test_data, runs=1 if quick else 3, old_values=not quick)
    median = {name: statistics.median(t) for name, t in times.items()}
    peer = median["numpy by hand"]
    print(f"\nOne epoch of the 8x8 digits, MLP {DIGITS_SIZES}: {len(train_data):,} training "
          f"examples, batch {DIGITS_BATCH}, eta {DIGITS_ETA},\nthen C and the accuracy on them "
          f"and on {len(test_data)} test examples; whole train() calls, median of "
          f"{len(times['numpy by hand'])} interleaved runs (the values engine once).")
    print("Every contender's weights after the epoch were checked against the values engine "
          "first:\n" + ", ".join(f"{name} {d:.0e}" if d else f"{name} bit for bit"
                                 for name, d in differences.items()) + ".\n")
    print(f"{'':32}{'epoch':>10}{'vs numpy':>10}")
    for name in ("values before the pause", "values, collector paused",
                 "replay, first train() call", "replay, a later epoch", "torch (float64, 1 thread)",
                 "numpy by hand"):
        if name in median:
            print(f"{name:32}{median[name]:8.2f} s{median[name] / peer:9.0f}x")
    if "values before the pause" in median:
        speedup = median["values before the pause"] / median["values, collector paused"]
        print(f"\nThe values engine is {speedup:.1f}x faster than before the pause "
              "(target >= 2.5x).")
    ratio = median["replay, first train() call"] / median["replay, a later epoch"]
    print(f"Replay's first train() call takes {ratio:.1f}x a later epoch (target <= 3x"
          f"{' on all the digits' if quick else ''}).")
    bench_digits_to_95(train_data, test_data, epochs=10 if quick else 30)


def bench_digits_to_95(train_data, test_data, epochs: int) -> None:
    net = digits_net()
    gc.collect()
    started = time.perf_counter()
    history = train(net, train_data, epochs=epochs, batch_size=DIGITS_BATCH, eta=DIGITS_ETA,
                    seed=SEED, test_data=test_data, progress=False, engine="replay")
    seconds = time.perf_counter() - started
    accuracy = history.test_accuracy
    print(f"\n{epochs} epochs with replay, evaluation included: {seconds:.1f} s (target: 30 "
          f"epochs of all the digits in < 60 s);\ntest accuracy {accuracy[-1]:.1%} after the "
          f"last epoch, best {max(accuracy):.1%} (target >= 95%).")


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
    bench_micrograd(args.quick)
    bench_digits(args.quick)
    bench_moons(runs=3 if args.quick else 7)


if __name__ == "__main__":
    main()
