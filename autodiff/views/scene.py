"""A figure laid out: every shape, curve, frame and line of text at its place, in points.

:func:`lay_out` sizes each node from its text (``autodiff.views.typeset``), then
places it: where it is pinned (a network diagram), or by the layered layout of
``autodiff.views.layered`` (a computation graph). It routes the edges, frames
the groups, and sets the legend under the picture and a frame's caption above.
The :class:`Scene` it returns is what the SVG writer (``autodiff.views.svg``)
and the raster writer (``autodiff.views.raster``) draw, so both draw the same
picture. x grows to the right and y downward, as in SVG.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from autodiff.views.figure import Edge, Figure, Node
from autodiff.views.layered import Box, Layout, Piece, Point, dag_layout
from autodiff.views.typeset import Line, set_line, wrapped

Mapping = Callable[[Point], Point]  # from (along, across) to (x, y)
MARGIN = 4.0  # around the picture, as Graphviz pads it
INCH = 72.0
CELL_PAD, BOX_MARGIN = 3.0, 3.6  # a value box's cells, and the box around them
ARROW = 6.0  # an arrowhead's length
# Font sizes in points of each kind's first line, and of its other lines
FONT = {"value": (12, 12), "operation": (11, 11), "neuron": (14, 10), "title": (12, 12),
        "tag": (10, 10)}
OUTLINE = {"operation": "#888888"}  # the outline's colour where it is not black
FRAME_FONT = (14, 11)  # a group's label, by depth (a layer, a node in it)
FRAME_COLOUR = ("#999999", "#bbbbbb")
LEGEND_FONT, CAPTION_FONT = 10, 18
SLIDE = (1920, 1080)  # pixels
READABLE = 1.5  # pixels per point on a slide: 12-point text 18 pixels tall
TURNED = {"LR": "TB", "RL": "BT", "TB": "LR", "BT": "RL"}


@dataclass
class Text:
    """A line of text centred on x, its baseline at y."""

    x: float
    y: float
    line: Line
    colour: str = "#000000"


@dataclass
class Shape:
    """A node placed: ``form`` is "box" (rounded), "oval", "ellipse", "plain" or "tag"."""

    name: str
    form: str
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str
    stroke_width: float
    dashed: bool
    texts: list[Text]
    tooltip: str = ""

    def box(self) -> tuple[float, float, float, float]:
        return self.x - self.w / 2, self.y - self.h / 2, self.x + self.w / 2, self.y + self.h / 2


@dataclass
class Curve:
    """An edge placed: a cubic Bezier path (a start, then three points per piece), an
    arrowhead (tip first) and its label."""

    name: str
    path: list[Point]
    arrow: list[Point]
    colour: str
    width: float
    label: Text | None = None
    tooltip: str = ""


@dataclass
class Frame:
    """A group's frame: its DOT cluster name, corners, look and label."""

    name: str
    box: tuple[float, float, float, float]
    colour: str
    dashed: bool
    label: Text


@dataclass
class Scene:
    """Everything to draw, in drawing order: frames, curves, shapes, tags, notes."""

    name: str
    width: float
    height: float
    frames: list[Frame] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    tags: list[Shape] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)


def lay_out(figure: Figure, *, stacked: bool = False, rows: int = 1) -> Scene:
    """Place everything of ``figure``; ``stacked`` sets a value box's cells one above another
    (narrower boxes), ``rows`` wraps a layered figure's ranks into rows (both for a slide)."""
    return _scenes(figure, stacked, (rows,))[0]


def _scenes(figure: Figure, stacked: bool, rows: Sequence[int]) -> list[Scene]:
    """The figure laid out once, then wrapped into each number of ``rows``."""
    if figure.pinned:
        scenes = [_pinned(figure, [shape_of(n) for n in figure.nodes],
                          [shape_of(t) for t in figure.tags])]
    else:
        across_x = figure.direction in ("TB", "BT")
        sizes = {s.name: _turned(s.w, s.h, across_x) for s in
                 (shape_of(n, stacked) for n in figure.nodes)}
        graph = dag_layout(list(sizes), sizes, [(e.tail, e.head) for e in figure.edges],
                        {n.name: n.group for n in figure.nodes if n.group},
                        label_room=[f * 1.2 for f in FRAME_FONT], label_along=across_x)
        scenes = [_layered(figure, [shape_of(n, stacked) for n in figure.nodes],
                           graph.layout(n)) for n in rows]
    for scene in scenes:
        _add_legend(scene, figure.legend)
    return [captioned(scene, figure.caption) if figure.caption else scene for scene in scenes]


