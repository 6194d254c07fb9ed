"""Tests of autodiff.draw: pictures of computation graphs.

Golden DOT files in tests/golden/ were reviewed by eye once (rendered and
looked at); any change to the output shows up here as a diff to review again.
Set DELTAGRAD_UPDATE_GOLDEN=1 to rewrite them after such a review.
Everything else is checked against hand-counted graphs and closed forms, and
through Graphviz itself: the SVG that ``dot`` makes is parsed as XML.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import graphviz
import pytest
from conftest import table_operations
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, draw, draw_grads
from autodiff.views.pictures import (
    Drawing,
    GraphTooLargeError,
    GraphvizMissingError,
    lecture_html,
    number,
    save_picture,
)

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


# ----------------------------------------------------------------------
# Small graphs, built by hand
# ----------------------------------------------------------------------


def neuron(w=0.5, a_prev=2.0, b=-0.25, y=1.0):
    """One sigmoid neuron and its quadratic cost, labelled as in the lecture.

    z = w a + b, a = sigma(z), C = 1/2 (a - y)^2: 4 leaves (w, a^1, b, y),
    5 operations (*, +, sigma, -, **2) and the constant 0.5 with its * : 11 Values, 6 ops.
    """
    w = Value(w, label="w_11^2")
    a1 = Value(a_prev, label="a_1^1")
    b = Value(b, label="b_1^2")
    z = w * a1 + b
    z.label = "z_1^2"
    a = z.sigmoid()
    a.label = "a_1^2"
    C = 0.5 * (a - Value(y, label="y")) ** 2
    C.label = "C"
    return C, {"w": w, "a1": a1, "b": b, "z": z, "a": a}


def every_operation():
    """One of each engine operation: 13 Values, 11 ops (of which 2 binary on numbers)."""
    x = Value(0.5, label="x")
    p = Value(2.0, label="p")
    u = (-x - 1.0) / p  # neg, -, / ; the constant 1.0 is a leaf
    v = u**2 + x**0.5  # **2, **0.5, +
    t = v ** p  # ** with a Value exponent
    return (t.exp().log().tanh() + t.relu()).sigmoid()


def small_net():
    """A [2, 2, 1] sigmoid network on one example, weights fixed, labelled like nn's.

    Layer 2 has nodes 1 and 2, layer 3 node 1; C = 1/2 (a_1^3 - y)^2.
    """
    a_prev = [Value(0.5, label="a_1^1"), Value(-1.0, label="a_2^1")]
    weights = {2: [([0.1, -0.2], 0.3), ([0.4, 0.5], -0.6)], 3: [([0.7, -0.8], 0.9)]}
    for l, layer in weights.items():
        a_next = []
        for j, (ws, b) in enumerate(layer, start=1):
            w = [Value(w_jk, label=f"w_{j}{k}^{l}") for k, w_jk in enumerate(ws, start=1)]
            z = w[0] * a_prev[0] + w[1] * a_prev[1] + Value(b, label=f"b_{j}^{l}")
            z.label = f"z_{j}^{l}"
            a = z.sigmoid()
            a.label = f"a_{j}^{l}"
            a_next.append(a)
        a_prev = a_next
    C = 0.5 * (a_prev[0] - 1.0) ** 2
    C.label = "C"
    return C


def node_lines(source: str) -> dict[str, str]:
    """DOT node name -> its attribute text, for the node statements of ``source``."""
    return dict(re.findall(r"^\s*(v\d+(?:op)?) \[(.*)\]$", source, flags=re.M))


def fill_of(source: str, name: str) -> str:
    return re.search(r'fillcolor="(#\w+)"', node_lines(source)[name]).group(1)


def svg_nodes(g: graphviz.Digraph) -> dict[str, list[str]]:
    """Render with dot; node title -> the texts drawn in it, from the parsed SVG."""
    root = ET.fromstring(g.pipe(format="svg"))
    nodes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.find(f"{SVG}title").text
            nodes[title] = [t.text for t in group.iter(f"{SVG}text")]
    return nodes


# ----------------------------------------------------------------------
# Golden DOT source
# ----------------------------------------------------------------------

GOLDENS = {
    "neuron_forward": lambda: draw(neuron()[0], show="data", rankdir="TB"),
    "neuron_backward": lambda: _backward_then_draw(),
    "every_operation": lambda: draw(every_operation()),
    "small_net_clusters": lambda: _net_clusters(),
}


def _backward_then_draw():
    C, v = neuron()
    C.backward()
    return draw(C, highlight=[v["z"]])


def _net_clusters():
    C = small_net()
    C.backward()
    return draw(C, clusters=by_neuron)


def by_neuron(v):
    """nn's grouping of its labels (a neuron inside its layer), which nn sets as the default."""
    from nn.lecture.diagrams import neuron_of

    return neuron_of(v)


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden_dot_source(name, matches_golden):
    matches_golden(name, GOLDENS[name]().source)


