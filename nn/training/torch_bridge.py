"""The lecture's last advice, "use a standard package": nn's networks in PyTorch and back.

    >>> from nn import MLP
    >>> from nn.training.torch_bridge import from_torch, to_torch
    >>> net = MLP([2, 3, 1], seed=0)
    >>> model = to_torch(net)        # Sequential(Linear(2, 3), Sigmoid(), Linear(3, 1), Sigmoid())
    >>> again = from_torch(model)    # an nn.MLP with the same weights

A layer l of the lecture is one ``torch.nn.Linear`` followed by its activation.
Linear's ``weight[j, k]`` is exactly the lecture's w_jk^l (from node k of layer
l-1 into node j of layer l) and ``bias[j]`` is b_j^l; the Linear's output is z^l.

PyTorch is optional (``pip install 'deltagrad[torch]'``): ``import nn`` never
imports this module, and this module is the only one that imports torch at the
top. Inside the package ``nn`` the name ``torch`` below is still the real
PyTorch: imports are absolute in Python 3, and PyTorch's own ``torch.nn`` never
looks for a top-level ``nn``.
"""

from __future__ import annotations

import array
import math
import struct
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

try:
    import torch
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "nn.torch needs PyTorch, which is optional: pip install 'deltagrad[torch]' "
        "(the CPU build is enough)"
    ) from error

from autodiff.validate import finite_vectors, plural
from nn.data.datasets import checked_data
from nn.model.activations import BUILT_IN, Activation
from nn.model.activations import linear as identity
from nn.model.costs import Cost, as_cost, quadratic_cost
from nn.model.layers import MLP
from nn.training.values_engine import ValuesEngine


class Sigma(torch.nn.Module):
    """sigma of a layer whose activation has no module in torch.nn: its record's ``f`` on tensors.

    ``f`` is written with what tensors share with Values (``nn.Activation``), so
    the same function computes the layer here; PyTorch's autograd differentiates it.
    """

    def __init__(self, activation: Activation) -> None:
        super().__init__()
        self.activation = activation

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.activation.f(z)

    def extra_repr(self) -> str:
        return self.activation.name


def activation_module(activation: Activation) -> torch.nn.Module:
    """The module after a layer's Linear: the one torch.nn has for sigma if the record names it
    (``torch_module``, "Sigmoid"), else ``Sigma``."""
    if activation.torch_module is None:
        return Sigma(activation)
    return getattr(torch.nn, activation.torch_module)()


