"""Cost functions C over a batch of n examples, each defined once, built from Values.

The lecture makes two assumptions about C: it depends only on the network's
outputs a^L(x_i), and it is an average of per-example errors. So every cost
here has the same shape,

    C = k(n) * sum_i sum_j c(a_j^L(x_i), y_ij)

a factor k(n) times a sum of one term c per output node j of each example i:

    quadratic      c = (y_j - a_j)^2                              k(n) = 1/(2n)
    cross-entropy  c = y_j ln a_j + (1 - y_j) ln(1 - a_j)         k(n) = -1/n

A ``Cost`` holds exactly that: its ``term`` c, its ``factor`` k(n), what the
term takes beside a_j (``prepare``: y_j, or y_j and 1 - y_j), and which
outputs it refuses (``check_output``); beside them dC_x/da_j^L written out
(``dC_da``, where the lecture's equation 1 starts) and how people read C and
dC/da (``text``, ``sum_text``, ``term_text``, ``dC_da_text``). Everything in nn
reads a cost from its record, and takes ``cost=`` as a record or its name
(``as_cost``). Calling one builds C from Values, so that ``C.backward()`` works:

>>> from autodiff import Value
>>> C = quadratic_cost([[Value(0.25)], [Value(1.0)]], [[1.0], [1.0]])
>>> C.data                                  # 1/(2*2) * ((1 - 0.25)^2 + 0)
0.140625

The training engines (``nn.training.engines``) read the same definition: the values
engine calls the cost; the replay engine records one example's terms, made by
``term``, and multiplies them by ``factor``. One definition, so the engines
cannot disagree about what C is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from autodiff import Value
from autodiff.validate import excerpt, is_number, plural
from nn.model.activations import Activation, as_activation, sigmoid

Outputs = Sequence[Sequence[Value]]
Targets = Sequence[Sequence[float]]


class Cost:
    """A cost  C = k(n) * sum_i sum_j term(a_j^L(x_i), y_ij), defined once for every engine.

    ``cost(outputs, targets)`` builds C from Values: ``outputs`` holds the n
    output lists a^L(x_i), as ``net(x)`` returns them, ``targets`` the n target
    lists y_i. A cost is a subclass giving ``name``, ``term``, ``factor`` and
    ``dC_da`` and its texts (and ``prepare`` or ``check_output`` when it needs
    them), made once.
    """

    name = ""  # its key in COSTS, such as "quadratic"
    factor_label = "k(n)"  # how a picture names the factor
    # How people read it. ``text``: one example's C in the lecture's notation (the
    # checker's); for the walkthrough, plain-text templates: ``sum_text`` one
    # example's C around the sum of its terms {terms}, ``term_text`` the term c of
    # output node j, and ``dC_da_text`` dC/da_j, both with the slots {a} and {y}.
    text = "C = k(1) Σ_j c(a_j^L, y_j)"
    sum_text = "k(1) * ({terms})"
    term_text = "c({a}, {y})"
    dC_da_text = "dC/d{a}"

    def __init__(self) -> None:
        self.__name__ = f"{self.name}_cost"  # read like a function's name in messages

    # c(a_j, y_j, ...): output node j's share of the sum, before k(n), given a_j and what
    # ``prepare`` makes of y_j. Its arity is the cost's own, so it is typed loosely here.
    term: Callable[..., Value]

    def __call__(self, outputs: Outputs, targets: Targets) -> Value:
        targets = _plain_targets(targets)
        n = _check_batch(outputs, targets)
        terms = [term for i, (a, y) in enumerate(zip(outputs, targets))
                 for term in self.terms(a, y, i)]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        C = total * Value(self.factor(n), label=self.factor_label)
        C.label = "C"
        return C

    def terms(self, a: Sequence[Value], y: Sequence[float], i: int = 0) -> list[Value]:
        """Example i's terms c(a_j, y_j), one per output node j, each y_j and a_j checked first.

        The targets enter as named leaves (y_1, ...), so that a picture of C says
        what they are; the numbers are those a plain float would give.
        """
        terms = []
        for j, (a_j, y_j) in enumerate(zip(a, y)):
            self.check_target(y_j, i, j)
            self.check_output(a_j.data, i, j)
            prepared = [Value(t, label=name) for t, name in
                        zip(self.prepare(y_j), self.target_labels(j))]
            terms.append(self.term(a_j, *prepared))
        return terms

    def factor(self, n: int) -> float:
        """k(n), the number the sum over the n examples' terms is multiplied by."""
        raise NotImplementedError

    def dC_da(self, a_j: float, y_j: float) -> float:
        """dC_x/da_j^L of one example, written out: equation 1's first factor.

        Plain arithmetic, so that it works on floats (the lecture's formulas),
        numpy arrays (a student's backprop) and tensors alike.
        """
        raise NotImplementedError(f"the {self.name or type(self).__name__} cost gives no dC_da: "
                                  "the lecture's formulas need dC_x/da_j^L written out")

    def example_cost(self, a: Sequence[float], y: Sequence[float]) -> float:
        """C_x = k(1) sum_j c(a_j, y_j): the cost of one example, on floats.

        Each term is the cost's own ``term``, worked out through a Value, so it is
        the number the network's graph holds.
        """
        terms = [self.term(Value(a_j), *self.prepare(y_j)).data
                 for a_j, y_j in zip(a, y, strict=True)]
        return self.factor(1) * sum(terms)

    def prepare(self, y_j: float) -> tuple[float, ...]:
        """The numbers ``term`` takes beside a_j: y_j itself, unless a cost needs more.

        Written so that it also works on a Value (y_j as a node, the numbers it gives
        worked out from it), which a live walkthrough page replays when a target changes.
        """
        return (y_j,)

    def target_labels(self, j: int) -> tuple[str, ...]:
        """Names of what ``prepare`` gives for output node j, as pictures show them."""
        return (f"y_{j + 1}",)

    def check_output(self, a_j: float, i: int | None, j: int) -> None:
        """Refuse an output a_j of example i (None: the one example) where the cost is
        undefined (none here)."""

    def check_target(self, y_j: float, i: int, j: int) -> None:
        """Refuse a target y_j of example i that the cost makes no sense of (none here)."""

    def check_output_activation(self, activation: Activation | str) -> None:
        """Refuse an output layer whose sigma gives outputs the cost is undefined for (none here).

        Called before training, so that a network that cannot work with this
        cost is refused at once rather than reported as diverging later.
        """

    def __repr__(self) -> str:
        return f"<cost {self.__name__}>"


