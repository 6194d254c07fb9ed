"""Backpropagation by the lecture's four equations, on plain Python floats.

This is the second way to the gradients, beside ``C.backward()``: no Value, no
graph, only the numbers read from the network's weights and biases and the
equations of the lecture written out one by one.

Forward pass, for l = 2..L (a^1 = x is the input):

    z_j^l = w_j1^l a_1^{l-1} + ... + w_jm^l a_m^{l-1} + b_j^l
    a_j^l = sigma(z_j^l)

Backward pass, from L down to 2:

    (1) delta_j^L   = dC/da_j^L * sigma'(z_j^L)
    (2) delta_j^l   = sum_k w_kj^{l+1} delta_k^{l+1} sigma'(z_j^l)
    (3) dC/db_j^l   = delta_j^l
    (4) dC/dw_jk^l  = a_k^{l-1} delta_j^l

The derivatives are written out rather than taken from the engine, so that
agreement with autograd is a real check: sigma' is the activation record's
``df`` (``nn.Activation``), dC/da the cost record's ``dC_da`` (``nn.Cost``).
Both costs average per-example costs C_x over the n examples (the lecture's
assumption 2), so the formulas work on one example at a time, and a batch's
gradient is the mean of the examples' gradients. The
sums run in the same order as ``Neuron`` computes them (w_1 a_1, then + w_2 a_2,
..., then + b), so for one example most numbers come out bit for bit the same.

>>> from nn import MLP
>>> net = MLP([2, 3, 1], seed=0)
>>> result = backprop(net, [0.5, 0.1], [1.0])
>>> len(result.delta[2]), len(result.grad_w[3][0])   # delta^2 has 3 nodes; w^3 is 1 x 3
(3, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from autodiff.validate import excerpt, finite_numbers, number_list, plural
from nn.model.activations import Activation
from nn.model.costs import Cost, as_cost, quadratic_cost
from nn.model.layers import MLP

# ---------------------------------------------------------------- the four equations


def output_delta(dC_da: Sequence[float], sigma_prime_z: Sequence[float]) -> list[float]:
    """Equation 1:  delta_j^L = dC/da_j^L * sigma'(z_j^L)."""
    return [g * s for g, s in zip(dC_da, sigma_prime_z, strict=True)]


def hidden_delta(
    w_next: Sequence[Sequence[float]], delta_next: Sequence[float], sigma_prime_z: Sequence[float]
) -> list[float]:
    """Equation 2:  delta_j^l = sum_k w_kj^{l+1} delta_k^{l+1} sigma'(z_j^l).

    ``w_next[k][j]`` is w_kj^{l+1}: node j of layer l reaches every node k of
    layer l+1, and delta_j^l collects what each of them passes back.
    """
    delta = []
    for j, s in enumerate(sigma_prime_z):
        back = w_next[0][j] * delta_next[0]
        for k in range(1, len(delta_next)):
            back = back + w_next[k][j] * delta_next[k]
        delta.append(back * s)
    return delta


def bias_gradient(delta: Sequence[float]) -> list[float]:
    """Equation 3:  dC/db_j^l = delta_j^l, because dz_j^l/db_j^l = 1."""
    return list(delta)


def weight_gradient(a_prev: Sequence[float], delta: Sequence[float]) -> list[list[float]]:
    """Equation 4:  dC/dw_jk^l = a_k^{l-1} delta_j^l, because dz_j^l/dw_jk^l = a_k^{l-1}."""
    return [[a_k * delta_j for a_k in a_prev] for delta_j in delta]


# ---------------------------------------------------------------- forward and backward


@dataclass
class Backprop:
    """The numbers of one forward and backward pass, indexed like the lecture.

    Dicts keyed by the layer number l (2..L; ``a`` also has a[1] = x), holding
    lists indexed by 0-based j (and k): ``z[l][j]``, ``a[l][j]``, ``delta[l][j]``,
    ``grad_b[l][j]`` = dC/db_j^l, ``grad_w[l][j][k]`` = dC/dw_jk^l. ``C`` is the
    cost of this example.
    """

    z: dict[int, list[float]]
    a: dict[int, list[float]]
    delta: dict[int, list[float]]
    grad_b: dict[int, list[float]]
    grad_w: dict[int, list[list[float]]]
    C: float
    L: int


@dataclass
class BatchBackprop:
    """Gradients of a cost averaged over n examples: C = 1/n sum_x C_x.

    ``grad_b[l][j]`` and ``grad_w[l][j][k]`` are the means over the examples of
    each example's dC_x/db_j^l and dC_x/dw_jk^l, ``C`` the mean cost, and
    ``examples`` the n per-example passes (each with its own z, a and delta:
    delta belongs to one example, so a batch has none of its own).
    """

    grad_b: dict[int, list[float]]
    grad_w: dict[int, list[list[float]]]
    C: float
    L: int
    examples: list[Backprop] = field(repr=False)


