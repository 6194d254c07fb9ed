"""Tests of nn.draw_network (network diagrams) and of autodiff.draw's clusters on nn's labels.

The golden DOT of a [2, 2, 1] net (tests/golden/network_221*.dot) was reviewed
by eye once as a rendered picture; DELTAGRAD_UPDATE_GOLDEN=1 rewrites it after
such a review. The rest is checked against the weights themselves, the
lecture's delta equations on plain floats, and the SVG that Graphviz makes.
"""

from __future__ import annotations

import math
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest

from autodiff import draw
from autodiff.views.pictures import ROLE_COLOURS, GraphvizMissingError, lecture_html, number
from nn import MLP, quadratic_cost
from nn.lecture.diagrams import (
    _NEGATIVE_FILL,
    _POSITIVE_FILL,
    MAX_WIDTH,
    MIN_WIDTH,
    NEGATIVE,
    POSITIVE,
    draw_network,
)

SVG = "{http://www.w3.org/2000/svg}"
needs_neato = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz is missing")

# w^2 (2 x 2), b^2, w^3 (1 x 2), b^3 of the [2, 2, 1] net drawn below
W2, B2 = [[0.8, -0.4], [0.3, 1.5]], [0.1, -0.2]
W3, B3 = [[-1.2, 0.6]], [0.05]
X, Y = [0.5, -1.0], [1.0]


def net_221() -> MLP:
    """A [2, 2, 1] sigmoid net with the fixed weights above (not its random ones)."""
    net = MLP([2, 2, 1], seed=0)
    for layer, (W, B) in zip(net.layers, [(W2, B2), (W3, B3)]):
        for neuron, w_j, b_j in zip(layer.neurons, W, B):
            for w, value in zip(neuron.w, w_j):
                w.data = value
            neuron.b.data = b_j
    return net


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def lecture_deltas() -> dict[int, list[float]]:
    """delta^3 and delta^2 of net_221 on (X, Y), by the lecture's equations 1 and 2."""
    z2 = [sum(w * x for w, x in zip(W2[j], X)) + B2[j] for j in range(2)]
    a2 = [sigma(z) for z in z2]
    z3 = sum(w * a for w, a in zip(W3[0], a2)) + B3[0]
    a3 = sigma(z3)
    d3 = (a3 - Y[0]) * a3 * (1 - a3)  # (1): dC/da * sigma'(z); C = 1/2 (y - a)^2
    d2 = [W3[0][j] * d3 * a2[j] * (1 - a2[j]) for j in range(2)]  # (2)
    return {3: [d3], 2: d2}


def backpropagated_221() -> MLP:
    net = net_221()
    C = quadratic_cost([net(X)], [Y])
    C.backward()
    return net


def edges(source: str) -> dict[tuple[str, str], str]:
    """(tail, head) -> attribute text of each edge statement."""
    return {(t, h): a for t, h, a in re.findall(r"^\s*(\w+) -> (\w+) \[(.*)\]$", source, re.M)}


def node_attrs(source: str) -> dict[str, str]:
    """The attributes of each node a_j^l (a2_1) and each weight's label (w2_1_2)."""
    return dict(re.findall(r"^\s*((?:a\d+_\d+)|(?:w\d+_\d+_\d+)) \[(.*)\]$", source, re.M))


def pos(attrs: str) -> tuple[float, float]:
    x, y = re.search(r'pos="([-\d.]+),([-\d.]+)!"', attrs).groups()
    return float(x), float(y)


# ----------------------------------------------------------------------
# Golden DOT
# ----------------------------------------------------------------------

GOLDENS = {
    "network_221": lambda: draw_network(net_221()),
    "network_221_delta": lambda: draw_network(backpropagated_221(), delta=True),
}


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden_dot_source(name, matches_golden):
    matches_golden(name, GOLDENS[name]().source)


def test_equal_networks_give_identical_source():
    assert draw_network(net_221()).source == draw_network(net_221()).source
    a, b = backpropagated_221(), backpropagated_221()
    assert draw_network(a, delta=True).source == draw_network(b, delta=True).source


