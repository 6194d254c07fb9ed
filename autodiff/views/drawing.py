"""A figure as something to show and save: a ``graphviz.Digraph`` that keeps its figure.

:class:`Drawing` is what ``draw`` and ``nn.draw_network`` return: a
``graphviz.Digraph`` (``.source`` is the DOT text, ``.pipe()`` and
``.render()`` run Graphviz for those who want it) that also holds the
:class:`~autodiff.views.figure.Figure` it was written from. Jupyter shows it
as deltagrad's own SVG, and :func:`save_picture` writes it to a file,
atomically: SVG by deltagrad, PNG and PDF by matplotlib drawing the same
layout (or by Graphviz, where matplotlib is missing), DOT as it is. So every
picture works without Graphviz, also in the browser (Pyodide), where no
program can be started.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import graphviz

from autodiff.files import atomic_write
from autodiff.views.dot_source import write_dot
from autodiff.views.figure import Figure
from autodiff.views.scene import SLIDE, Scene, for_slide, lay_out, slide_scale
from autodiff.views.svg import svg_document

# Raster pictures are made for a slide: scaled (up or down) to fill a 1920 x 1080
# pixel box, the "!" of Graphviz's size attribute.
SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX, SLIDE_DPI = 1920, 1080, 96
SLIDE_SIZE = f"{SLIDE_WIDTH_PX / SLIDE_DPI:g},{SLIDE_HEIGHT_PX / SLIDE_DPI:g}!"
RASTER_FORMATS = ("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp")
DRAWN_FORMATS = ("png", "pdf")  # what matplotlib draws from deltagrad's layout

INSTALL_HINT = (
    "Install Graphviz from your system's packages: 'sudo apt-get install graphviz' "
    "(Debian, Ubuntu), 'brew install graphviz' (macOS) or "
    "'conda install -c conda-forge graphviz'; then check that 'dot -V' runs."
)


class GraphvizMissingError(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's ``dot`` program, and it is not on the PATH."""

    _msg = (
        "Graphviz's dot program is missing (could not run {!r}), so the picture cannot be "
        "rendered. Building the graph and its DOT source (.source) works without it. "
        + INSTALL_HINT
    )


class PictureToolsMissingError(GraphvizMissingError):
    """A PNG or PDF needs matplotlib or Graphviz's dot, and neither is here (SVG needs none)."""

    _msg = "{}"


