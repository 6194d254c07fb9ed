"""Backpropagation as a student writes it for the exercise, on nested lists and on numpy.

These are the reference implementations of the catalogue of mistakes
(``nn.checking.mistakes``): the function the exercise asks for,

    backprop(weights, biases, x, y) -> (nabla_b, nabla_w)

written plainly, with at most one ``slip``: a mistake's id, made at the line
where students make it. The tests hand them to the checker, which must name
the slip without being told it; the notebook shows one.

    backprop_lists(weights, biases, x, y)                      right, on nested lists
    backprop_lists(weights, biases, x, y, slip="error_sign")   with one mistake
    backprop_numpy(...)               the same on numpy arrays, flat vectors or columns alike
    batch_backprop_lists(weights, biases, xs, ys), batch_backprop_numpy(...)
                                      the gradient of a batch's cost: the mean over its examples

Each is written the way the exercise goes: a forward pass that keeps every
z^l and a^l, then delta from layer L back to 2 and the gradients from it.
Neurons are sigmoids; the cost is the quadratic one, or any other ``nn.Cost``
(or its name: ``cost="cross_entropy"``), whose ``dC_da`` starts equation 1.
"""

from __future__ import annotations

import operator

from nn.model.activations import sigmoid
from nn.model.costs import Cost, as_cost, quadratic_cost

# ---------------------------------------------------------------- on nested lists


def backprop_lists(weights, biases, x, y, slip: str | None = None,
                   cost: Cost | str = quadratic_cost):
    """nabla_b[i] = dC/db^l and nabla_w[i] = dC/dw^l for l = i + 2, as nested lists."""
    cost = as_cost(cost)
    # zs[i] is z^(i+2), activations[i] a^(i+1)
    zs, activations = _forward_lists(weights, biases, x, slip)
    nabla_b, nabla_w = [None] * len(weights), [None] * len(weights)
    delta = _output_delta_lists(activations[-1], y, zs[-1], slip, cost)
    for i in reversed(range(len(weights))):  # layer l = i + 2, from L back to 2
        if i < len(weights) - 1:
            W_next = weights[i] if slip == "weights_of_wrong_layer" else weights[i + 1]
            z = zs[i + 1] if slip == "sigma_prime_of_next_layer" else zs[i]
            delta = _hidden_delta_lists(W_next, delta, z, activations[i + 1], slip)
        nabla_b[i] = delta
        nabla_w[i] = _weight_gradient_lists(delta, activations, zs, i, slip)
    return nabla_b, nabla_w


def _forward_lists(weights, biases, x, slip=None):
    """z_j^l = sum_k w_jk^l a_k^(l-1) + b_j^l and a_j^l = sigma(z_j^l), layer by layer."""
    if slip == "sigma_of_input":  # a^1 = sigma(x), where a^1 = x belongs
        x = [sigmoid.of(x_k) for x_k in x]
    zs, activations = [], [list(x)]
    for W, b in zip(weights, biases):
        if slip == "forward_weights_transposed":  # w_kj^l: column j of W^l, where row j belongs
            z = [sum(W[k][j] * a_k for k, a_k in enumerate(activations[-1])) + b_j
                 for j, b_j in enumerate(b)]
        else:
            z = [sum(w_jk * a_k for w_jk, a_k in zip(w_j, activations[-1]))
                 + (0.0 if slip == "forward_missing_bias" else b_j)  # + b_j left out
                 for w_j, b_j in zip(W, b)]
        zs.append(z)
        activations.append([sigmoid.of(z_j) for z_j in z])
    return zs, activations


def _output_delta_lists(a, y, z, slip, cost):
    """Equation 1: delta_j^L = dC/da_j^L sigma'(z_j^L)."""
    return [_output_delta(cost.dC_da(a_j, y_j), z_j, a_j, slip) for a_j, y_j, z_j in zip(a, y, z)]


def _hidden_delta_lists(W_next, delta_next, z, a, slip):
    """Equation 2: delta_j^l = sum_k w_kj^(l+1) delta_k^(l+1) sigma'(z_j^l).

    ``z`` is z^l (z^(l+1) for the slip sigma_prime_of_next_layer: its first
    n_l entries, and an IndexError where layer l + 1 is narrower, as a
    student's loop over j would give)."""
    delta = []
    for j, a_j in enumerate(a):
        z_j = z[j]
        if slip == "untransposed_weights":  # w_jk^(l+1): row j of W^(l+1), where column j belongs
            back = sum(W_next[j][k] * delta_next[k] for k in range(len(delta_next)))
        else:
            back = sum(W_next[k][j] * delta_next[k] for k in range(len(delta_next)))
        delta.append(back * _sigma_prime(z_j, a_j, slip, "missing_sigma_prime_hidden"))
    return delta


def _weight_gradient_lists(delta, activations, zs, i, slip):
    """Equation 4: dC/dw_jk^l = a_k^(l-1) delta_j^l, where activations[i] is a^(l-1)."""
    if slip == "weight_gradient_transposed":  # a_j^(l-1) delta_k^l
        return [[a_j * delta_k for delta_k in delta] for a_j in activations[i]]
    return [[a_k * delta_j for a_k in _a_prev(activations, zs, i, slip)] for delta_j in delta]


