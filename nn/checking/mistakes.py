"""The catalogue of mistakes students make in backpropagation, each with the numbers it gives.

A backprop written by hand can go wrong in many ways; some slips are common
enough to name. Each ``Mistake`` of ``MISTAKES`` has

    id           "error_sign", ...
    description  one line: what the slip is
    equations    the lecture's equations it breaks: 1, 2, 4, or none (the cost itself)
    predict      what the slip gives for one quantity, worked out from the
                 student's own earlier numbers (a ``Context``)
    advice       the hint for the student, in the lecture's notation
    reference()  a backprop that makes the slip (``nn.checking.student_backprops``)

Diagnosis is measured, not guessed: the checker (``nn.checking.checker``) finds the
first quantity a student has wrong, asks every mistake what it would give
there, and names those whose numbers match the student's. Because each
prediction starts from the student's own upstream numbers, an early slip is
not blamed on a later layer that merely carried it.

>>> MISTAKES["error_sign"].description
'equation 1 with (y − a) where (a − y) belongs'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from nn.checking.student_backprops import (
    backprop_lists,
    backprop_numpy,
    batch_backprop_lists,
    batch_backprop_numpy,
)
from nn.lecture.formulas import (
    Backprop,
    bias_gradient,
    hidden_delta,
    output_delta,
    weight_gradient,
)
from nn.model.activations import Activation
from nn.model.costs import Cost, cross_entropy_cost, quadratic_cost

# A quantity's numbers for one layer: a number (C), a vector (z, a, delta, dC/db)
# or a matrix (dC/dw, a row per node j of layer l).
Block = float | list[float] | list[list[float]]

# The quantities a student computes, in the lecture's order within a layer.
QUANTITIES = ("z", "a", "C", "delta", "dC/db", "dC/dw")


class Numbers:
    """z^l, a^l and delta^l as the student's next step reads them: theirs where known.

    ``given`` maps (kind, l, j) to the student's number ("z", "a" or "delta",
    0-based j); every other number is the true one, from ``truth``.
    """

    def __init__(self, truth: Backprop, given: Mapping[tuple[str, int, int], float] | None = None):
        self.truth = truth
        self.given = dict(given or {})

    def __call__(self, kind: str, l: int) -> list[float]:
        true = getattr(self.truth, kind)[l]
        return [self.given.get((kind, l, j), t) for j, t in enumerate(true)]


@dataclass
class Context:
    """One quantity of one layer, with everything its equation reads.

    ``quantity`` is one of ``QUANTITIES``, ``l`` its layer (L for C). The
    weights W^l and biases b^l (dicts by layer), the activation record of each
    node, the target y and the cost are the network's and the example's;
    ``numbers`` holds the student's earlier numbers where known. ``n`` is the
    size of the batch whose mean gradient is being checked (1 for one example).
    """

    quantity: str
    l: int
    L: int
    weights: dict[int, list[list[float]]]
    biases: dict[int, list[float]]
    sigmas: dict[int, list[Activation]]
    y: list[float]
    cost: Cost
    numbers: Numbers
    n: int = 1

    @property
    def at_output(self) -> bool:
        """delta^L, whose equation is the lecture's 1."""
        return self.quantity == "delta" and self.l == self.L

    @property
    def hidden(self) -> bool:
        """delta^l of a hidden layer l < L, whose equation is the lecture's 2."""
        return self.quantity == "delta" and self.l < self.L

    def sigma_prime(self, of: str = "z") -> list[float]:
        """sigma'(z_j^l) for every node j of layer l (or sigma' of a_j^l, ``of="a"``)."""
        return [s.prime(v) for s, v in zip(self.sigmas[self.l], self.numbers(of, self.l))]

    def dC_da(self) -> list[float]:
        """dC/da_j^L for one example: a_j^L - y_j for the quadratic cost."""
        return [self.cost.dC_da(a_j, y_j) for a_j, y_j in zip(self.numbers("a", self.L), self.y)]

    def back(self, W: list[list[float]], sigma_prime: list[float]) -> list[float]:
        """Equation 2 with ``W`` for W^(l+1): sum_k W[k][j] delta_k^(l+1), times sigma_prime[j]."""
        return hidden_delta(W, self.numbers("delta", self.l + 1), sigma_prime)