# ----------------------------------------------------------------------
# Layers as columns, nodes a_j^l, edges w_jk^l
# ----------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [[2, 2, 1], [4, 8, 6, 3], [3, 1]])
def test_a_node_per_a_j_l_and_an_edge_per_w_jk_l(sizes):
    source = draw_network(MLP(sizes, seed=1)).source
    nodes = {n: a for n, a in node_attrs(source).items() if n.startswith("a")}  # not labels
    assert sorted(nodes) == sorted(f"a{l}_{j}" for l, n in enumerate(sizes, 1)
                                   for j in range(1, n + 1))
    for name, attrs in nodes.items():
        l, j = name[1:].split("_")
        assert f"label=<{lecture_html(f'a_{j}^{l}', small=True)}>" in attrs
    expected = {(f"a{l - 1}_{k}", f"a{l}_{j}") for l in range(2, len(sizes) + 1)
                for j in range(1, sizes[l - 1] + 1) for k in range(1, sizes[l - 2] + 1)}
    assert set(edges(source)) == expected


@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT"])
def test_layers_are_columns_in_order_and_nodes_rows_in_order(rankdir):
    sizes = [4, 8, 6, 3]
    nodes = node_attrs(draw_network(MLP(sizes, seed=1), rankdir=rankdir).source)
    # "along" runs from layer 1 to layer L, "across" from node 1 to node n
    along, across = {"LR": (0, -1), "RL": (0, -1), "TB": (1, 0), "BT": (1, 0)}[rankdir]
    sign = {"LR": 1, "RL": -1, "TB": -1, "BT": 1}[rankdir]

    def coords(name):
        p = pos(nodes[name])
        return sign * p[along], p[abs(across)] * (1 if across >= 0 else -1)

    for l, n in enumerate(sizes, 1):
        column = [coords(f"a{l}_{j}") for j in range(1, n + 1)]
        assert len({c[0] for c in column}) == 1  # one column per layer
        rows = [c[1] for c in column]
        assert rows == sorted(rows) and len(set(rows)) == n  # node 1 first, then 2, ...
        assert abs(rows[0] + rows[-1]) < 1e-9  # centred
        if l > 1:
            assert column[0][0] > coords(f"a{l - 1}_1")[0]  # layer l after layer l-1


def test_edge_colour_is_the_sign_and_width_the_size_of_the_weight():
    net = net_221()
    largest = max(abs(w) for row in W2 + W3 for w in row)
    source = draw_network(net).source
    es = edges(source)
    for l, W in ((2, W2), (3, W3)):
        for j, row in enumerate(W, 1):
            for k, w in enumerate(row, 1):
                attrs = es[(f"a{l - 1}_{k}", f"a{l}_{j}")]
                assert f'color="{POSITIVE if w > 0 else NEGATIVE}"' in attrs
                width = float(re.search(r"penwidth=([\d.]+)", attrs).group(1))
                assert width == pytest.approx(
                    MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * abs(w) / largest, abs=0.005
                )
                # the label is a node of its own on the edge, in the edge's colour
                label = node_attrs(source)[f"w{l}_{j}_{k}"]
                assert f"{lecture_html(f'w_{j}{k}^{l}', small=True)} = {number(w, 3)}" in label
                assert f'fontcolor="{POSITIVE if w > 0 else NEGATIVE}"' in label


def weight_labels(source: str) -> int:
    return len(re.findall(r"^\tw\d+_\d+_\d+ \[", source, re.M))


def test_edge_labels_by_default_only_on_small_networks():
    assert weight_labels(draw_network(MLP([2, 2, 1], seed=0)).source) == 6
    assert weight_labels(draw_network(MLP([4, 8, 6, 3], seed=0)).source) == 0
    assert weight_labels(draw_network(MLP([4, 8, 6, 3], seed=0), edge_labels=True).source) > 0
    assert weight_labels(draw_network(MLP([2, 2, 1], seed=0), edge_labels=False).source) == 0


def test_wide_layers_keep_their_weights_apart():
    net = MLP([12, 2], seed=0)  # w_1,12^2: the comma keeps j = 1 and k = 12 apart
    source = draw_network(net, edge_labels=True).source
    assert "a1_12 -> a2_1" in source and 'tooltip="w_1,12^2 = ' in source
    labelled = draw_network(MLP([12, 1], seed=0), edge_labels=True).source
    assert lecture_html("w_1,12^2", small=True) in labelled


# ----------------------------------------------------------------------
# Shading by delta_j^l
# ----------------------------------------------------------------------