class QuadraticCost(Cost):
    """The lecture's quadratic cost  C = 1/(2n) sum_i ||y_i - a(x_i)||^2.

    For one example dC/da_j^L = a_j^L - y_j, the start of the lecture's equation 1.
    """

    name = "quadratic"
    factor_label = "1/(2n)"
    text = "C = 1/2 ||y − a^L||²"
    sum_text = "1/2 * ({terms})"
    term_text = "({y} - {a})^2"
    dC_da_text = "({a} - {y})"

    def term(self, a_j: Value, y_j: float | Value) -> Value:
        """(y_j - a_j)^2: output node j's part of ||y_i - a(x_i)||^2."""
        return (y_j - a_j) ** 2

    def factor(self, n: int) -> float:
        """1/(2n): the mean over n examples, halved so that the square's 2 cancels in dC/da."""
        return 1.0 / (2 * n)

    def dC_da(self, a_j: float, y_j: float) -> float:
        """dC_x/da_j^L = a_j^L - y_j: the 2 of the square cancels the 1/2."""
        return a_j - y_j


class CrossEntropyCost(Cost):
    """Cross-entropy for sigmoid outputs  C = -1/n sum_i sum_j [y ln a + (1 - y) ln(1 - a)].

    With a sigmoid output layer dC/dz_j^L = a_j^L - y_j: the sigma'(z) factor of
    the quadratic cost cancels, so learning does not slow down when a neuron
    saturates. Needs 0 < a < 1; an output that saturated to exactly 0 or 1
    raises ValueError.
    """

    name = "cross_entropy"
    factor_label = "\u22121/n"
    text = "C = −Σ_j [y_j ln a_j^L + (1 − y_j) ln(1 − a_j^L)]"
    sum_text = "-({terms})"
    term_text = "{y} * ln({a}) + (1 - {y}) * ln(1 - {a})"
    dC_da_text = "(-{y}/{a} + (1 - {y})/(1 - {a}))"

    def term(self, a_j: Value, y_j: float | Value, one_minus_y_j: float | Value) -> Value:
        """y_j ln a_j + (1 - y_j) ln(1 - a_j)."""
        return y_j * a_j.log() + one_minus_y_j * (1.0 - a_j).log()

    def factor(self, n: int) -> float:
        """-1/n: the mean over n examples, negated, since ln of a number below 1 is negative."""
        return -1.0 / n

    def dC_da(self, a_j: float, y_j: float) -> float:
        """dC_x/da_j^L = -[y_j / a_j - (1 - y_j) / (1 - a_j)]."""
        return -(y_j / a_j - (1.0 - y_j) / (1.0 - a_j))

    def prepare(self, y_j: float) -> tuple[float, float]:
        """y_j and 1 - y_j: a target is a number, so 1 - y_j is one too, not a node of the graph.

        (Worked out on a Python float, so that a numpy float32 target gives the
        1 - y_j a Python float target gives; on a Value, as a node, so that a live
        page can work it out again from a target the reader changes.)
        """
        return y_j, 1.0 - (y_j if isinstance(y_j, Value) else float(y_j))

    def target_labels(self, j: int) -> tuple[str, str]:
        return f"y_{j + 1}", f"1 \u2212 y_{j + 1}"

    def check_output(self, a_j: float, i: int | None, j: int) -> None:
        """ln a and ln(1 - a) need 0 < a < 1."""
        if not 0.0 < a_j < 1.0:
            example = "" if i is None else f" for example {i + 1}"
            raise ValueError(
                f"cross-entropy needs outputs strictly between 0 and 1, got a_{j + 1} = "
                f"{a_j!r}{example}: use a sigmoid output layer, or smaller "
                "weights or eta if the sigmoid saturated"
            )

    def check_target(self, y_j: float, i: int, j: int) -> None:
        """y_j is the probability of a 1, so 0 <= y_j <= 1: outside, C could be negative."""
        if not 0.0 <= y_j <= 1.0:
            raise ValueError(
                f"cross-entropy needs targets between 0 and 1, got y_{j + 1} = {excerpt(y_j)} "
                f"for example {i + 1}: classes as 0 and 1 (one-hot for several), or the "
                "quadratic cost for other targets"
            )

    def check_output_activation(self, activation: Activation | str) -> None:
        """Only a sigmoid output layer gives 0 < a < 1, which ln a and ln(1 - a) need."""
        activation = as_activation(activation)
        if activation is not sigmoid:
            raise ValueError(
                f"cross-entropy needs outputs strictly between 0 and 1, which a {activation.name} "
                "output layer does not give: use output_activation='sigmoid', or the "
                "quadratic cost"
            )


