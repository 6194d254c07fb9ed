"""autodiff.replay: a recorded graph replayed on new numbers, against building it with Value.

The reference is always the plain path: the same code run on fresh Values with
the new numbers, then ``backward()``. Replay must give the same floats bit for
bit (compared as their 8 bytes, so even 0.0 against -0.0 counts), on random
expressions over every operation and on random networks with every activation;
and where the plain path raises, replay must raise the same kind of error.
"""

import math
import struct
from contextlib import contextmanager

import pytest
from conftest import table_operations
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autodiff import Value, codegen, record
from autodiff.replay.tape import Tape

ENGINE_ERRORS = (OverflowError, ValueError, ZeroDivisionError)


def bits(xs):
    """The exact bytes of each float: equal only if the floats are identical."""
    return [struct.pack("<d", x) for x in xs]


def plain(build, inputs, params, param_grads=None):
    """Build on fresh leaves, backward from the first output.

    The params' grads start at ``param_grads`` if given (backward adds into them).
    Returns (outputs, input grads, param grads).
    """
    xs = [Value(x) for x in inputs]
    ps = [Value(p) for p in params]
    for p, g in zip(ps, param_grads or []):
        p.grad = g
    outs = build(xs, ps)
    outs[0].backward()
    return [o.data for o in outs], [x.grad for x in xs], [p.grad for p in ps]


def recorded(build, inputs, params) -> Tape:
    xs = [Value(x) for x in inputs]
    ps = [Value(p) for p in params]
    return record(build(xs, ps), inputs=xs, params=ps)


def assert_identical(result, expected):
    outputs, input_grads, param_grads = expected
    assert bits(result.outputs) == bits(outputs)
    assert bits(result.input_grads) == bits(input_grads)
    assert bits(result.param_grads) == bits(param_grads)


# ----------------------------------------------------------------------
# Random expressions over every operation (hypothesis)
# ----------------------------------------------------------------------

# Each instruction appends a node made from two earlier ones, written the way a
# user writes it: number operands (lifted to constant leaves) included.
UNARY_OPS = {
    **table_operations(1),  # every operation of the op table
    "+ number": lambda a: a + 0.75,
    "number -": lambda a: 2.0 - a,
    "number *": lambda a: -1.5 * a,
    "number /": lambda a: 3.0 / a,
    "number **": lambda a: 1.5**a,
}
BINARY_OPS = table_operations(2)
OPS = sorted(UNARY_OPS) + sorted(BINARY_OPS)

instructions = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=30,
)
numbers = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
four_numbers = st.lists(numbers, min_size=4, max_size=4)
two_numbers = st.lists(numbers, min_size=2, max_size=2)


def program(code):
    """A build function running the instructions over 2 inputs, 2 params and a constant."""

    def build(xs, ps):
        nodes = [*xs, *ps, Value(0.7)]
        for op, i, j in code:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(UNARY_OPS[op](a) if op in UNARY_OPS else BINARY_OPS[op](a, b))
        # The last node is the cost; every other node made is an output too, so
        # that the tape holds every operation the plain path performs.
        return [nodes[-1], *nodes[5:-1]]

    return build


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instructions, four_numbers, four_numbers, st.none() | two_numbers)
def test_random_expressions_replay_bit_for_bit(code, at_record, at_replay, start):
    build = program(code)
    try:
        tape = recorded(build, at_record[:2], at_record[2:])
    except ENGINE_ERRORS:
        assume(False)  # nothing to record: the plain path fails on these numbers
    try:
        expected = plain(build, at_replay[:2], at_replay[2:], start)
    except ENGINE_ERRORS:
        # When several operations fail, which one the plain path meets first
        # depends on the order the code made them; replay goes by the recorded
        # order. Either way it must refuse with one of the engine's errors.
        with pytest.raises(ENGINE_ERRORS):
            tape(at_replay[:2], at_replay[2:], start)
        return
    assert_identical(tape(at_replay[:2], at_replay[2:], start), expected)
    # The generated code on its own, without the rebuild safety net:
    outputs, input_grads, param_grads, _ = tape._run(
        at_replay[:2], at_replay[2:], start or [0.0, 0.0]
    )
    assert bits(outputs) == bits(expected[0])
    assert bits(input_grads) == bits(expected[1])
    assert bits(param_grads) == bits(expected[2])


