"""Views of a graph for people: pictures, the backward sweep step by step, slides.

    notation      the lecture's labels and numbers in text, HTML and TeX
    pictures      draw (a computation graph), draw_grads
    figure        a picture described once: nodes, edges, groups, tags
    dot_source    a figure as DOT, for Graphviz
    layered       the layered layout of a graph (Sugiyama's method)
    typeset       label markup as runs of text; font_metrics: their widths
    scene         a figure laid out: every shape, curve and text placed
    svg, raster   a scene drawn as SVG, or as PNG/PDF by matplotlib
    drawing       Drawing (the Digraph that keeps its figure), save_picture
    steps         backward_steps: backward() step by step, numbers plugged in
    slides        steps over a picture: a stepper page (page.js its script), frames, a GIF
    live          live pages: the graph as data, where each number of a step comes from
    op_twins      the op table's rules translated to JavaScript, for the live pages
    widgets       the notebooks' stepper (an anywidget)

Each reads the engine's core (``autodiff.value``, ``autodiff.ops``,
``autodiff.sweep``), never another view's strings.
"""

from autodiff.views.pictures import draw, draw_grads, save_picture
from autodiff.views.steps import BackwardSteps, backward_steps

__all__ = ["BackwardSteps", "backward_steps", "draw", "draw_grads", "save_picture"]