# ----------------------------------------------------------------------
# Rendered SVG
# ----------------------------------------------------------------------


@needs_dot
def test_svg_has_a_node_per_value_and_per_operation():
    C, _ = neuron()
    nodes = svg_nodes(draw(C))
    values = [t for t in nodes if re.fullmatch(r"v\d+", t)]
    ops = [t for t in nodes if t.endswith("op")]
    assert len(values) == 11 and len(ops) == 6
    # - is not commutative: its oval says x − y, and the edges say which is x and which y
    assert sorted("".join(nodes[op]) for op in ops) == sorted(["×", "+", "σ", "x − y", "(·)2",
                                                                 "×"])


@needs_dot
def test_svg_shows_lecture_labels_data_and_delta():
    w, a_prev, b, y = 0.5, 2.0, -0.25, 1.0
    C, v = neuron(w, a_prev, b, y)
    C.backward()
    nodes = svg_nodes(draw(C))
    by_first_text = {texts[0]: texts for texts in nodes.values()}
    # w_11^2 typeset as w, subscript 11, superscript 2, then its data
    assert by_first_text["w"][:4] == ["w", "11", "2", "data 0.5"]
    # z = 0.5 * 2 - 0.25 = 0.75; delta_1^2 = (a - y) sigma'(z), sigma' = a (1 - a)
    a = 1.0 / (1.0 + math.exp(-0.75))
    delta = (a - y) * a * (1.0 - a)
    z_texts = by_first_text["z"]
    assert z_texts[:4] == ["z", "1", "2", "data 0.75"]
    assert z_texts[4:] == ["δ", "1", "2", f" = {delta:.4g}".replace("-", "−")]
    assert by_first_text["C"] == ["C", f"data {0.5 * (a - y) ** 2:.4g}", "grad 1"]


@needs_dot
def test_svg_uses_real_subscripts_and_superscripts():
    x = Value(1.0, label="w_1,12^3")
    root = draw(x).pipe(format="svg").decode()
    assert re.search(r'baseline-shift="sub"[^>]*>1,12<', root)
    assert re.search(r'baseline-shift="super"[^>]*>3<', root)


# ----------------------------------------------------------------------
# What the boxes say
# ----------------------------------------------------------------------


def test_forward_view_shows_no_grads_and_grad_view_no_data_of_labelled_values():
    C, _ = neuron()
    C.backward()
    forward = draw(C, show="data").source
    assert "grad" not in forward and "δ" not in forward and "data 0.5" in forward
    backward = draw(C, show="grad").source
    labelled = [a for a in node_lines(backward).values() if "<B>" in a]
    assert labelled and all("data" not in a for a in labelled)
    assert "δ" in backward


def test_delta_only_after_backward_and_only_for_a_cost_named_C():
    C, v = neuron()
    assert "δ" not in draw(C).source  # no backward yet: grads are not deltas
    C.backward()
    assert lecture_html("delta_1^2", small=True) + " = " in draw(C).source
    a = v["a"]
    a.backward()
    assert "δ" not in draw(a).source  # da/dz is not dC/dz