# ----------------------------------------------------------------------
# Random networks with every activation and the ops of several costs
# ----------------------------------------------------------------------

ACTIVATIONS = {
    "relu": lambda z: z.relu(),
    "tanh": lambda z: z.tanh(),
    "sigmoid": lambda z: z.sigmoid(),
    "linear": lambda z: z,
}


def cost_terms(kind, a, y):
    """One example's error for several costs, between them using every operation."""
    if kind == "quadratic":
        return (y - a) ** 2
    if kind == "cross_entropy":  # on sigma(a): log
        s = a.sigmoid()
        return -(y * s.log() + (1.0 - y) * (1.0 - s).log())
    if kind == "softplus":  # log(1 + e^(a - y)): exp and log
        return (1.0 + (a - y).exp()).log()
    if kind == "ratio":  # division and a Value exponent
        return (a - y) ** 2 / (1.0 + a * a) + (1.0 + a * a) ** (0.5 * y)
    raise AssertionError(kind)


def network(sizes, activations, batch, kind):
    """A build function: an MLP over ``batch`` examples; inputs are x's then y's."""
    n_in, n_out = sizes[0], sizes[-1]

    def build(inputs, params):
        xs = [inputs[i * n_in : (i + 1) * n_in] for i in range(batch)]
        y_all = inputs[batch * n_in :]
        ys = [y_all[i * n_out : (i + 1) * n_out] for i in range(batch)]
        it = iter(params)
        layers = [
            [([next(it) for _ in range(m)], next(it)) for _ in range(n)]
            for m, n in zip(sizes, sizes[1:])
        ]
        C = None
        for x, y in zip(xs, ys):
            a = x
            for layer, act in zip(layers, activations):
                zs = []
                for w, b in layer:
                    z = w[0] * a[0]
                    for w_k, a_k in zip(w[1:], a[1:]):
                        z = z + w_k * a_k
                    zs.append(z + b)
                a = [ACTIVATIONS[act](z) for z in zs]
            for a_j, y_j in zip(a, y):
                term = cost_terms(kind, a_j, y_j)
                C = term if C is None else C + term
        return [C * (1.0 / (2 * batch)), *a]

    n_params = sum((m + 1) * n for m, n in zip(sizes, sizes[1:]))
    return build, batch * (n_in + n_out), n_params


def random_numbers(draw, n, low=-2.0, high=2.0):
    return draw(st.lists(st.floats(low, high), min_size=n, max_size=n))


@st.composite
def networks(draw):
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    n_layers = len(sizes) - 1
    activations = draw(
        st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=n_layers, max_size=n_layers)
    )
    batch = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["quadratic", "cross_entropy", "softplus", "ratio"]))
    build, n_inputs, n_params = network(sizes, activations, batch, kind)
    # y in [0, 1] keeps the costs' domains; x and the weights anywhere in [-2, 2]
    numbers = []
    for _ in range(2):  # once to record, once to replay
        xs = random_numbers(draw, batch * sizes[0])
        ys = random_numbers(draw, batch * sizes[-1], 0.0, 1.0)
        numbers.append((xs + ys, random_numbers(draw, n_params)))
    return build, numbers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_replay_bit_for_bit(case):
    build, [(x0, w0), (x1, w1)] = case
    tape = recorded(build, x0, w0)
    expected = plain(build, x1, w1)
    assert_identical(tape(x1, w1), expected)
    assert tape.rebuilds == 0  # the generated code did it, not the safety net


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.none() | st.floats(-1.0, 1.0))
def test_a_tape_of_the_params_grads_alone_gives_them_bit_for_bit(case, start):
    build, [(x0, w0), (x1, w1)] = case
    xs, ps = [Value(v) for v in x0], [Value(w) for w in w0]
    outputs = build(xs, ps)
    tape = record(outputs, inputs=xs, params=ps, input_grads=False)
    starts = None if start is None else [start] * len(w1)
    expected = plain(build, x1, w1, starts)
    r = tape(x1, w1, starts)
    assert bits(r.outputs) == bits(expected[0]) and bits(r.param_grads) == bits(expected[2])
    assert r.input_grads == [] and tape.rebuilds == 0
    # the derivatives that lead to inputs alone are left out
    full = record(outputs, inputs=xs, params=ps)
    assert tape.source.count(" * ") < full.source.count(" * ")


