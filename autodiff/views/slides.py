"""A sequence of steps over one picture: a page to step through, frames for slides, a GIF.

Both step-by-step views of the project, backpropagation through any
expression (``autodiff.views.steps``) and through a network in the lecture's
equations (``nn.walkthrough``), are a picture (a graphviz Drawing) and a list
of steps, each naming the parts of the picture it is about. :class:`Slides`
turns that into

* ``html()``: one self-contained HTML page: the picture as inline SVG, the
  steps beside it, Previous/Next buttons, the arrow keys and a slider to move,
  and ``#step=N`` in the address to open at step N (counted from 1, as the
  page numbers them). The current step's parts of the picture are outlined.
  The page fetches nothing (a Content-Security-Policy says so to the
  browser): no scripts, fonts or math renderers from elsewhere;
* ``frames(folder)``: one picture per step, the step's parts outlined and its
  line typeset above it as on the page, all of one size: the picture is laid out
  once, for a 1920 x 1080 slide (PNG by matplotlib; SVG needs nothing);
* ``gif(path)``: the frames as an animated GIF (with Pillow, which matplotlib
  brings);
* ``widget()``: in a notebook, the picture and the current step with a slider
  and a play button (an anywidget: ``autodiff.views.widgets``).

Parts of the picture are named as in its DOT source: a node "a2_1", an edge
"a1_1->a2_1".
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from autodiff.files import atomic_write, atomic_write_text
from autodiff.validate import whole_number
from autodiff.views.document import html_document
from autodiff.views.drawing import Drawing, slide_sized
from autodiff.views.live import Live
from autodiff.views.op_twins import op_table_js
from autodiff.views.pictures import HIGHLIGHT_COLOUR
from autodiff.views.scene import SLIDE, Scene, caption_lines, captioned, outlined
from autodiff.views.svg import svg_document, svg_element

PAGE_SCRIPT = Path(__file__).with_name("page.js")  # the pages' script: stepper and live part


@dataclass(frozen=True)
class Slide:
    """One step: ``symbol`` and ``value`` (what it computes, plain text and number), its
    ``html`` for the page, its ``caption`` (plain text) for frames, and the parts of the
    picture to outline; on a live page, its value's ``quantity``."""

    symbol: str
    value: float | None
    html: str
    caption: str
    highlight: tuple[str, ...] = ()
    quantity: int | None = None  # its value's place among a live page's quantities