def for_slide(figure: Figure) -> Scene:
    """The simplest layout that shows ``figure`` readably on a 1920 x 1080 slide (its
    12-point text at least 18 pixels), else the one that shows it largest.

    Simplest first: as drawn; with each value's cells one above another; turned a
    quarter; then wrapped into 2, 3 or 4 rows like text.
    """
    if figure.pinned:
        return lay_out(figure)
    turned = dataclasses.replace(figure, direction=TURNED[figure.direction])
    # as drawn, in 1 to 4 rows, cells side by side or stacked: one layout each, then wrapped
    as_drawn = {stacked: _scenes(figure, stacked, (1, 2, 3, 4)) for stacked in (False, True)}
    simplest_first = [as_drawn[False][0], as_drawn[True][0], *_scenes(turned, False, (1,)),
                      *_scenes(turned, True, (1,))]
    simplest_first += [as_drawn[stacked][rows - 1] for rows in (2, 3, 4)
                       for stacked in (False, True)]
    readable = [scene for scene in simplest_first if slide_scale(scene) >= READABLE]
    return readable[0] if readable else max(simplest_first, key=slide_scale)


def slide_scale(scene: Scene) -> float:
    """Pixels per point when ``scene`` is scaled to fit a 1920 x 1080 slide."""
    return min(SLIDE[0] / scene.width, SLIDE[1] / scene.height)


def outlined(scene: Scene, parts: Iterable[str], colour: str, width: float) -> Scene:
    """A copy of ``scene`` with the nodes and edges named in ``parts`` outlined."""
    parts = set(parts)
    copied = copy.deepcopy(scene)
    for s in copied.shapes:
        if s.name in parts:
            s.stroke, s.stroke_width = colour, width
    for c in copied.curves:
        if c.name in parts:
            c.colour, c.width = colour, width
    return copied


def captioned(scene: Scene, markup: str, lines: int = 0) -> Scene:
    """A copy of ``scene`` with a caption above it, wrapped to its width (but no narrower
    than 480 points) and given room for at least ``lines`` lines."""
    copied = copy.deepcopy(scene)
    width = max(copied.width, 480.0) - 2 * MARGIN
    caption = wrapped(set_line(markup, CAPTION_FONT), width)
    height = set_line("", CAPTION_FONT).height
    block = max(lines, len(caption)) * height + 2 * MARGIN
    _shift(copied, max(0.0, (width + 2 * MARGIN - copied.width) / 2), block)
    copied.width = max(copied.width, width + 2 * MARGIN)
    copied.height += block
    copied.notes += [Text(copied.width / 2, MARGIN + k * height + line.ascent, line)
                     for k, line in enumerate(caption)]
    return copied


def caption_lines(scene: Scene, markup: str) -> int:
    """How many lines ``captioned`` sets ``markup`` in, over ``scene``."""
    width = max(scene.width, 480.0) - 2 * MARGIN
    return len(wrapped(set_line(markup, CAPTION_FONT), width))


# ---------------------------------------------------------------------- shapes