def test_a_tape_of_the_params_grads_alone_never_computes_an_inputs_grad():
    x, w, y = Value(0.0), Value(1e300), Value(1e10)
    C = (w * x + y) * y  # dC/dx = w y = 1e310, beyond the largest float; dC/dw = x y = 0
    tape = record(C, inputs=[x, y], params=[w], input_grads=False)
    with pytest.raises(OverflowError, match="gradient"):
        C.backward()  # the values engine refuses the inf of x's grad
    r = tape([0.0, 1e10], [1e300])
    assert r.outputs == [1e20] and r.param_grads == [0.0] and r.input_grads == []


@contextmanager
def pieces_of(lines: int):
    """Record tapes whose code is cut into pieces of about ``lines`` statements."""
    saved = codegen.PIECE_LINES
    codegen.PIECE_LINES = lines
    try:
        yield
    finally:
        codegen.PIECE_LINES = saved


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.integers(1, 6))
def test_networks_compiled_in_pieces_replay_bit_for_bit(case, lines):
    build, [(x0, w0), (x1, w1)] = case
    with pieces_of(lines):
        tape = recorded(build, x0, w0)
    assert tape.n_nodes < 2 * lines or "def replay_2(" in tape.source
    assert_identical(tape(x1, w1), plain(build, x1, w1))
    assert tape.rebuilds == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instructions, four_numbers, four_numbers, st.none() | two_numbers, st.integers(1, 4),
       st.booleans())
def test_expressions_compiled_in_pieces_replay_bit_for_bit(code, at_record, at_replay, start,
                                                             lines, backward):
    build = program(code)
    with pieces_of(lines):
        try:
            xs, ps = [Value(v) for v in at_record[:2]], [Value(v) for v in at_record[2:]]
            tape = record(build(xs, ps), inputs=xs, params=ps, backward=backward)
        except ENGINE_ERRORS:
            assume(False)
    try:
        if backward:
            expected = plain(build, at_replay[:2], at_replay[2:], start)
        else:
            outs = build([Value(v) for v in at_replay[:2]], [Value(v) for v in at_replay[2:]])
            expected = [v.data for v in outs], [], []
    except ENGINE_ERRORS:
        with pytest.raises(ENGINE_ERRORS):
            tape(at_replay[:2], at_replay[2:], start if backward else None)
        return
    assert_identical(tape(at_replay[:2], at_replay[2:], start if backward else None), expected)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("kind", ["quadratic", "cross_entropy", "softplus", "ratio"])
def test_every_activation_and_cost_over_many_replays(activation, kind):
    """One tape, replayed on ten different sets of numbers, as training does."""
    import random

    rng = random.Random(f"{activation}{kind}")
    build, n_inputs, n_params = network([3, 4, 2], [activation, activation], 4, kind)

    def draw():
        xs = [rng.uniform(-2, 2) for _ in range(4 * 3)] + [rng.random() for _ in range(4 * 2)]
        return xs, [rng.gauss(0, 1) for _ in range(n_params)]

    tape = recorded(build, *draw())
    for _ in range(10):
        x, w = draw()
        assert_identical(tape(x, w), plain(build, x, w))
    assert tape.rebuilds == 0