quadratic_cost = QuadraticCost()
cross_entropy_cost = CrossEntropyCost()

COSTS: dict[str, Cost] = {cost.name: cost for cost in (quadratic_cost, cross_entropy_cost)}


def _plain_targets(targets: Any) -> Targets:
    """The targets as lists, from a 2-D array or a list of 1-D arrays as well as lists."""
    if hasattr(targets, "ndim") and hasattr(targets, "tolist"):
        if targets.ndim != 2:
            raise ValueError(
                f"targets must be n lists of targets, one per example, got an array of shape "
                f"{tuple(targets.shape)}: for one example y, write [y]"
            )
        return cast(Targets, targets.tolist())
    if isinstance(targets, Sequence) and not isinstance(targets, (str, bytes)):
        return [y.tolist() if hasattr(y, "ndim") and hasattr(y, "tolist") and y.ndim == 1
                else y for y in targets]
    return cast(Targets, targets)  # (not a list: _check_batch says what it is)


def _check_batch(outputs: Outputs, targets: Targets) -> int:
    """Check that outputs and targets are n >= 1 matching lists of lists; return n."""
    if not isinstance(outputs, Sequence) or not isinstance(targets, Sequence):
        raise TypeError("outputs and targets must be lists of n lists (one per example)")
    if len(outputs) != len(targets):
        raise ValueError(
            f"outputs and targets must have one entry per example: "
            f"got {plural(len(outputs), 'output')} and {plural(len(targets), 'target')}"
        )
    if not outputs:
        raise ValueError("the cost of an empty batch is undefined: got 0 examples")
    for i, (a, y) in enumerate(zip(outputs, targets)):
        if isinstance(a, Value) or not isinstance(a, Sequence):
            raise TypeError(
                f"outputs must be a list of output lists (one per example, as net(x) returns); "
                f"example {i + 1} is {type(a).__name__}"
            )
        if not isinstance(y, Sequence):
            hint = f": write [{excerpt(y)}]" if is_number(y) else ""
            raise TypeError(f"targets must be a list of target lists; example {i + 1} is "
                            f"{type(y).__name__} {excerpt(y)}{hint}")
        if len(a) != len(y):
            raise ValueError(
                f"example {i + 1}: the network gives {plural(len(a), 'output')} but the target "
                f"has {plural(len(y), 'entry', 'entries')}"
            )
        for j, (a_j, y_j) in enumerate(zip(a, y)):
            if not isinstance(a_j, Value):
                raise TypeError(
                    f"output {j + 1} of example {i + 1} must be a Value, got {excerpt(a_j)}")
            if not is_number(y_j):
                raise TypeError(
                    f"target {j + 1} of example {i + 1} must be a number, got {excerpt(y_j)}")
    return len(outputs)


def as_cost(cost: Cost | str) -> Cost:
    """The cost record ``cost`` stands for: a ``Cost`` as it is, or the one of that name.

    Every ``cost=`` of nn is read by this: ``nn.quadratic_cost``, another
    ``nn.Cost``, or a name, "quadratic" or "cross_entropy".
    """
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, str) and cost in COSTS:
        return COSTS[cost]
    found = cost if isinstance(cost, str) else getattr(cost, "__name__", type(cost).__name__)
    raise ValueError(
        f"unknown cost {found!r}: expected an nn.Cost (nn.quadratic_cost, nn.cross_entropy_cost) "
        f"or the name of one: {', '.join(COSTS)}"
    )


def cost_or_function(cost: Cost | str | Callable[..., Value]) -> Cost | Callable[..., Value]:
    """``as_cost`` of a name, anything else as it is: for ``train``, ``evaluate`` and the
    pictures, which also take a function of Values building C (and check it themselves)."""
    return as_cost(cost) if isinstance(cost, str) else cost