def batch_backprop_lists(weights, biases, xs, ys, slip: str | None = None,
                         cost: Cost | str = quadratic_cost):
    """The gradient of the batch's cost C = 1/n sum_x C_x: the mean of the examples' gradients."""
    return _over_batch(backprop_lists, _add, _times, weights, biases, xs, ys, slip, cost)


# ---------------------------------------------------------------- on numpy arrays


def backprop_numpy(weights, biases, x, y, slip: str | None = None,
                   cost: Cost | str = quadratic_cost):
    """The same on numpy arrays: x, y and the biases flat, or all columns, as given."""
    import numpy as np

    cost = as_cost(cost)
    weights = [np.asarray(W, dtype=float) for W in weights]
    x = np.asarray(x, dtype=float)
    zs, activations = [], [1.0 / (1.0 + np.exp(-x)) if slip == "sigma_of_input" else x]
    for W, b in zip(weights, biases):
        W = W.T if slip == "forward_weights_transposed" else W
        b = 0.0 if slip == "forward_missing_bias" else np.asarray(b, dtype=float)
        zs.append(W @ activations[-1] + b)
        activations.append(1.0 / (1.0 + np.exp(-zs[-1])))
    a_L = activations[-1]
    delta = _output_delta(cost.dC_da(a_L, np.asarray(y, dtype=float)), zs[-1], a_L, slip)
    nabla_b, nabla_w = [None] * len(weights), [None] * len(weights)
    for i in reversed(range(len(weights))):
        if i < len(weights) - 1:
            W_next = weights[i if slip == "weights_of_wrong_layer" else i + 1]
            W_next = W_next if slip == "untransposed_weights" else W_next.T
            z = zs[i + 1] if slip == "sigma_prime_of_next_layer" else zs[i]
            sp = _sigma_prime(z, activations[i + 1], slip, "missing_sigma_prime_hidden")
            delta = (W_next @ delta) * sp
        nabla_b[i] = delta
        if slip == "weight_gradient_transposed":
            nabla_w[i] = np.outer(activations[i], delta)
        else:
            nabla_w[i] = np.outer(delta, _a_prev(activations, zs, i, slip))
    return nabla_b, nabla_w


def batch_backprop_numpy(weights, biases, xs, ys, slip: str | None = None,
                         cost: Cost | str = quadratic_cost):
    """The mean of the examples' gradients, on numpy arrays (xs: rows of an array, or columns)."""
    return _over_batch(backprop_numpy, operator.add, operator.mul, weights, biases, xs, ys,
                       slip, cost)


# ---------------------------------------------------------------- shared by both


def _output_delta(dC_da, z, a, slip):
    """delta^L = dC/da sigma'(z) as this slip makes it, on floats or arrays."""
    delta = dC_da * _sigma_prime(z, a, slip, "missing_sigma_prime_output")
    if slip == "cross_entropy_with_sigma_prime":  # sigma' again, where it had cancelled
        delta = delta * _sigma_prime(z, a, None, "")
    return {"error_sign": -1.0, "factor_two": 2.0}.get(slip, 1.0) * delta


def _sigma_prime(z, a, slip, missing):
    """sigma'(z) = sigma(z)(1 - sigma(z)), on a float or an array; 1 if this slip drops it."""
    if slip == missing:
        return 1.0
    if slip == "sigma_prime_of_a":  # sigma'(a) = sigma(a)(1 - sigma(a)): the wrong argument
        z = a
    if isinstance(z, float):
        return sigmoid.prime(z)
    import numpy as np

    s = 1.0 / (1.0 + np.exp(-z))
    return s * (1.0 - s)


def _a_prev(activations, zs, i, slip):
    """What equation 4 multiplies delta^l by: a^(l-1), or what a slip takes instead."""
    if slip == "a_of_wrong_layer":
        return activations[i + 1]  # a^l
    if slip == "z_instead_of_a" and i > 0:  # z^(l-1); layer 1 has no z, there it takes x
        return zs[i - 1]
    return activations[i]


def _over_batch(backprop, add, times, weights, biases, xs, ys, slip, cost):
    """The examples' (nabla_b, nabla_w) added up, then divided by n (by n twice, or not at all,
    as two slips do)."""
    total = None
    for x, y in zip(xs, ys):
        grads = backprop(weights, biases, x, y, slip, cost)
        total = grads if total is None else [[add(s, t) for s, t in zip(S, T)]
                                             for S, T in zip(total, grads)]
    n = len(xs)
    scale = {"sum_not_mean": 1.0, "mean_taken_twice": 1.0 / n ** 2}.get(slip, 1.0 / n)
    return tuple([times(scale, block) for block in part] for part in total)


def _add(u, v):
    """Two nested lists of numbers added entry by entry."""
    return [_add(a, b) for a, b in zip(u, v)] if isinstance(u, list) else u + v


def _times(c, u):
    """A nested list of numbers times c."""
    return [_times(c, a) for a in u] if isinstance(u, list) else c * u
