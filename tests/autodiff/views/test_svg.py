"""deltagrad's own pictures, tested by what can be measured in the SVG it writes.

Every picture is parsed as XML, and its parts are measured: the box of each node
(its path or ellipse), the box of each label (its text, at the size it is set,
in the font the layout measures: DejaVu Sans), each edge's path and arrowhead.
No two boxes or labels overlap, every value is shown, every edge starts on its
tail and ends on its head, no edge passes through a box, and the picture holds
all of it. The same picture is the same bytes with or without Graphviz.
"""

from __future__ import annotations

import dataclasses
import errno
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from test_pictures import every_operation, neuron, small_net

from autodiff import Value, draw, draw_grads, save_picture
from autodiff.views.drawing import Drawing, GraphvizMissingError, PictureToolsMissingError
from autodiff.views.font_metrics import ASCENT, DESCENT, text_width
from autodiff.views.notation import number
from autodiff.views.pictures import graph_order
from autodiff.views.scene import READABLE, lay_out, slide_scale
from autodiff.views.typeset import set_line

SVG = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]


# ----------------------------------------------------------------------
# Reading a picture back
# ----------------------------------------------------------------------


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


def shape_box(shape: ET.Element) -> Box:
    if shape.tag == f"{SVG}ellipse":
        cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
        return cx - rx, cy - ry, cx + rx, cy + ry
    xs = numbers(shape.get("d"))  # a rectangle (rounded or not): its corners' coordinates
    d = shape.get("d")
    coords = [(float(a), float(b)) for a, b in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)]
    hv = re.findall(r"([HV])(-?[\d.]+)", d)
    x = [c[0] for c in coords] + [float(v) for k, v in hv if k == "H"]
    y = [c[1] for c in coords] + [float(v) for k, v in hv if k == "V"]
    assert xs
    return min(x), min(y), max(x), max(y)


def text_box(text: ET.Element) -> Box:
    """A <text>'s box, measured as the layout measures it: each run's width in DejaVu Sans."""
    base = float(text.get("font-size"))
    runs = [(text.text or "", base, False, False, 0.0)]
    shift = 0.0
    for span in text:
        size = float(span.get("font-size", base))
        shift -= float(span.get("dy", 0))
        runs.append((span.text or "", size, span.get("font-weight") == "bold",
                     span.get("font-style") == "italic", shift))
        runs.append((span.tail or "", base, False, False, shift))
    width = sum(text_width(t, size, bold=b) for t, size, b, _, _ in runs)
    x, y = float(text.get("x")), float(text.get("y"))
    top = max(s + ASCENT * size for t, size, _, _, s in runs if t)
    bottom = max(DESCENT * size - s for t, size, _, _, s in runs if t)
    return x - width / 2, y - top, x + width / 2, y + bottom


def all_text(group: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))


@dataclasses.dataclass
class Picture:
    width: float
    height: float
    nodes: dict[str, dict]
    edges: dict[str, list[dict]]
    root: ET.Element


def read(svg: str) -> Picture:
    root = ET.fromstring(svg)
    view = numbers(root.get("viewBox"))
    assert root.get("width") == f"{root.get('viewBox').split()[2]}pt"
    nodes, edges = {}, {}
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class")
        if kind == "node":
            name = group.find(f"{SVG}title").text
            assert name not in nodes, f"two nodes named {name}"
            shapes = [e for e in group.iter() if e.tag in (f"{SVG}path", f"{SVG}ellipse")]
            texts = list(group.iter(f"{SVG}text"))
            boxes = [shape_box(s) for s in shapes[:1]] or [text_box(t) for t in texts]
            box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                   max(b[2] for b in boxes), max(b[3] for b in boxes))
            nodes[name] = {"box": box, "text": all_text(group), "shape": shapes[:1],
                           "texts": [text_box(t) for t in texts]}
        elif kind == "edge":
            name = group.find(f"{SVG}title").text
            path = group.find(f".//{SVG}path")
            points = [tuple(numbers(p)) for p in re.findall(r"-?[\d.]+,-?[\d.]+", path.get("d"))]
            arrow = [tuple(numbers(p)) for p in
                     group.find(f".//{SVG}polygon").get("points").split()]
            labels = [text_box(t) for t in group.iter(f"{SVG}text")]
            edges.setdefault(name, []).append({"path": points, "arrow": arrow,
                                               "labels": labels})
    return Picture(view[2], view[3], nodes, edges, root)