def weighted_input(W: list[list[float]], b: list[float], a_prev: list[float]) -> list[float]:
    """z^l = W^l a^(l-1) + b^l: z_j^l = sum_k w_jk^l a_k^(l-1) + b_j^l."""
    return [sum(w_jk * a_k for w_jk, a_k in zip(w_j, a_prev)) + b_j for w_j, b_j in zip(W, b)]


def expected(c: Context) -> Block:
    """What the lecture's equations give for c's quantity, from the student's own numbers."""
    v, l = c.numbers, c.l
    if c.quantity == "z":
        return weighted_input(c.weights[l], c.biases[l], v("a", l - 1))
    if c.quantity == "a":
        return [s.of(z_j) for s, z_j in zip(c.sigmas[l], v("z", l))]
    if c.quantity == "C":
        return c.cost.example_cost(v("a", c.L), c.y)
    if c.at_output:
        return output_delta(c.dC_da(), c.sigma_prime())
    if c.hidden:
        return c.back(c.weights[l + 1], c.sigma_prime())
    if c.quantity == "dC/db":
        return bias_gradient(v("delta", l))
    return weight_gradient(v("a", l - 1), v("delta", l))


def read_by(c: Context) -> list[tuple[str, int]]:
    """The numbers c's equation reads, as (kind, layer): [("delta", 4), ("z", 3)] for delta^3."""
    l = c.l
    if c.quantity == "z":
        return [("a", l - 1)]
    if c.quantity == "a":
        return [("z", l)]
    if c.quantity == "C":
        return [("a", c.L)]
    if c.at_output:
        return [("a", l), ("z", l)]
    if c.hidden:
        return [("delta", l + 1), ("z", l)]
    if c.quantity == "dC/db":
        return [("delta", l)]
    return [("a", l - 1), ("delta", l)]


def whose(c: Context) -> str:
    """Whose numbers c's equation reads, in words: "your δ^4 and autograd's z^3".

    The student's where they gave them (their δ^l read from their dC/db^l, or
    numbers typed as answers), autograd's otherwise: a backprop returns no z
    and no a, so those are always the right forward pass's.
    """
    yours, autograds, inputs = [], [], []
    for kind, l in read_by(c):
        if (kind, l) == ("a", 1):
            inputs.append("the input x")
            continue
        name = f"{'δ' if kind == 'delta' else kind}^{l}"
        given = any(key[:2] == (kind, l) for key in c.numbers.given)
        (yours if given else autograds).append(name)
    parts = inputs.copy()
    if yours:
        parts.append("your " + " and ".join(yours))
    if autograds:
        parts.append("autograd's " + " and ".join(autograds))
    return " with ".join(parts)


def equation(c: Context) -> str:
    """The lecture's equation for c's quantity, in its notation, numbered where it has a number."""
    l, L, prev, nxt = c.l, c.L, c.l - 1, c.l + 1
    if c.quantity == "z":
        return f"z_j^{l} = Σ_k w_jk^{l} a_k^{prev} + b_j^{l}"
    if c.quantity == "a":
        return f"a_j^{l} = σ(z_j^{l})"
    if c.quantity == "C":
        return c.cost.text
    if c.at_output:
        return f"equation 1, δ_j^{L} = ∂C/∂a_j^{L} σ'(z_j^{L})"
    if c.hidden:
        return f"equation 2, δ_j^{l} = Σ_k w_kj^{nxt} δ_k^{nxt} σ'(z_j^{l})"
    if c.quantity == "dC/db":
        return f"equation 3, ∂C/∂b_j^{l} = δ_j^{l}"
    return f"equation 4, ∂C/∂w_jk^{l} = a_k^{prev} δ_j^{l}"


def transpose(W: list[list[float]]) -> list[list[float]]:
    """The transpose of a matrix given as a list of rows."""
    return [list(column) for column in zip(*W)]


def scaled(block: Block, factor: float) -> Block:
    """Every number of a block multiplied by ``factor``."""
    if isinstance(block, list):
        return [scaled(b, factor) for b in block]
    return factor * block


