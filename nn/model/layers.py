"""The lecture's networks of perceptrons, built from ``autodiff.Value`` alone.

Layers are numbered as in the lecture: layer 1 is the input, layer L the
output. Node j of layer l computes

    z_j^l = w_j1^l a_1^{l-1} + ... + w_jm^l a_m^{l-1} + b_j^l = w_j^l . a^{l-1} + b_j^l
    a_j^l = sigma(z_j^l)

where w_jk^l is the weight from node k of layer l-1 into node j of layer l.
In code ``net.layers[0]`` is layer 2, so ``net.layers[i].neurons[j].w[k]`` is
w_jk^l with l = i + 2 (j and k 0-based). Everything shown to a person, such
as the labels of the Values, uses the lecture's 1-based j, k and l.

Because every z_j^l is a Value, backpropagation is nothing but ``C.backward()``:
afterwards ``layer.z[j].grad`` is the lecture's delta_j^l = dC/dz_j^l.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from numbers import Integral

from autodiff import Value
from autodiff.validate import excerpt, is_number, number_list, plural, random_seed
from nn.model.activations import ACTIVATIONS, Activation, as_activation, sigmoid

# Initialisation schemes for the weights; biases are drawn from N(0, 1) in both.
#   "normal": w ~ N(0, 1), as in Nielsen's network.py.
#   "scaled": w ~ N(0, 1/m) for a node with m inputs, so that z starts with
#             variance about 1 however wide the previous layer is, and the
#             sigmoid is not saturated from the first step.
INITS = ("normal", "scaled")
# The most weights and biases a network of Values may have: each is a Value of some
# 300 bytes, so a million take 300 MB, and minutes to build. More is refused at once.
MAX_PARAMETERS = 1_000_000


def node_label(symbol: str, l: int, *indices: int) -> str:
    """A lecture-notation label from 0-based indices: ``node_label("w", 2, 0, 1)`` is "w_12^2".

    Indices are shown 1-based; when one of them has two digits they are separated
    by commas ("w_1,12^2") so that the label stays unambiguous.
    """
    shown = [str(i + 1) for i in indices]
    sep = "," if any(len(s) > 1 for s in shown) else ""
    return f"{symbol}_{sep.join(shown)}^{l}"


class Neuron:
    """Node j of layer l: z = w . a + b, then a = sigma(z).

    Attributes:
        w: the weights w_jk^l, one per node k of layer l-1 (Values).
        b: the bias b_j^l (a Value).
        sigma: the activation record (``nn.Activation``) that gives a = sigma(z).
        activation: sigma's name; setting it to a name or a record changes sigma.
    """

    def __init__(
        self, m: int, sigma: Activation, *, l: int, j: int, rng: random.Random, init: str
    ) -> None:
        sd = 1.0 if init == "normal" else 1.0 / math.sqrt(m)
        self.w = [Value(rng.gauss(0.0, sd), label=node_label("w", l, j, k)) for k in range(m)]
        self.b = Value(rng.gauss(0.0, 1.0), label=node_label("b", l, j))
        self.sigma = sigma
        self._l, self._j = l, j

    @property
    def activation(self) -> str:
        """The name of sigma."""
        return self.sigma.name

    @activation.setter
    def activation(self, activation: str | Activation) -> None:
        try:
            self.sigma = as_activation(activation)
        except ValueError:
            raise ValueError(f"node {self._j + 1} of layer {self._l} has activation "
                             f"{excerpt(activation)}, which nn does not know: expected one of "
                             f"{ACTIVATIONS} or an nn.Activation record") from None

    def __call__(self, a_prev: Sequence[Value]) -> tuple[Value, Value]:
        """Return (z_j^l, a_j^l) for the previous layer's activations a^{l-1}."""
        w = self.w
        z = w[0] * a_prev[0]
        for k in range(1, len(w)):
            z = z + w[k] * a_prev[k]
        z = z + self.b
        z.label = node_label("z", self._l, self._j)
        a = self.sigma.f(z)
        if a is not z:  # (a linear node's a is its z itself)
            a.label = node_label("a", self._l, self._j)
        return z, a

    def parameters(self) -> list[Value]:
        """The weights w_j1^l .. w_jm^l, then the bias b_j^l."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({plural(len(self.w), 'input')}, {self.activation})"


class Layer:
    """Layer l of the network: n fully connected neurons fed by the m nodes of layer l-1.

    After a forward pass ``z`` and ``a`` hold the Values z_j^l and a_j^l of the
    last example seen, so that after ``C.backward()`` on one example
    ``layer.z[j].grad`` is delta_j^l.
    """

    def __init__(
        self, m: int, n: int, sigma: Activation, *, l: int, rng: random.Random, init: str
    ) -> None:
        self.l = l
        self.neurons = [Neuron(m, sigma, l=l, j=j, rng=rng, init=init) for j in range(n)]
        self.z: list[Value] = []
        self.a: list[Value] = []

    def __call__(self, a_prev: Sequence[Value]) -> list[Value]:
        """Compute a^l from a^{l-1}, keeping z^l and a^l for inspection."""
        pairs = [neuron(a_prev) for neuron in self.neurons]
        self.z = [z for z, _ in pairs]
        self.a = [a for _, a in pairs]
        return self.a

    @property
    def sigma(self) -> Activation:
        """sigma of this layer: its first neuron's, which a layer's neurons share unless changed."""
        return self.neurons[0].sigma

    @property
    def activation(self) -> str:
        """The name of sigma in this layer (its neurons' own, which the forward pass uses)."""
        return self.sigma.name

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __len__(self) -> int:
        return len(self.neurons)

    def __repr__(self) -> str:
        m = len(self.neurons[0].w)
        return f"Layer(l={self.l}, {m} -> {len(self.neurons)}, {self.activation})"


class MLP:
    """A fully connected network of perceptrons with layer sizes [n_1, n_2, ..., n_L].

    >>> net = MLP([2, 3, 1], seed=0)
    >>> a_L = net([0.5, -1.0])            # the output layer's activations, a list
    >>> len(a_L), 0.0 < a_L[0].data < 1.0
    (1, True)

    Args:
        sizes: the number of nodes of each layer, input layer first (at least two layers).
        activation: sigma for every layer 2..L, or a list with one per layer 2..L: a
            name ("sigmoid", "tanh", "relu", "linear") or an ``nn.Activation`` record.
        seed: seeds the random initialisation, a whole number >= 0; the same seed
            gives bit-identical weights; None gives different weights every time.
        output_activation: if given, replaces ``activation`` for the output layer L
            (e.g. "linear" for regression).
        init: "normal" (w ~ N(0, 1), Nielsen's choice) or "scaled" (w ~ N(0, 1/m)).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Activation | Sequence[str | Activation] = sigmoid,
        seed: int | None = None,
        *,
        output_activation: str | Activation | None = None,
        init: str = "normal",
    ) -> None:
        self.sizes = check_sizes(sizes)
        if (beyond := too_many_parameters(self.sizes)) is not None:  # (before any is made)
            raise ValueError(f"sizes {self.sizes} {beyond}")
        sigmas = _check_activations(activation, output_activation, len(self.sizes))
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {excerpt(init)}")
        self.init = init
        self.seed = seed = random_seed(seed)
        # Examples run through the network since the last zero_grad(): delta_j^l
        # belongs to one example, and pictures of it check that there was one.
        self.forward_passes = 0
        rng = random.Random(seed)
        self.layers = [
            Layer(m, n, sigma, l=i + 2, rng=rng, init=init)
            for i, (m, n, sigma) in enumerate(zip(self.sizes, self.sizes[1:], sigmas))
        ]

    def __call__(self, x: Sequence[float | Value]) -> list[Value]:
        """The forward pass: a^1 = x, then a^l = sigma(w^l a^{l-1} + b^l); returns a^L."""
        a = self._inputs(x)
        for layer in self.layers:
            a = layer(a)
        self.forward_passes += 1
        return a

    def _inputs(self, x: Sequence[float | Value]) -> list[Value]:
        n_1 = self.sizes[0]
        if is_number(x) and n_1 == 1:
            raise TypeError(f"the network takes a list of 1 number, got {type(x).__name__} "
                            f"{excerpt(x)}: write [{excerpt(x)}]")
        x = number_list(x, "the network's input x")  # a list, a tuple or a 1-D array
        if len(x) != n_1:
            raise ValueError(f"the network takes {plural(n_1, 'input')} (layer 1), got {len(x)}")
        a = []
        for k, x_k in enumerate(x):
            if isinstance(x_k, Value):
                a.append(x_k)
            elif is_number(x_k):
                a.append(Value(x_k, label=node_label("a", 1, k)))
            else:
                raise TypeError(
                    f"input {k + 1} must be a number or a Value, got {type(x_k).__name__}: "
                    f"{excerpt(x_k)}"
                )
        return a

    @property
    def activations(self) -> list[str]:
        """sigma's name for each layer 2..L, read from the neurons that apply it."""
        return [layer.activation for layer in self.layers]

    def layer(self, l: int) -> Layer:
        """Layer l in the lecture's numbering, 2..L (layer 1, the input, has no neurons)."""
        L = len(self.sizes)
        if not (_is_int(l) and 2 <= l <= L):
            raise ValueError(
                f"layer numbers run from 2 to L = {L} (layer 1 is the input), got {excerpt(l)}"
            )
        return self.layers[int(l) - 2]

    def parameters(self) -> list[Value]:
        """Every weight and bias, layer by layer, node by node (w_j1..w_jm, then b_j)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0; do this between gradient steps."""
        for p in self.parameters():
            p.grad = 0.0
        self.forward_passes = 0

    def __repr__(self) -> str:
        acts = ", ".join(self.activations)
        return f"MLP({self.sizes}, activations=[{acts}], {len(self.parameters())} parameters)"


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """The layer sizes [n_1, ..., n_L] as ints, or an error naming the bad layer.

    At least two layers (input and output), each of at least one node; numpy's
    integers count as ints. ``MLP`` checks its sizes with this, and so does
    ``nn.training.model_files`` before it believes a file's sizes.
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a list of layer sizes like [2, 3, 1], got {excerpt(sizes)}")
    if len(sizes) < 2:
        raise ValueError(
            f"a network needs at least two layers (input and output), got sizes {list(sizes)}"
        )
    for l, n in enumerate(sizes, start=1):
        if not _is_int(n):
            raise TypeError(f"layer {l} size must be an int, got {type(n).__name__}: {excerpt(n)}")
        if n < 1:
            raise ValueError(
                f"layer {l} must have at least one node, got {n} in sizes {list(sizes)}"
            )
    return [int(n) for n in sizes]


def parameter_count(sizes: Sequence[int]) -> int:
    """The weights and biases of a network of ``sizes``: sum over l of n_l n_(l-1) + n_l."""
    return sum(m * n + n for m, n in zip(sizes, sizes[1:]))


def too_many_parameters(sizes: Sequence[int]) -> str | None:
    """What is wrong with a network of ``sizes`` beyond ``MAX_PARAMETERS``, or None."""
    count = parameter_count(sizes)
    if count <= MAX_PARAMETERS:
        return None
    return (f"has {count} weights and biases, more than the {MAX_PARAMETERS} a network of "
            "Values may have (nn.model.layers.MAX_PARAMETERS)")


def _check_activations(
    activation: str | Activation | Sequence[str | Activation],
    output_activation: str | Activation | None,
    n_layers: int,
) -> list[Activation]:
    """The record of sigma for each layer 2..L."""
    if isinstance(activation, (str, Activation)):
        given = [activation] * (n_layers - 1)
    elif isinstance(activation, Sequence):
        given = list(activation)
        if len(given) != n_layers - 1:
            raise ValueError(
                f"give one activation per layer 2..L ({n_layers - 1}), got {len(given)}: "
                f"{excerpt(given)}"
            )
    else:
        raise TypeError(
            f"activation must be the name of sigma, one of {ACTIVATIONS}, an nn.Activation, or "
            f"a list of one per layer 2..L, got {type(activation).__name__}: {excerpt(activation)}"
        )
    if output_activation is not None:
        given[-1] = output_activation
    return [as_activation(a) for a in given]


def _is_int(n: object) -> bool:
    """An int of Python's or numpy's, not a bool (a True where a size belongs is a mistake)."""
    return is_number(n) and isinstance(n, Integral)