def test_delta_labels_and_shades_match_the_lecture_equations():
    deltas = lecture_deltas()
    nodes = {n: a for n, a in node_attrs(draw_network(backpropagated_221(), delta=True).source)
             .items() if n.startswith("a")}
    largest = max(abs(d) for ds in deltas.values() for d in ds)
    for l, ds in deltas.items():
        for j, d in enumerate(ds, 1):
            attrs = nodes[f"a{l}_{j}"]
            shown = re.search(r"</SUP> = ([^<]+)</FONT>", attrs).group(1)
            assert float(shown.replace("\u2212", "-")) == pytest.approx(d, rel=1e-2)
            fill = re.search(r'fillcolor="#(\w{6})"', attrs).group(1)
            r, g, b = (int(fill[i:i + 2], 16) for i in (0, 2, 4))
            assert (b > r) == (d > 0)  # blue-ish for delta > 0, red-ish for delta < 0
            if abs(d) == largest:  # the full colour of its sign
                assert (r, g, b) == (_POSITIVE_FILL if d > 0 else _NEGATIVE_FILL)
    # paler for smaller |delta|: the order of the shades is the order of |delta|
    paleness = {name: min(int(a[i:i + 2], 16) for i in (0, 2, 4))
                for name, attrs in nodes.items() if name[1] != "1"
                for a in [re.search(r'fillcolor="#(\w{6})"', attrs).group(1)]}
    flat = {f"a{l}_{j}": abs(d) for l, ds in deltas.items() for j, d in enumerate(ds, 1)}
    by_delta = sorted(flat, key=flat.get)
    by_shade = sorted(paleness, key=lambda n: -paleness[n])
    assert by_delta == by_shade
    assert f'fillcolor="{ROLE_COLOURS["input"]}"' in nodes["a1_1"]  # inputs keep their colour


def test_delta_refuses_the_grads_of_a_batch():
    # after a batch of two, z's grad is the last example's delta / 2, not its delta
    net = net_221()
    C = quadratic_cost([net(X), net([1.0, 0.2])], [Y, [0.0]])
    C.backward()
    with pytest.raises(ValueError, match=r"belongs to one example.* run 2 examples"):
        draw_network(net, delta=True)
    net.zero_grad()
    C = quadratic_cost([net(X)], [Y])
    C.backward()
    assert "δ" in draw_network(net, delta=True).source


def test_delta_works_after_any_backward_of_one_example():
    # issue 23: a look at the output first, then the README's C.backward(): one example's
    # deltas, which draw_network refused, counting examples from zero_grad()
    net = MLP([2, 3, 1], seed=0)
    net([0.5, 0.1])
    C = quadratic_cost([net([0.5, 0.1])], [[1.0]])
    C.backward()
    drawn = draw_network(net, delta=True).source
    assert "δ" in drawn
    assert number(net.layer(2).z[0].grad, 3) in drawn


def test_delta_needs_a_forward_pass_and_a_backward_pass():
    with pytest.raises(ValueError, match="needs a forward pass and C.backward"):
        draw_network(net_221(), delta=True)
    net = net_221()
    net(X)
    with pytest.raises(ValueError, match=r"every delta_j\^l is 0: call C.backward"):
        draw_network(net, delta=True)


# ----------------------------------------------------------------------
# Rendering, limits, bad input
# ----------------------------------------------------------------------


@needs_neato
def test_rendered_svg_has_the_nodes_edges_and_labels():
    root = ET.fromstring(draw_network(net_221()).pipe(format="svg"))
    groups = {cls: [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]
              for cls in ("node", "edge")}
    titles = sorted(g.find(f"{SVG}title").text for g in groups["node"])
    weight_labels = ["w2_1_1", "w2_1_2", "w2_2_1", "w2_2_2", "w3_1_1", "w3_1_2"]
    assert titles == ["a1_1", "a1_2", "a2_1", "a2_2", "a3_1", "layer1", "layer2", "layer3",
                      *weight_labels]
    assert len(groups["edge"]) == 6
    texts = {g.find(f"{SVG}title").text: [t.text for t in g.iter(f"{SVG}text")]
             for g in groups["node"]}
    assert texts["a2_1"] == ["a", "1", "2"] and texts["layer3"] == ["layer 3"]
    # node a_1^2 is drawn above a_2^2, and layer 1 left of layer 2 (SVG y grows downward)
    centre = {}
    for g in groups["node"]:
        for e in g.iter(f"{SVG}ellipse"):
            centre[g.find(f"{SVG}title").text] = (float(e.get("cx")), float(e.get("cy")))
    assert centre["a2_1"][1] < centre["a2_2"][1]
    assert centre["a1_1"][0] < centre["a2_1"][0] < centre["a3_1"][0]