# ---------------------------------------------------------------- what each slip gives
#
# Each returns the block the slip makes of c's quantity, or None where the slip
# does not apply (another quantity, a layer without it, shapes that forbid it).


def _missing_sigma_prime_output(c: Context) -> Block | None:
    return c.dC_da() if c.at_output else None


def _missing_sigma_prime_hidden(c: Context) -> Block | None:
    return c.back(c.weights[c.l + 1], [1.0] * len(c.weights[c.l])) if c.hidden else None


def _sigma_prime_of_a(c: Context) -> Block | None:
    if c.at_output:
        return output_delta(c.dC_da(), c.sigma_prime(of="a"))
    return c.back(c.weights[c.l + 1], c.sigma_prime(of="a")) if c.hidden else None


def _error_sign(c: Context) -> Block | None:
    return scaled(expected(c), -1.0) if c.at_output else None


def _untransposed_weights(c: Context) -> Block | None:
    if not c.hidden:
        return None
    W = c.weights[c.l + 1]
    if len(W) != len(W[0]):  # W^(l+1) is not square: numpy's shapes disagree instead
        return None
    return c.back(transpose(W), c.sigma_prime())


def _weights_of_wrong_layer(c: Context) -> Block | None:
    if not c.hidden:
        return None
    # sum_k w_kj^l delta_k^(l+1) for j = 1..n_l, k = 1..n_(l+1): in W^l (n_l x n_(l-1)) when
    # n_(l+1) <= n_l <= n_(l-1); list code gives it there, numpy only where all three are equal
    W = c.weights[c.l]
    if not len(c.weights[c.l + 1]) <= len(W) <= len(W[0]):
        return None
    return c.back(W, c.sigma_prime())


def _sigma_prime_of_next_layer(c: Context) -> Block | None:
    if not c.hidden:
        return None
    n, sigma_prime_next = len(c.weights[c.l]), replace(c, l=c.l + 1).sigma_prime()
    if len(sigma_prime_next) == 1:  # numpy broadcasts the one sigma'(z_1^(l+1)) over layer l
        sigma_prime_next *= n
    return c.back(c.weights[c.l + 1], sigma_prime_next) if len(sigma_prime_next) == n else None


def _mean_taken_twice(c: Context) -> Block | None:
    if c.n < 2 or c.quantity not in ("delta", "dC/db", "dC/dw"):
        return None
    return scaled(expected(c), 1.0 / c.n)  # the mean of the examples' gradients, over n again


def _a_of_wrong_layer(c: Context) -> Block | None:
    if c.quantity != "dC/dw":
        return None
    return weight_gradient(c.numbers("a", c.l), c.numbers("delta", c.l))


def _z_instead_of_a(c: Context) -> Block | None:
    if c.quantity != "dC/dw" or c.l == 2:  # layer 1, the input, has no z
        return None
    return weight_gradient(c.numbers("z", c.l - 1), c.numbers("delta", c.l))


def _weight_gradient_transposed(c: Context) -> Block | None:
    if c.quantity != "dC/dw":
        return None
    return transpose(weight_gradient(c.numbers("a", c.l - 1), c.numbers("delta", c.l)))


def _factor_two(c: Context) -> Block | None:
    if c.cost is not quadratic_cost:  # the 1/2 that the slip leaves out is the quadratic's
        return None
    if c.at_output:
        return output_delta(scaled(c.dC_da(), 2.0), c.sigma_prime())
    return 2.0 * expected(c) if c.quantity == "C" else None


def _sum_not_mean(c: Context) -> Block | None:
    if c.n < 2 or c.quantity not in ("delta", "dC/db", "dC/dw"):
        return None
    return scaled(expected(c), c.n)  # the mean over the batch of n times each gradient


def _cross_entropy_with_sigma_prime(c: Context) -> Block | None:
    if c.cost is not cross_entropy_cost or not c.at_output:
        return None
    error = [a_j - y_j for a_j, y_j in zip(c.numbers("a", c.L), c.y)]
    return output_delta(error, c.sigma_prime())


# ---------------------------------------------------------------- slips in the forward pass
#
# A slip in the forward pass makes z^l (and so a^l) wrong from where it is made on;
# the backward pass may then be the lecture's own, run on the wrong numbers. So each
# is a slipped equation for z^l from a^(l-1), and what it predicts is the lecture's
# equations run on the forward pass it makes (the student's own numbers where known).