@contextmanager
def _needs_dot() -> Iterator[None]:
    """Turn graphviz's terse 'failed to execute', and any failure to start dot (Pyodide
    cannot start programs at all), into an error that says what to install."""
    try:
        yield
    except GraphvizMissingError:
        raise
    except graphviz.ExecutableNotFound as e:
        cause = e.__cause__
        program = cause.filename if isinstance(cause, OSError) and cause.filename else "dot"
        raise GraphvizMissingError([str(program)]) from e
    except OSError as e:  # not a file of ours: the program could not be started
        if e.filename is not None and Path(str(e.filename)).name not in graphviz.ENGINES:
            raise
        raise GraphvizMissingError(["dot"]) from e


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` written from a figure, which deltagrad draws itself.

    ``.svg()`` is the picture laid out and written by deltagrad, and what Jupyter
    shows inline. The rest is the Digraph, for those who want Graphviz: ``.source``
    is the DOT text, and ``.render()`` and ``.pipe()`` run Graphviz, saying how to
    install it when ``dot`` is missing (or cannot be started, as under Pyodide).
    """

    figure: Figure | None = None

    @classmethod
    def of(cls, figure: Figure) -> Drawing:
        """The Digraph of ``figure``."""
        g = cls(figure.name)
        write_dot(figure, g)
        g.figure = figure
        return g

    def scene(self) -> Scene:
        """The figure laid out by deltagrad (once: later calls give the same scene)."""
        if self.figure is None:
            raise ValueError("this Drawing was not made from a figure: draw it with Graphviz "
                             "(.pipe(), .render())")
        if getattr(self, "_scene", None) is None:
            self._scene = lay_out(self.figure)
        return self._scene

    def svg(self) -> str:
        """The picture as SVG, laid out and written by deltagrad: no Graphviz needed."""
        return svg_document(self.scene())

    def slide_scene(self) -> Scene:
        """The figure laid out to show largest on a 1920 x 1080 slide (``for_slide``)."""
        if getattr(self, "_slide_scene", None) is None:
            self.scene()  # the same check that there is a figure
            assert self.figure is not None
            self._slide_scene = for_slide(self.figure)
        return self._slide_scene

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_image_svg_xml(self) -> str:  # what Jupyter shows: ours, with or without dot
        return self.svg()

    def copy(self) -> Drawing:  # noqa: D102 (the Digraph's own docstring applies)
        duplicate: Drawing = super().copy()
        duplicate.figure = self.figure
        return duplicate

    def pipe(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        with _needs_dot():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        with _needs_dot():
            return super().render(*args, **kwargs)


def save_picture(
    graph: graphviz.Digraph, path: str | os.PathLike[str], *, format: str | None = None
) -> Path:
    """Write the picture ``graph`` into the file ``path``, atomically; return the path.

    The format comes from the suffix unless given: ``.svg`` is written by
    deltagrad itself; ``.png`` and ``.pdf`` are drawn from the same layout by
    matplotlib (``pip install 'deltagrad[plots]'``), or by Graphviz where
    matplotlib is missing; ``.dot`` or ``.gv`` writes the DOT source itself.
    Graphviz's other formats (``.jpg``, ``.ps``, ...) need its ``dot`` program.
    A PNG is made for a slide: laid out to show largest in 1920 x 1080 pixels
    (turned, or wrapped into rows, where that helps) and scaled to fill them.
    The picture is made in memory and moved into place in one step, so a failed
    render never leaves a half-written file behind.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot save {str(path)!r}: the folder {str(path.parent)!r} does not exist"
        )
    if path.is_dir():
        raise IsADirectoryError(f"cannot save {str(path)!r}: it is a folder; give a file name")
    fmt = (format or path.suffix.lstrip(".")).lower()
    ours = isinstance(graph, Drawing) and graph.figure is not None
    if fmt in ("dot", "gv"):
        data = graph.source.encode("utf-8")
    elif fmt == "svg" and ours:
        data = graph.svg().encode("utf-8")
    elif fmt in DRAWN_FORMATS and ours:
        data = _drawn(graph, fmt, path)
    elif fmt in graphviz.FORMATS:
        data = _by_graphviz(graph, fmt)
    else:
        raise ValueError(
            f"cannot tell the picture format of {str(path)!r}: give a suffix such as .svg, "
            f".png, .pdf or .dot, or format= one of Graphviz's formats"
        )
    return atomic_write(path, lambda f: f.write(data), binary=True)


def _drawn(graph: Drawing, fmt: str, path: Path) -> bytes:
    """A PNG (slide-sized) or PDF of deltagrad's layout by matplotlib, else by Graphviz."""
    try:
        from autodiff.views.raster import image

        if fmt == "png":
            scene = graph.slide_scene()
            scale = slide_scale(scene)
            pixels = (min(SLIDE[0], round(scene.width * scale)),
                      min(SLIDE[1], round(scene.height * scale)))
            return image(scene, fmt, pixels)
        return image(graph.scene(), fmt)
    except ImportError:
        pass
    try:
        return _by_graphviz(graph, fmt)
    except GraphvizMissingError as error:
        raise PictureToolsMissingError([
            f"cannot save {str(path)!r}: a {fmt.upper()} is drawn by matplotlib or by "
            "Graphviz, and neither is here: matplotlib is not installed (pip install "
            "'deltagrad[plots]') and Graphviz's dot program is missing. SVG needs neither: "
            f"save it as {path.stem}.svg. " + INSTALL_HINT]) from error


def _by_graphviz(graph: graphviz.Digraph, fmt: str) -> bytes:
    if fmt in RASTER_FORMATS:
        graph = slide_sized(graph)
    with _needs_dot():
        picture: bytes = graph.pipe(format=fmt)
    return picture


def slide_sized(graph: graphviz.Digraph) -> graphviz.Digraph:
    """A copy of ``graph`` that renders scaled to fill a 1920 x 1080 slide (at 96 dpi)."""
    sized = graph.copy()
    sized.attr(size=SLIDE_SIZE, dpi=str(SLIDE_DPI))
    return sized
