"""Memory of the training time machine: what ``train(..., keep="steps")`` keeps per step.

A [2, 8, 1] network (33 parameters) on 200 moons points, batch size 10, eta 3,
50 epochs: 1,000 SGD steps. tracemalloc measures the bytes still alive after
``train`` returns, with ``keep="steps"`` and without; the difference, per step,
is what the record of every step costs. The peer is the least a step can be
kept in: its weights and its gradient as doubles, 2 x 8 bytes per parameter.
Both trainings start from the same weights and seeds, and end with the same
weights (checked, bit for bit) before any number is printed.

    python benchmarks/bench_time_machine.py [--quick]

``--quick`` trains 10 epochs (200 steps) instead of 50.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc

from nn import MLP, train
from nn.data import moons

SIZES = [2, 8, 1]


def kept_bytes(data: list, epochs: int, keep: str | None) -> tuple[int, object, list[float]]:
    """Bytes alive after a training (its history included), the history, the final weights."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        net = MLP(SIZES, seed=0)
        history = train(net, data, epochs=epochs, batch_size=10, eta=3.0, seed=0,
                        progress=False, keep=keep)
        gc.collect()
        alive = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return alive, history, [p.data for p in net.parameters()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 steps instead of 1,000")
    args = parser.parse_args(argv)
    epochs = 10 if args.quick else 50
    data = moons(200, noise=0.1, seed=0)
    train(MLP(SIZES, seed=0), data, epochs=1, batch_size=10, eta=3.0, seed=0,
          progress=False)  # imports and caches warmed, outside the measurement
    plain, _, plain_weights = kept_bytes(data, epochs, None)
    kept, history, kept_weights = kept_bytes(data, epochs, "steps")
    if kept_weights != plain_weights:
        sys.exit("keep='steps' changed the training: the final weights differ")
    steps = epochs * len(data) // 10
    parameters = len(MLP(SIZES, seed=0).parameters())
    per_step = (kept - plain) / steps
    least = 2 * 8 * parameters
    print(f"Python {sys.version.split()[0]}; MLP({SIZES}), {parameters} parameters, "
          f"{steps:,} SGD steps (batch 10 of {len(data)} moons points, {epochs} epochs)")
    print(f"{'':34}{'bytes alive':>14}")
    for name, alive in (("train(...)", plain), ('train(..., keep="steps")', kept)):
        print(f"{name:34}{alive:>14,}")
    print(f"the record of the steps: {kept - plain:,} bytes, {per_step:,.0f} bytes a step, "
          f"{per_step / least:.1f}x the {least} bytes of a step's weights and gradient as doubles")
    print(f"history.network_at({steps}) is the trained network: "
          f"{[p.data for p in history.network_at(steps).parameters()] == kept_weights}")


if __name__ == "__main__":
    main()