def to_torch(net: MLP) -> torch.nn.Sequential:
    """A float64 ``torch.nn.Sequential`` computing the same function as ``net``.

    Layer l becomes ``Linear(n_{l-1}, n_l)`` with ``weight[j, k] = w_jk^l`` and
    ``bias[j] = b_j^l``, followed by the module for its sigma.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"to_torch expects an nn.MLP, got {type(net).__name__}")
    modules: list[torch.nn.Module] = []
    for l, layer in enumerate(net.layers, start=2):
        activation = _layer_activation(layer, l)
        linear = torch.nn.Linear(len(layer.neurons[0].w), len(layer), dtype=torch.float64)
        with torch.no_grad():  # copying numbers in is not part of any gradient
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules += [linear, activation_module(activation)]
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Sequential) -> MLP:
    """An ``nn.MLP`` with the weights of a stack of ``Linear`` layers and activations.

    ``module`` is a ``torch.nn.Sequential`` of ``Linear`` layers, each followed
    by at most one activation: a module of torch.nn that a built-in activation
    names (Sigmoid, Tanh, ReLU, Identity), or a ``Sigma``. None means linear.
    A Linear without bias gets b = 0. Any other layer raises ValueError naming it.
    """
    if isinstance(module, torch.nn.Linear):
        module = torch.nn.Sequential(module)
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            f"from_torch expects a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(module).__name__}"
        )
    linears, activations = _read_stack(list(module))
    sizes = [linears[0].in_features] + [linear.out_features for linear in linears]
    net = MLP(sizes, activations)
    for l, (layer, linear) in enumerate(zip(net.layers, linears, strict=True), start=2):
        weight = linear.weight.detach().double().tolist()
        bias = linear.bias.detach().double().tolist() if linear.bias is not None else None
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                w.data = _finite(weight[j][k], f"weight[{j}, {k}] of the Linear of layer {l}")
            neuron.b.data = 0.0 if bias is None else _finite(bias[j], f"bias[{j}] of layer {l}")
    return net


def _read_stack(modules: list[torch.nn.Module]) -> tuple[list[torch.nn.Linear],
                                                          list[Activation]]:
    """Split a list of modules into Linear layers and the activation after each."""
    known = ", ".join(a.torch_module for a in BUILT_IN.values() if a.torch_module)
    expected = f"expected a stack of Linear layers, each followed by at most one of {known}"
    if not modules:
        raise ValueError(f"from_torch got an empty Sequential; {expected}")
    linears: list[torch.nn.Linear] = []
    activations: list[Activation] = []
    i = 0
    while i < len(modules):
        m = modules[i]
        if not isinstance(m, torch.nn.Linear):
            what = ("an activation with no Linear before it" if _activation_of(m) else
                    "unsupported")
            raise ValueError(f"module {i} of the Sequential is {m!r}: {what}; {expected}")
        if linears and m.in_features != linears[-1].out_features:
            raise ValueError(
                f"module {i} is {m!r}, which takes {plural(m.in_features, 'input')}, but "
                f"the layer before it has {plural(linears[-1].out_features, 'output')}"
            )
        linears.append(m)
        i += 1
        after = _activation_of(modules[i]) if i < len(modules) else None
        i += after is not None
        activations.append(after or identity)  # Linear then Linear, or the end: a = z
    return linears, activations


def _activation_of(module: torch.nn.Module) -> Activation | None:
    """The activation record a module computes, or None if it is no activation nn knows."""
    if isinstance(module, Sigma):
        return module.activation
    return next((a for a in BUILT_IN.values()
                 if a.torch_module and type(module) is getattr(torch.nn, a.torch_module)), None)


def _layer_activation(layer, l: int) -> Activation:
    sigmas = {neuron.sigma for neuron in layer.neurons}
    if len(sigmas) != 1:
        raise ValueError(
            f"layer {l} mixes activations {sorted(a.name for a in sigmas)}; a torch layer has "
            "one activation for all its nodes"
        )
    (sigma,) = sigmas
    return sigma


def _finite(v: float, what: str) -> float:
    if not math.isfinite(v):
        raise ValueError(f"{what} is {v!r}; a network's weights must be finite numbers")
    return v


# ---------------------------------------------------------------- the costs, on tensors


def tensor_cost(cost: Cost, a: torch.Tensor, y: Sequence[Sequence[float]]) -> torch.Tensor:
    """C = k(n) * sum_i sum_j c(a_ij, y_ij) of a batch's outputs ``a`` (n rows), by ``cost``.

    The same definition the Values are built from (``nn.model.costs.Cost``): its
    ``term`` is written with operations a tensor has too (``-``, ``**``,
    ``.log()``), so here it works on all of a batch's outputs at once; its
    ``prepare`` gives the numbers each target y_ij stands for, and its
    ``check_output`` refuses the outputs it refuses on Values.
    """
    check_outputs(cost, a)
    y = torch.tensor(y, dtype=torch.float64, device=a.device)
    return cost_of(cost, a, tensor_targets(cost, y)) * cost.factor(a.shape[0])


def tensor_targets(cost: Cost, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """What the cost's term takes beside a_ij, for each y_ij of y: its ``prepare`` of y_ij,
    as matrices shaped like y (just y, for a cost that takes y_ij itself)."""
    if type(cost).prepare is Cost.prepare:
        return (y,)
    prepared = torch.tensor([[cost.prepare(y_ij) for y_ij in y_i] for y_i in y.tolist()],
                            dtype=torch.float64, device=y.device)
    return prepared.unbind(-1)


def cost_of(cost: Cost, a: torch.Tensor, targets: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """sum_i sum_j c(a_ij, targets_ij...), C before the factor k(n): the cost's term on
    every output at once (the outputs checked beforehand)."""
    return cost.term(a, *targets).sum()


def check_outputs(cost: Cost, a: torch.Tensor) -> None:
    """Refuse, as the cost does on Values, an output a_ij it is undefined for (none for most)."""
    if type(cost).check_output is not Cost.check_output:
        for i, a_i in enumerate(a.tolist()):
            for j, a_ij in enumerate(a_i):
                cost.check_output(a_ij, i, j)


@dataclass
class TorchGradients:
    """PyTorch's dC/db_j^l and dC/dw_jk^l, indexed like ``nn.lecture.formulas``.

    ``delta[l][j]`` = dC/dz_j^l is there for a single example only (None for a
    batch, where delta belongs to each example, not to the batch).
    """

    grad_b: dict[int, list[float]]
    grad_w: dict[int, list[list[float]]]
    delta: dict[int, list[float]] | None
    C: float


def gradients(
    net: MLP,
    xs: Sequence[Sequence[float]],
    ys: Sequence[Sequence[float]],
    cost: Cost | str = quadratic_cost,
) -> TorchGradients:
    """PyTorch's gradients of the cost of the batch (xs, ys) for a copy of ``net``."""
    cost = as_cost(cost)
    model = to_torch(net)
    a = torch.tensor(xs, dtype=torch.float64)
    z = []
    for module in model:
        a = module(a)
        if isinstance(module, torch.nn.Linear):
            a.retain_grad()  # keep dC/dz^l: the lecture's delta^l
            z.append(a)
    C = tensor_cost(cost, a, ys)
    C.backward()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    layers = range(2, len(linears) + 2)
    return TorchGradients(
        grad_b={l: m.bias.grad.tolist() for l, m in zip(layers, linears, strict=True)},
        grad_w={l: m.weight.grad.tolist() for l, m in zip(layers, linears, strict=True)},
        delta={l: z_l.grad[0].tolist() for l, z_l in zip(layers, z, strict=True)}
        if len(xs) == 1
        else None,
        C=C.item(),
    )


