"""A notebook widget to move through numbered steps: a play button, a slider, and the step.

``stepper(...)`` is what ``show()`` of the step-by-step views and nn's time machine
return. It is an anywidget (https://anywidget.dev), so it runs wherever anywidget
does: Jupyter, JupyterLab, VS Code, Colab, marimo and JupyterLite. Its JavaScript,
``stepper.js`` beside this file, draws the controls and shows the current step:

* a picture (SVG) whose parts carry a ``data-part`` attribute, the current step's
  parts outlined in the highlight colour;
* the step's text, when the steps' texts are given (all of them at once, so moving
  through them needs no round trip to Python);
* an image, which Python may redraw on each step (the time machine's plots).

Where widgets do not run (a saved notebook on a code host), the notebook shows the
``static_html`` given instead. ``page_frame(...)`` shows a whole page, a live
walkthrough page, in a sandboxed frame (``Walkthrough.explore()``). anywidget is
optional (``pip install 'deltagrad[notebooks]'``) and imported when a widget is made,
never at import.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autodiff.views.pictures import HIGHLIGHT_COLOUR

_CSS = f"""
.deltagrad-stepper {{ font-family: system-ui, sans-serif; }}
.deltagrad-controls {{ display: flex; gap: 0.6em; align-items: center; margin-bottom: 0.5em; }}
.deltagrad-slider {{ flex: 1; max-width: 32em; }}
.deltagrad-play {{ min-width: 2.6em; }}
.deltagrad-picture {{ margin: 0.4em 0; }}
.deltagrad-picture svg {{ max-width: 100%; height: auto; }}
.deltagrad-text {{ padding: 0.4em 0.7em; border-left: 4px solid {HIGHLIGHT_COLOUR}; }}
/* the outline of a node or an edge: its first shape (a tooltip wraps it in a link) */
.deltagrad-hl path:first-of-type, .deltagrad-hl polygon:first-of-type,
.deltagrad-hl ellipse {{ stroke: {HIGHLIGHT_COLOUR} !important; stroke-width: 4; }}
.deltagrad-hl text {{ font-weight: bold; }}
"""


def stepper(*, first: int, last: int, picture: str = "", texts: Sequence[str] = (),
            highlights: Sequence[Sequence[str]] = (), image: str = "", interval: int = 1500,
            continuous: bool = True, static_html: str = "") -> Any:
    """A widget over the steps ``first``..``last``, starting at ``first``.

    ``texts[i]`` (HTML) and ``highlights[i]`` (the ``data-part`` names to outline in
    ``picture``) belong to step ``first + i``. ``interval`` is the milliseconds per
    step while playing; ``continuous=False`` moves the step only when the slider is let
    go (for steps Python takes a while to draw). The widget's ``step`` is the current
    step: observe it to redraw ``picture`` or ``image`` (a ``data:`` URL) from Python.
    """
    if last < first:
        raise ValueError(f"there are no steps to show: the last step {last} comes before the "
                         f"first {first}")
    for name, per_step in (("texts", texts), ("highlights", highlights)):
        if per_step and len(per_step) != last - first + 1:
            raise ValueError(f"{name} must hold one entry per step, {last - first + 1}, "
                             f"got {len(per_step)}")
    return _stepper_class()(
        first=first, last=last, step=first, picture=picture, texts=list(texts),
        highlights=[list(h) for h in highlights], image=image, interval=interval,
        continuous=continuous, static_html=static_html)


def page_frame(*, page: str, static_html: str = "", height: int = 720) -> Any:
    """A widget showing a whole page (a live walkthrough page) in a sandboxed frame.

    The page keeps its own script and styles: it runs inside the frame as it runs
    opened from disk, and nothing of the notebook's styles reaches it. ``height`` is
    the frame's in pixels; ``static_html`` is shown where widgets cannot run.
    """
    return _page_frame_class()(page=page, height=height, static_html=static_html)


@functools.cache
def _page_frame_class() -> type[Any]:
    """The page frame widget's class, made on first use (anywidget imported only then)."""
    anywidget, t = _anywidget()

    class PageFrame(anywidget.AnyWidget):  # type: ignore[misc,name-defined] # (untyped)
        _esm = _PAGE_FRAME_ESM
        page = t.Unicode("").tag(sync=True)
        height = t.Int(720).tag(sync=True)
        static_html = t.Unicode("")

        def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
            return _with_static_view(self, super()._repr_mimebundle_(**kwargs))

    return PageFrame


_PAGE_FRAME_ESM = """
function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.title = "a live page: change a number, every step recomputes";
  frame.setAttribute("sandbox", "allow-scripts");
  frame.style.width = "100%";
  frame.style.border = "1px solid #ddd";
  function show() {
    frame.style.height = model.get("height") + "px";
    frame.srcdoc = model.get("page");
  }
  model.on("change:page", show);
  model.on("change:height", show);
  show();
  el.appendChild(frame);
}
export default { render };
"""


def _anywidget() -> tuple[Any, Any]:
    """anywidget and traitlets, or an ImportError saying how to install them."""
    try:
        import anywidget
        import traitlets
    except ImportError as error:
        raise ImportError("stepping through in a notebook needs anywidget: pip install "
                          "'deltagrad[notebooks]'") from error
    return anywidget, traitlets


def _with_static_view(widget: Any, bundle: tuple[dict[str, Any], dict[str, Any]]
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The widget's mime bundle, with its static view as the HTML a code host shows."""
    data, metadata = bundle
    if widget.static_html:
        data = {**data, "text/html": widget.static_html}
    return data, metadata


@functools.cache
def _stepper_class() -> type[Any]:
    """The widget's class, made on first use: anywidget is imported only then."""
    anywidget, t = _anywidget()

    class Stepper(anywidget.AnyWidget):  # type: ignore[misc,name-defined] # (untyped)
        _esm = Path(__file__).with_name("stepper.js").read_text(encoding="utf-8")
        _css = _CSS
        first = t.Int(1).tag(sync=True)
        last = t.Int(1).tag(sync=True)
        step = t.Int(1).tag(sync=True)
        interval = t.Int(1500).tag(sync=True)
        continuous = t.Bool(True).tag(sync=True)
        picture = t.Unicode("").tag(sync=True)
        texts = t.List(t.Unicode()).tag(sync=True)
        highlights = t.List(t.List(t.Unicode())).tag(sync=True)
        image = t.Unicode("").tag(sync=True)
        static_html = t.Unicode("")  # not synced: only a notebook's saved output needs it

        @t.validate("step")  # type: ignore[untyped-decorator]  # (traitlets: untyped)
        def _a_step_shown(self, proposal: dict[str, Any]) -> int:
            step: int = proposal["value"]
            if not self.first <= step <= self.last:
                raise t.TraitError(f"step must be from {self.first} to {self.last}, got {step}")
            return step

        def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
            return _with_static_view(self, super()._repr_mimebundle_(**kwargs))

    return Stepper