def test_rendering_without_graphviz_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    g = draw_network(net_221())
    with pytest.raises(GraphvizMissingError, match="brew install graphviz"):
        g.pipe(format="svg")


def test_max_edges_error_names_the_count():
    with pytest.raises(ValueError, match=r"has 48 weights, more than max_edges=40.*max_edges=48"):
        draw_network(MLP([4, 8, 2], seed=0), max_edges=40)


@pytest.mark.parametrize(
    ("net", "kwargs", "error", "words"),
    [
        ([1.0], {}, TypeError, "draw_network expects an nn.MLP"),
        (None, {"rankdir": "UP"}, ValueError, "rankdir must be one of"),
        (None, {"digits": 40}, ValueError, "digits must be an int from 1 to 17"),
        (None, {"max_edges": 0}, ValueError, "max_edges must be a positive int"),
    ],
)
def test_bad_input_is_refused(net, kwargs, error, words):
    with pytest.raises(error, match=words):
        draw_network(net if net is not None else net_221(), **kwargs)


# ----------------------------------------------------------------------
# autodiff.draw's clusters read the labels nn gives its Values
# ----------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [[2, 3, 1], [12, 2, 1]])
def test_computation_graph_clusters_follow_the_network(sizes, dot_clusters):
    net = MLP(sizes, seed=0)
    C = quadratic_cost([net([0.1] * sizes[0])], [[1.0]])
    C.backward()
    source = draw(C, clusters=True, max_nodes=10_000).source
    members = {c: [label for _, label in nodes] for c, nodes in dot_clusters(source).items()}
    for layer in net.layers:
        for j, neuron in enumerate(layer.neurons, 1):
            cluster = members[f"cluster_layer{layer.l}_node{j}"]
            for value in [*neuron.parameters(), layer.z[j - 1], layer.a[j - 1]]:
                assert any(f"<B>{lecture_html(value.label, small=True)}</B>" in m
                           for m in cluster), value
            # m products, m - 1 sums, + b, then sigma: 2m + 1 ops in all
            assert sum(not m.startswith("<TABLE") for m in cluster) == 2 * len(neuron.w) + 1
    for k in range(1, sizes[0] + 1):
        assert any(lecture_html(f"a_{k}^1", small=True) in m
                   for m in members[f"cluster_layer1_node{k}"])


# ----------------------------------------------------------------------
# Both pictures of a model: nn.draw.save_pictures and `deltagrad draw`
# ----------------------------------------------------------------------


@needs_neato
def test_save_pictures_writes_both_pictures_of_one_example(tmp_path):
    from nn.lecture.diagrams import save_pictures

    net = net_221()
    paths = save_pictures(net, X, Y, tmp_path)
    assert [p.name for p in paths] == ["network.svg", "graph.svg"]
    for p in paths:
        ET.fromstring(p.read_bytes())  # well-formed SVG
    # the grads are this example's alone, not added to earlier ones
    grads = [p.grad for p in net.parameters()]
    save_pictures(net, X, Y, tmp_path)
    assert [p.grad for p in net.parameters()] == grads
    assert net.layer(3).z[0].grad == pytest.approx(lecture_deltas()[3][0])


def test_save_pictures_writes_nothing_when_the_graph_is_too_large(tmp_path):
    from autodiff.views.pictures import GraphTooLargeError
    from nn.lecture.diagrams import save_pictures

    with pytest.raises(GraphTooLargeError) as err:
        save_pictures(net_221(), X, Y, tmp_path, max_nodes=5)
    assert err.value.n_values > 5
    assert list(tmp_path.iterdir()) == []