def shape_of(node: Node, stacked: bool = False) -> Shape:
    """A node's shape, sized to hold its text, centred on (0, 0) until placed."""
    first, other = FONT[node.kind]
    colour = node.text_colour or "#000000"
    lines = [set_line(c, first if k == 0 else other, colour) for k, c in enumerate(node.cells)]
    stroke = node.colour or OUTLINE.get(node.kind, "#000000")
    width = node.width or (3.0 if node.dashed else 1.0)
    if node.kind == "value" and not stacked:
        w, h, texts = _side_by_side(lines)
    else:
        w, h, texts = _one_above_another(lines, 3.0 if node.kind == "neuron" else 2 * CELL_PAD)
    form = {"value": "box", "operation": "oval", "neuron": "ellipse", "title": "plain",
            "tag": "tag"}[node.kind]
    if form == "box":
        w, h = w + 2 * BOX_MARGIN, h + 2 * BOX_MARGIN
    elif form == "oval":
        w, h = max(21.6, (w + 4) * 1.25), max(21.6, (h + 2) * 1.25)
    elif form == "ellipse":  # an ellipse around the text's box: sqrt(2) times its sides
        w, h = math.sqrt(2) * (w + 6), math.sqrt(2) * (h + 4)
        if len(lines) == 1:
            w = h = max(0.6 * INCH, w, h)
    elif form == "tag":
        w, h = w + 2, h + 2
    return Shape(node.name, form, 0.0, 0.0, w, h, node.fill or "none", stroke, width,
                 node.dashed, texts, node.tooltip)


def _side_by_side(lines: list[Line]) -> tuple[float, float, list[Text]]:
    """Cells in a row, each padded, their baselines aligned; offsets from the centre."""
    widths = [line.width + 2 * CELL_PAD for line in lines]
    ascent = max(line.ascent for line in lines)
    h = ascent + max(line.descent for line in lines) + 2 * CELL_PAD
    x, texts = -sum(widths) / 2, []
    for line, width in zip(lines, widths):
        texts.append(Text(x + width / 2, -h / 2 + CELL_PAD + ascent, line, _colour(line)))
        x += width
    return sum(widths), h, texts


def _one_above_another(lines: list[Line], spacing: float) -> tuple[float, float, list[Text]]:
    """Lines one above another, each centred; offsets from the centre."""
    h = sum(line.height for line in lines) + spacing * (len(lines) - 1)
    y, texts = -h / 2, []
    for line in lines:
        texts.append(Text(0.0, y + line.ascent, line, _colour(line)))
        y += line.height + spacing
    return max(line.width for line in lines), h, texts


def _colour(line: Line) -> str:
    return line.runs[0].colour or "#000000"


def _placed(shape: Shape, x: float, y: float) -> Shape:
    """The shape moved to be centred on (x, y), its text with it."""
    dx, dy = x - shape.x, y - shape.y
    shape.x, shape.y = x, y
    for t in shape.texts:
        t.x, t.y = t.x + dx, t.y + dy
    return shape


# ---------------------------------------------------------------------- pinned


def _pinned(figure: Figure, shapes: list[Shape], tags: list[Shape]) -> Scene:
    """Nodes where the figure pins them (inches, y up), edges straight between them."""
    for node, shape in zip([*figure.nodes, *figure.tags], [*shapes, *tags]):
        assert node.pos is not None
        _placed(shape, node.pos[0] * INCH, -node.pos[1] * INCH)
    by_name = {s.name: s for s in shapes}
    curves = [_straight(e, by_name[e.tail], by_name[e.head]) for e in figure.edges]
    scene = Scene(figure.name, 0.0, 0.0, [], curves, shapes, tags)
    _fit(scene)
    return scene


def _straight(edge: Edge, tail: Shape, head: Shape) -> Curve:
    """A straight edge from the rim of ``tail`` to the arrowhead at the rim of ``head``."""
    dx, dy = head.x - tail.x, head.y - tail.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    start = _rim(tail, ux, uy)
    tip = _rim(head, -ux, -uy)
    arrow_len = ARROW + edge.width
    base = (tip[0] - ux * arrow_len, tip[1] - uy * arrow_len)
    return Curve(edge.name, _line(start, base), _arrowhead(tip, (ux, uy), arrow_len),
                 edge.colour or "#555555", edge.width or 1.0, tooltip=edge.tooltip)


def _rim(shape: Shape, ux: float, uy: float) -> Point:
    """Where a ray from the shape's centre in direction (ux, uy) leaves its ellipse."""
    a, b = shape.w / 2, shape.h / 2
    t = 1.0 / math.sqrt((ux / a) ** 2 + (uy / b) ** 2)
    return shape.x + ux * t, shape.y + uy * t