def test_no_delta_in_a_batch_cost_where_each_z_gets_delta_over_n():
    from nn import MLP, quadratic_cost

    net = MLP([2, 2, 1], seed=0)
    C = quadratic_cost([net([0.5, -1.0]), net([1.0, 0.2])], [[1.0], [0.0]])
    C.backward()
    source = draw(C).source
    assert "δ" not in source
    assert source.count(lecture_html("z_1^2", small=True)) == 2  # one z_1^2 per example


def test_digits_are_configurable():
    third = Value(1.0) / 3.0
    assert "data 0.3333" in draw(third).source
    assert "data 0.33<" in draw(third, digits=2).source
    assert "data 0.333333333<" in draw(third, digits=9).source


@pytest.mark.parametrize(
    ("x", "shown"), [(-2.5, "−2.5"), (-0.0, "0"), (1e-7, "1e−07"), (123456.0, "1.235e+05")]
)
def test_numbers_use_a_true_minus_sign(x, shown):
    assert number(x) == shown


def test_lecture_labels_are_typeset_and_others_escaped():
    assert lecture_html("w_12^2") == "<I>w</I><SUB>12</SUB><SUP>2</SUP>"
    assert lecture_html("b_1^3") == "<I>b</I><SUB>1</SUB><SUP>3</SUP>"
    assert lecture_html("C") == "<I>C</I>"
    assert lecture_html("delta_2^3") == "δ<SUB>2</SUB><SUP>3</SUP>"
    assert lecture_html("loss") == "loss"
    assert lecture_html("a<b & c") == "a&lt;b &amp; c"


@needs_dot
def test_awkward_labels_and_ops_still_render():
    x = Value(1.0, label='"quoted" <tag> & {braces} | bar \\ back')
    y = x * 2.0
    y.op = "my<op>"  # an operation the drawing does not know
    nodes = svg_nodes(draw(y))
    assert nodes["v0"][0] == '"quoted" <tag> & {braces} | bar \\ back'
    assert nodes["v2op"] == ["my<op>"]


# ----------------------------------------------------------------------
# Colours by role, highlight
# ----------------------------------------------------------------------


def test_colours_by_role():
    from autodiff.views.pictures import ROLE_COLOURS as R

    C, v = neuron()
    source = draw(C).source
    lines = node_lines(source)
    name_of = {}
    for name, attrs in lines.items():
        m = re.search(r"<B>(.*?)</B>", attrs)
        if m:
            name_of[m.group(1)] = name
    assert fill_of(source, name_of[lecture_html("w_11^2", small=True)]) == R["parameter"]
    assert fill_of(source, name_of[lecture_html("b_1^2", small=True)]) == R["parameter"]
    assert fill_of(source, name_of[lecture_html("a_1^1", small=True)]) == R["input"]
    assert fill_of(source, name_of[lecture_html("y", small=True)]) == R["input"]
    assert fill_of(source, name_of[lecture_html("z_1^2", small=True)]) == R["intermediate"]
    assert fill_of(source, name_of[lecture_html("C", small=True)]) == R["output"]
    constants = [n for n, a in lines.items() if "data 0.5<" in a and "<B>" not in a]
    assert len(constants) == 1 and fill_of(source, constants[0]) == R["constant"]
    # params= overrides the guess from the labels
    source = draw(C, params=[v["a1"]]).source
    assert fill_of(source, name_of[lecture_html("a_1^1", small=True)]) == R["parameter"]
    assert fill_of(source, name_of[lecture_html("w_11^2", small=True)]) == R["input"]


def test_highlight_outlines_only_the_chosen_values():
    C, v = neuron()
    lines = node_lines(draw(C, highlight=[v["z"], v["w"]]).source)
    outlined = {n for n, a in lines.items() if "penwidth" in a}
    assert len(outlined) == 2
    assert all(re.search(r"<B><I>[zw]</I>", lines[n]) for n in outlined)


