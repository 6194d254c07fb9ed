"""A scene drawn by matplotlib, as PNG or PDF: the same picture as the SVG, without Graphviz.

matplotlib (the ``plots`` extra) ships DejaVu Sans, the font the layout measured
its text in, so the runs of text are set where the layout put them. A raster
picture is scaled to a given size in pixels; a PDF keeps the scene's own size
in points.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from autodiff.views.scene import Curve, Scene, Shape, Text

if TYPE_CHECKING:  # matplotlib is imported when a picture is drawn, never at import
    from matplotlib.axes import Axes
    from matplotlib.patches import Patch

DASHES = (0, (5, 2))


def image(scene: Scene, fmt: str, pixels: tuple[int, int] | None = None) -> bytes:
    """``scene`` as a ``fmt`` file ("png", "pdf", ...), scaled into ``pixels`` (width,
    height) when given: centred on a white canvas of exactly that size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 72.0
    width, height = scene.width, scene.height
    if pixels is not None:  # a canvas of exactly these pixels; the scene fits inside
        scale = min(pixels[0] / width, pixels[1] / height)
        dpi = 72.0 * scale
        width, height = pixels[0] / scale, pixels[1] / scale
    # a hair over, as the canvas size in pixels is rounded down
    figure = Figure(figsize=((width + 0.01) / 72, (height + 0.01) / 72), dpi=dpi,
                    facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim((scene.width - width) / 2, (scene.width + width) / 2)
    axes.set_ylim((scene.height + height) / 2, (scene.height - height) / 2)  # y downward
    axes.set_axis_off()
    _draw(axes, scene)
    out = io.BytesIO()
    figure.savefig(out, format=fmt, dpi=dpi, facecolor="white")
    return out.getvalue()


def _draw(axes: Axes, scene: Scene) -> None:
    from matplotlib.patches import FancyBboxPatch, Polygon

    for f in scene.frames:
        x0, y0, x1, y1 = f.box
        axes.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, "round,pad=0,rounding_size=4",
                                      fill=False, edgecolor=f.colour, linewidth=1,
                                      linestyle=DASHES if f.dashed else "-"))
        _text(axes, f.label)
    for c in scene.curves:
        _curve(axes, c)
        axes.add_patch(Polygon(c.arrow, closed=True, facecolor=c.colour, edgecolor=c.colour,
                               linewidth=c.width))
    for s in [*scene.shapes, *scene.tags]:
        patch = _outline(s)
        if patch is not None:
            axes.add_patch(patch)
        for t in s.texts:
            _text(axes, t)
    for t in scene.notes:
        _text(axes, t)


def _curve(axes: Axes, c: Curve) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    codes = [Path.MOVETO] + [Path.CURVE4] * (len(c.path) - 1)
    axes.add_patch(PathPatch(Path(c.path, codes), fill=False, edgecolor=c.colour,
                             linewidth=c.width, capstyle="butt"))
    if c.label:
        _text(axes, c.label)


def _outline(s: Shape) -> Patch | None:
    from matplotlib.patches import Ellipse, FancyBboxPatch

    x0, y0, _, _ = s.box()
    if s.form == "plain":
        return None
    if s.form == "tag":
        return FancyBboxPatch((x0, y0), s.w, s.h, "square,pad=0", facecolor="white",
                              edgecolor="none")
    patch: Patch = (FancyBboxPatch((x0, y0), s.w, s.h, "round,pad=0,rounding_size=4")
                    if s.form == "box" else Ellipse((s.x, s.y), s.w, s.h))
    patch.set(facecolor="none" if s.fill == "none" else s.fill, edgecolor=s.stroke,
              linewidth=s.stroke_width, linestyle=DASHES if s.dashed else "-")
    return patch


def _text(axes: Axes, t: Text) -> None:
    """A line as the layout set it: each run at its own place, size, style and shift."""
    x = t.x - t.line.width / 2
    for run in t.line.runs:
        if run.text.strip():
            axes.text(x, t.y - run.shift, run.text, fontsize=run.size, family="DejaVu Sans",
                      style="italic" if run.italic else "normal",
                      weight="bold" if run.bold else "normal", color=run.colour or t.colour,
                      ha="left", va="baseline", parse_math=False)
        x += run.width