# ---------------------------------------------------------------- training with PyTorch


class TorchEngine:
    """``train(..., engine="torch")``: the lecture's "standard package" taking the same steps.

    >>> from nn import MLP, moons, train
    >>> net = MLP([2, 8, 1], seed=0)
    >>> history = train(net, moons(100, seed=0), epochs=5, batch_size=10, eta=3.0, seed=0,
    ...                 engine="torch", progress=False)   # or device="cuda" on a GPU

    The network's weights go into one float64 tensor on ``device`` when the
    engine is made (``Layers``), and the training data into one matrix when
    ``train`` hands it over (``prepare``); ``train`` does the rest as for the
    other engines (the same seeded shuffling, the same mini-batches, the same
    ``History``). A step is the lecture's backpropagation on all of the batch's
    rows at once. With b_j^l the weight of an input that is always 1, each
    layer's weights are one matrix [w^l | b^l] and each layer's activations
    [a^l | 1], so that

        z^l = [a^{l-1} | 1] [w^l | b^l]^T,   a^l = sigma(z^l)          (forward)
        delta^L = dC/da^L * sigma'(z^L)                                (1)
        delta^l = (delta^{l+1} w^{l+1}) * sigma'(z^l)                  (2)
        [dC/dw^l | dC/db^l] = delta^l^T [a^{l-1} | 1]                  (3, 4)

    (the rows of delta^l are the examples', so the last product adds up their
    a_k^{l-1} delta_j^l and, in the column of 1s, their delta_j^l). sigma and
    sigma' are each layer's ``nn.Activation`` record's ``f`` and ``df``,
    dC/da^L the cost record's ``dC_da`` (times k(n)/k(1) for a batch of n), and
    C the cost's own ``term`` and ``factor`` (``cost_of``), as the Values are
    built. Where the cost gives no ``dC_da``, or the four equations disagree
    with PyTorch's autograd on the first batch (a ``df`` that is not f's
    derivative: a warning says so), autograd finds dC/dw instead. The step
    w -> w - eta dC/dw goes into a second tensor, so that the weights before
    it stay for ``undo``.

    One check a step: that C and the sum of the new weights are finite (so each
    is). When they are not, the values engine takes that step on the network's
    Values: its error names the node that overflowed, as with engine="values",
    with nothing changed (or, where Python's floats did not overflow, its step
    is the step); ``evaluate`` and ``outputs`` likewise. The weights go back
    into the network's Values (``write_back``) after each epoch, so every
    picture, report and walkthrough works on the result. The numbers agree
    with the values engine's to rounding (PyTorch adds the terms of a sum in
    its own order): after an epoch, to about 1e-15.

    A small network's matrices are not worth sharing between threads: on a
    busy machine ``torch.set_num_threads(1)`` can make an epoch ten times
    faster (``benchmarks/bench_train.py``). The engine leaves that to you.
    """

    name = "torch"

    def __init__(self, net: MLP, cost: Cost, device: str | None = None) -> None:
        if not isinstance(cost, Cost):
            raise TypeError(f"the torch engine needs an nn.Cost, got {cost!r}")
        self.net = net
        self.cost = cost
        self.params = net.parameters()
        self.device = _device(device)
        self.sigmas = [_layer_activation(layer, l) for l, layer in enumerate(net.layers, start=2)]
        shapes = [(len(layer.neurons), len(layer.neurons[0].w)) for layer in net.layers]
        weights = torch.tensor([p.data for p in self.params], dtype=torch.float64,
                               device=self.device)
        self.now = Layers(weights, shapes)  # the weights
        self.before = Layers(torch.empty_like(weights), shapes)  # and before the last step
        self.grad = Layers(torch.zeros_like(weights), shapes)  # dC/dp of the last batch
        self.by_hand = type(cost).dC_da is not Cost.dC_da  # known: the four equations
        self.checked = False  # ... checked against autograd, on the first batch
        self._undoable = self._has_grads = False
        self._data: Sequence | None = None  # the examples prepare() made tensors of
        self._rows: dict[int, int] = {}
        self._table: torch.Tensor | None = None  # their numbers, a row each (_examples)
        self._ones: dict[int, torch.Tensor] = {}  # a column of n 1s, by n
        self._k: dict[int, tuple[float, float]] = {}  # the cost's factors, by n

    @staticmethod
    def cannot_train(net: MLP, cost: Cost) -> str | None:
        """Why PyTorch cannot train ``net`` (an ``MLP``, with an ``nn.Cost``), or None."""
        for l, layer in enumerate(net.layers, start=2):
            try:
                _layer_activation(layer, l)
            except ValueError as error:
                return str(error)
        return None

    @classmethod
    def for_training(cls, net: MLP, cost: Cost, device: str | None = None) -> TorchEngine:
        """A new engine, with the network's weights as they are now."""
        return cls(net, cost, device)

    def prepare(self, data: Sequence, say: Callable[[str], None]) -> None:
        """The training data (checked, as ``train`` gives it) into one matrix, once: each step
        then takes its batch's rows, and the evaluation after an epoch all of them."""
        self._data = data
        self._rows = {id(example): i for i, example in enumerate(data)}
        self._table = self._examples(data)

    def gradient(self, batch: Sequence) -> float:
        """C on the batch; every parameter's ``grad`` set to dC/dp."""
        with torch.inference_mode(self._plain):
            C = self._backward(*self._batch(batch))
            total = C + self.grad.flat.sum().item()
        if total - total != 0.0:  # C or a gradient is inf or NaN (or a false alarm)
            return self._by_values(lambda values: values.gradient(batch))
        self._has_grads = True
        self.write_back()
        return C

    def step(self, batch: Sequence, eta: float) -> float:
        """C on the batch, then w -> w - eta dC/dw on the tensors (nothing changed, and the
        values engine's error naming the node, if a number would stop being finite)."""
        with torch.inference_mode(self._plain):
            C = self._backward(*self._batch(batch))
            new = torch.add(self.now.flat, self.grad.flat, alpha=-eta, out=self.before.flat)
            total = C + new.sum().item()
        if total - total != 0.0:  # C or a new weight is inf or NaN (or a false alarm)
            self.before.flat.copy_(self.now.flat)  # for undo, if the values engine steps
            C = self._by_values(lambda values: values.step(batch, eta))
        else:
            self.now, self.before = self.before, self.now
            self._has_grads = True
        self._undoable = True
        return C

    def vanished(self, below: float = 0.0) -> bool:
        """True when the last step's dC/dp were all at most ``below`` in size (0: exactly 0)."""
        return torch.linalg.vector_norm(self.grad.flat, math.inf).item() <= below

    def undo(self) -> None:
        """Put the weights back as they were before the last step (in the network too)."""
        if self._undoable:
            self.now, self.before = self.before, self.now
            self._undoable = False
        self.write_back()

    def write_back(self) -> None:
        """The tensors' weights, and the last step's gradients, into the network's Values."""
        weights = self.now.flat.tolist()
        grads = self.grad.flat.tolist() if self._has_grads else None
        for k, p in enumerate(self.params):
            p.data = weights[k]
            if grads is not None:
                p.grad = grads[k]

    def evaluate(self, data: Sequence) -> tuple[float, list[list[float]]]:
        """C over ``data`` and each example's a^L, as floats: one forward pass of all of it."""
        if data is not self._data or data is None:  # (the training data is in tensors already)
            data = checked_data(data, self.net.sizes[0], self.net.sizes[-1])
        with torch.inference_mode():
            rows = self._table if data is self._data else self._examples(data)
            x1, _, targets = self._split(rows)
            a = self._forward(x1, self.now)[-1][-1]
            check_outputs(self.cost, a)
            C = cost_of(self.cost, a, targets).item() * self.cost.factor(len(data))
        if C - C != 0.0:  # inf or NaN: the values engine says where
            return self._by_values(lambda values: values.evaluate(data))
        return C, a.tolist()

    def outputs(self, xs: Sequence[Sequence[float]]) -> list[list[float]]:
        """a^L for each input x."""
        xs = finite_vectors(xs, self.net.sizes[0], "xs")
        with torch.inference_mode():
            x = _matrix(xs, self.device)
            a = self._forward(torch.cat([x, self._column(len(xs))], 1), self.now)[-1][-1]
        if not bool(torch.isfinite(a).all()):
            return self._by_values(lambda values: values.outputs(xs))
        return a.tolist()

    # ------------------------------------------------------------ the lecture's backprop

    def _forward(self, x1: torch.Tensor, layers: Layers) -> tuple[list[torch.Tensor],
                                                                   list[torch.Tensor]]:
        """z^l of every layer, and [a^l | 1] (a^L alone for the last), for the rows of
        x1 = [a^1 | 1]: (zs, [x1, [a^2 | 1], ..., a^L])."""
        zs, a = [], [x1]
        last = len(self.sigmas) - 1
        for i, (sigma, weights) in enumerate(zip(self.sigmas, layers.transposed)):
            zs.append(torch.mm(a[-1], weights))
            a_l = sigma.f(zs[-1])
            a.append(a_l if i == last else torch.cat([a_l, self._column(len(a_l))], 1))
        return zs, a

    def _backward(self, x1: torch.Tensor, y: torch.Tensor,
                  targets: tuple[torch.Tensor, ...]) -> float:
        """C of the batch, and its dC/dw and dC/db in ``self.grad``: by the four equations,
        checked against autograd on the first batch, or by autograd."""
        if self.by_hand and not self.checked:
            self._check_four_equations(x1, y, targets)
        if self.by_hand:
            return self._four_equations(x1, y, targets)
        return self._autograd(x1, targets)

    def _four_equations(self, x1: torch.Tensor, y: torch.Tensor,
                        targets: tuple[torch.Tensor, ...]) -> float:
        """C, and dC/dw, dC/db into ``self.grad``, by the lecture's equations (1) to (4)."""
        zs, a = self._forward(x1, self.now)
        check_outputs(self.cost, a[-1])
        factor, k = self._factors(len(x1))
        C = cost_of(self.cost, a[-1], targets).item() * factor
        delta = self.cost.dC_da(a[-1], y) * k * self.sigmas[-1].df(zs[-1])  # (1)
        for i in range(len(zs) - 1, -1, -1):  # [w^l | b^l] is blocks[i], l = i + 2
            torch.mm(delta.T, a[i], out=self.grad.blocks[i])  # (3) and (4)
            if i > 0:
                delta = torch.mm(delta, self.now.w[i]) * self.sigmas[i - 1].df(zs[i - 1])  # (2)
        return C

    def _factors(self, n: int) -> tuple[float, float]:
        """k(n), the cost's factor for a batch of n, and k(n)/k(1): dC/da_ij of the batch's C
        is that times dC_x/da_j of one example's, which the cost's ``dC_da`` gives."""
        if n not in self._k:
            self._k[n] = self.cost.factor(n), self.cost.factor(n) / self.cost.factor(1)
        return self._k[n]

    def _autograd(self, x1: torch.Tensor, targets: tuple[torch.Tensor, ...]) -> float:
        """C, and dC/dw, dC/db into ``self.grad``, by PyTorch's autograd."""
        leaves = Layers(self.now.flat.detach().clone().requires_grad_(), self.now.shapes)
        a = self._forward(x1, leaves)[-1][-1]
        check_outputs(self.cost, a)
        C = cost_of(self.cost, a, targets) * self.cost.factor(len(x1))
        (grad,) = torch.autograd.grad(C, [leaves.flat])
        self.grad.flat.copy_(grad)
        return C.item()

    def _check_four_equations(self, x1: torch.Tensor, y: torch.Tensor,
                              targets: tuple[torch.Tensor, ...]) -> None:
        """Compare the four equations with autograd on this batch; keep autograd if they differ.

        Where either gives a number that is not finite, the check waits for
        the next batch.
        """
        self._autograd(x1, targets)
        theirs = self.grad.flat.clone()
        try:
            self._four_equations(x1, y, targets)
        except Exception:  # a df or dC_da written for floats alone fails in its own way
            self.by_hand, self.checked = False, True
            return
        ours = self.grad.flat
        if not bool(torch.isfinite(ours).all() & torch.isfinite(theirs).all()):
            return
        self.checked = True
        difference = float((ours - theirs).abs().max())
        if difference > 1e-9 * float(theirs.abs().max()):
            self.by_hand = False
            warnings.warn(
                "nn.training.torch_bridge: the four equations, with each layer's sigma' from "
                "its activation's df and dC/da from the cost's dC_da, differ from PyTorch's "
                f"autograd of sigma and C by up to {difference:.3g} on the first batch: is a df "
                "or dC_da not the derivative of its function? Training goes on with autograd.",
                RuntimeWarning, stacklevel=4)

    # ------------------------------------------------------------ numbers in and out

    def _examples(self, data: Sequence) -> torch.Tensor:
        """The examples as one matrix, a row each: x, a 1 (for the biases), y, then what the
        cost's term takes beside each a_j where that is not y_j itself (its ``prepare``)."""
        y = _matrix([y for _, y in data], self.device)
        targets = tensor_targets(self.cost, y)
        others = () if targets[0] is y else targets
        x = _matrix([x for x, _ in data], self.device)
        return torch.cat([x, self._column(len(data)), y, *others], 1)

    def _split(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor,
                                                   tuple[torch.Tensor, ...]]:
        """[x | 1], y and the targets of the cost's term, from rows of ``_examples``."""
        n_1, n_L = self.net.sizes[0], self.net.sizes[-1]
        y = rows[:, n_1 + 1 : n_1 + 1 + n_L]
        if rows.shape[1] == n_1 + 1 + n_L:
            return rows[:, : n_1 + 1], y, (y,)
        starts = range(n_1 + 1 + n_L, rows.shape[1], n_L)
        return rows[:, : n_1 + 1], y, tuple(rows[:, start : start + n_L] for start in starts)

    def _batch(self, batch: Sequence) -> tuple[torch.Tensor, torch.Tensor,
                                                tuple[torch.Tensor, ...]]:
        """[x | 1], y and the targets of a batch: its rows of the prepared matrix (one
        operation), or, for examples ``prepare`` was not given, a new matrix."""
        try:
            rows = array.array("q", [self._rows[id(example)] for example in batch])
        except KeyError:
            batch = checked_data(batch, self.net.sizes[0], self.net.sizes[-1])
            return self._split(self._examples(batch))
        index = torch.frombuffer(rows, dtype=torch.int64)
        if self.device.type != "cpu":
            index = index.to(self.device)
        return self._split(self._table.index_select(0, index))

    def _column(self, n: int) -> torch.Tensor:
        """A column of n 1s: the input of every bias."""
        if n not in self._ones:
            with torch.inference_mode(False):  # (autograd may use it too)
                self._ones[n] = torch.ones(n, 1, dtype=torch.float64, device=self.device)
        return self._ones[n]

    @property
    def _plain(self) -> bool:
        """Whether a step is the four equations alone, with no autograd: then PyTorch may
        leave out its bookkeeping for autograd (``torch.inference_mode``), a fifth of the
        time of operations on matrices this small."""
        return self.by_hand and self.checked

    def _values(self) -> ValuesEngine:
        return ValuesEngine(self.net, self.cost)

    def _by_values(self, work: Callable):
        """``work(values engine)`` on the network's Values, where PyTorch's numbers stopped
        being finite: its error names the node (nothing changed), or where Python's floats
        did not overflow, its result is the result. The tensors then hold what it left."""
        self.write_back()
        try:
            return work(self._values())
        finally:
            self._load()

    def _load(self) -> None:
        """The network's Values (weights and grads) into the tensors."""
        self.now.flat.copy_(torch.tensor([p.data for p in self.params], dtype=torch.float64))
        self.grad.flat.copy_(torch.tensor([p.grad for p in self.params], dtype=torch.float64))
        self._has_grads = True