ZFromA = Callable[[Context, int, list[float]], "list[float] | None"]


def _z_without_bias(c: Context, l: int, a_prev: list[float]) -> list[float] | None:
    return weighted_input(c.weights[l], [0.0] * len(c.biases[l]), a_prev)


def _z_with_weights_transposed(c: Context, l: int, a_prev: list[float]) -> list[float] | None:
    W = c.weights[l]
    return weighted_input(transpose(W), c.biases[l], a_prev) if len(W) == len(W[0]) else None


def _z_of_sigma_of_input(c: Context, l: int, a_prev: list[float]) -> list[float] | None:
    if l == 2:  # a^1 = sigma(x), where a^1 = x belongs
        a_prev = [c.sigmas[2][0].of(x_k) for x_k in a_prev]
    return weighted_input(c.weights[l], c.biases[l], a_prev)


def slipped_forward(c: Context, z_of: ZFromA) -> Numbers | None:
    """The numbers of a forward pass whose z^l comes from ``z_of``: the student's where known.

    None where the slip cannot be made on this network (shapes that forbid it).
    """
    given, truth = c.numbers.given, c.numbers.truth
    z, a = {}, {1: list(truth.a[1])}
    for l in range(2, c.L + 1):
        a_prev = [given.get(("a", l - 1, k), a_k) for k, a_k in enumerate(a[l - 1])]
        made = z_of(c, l, a_prev)
        if made is None:
            return None
        z[l] = [given.get(("z", l, j), z_j) for j, z_j in enumerate(made)]
        a[l] = [s.of(z_j) for s, z_j in zip(c.sigmas[l], z[l])]
    return Numbers(replace(truth, z=z, a=a), given)


def forward_slip(z_of: ZFromA) -> Callable[[Context], Block | None]:
    """What a slip in the forward pass gives for any quantity, from the forward pass it makes."""

    def predict(c: Context) -> Block | None:
        if c.quantity == "z":
            return z_of(c, c.l, c.numbers("a", c.l - 1))
        numbers = slipped_forward(c, z_of)
        return None if numbers is None else expected(replace(c, numbers=numbers))

    return predict


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Mistake:
    """A named slip in backpropagation, with what it gives and what to tell the student.

    ``advice`` is a template: {l} is the layer of the quantity, {L} the output
    layer, {prev} and {next} l - 1 and l + 1, {eq} equation 1 or 2 (whichever
    gives delta^l), {n} the batch size. ``cost`` is the cost the slip belongs to
    (its reference implementation's); ``batch`` says it shows only in a batch's
    gradient; ``square`` that it gives numbers only where the matrices it mixes up
    have one shape (elsewhere the student's code raises an error instead: an
    IndexError of list code, numpy's shape error).
    """

    id: str
    description: str
    equations: tuple[int, ...]
    predict: Callable[[Context], Block | None] = field(repr=False, compare=False)
    advice: str = field(repr=False)
    cost: Cost = quadratic_cost
    batch: bool = False
    square: bool = False

    def hint(self, l: int, L: int, n: int = 1) -> str:
        """The advice for a quantity of layer l (of L), in a batch of n, layers filled in."""
        return self.advice.format(l=l, L=L, prev=l - 1, next=l + 1, eq=1 if l == L else 2, n=n)

    def reference(self, arrays: str = "lists", *, batch: bool | None = None) -> Callable:
        """A backprop that makes this slip and no other: ``fn(weights, biases, x, y)``.

        ``arrays`` is "lists" or a numpy style ("numpy", "numpy-column": the
        numpy version takes both). ``batch=True`` gives the function of a batch,
        ``fn(weights, biases, xs, ys)``; it is the default for a batch's mistake.
        """
        batch = self.batch if batch is None else batch
        if self.batch and not batch:
            raise ValueError(f"{self.id} shows only in the gradient of a batch: "
                             "use reference(batch=True)")
        function = {
            (False, "lists"): backprop_lists,
            (False, "numpy"): backprop_numpy,
            (True, "lists"): batch_backprop_lists,
            (True, "numpy"): batch_backprop_numpy,
        }[batch, "lists" if arrays == "lists" else "numpy"]

        def backprop(weights, biases, x, y):
            return function(weights, biases, x, y, slip=self.id, cost=self.cost)

        name = f"{'batch_' if batch else ''}backprop_with_{self.id}"
        backprop.__name__ = backprop.__qualname__ = name
        backprop.__doc__ = f"A backprop that makes one mistake: {self.description}."
        return backprop


