"""Time per training epoch: nn.train against the same network trained with micrograd 0.1.0.

The network is a [2, 16, 16, 1] MLP on 100 moons points, batch size 10, quadratic
cost C = 1/(2n) sum ||y - a||^2, plain SGD with eta = 0.1. micrograd 0.1.0 has no
exp, hence no sigmoid, so the race uses relu hidden layers and a linear output, which
both engines have; deltagrad's usual sigmoid network is timed beside it for
reference. The micrograd loop does exactly what ``nn.train`` does (the same shuffle,
the same forward order, the same update), and the script checks that both end with
the same weights before it reports any time.

    python benchmarks/bench_train.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

from micrograd.engine import Value as MicroValue

from nn import MLP, moons
from nn.sgd import train

SIZES = [2, 16, 16, 1]
N, BATCH, ETA, SEED = 100, 10, 0.1, 0


def relu_net() -> MLP:
    return MLP(SIZES, "relu", seed=SEED, output_activation="linear", init="scaled")


def micrograd_copy(net: MLP) -> list[list[tuple[list[MicroValue], MicroValue]]]:
    """The same weights as micrograd Values: layers of (w_j, b_j) per neuron."""
    return [[([MicroValue(w.data) for w in n.w], MicroValue(n.b.data)) for n in layer.neurons]
            for layer in net.layers]


def micrograd_forward(layers, x: list[float]) -> MicroValue:
    """z = w_1 a_1 + ... + w_m a_m + b, relu on hidden layers: the order nn.layers uses."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    args = parser.parse_args()
    runs, epochs = (3, 1) if args.quick else (7, 3)
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


if __name__ == "__main__":
    main()