class Layers:
    """Every w_jk^l and b_j^l of a network in one flat tensor ``flat``, in nn's order (by
    layer, by node, w_j1..w_jm then b_j), and views of it: each layer's [w^l | b^l]
    (``blocks[i]``, n_l x (n_{l-1} + 1), l = i + 2), its transpose and w^l alone (``w[i]``).
    One tensor, so that a step, a check or a copy is one operation for the whole network."""

    def __init__(self, flat: torch.Tensor, shapes: list[tuple[int, int]]) -> None:
        self.flat, self.shapes = flat, shapes
        self.blocks: list[torch.Tensor] = []
        start = 0
        for n, m in shapes:
            self.blocks.append(flat[start : start + n * (m + 1)].view(n, m + 1))
            start += n * (m + 1)
        self.transposed = [block.T for block in self.blocks]  # [w^l | b^l]^T
        self.w = [block[:, :m] for block, (_, m) in zip(self.blocks, shapes)]


def _matrix(rows: Sequence[Sequence[float]], device: torch.device) -> torch.Tensor:
    """Lists of floats, all of one length, as a float64 matrix with a row each: packed row by
    row as C doubles (``struct``), several times quicker than ``torch.tensor`` of the lists."""
    row = struct.Struct(f"{len(rows[0])}d")
    numbers = bytearray(b"".join([row.pack(*r) for r in rows]))
    return torch.frombuffer(numbers, dtype=torch.float64).view(len(rows), -1).to(device)


def _device(device: str | None) -> torch.device:
    """``device`` as a torch.device, "cpu" by default, refused (one line: what, and what to do)
    where this machine's PyTorch cannot hold numbers on it."""
    try:
        found = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must name a PyTorch device, such as 'cpu' or 'cuda', got {device!r}"
        ) from None
    if found.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r}, but PyTorch sees no CUDA GPU here "
            "(torch.cuda.is_available() is False); leave device out to train on the CPU"
        )
    if found.type == "meta":
        raise ValueError(f"device={device!r} holds no numbers (a meta tensor has a shape and "
                         "no data); leave device out to train on the CPU")
    try:
        torch.zeros(1, dtype=torch.float64, device=found).tolist()
    except Exception:  # each backend fails its own way: RuntimeError, a module missing, ...
        raise ValueError(
            f"device={device!r}, but PyTorch cannot compute there on this machine (no "
            f"{found.type} support in this build, or no such device); leave device out to train "
            "on the CPU"
        ) from None
    return found
