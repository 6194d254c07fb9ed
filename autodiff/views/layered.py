"""A layered drawing of a directed acyclic graph (Sugiyama's method), in pure Python.

Computation graphs are drawn as Graphviz's ``dot`` draws them, in four steps:

1. **Ranks.** Each node goes one rank before its earliest user (the longest path
   from it to the root, counted back from the root), so a weight sits right
   beside the product that uses it. An edge spanning several ranks passes
   through a placeholder point in each rank between.
2. **Order within ranks.** Starting from the order the nodes were listed in,
   sweeps back and forth sort each rank by the barycentre of its neighbours in
   the rank before (or after), keeping the order with the fewest crossings.
   Members of a group stay together in every rank, groups in one order.
3. **Coordinates.** Ranks are columns; within a rank, items keep their order
   and their distance, and each is pulled to the mean position of its
   neighbours: per rank, the closest such positions are an isotonic
   regression, solved exactly by pooling adjacent violators. Groups are then
   pushed apart until no two frames overlap.
4. **Routes.** An edge leaves its tail at the side facing the next rank, runs
   straight through its rank's column, curves across the gap between columns
   (where there are no boxes), runs straight through each placeholder's column,
   and enters its head from the side.

Coordinates here are "along" the ranks and "across" them; the caller turns them
into x and y for the direction asked (left to right, top to bottom, ...).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from autodiff.views.figure import natural_order

RANK_GAP = 28.0  # between columns, room for the curves and an edge's label
NODE_GAP = 10.0  # between boxes in a rank
DUMMY_GAP = 4.0  # beside a placeholder point
ROW_GAP, LANE = 16.0, 4.0  # between rows of a wrapped layout, and between edges there
FRAME_PAD = 7.0  # between a group's frame and what it holds
SWEEPS = 6
Box = tuple[float, float, float, float]  # along_0, across_0, along_1, across_1
Point = tuple[float, float]
Ranked = tuple[float, float, int]  # a point (along, across) in the column of a rank
Piece = tuple[str, Point, Point]  # "line" or "curve", from a point to a point


@dataclass
class Layout:
    """Where everything goes: node centres, each edge's pieces ("line" or "curve", from a
    point to a point), each group's frames (one per row it is in), the whole size."""

    centres: dict[str, Point]
    routes: list[list[Piece]]
    frames: dict[tuple[str, ...], list[Box]] = field(default_factory=dict)
    size: tuple[float, float] = (0.0, 0.0)


def dag_layout(nodes: Sequence[str], sizes: dict[str, tuple[float, float]],
            edges: Sequence[tuple[str, str]], groups: dict[str, tuple[str, ...]] | None = None,
            label_room: Sequence[float] = (0.0,), label_along: bool = False) -> _Graph:
    """Lay out the DAG: ``sizes`` are each node's (along, across) extent; ``groups`` give
    each node's group path, outermost first; ``label_room`` is the room a frame's label
    takes at the start of its across side (along side, with ``label_along``), by depth
    (the last repeats). ``.layout(rows)`` gives the result."""
    graph = _Graph(list(nodes), sizes, list(edges), groups or {}, label_room, label_along)
    graph.order()
    graph.coordinates()
    if any(graph.groups):
        graph.separate_groups()
    return graph


