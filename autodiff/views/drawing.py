"""A figure as something to show and save: a ``graphviz.Digraph`` that keeps its figure.

:class:`Drawing` is what ``draw`` and ``nn.draw_network`` return: a
``graphviz.Digraph`` (``.source`` is the DOT text, ``.pipe()`` and
``.render()`` run Graphviz for those who want it) that also holds the
:class:`~autodiff.views.figure.Figure` it was written from.
:func:`save_picture` writes it to a file, atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import graphviz

from autodiff.files import atomic_write
from autodiff.views.dot_source import write_dot
from autodiff.views.figure import Figure

# Raster pictures are made for a slide: scaled (up or down) to fill a 1920 x 1080
# pixel box, the "!" of Graphviz's size attribute.
SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX, SLIDE_DPI = 1920, 1080, 96
SLIDE_SIZE = f"{SLIDE_WIDTH_PX / SLIDE_DPI:g},{SLIDE_HEIGHT_PX / SLIDE_DPI:g}!"
RASTER_FORMATS = ("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp")

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


@contextmanager
def _needs_dot() -> Iterator[None]:
    """Turn graphviz's terse 'failed to execute' into an error that says what to install."""
    try:
        yield
    except GraphvizMissingError:
        raise
    except graphviz.ExecutableNotFound as e:
        cause = e.__cause__
        program = cause.filename if isinstance(cause, OSError) and cause.filename else "dot"
        raise GraphvizMissingError([str(program)]) from e


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` written from a figure, whose rendering says how to install
    Graphviz when ``dot`` is missing.

    Everything else is the Digraph: ``.source`` is the DOT text, Jupyter shows it
    inline as SVG, ``.render()`` and ``.pipe()`` make SVG, PNG or PDF.
    """

    figure: Figure | None = None

    @classmethod
    def of(cls, figure: Figure) -> Drawing:
        """The Digraph of ``figure``."""
        g = cls(figure.name)
        write_dot(figure, g)
        g.figure = figure
        return g

    def copy(self) -> Drawing:  # noqa: D102 (the Digraph's own docstring applies)
        duplicate = super().copy()
        duplicate.figure = self.figure
        return duplicate

    def pipe(self, *args, **kwargs):  # noqa: D102
        with _needs_dot():
            return super().pipe(*args, **kwargs)

    def render(self, *args, **kwargs):  # noqa: D102
        with _needs_dot():
            return super().render(*args, **kwargs)


def save_picture(
    graph: graphviz.Digraph, path: str | os.PathLike, *, format: str | None = None
) -> Path:
    """Render ``graph`` into the file ``path``, atomically; return the path.

    The format comes from the suffix (``.svg``, ``.png``, ``.pdf``, ...) unless
    given. ``.dot`` or ``.gv`` writes the DOT source itself and needs no Graphviz.
    A raster picture (PNG, ...) is scaled to fill a slide, 1920 x 1080 pixels
    (``slide_sized``); SVG and PDF scale by themselves.
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
    if fmt in ("dot", "gv"):
        data = graph.source.encode("utf-8")
    elif fmt in graphviz.FORMATS:
        if fmt in RASTER_FORMATS:
            graph = slide_sized(graph)
        with _needs_dot():
            data = graph.pipe(format=fmt)
    else:
        raise ValueError(
            f"cannot tell the picture format of {str(path)!r}: give a suffix such as .svg, "
            f".png, .pdf or .dot, or format= one of Graphviz's formats"
        )
    return atomic_write(path, lambda f: f.write(data), binary=True)


def slide_sized(graph: graphviz.Digraph) -> graphviz.Digraph:
    """A copy of ``graph`` that renders scaled to fill a 1920 x 1080 slide (at 96 dpi)."""
    sized = graph.copy()
    sized.attr(size=SLIDE_SIZE, dpi=str(SLIDE_DPI))
    return sized