@needs_neato
def test_cli_draw_writes_both_pictures(tmp_path, capsys):
    from nn.cli import main
    from nn.training.model_files import save as save_model

    model = save_model(net_221(), tmp_path / "model.json")
    out = tmp_path / "pictures"
    assert main(["draw", str(model), "--out", str(out), "--x", "0.5,-1", "--y", "1"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["graph.svg", "network.svg"]
    network = (out / "network.svg").read_text()
    # the deltas of this example, as the lecture's equations give them
    for d in lecture_deltas()[2]:
        assert number(d, 3) in network


def test_cli_draw_explains_limits_and_missing_graphviz(tmp_path, capsys, monkeypatch):
    from nn.cli import main
    from nn.training.model_files import save as save_model

    model = save_model(net_221(), tmp_path / "model.json")
    assert main(["draw", str(model), "--out", str(tmp_path / "p"), "--max-nodes", "5"]) == 1
    assert "give a larger --max-nodes" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))
    # without Graphviz, SVG pictures are drawn all the same (issue 24) ...
    assert main(["draw", str(model), "--out", str(tmp_path / "p")]) == 0
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["graph.svg", "network.svg"]
    # ... and PNG ones by matplotlib; with neither, one line says what to install
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["draw", str(model), "--out", str(tmp_path / "q"), "--format", "png"]) == 1
    err = capsys.readouterr().err
    assert "Graphviz's dot program is missing" in err and "apt-get install graphviz" in err
    assert "SVG needs neither" in err and len(err.strip().splitlines()) == 1


def test_numpy_integers_pass_as_options():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    drawn = draw_network(net_221(), digits=np.int64(2), max_edges=np.int64(10))
    assert drawn.source == draw_network(net_221(), digits=2, max_edges=10).source
    with pytest.raises(TypeError, match="digits must be a whole number, got float: 2.5"):
        draw_network(net_221(), digits=2.5)


# ----------------------------------------------------------------------
# Weight labels never overlap: measured in Graphviz's own layout
# ----------------------------------------------------------------------


def layout_boxes(g) -> dict[str, tuple[float, float, float, float]]:
    """Each node's box (x0, y0, x1, y1) in points, as neato lays the picture out (-Tjson)."""
    import json

    laid_out = json.loads(g.pipe(format="json"))
    boxes = {}
    for obj in laid_out.get("objects", []):
        if "pos" not in obj or "width" not in obj:
            continue
        x, y = (float(v) for v in obj["pos"].split(","))
        w, h = float(obj["width"]) * 72 / 2, float(obj["height"]) * 72 / 2
        boxes[obj["name"]] = (x - w, y - h, x + w, y + h)
    return boxes