def test_relu_branch_is_taken_anew_at_each_replay():
    def build(xs, ps):
        return [(xs[0] * ps[0]).relu() * 3.0]

    tape = recorded(build, [1.0], [1.0])  # recorded on the live branch
    for x in (2.0, -2.0, 0.0, -0.0):
        assert_identical(tape([x], [1.5]), plain(build, [x], [1.5]))
    assert tape([-2.0], [1.5]).param_grads == [0.0]


def test_sigmoid_branches_and_signed_zeros():
    """Both sigmoid branches, and gradients that are -0.0 in one order and 0.0 in another."""

    def build(xs, ps):
        s = (xs[0] * ps[0]).sigmoid()
        r = (xs[1] * ps[1]).relu()
        return [s * r + r * ps[0] - r]

    tape = recorded(build, [1.0, 1.0], [0.5, 0.5])
    for x in ([3.0, -1.0], [-3.0, -1.0], [40.0, 0.0], [-800.0, 2.0]):
        assert_identical(tape(x, [0.5, -0.25]), plain(build, x, [0.5, -0.25]))


def test_shared_nodes_and_squares_accumulate_in_order():
    def build(xs, ps):
        u = xs[0] * ps[0]
        v = u * u + u / ps[1] - u.tanh()
        return [v * v + (v * v + 1.0) ** ps[1]]

    tape = recorded(build, [0.3], [0.7, 1.3])
    for x, p in ([0.1, [0.2, 2.5]], [1.7, [-0.4, 0.9]]):
        assert_identical(tape([x], p), plain(build, [x], p))


def test_outputs_leaves_and_unused_designated_leaves():
    x, y, unused = Value(2.0), Value(3.0), Value(5.0)
    tape = record(x, inputs=[x, unused], params=[y])  # the cost is a leaf itself
    r = tape([4.0, 1.0], [9.0])
    assert r.outputs == [4.0]
    assert r.input_grads == [1.0, 0.0]
    assert r.param_grads == [0.0]


def test_second_output_may_need_nodes_the_first_does_not():
    x, w = Value(1.0), Value(2.0)
    C = x * w
    other = (w * 3.0).exp()
    tape = record([C, other], inputs=[x], params=[w])
    r = tape([0.5], [0.25])
    assert bits(r.outputs) == bits([0.5 * 0.25, math.exp(0.25 * 3.0)])
    assert r.param_grads == [0.5] and r.input_grads == [0.25]


def test_inputs_may_be_ints_or_any_real_number():
    x, w = Value(1.0), Value(2.0)
    tape = record(x * w + 1.0, inputs=[x], params=[w])
    assert tape((3,), [2]).outputs == [7.0]


def test_source_is_readable_python():
    x, w = Value(1.0), Value(2.0)
    tape = record((w * x).relu(), inputs=[x], params=[w])
    assert tape.source.startswith("def replay(inputs, params, param_grads):")
    assert "if" in tape.source and "> 0.0" in tape.source


def test_accumulate_is_backward_on_each_graph_without_zeroing():
    """Gradient accumulation: one tape, several examples, the params' grads adding up."""
    build, n_inputs, n_params = network([2, 3, 1], ["tanh", "sigmoid"], 1, "quadratic")
    rng = __import__("random").Random(1)
    examples = [[rng.uniform(-2, 2) for _ in range(n_inputs)] for _ in range(5)]
    weights = [rng.gauss(0, 1) for _ in range(n_params)]
    xs = [Value(v) for v in examples[0]]
    ps = [Value(w) for w in weights]
    tape = record(build(xs, ps), inputs=xs, params=ps)
    outputs, grads = tape.accumulate(examples, weights)

    ps = [Value(w) for w in weights]  # the plain way: one graph per example, same leaves
    expected_outputs = []
    for example in examples:
        outs = build([Value(v) for v in example], ps)
        outs[0].backward()
        expected_outputs.append(bits(o.data for o in outs))
    assert [bits(o) for o in outputs] == expected_outputs
    assert bits(grads) == bits(p.grad for p in ps)
    assert tape.rebuilds == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instructions, four_numbers, four_numbers)
