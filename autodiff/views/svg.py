"""A scene as SVG text, written by deltagrad itself: the same bytes on every machine.

The structure is the one Graphviz gives, so that pages, styles and scripts that
select parts of a picture work on either: the picture in ``<g class="graph">``,
each group a ``<g class="cluster">``, each edge a ``<g class="edge">`` (its
path, then its arrowhead) and each node a ``<g class="node">`` (its shape, then
its text), each with its DOT name as its first ``<title>``. A tooltip is the
``<title>`` of an inner group around the shapes, as browsers show it on hover.
Text is set in ``<text>`` elements, one per line, centred, with ``<tspan>`` s for
italics, bold, colours and sub- and superscripts (a smaller size, shifted).
"""

from __future__ import annotations

from html import escape

from autodiff.views.font_metrics import FONT_FAMILY
from autodiff.views.layered import Point
from autodiff.views.scene import Curve, Frame, Scene, Shape, Text


def svg_document(scene: Scene) -> str:
    """The whole SVG file: an XML declaration, then the picture."""
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + svg_element(scene)


def svg_element(scene: Scene) -> str:
    """The ``<svg>`` element alone, to put inline in a page."""
    w, h = _n(scene.width), _n(scene.height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" '
           f'viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}" xml:space="preserve">',
           '<g id="graph0" class="graph">', f"<title>{escape(scene.name)}</title>",
           f'<rect x="0" y="0" width="{w}" height="{h}" fill="white" stroke="none"/>']
    out += [_frame(f, k) for k, f in enumerate(scene.frames, start=1)]
    out += [_edge(c, k) for k, c in enumerate(scene.curves, start=1)]
    out += [_node(s, k) for k, s in enumerate([*scene.shapes, *scene.tags], start=1)]
    out += [_text(t) for t in scene.notes]
    out += ["</g>", "</svg>\n"]
    return "\n".join(out)


def _frame(f: Frame, k: int) -> str:
    x0, y0, x1, y1 = f.box
    dash = ' stroke-dasharray="5,2"' if f.dashed else ""
    return (f'<g id="clust{k}" class="cluster">\n<title>{escape(f.name)}</title>\n'
            f'<path fill="none" stroke="{f.colour}"{dash} d="{_rounded(x0, y0, x1, y1, 4)}"/>\n'
            f"{_text(f.label)}\n</g>")


def _edge(c: Curve, k: int) -> str:
    head = c.path[0]
    d = f"M{_p(head)}C" + " ".join(_p(p) for p in c.path[1:])
    width = f' stroke-width="{_n(c.width)}"' if c.width != 1 else ""
    arrow = " ".join(_p(p) for p in c.arrow)
    parts = [f'<path fill="none" stroke="{c.colour}"{width} d="{d}"/>',
             f'<polygon fill="{c.colour}" stroke="{c.colour}" points="{arrow}"/>']
    if c.label:
        parts.append(_text(c.label))
    return (f'<g id="edge{k}" class="edge">\n<title>{escape(c.name)}</title>\n'
            + _with_tooltip(parts, c.tooltip) + "\n</g>")


def _node(s: Shape, k: int) -> str:
    parts = [_outline(s)] if s.form != "plain" else []
    parts += [_text(t) for t in s.texts]
    return (f'<g id="node{k}" class="node">\n<title>{escape(s.name)}</title>\n'
            + _with_tooltip(parts, s.tooltip) + "\n</g>")


def _with_tooltip(parts: list[str], tooltip: str) -> str:
    if not tooltip:
        return "\n".join(parts)
    return f"<g>\n<title>{escape(tooltip)}</title>\n" + "\n".join(parts) + "\n</g>"


def _outline(s: Shape) -> str:
    """The shape itself: a path for a box or a tag, an ellipse for an oval or a circle."""
    look = f'fill="{s.fill}" stroke="{s.stroke}"'
    if s.stroke_width != 1:
        look += f' stroke-width="{_n(s.stroke_width)}"'
    if s.dashed:
        look += ' stroke-dasharray="5,2"'
    x0, y0, x1, y1 = s.box()
    if s.form == "tag":
        return f'<path fill="white" stroke="none" d="{_rounded(x0, y0, x1, y1, 0)}"/>'
    if s.form == "box":
        return f'<path {look} d="{_rounded(x0, y0, x1, y1, 4)}"/>'
    return (f'<ellipse {look} cx="{_n(s.x)}" cy="{_n(s.y)}" rx="{_n(s.w / 2)}" '
            f'ry="{_n(s.h / 2)}"/>')


def _rounded(x0: float, y0: float, x1: float, y1: float, r: float) -> str:
    """A rectangle with rounded corners (radius r) as path data."""
    if r == 0:
        return f"M{_n(x0)},{_n(y0)}H{_n(x1)}V{_n(y1)}H{_n(x0)}Z"
    return (f"M{_n(x0 + r)},{_n(y0)}H{_n(x1 - r)}Q{_n(x1)},{_n(y0)} {_n(x1)},{_n(y0 + r)}"
            f"V{_n(y1 - r)}Q{_n(x1)},{_n(y1)} {_n(x1 - r)},{_n(y1)}H{_n(x0 + r)}"
            f"Q{_n(x0)},{_n(y1)} {_n(x0)},{_n(y1 - r)}V{_n(y0 + r)}"
            f"Q{_n(x0)},{_n(y0)} {_n(x0 + r)},{_n(y0)}Z")


def _text(t: Text) -> str:
    """A centred line: the runs that differ from the line's own style as tspans."""
    base = t.line.runs[0].size
    out = [f'<text x="{_n(t.x)}" y="{_n(t.y)}" text-anchor="middle" font-size="{_n(base)}"'
           + (f' fill="{t.colour}"' if t.colour != "#000000" else "") + ">"]
    shift = 0.0
    for run in t.line.runs:
        attrs = ""
        if run.size != base:
            attrs += f' font-size="{_n(run.size)}"'
        if run.italic:
            attrs += ' font-style="italic"'
        if run.bold:
            attrs += ' font-weight="bold"'
        if run.colour and run.colour != t.colour:
            attrs += f' fill="{run.colour}"'
        if run.shift != shift:  # SVG's dy runs downward
            attrs += f' dy="{_n(shift - run.shift)}"'
            shift = run.shift
        text = escape(run.text, quote=False)
        out.append(f"<tspan{attrs}>{text}</tspan>" if attrs else text)
    return "".join(out) + "</text>"


def _p(p: Point) -> str:
    return f"{_n(p[0])},{_n(p[1])}"


def _n(x: float) -> str:
    """A coordinate to a hundredth of a point, without trailing zeros or "-0"."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