class _Graph:
    """The graph as items (nodes, then placeholders) in ranks; see the module docstring."""

    def __init__(self, nodes: list[str], sizes: dict[str, Point], edges: list[tuple[str, str]],
                 groups: dict[str, tuple[str, ...]], label_room: Sequence[float],
                 label_along: bool) -> None:
        self.label_room, self.label_along = label_room, label_along
        index = {name: i for i, name in enumerate(nodes)}
        self.names = nodes
        self.size = [sizes[n] for n in nodes]
        self.groups = [tuple(groups.get(n, ())) for n in nodes]
        self.rank = _ranks(len(nodes), [(index[t], index[h]) for t, h in edges])
        self.listed = [float(i) for i in range(len(nodes))]  # where each item was listed
        self.edges = [(index[t], index[h]) for t, h in edges]
        self.chains = [self._chain(t, h) for t, h in self.edges]
        keys = _group_keys(self.groups)
        self.key = [keys[g] for g in self.groups]
        for chain in self.chains:  # a placeholder sorts with the group of its edge's head
            for d in chain[1:-1]:
                self.key[d] = self.key[chain[-1]]
        self.ranks: list[list[int]] = [[] for _ in range(max(self.rank, default=0) + 1)]
        for i in sorted(range(len(self.rank)), key=lambda i: (self.key[i], self.listed[i])):
            self.ranks[self.rank[i]].append(i)
        self.pos = [0] * len(self.rank)
        for rank in self.ranks:
            self._number(rank)
        self.pred: list[list[int]] = [[] for _ in self.rank]
        self.succ: list[list[int]] = [[] for _ in self.rank]
        for chain in self.chains:
            for a, b in zip(chain, chain[1:]):
                self.succ[a].append(b)
                self.pred[b].append(a)

    def _chain(self, t: int, h: int) -> list[int]:
        """The items an edge passes: its tail, a placeholder per rank between, its head."""
        chain = [t]
        for r in range(self.rank[t] + 1, self.rank[h]):
            self.rank.append(r)
            self.size.append((0.0, 0.0))
            self.groups.append(())
            self.listed.append(t + 0.5)  # a placeholder: as if just after its tail
            chain.append(len(self.rank) - 1)
        return [*chain, h]

    def _number(self, rank: list[int]) -> None:
        for k, i in enumerate(rank):
            self.pos[i] = k

    def is_node(self, i: int) -> bool:
        return i < len(self.names)

    # ------------------------------------------------------------------ order

    def order(self) -> None:
        """Barycentre sweeps, down and up, keeping the order with the fewest crossings."""
        best, fewest = [list(r) for r in self.ranks], self.crossings()
        for sweep in range(SWEEPS):
            down = sweep % 2 == 0
            for r in (range(1, len(self.ranks)) if down else range(len(self.ranks) - 2, -1, -1)):
                self._sort_rank(r, self.pred if down else self.succ)
            crossings = self.crossings()
            if crossings < fewest:
                best, fewest = [list(r) for r in self.ranks], crossings
        self.ranks = best
        for rank in self.ranks:
            self._number(rank)

    def _sort_rank(self, r: int, neighbours: list[list[int]]) -> None:
        def barycentre(i: int) -> tuple[tuple[int, int], float, int]:
            near = neighbours[i]
            centre = sum(self.pos[j] for j in near) / len(near) if near else self.pos[i]
            return (self.key[i], centre, self.pos[i])

        self.ranks[r].sort(key=barycentre)
        self._number(self.ranks[r])

    def crossings(self) -> int:
        """How many pairs of edges cross between neighbouring ranks."""
        total = 0
        for upper in self.ranks[:-1]:
            ends = sorted((self.pos[i], self.pos[j]) for i in upper for j in self.succ[i])
            total += _inversions([b for _, b in ends])
        return total

    # ------------------------------------------------------------------ coordinates

    def coordinates(self) -> None:
        """Columns along; across, each item pulled towards its neighbours, order kept."""
        widths = [max((self.size[i][0] for i in rank), default=0.0) for rank in self.ranks]
        self.columns, start = [], 0.0
        for width in widths:
            self.columns.append((start, start + width))
            start += width + RANK_GAP
        self.y = [0.0] * len(self.rank)
        for rank in self.ranks:
            self._place(rank, [0.0] * len(rank))
        for sweep in range(2 * SWEEPS):
            down = sweep % 2 == 0
            for r in (range(1, len(self.ranks)) if down else range(len(self.ranks) - 2, -1, -1)):
                near = self.pred if down else self.succ
                rank = self.ranks[r]
                self._place(rank, [sum(self.y[j] for j in near[i]) / len(near[i]) if near[i]
                                   else self.y[i] for i in rank])

    def gap(self, a: int, b: int) -> float:
        """The least distance between the centres of neighbours a and b in a rank."""
        space = DUMMY_GAP if not (self.is_node(a) and self.is_node(b)) else NODE_GAP
        if self.is_node(a) and self.is_node(b) and self.groups[a] != self.groups[b]:
            space += 2 * FRAME_PAD
        return (self.size[a][1] + self.size[b][1]) / 2 + space

    # ------------------------------------------------------------------ groups

    def separate_groups(self) -> None:
        """Push groups (and nodes outside any) down until no two frames overlap.

        Sibling groups come in one order in every rank; a later one that meets an
        earlier one (their frames share some of the along axis) moves below it.
        Everything only moves down, in order, so this ends.
        """
        for _ in range(4 * len(self.names) + 1):
            moved = self._push_ranks() | self._push_siblings(())
            if not moved:
                break
        self._smooth_loose()

    def _siblings(self, outer: tuple[str, ...]) -> dict[tuple[str, ...] | int, list[int]]:
        """The nodes inside the group ``outer``, by the group (or node) they are part of
        one level down: a group's path, or i for node i directly in ``outer``."""
        depth = len(outer)
        inside = [i for i in range(len(self.names)) if self.groups[i][:depth] == outer]
        siblings: dict[tuple[str, ...] | int, list[int]] = {}
        for i in sorted(inside, key=lambda i: self.key[i]):
            group = self.groups[i]
            siblings.setdefault(group[:depth + 1] if len(group) > depth else i, []).append(i)
        return siblings

    def _smooth_loose(self) -> None:
        """With every group now fixed, pull what is in no group (and every placeholder)
        towards its neighbours again, between the boxes and frames around it."""
        frames = [self._frame(m, 0) for name, m in self._siblings(()).items()
                  if isinstance(name, tuple)]
        loose = [not self.groups[i] for i in range(len(self.rank))]
        floor = [max((f[3] + 2.0 for f in frames if f[0] < self.centre(i)[0] +
                      self.size[i][0] / 2 and self.centre(i)[0] - self.size[i][0] / 2 < f[2]),
                     default=-math.inf) if loose[i] and self.is_node(i) else -math.inf
                 for i in range(len(self.rank))]
        for sweep in range(2 * SWEEPS):
            down = sweep % 2 == 0
            near = self.pred if down else self.succ
            for rank in self.ranks if down else reversed(self.ranks):
                wanted = [sum(self.y[j] for j in near[i]) / len(near[i]) if near[i]
                          else self.y[i] for i in rank]
                self._place(rank, wanted, loose, floor)

    def _place(self, rank: list[int], wanted: list[float], free: list[bool] | None = None,
               floor: list[float] | None = None) -> None:
        """The positions closest to ``wanted`` that keep the rank's order and gaps
        (placeholders weigh more: long edges come straight). With ``free``, only the free
        items move, each run of them between the fixed items around it and above its
        ``floor``; a run with no room there stays where it is."""
        k = 0
        while k < len(rank):
            end = k
            while end < len(rank) and (free is None or free[rank[end]]):
                end += 1
            if end > k:
                self._place_run(rank, k, end, wanted, floor)
            k = end + 1

    def _place_run(self, rank: list[int], k: int, end: int, wanted: list[float],
                   floor: list[float] | None) -> None:
        run = rank[k:end]
        offsets = [0.0]
        for a, b in zip(run, run[1:]):
            offsets.append(offsets[-1] + self.gap(a, b))
        weights = [1.0 if self.is_node(i) else 4.0 for i in run]
        fitted = _isotonic([w - o for w, o in zip(wanted[k:end], offsets)], weights)
        lowest = self.y[rank[k - 1]] + self.gap(rank[k - 1], run[0]) if k else -math.inf
        for n, (i, o) in enumerate(zip(run, offsets)):  # isotonic: a floor holds for the rest
            if floor is not None:
                lowest = max(lowest, floor[i] + self.size[i][1] / 2 - o)
            fitted[n] = max(fitted[n], lowest)
        high = (self.y[rank[end]] - self.gap(run[-1], rank[end]) - offsets[-1]
                if end < len(rank) else math.inf)
        if all(z <= high for z in fitted):
            for i, z, o in zip(run, fitted, offsets):
                self.y[i] = z + o

    def _push_ranks(self) -> bool:
        moved = False
        for rank in self.ranks:
            for a, b in zip(rank, rank[1:]):
                least = self.y[a] + self.gap(a, b)
                if self.y[b] < least - 1e-9:
                    self.y[b], moved = least, True
        return moved

    def _push_siblings(self, outer: tuple[str, ...]) -> bool:
        moved, placed = False, list[Box]()
        for name, members in self._siblings(outer).items():
            box = self._frame(members, len(name) - 1 if isinstance(name, tuple) else -1)
            floor = max((b[3] for b in placed if b[0] < box[2] and box[0] < b[2]),
                        default=None)
            if floor is not None and box[1] < floor + 2.0:
                shift = floor + 2.0 - box[1]
                for i in members:
                    self.y[i] += shift
                box, moved = (box[0], box[1] + shift, box[2], box[3] + shift), True
            placed.append(box)
            if isinstance(name, tuple):
                moved |= self._push_siblings(name)
        return moved

    def _frame(self, members: list[int], depth: int) -> Box:
        """The box around ``members``: a group's frame (``depth`` >= 0) or a node's own box."""
        along0 = min(self.centre(i)[0] - self.size[i][0] / 2 for i in members)
        along1 = max(self.centre(i)[0] + self.size[i][0] / 2 for i in members)
        across0 = min(self.y[i] - self.size[i][1] / 2 for i in members)
        across1 = max(self.y[i] + self.size[i][1] / 2 for i in members)
        if depth < 0:
            return along0, across0, along1, across1
        groups = {self.groups[i] for i in members}
        inner = max(len(g) for g in groups) - depth - 1  # frames nested inside this one
        pad = FRAME_PAD * (inner + 1)
        room = sum(self.label_room[min(d, len(self.label_room) - 1)]
                   for d in range(depth, depth + inner + 1))
        if self.label_along:
            return along0 - pad - room, across0 - pad, along1 + pad, across1 + pad
        return along0 - pad, across0 - pad - room, along1 + pad, across1 + pad

    # ------------------------------------------------------------------ result

    def centre(self, i: int) -> tuple[float, float]:
        start, end = self.columns[self.rank[i]]
        return (start + end) / 2, self.y[i]

    def layout(self, rows: int = 1) -> Layout:
        """The result, the columns cut into ``rows`` rows one under another, as text wraps.

        An edge from the last column of a row to the first of the next goes out to
        the right, down in the gap under the row, left, and into its head from the
        left, each in a lane of its own.
        """
        cuts = self._cuts(rows)
        row_of = [sum(r >= c for c in cuts) for r in range(len(self.ranks))]
        pieces = [self._route(chain) for chain in self.chains]
        lanes: dict[int, int] = {}  # a row-crossing piece's lane, per row it leaves
        crossing = [(k, n) for k, route in enumerate(pieces) for n, (_, p, q) in
                    enumerate(route) if row_of[p[2]] != row_of[q[2]]]
        for k, n in sorted(crossing, key=lambda kn: pieces[kn[0]][kn[1]][1][1]):
            row = row_of[pieces[k][n][1][2]]
            lanes[row] = lanes.get(row, 0) + 1
        shift, tops = self._row_offsets(row_of, lanes)
        room = LANE * (max(lanes.values(), default=0) + 1)

        def moved(p: tuple[float, float, int]) -> tuple[float, float]:
            along, across = shift[row_of[p[2]]]
            return p[0] + along + room, p[1] + across

        used = dict.fromkeys(lanes, 0)
        routes = []
        for route in pieces:
            placed = []
            for kind, p, q in route:
                if row_of[p[2]] == row_of[q[2]]:
                    placed.append((kind, moved(p), moved(q)))
                else:
                    row = row_of[p[2]]
                    placed += self._detour(moved(p), moved(q), tops[row + 1], used[row], room)
                    used[row] += 1
            routes.append(placed)
        centres = {n: moved((*self.centre(i), self.rank[i])) for i, n in enumerate(self.names)}
        frames = self._frames(row_of, shift, room)
        boxes = [(*moved((*self.centre(i), self.rank[i])), *self.size[i]) for i in
                 range(len(self.names))]
        flat = [f for fs in frames.values() for f in fs]
        right = max([a + w / 2 for a, _, w, _ in boxes] + [f[2] for f in flat])
        bottom = max([c + h / 2 for _, c, _, h in boxes] + [f[3] for f in flat])
        return Layout(centres, routes, frames, (right + room, bottom))

    def _cuts(self, rows: int) -> list[int]:
        """The first rank of each row after the first: rows of about equal length."""
        total = self.columns[-1][1]
        cuts: list[int] = []
        for k in range(1, rows):
            r = min(range(1, len(self.columns)),
                    key=lambda r: abs(self.columns[r][0] - total * k / rows))
            if not cuts or r > cuts[-1]:
                cuts.append(r)
        return cuts

    def _row_offsets(self, row_of: list[int], lanes: dict[int, int]
                     ) -> tuple[list[tuple[float, float]], list[float]]:
        """How far each row moves (back to the left edge, and down below the rows before),
        and where each row's top ends up."""
        shift, tops, below = [], [], 0.0
        for row in range(max(row_of) + 1):
            ranks = [r for r in range(len(self.ranks)) if row_of[r] == row]
            items = [i for r in ranks for i in self.ranks[r]]
            frames = [self._frame(m, d) for m, d in
                      self._groups_in(set(ranks))]
            top = min([self.y[i] - self.size[i][1] / 2 for i in items] + [f[1] for f in frames])
            bottom = max([self.y[i] + self.size[i][1] / 2 for i in items] +
                         [f[3] for f in frames])
            shift.append((-self.columns[ranks[0]][0], below - top))
            tops.append(below)
            below += bottom - top + ROW_GAP + LANE * lanes.get(row, 0)
        return shift, tops

    def _groups_in(self, ranks: set[int]) -> list[tuple[list[int], int]]:
        """Each group's members within ``ranks``, with the group's depth."""
        found = []
        for path in sorted({g[:d] for g in self.groups for d in range(1, len(g) + 1)}):
            members = [i for i in range(len(self.names))
                       if self.groups[i][:len(path)] == path and self.rank[i] in ranks]
            if members:
                found.append((members, len(path) - 1))
        return found

    def _frames(self, row_of: list[int], shift: list[Point], room: float
                ) -> dict[tuple[str, ...], list[Box]]:
        """Each group's frame, one per row it has members in."""
        frames: dict[tuple[str, ...], list[Box]] = {}
        for row in range(max(row_of) + 1):
            ranks = {r for r in range(len(self.ranks)) if row_of[r] == row}
            for members, depth in self._groups_in(ranks):
                a0, c0, a1, c1 = self._frame(members, depth)
                da, dc = shift[row]
                frames.setdefault(self.groups[members[0]][:depth + 1], []).append(
                    (a0 + da + room, c0 + dc, a1 + da + room, c1 + dc))
        return frames

    def _detour(self, p: Point, q: Point, next_top: float, lane: int, room: float
                ) -> list[Piece]:
        """Pieces from p (end of a row) to q (start of the next row, whose top is at
        ``next_top``): out, down into the gap between the rows, back, down, in."""
        bottom = next_top - ROW_GAP / 2 - LANE * lane
        out = (p[0] + LANE * (lane + 1), p[1])
        back = (room - LANE * (lane + 1), bottom)
        return [("line", p, out), ("line", out, (out[0], bottom)), ("line", (out[0], bottom), back),
                ("line", back, (back[0], q[1])), ("line", (back[0], q[1]), q)]

    def _route(self, chain: list[int]) -> list[tuple[str, Ranked, Ranked]]:
        """The pieces of an edge, each point with its rank: a line out of the tail's side
        through its column, a curve across each gap, a line through each placeholder's
        column, and a line into the head's side."""
        tail, head = chain[0], chain[-1]
        along, across = self.centre(tail)
        r = self.rank[tail]
        out = (self.columns[r][1], across, r)
        pieces = [("line", (along + self.size[tail][0] / 2, across, r), out)]
        for i in chain[1:-1]:
            r = self.rank[i]
            start, end = self.columns[r]
            pieces += [("curve", out, (start, self.y[i], r)), ("line", (start, self.y[i], r),
                                                                (end, self.y[i], r))]
            out = (end, self.y[i], r)
        along, across = self.centre(head)
        r = self.rank[head]
        into = (self.columns[r][0], across, r)
        return [*pieces, ("curve", out, into),
                ("line", into, (along - self.size[head][0] / 2, across, r))]