def backprop(
    net: MLP, x: Sequence[float], y: Sequence[float], cost: Cost | str = quadratic_cost
) -> Backprop:
    """Gradients of the cost of one example (x, y) by the lecture's equations 1-4.

    ``cost`` is ``nn.quadratic_cost`` (the default), ``nn.cross_entropy_cost``,
    another ``nn.Cost``, or the name of one.
    """
    cost = as_cost(cost)
    weights, biases, sigmas = read_network(net)
    L = len(net.sizes)
    n_1, n_L = net.sizes[0], net.sizes[-1]
    x = _numbers(x, n_1, "x", f"{n_1} input node{'s' * (n_1 != 1)} (layer 1)")
    y = _numbers(y, n_L, "y", f"{n_L} output node{'s' * (n_L != 1)} (layer L = {L})")
    z, a = forward(weights, biases, sigmas, x)
    for j, a_j in enumerate(a[L]):
        cost.check_output(a_j, None, j)

    sigma_prime = {l: [sigmas[l][j].prime(z_j) for j, z_j in enumerate(z[l])] for l in z}
    dC_da_L = [cost.dC_da(a_j, y_j) for a_j, y_j in zip(a[L], y, strict=True)]
    delta = {L: output_delta(dC_da_L, sigma_prime[L])}
    for l in range(L - 1, 1, -1):
        delta[l] = hidden_delta(weights[l + 1], delta[l + 1], sigma_prime[l])
    grad_b = {l: bias_gradient(delta[l]) for l in range(L, 1, -1)}
    grad_w = {l: weight_gradient(a[l - 1], delta[l]) for l in range(L, 1, -1)}
    return Backprop(z=z, a=a, delta=delta, grad_b=grad_b, grad_w=grad_w,
                    C=cost.example_cost(a[L], y), L=L)


def backprop_batch(
    net: MLP,
    xs: Sequence[Sequence[float]],
    ys: Sequence[Sequence[float]],
    cost: Cost | str = quadratic_cost,
) -> BatchBackprop:
    """Gradients of the cost of a batch, averaged over the n examples as the cost is.

    The lecture's assumption 2: C = 1/n sum_x C_x, so dC/dw = 1/n sum_x dC_x/dw:
    run ``backprop`` on each example separately and take the mean.
    """
    cost = as_cost(cost)
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"xs must be a list of input lists, got {type(xs).__name__}")
    if isinstance(ys, (str, bytes)) or not isinstance(ys, Sequence):
        raise TypeError(f"ys must be a list of target lists, got {type(ys).__name__}")
    if len(xs) != len(ys):
        raise ValueError(
            f"xs and ys must have one entry per example: got {len(xs)} inputs and {len(ys)} targets"
        )
    if not xs:
        raise ValueError("the cost of an empty batch is undefined: got 0 examples")
    examples = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        try:
            examples.append(backprop(net, x, y, cost))
        except (TypeError, ValueError) as error:
            raise type(error)(f"example {i + 1}: {error}") from None
    first = examples[0]
    grad_b = {l: [_mean([e.grad_b[l][j] for e in examples]) for j in range(len(g))]
              for l, g in first.grad_b.items()}
    grad_w = {l: [[_mean([e.grad_w[l][j][k] for e in examples]) for k in range(len(row))]
                  for j, row in enumerate(g)]
              for l, g in first.grad_w.items()}
    C = _mean([e.C for e in examples])
    return BatchBackprop(grad_b=grad_b, grad_w=grad_w, C=C, L=first.L, examples=examples)


def forward(
    weights: dict[int, list[list[float]]],
    biases: dict[int, list[float]],
    sigmas: dict[int, list[Activation]],
    x: list[float],
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """The forward pass: a^1 = x, then for l = 2..L

        z_j^l = sum_k w_jk^l a_k^{l-1} + b_j^l,   a_j^l = sigma(z_j^l)

    ``sigmas[l][j]`` is the activation record of node j of layer l.
    """
    z: dict[int, list[float]] = {}
    a: dict[int, list[float]] = {1: list(x)}
    for l in sorted(weights):
        z[l], a[l] = [], []
        for j, (w_j, b_j) in enumerate(zip(weights[l], biases[l], strict=True)):
            z_j = w_j[0] * a[l - 1][0]          # the order Neuron adds them in
            for k in range(1, len(w_j)):
                z_j = z_j + w_j[k] * a[l - 1][k]
            z_j = z_j + b_j
            if not math.isfinite(z_j):
                raise OverflowError(
                    f"z_{j + 1}^{l} = {z_j!r}: the weighted input overflowed; the weights or "
                    "inputs are too large"
                )
            z[l].append(z_j)
            a[l].append(sigmas[l][j].of(z_j))
    return z, a


def read_network(net: MLP) -> tuple[dict[int, list[list[float]]], dict[int, list[float]],
                                    dict[int, list[Activation]]]:
    """The weights w[l][j][k], biases b[l][j] and activation record of every node, as floats."""
    if not isinstance(net, MLP):
        raise TypeError(f"expected an nn.MLP, got {type(net).__name__}")
    layers = list(enumerate(net.layers, start=2))
    weights = {l: [[w.data for w in n.w] for n in layer.neurons] for l, layer in layers}
    biases = {l: [n.b.data for n in layer.neurons] for l, layer in layers}
    sigmas = {l: [n.sigma for n in layer.neurons] for l, layer in layers}
    return weights, biases, sigmas


def _numbers(values: Sequence[float], n: int, name: str, what: str) -> list[float]:
    """``values`` (a list or a 1-D array) as n finite floats; ``what`` says what they are."""
    values = number_list(values, name)
    if len(values) != n:
        raise ValueError(
            f"{name} has {plural(len(values), 'entry', 'entries')} {excerpt(values)}, but the "
            f"network has {what}: expected {n}"
        )
    return finite_numbers(values, n, name)


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)
