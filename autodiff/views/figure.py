"""A picture described once: what is drawn, before anyone decides how.

``draw``, ``draw_grads``, ``nn.draw_network`` and the steppers each build a
:class:`Figure`: nodes (with their label's parts in the lecture's notation,
their kind and colours), the edges between them, the groups that enclose
them, and tags written over the edges. Two writers read it: the DOT source
for Graphviz (``autodiff.views.dot_source``) and deltagrad's own drawing
(``autodiff.views.scene`` lays it out, ``autodiff.views.svg`` and
``autodiff.views.raster`` draw it), so the page, the notebook and the slide
show the same picture whether or not Graphviz is installed.

Label text is written in the small HTML-like markup Graphviz reads (``<I>``,
``<B>``, ``<SUB>``, ``<SUP>``, ``<FONT COLOR=.. POINT-SIZE=..>``), which
``autodiff.views.notation.lecture_html`` writes and ``autodiff.views.typeset``
reads back into runs of text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# The kinds of node a figure draws, each with its own look in every writer:
#   value      a rounded box of cells side by side (a Value: label, data, grad)
#   operation  a small grey oval (an operation between its operands and its result)
#   neuron     a circle, or an ellipse of stacked lines (a node a_j^l of a network)
#   title      bare text (a layer's title)
#   tag        text on a white ground, pinned over an edge (a weight's value)
KINDS = ("value", "operation", "neuron", "title", "tag")


@dataclass
class Node:
    """One node: its DOT name (also its SVG ``<title>``), kind, label parts and look.

    ``pos`` pins its centre, in inches with y upward (Graphviz's convention);
    unpinned nodes are placed by the layered layout. ``group`` names the
    groups around it, outermost first ("layer 2", "node 1"). An empty colour
    or a zero width means the kind's own.
    """

    name: str
    kind: str
    cells: tuple[str, ...]
    fill: str = ""
    colour: str = ""
    width: float = 0.0
    dashed: bool = False
    text_colour: str = ""
    pos: tuple[float, float] | None = None
    tooltip: str = ""
    group: tuple[str, ...] = ()


@dataclass
class Edge:
    """An arrow from node ``tail`` to node ``head``, with an optional label (markup)."""

    tail: str
    head: str
    label: str = ""
    colour: str = ""
    width: float = 0.0
    tooltip: str = ""

    @property
    def name(self) -> str:
        """The edge's name, as Graphviz titles it: "tail->head"."""
        return f"{self.tail}->{self.head}"


@dataclass
class Figure:
    """Nodes, edges and tags (labels drawn over the edges), a legend and a caption.

    ``direction`` is where the inputs are: "LR" (left to right), "RL", "TB" or
    "BT". A figure whose nodes are all pinned is drawn where they are pinned.
    """

    name: str
    direction: str
    nodes: list[Node]
    edges: list[Edge]
    tags: list[Node] = field(default_factory=list)
    legend: str = ""
    caption: str = ""

    @property
    def pinned(self) -> bool:
        return all(n.pos is not None for n in self.nodes)

    def outlined(self, parts: Iterable[str], colour: str, width: float) -> Figure:
        """A copy with the nodes and edges named in ``parts`` outlined in ``colour``."""
        parts = set(parts)
        return dataclasses.replace(
            self,
            nodes=[dataclasses.replace(n, colour=colour, width=width) if n.name in parts else n
                   for n in self.nodes],
            edges=[dataclasses.replace(e, colour=colour, width=width) if e.name in parts else e
                   for e in self.edges],
        )


def natural_order(text: str) -> list[tuple[int, int, str]]:
    """A sort key that puts "layer 2" before "layer 10": numbers compared as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", text) if part]