def _ranks(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Each node one rank before its earliest user; a node nobody uses in the last rank."""
    users: list[list[int]] = [[] for _ in range(n)]
    waiting = [0] * n  # users not yet ranked
    for t, h in edges:
        users[t].append(h)
        waiting[t] += 1
    depth = [0] * n  # ranks before the end
    ready = [i for i in range(n) if not waiting[i]]
    tails: list[list[int]] = [[] for _ in range(n)]
    for t, h in edges:
        tails[h].append(t)
    while ready:
        h = ready.pop()
        for t in tails[h]:
            depth[t] = max(depth[t], depth[h] + 1)
            waiting[t] -= 1
            if not waiting[t]:
                ready.append(t)
    last = max(depth, default=0)
    return [last - d for d in depth]


def _group_keys(groups: list[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[int, int]]:
    """A sort key per group path: groups in natural order, nodes outside any group last."""
    paths = sorted(set(groups), key=lambda g: [natural_order(part) for part in g])
    ranked = {g: (0, k) for k, g in enumerate(p for p in paths if p)}
    return {**ranked, (): (1, 0)}


def _isotonic(values: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence closest to ``values`` in weighted least squares (PAV)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for v, w in zip(values, weights):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return [m for m, _, c in blocks for _ in range(int(c))]


def _inversions(sequence: list[int]) -> int:
    """How many pairs stand in the wrong order (a Fenwick tree: n log n)."""
    size = max(sequence, default=0) + 2
    tree = [0] * size
    count = 0
    for seen, value in enumerate(sequence):
        k, not_above = value + 1, 0
        while k > 0:
            not_above += tree[k]
            k -= k & -k
        count += seen - not_above
        k = value + 1
        while k < size:
            tree[k] += 1
            k += k & -k
    return count