class Slides:
    """A title, a picture and its slides; see the module docstring for the outputs."""

    def __init__(self, title: str, picture: Drawing, slides: Sequence[Slide],
                 intro_html: str = "", live: Live | None = None) -> None:
        if not slides:
            raise ValueError("there are no steps to show")
        self.title = title
        self.picture = picture
        self.slides = list(slides)
        self.intro_html = intro_html
        self.live = live

    # ------------------------------------------------------------------ the page

    def html(self) -> str:
        """The whole page, as a string: live when the slides carry a live page's numbers."""
        svg = _inline_svg(svg_element(self.picture.scene()))
        items = "\n".join(
            f'<li data-symbol="{html.escape(s.symbol)}" '
            f'data-value="{"" if s.value is None else repr(s.value)}"'
            + ("" if s.quantity is None else f' data-q="{s.quantity}"') + f">{s.html}</li>"
            for s in self.slides
        )
        highlights = _script_json([list(s.highlight) for s in self.slides])
        script = PAGE_SCRIPT.read_text(encoding="utf-8")
        numbers = data = ""
        if self.live is not None:
            numbers = _NUMBERS.format(inputs=self.live.inputs_html())
            data = ('<script type="application/json" id="deltagrad-live">'
                    f"{_script_json(self.live.data())}</script>")
            script = f"const OPS = {op_table_js()};\n{script}"
        body = _BODY.format(title=html.escape(self.title), intro=self.intro_html, svg=svg,
                            items=items, last=len(self.slides), highlights=highlights,
                            numbers=numbers, data=data)
        return html_document(self.title, body, style=_STYLE.format(colour=HIGHLIGHT_COLOUR),
                             script=script)

    def iframe(self) -> str:
        """The page inside an iframe, for Jupyter (its script and styles stay its own)."""
        page = html.escape(self.html(), quote=True)
        return (f'<iframe srcdoc="{page}" style="width: 100%; height: 640px; border: 1px solid '
                f'#ddd" sandbox="allow-scripts"></iframe>')

    def save(self, path: str | os.PathLike[str], *, text: Callable[[], str] | None = None,
             markdown: Callable[[], str] | None = None) -> Path:
        """Write the page (.html), or the steps as .txt or .md, or a .gif, by the suffix."""
        path = Path(path)
        suffix = path.suffix.lower()
        writers = {".html": self.html, ".htm": self.html, ".txt": text, ".md": markdown}
        if suffix == ".gif":
            return self.gif(path)
        write = writers.get(suffix)
        if write is None:
            known = ".html, .gif" + (", .txt" if text else "") + (", .md" if markdown else "")
            raise ValueError(f"cannot tell what to write to {str(path)!r}: give a suffix "
                             f"{known}")
        return atomic_write_text(path, write())

    # ------------------------------------------------------------------ frames

    def frame(self, n: int) -> Drawing:
        """The picture of step n (counted from 1, as the page numbers them): its parts
        outlined, its text as a caption."""
        k = step_index(n, len(self.slides))
        slide = self.slides[k]
        self.picture.scene()  # (the check that the picture was drawn from a figure)
        assert self.picture.figure is not None
        figure = self.picture.figure.outlined(slide.highlight, HIGHLIGHT_COLOUR, 4.0)
        figure.caption = _caption_markup(f"{n}. {slide.html}")
        sized = slide_sized(Drawing.of(figure))
        assert isinstance(sized, Drawing)  # (a Drawing's copy is a Drawing)
        return sized

    def frame_scenes(self) -> list[Scene]:
        """Each step's picture, laid out once for a slide: its parts outlined, its line
        typeset above, every frame with room for the longest caption (so one size)."""
        base = self.picture.slide_scene()
        captions = [f"{k}. {s.html}" for k, s in enumerate(self.slides, start=1)]
        lines = max(caption_lines(base, c) for c in captions)
        return [captioned(outlined(base, s.highlight, HIGHLIGHT_COLOUR, 4.0), c, lines)
                for s, c in zip(self.slides, captions)]

    def frames(self, folder: str | os.PathLike[str], format: str = "png") -> list[Path]:
        """Write step001.<format>, step002.<format>, ... into ``folder`` (made if missing),
        all 1920 x 1080 pixels (PNG) or of one size (SVG); return the paths."""
        if format not in ("png", "svg"):
            raise ValueError(f"format must be 'png' or 'svg', got {format!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(len(self.slides))))
        render: Callable[[Scene], str | bytes] = svg_document if format == "svg" else _png

        def writer(scene: Scene) -> Callable[[IO[Any]], object]:
            return lambda f: f.write(_encoded(render(scene)))

        return [atomic_write(folder / f"step{k:0{width}d}.{format}", writer(scene), binary=True)
                for k, scene in enumerate(self.frame_scenes(), start=1)]

    def gif(self, path: str | os.PathLike[str], seconds: float = 1.5) -> Path:
        """An animated GIF of the frames, ``seconds`` per step (the last one held longer)."""
        try:
            from PIL import Image
        except ImportError as error:
            raise ImportError("a GIF needs Pillow: pip install 'deltagrad[plots]' "
                              "(matplotlib brings it)") from error
        import io

        frames = [Image.open(io.BytesIO(_png(scene))).convert("RGB").convert(
            "P", palette=Image.Palette.ADAPTIVE) for scene in self.frame_scenes()]
        durations = [int(seconds * 1000)] * (len(frames) - 1) + [int(seconds * 3000)]
        return atomic_write(path, lambda f: frames[0].save(
            f, format="GIF", save_all=True, append_images=frames[1:], duration=durations,
            loop=0), binary=True)

    # ------------------------------------------------------------------ Jupyter

    def page_widget(self) -> Any:
        """The whole page in a notebook (an anywidget showing it in a sandboxed frame): a
        live page recomputes there as it does opened from disk."""
        from autodiff.views.widgets import page_frame

        return page_frame(page=self.html(), static_html=_first_step_view(self))

    def widget(self) -> Any:
        """A notebook stepper (anywidget): the picture with the step's parts outlined, its
        text, a slider and a play button; the first step as a static view for code hosts."""
        from autodiff.views.widgets import stepper

        svg = _tag_parts(_inline_svg(svg_element(self.picture.scene())))
        return stepper(first=1, last=len(self.slides), picture=svg,
                       texts=[s.html for s in self.slides],
                       highlights=[s.highlight for s in self.slides],
                       static_html=_static_view(svg, self.slides[0], len(self.slides)))


def step_index(n: object, count: int) -> int:
    """The place in a list of ``count`` steps of step ``n``, which people count from 1 (the
    pages, the texts, #step=N): n - 1, or an error naming the steps there are."""
    n = whole_number(n, "a step number")
    if not 1 <= n <= count:
        raise IndexError(f"there is no step {n}: the steps are numbered from 1 to {count}, "
                         "as the page numbers them")
    return n - 1


def _first_step_view(slides: Slides) -> str:
    """Step 1 as plain HTML over the picture, for where a widget cannot run."""
    svg = _tag_parts(_inline_svg(svg_element(slides.picture.scene())))
    return _static_view(svg, slides.slides[0], len(slides.slides))


def _caption_markup(line: str) -> str:
    """A step's line as the page writes it, as a figure's caption: the label markup that
    deltagrad's drawing and Graphviz's both read (italic, bold, sub- and superscripts);
    the page's spans go, their text stays."""
    return re.sub(r"</?span[^>]*>", "", line)


def _png(scene: Scene) -> bytes:
    """A frame as a PNG of exactly a slide's 1920 x 1080 pixels, drawn by matplotlib."""
    try:
        from autodiff.views.raster import image

        return image(scene, "png", SLIDE)
    except ImportError as error:
        raise ImportError("PNG frames are drawn by matplotlib: pip install 'deltagrad[plots]'; "
                          "frames(folder, format='svg') needs nothing") from error


def _encoded(picture: str | bytes) -> bytes:
    return picture.encode("utf-8") if isinstance(picture, str) else picture


def _script_json(data: object) -> str:
    """JSON to put inside a <script> element: no "</" that would end it early."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def _inline_svg(svg: str) -> str:
    """An ``<svg>`` element, fit to the page: as wide as its place, never taller than the
    window (its viewBox keeps its proportions)."""
    fit = 'style="width: 100%; height: auto; max-height: 85vh"'
    return re.sub(r'width="[^"]*pt" height="[^"]*pt"', fit, svg, count=1)


def _static_view(svg: str, slide: Slide, n: int) -> str:
    """Step 1 as plain HTML, its parts outlined, for where the stepper widget cannot run."""
    outline = ", ".join(f'g[data-part="{html.escape(p)}"]' for p in slide.highlight)
    style = (f"<style>{outline} polygon, {outline} path, {outline} ellipse "
             f"{{ stroke: {HIGHLIGHT_COLOUR}; stroke-width: 4; }}</style>" if outline else "")
    return (f'{style}<div class="deltagrad-stepper">{svg}</div>'
            f"<p><b>Step 1 of {n}.</b> {slide.html}</p><p><i>{n} steps: run the notebook to "
            "step through them with the slider.</i></p>")


def _tag_parts(svg: str) -> str:
    """Give each node and edge group of Graphviz's SVG a data-part attribute: its DOT name."""
    def tag(m: re.Match[str]) -> str:
        name = html.unescape(m.group(3)).replace("&#45;", "-")
        return f'{m.group(1)} data-part="{html.escape(name)}"{m.group(2)}<title>{m.group(3)}'

    return re.sub(r'(<g id="[^"]*" class="(?:node|edge)")(>\s*)<title>([^<]*)', tag, svg)


_NUMBERS = """<section id="numbers" aria-labelledby="numbers-title">
<h2 id="numbers-title">Change a number</h2>
<p>Every step recomputes as you type, and the address keeps your numbers: share it.
<button id="reset" type="button">Reset the numbers</button></p>
<p id="status" role="status" aria-live="polite"></p>
{inputs}
</section>"""

# The stepper page's own look, after the shared one (autodiff.views.document).
_STYLE = """
  .intro {{ overflow-wrap: anywhere; }}
  main {{ display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }}
  main > * {{ min-width: 0; }}
  #side {{ flex: 1 1 480px; }}  /* the picture, and under it the numbers to change */
  figure {{ margin: 0; }}
  figure svg {{ max-width: 100%; }}
  #steps {{ flex: 1 1 360px; max-width: 46em; }}
  nav {{ display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; margin-bottom: 0.8em; }}
  nav input[type=range] {{ flex: 1 1 8em; min-width: 6em; }}
  #current {{ font-size: 1.1em; padding: 0.6em 0.8em; background: #fff8e6;
             border-left: 4px solid {colour}; margin-bottom: 0.8em; min-height: 2.4em;
             overflow-wrap: anywhere; }}
  ol {{ max-height: 60vh; overflow-y: auto; padding-left: 2.6em; margin: 0; }}
  li {{ padding: 0.15em 0.3em; overflow-wrap: anywhere; }}
  li.current {{ background: #ffe9b3; }}
  li.from {{ outline: 2px solid #0072b2; }}
  li.to {{ outline: 2px dashed #555; }}
  li:focus-within, ol:focus {{ outline: 2px solid #0072b2; }}
  .eq {{ color: #555; }}
  #numbers {{ margin-top: 1em; }}
  #numbers details {{ margin: 0.4em 0; }}
  #numbers summary {{ cursor: pointer; font-weight: 600; }}
  .fields {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(11em, 1fr));
             gap: 0.3em 0.8em; margin: 0.4em 0; }}
  .field label {{ display: inline-block; min-width: 2.8em; }}
  .field input {{ width: 7.5em; font: inherit; }}
  input.from {{ outline: 3px solid #0072b2; }}
  input[aria-invalid=true] {{ outline: 3px solid #b2182b; }}
  .stale #list, .stale #current {{ opacity: 0.5; }}
  /* the outline of a node or an edge: its first shape (a tooltip wraps it in a link) */
  .hl path:first-of-type, .hl polygon:first-of-type, .hl ellipse {{
    stroke: {colour} !important; stroke-width: 4; }}
  .linked path:first-of-type, .linked polygon:first-of-type, .linked ellipse {{
    stroke: #0072b2 !important; stroke-width: 4; }}
  .hl text {{ font-weight: bold; }}
"""

_BODY = """<h1>{title}</h1>
{intro}
<main>
<div id="side">
<figure id="picture" aria-label="the picture the steps are shown on">{svg}</figure>
{numbers}
</div>
<section id="steps" aria-label="the steps">
<nav aria-label="move through the steps">
  <button id="prev" type="button" title="Previous step (left arrow)">&#9664; Previous</button>
  <input id="slider" type="range" min="1" max="{last}" value="1" aria-label="step">
  <button id="next" type="button" title="Next step (right arrow)">Next &#9654;</button>
  <span id="counter" aria-live="polite"></span>
</nav>
<div id="current"></div>
<ol id="list" tabindex="0" aria-label="every step">
{items}
</ol>
</section>
</main>
<script type="application/json" id="deltagrad-highlights">{highlights}</script>
{data}"""