def test_forward_only_tapes_compute_the_outputs(code, at_record, at_replay):
    build = program(code)
    try:
        xs, ps = [Value(v) for v in at_record[:2]], [Value(v) for v in at_record[2:]]
        tape = record(build(xs, ps), inputs=xs, params=ps, backward=False)
    except ENGINE_ERRORS:
        assume(False)
    try:  # the plain path without backward(): only the forward pass can fail
        expected = [v.data for v in build([Value(v) for v in at_replay[:2]],
                                          [Value(v) for v in at_replay[2:]])]
    except ENGINE_ERRORS:
        with pytest.raises(ENGINE_ERRORS):
            tape(at_replay[:2], at_replay[2:])
        return
    r = tape(at_replay[:2], at_replay[2:])
    assert bits(r.outputs) == bits(expected)
    assert r.input_grads == [] and r.param_grads == []
    assert "backward" not in tape.source


def test_param_grads_must_fit():
    x, w = Value(1.0), Value(2.0)
    tape = record(x * w, inputs=[x], params=[w])
    with pytest.raises(ValueError, match="recorded with 1 param_grad, got 2"):
        tape([1.0], [1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"param_grads\[0\] must be a finite number"):
        tape([1.0], [1.0], [math.inf])
    assert tape([3.0], [1.0], [0.5]).param_grads == [3.5]


def test_the_cost_may_be_a_param_itself():
    w = Value(2.0)
    tape = record(w, params=[w])
    assert tape([], [5.0], [0.25]) == ([5.0], [], [1.25])


# ----------------------------------------------------------------------
# What replay cannot see: a Python `if` on data (documented, not detected)
# ----------------------------------------------------------------------


def test_python_if_on_data_is_frozen_at_record_time():
    def build(xs, ps):  # |x| by a Python branch: not an operation of the graph
        x = xs[0]
        return [x * ps[0] if x.data > 0 else -x * ps[0]]

    tape = recorded(build, [2.0], [1.0])
    assert tape([-3.0], [1.0]).outputs == [-3.0]  # the recorded branch, x, not |x|
    assert plain(build, [-3.0], [1.0])[0] == [3.0]


# ----------------------------------------------------------------------
# Refusals: at record time, and at replay time the plain path's errors
# ----------------------------------------------------------------------


def test_wrong_number_of_inputs_or_params():
    x, w = Value(1.0), Value(2.0)
    tape = record(x * w, inputs=[x], params=[w])
    with pytest.raises(ValueError, match="recorded with 1 input, got 2"):
        tape([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="recorded with 1 param, got 0"):
        tape([1.0], [])
    with pytest.raises(TypeError, match="inputs must be a list of numbers, got float"):
        tape(1.0, [1.0])


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (math.nan, ValueError, r"params\[0\] must be a finite number, got nan"),
        (math.inf, ValueError, r"params\[0\] must be a finite number, got inf"),
        ("1.0", TypeError, r"params\[0\] must be a (real )?number, got str"),
        (True, TypeError, r"params\[0\] must be a (real )?number, got bool"),
        (None, TypeError, r"params\[0\] must be a (real )?number, got NoneType"),
    ],
)
def test_bad_numbers(bad, error, message):
    x, w = Value(1.0), Value(2.0)
    tape = record(x * w, inputs=[x], params=[w])
    with pytest.raises(error, match=message):
        tape([1.0], [bad])


def test_record_refuses_what_it_cannot_replay():
    x, w = Value(1.0), Value(2.0)
    y = x * w
    with pytest.raises(ValueError, match=r"inputs\[0\] must be a leaf Value .* result of '\*'"):
        record(y + 1.0, inputs=[y])
    with pytest.raises(ValueError, match=r"params\[0\] is the same Value as inputs\[0\]"):
        record(y, inputs=[x], params=[x])
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value, got float"):
        record(y, params=[w, 2.0])
    with pytest.raises(TypeError, match=r"outputs\[1\] must be a Value"):
        record([y, 3.0])
    with pytest.raises(ValueError, match="at least one output"):
        record([])