def overlap(a: Box, b: Box, slack: float = 0.01) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and \
        b[1] + slack < a[3]


def inside(p, box: Box, margin: float) -> bool:
    return box[0] + margin < p[0] < box[2] - margin and box[1] + margin < p[1] < box[3] - margin


def on_rim(p, node: dict, tolerance: float = 1.0) -> bool:
    """True when p lies on the node's outline (its ellipse, or its box's sides)."""
    x0, y0, x1, y1 = node["box"]
    shape = node["shape"][0] if node["shape"] else None
    if shape is not None and shape.tag == f"{SVG}ellipse":
        cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
        r = math.hypot((p[0] - cx) / rx, (p[1] - cy) / ry)
        return abs(r - 1) * min(rx, ry) <= tolerance
    near = x0 - tolerance <= p[0] <= x1 + tolerance and y0 - tolerance <= p[1] <= y1 + tolerance
    return near and not inside(p, node["box"], tolerance)


def within(p, node: dict, margin: float = 0.5) -> bool:
    """True when p is inside the node's shape (its ellipse, or its box), ``margin`` in."""
    shape = node["shape"][0]
    if shape.tag == f"{SVG}ellipse":
        cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
        return ((p[0] - cx) / (rx - margin)) ** 2 + ((p[1] - cy) / (ry - margin)) ** 2 < 1
    return inside(p, node["box"], margin)


def is_tag(node: dict) -> bool:
    """A label pinned over the edges (a weight's value): white ground, no outline."""
    return node["shape"][0].get("stroke") == "none"