def test_highlight_of_a_value_outside_the_graph_is_refused():
    C, _ = neuron()
    with pytest.raises(ValueError, match="not part of the graph"):
        draw(C, highlight=[Value(1.0)])
    with pytest.raises(TypeError, match="highlight must hold Values"):
        draw(C, highlight=[1.0])


# ----------------------------------------------------------------------
# Determinism, structure, large graphs
# ----------------------------------------------------------------------


def test_equal_graphs_give_identical_source_without_ids():
    first = draw(small_net(), clusters=by_neuron).source
    second = draw(small_net(), clusters=by_neuron).source
    assert first == second
    assert not re.search(r"\d{7,}", first)  # no id() in node names


# every operation of the op table; where the numbers leave its domain (log of a
# negative number), the node is a sum instead, so that the graph still grows
OPS = {name: (lambda u, w, c, f=f: f(u)) for name, f in table_operations(1).items()}
OPS |= {name: (lambda u, w, c, f=f: f(u, w)) for name, f in table_operations(2).items()}
OPS["- number"] = lambda u, w, c: u - c
ops = st.sampled_from(sorted(OPS))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(ops, st.integers(0, 100), st.floats(-2, 2)), min_size=1, max_size=30))
def test_random_graphs_draw_deterministically_with_every_value_and_op(program):
    def build():
        nodes = [Value(0.5, label="x"), Value(-1.5)]
        for op, pick, c in program:
            u = nodes[pick % len(nodes)]
            w = nodes[(pick * 7 + 1) % len(nodes)]
            try:
                nodes.append(OPS[op](u, w, c))
            except (ValueError, ZeroDivisionError, OverflowError):
                nodes.append(u + w)
        return nodes[-1]

    root = build()
    source = draw(root, max_nodes=10_000).source
    assert source == draw(build(), max_nodes=10_000).source
    # independent count of the Values and operations root depends on
    seen, stack, n_ops, n_edges = {id(root)}, [root], 0, 0
    while stack:
        v = stack.pop()
        n_ops += bool(v.op)
        n_edges += len(v.parents) + bool(v.op)
        for p in v.parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    lines = node_lines(source)
    assert sum(not n.endswith("op") for n in lines) == len(seen)
    assert sum(n.endswith("op") for n in lines) == n_ops
    assert source.count(" -> ") == n_edges
    # every edge goes from an earlier Value to a later op (parents first)
    for tail, head in re.findall(r"v(\d+)(?:op)? -> v(\d+)", source):
        assert int(tail) <= int(head)


def test_drawing_leaves_grads_alone():
    C, v = neuron()
    C.backward()
    before = {name: x.grad for name, x in v.items()}
    draw(C, clusters=by_neuron)
    assert {name: x.grad for name, x in v.items()} == before


def test_a_deep_chain_draws_without_recursion():
    x = Value(0.1, label="x")
    y = x
    for _ in range(5000):  # deeper than Python's recursion limit
        y = y.tanh()
    source = draw(y, max_nodes=5001).source
    assert source.count(" -> ") == 2 * 5000


def test_max_nodes_error_names_the_count_and_the_way_out():
    x = Value(0.1, label="x")
    for _ in range(49):
        x = x.tanh()  # one Value per step: 50 in all
    with pytest.raises(ValueError) as err:
        draw(x, max_nodes=10)
    msg = str(err.value)
    assert "more than 10 Values" in msg and "max_nodes=10" in msg
    assert "larger number" in msg and "smaller piece" in msg
    assert err.value.n_values == 11  # found before the walk stopped
    assert draw(x, max_nodes=50).source.count("op [") == 49
    with pytest.raises(ValueError, match="more than 49 Values"):
        draw(x, max_nodes=49)


