"""A figure as DOT source, for people who want Graphviz (``dot``, ``neato``) to draw it.

A figure with unpinned nodes becomes a ``dot`` graph laid out left to right
by Graphviz, its groups as nested clusters; a pinned one (a network diagram)
becomes a ``neato`` graph whose nodes stay where they are pinned. The text is
the same, byte for byte, for equal figures.
"""

from __future__ import annotations

import graphviz

from autodiff.views.figure import Edge, Figure, Node, natural_order

_TABLE = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLUMNS="*">'
_OP_ATTRS = ('shape=oval style=filled fillcolor="#f6f6f6" color="#888888" fontsize=11 '
             "margin=0.02 width=0.3 height=0.3")
_OPERAND_ATTRS = 'fontname=Helvetica fontsize=9 fontcolor="#555555"'
# A group's frame by its depth: a layer solid, the node inside it dashed.
_GROUP_ATTRS = ('color="#999999" fontname=Helvetica label="{}" style=rounded',
                'color="#bbbbbb" fontname=Helvetica fontsize=11 label="{}" style="rounded,dashed"')


def write_dot(figure: Figure, g: graphviz.Digraph) -> None:
    """Write ``figure`` into the empty graph ``g``: its attributes, nodes and edges."""
    if figure.pinned:
        _write_pinned(figure, g)
    else:
        _write_layered(figure, g)
    if figure.caption:  # a frame's: in place of the legend, above the picture
        g.attr(label=f"<{figure.caption}>", labelloc="t", fontsize="18", bgcolor="white",
               pad="0.3")


def _write_layered(figure: Figure, g: graphviz.Digraph) -> None:
    """A computation graph for ``dot``: clusters first (so dot meets layer 1 first), then
    the other nodes, then the edges.

    The lines are written here rather than by Digraph.node(): graphviz's quoting
    of every attribute costs most of the time on a large graph, and every value
    is either one of the constants above or an escaped HTML label.
    """
    g.graph_attr.update(rankdir=figure.direction, nodesep="0.2", ranksep="0.3")
    g.node_attr.update(shape="box", style="rounded,filled", margin="0.05",
                       fontname="Helvetica", fontsize="12")
    g.edge_attr.update(color="#555555", arrowsize="0.6")
    grouped = [n for n in figure.nodes if n.group]
    g.body.extend(_clusters(grouped, (), 1))
    g.body.extend(_node_line(n, 1) for n in figure.nodes if not n.group)
    g.body.extend(_edge_line(e) for e in figure.edges)


def _clusters(nodes: list[Node], outer: tuple[str, ...], depth: int) -> list[str]:
    """The clusters of ``nodes`` inside the group ``outer``, in natural order ("layer 2"
    before "layer 10"), each holding its own nodes in their order."""
    lines = []
    for label in sorted({n.group[len(outer)] for n in nodes}, key=natural_order):
        path = (*outer, label)
        inside = [n for n in nodes if n.group[:len(path)] == path]
        tabs = "\t" * depth
        name = "cluster_" + "_".join(part.replace(" ", "") for part in path)
        attrs = _GROUP_ATTRS[min(depth - 1, 1)].format(label)
        lines += [f"{tabs}subgraph {name} {{\n", f"{tabs}\tgraph [{attrs}]\n"]
        lines += _clusters([n for n in inside if len(n.group) > len(path)], path, depth + 1)
        lines += [_node_line(n, depth + 1) for n in inside if len(n.group) == len(path)]
        lines.append(f"{tabs}}}\n")
    return lines


def _node_line(n: Node, depth: int) -> str:
    tabs = "\t" * depth
    if n.kind == "operation":
        return f"{tabs}{n.name} [label=<{n.cells[0]}> {_OP_ATTRS}]\n"
    row = "".join(f"<TD>{c}</TD>" for c in n.cells)
    outline = f' color="{n.colour}" penwidth={n.width:g}' if n.colour else ""
    label = f"{_TABLE}<TR>{row}</TR></TABLE>"
    return f'{tabs}{n.name} [label=<{label}> fillcolor="{n.fill}"{outline}]\n'


def _edge_line(e: Edge) -> str:
    attrs = f"label=<{e.label}> {_OPERAND_ATTRS}" if e.label else ""
    if e.colour:
        attrs += f' color="{e.colour}" penwidth={e.width:g}'
    return f"\t{e.tail} -> {e.head}" + (f" [{attrs.strip()}]" if attrs else "") + "\n"


def _write_pinned(figure: Figure, g: graphviz.Digraph) -> None:
    """A network diagram for ``neato``: every node pinned, edges straight, drawn first."""
    g.engine = "neato"
    g.graph_attr.update(splines="line", outputorder="edgesfirst", fontname="Helvetica",
                        fontsize="10", labelloc="b", label=f"<{figure.legend}>")
    g.node_attr.update(shape="circle", style="filled", fontname="Helvetica", fontsize="14",
                       width="0.6", margin="0.04")
    g.edge_attr.update(arrowsize="0.5", fontname="Helvetica", fontsize="10")
    for n in figure.nodes:
        if n.kind == "title":
            g.node(n.name, n.cells[0], shape="plaintext", style="", fontsize="12",
                   pos=_pin(n.pos))
        else:
            g.node(n.name, f"<{_stacked(n.cells)}>", pos=_pin(n.pos), **_neuron_attrs(n))
    for e in figure.edges:
        g.edge(e.tail, e.head, color=e.colour, penwidth=f"{e.width:.2f}", tooltip=e.tooltip)
    for t in figure.tags:
        g.node(t.name, f'<<TABLE BORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>'
                       f"{t.cells[0]}</TD></TR></TABLE>>", shape="plain", style="",
               fontcolor=t.text_colour, fontsize="10", pos=_pin(t.pos), tooltip=t.tooltip)


def _neuron_attrs(n: Node) -> dict[str, str]:
    attrs = {"fillcolor": n.fill, "shape": "circle" if len(n.cells) == 1 else "ellipse",
             "tooltip": n.tooltip}
    if n.dashed:
        attrs.update(style="filled,dashed", penwidth="3", color="#444444")
    if n.colour:
        attrs.update(color=n.colour, penwidth=f"{n.width:g}")
    return attrs


def _stacked(lines: tuple[str, ...]) -> str:
    """Lines of an HTML-like label, one above the other, the first in the node's own size."""
    if len(lines) == 1:
        return lines[0]
    rows = [f"<TR><TD>{lines[0]}</TD></TR>"]
    rows += [f'<TR><TD><FONT POINT-SIZE="10">{line}</FONT></TD></TR>' for line in lines[1:]]
    return f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="3">{"".join(rows)}</TABLE>'


def _pin(xy: tuple[float, float] | None) -> str:
    """Graphviz's pos attribute for a point in inches, pinned ("!") for neato."""
    assert xy is not None
    return f"{xy[0]:.2f},{xy[1]:.2f}!"