def bezier_points(path: list[tuple[float, float]], steps: int = 12):
    """Points along a path of cubic pieces (a start, then three points per piece)."""
    for k in range(0, len(path) - 3, 3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = path[k:k + 4]
        for n in range(steps + 1):
            t = n / steps
            s = 1 - t
            yield (s**3 * x0 + 3 * s * s * t * x1 + 3 * s * t * t * x2 + t**3 * x3,
                   s**3 * y0 + 3 * s * s * t * y1 + 3 * s * t * t * y2 + t**3 * y3)


# ----------------------------------------------------------------------
# The pictures measured
# ----------------------------------------------------------------------


def backpropagated(C: Value) -> Value:
    C.backward()
    return C


def network_pictures():
    from nn import MLP, draw_network, quadratic_cost

    pictures = {}
    for sizes in ([2, 2, 1], [2, 3, 2], [3, 4, 2], [2, 4, 4, 1]):
        net = MLP(sizes, seed=1)
        pictures[f"network {sizes}"] = draw_network(net, edge_labels=True)
        net.zero_grad()
        quadratic_cost([net([0.3] * sizes[0])], [[1.0] * sizes[-1]]).backward()
        pictures[f"network {sizes} delta"] = draw_network(net, delta=True, edge_labels=True)
        pictures[f"network {sizes} factors"] = draw_network(net, delta=True, factors=True,
                                                          edge_labels=True, rankdir="TB")
    return pictures


def graph_pictures():
    from nn.lecture.diagrams import neuron_of

    a, b = Value(3.0, label="a"), Value(1.0, label="b")
    pictures = {
        "neuron": draw(backpropagated(neuron()[0])),
        "neuron TB": draw(neuron()[0], rankdir="TB", show="data"),
        "every operation": draw(every_operation()),
        "every operation RL": draw(every_operation(), rankdir="RL"),
        "every operation BT": draw(every_operation(), rankdir="BT"),
        "operands x and y": draw((b - a) / (a ** b) + a * a),
        "small net": draw(backpropagated(small_net())),
        "small net clusters": draw(backpropagated(small_net()), clusters=neuron_of),
        "small net clusters TB": draw(small_net(), clusters=neuron_of, rankdir="TB"),
        "wrong grads": draw_grads(a * a + a, {a: 1.0}),
    }
    from nn import MLP, quadratic_cost

    net = MLP([2, 3, 1], seed=0)
    pictures["[2, 3, 1] cost"] = draw(backpropagated(quadratic_cost([net([0.5, -1.0])],
                                                                    [[1.0]])), clusters=True)
    return pictures


PICTURES = {**graph_pictures(), **network_pictures()}


def scenes_of(name: str):
    """The picture as shown, and as laid out for a slide (stacked, turned, wrapped)."""
    g = PICTURES[name]
    yield g.svg()
    if not g.figure.pinned:
        from autodiff.views.svg import svg_document

        for options in ({"stacked": True}, {"rows": 2}, {"rows": 3, "stacked": True}):
            yield svg_document(lay_out(g.figure, **options))


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_no_two_boxes_or_labels_overlap(name):
    for svg in scenes_of(name):
        picture = read(svg)
        boxes = [(n, node["box"]) for n, node in picture.nodes.items()]
        boxes += [(f"label of {e}", label) for e, drawn in picture.edges.items()
                  for d in drawn for label in d["labels"]]
        for k, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[k + 1:]:
                assert not overlap(box_a, box_b), (name, a, b, box_a, box_b)


@pytest.mark.parametrize("name", sorted(n for n in PICTURES if "cluster" in n or "cost" in n))
def test_a_group_s_frame_holds_its_nodes_and_meets_no_other_node_or_frame(name, dot_clusters):
    members = {c: {n for n, _ in nodes} for c, nodes in dot_clusters(PICTURES[name].source)
               .items()}
    for c in sorted(members, key=len, reverse=True):  # a cluster holds what its inner ones do
        members[c] |= set().union(*(m for inner, m in members.items()
                                    if inner.startswith(c + "_")))
    for svg in scenes_of(name):
        picture = read(svg)
        frames = [(g.find(f"{SVG}title").text, shape_box(g.find(f"{SVG}path")))
                  for g in picture.root.iter(f"{SVG}g") if g.get("class") == "cluster"]
        assert {c for c, _ in frames} == set(members)
        for cluster, frame in frames:  # wrapped into rows, a group has a frame per row
            for n, node in picture.nodes.items():
                if n not in members[cluster]:
                    assert not overlap(frame, node["box"]), (name, cluster, n)
        for cluster, inside_ in members.items():
            for n in inside_:
                box = picture.nodes[n]["box"]
                assert any(f[0] <= box[0] and box[2] <= f[2] and f[1] <= box[1] and
                           box[3] <= f[3] for c, f in frames if c == cluster), (name, cluster, n)
        for cluster, frame in frames:
            for other, other_frame in frames:
                nested = other.startswith(cluster + "_") or cluster.startswith(other + "_")
                if other != cluster and not nested and (cluster, frame) < (other, other_frame):
                    assert not overlap(frame, other_frame), (name, cluster, other)


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_every_text_is_inside_its_node_and_the_picture_holds_everything(name):
    for svg in scenes_of(name):
        picture = read(svg)
        whole = (0.0, 0.0, picture.width, picture.height)
        for n, node in picture.nodes.items():
            for box in [node["box"], *node["texts"]]:
                assert not overlap(box, whole) or (
                    box[0] >= 0 and box[1] >= 0 and box[2] <= picture.width and
                    box[3] <= picture.height), (name, n, box, whole)
            if node["shape"] and node["shape"][0].tag == f"{SVG}path":  # a box: text inside
                for text in node["texts"]:
                    assert node["box"][0] <= text[0] and text[2] <= node["box"][2], (name, n)
                    assert node["box"][1] <= text[1] and text[3] <= node["box"][3], (name, n)
        for drawn in picture.edges.values():
            for d in drawn:
                for x, y in [*d["path"], *d["arrow"]]:
                    assert 0 <= x <= picture.width and 0 <= y <= picture.height, name


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_edges_start_on_their_tails_end_on_their_heads_and_cross_no_box(name):
    for svg in scenes_of(name):
        picture = read(svg)
        assert sum(map(len, picture.edges.values())) == len(PICTURES[name].figure.edges)
        for edge, drawn in picture.edges.items():
            tail, head = edge.split("->")
            for d in drawn:
                assert on_rim(d["path"][0], picture.nodes[tail]), (name, edge, d["path"][0])
                assert on_rim(d["arrow"][0], picture.nodes[head]), (name, edge, d["arrow"][0])
                for p in bezier_points(d["path"]):
                    for n, node in picture.nodes.items():  # a weight's label sits on edges
                        if n not in (tail, head) and node["shape"] and not is_tag(node):
                            assert not within(p, node), (name, edge, n, p)


def test_every_value_is_shown_with_its_data_and_grad():
    C = backpropagated(small_net())
    picture = read(draw(C).svg())
    for i, v in enumerate(graph_order(C)):
        text = picture.nodes[f"v{i}"]["text"]
        assert f"data {number(v.data)}" in text
        assert (f"grad {number(v.grad)}" in text) or f"= {number(v.grad)}" in text  # or delta
    ops = [n for n in picture.nodes if n.endswith("op")]
    assert len(ops) == sum(1 for v in graph_order(C) if v.op)


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_the_svg_has_graphviz_s_structure_and_names(name):
    g = PICTURES[name]
    picture = read(g.svg())
    declared = set(re.findall(r"^\t+(\w+) \[", g.source, re.M)) - {"graph", "node", "edge"}
    assert set(picture.nodes) == declared
    dot_edges = re.findall(r"^\t+(\w+) -> (\w+)", g.source, re.M)
    assert sorted(picture.edges) == sorted({f"{t}->{h}" for t, h in dot_edges})
    groups = list(picture.root.iter(f"{SVG}g"))
    ids = [grp.get("id") for grp in groups if grp.get("id")]
    assert len(ids) == len(set(ids))
    for grp in groups:
        if grp.get("class") in ("node", "edge", "cluster"):
            assert grp[0].tag == f"{SVG}title"  # the DOT name first, as Graphviz writes it
    clusters = {grp.find(f"{SVG}title").text for grp in groups if grp.get("class") == "cluster"}
    assert clusters == set(re.findall(r"subgraph (cluster_\w+)", g.source))


def test_labels_are_typeset_with_smaller_shifted_sub_and_superscripts():
    line = set_line("<I>w</I><SUB>12</SUB><SUP>2</SUP>", 12)
    w, sub, sup = line.runs
    assert (w.text, w.italic, w.shift, w.size) == ("w", True, 0.0, 12)
    assert sub.text == "12" and sub.size < 12 and sub.shift < 0
    assert sup.text == "2" and sup.size < 12 and sup.shift > 0
    svg = draw(Value(1.0, label="w_12^2") * 2.0).svg()
    label = next(t for t in ET.fromstring(svg).iter(f"{SVG}text") if "".join(t.itertext())
                 .startswith("w122"))
    spans = list(label)
    assert spans[0].get("font-style") == "italic" and spans[0].get("font-weight") == "bold"
    assert float(spans[1].get("dy")) > 0 and float(spans[2].get("dy")) < 0  # down, then up
    assert float(spans[1].get("font-size")) < float(label.get("font-size"))
    # colours of the sign, and delta's name, in the network diagram
    from nn import MLP, draw_network, quadratic_cost

    net = MLP([2, 1], seed=0)
    quadratic_cost([net([0.5, 0.5])], [[1.0]]).backward()
    svg = draw_network(net, delta=True, edge_labels=True).svg()
    assert 'fill="#2166ac"' in svg or 'fill="#b2182b"' in svg
    assert "δ<tspan" in svg


def test_the_font_metric_table_is_dejavu_sans_as_matplotlib_ships_it():
    matplotlib = pytest.importorskip("matplotlib", reason="measuring the font needs matplotlib")
    from matplotlib.ft2font import FT2Font, LoadFlags

    from autodiff.views.font_metrics import CHARACTERS, WIDTHS

    folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")

    def measured(file: str) -> list[int]:
        font = FT2Font(os.path.join(folder, file))
        return [font.load_char(ord(c), flags=LoadFlags.NO_SCALE).horiAdvance for c in CHARACTERS]

    assert measured("DejaVuSans.ttf") == list(WIDTHS["regular"])
    assert measured("DejaVuSans-Bold.ttf") == list(WIDTHS["bold"])
    # the slanted faces, measured as the upright ones: never more than 3% wider than that
    for slanted, upright in (("DejaVuSans-Oblique.ttf", "regular"),
                             ("DejaVuSans-BoldOblique.ttf", "bold")):
        for got, table in zip(measured(slanted), WIDTHS[upright]):
            assert got <= 1.03 * table


# ----------------------------------------------------------------------
# The same bytes everywhere; Jupyter; no Graphviz, no processes
# ----------------------------------------------------------------------

SCRIPT = """
import sys
from autodiff import Value, draw
from nn import MLP, draw_network, quadratic_cost
net = MLP([2, 3, 1], seed=4)
C = quadratic_cost([net([0.5, -1.0])], [[1.0]])
C.backward()
sys.stdout.write(draw(C, clusters=True).svg() + "\\x00" + draw_network(net, delta=True).svg())
"""


def test_the_same_picture_is_the_same_bytes_with_or_without_dot(tmp_path):
    def run(path: str) -> str:
        env = {**os.environ, "PATH": path}
        result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                                text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    hidden = run(str(tmp_path))  # an empty folder: no dot
    assert hidden == run(os.environ["PATH"])
    from nn import MLP, draw_network, quadratic_cost

    net = MLP([2, 3, 1], seed=4)
    C = quadratic_cost([net([0.5, -1.0])], [[1.0]])
    C.backward()
    assert hidden == draw(C, clusters=True).svg() + "\x00" + draw_network(net, delta=True).svg()


def test_jupyter_shows_deltagrads_svg_without_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    g = draw(neuron()[0])
    bundle = g._repr_mimebundle_()
    assert bundle == {"image/svg+xml": g.svg()}
    assert g._repr_svg_() == g.svg()


def no_processes(*args, **kwargs):
    raise OSError(138, "emscripten does not support processes")  # what Pyodide says


def test_pyodide_s_no_processes_is_the_friendly_missing_dot_error(monkeypatch, tmp_path):
    monkeypatch.setattr(subprocess, "Popen", no_processes)
    g = draw(neuron()[0])
    with pytest.raises(GraphvizMissingError, match="apt-get install graphviz") as err:
        g.pipe(format="svg")
    assert isinstance(err.value.__cause__, OSError) and err.value.__cause__.errno == 138
    assert save_picture(g, tmp_path / "g.svg").read_text().startswith("<?xml")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(PictureToolsMissingError, match="SVG needs neither"):
        save_picture(g, tmp_path / "g.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]


def test_a_file_error_while_rendering_is_not_taken_for_a_missing_dot(monkeypatch, tmp_path):
    def unwritable(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "graph.gv"))

    monkeypatch.setattr(subprocess, "Popen", unwritable)
    with pytest.raises(PermissionError):
        draw(neuron()[0]).pipe(format="svg")


# ----------------------------------------------------------------------
# PNG and PDF by matplotlib, from the same layout; a slide
# ----------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.slow
def test_a_two_two_one_cost_graph_is_readable_on_a_slide(plt, tmp_path, monkeypatch):
    from nn import MLP, quadratic_cost

    monkeypatch.setenv("PATH", str(tmp_path))  # drawn by matplotlib, dot or not
    net = MLP([2, 2, 1], seed=0)
    C = quadratic_cost([net([0.5, -1.0])], [[1.0]])
    C.backward()
    g = draw(C)
    width, height = png_size(save_picture(g, tmp_path / "graph.png").read_bytes())
    assert (width == 1920 and height <= 1080) or (height == 1080 and width <= 1920)
    assert width / height < 4  # not a strip: it was 1920 x 199 when Graphviz drew it
    scene = g.slide_scene()
    assert (width, height) == (min(1920, round(scene.width * slide_scale(scene))),
                               min(1080, round(scene.height * slide_scale(scene))))
    smallest = min(run.size for s in scene.shapes for t in s.texts for run in t.line.runs
                   if run.shift == 0)
    assert smallest * slide_scale(scene) >= 18 == 12 * READABLE  # 12-point text, 18 pixels
    assert save_picture(g, tmp_path / "graph.pdf").read_bytes().startswith(b"%PDF")


def test_svg_is_written_without_dot_and_plain_digraphs_still_go_to_graphviz(tmp_path,
                                                                            monkeypatch):
    import graphviz

    monkeypatch.setenv("PATH", str(tmp_path))
    path = save_picture(draw(neuron()[0]), tmp_path / "g.svg")
    ET.fromstring(path.read_bytes())
    plain = graphviz.Digraph()
    plain.edge("a", "b")
    with pytest.raises(GraphvizMissingError):
        save_picture(plain, tmp_path / "plain.svg")
    assert isinstance(draw(neuron()[0]), Drawing)


# ----------------------------------------------------------------------
# Frames for slides: laid out once, one size, captions typeset, the folder made
# ----------------------------------------------------------------------


def test_frames_share_one_size_captions_are_typeset_and_the_folder_is_made(tmp_path):
    from nn import MLP, walkthrough

    walk = walkthrough(MLP([2, 2, 1], seed=0), [0.5, 0.1], [1.0])
    paths = walk.frames(tmp_path / "new" / "folder", format="svg")  # a folder not there yet
    assert [p.name for p in paths] == [f"step{k:03d}.svg" for k in range(1, len(walk.steps) + 1)]
    roots = [ET.parse(p).getroot() for p in paths]
    assert len({(r.get("width"), r.get("height"), r.get("viewBox")) for r in roots}) == 1
    # the picture itself stands still: every node at the same place in every frame
    places = [{n: node["box"] for n, node in read(p.read_text()).nodes.items()} for p in paths]
    assert all(p == places[0] for p in places)
    delta = next(k for k, s in enumerate(walk.steps) if s.symbol == "delta_1^3")
    caption = [t for t in roots[delta].iter(f"{SVG}text") if "".join(t.itertext())
               .startswith(f"{delta + 1}. ")]
    assert caption, "the step's line is written above the picture"
    text = "".join(t for c in caption for t in c.itertext())
    assert "δ" in text and "σ′" in text and "sigma'" not in text  # as the page says it
    assert any(span.get("dy") for c in caption for span in c)  # with sub- and superscripts


def test_a_single_frame_has_its_line_typeset_as_the_frames_do():
    from autodiff.views.svg import svg_document
    from nn import MLP, walkthrough

    walk = walkthrough(MLP([2, 2, 1], seed=0), [0.5, 0.1], [1.0])
    n = next(k for k, s in enumerate(walk.steps, start=1) if s.symbol == "delta_1^3")
    frame = walk.frame(n)
    root = ET.fromstring(svg_document(frame.scene()))
    caption = [t for t in root.iter(f"{SVG}text") if "".join(t.itertext()).startswith(f"{n}. ")]
    assert caption, "the step's line is written above the picture"
    text = "".join(t for c in caption for t in c.itertext())
    assert "δ" in text and "σ′" in text and "sigma'" not in text  # as the page says it
    assert any(span.get("dy") for c in caption for span in c)  # with sub- and superscripts
    if shutil.which("dot"):  # and Graphviz reads the same caption
        assert b"<svg" in frame.pipe(format="svg")


@pytest.mark.slow
def test_png_frames_and_the_gif_are_all_one_slide_size(plt, tmp_path):
    from PIL import Image

    from autodiff import backward_steps

    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    out = (w * x + 1.0).tanh()
    walk = backward_steps(out)
    sizes = {png_size(p.read_bytes()) for p in walk.frames(tmp_path / "frames")}
    assert sizes == {(1920, 1080)}
    with Image.open(walk.gif(tmp_path / "walk.gif")) as gif:
        assert gif.size == (1920, 1080) and gif.n_frames == len(walk.steps)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
def test_without_matplotlib_graphviz_draws_the_png(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    data = save_picture(draw(neuron()[0]), tmp_path / "g.png").read_bytes()
    width, height = png_size(data)  # Graphviz's own layout, scaled to fill a slide
    assert (width == 1920 and height <= 1080) or (height == 1080 and width <= 1920)