def _line(p: Point, q: Point) -> list[Point]:
    """A straight piece as a cubic Bezier."""
    return [p, _lerp(p, q, 1 / 3), _lerp(p, q, 2 / 3), q]


def _lerp(p: Point, q: Point, t: float) -> Point:
    return p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t


def _arrowhead(tip: Point, direction: Point, length: float) -> list[Point]:
    """A triangle with its tip at ``tip``, pointing along ``direction``, 2/3 as wide as long."""
    ux, uy = direction
    bx, by = tip[0] - ux * length, tip[1] - uy * length
    half = length / 3
    return [tip, (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]


# ---------------------------------------------------------------------- layered


def _turned(w: float, h: float, across_x: bool) -> tuple[float, float]:
    """A width and height as (along, across) the ranks."""
    return (h, w) if across_x else (w, h)


def _layered(figure: Figure, shapes: list[Shape], layout: Layout) -> Scene:
    """Nodes where the layered layout puts them, edges along its routes, groups framed."""
    across_x = figure.direction in ("TB", "BT")  # ranks go down: "across" is x

    def flip(w: float, h: float) -> tuple[float, float]:
        return _turned(w, h, across_x)

    along = layout.size[0]
    backwards = figure.direction in ("RL", "BT")

    def to_xy(p: Point) -> Point:
        a = along - p[0] if backwards else p[0]
        return (p[1], a) if across_x else (a, p[1])

    for s in shapes:
        _placed(s, *to_xy(layout.centres[s.name]))
    routes, ports = _with_ports(figure.edges, layout.routes,
                                {s.name: flip(s.w, s.h) for s in shapes})
    curves = [_routed(e, route, to_xy) for e, route in zip(figure.edges, routes)]
    _label_edges(curves, routes, ports, shapes, to_xy, flip)
    frames = [_frame(path, box, to_xy) for path, boxes in layout.frames.items() for box in boxes]
    scene = Scene(figure.name, 0.0, 0.0, frames, curves, shapes)
    _fit(scene)
    return scene


def _with_ports(edges: list[Edge], routes: list[list[Piece]], sizes: dict[str, Point]
                ) -> tuple[list[list[Piece]], list[float]]:
    """The routes, each edge entering its head at its own point of the head's side, in the
    order they come from (so they never cross there), and each one's offset from the
    middle of that side."""
    coming: dict[str, list[int]] = {}
    for k, e in enumerate(edges):
        coming.setdefault(e.head, []).append(k)
    routes, offsets = [list(r) for r in routes], [0.0] * len(routes)
    for head, ks in coming.items():
        ks.sort(key=lambda k: (routes[k][-2][1][1], k))
        step = min(6.0, sizes[head][1] / (len(ks) + 1))
        for n, k in enumerate(ks):
            offsets[k] = offset = (n - (len(ks) - 1) / 2) * step
            (kind, p, q), (_, _, end) = routes[k][-2:]
            into = (q[0], q[1] + offset)
            routes[k][-2:] = [(kind, p, into), ("line", into, (end[0], end[1] + offset))]
    return routes, offsets


def _routed(edge: Edge, route: list[Piece], to_xy: Mapping) -> Curve:
    """The edge along its pieces (in along/across): lines, and S-curves that leave and
    arrive level; its last ARROW points are the arrowhead."""
    *rest, (_, into, end) = route
    base = (end[0] - ARROW, end[1])
    kind, p, _ = rest[-1]
    rest[-1] = (kind, p, (min(into[0], base[0]), into[1]))
    path = [rest[0][1]]
    for kind, p, q in [*rest, ("line", rest[-1][2], base)]:
        if kind == "curve":
            middle = (p[0] + q[0]) / 2
            path += [(middle, p[1]), (middle, q[1]), q]
        else:
            path += _line(p, q)[1:]
    tip, base_xy = to_xy(end), to_xy(base)
    length = math.hypot(tip[0] - base_xy[0], tip[1] - base_xy[1])
    direction = ((tip[0] - base_xy[0]) / length, (tip[1] - base_xy[1]) / length)
    return Curve(edge.name, [to_xy(p) for p in path], _arrowhead(tip, direction, ARROW),
                 edge.colour or "#555555", edge.width or 1.0,
                 Text(0, 0, set_line(edge.label, 9), "#555555") if edge.label else None,
                 edge.tooltip)


def _label_edges(curves: list[Curve], routes: list[list[Piece]], ports: list[float],
                 shapes: list[Shape], to_xy: Mapping, flip: Callable[[float, float], Point]
                 ) -> None:
    """Put each edge's label just before its head, on the outer side of where it enters
    (the upper of two edges labelled above, the lower below), clear of every box."""
    taken = [s.box() for s in shapes]
    for curve, route, port in zip(curves, routes, ports):
        if curve.label is None:
            continue
        line = curve.label.line
        along, across = flip(line.width + 2, line.height)
        into = route[-1][1]
        spots = [(into[0] - 3 - along / 2 - step,
                  into[1] + (-1 if port <= 0 else 1) * (across / 2 + 1)) for step in (0, 6, 12)]
        for a, c in spots:
            x, y = to_xy((a, c))
            w, h = line.width + 2, line.height
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            if not any(_overlap(box, other) for other in taken):
                break
        taken.append(box)
        curve.label.x, curve.label.y = x, y - h / 2 + line.ascent


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _frame(path: tuple[str, ...], box: Box, to_xy: Mapping) -> Frame:
    """A group's frame (a corner pair in along/across) with its label at the top."""
    depth = min(len(path) - 1, 1)
    (x0, y0), (x1, y1) = to_xy(box[:2]), to_xy(box[2:])
    x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    line = set_line(path[-1], FRAME_FONT[depth])
    name = "cluster_" + "_".join(part.replace(" ", "") for part in path)
    return Frame(name, (x0, y0, x1, y1), FRAME_COLOUR[depth], depth > 0,
                 Text((x0 + x1) / 2, y0 + 3 + line.ascent, line))


# ---------------------------------------------------------------------- the whole


def _fit(scene: Scene) -> None:
    """Move everything so that the picture starts at the margin; size the canvas."""
    boxes = [s.box() for s in [*scene.shapes, *scene.tags]] + [f.box for f in scene.frames]
    boxes += [(x, y, x, y) for c in scene.curves for x, y in c.path + c.arrow]
    left = min(b[0] for b in boxes) - MARGIN
    top = min(b[1] for b in boxes) - MARGIN
    _shift(scene, -left, -top)
    scene.width = max(b[2] for b in boxes) - left + MARGIN
    scene.height = max(b[3] for b in boxes) - top + MARGIN


def _shift(scene: Scene, dx: float, dy: float) -> None:
    def moved(p: Point) -> Point:
        return p[0] + dx, p[1] + dy

    for s in [*scene.shapes, *scene.tags]:
        _placed(s, s.x + dx, s.y + dy)
    for c in scene.curves:
        c.path, c.arrow = [moved(p) for p in c.path], [moved(p) for p in c.arrow]
        if c.label:
            c.label.x, c.label.y = c.label.x + dx, c.label.y + dy
    for f in scene.frames:
        f.box = (f.box[0] + dx, f.box[1] + dy, f.box[2] + dx, f.box[3] + dy)
        f.label.x, f.label.y = f.label.x + dx, f.label.y + dy
    for t in scene.notes:
        t.x, t.y = t.x + dx, t.y + dy


def _add_legend(scene: Scene, legend: str) -> None:
    """The legend under the picture, centred, the picture widened to hold it."""
    if not legend:
        return
    line = set_line(legend, LEGEND_FONT)
    scene.notes.append(Text(scene.width / 2, scene.height + line.ascent, line))
    scene.height += line.height + MARGIN
    if line.width + 2 * MARGIN > scene.width:
        _shift(scene, (line.width + 2 * MARGIN - scene.width) / 2, 0.0)
        scene.width = line.width + 2 * MARGIN