def test_a_huge_graph_is_refused_without_walking_all_of_it(monkeypatch):
    # a chain of 100,000 Values: the walk stops once it has found max_nodes + 1
    y = Value(0.1, label="x")
    for _ in range(100_000):
        y = y * 1.0
    looked_at = []
    parents = Value.parents

    def counted(v):
        looked_at.append(v)
        return parents.fget(v)

    monkeypatch.setattr(Value, "parents", property(counted))
    with pytest.raises(GraphTooLargeError) as err:
        draw(y, max_nodes=1000)
    assert err.value.n_values == 1001
    assert len(looked_at) <= 1001


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"rankdir": "LEFT"}, ValueError, "rankdir must be one of"),
        ({"show": "everything"}, ValueError, "show must be one of"),
        ({"max_nodes": 0}, ValueError, "max_nodes must be a positive int"),
        ({"digits": 0}, ValueError, "digits must be an int from 1 to 17"),
        ({"params": [2.0]}, TypeError, "params must hold Values"),
    ],
)
def test_bad_options_are_refused(kwargs, error, words):
    with pytest.raises(error, match=words):
        draw(Value(1.0) * 2.0, **kwargs)


def test_draw_wants_a_value():
    with pytest.raises(TypeError, match="draw expects a Value"):
        draw(3.0)


# ----------------------------------------------------------------------
# Clusters per neuron and per layer
# ----------------------------------------------------------------------


def test_clusters_group_each_neuron_inside_its_layer(dot_clusters):
    source = draw(small_net(), clusters=by_neuron).source
    members = {c: {name for name, _ in nodes} for c, nodes in dot_clusters(source).items()}
    assert set(members) == {
        "cluster_layer1", "cluster_layer1_node1", "cluster_layer1_node2",
        "cluster_layer2", "cluster_layer2_node1", "cluster_layer2_node2",
        "cluster_layer3", "cluster_layer3_node1",
    }
    assert all(not members[f"cluster_layer{l}"] for l in (1, 2, 3))  # only nested clusters
    lines = node_lines(source)

    def labels(cluster):
        return sorted(re.search(r"<B>(.*?)</B>", lines[n]).group(1)
                      for n in members[cluster] if "<B>" in lines[n])

    assert labels("cluster_layer2_node1") == sorted(
        lecture_html(s, small=True) for s in ["w_11^2", "w_12^2", "b_1^2", "z_1^2", "a_1^2"]
    )
    assert labels("cluster_layer1_node2") == [lecture_html("a_2^1", small=True)]
    # node 1 of layer 2: z = w_11 a_1 + w_12 a_2 + b takes 2 products and 2 sums,
    # each with its op, then the sigma op: 5 labelled + 3 unlabelled Values, 5 ops
    node1 = members["cluster_layer2_node1"]
    assert sum(n.endswith("op") for n in node1) == 5 and len(node1) == 13
    # the cost's own nodes (a - 1, its square, 0.5 *, C) belong to no neuron
    inside = set().union(*members.values())
    outside = [n for n in lines if n not in inside and not n.endswith("op")]
    assert len(outside) == 5  # the constants 1.0 and 0.5, a - 1, its square, and C


def test_clusters_group_by_any_function_the_caller_gives(dot_clusters):
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    y = (w * x).tanh()
    y.label = "y"
    groups = {"x": ("inputs",), "w": ("model", "weights")}
    source = draw(y, clusters=lambda v: groups.get(v.label)).source
    assert "subgraph cluster_inputs {" in source and 'label="inputs"' in source
    assert "subgraph cluster_model_weights {" in source
    # the product w * x is used only by tanh, which is in no group: so is the product
    members = {c: {n for n, _ in nodes} for c, nodes in dot_clusters(source).items()}
    assert members == {"cluster_inputs": {"v1"}, "cluster_model": set(),
                       "cluster_model_weights": {"v0"}}  # w * x: w is v0
    with pytest.raises(TypeError, match="clusters must be True, False or a function"):
        draw(y, clusters="yes")