def test_record_refuses_an_unknown_operation():
    x = Value(1.0)
    y = x.exp()
    y.op = "erf"  # an operation a future Value might have
    with pytest.raises(ValueError, match=r"does not know the operation 'erf'"):
        record(y * 2.0, inputs=[x])


def raises_like_plain(build, at_record, at_replay):
    """Replay must raise what the plain path raises: same type, same message."""
    tape = recorded(build, *at_record)
    with pytest.raises(ENGINE_ERRORS) as plain_error:
        plain(build, *at_replay)
    with pytest.raises(type(plain_error.value)) as replay_error:
        tape(*at_replay)
    assert str(replay_error.value) == str(plain_error.value)
    return tape


@pytest.mark.parametrize(
    "name, build, at_replay",
    [
        ("log of a negative number", lambda xs, ps: [(xs[0] * ps[0]).log()], ([-1.0], [1.0])),
        ("division by zero", lambda xs, ps: [ps[0] / xs[0]], ([0.0], [1.0])),
        ("exp overflows", lambda xs, ps: [(xs[0] * ps[0]).exp()], ([800.0], [1.0])),
        ("product overflows", lambda xs, ps: [xs[0] * ps[0] + 1.0], ([1e200], [1e200])),
        # an inf that relu would hide: -(inf) is -inf, relu(-inf) is 0
        ("hidden overflow", lambda xs, ps: [(-(xs[0] * ps[0])).relu()], ([1e200], [1e200])),
        ("hidden by a sigmoid", lambda xs, ps: [(xs[0] * ps[0]).sigmoid()], ([1e200], [1e200])),
        ("hidden by division", lambda xs, ps: [ps[0] / (xs[0] * xs[0])], ([1e200], [1.0])),
        # inf ** 0 is 1 and inf ** -1 is 0: a number power can hide an inf too
        ("hidden by a zero power", lambda xs, ps: [(xs[0] * ps[0]) ** 0], ([1e200], [1e200])),
        ("hidden by a negative power", lambda xs, ps: [(xs[0] * ps[0]) ** -1], ([1e200], [1e200])),
        (
            "negative base, fractional power",
            lambda xs, ps: [(xs[0] + ps[0]) ** 0.5],
            ([-3.0], [1.0]),
        ),
        ("zero to a negative power", lambda xs, ps: [(xs[0] * ps[0]) ** -1], ([0.0], [1.0])),
        ("negative base, Value power", lambda xs, ps: [xs[0] ** ps[0]], ([-2.0], [2.0])),
        ("zero to a zero Value power", lambda xs, ps: [xs[0] ** ps[0]], ([0.0], [0.0])),
        # finite forward pass, infinite gradient: d/dx log x = 1/x at a subnormal x
        ("gradient overflows", lambda xs, ps: [(xs[0] * ps[0]).log()], ([5e-324], [1.0])),
        (
            "gradient sum overflows",
            lambda xs, ps: [xs[0] * ps[0] + xs[0] * ps[0]],
            ([1e-300], [1.7e308]),
        ),
    ],
)
def test_replay_raises_the_plain_error(name, build, at_replay):
    tape = raises_like_plain(build, ([1.0], [1.0]), at_replay)
    assert tape.rebuilds == 1
    assert_identical(tape([1.0], [1.0]), plain(build, [1.0], [1.0]))  # and recovers


def test_zero_to_a_value_power_is_fine_without_a_rebuild():
    def build(xs, ps):
        return [xs[0] ** ps[0]]

    tape = recorded(build, [2.0], [3.0])
    assert_identical(tape([0.0], [2.0]), plain(build, [0.0], [2.0]))
    assert_identical(tape([0.0], [2.0], [0.75]), plain(build, [0.0], [2.0], [0.75]))
    # the generated code is the rule itself, its case x = 0 included (it used to
    # be left to the Value rebuild: two rebuilds here)
    assert tape.rebuilds == 0