def overlapping(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@needs_neato
@pytest.mark.parametrize("sizes", [[2, 3, 2], [2, 2, 1], [3, 4, 2], [2, 4, 4, 1], [4, 3, 3]])
@pytest.mark.parametrize("delta", [False, True])
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_weight_labels_overlap_nothing_and_the_rest_are_tooltips(sizes, delta, rankdir):
    net = MLP(sizes, seed=1)
    if delta:
        net.zero_grad()
        quadratic_cost([net([0.3] * sizes[0])], [[1.0] * sizes[-1]]).backward()
    g = draw_network(net, edge_labels=True, delta=delta, rankdir=rankdir)
    boxes = layout_boxes(g)
    labels = {n: b for n, b in boxes.items() if n.startswith("w")}
    neurons = {n: b for n, b in boxes.items() if n.startswith("a")}
    for name, box in labels.items():
        for other, other_box in [*labels.items(), *neurons.items()]:
            assert other == name or not overlapping(box, other_box), (name, other)
    n_weights = sum(m * n for m, n in zip(sizes, sizes[1:]))
    left_out = n_weights - len(labels)
    assert len(labels) >= n_weights * 0.6  # most weights keep a label on the picture
    if left_out:
        assert f"{left_out} weight label" in g.source  # and the legend says so
    # every weight, labelled or not, gives its value as the edge's tooltip
    assert len(re.findall(r'-> a\d+_\d+ \[.*tooltip="w_', g.source)) == n_weights


def test_notebook_3s_network_labels_every_weight():
    # the [2, 3, 2] picture of notebook 3, where the labels used to pile up
    net = MLP([2, 3, 2], seed=1)
    assert len(re.findall(r"^\tw\d", draw_network(net).source, re.M)) == 12


# ----------------------------------------------------------------------
# The factors of delta, and saturated nodes
# ----------------------------------------------------------------------


def test_factors_show_sigma_prime_and_mark_exactly_the_saturated_nodes():
    net = MLP([2, 3, 1], seed=0)
    for neuron, b in zip(net.layers[0].neurons, (6.0, 0.0, -7.0)):
        neuron.b.data = b  # nodes 1 and 3 of layer 2 pushed far from z = 0
    net.zero_grad()
    quadratic_cost([net([0.5, 0.1])], [[0.0]]).backward()
    g = draw_network(net, delta=True, factors=True, saturated_below=0.01)
    nodes = {n: a for n, a in node_attrs(g.source).items() if n.startswith("a")}
    for layer in net.layers:
        for j, (z, a) in enumerate(zip(layer.z, layer.a), start=1):
            s = 1 / (1 + math.exp(-z.data))
            sigma_prime = s * (1 - s)  # the lecture's sigma'(z) = sigma(z)(1 - sigma(z))
            attrs = nodes[f"a{layer.l}_{j}"]
            shown = re.search(r"σ′\(z\) = ([^<]+)<", attrs).group(1)
            assert float(shown.replace("\u2212", "-")) == pytest.approx(sigma_prime, rel=1e-2)
            assert ("dashed" in attrs) == (sigma_prime < 0.01)
            dC_da = re.search(r"∂C/∂.*? = ([^<]+)</FONT></TD></TR><TR>", attrs).group(1)
            assert float(dC_da.replace("\u2212", "-")) == pytest.approx(a.grad, rel=1e-2)
    assert "dashed outline: saturated" in g.source and "(2 nodes)" in g.source
    # sigma' alone needs only a forward pass; without one, a clear error
    assert "σ′(z)" in draw_network(net, factors=True).source
    with pytest.raises(ValueError, match="factors=True .* forward pass"):
        draw_network(MLP([2, 1], seed=0), factors=True)


def test_a_linear_node_is_never_saturated():
    net = MLP([1, 1], "linear", seed=0)
    net([100.0])
    source = draw_network(net, factors=True).source
    assert "σ′(z) = 1<" in source and "dashed\"" not in source and "(0 nodes)" in source
def test_a_saturated_network_s_vanished_deltas_are_explained_not_blamed_on_the_user():
    # what eta = 1e300 leaves: weights so large that the output sigmoid gives exactly 1.0,
    # sigma'(z) = 0, and every delta is 0 however correctly C.backward() was called
    net = MLP([2, 2, 1], seed=0)
    for p in net.parameters():
        p.data = 1e300 if p.data > 0 else -1e300
    net.zero_grad()
    a = net([0.5, 0.1])[0].data
    assert a in (0.0, 1.0)
    net.zero_grad()
    C = quadratic_cost([net([0.5, 0.1])], [[1.0 - a]])  # the target it is furthest from
    C.backward()
    assert C.data == 0.5
    with pytest.raises(ValueError, match=rf"because the output layer is saturated on this "
                                         rf"example: a_1\^3 = {a!r}, where sigma'\(z\) = 0.*"
                                         rf"smaller one"):
        draw_network(net, delta=True)


def test_the_max_edges_error_says_how_many_weights():
    from nn.lecture.diagrams import NetworkTooLargeError

    with pytest.raises(NetworkTooLargeError) as error:
        draw_network(MLP([4, 8, 2], seed=0), max_edges=40)
    assert error.value.n_edges == 48 and isinstance(error.value, ValueError)


def test_save_pictures_passes_max_edges_on(tmp_path):
    from nn.lecture.diagrams import NetworkTooLargeError, save_pictures

    with pytest.raises(NetworkTooLargeError, match="more than max_edges=3"):
        save_pictures(net_221(), X, Y, tmp_path, max_edges=3)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.browser
@pytest.mark.slow
def test_the_walkthrough_s_diagram_fits_a_laptop_s_window(browser, tmp_path):
    # issue 23: on a laptop the page's network diagram was taller than the window
    from conftest import requested_urls

    from nn import walkthrough

    path = walkthrough(MLP([2, 8, 2], seed=0), [0.5, 0.1], [1.0, 0.0]).save(
        tmp_path / "walk.html")
    browser.set_window_size(1366, 768)
    try:
        requested_urls(browser)
        browser.get(path.resolve().as_uri())
        svg_height, window_height, nodes = browser.execute_script(
            "const svg = document.querySelector('#picture svg');"
            "return [svg.getBoundingClientRect().height, window.innerHeight,"
            "        svg.querySelectorAll('g.node').length];")
    finally:
        browser.set_window_size(1400, 1000)
    assert nodes >= 2 + 8 + 2 + 3  # the neurons and the layers' titles, at least
    assert 0 < svg_height <= window_height