def test_autodiff_alone_reads_no_labels_of_nn_and_says_how_to_group(tmp_path):
    # in a fresh process where nn was never imported, clusters=True has no grouping to use
    script = (
        "import sys\n"
        "from autodiff import Value, draw\n"
        "C = Value(0.5, label='w_11^2') * Value(2.0, label='a_1^1')\n"
        "try:\n"
        "    draw(C, clusters=True)\n"
        "except ValueError as e:\n"
        "    print(e)\n"
        "assert 'nn' not in sys.modules\n"
        "import nn\n"
        "print('cluster_layer2_node1' in draw(C, clusters=True).source)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    said, grouped = result.stdout.strip().splitlines()
    assert "none is set" in said and "import nn" in said
    assert grouped == "True"  # nn sets its grouping when imported: the README's call works


# ----------------------------------------------------------------------
# Rendering and saving; Graphviz missing
# ----------------------------------------------------------------------


def test_drawing_is_a_digraph():
    g = draw(Value(1.0) * 2.0)
    assert isinstance(g, graphviz.Digraph) and isinstance(g, Drawing)


@needs_dot
@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf", ".dot"])
def test_save_writes_the_format_of_the_suffix(tmp_path, suffix):
    path = save_picture(draw(neuron()[0]), tmp_path / f"graph{suffix}")
    data = path.read_bytes()
    magic = {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF", ".dot": b"digraph"}
    assert data.startswith(magic[suffix])
    assert [p.name for p in tmp_path.iterdir()] == [f"graph{suffix}"]  # no temporary left


def test_save_refuses_unknown_formats_and_missing_folders(tmp_path):
    g = draw(Value(1.0))
    with pytest.raises(ValueError, match="cannot tell the picture format"):
        save_picture(g, tmp_path / "graph.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_picture(g, tmp_path / "no" / "graph.svg")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "folder.svg").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        save_picture(g, tmp_path / "folder.svg")


def hide_dot(monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def assert_says_how_to_install(err):
    msg = str(err.value)
    assert "Graphviz's dot program is missing" in msg
    assert "apt-get install graphviz" in msg and "brew install graphviz" in msg
    assert "conda install -c conda-forge graphviz" in msg
    assert isinstance(err.value, graphviz.ExecutableNotFound)  # old except clauses still work


def test_without_dot_building_works_and_rendering_says_how_to_install(monkeypatch, tmp_path):
    hide_dot(monkeypatch, tmp_path)
    g = draw(neuron()[0])
    assert g.source.startswith("digraph")
    with pytest.raises(GraphvizMissingError) as err:
        g.pipe(format="svg")
    assert_says_how_to_install(err)
    with pytest.raises(GraphvizMissingError) as err:
        g.render(tmp_path / "graph", format="png")
    assert_says_how_to_install(err)


def test_save_without_dot_leaves_an_existing_file_alone(monkeypatch, tmp_path):
    # an SVG needs neither Graphviz nor matplotlib (issue 24); a PNG needs one of them
    target = tmp_path / "graph.png"
    target.write_text("the old picture")
    hide_dot(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    with pytest.raises(GraphvizMissingError) as err:
        save_picture(draw(neuron()[0]), target)
    assert_says_how_to_install(err)
    assert "pip install 'deltagrad[plots]'" in str(err.value) and "graph.svg" in str(err.value)
    assert target.read_text() == "the old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "graph.png"]
    save_picture(draw(neuron()[0]), tmp_path / "graph.dot")  # DOT source needs no dot
    save_picture(draw(neuron()[0]), tmp_path / "graph.svg")  # nor does SVG


def test_a_fresh_process_without_dot_gets_the_install_hint(tmp_path):
    script = (
        "from autodiff import Value, draw\n"
        "draw(Value(2.0, label='x') * 3.0).render('graph', format='svg')\n"
    )
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "GraphvizMissingError: Graphviz's dot program is missing" in result.stderr
    assert "brew install graphviz" in result.stderr


# ----------------------------------------------------------------------
# For slides and for stepping through: operand order, names, given grads, size
# ----------------------------------------------------------------------


def test_the_edges_say_which_operand_is_x_and_which_is_y():
    a, b = Value(3.0, label="a"), Value(1.0, label="b")
    source = draw(b - a).source  # b is x, a is y
    lines = node_lines(source)
    name = {re.search(r"<B>(.*?)</B>", attrs).group(1): n for n, attrs in lines.items()
            if "<B>" in attrs}
    x_edge = re.search(rf"\t{name[lecture_html('b', small=True)]} -> (v\d+op) \[label=<<I>x</I>>",
                       source)
    y_edge = re.search(rf"\t{name[lecture_html('a', small=True)]} -> (v\d+op) \[label=<<I>y</I>>",
                       source)
    assert x_edge and y_edge and x_edge.group(1) == y_edge.group(1)
    assert "label=<<I>x</I>>" not in draw(a + b).source  # + commutes: no labels needed
    for expression in (a / b, a**b):
        assert source.count("<I>x</I>") >= 1 and "label=<<I>y</I>>" in draw(expression).source


def test_names_and_given_grads():
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    source = draw(y, names=True, grads={x: 42.0}).source
    assert "v1" in source and ">v2<" in source  # the unlabelled Values are named as in the DOT
    assert "grad 42<" in source and "grad 0<" in source  # x's given grad; the others' own
    assert "grad 7<" in draw(y, grads=lambda v: 7.0).source
    with pytest.raises(TypeError, match="grads must be a mapping or a function"):
        draw(y, grads=[1.0])


@needs_dot
def test_png_pictures_fill_a_slide(tmp_path):
    C, _ = neuron()
    for picture in (draw(C), draw(C, rankdir="TB")):
        data = save_picture(picture, tmp_path / "g.png").read_bytes()
        width, height = struct.unpack(">II", data[16:24])
        assert (width == 1920 and height <= 1080) or (height == 1080 and width <= 1920)


@needs_dot
def test_sub_and_superscripts_are_smaller_in_svg():
    # Graphviz's SVG draws <SUB> and <SUP> full size unless told: they must come out smaller
    x = Value(1.0, label="w_12^2")
    svg = ET.fromstring(draw(x * 2.0).pipe(format="svg"))
    sizes = {t.text: float(t.get("font-size")) for t in svg.iter(f"{SVG}text")
             if t.text in ("w", "12", "2")}
    assert sizes["12"] < sizes["w"] and sizes["2"] < sizes["w"]


# ----------------------------------------------------------------------
# draw_grads: a wrong backward beside the right one
# ----------------------------------------------------------------------


def test_draw_grads_outlines_exactly_the_wrong_grads_and_shows_the_right_ones():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    c = b + b
    c.label = "c"
    # a backward that forgets one of c's two paths into b: db = 1 (right: 2), da = 6 (right: 12)
    wrong = {c: 1.0, b: 1.0, a: 6.0}
    g = draw_grads(c, wrong)
    lines = node_lines(g.source)
    outlined = {n for n, attrs in lines.items() if "penwidth" in attrs}
    names = {re.search(r"<B>(.*?)</B>", attrs).group(1): n for n, attrs in lines.items()
             if "<B>" in attrs}
    assert outlined == {names[lecture_html(x, small=True)] for x in ("a", "b")}
    assert "right: 2<" in lines[names[lecture_html("b", small=True)]]
    assert "right: 12<" in lines[names[lecture_html("a", small=True)]]
    assert "right:" not in lines[names[lecture_html("c", small=True)]]
    assert a.grad == 0.0 and b.grad == 0.0  # the graph's own grads are left alone
    # against a given reference instead of backward()'s
    assert draw_grads(c, wrong, reference=wrong).source.count("right:") == 0


def test_draw_grads_allows_for_rounding():
    x = Value(0.1, label="x")
    y = (x * 3.0) * 7.0
    y.backward()
    almost = {v: g * (1 + 1e-12) for v, g in ((x, x.grad), (y, 1.0))}
    assert "right:" not in draw_grads(y, almost).source
