"""autodiff.replay.codegen: the generated code, and each of its two passes on its own.

The passes change how the code reads, never a number (the bit-for-bit tests of
replay in test_tape.py check that); here each pass is checked to do what its
docstring says on programs small enough to read.
"""

import re
from pathlib import Path

from autodiff import Value, record
from autodiff.ops import ADD, EXP, MUL, RELU, SUB
from autodiff.replay.codegen import (
    LIST_CHUNK,
    MAX_DEPTH,
    NAMESPACE,
    SUM_TERMS,
    Constant,
    Operation,
    Program,
    Slot,
    add_into,
    contribution,
    functions,
    generate,
    inlined,
    summed,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "replay.md"


def program(lines, outputs, backward=True):
    slots = {"inputs": [], "params": []}
    for i, line in enumerate(lines):
        if isinstance(line, Slot):
            slots[line.kind].append(i)
    n_backward = max(outputs) + 1 if backward else 0
    return Program(lines, outputs, n_backward, slots, backward)


# x, w, b: three slots; then w * x, then (w * x) + b
LINES = [Slot("inputs", 0), Slot("params", 0), Slot("params", 1),
         Operation(MUL, 1, 0), Operation(ADD, 3, 2)]


def test_a_product_used_once_by_a_sum_is_inlined():
    assert inlined(program(LINES, [4])) == {3}
    assert "v4 = (v1 * v0) + v2" in generate(program(LINES, [4]))


def test_nothing_is_inlined_that_is_used_twice_or_is_an_output():
    twice = [*LINES, Operation(ADD, 3, 4)]  # w * x used by two sums
    assert 3 not in inlined(program(twice, [5]))
    assert inlined(program(LINES, [4, 3])) == set()  # the product is an output too


def test_nothing_is_inlined_into_an_operation_that_reads_its_operands():
    # a product's local derivatives are its operands: it needs them named
    into_product = [*LINES[:4], Operation(MUL, 3, 2)]
    assert inlined(program(into_product, [4])) == set()
    # relu may hide an inf in its operand, which must stay watched
    into_relu = [*LINES, Operation(RELU, 4)]
    assert 4 not in inlined(program(into_relu, [5]))
    # exp's local derivative is its own result: it is never inlined anywhere
    exp_into_sum = [Slot("inputs", 0), Operation(EXP, 0), Operation(ADD, 1, 0)]
    assert inlined(program(exp_into_sum, [2])) == set()


def test_inlined_expressions_stay_shallow():
    lines = [Slot("inputs", 0), Constant(1.0)]
    for _ in range(3 * MAX_DEPTH):  # ((x + 1) + 1) + ... : each sum used once, by a sum
        lines.append(Operation(ADD, len(lines) - 1, 1))
    inline = inlined(program(lines, [len(lines) - 1]))
    assert len(inline) < 3 * MAX_DEPTH - 1
    source = generate(program(lines, [len(lines) - 1]))
    assert max(line.count("(") for line in source.splitlines()) < MAX_DEPTH
    compile(source, "<test>", "exec")


def test_contribution_leaves_out_exact_multiplications():
    assert contribution("1.0", "g7") == "g7"
    assert contribution("-1.0", "g7") == "-g7"
    assert contribution("da3", "g7") == "da3 * g7"
    assert contribution("v2", "g7") == "v2 * g7"


def test_a_grad_with_one_contribution_takes_the_users_name():
    grads, pending = {}, [1, 0, 0]
    assert add_into(0, "g5", "g5", grads, pending, {}) == []
    assert grads[0] == "g5"


def test_a_grad_with_several_contributions_adds_them_in_order():
    grads, pending = {}, [2]
    first = add_into(0, "g5", "g5", grads, pending, {})
    second = add_into(0, "da6 * g6", "g6", grads, pending, {})
    assert first == ["    g0 = g5"] and second == ["    g0 += da6 * g6"]
    grads, pending = {}, [2]
    assert add_into(0, "-g5", "g5", grads, pending, {}) == ["    g0 = 0.0 - g5"]
    assert add_into(0, "-g4", "g4", grads, pending, {}) == ["    g0 -= g4"]


def test_a_params_grad_starts_where_backward_finds_it():
    grads, pending = {}, [1]
    assert add_into(0, "g5", "g5", grads, pending, {0: "h0"}) == ["    g0 = h0 + g5"]


def test_each_grads_contributions_are_added_up_in_one_statement_in_order():
    code = ["    g0 = 0.0 + da6 * g6", "    g1 = h0 + g6", "    g0 += v2 * g5", "    g0 -= g4"]
    assert summed(code) == ["    g1 = h0 + g6", "    g0 = 0.0 + da6 * g6 + v2 * g5 - g4"]


def test_a_long_sum_goes_on_in_the_next_statement_and_gives_the_floats_of_backward():
    # x * w_1 + ... + x * w_n: x has n contributions, more than one statement adds up
    n = 2 * SUM_TERMS + 5
    x = Value(0.3)
    ws = [Value((-1.0) ** i * (1.0 + i / 7)) for i in range(n)]
    y = ws[0] * x
    for w in ws[1:]:
        y = y + (w * x).exp()  # exp: each product has a variable, and x many users
    tape = record(y, inputs=[x], params=ws)
    g_x = f"g{tape.program.slots['inputs'][0]}"
    grad_of_x = [line for line in tape.source.splitlines() if line.startswith(f"    {g_x} =")]
    assert len(grad_of_x) == -(-n // SUM_TERMS)
    assert all(line.count(" * ") <= SUM_TERMS for line in grad_of_x)
    y.backward()
    r = tape([x.data], [w.data for w in ws])
    assert [r.outputs, r.input_grads, r.param_grads] == [[y.data], [x.grad],
                                                         [w.grad for w in ws]]
    assert r.input_grads[0].hex() == x.grad.hex()


def test_the_sum_passes_its_gradient_on_by_name():
    # ((w * x) + b) - x: the difference passes its grad (1.0) to the sum, the
    # sum to the product, each by name: neither gets a variable of its own
    source = generate(program([*LINES, Operation(SUB, 4, 0)], [5]))
    assert "g4 = " not in source and "g3 = " not in source
    assert "g1 = h0 + v0 * 1.0" in source and "g2 = h1 + 1.0" in source


def test_the_example_in_the_docs_is_what_generate_writes():
    x, y, w, b = Value(1.0), Value(2.0), Value(0.5), Value(0.1)
    C = (y - (w * x + b).relu()) ** 2
    source = record(C, inputs=[x, y], params=[w, b]).source
    text = DOC.read_text(encoding="utf-8")
    shown = re.search(r"```python\n(def replay.*?)```", text, re.S).group(1)
    assert source == shown


# ----------------------------------------------------------------------
# A long program: pieces, and long lists a chunk at a time
# ----------------------------------------------------------------------


def compiled(sources):
    """The replay function of these sources, each compiled on its own, as the tape does."""
    namespace = dict(NAMESPACE)
    for source in sources:
        exec(compile(source, "<test>", "exec"), namespace)
    return namespace["replay"]


def neuron_program(m: int):
    """The program of (y - relu(w . x + b))^2 for one neuron of m inputs, and its numbers."""
    xs = [Value((k % 7 - 3) / 4) for k in range(m)]
    y = Value(0.5)
    ws = [Value(x.data / 8 + 0.01) for x in xs]  # z = w . x + b > 0: relu passes the gradient
    b = Value(0.2)
    z = ws[0] * xs[0]
    for w_k, x_k in zip(ws[1:], xs[1:]):
        z = z + w_k * x_k
    C = (y - (z + b).relu()) ** 2
    tape = record(C, inputs=[*xs, y], params=[*ws, b])
    numbers = ([x.data for x in xs] + [y.data], [w.data for w in ws] + [b.data])
    return tape.program, numbers


def test_a_long_program_in_pieces_computes_the_same_floats():
    prog, (inputs, params) = neuron_program(30)
    whole = functions(prog, piece_lines=10**6)
    pieces = functions(prog, piece_lines=4)
    assert len(whole) == 1 and len(pieces) > 5
    assert [source.split("(")[0] for source in pieces[-2:]] == ["def replay_" + str(len(pieces)
                                                                - 1), "def replay"]
    starts = [0.25] * len(params)
    expected = compiled(whole)(inputs, params, starts)
    result = compiled(pieces)(inputs, params, starts)
    assert [list(map(repr, r)) for r in result] == [list(map(repr, r)) for r in expected]


def test_a_piece_never_splits_an_if_else():
    prog, _ = neuron_program(3)
    for source in functions(prog, piece_lines=1):
        compile(source, "<test>", "exec")  # an if without its else would not compile
        assert not source.splitlines()[1].lstrip().startswith("else")


def test_long_lists_are_taken_apart_and_built_a_chunk_at_a_time():
    prog, (inputs, params) = neuron_program(3 * LIST_CHUNK)
    for pieces in (10**6, 200):
        sources = functions(prog, piece_lines=pieces)
        longest = max(line.count(",") for source in sources for line in source.splitlines())
        assert longest < LIST_CHUNK + 3  # "[v.., ..] = params[a:b]": LIST_CHUNK names at most
        outputs, input_grads, param_grads, _ = compiled(sources)(inputs, params,
                                                                 [0.0] * len(params))
        assert len(input_grads) == len(inputs) and len(param_grads) == len(params)
    # the gradient is the one backward() finds
    xs = [Value(x) for x in inputs[:-1]]
    ws = [Value(w) for w in params[:-1]]
    z = ws[0] * xs[0]
    for w_k, x_k in zip(ws[1:], xs[1:]):
        z = z + w_k * x_k
    C = (inputs[-1] - (z + params[-1]).relu()) ** 2
    C.backward()
    assert outputs == [C.data] and param_grads[:-1] == [w.grad for w in ws]
    assert z.data > 0.0 and any(param_grads)