MISTAKES: dict[str, Mistake] = {m.id: m for m in (
    Mistake(
        "missing_sigma_prime_output", "equation 1 without the factor σ'(z_j^L)", (1,),
        _missing_sigma_prime_output,
        "Equation 1 is δ_j^{L} = ∂C/∂a_j^{L} σ'(z_j^{L}); your δ^{L} is ∂C/∂a_j^{L} alone: "
        "the factor σ'(z_j^{L}) is missing."),
    Mistake(
        "missing_sigma_prime_hidden", "equation 2 without the factor σ'(z_j^l)", (2,),
        _missing_sigma_prime_hidden,
        "Equation 2 is δ_j^{l} = Σ_k w_kj^{next} δ_k^{next} σ'(z_j^{l}); your δ^{l} is the "
        "sum alone: the factor σ'(z_j^{l}) is missing."),
    Mistake(
        "sigma_prime_of_a", "σ'(a) where σ'(z) belongs (σ(a)(1 − σ(a)))", (1, 2),
        _sigma_prime_of_a,
        "σ' takes the weighted input z: σ'(z_j^{l}) = σ(z_j^{l})(1 − σ(z_j^{l})) = "
        "a_j^{l}(1 − a_j^{l}); your δ^{l} has σ'(a_j^{l}) = σ(a_j^{l})(1 − σ(a_j^{l})) in "
        "equation {eq}."),
    Mistake(
        "error_sign", "equation 1 with (y − a) where (a − y) belongs", (1,), _error_sign,
        "Equation 1 starts from ∂C/∂a_j^{L}, which is a_j^{L} − y_j for the quadratic cost; "
        "your δ^{L} has the opposite sign, (y_j − a_j^{L}), so every gradient points uphill."),
    Mistake(
        "untransposed_weights",
        "equation 2 summing w_jk^(l+1) δ_k over the wrong index (W instead of its transpose)",
        (2,), _untransposed_weights,
        "Equation 2 sums over the nodes k of layer {next} that node j feeds: δ_j^{l} = "
        "Σ_k w_kj^{next} δ_k^{next} σ'(z_j^{l}), column j of W^{next} (that is (W^{next})ᵀ "
        "δ^{next}); yours sums w_jk^{next} δ_k^{next}, row j (W^{next} δ^{next}).",
        square=True),
    Mistake(
        "weights_of_wrong_layer", "equation 2 with W^l where W^(l+1) belongs", (2,),
        _weights_of_wrong_layer,
        "Equation 2 carries δ^{next} back through the weights it came through, those of "
        "layer {next}: δ_j^{l} = Σ_k w_kj^{next} δ_k^{next} σ'(z_j^{l}); yours takes w_kj^{l}, "
        "the weights into layer {l} ((W^{l})ᵀ δ^{next} where (W^{next})ᵀ δ^{next} belongs).",
        square=True),
    Mistake(
        "sigma_prime_of_next_layer", "equation 2 with σ'(z^(l+1)) where σ'(z^l) belongs", (2,),
        _sigma_prime_of_next_layer,
        "Equation 2 multiplies by the slope of layer {l} itself: δ_j^{l} = Σ_k w_kj^{next} "
        "δ_k^{next} σ'(z_j^{l}); yours multiplies by σ'(z_j^{next}), the slope of layer {next}.",
        square=True),
    Mistake(
        "a_of_wrong_layer", "equation 4 with a^l where a^(l-1) belongs", (4,), _a_of_wrong_layer,
        "Equation 4 is ∂C/∂w_jk^{l} = a_k^{prev} δ_j^{l}, with the activation of layer "
        "{prev}, where the weight comes from; yours takes a_k^{l} of layer {l}, where it goes."),
    Mistake(
        "z_instead_of_a", "equation 4 with z^(l-1) where a^(l-1) belongs", (4,), _z_instead_of_a,
        "Equation 4 is ∂C/∂w_jk^{l} = a_k^{prev} δ_j^{l}, with the activation "
        "a_k^{prev} = σ(z_k^{prev}); yours takes the weighted input z_k^{prev}."),
    Mistake(
        "weight_gradient_transposed",
        "dC/dw_jk^l given as a_j^(l-1) δ_k^l (k and j swapped)", (4,),
        _weight_gradient_transposed,
        "Equation 4 is ∂C/∂w_jk^{l} = a_k^{prev} δ_j^{l}: j counts the nodes of layer {l}, "
        "k those of layer {prev}; yours is a_j^{prev} δ_k^{l}, the transpose (δ^{l} times "
        "(a^{prev})ᵀ is right, a^{prev} times (δ^{l})ᵀ is not)."),
    Mistake(
        "factor_two", "the gradients of Σ(y − a)² without the 1/2", (), _factor_two,
        "The quadratic cost is C = 1/(2n) Σ ||y − a||²: its 1/2 cancels the 2 of the "
        "square, so ∂C/∂a_j^{L} = a_j^{L} − y_j; yours is twice that, the gradient of "
        "Σ (y − a)² without the 1/2."),
    Mistake(
        "sum_not_mean", "the sum over the batch where the mean (1/n) belongs", (),
        _sum_not_mean,
        "The cost of a batch is the mean C = 1/n Σ_x C_x, so its gradient is the mean of "
        "the examples' gradients; yours is their sum, n = {n} times too large.",
        batch=True),
    Mistake(
        "mean_taken_twice", "the batch's mean taken twice: the gradient divided by n²", (),
        _mean_taken_twice,
        "The cost of a batch is the mean C = 1/n Σ_x C_x, so its gradient is the mean of "
        "the examples' gradients, divided by n once; yours divides by n = {n} twice (a mean "
        "of means, or 1/n both inside the sum and after it).",
        batch=True),
    Mistake(
        "cross_entropy_with_sigma_prime",
        "for the cross-entropy cost, δ^L = a − y multiplied by σ'(z) again", (1,),
        _cross_entropy_with_sigma_prime,
        "For the cross-entropy cost ∂C/∂a_j^{L} = (a_j^{L} − y_j) / (a_j^{L}(1 − a_j^{L})), "
        "and σ'(z_j^{L}) = a_j^{L}(1 − a_j^{L}) cancels its denominator: δ_j^{L} = "
        "a_j^{L} − y_j; yours multiplies by σ'(z_j^{L}) once more.",
        cost=cross_entropy_cost),
    Mistake(
        "forward_missing_bias", "the forward pass without the biases: z^l = W^l a^(l-1)", (),
        forward_slip(_z_without_bias),
        "Your forward pass: the lecture's is z^l = W^l a^(l-1) + b^l, then a^l = σ(z^l). Your "
        "numbers match a^l = σ(z^l) and the backward equations, but a z^l without its + b^l: "
        "the biases are left out of the weighted input, so every δ and gradient is off."),
    Mistake(
        "forward_weights_transposed",
        "the forward pass with (W^l)ᵀ: z_j^l = Σ_k w_kj^l a_k^(l-1) + b_j^l", (),
        forward_slip(_z_with_weights_transposed),
        "Your forward pass: the lecture's is z^l = W^l a^(l-1) + b^l, then a^l = σ(z^l), row "
        "j of W^l holding the weights into node j (z_j^l = Σ_k w_jk^l a_k^(l-1) + b_j^l). "
        "Your numbers match a^l = σ(z^l) and the backward equations, but a z^l made with "
        "column j: (W^l)ᵀ a^(l-1) + b^l.",
        square=True),
    Mistake(
        "sigma_of_input", "the forward pass with a^1 = σ(x) where a^1 = x belongs", (),
        forward_slip(_z_of_sigma_of_input),
        "Your forward pass: the lecture's is a^1 = x, then z^l = W^l a^(l-1) + b^l and "
        "a^l = σ(z^l) for l = 2..L. Your numbers match those equations, but started from "
        "a^1 = σ(x): layer 1 is the input itself, and no σ is applied to it."),
)}
