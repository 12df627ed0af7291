"""Small-cell protection (statistical disclosure control) for every figure shown without case access.

A count of 1 for "girls from Afghanistan exploited in Iran in 2026" names a child, so counts
``0 < n < STATS_MIN_CELL`` (CTDC's k = 11) are shown as ``"<11"``. Pure Python, no database: the
dashboards, the API and the exports call it on counts they have already computed.

Primary suppression
    ``0 < n < threshold`` is withheld. **Zeros are shown**: a zero describes nobody, and hiding it
    would make every sparse table a sea of "<11" while protecting no one. The price is attribute
    disclosure about a group ("all 14 people in this row were sexually exploited"); k-anonymity
    (CTDC's rule) accepts that, because none of the 14 is singled out. Zeros are never used as
    complementary cells either: hiding a known-empty cell protects nothing.

Secondary (complementary) suppression
    Published lines are linear equations (total = sum of its cells), so a lone hidden cell in a line
    is "total minus the visible cells". We therefore hide extra cells until, in every line (rows,
    columns and the margins as cells of their lines), either nothing or at least two things are
    hidden, and, when the line's total is visible, the hidden cells together hold at least
    ``threshold`` people (else "A or B: 7 people" is itself a small count). The complement is the
    smallest non-zero cell, preferring cells that are never displayed (an implicit "other" share)
    and cells that do not start a new lonely suppression in their crossing line. Two-per-line is not
    enough in 2-D (cells can be recovered by combining rows and columns): a hidden cell is exactly
    recoverable iff it is a bridge in the graph of hidden cells (rows and columns as vertices), so we
    also close every bridge into a cycle along the cheapest path. All hidden cells are then non-zero
    and on a cycle, so neither linear algebra nor the non-negativity of counts pins any of them.

    Every hidden figure prints as ``"<11"``, also a complementary one that is really larger: the
    reader must not learn which hidden cell is the small one (that would narrow it to a few values).
    Pages should say "<11: fewer than 11, or withheld so that a smaller count cannot be worked out".

Differencing through filters
    Two figures a user can ask for that differ by a few people reveal those few people (Jan-Jun minus
    Jan-May = June; the country minus one agency = the other agencies; a total minus the visible
    categories). Three defences:

    * filters snap to whole months (:func:`coarsen_date_range`): day-level ranges would let anyone
      isolate a single day's identifications, and whole months make the adjacent filter states few
      and enumerable (:func:`month_range_neighbours`) and match the monthly rollups;
    * :func:`safe_difference_guard` hides a figure whose difference to any adjacent filter state
      (one month shorter or longer at either end, the country vs. one of its agencies) is small;
    * :func:`suppress_selection` / :func:`suppress_selection_2d` are the exact rule when the filter
      picks a union of cells of a table that is itself published (months of a series, agencies of a
      country, agency x month): the figure is shown only if it follows from the suppressed table
      anyway, so no combination of filter states reveals a hidden cell. In 1-D: the union holds
      none of the hidden cells, or all of them while the total is shown.

    The guard is a one-step defence and is NOT enough next to a chart of the same population by
    month (the test ``test_guard_alone_is_not_enough_next_to_a_monthly_series`` shows a five-figure
    attack); wherever the filter dimension is also charted, use the suppress_selection functions.
    Combinations across several filter dimensions at once are only covered by the table that holds
    them (e.g. agency x month in suppress_selection_2d); a hypercube over every filter is not done.

Linked tables and determinism
    Figures that are margins of a published cross-tabulation (identifications by country next to
    the origin x destination matrix) must be taken from that suppress_2d result, not from a separate
    suppress_1d: two different patterns for the same numbers combine into a leak. For the same
    reason the functions are deterministic: the same counts always give the same pattern. Views of
    overlapping slices (date ranges, a country and its agencies) are not separate tables either:
    suppress one fixed table that does not depend on the filter and give each view's figures through
    :class:`SelectionTable` (many suppress_selection_2d figures of one table, suppressed once). When
    a figure is withheld in one place and is the margin of another chart, pass ``hide_total=True``
    to that chart's suppress_1d/suppress_2d: the total is then protected like a hidden cell.

Values are ints or the falsy :data:`SUPPRESSED` marker (``str()`` is ``"<threshold>"``); it refuses
arithmetic, so nobody sums a hidden cell by accident. Test with :func:`is_suppressed`, not ``is``:
an explicit ``threshold=`` gives a marker that prints that threshold.
"""

from __future__ import annotations

import calendar
import datetime
import heapq
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeAlias

from django.conf import settings

__all__ = [
    "SUPPRESSED",
    "Cell",
    "Suppressed",
    "RowLinesTable",
    "SelectionTable",
    "SuppressedTable",
    "coarsen_date_range",
    "display",
    "get_threshold",
    "is_suppressed",
    "month_range_neighbours",
    "safe_difference_guard",
    "suppress_1d",
    "suppress_2d",
    "suppress_selection",
    "suppress_selection_2d",
]

DEFAULT_THRESHOLD = 11


class Suppressed:
    """A withheld count. Falsy, prints as ``"<threshold>"``, equal to any other withheld count."""

    __slots__ = ("threshold",)
    _instances: dict[int | None, Suppressed] = {}

    def __new__(cls, threshold: int | None = None):
        # One instance per threshold, so `is` works within a threshold and pickling keeps identity.
        if threshold not in cls._instances:
            instance = super().__new__(cls)
            instance.threshold = threshold
            cls._instances[threshold] = instance
        return cls._instances[threshold]

    def __str__(self) -> str:
        return f"<{get_threshold(self.threshold)}"

    def __repr__(self) -> str:
        return "SUPPRESSED" if self.threshold is None else f"Suppressed({self.threshold})"

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other) -> bool:
        return isinstance(other, Suppressed)

    def __hash__(self) -> int:
        return hash(Suppressed)

    def __reduce__(self):
        return (Suppressed, (self.threshold,))


#: The marker for a withheld count; prints with settings.STATS_MIN_CELL at the time it is printed.
SUPPRESSED = Suppressed()

#: A shown value: a count, or a withheld one.
Cell: TypeAlias = int | Suppressed


def get_threshold(threshold: int | None = None) -> int:
    """The threshold given, else settings.STATS_MIN_CELL (11): smaller counts are withheld."""
    if threshold is None:
        threshold = getattr(settings, "STATS_MIN_CELL", DEFAULT_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ValueError(f"The small-cell threshold must be an integer of at least 2, not {threshold!r}.")
    return threshold


def _marker(threshold: int | None) -> Suppressed:
    return SUPPRESSED if threshold is None else Suppressed(threshold)


def is_suppressed(value) -> bool:
    """True for a withheld count (the marker), False for a shown int."""
    return isinstance(value, Suppressed)


def display(value, *, threshold: int | None = None) -> str:
    """The text of a figure: ``"123"``, or ``"<11"`` for a withheld one *or a raw small count*.

    Raw ints are checked too, so a figure that skipped suppression still cannot print as "3".
    """
    if isinstance(value, Suppressed):
        return f"<{get_threshold(threshold if threshold is not None else value.threshold)}"
    t = get_threshold(threshold)
    if 0 < value < t:
        return f"<{t}"
    return str(value)


class SuppressedTable(dict):
    """The result of suppress_1d/suppress_2d: a plain dict with a few conveniences.

    Keys: "cells", "total" and, for 2-D, "row_totals", "col_totals", "grand_total" (= "total").
    """

    @property
    def cells(self) -> dict:
        return self["cells"]

    @property
    def total(self) -> Cell:
        return self["total"]

    @property
    def suppressed_count(self) -> int:
        """How many shown figures are withheld (cells and margins), for ExportRecord.suppressed_count."""
        n = sum(map(is_suppressed, self["cells"].values())) + is_suppressed(self["total"])
        for key in ("row_totals", "col_totals"):
            n += sum(map(is_suppressed, self.get(key, {}).values()))
        return n

    def as_display(self, *, threshold: int | None = None) -> dict:
        """The same structure with every figure as its display string."""
        return _map_values(self, lambda v: display(v, threshold=threshold))

    def for_json(self, *, threshold: int | None = None) -> dict:
        """The same structure with ints kept and withheld figures as ``"<11"`` (JSON-serialisable
        apart from tuple keys of 2-D cells, which the caller flattens)."""
        return _map_values(self, lambda v: display(v, threshold=threshold) if is_suppressed(v) else v)


def _map_values(table: Mapping, fn) -> dict:
    out = {}
    for key, value in table.items():
        out[key] = {k: fn(v) for k, v in value.items()} if isinstance(value, Mapping) else fn(value)
    return out


def _check_count(value, what) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}.")
    return value


# --------------------------------------------------------------------------------------------
# One dimension
# --------------------------------------------------------------------------------------------

_OTHER = object()  # the implicit "other/unknown" category: total minus the given categories


def _suppress_partition(values: dict, total: int, t: int, hide_total: bool = False) -> tuple[set, bool]:
    """The hidden categories (possibly the implicit _OTHER) and whether the total is hidden."""
    if total < sum(values.values()):
        raise ValueError(f"The total {total} is smaller than the sum of the categories {sum(values.values())}.")
    members = dict(values)
    if total > sum(values.values()):
        members[_OTHER] = total - sum(values.values())
    hidden = {key for key, n in members.items() if 0 < n < t}
    total_hidden = 0 < total < t or (hide_total and total > 0)
    order = {key: i for i, key in enumerate(members)}
    while True:
        hidden_sum = sum(members[key] for key in hidden)
        lonely = len(hidden) + total_hidden == 1
        small_union = not total_hidden and 0 < hidden_sum < t
        if not (lonely or small_union):
            return hidden, total_hidden
        candidates = [key for key, n in members.items() if key not in hidden and n > 0]
        if candidates:
            hidden.add(min(candidates, key=lambda k: (k is not _OTHER, members[k], order[k])))
        elif not total_hidden:
            total_hidden = True
        else:  # pragma: no cover - a lone hidden total with every cell shown would need cells summing below t
            return hidden, total_hidden


def suppress_1d(
    counts: Mapping[Hashable, int],
    *,
    threshold: int | None = None,
    total: int | None = None,
    overlapping: bool = False,
    hide_total: bool = False,
) -> SuppressedTable:
    """Suppress a partition of ``total`` into categories: ``{"cells": {...}, "total": ...}``.

    ``total`` larger than the sum leaves an implicit "other/unknown" category, which is protected
    like the others (and, never being displayed, is the cheapest complement). ``overlapping=True``
    is for categories a person can be in several of (exploitation types): no partition equation
    links them to the total, so each figure only gets primary suppression.

    ``hide_total=True`` withholds a non-zero total whatever its size (because the same total is
    withheld elsewhere, e.g. a dashboard's headline) and protects it like a hidden cell, so the
    categories cannot add up to it.
    """
    t = get_threshold(threshold)
    marker = _marker(threshold)
    values = {key: _check_count(n, f"The count for {key!r}") for key, n in counts.items()}
    if total is None:
        if overlapping:
            raise ValueError("Overlapping categories need the total (people, not the sum of the categories).")
        total = sum(values.values())
    _check_count(total, "The total")

    if overlapping:
        cells = {key: marker if 0 < n < t else n for key, n in values.items()}
        return SuppressedTable(cells=cells, total=marker if 0 < total < t or (hide_total and total) else total)

    hidden, total_hidden = _suppress_partition(values, total, t, hide_total)
    cells = {key: marker if key in hidden else n for key, n in values.items()}
    return SuppressedTable(cells=cells, total=marker if total_hidden else total)


# --------------------------------------------------------------------------------------------
# Two dimensions
# --------------------------------------------------------------------------------------------


class _Grid:
    """The table with its margins as one (rows+1) x (cols+1) grid, implicit "other" row/column included.

    Row ``nr`` holds the column totals, column ``nc`` the row totals, (nr, nc) the grand total.
    Every row and every column of the grid is a published equation: its last entry is the sum of
    the others. Implicit cells are never displayed; when not hidden we assume the user derives them.
    """

    def __init__(self, values, implicit, threshold):
        self.v = values
        self.implicit = implicit
        self.t = threshold
        self.nr = len(values) - 1
        self.nc = len(values[0]) - 1
        self.hidden = {(i, j) for i in range(self.nr + 1) for j in range(self.nc + 1) if 0 < values[i][j] < threshold}

    def lines(self):
        """Each line as (is_row, cells, total_cell)."""
        for i in range(self.nr + 1):
            yield True, [(i, j) for j in range(self.nc)], (i, self.nc)
        for j in range(self.nc + 1):
            yield False, [(i, j) for i in range(self.nr)], (self.nr, j)

    def _hidden_in_row(self, i):
        return sum((i, j) in self.hidden for j in range(self.nc + 1))

    def _hidden_in_col(self, j):
        return sum((i, j) in self.hidden for i in range(self.nr + 1))

    def enforce_lines(self) -> bool:
        """Hide complements until every line has 0 or >= 2 hidden and no small hidden union."""
        changed_any = False
        changed = True
        while changed:
            changed = False
            for is_row, cells, total in self.lines():
                hidden = [c for c in cells if c in self.hidden]
                total_hidden = total in self.hidden
                hidden_sum = sum(self.v[i][j] for i, j in hidden)
                lonely = len(hidden) + total_hidden == 1
                small_union = not total_hidden and 0 < hidden_sum < self.t
                if not (lonely or small_union):
                    continue
                candidates = [c for c in cells if c not in self.hidden and self.v[c[0]][c[1]] > 0]
                if candidates:
                    self.hidden.add(min(candidates, key=lambda c: self._complement_cost(c, is_row)))
                elif not total_hidden:
                    self.hidden.add(total)
                else:  # pragma: no cover - see suppress_1d
                    continue
                changed = changed_any = True
        return changed_any

    def _complement_cost(self, cell, is_row):
        """Prefer cells that close a lonely suppression in their crossing line, then never-displayed
        cells, then the smallest count (information lost)."""
        i, j = cell
        crossing = self._hidden_in_col(j) if is_row else self._hidden_in_row(i)
        cascade = 0 if crossing == 1 else (1 if crossing >= 2 else 2)
        return (cascade, cell not in self.implicit, self.v[i][j], i, j)

    def bridges(self):
        """Hidden cells that are bridges of the hidden-cell graph (rows and columns as vertices),
        sorted. Tarjan's algorithm, iterative: linear in the hidden cells (testing each cell for
        another path is quadratic: 21 s instead of 0.06 s for a sparse 36 x 222 table)."""
        adjacency: dict = {}
        for i, j in self.hidden:
            adjacency.setdefault(("r", i), []).append((("c", j), (i, j)))
            adjacency.setdefault(("c", j), []).append((("r", i), (i, j)))
        order: dict = {}
        low: dict = {}
        found = []
        for root in sorted(adjacency):
            if root in order:
                continue
            order[root] = low[root] = len(order)
            stack = [(root, None, iter(adjacency[root]))]
            while stack:
                node, via, edges = stack[-1]
                for nxt, edge in edges:
                    if edge == via:
                        continue
                    if nxt in order:
                        low[node] = min(low[node], order[nxt])
                    else:
                        order[nxt] = low[nxt] = len(order)
                        stack.append((nxt, edge, iter(adjacency[nxt])))
                        break
                else:
                    stack.pop()
                    if stack:
                        parent = stack[-1][0]
                        low[parent] = min(low[parent], low[node])
                        if low[node] > order[parent]:
                            found.append(via)
        return sorted(found)

    def close_bridge(self, edge) -> None:
        """Hide the cheapest path of cells that puts ``edge`` on a cycle (so it cannot be solved for)."""
        start, goal = ("r", edge[0]), ("c", edge[1])
        big = 1 + sum(sum(row) for row in self.v)

        def cost(i, j):
            if (i, j) in self.hidden:
                return (0, 0)
            value = self.v[i][j]
            if value == 0:  # a known zero protects nothing; only as a last resort
                return (big * big, 1)
            return (0 if (i, j) in self.implicit else value, 1)

        best = {start: (0, 0)}
        previous: dict = {}
        heap = [((0, 0), start)]
        while heap:
            dist, node = heapq.heappop(heap)
            if node == goal:
                break
            if dist > best.get(node, dist):
                continue
            side, k = node
            if side == "r":
                neighbours = [(("c", j), (k, j)) for j in range(self.nc + 1)]
            else:
                neighbours = [(("r", i), (i, k)) for i in range(self.nr + 1)]
            for nxt, cell in neighbours:
                if cell == edge:
                    continue
                step = cost(*cell)
                new = (dist[0] + step[0], dist[1] + step[1])
                if nxt not in best or new < best[nxt]:
                    best[nxt] = new
                    previous[nxt] = (node, cell)
                    heapq.heappush(heap, (new, nxt))
        node = goal
        while node != start:
            node, cell = previous[node]
            self.hidden.add(cell)

    def protect(self) -> None:
        while True:
            self.enforce_lines()
            bridges = self.bridges()
            if not bridges:
                return
            self.close_bridge(bridges[0])


def _ordered(keys: Iterable) -> list:
    return list(dict.fromkeys(keys))


def _protected_grid(table, t, row_totals, col_totals, grand_total, hide_total=False) -> tuple[_Grid, list, list]:
    """Validate, lay out the grid (see _Grid) and run primary and secondary suppression on it."""
    table = {key: _check_count(n, f"The count for {key!r}") for key, n in table.items()}
    row_totals = {k: _check_count(n, f"The row total for {k!r}") for k, n in (row_totals or {}).items()}
    col_totals = {k: _check_count(n, f"The column total for {k!r}") for k, n in (col_totals or {}).items()}
    rows = _ordered([r for r, _c in table] + list(row_totals))
    cols = _ordered([c for _r, c in table] + list(col_totals))
    row_sums = dict.fromkeys(rows, 0)
    col_sums = dict.fromkeys(cols, 0)
    for (r, c), n in table.items():
        row_sums[r] += n
        col_sums[c] += n
    other_col = {r: row_totals.get(r, row_sums[r]) - row_sums[r] for r in rows}
    other_row = {c: col_totals.get(c, col_sums[c]) - col_sums[c] for c in cols}
    if any(n < 0 for n in other_col.values()) or any(n < 0 for n in other_row.values()):
        raise ValueError("A given row or column total is smaller than the sum of its cells.")
    inner = sum(table.values()) + sum(other_col.values()) + sum(other_row.values())
    if grand_total is None:
        grand_total = inner
    corner = _check_count(grand_total, "The grand total") - inner
    if corner < 0:
        raise ValueError("The grand total is smaller than the sum of the table.")
    with_other_col = corner > 0 or any(other_col.values())
    with_other_row = corner > 0 or any(other_row.values())

    grid_rows = rows + ([_OTHER] if with_other_row else [])
    grid_cols = cols + ([_OTHER] if with_other_col else [])
    values = []
    for r in grid_rows:
        line = []
        for c in grid_cols:
            if r is _OTHER and c is _OTHER:
                line.append(corner)
            elif r is _OTHER:
                line.append(other_row[c])
            elif c is _OTHER:
                line.append(other_col[r])
            else:
                line.append(table.get((r, c), 0))
        values.append(line + [sum(line)])
    values.append([sum(values[i][j] for i in range(len(grid_rows))) for j in range(len(grid_cols) + 1)])
    implicit = {(i, j) for i, r in enumerate(grid_rows) for j, c in enumerate(grid_cols) if r is _OTHER or c is _OTHER}
    implicit |= {(len(grid_rows) - 1, len(grid_cols))} if with_other_row else set()
    implicit |= {(len(grid_rows), len(grid_cols) - 1)} if with_other_col else set()

    grid = _Grid(values, implicit, t)
    if hide_total and values[-1][-1] > 0:
        grid.hidden.add((grid.nr, grid.nc))
    grid.protect()
    return grid, rows, cols


def suppress_2d(
    table: Mapping[tuple, int],
    *,
    threshold: int | None = None,
    row_totals: Mapping | None = None,
    col_totals: Mapping | None = None,
    grand_total: int | None = None,
    hide_total: bool = False,
) -> SuppressedTable:
    """Suppress a cross-tabulation with its margins.

    ``table`` maps (row, col) to a count; absent pairs are zeros. Margins not given are the sums;
    given margins larger than the sums leave implicit "other" cells, protected like the others.
    Returns ``{"cells", "row_totals", "col_totals", "grand_total", "total"}`` (total = grand total).
    ``hide_total=True`` withholds a non-zero grand total whatever its size and protects it like a
    hidden cell (see :func:`suppress_1d`).
    """
    marker = _marker(threshold)
    grid, rows, cols = _protected_grid(
        table, get_threshold(threshold), row_totals, col_totals, grand_total, hide_total=hide_total
    )

    def shown(i, j):
        return marker if (i, j) in grid.hidden else grid.v[i][j]

    nr, nc = grid.nr, grid.nc
    row_index = {r: i for i, r in enumerate(rows)}
    col_index = {c: j for j, c in enumerate(cols)}
    grand = shown(nr, nc)
    return SuppressedTable(
        cells={(r, c): shown(row_index[r], col_index[c]) for r, c in table},
        row_totals={r: shown(row_index[r], nc) for r in rows},
        col_totals={c: shown(nr, col_index[c]) for c in cols},
        grand_total=grand,
        total=grand,
    )


def suppress_selection_2d(
    table: Mapping[tuple, int],
    selected: Iterable[tuple],
    *,
    threshold: int | None = None,
    row_totals: Mapping | None = None,
    col_totals: Mapping | None = None,
    grand_total: int | None = None,
) -> Cell:
    """The figure for a filter that picks a set of cells of a published cross-tabulation.

    E.g. ``table`` = identifications by (month, agency) for a country, ``selected`` = the cells of
    the chosen months and agencies. Shown only when it follows from what :func:`suppress_2d`
    publishes anyway, so no combination of such figures with the table can reveal a hidden cell.
    The test is linear-time: the selection, restricted to hidden cells, must be a combination of
    the published lines, i.e. hidden cell (i, j) must carry a_i + b_j for some row and column
    weights a, b (each line is "cells minus total = 0"; margins enter with a minus sign).
    Many selections of one table: :class:`SelectionTable` (suppresses the table once).
    """
    base = SelectionTable(
        table, threshold=threshold, row_totals=row_totals, col_totals=col_totals, grand_total=grand_total
    )
    return base.figure(selected)


class SelectionTable:
    """One suppressed cross-tabulation and any number of figures for selections of its cells.

    ``SelectionTable(table, ...).figure(selected)`` equals ``suppress_selection_2d(table, selected,
    ...)``, but the table is suppressed once: a dashboard that shows many figures (each a union of
    cells of one fixed table, e.g. months x agencies) builds one and asks it for each figure, so
    every figure follows from the same published pattern. ``published`` is the
    :func:`suppress_2d` result of the same table.
    """

    def __init__(self, table, *, threshold=None, row_totals=None, col_totals=None, grand_total=None):
        self.t = get_threshold(threshold)
        self.marker = _marker(threshold)
        self.table = dict(table)
        if not self.table and not row_totals and not col_totals and not grand_total:
            self.grid, self.row_index, self.col_index = None, {}, {}
            return
        self.grid, rows, cols = _protected_grid(self.table, self.t, row_totals, col_totals, grand_total)
        self.row_index = {r: i for i, r in enumerate(rows)}
        self.col_index = {c: j for j, c in enumerate(cols)}

    @property
    def published(self) -> SuppressedTable:
        grid, marker = self.grid, self.marker
        if grid is None:
            return SuppressedTable(cells={}, row_totals={}, col_totals={}, grand_total=0, total=0)

        def shown(i, j):
            return marker if (i, j) in grid.hidden else grid.v[i][j]

        nr, nc = grid.nr, grid.nc
        grand = shown(nr, nc)
        return SuppressedTable(
            cells={(r, c): shown(self.row_index[r], self.col_index[c]) for r, c in self.table},
            row_totals={r: shown(i, nc) for r, i in self.row_index.items()},
            col_totals={c: shown(nr, j) for c, j in self.col_index.items()},
            grand_total=grand,
            total=grand,
        )

    def figure(self, selected: Iterable[tuple]) -> Cell:
        """The sum of the selected cells, or withheld unless the published table implies it."""
        grid = self.grid
        chosen = set()
        for key in selected:
            r, c = key
            if r not in self.row_index or c not in self.col_index:
                raise ValueError(f"Selected cell {key!r} is not in the table.")
            chosen.add((self.row_index[r], self.col_index[c]))
        if grid is None:
            return 0
        value = sum(grid.v[i][j] for i, j in chosen)
        if 0 < value < self.t:
            return self.marker
        # Weights on the hidden cells, margins negated so that every line reads "sum = 0". Only the
        # connected pieces of the hidden-cell graph that hold a chosen cell can fail the test (a
        # piece with all weights 0 always passes), so only those are checked.
        pieces = self._pieces()
        for piece in {pieces[cell] for cell in chosen if cell in pieces}:
            if not self._piece_is_potential(piece, chosen):
                return self.marker
        return value

    def _piece_is_potential(self, piece, chosen: set) -> bool:
        """Is there a row weight a_i and column weight b_j with weight(i, j) == a_i + b_j on every hidden
        cell of this piece (weight 1 on chosen cells, 0 on margins and the others)? The traversal fixes
        the weights up to a constant and checks every edge. The adjacency is built once: a dashboard
        asks hundreds of figures of one table."""
        adjacency = self._adjacency
        potential = {piece: 0}
        stack = [piece]
        while stack:
            node = stack.pop()
            for nxt, edge, margin in adjacency[node]:
                expected = (0 if margin or edge not in chosen else 1) - potential[node]
                if nxt not in potential:
                    potential[nxt] = expected
                    stack.append(nxt)
                elif potential[nxt] != expected:
                    return False
        return True

    def _pieces(self) -> dict:
        """Hidden cell -> id of its connected piece of the hidden-cell graph (computed once)."""
        if getattr(self, "_piece_of", None) is None:
            parent: dict = {}

            def find(x):
                while parent.setdefault(x, x) != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            for i, j in self.grid.hidden:
                parent[find(("r", i))] = find(("c", j))
            self._piece_of = {cell: find(("r", cell[0])) for cell in self.grid.hidden}
            grid, adjacency = self.grid, {}
            for i, j in grid.hidden:
                margin = (i == grid.nr) != (j == grid.nc)  # a row or column total (not the grand total)
                adjacency.setdefault(("r", i), []).append((("c", j), (i, j), margin))
                adjacency.setdefault(("c", j), []).append((("r", i), (i, j), margin))
            self._adjacency = adjacency
        return self._piece_of


class RowLinesTable:
    """A table whose only published lines are its rows, each row's total being published by another
    table (shown there, or withheld there); any number of selection figures of it.

    The dashboards' breakdowns (sex x age, contexts, smuggled or not) are tables of (month, country)
    x category whose row totals are figures of the fixed month x (country, agency) table. Taking the
    row totals from there, rather than suppressing each breakdown with its own margins, links the
    two exactly: a row withheld there (``row_totals[row]`` is the marker) has all its non-zero cells
    withheld here and is never part of a shown figure, so nothing here says anything about it; a
    row shown there is suppressed as a partition of that known total (at least two hidden cells
    holding at least ``threshold`` people, or none). No column line is published, so a selection
    figure follows from what is published iff, in every row, it takes none or all of the row's
    hidden cells (all of them only in a row whose total is shown): date ranges and countries are
    then slices that cannot be differenced into a hidden cell.

    ``row_totals=None``: no line is published at all (overlapping categories, e.g. exploitation
    types); then a figure is shown iff it holds no small cell.
    """

    def __init__(self, table: Mapping[tuple, int], row_totals: Mapping | None, *, threshold: int | None = None):
        self.t = get_threshold(threshold)
        self.marker = _marker(threshold)
        self.table = {key: _check_count(n, f"The count for {key!r}") for key, n in table.items()}
        self.lines = row_totals is not None
        rows: dict = {}
        for (row, col), n in self.table.items():
            rows.setdefault(row, {})[col] = n
        self.hidden: dict = {}  # row -> frozenset of hidden (row, col) keys
        self.withheld_rows: set = set()
        for row, cells in rows.items():
            if not self.lines:
                hidden = {col for col, n in cells.items() if 0 < n < self.t}
            elif is_suppressed(row_totals.get(row, 0)):
                hidden = {col for col, n in cells.items() if n}
                self.withheld_rows.add(row)
            else:
                total = row_totals.get(row, 0)
                if total != sum(cells.values()):
                    raise ValueError(f"Row {row!r}: the published total {total} is not the sum of its cells.")
                hidden, total_hidden = _suppress_partition(cells, total, self.t)
                if total_hidden:  # pragma: no cover - a shown total is 0 or >= t, see _suppress_partition
                    hidden = {col for col, n in cells.items() if n}
            if hidden:
                self.hidden[row] = frozenset((row, col) for col in hidden)

    def is_hidden(self, key) -> bool:
        return key in self.hidden.get(key[0], ())

    def figure(self, selected: Iterable[tuple]) -> Cell:
        """The sum of the selected cells, or withheld unless the published rows imply it."""
        chosen = set(selected)
        value = sum(self.table.get(key, 0) for key in chosen)
        if 0 < value < self.t:
            return self.marker
        for row in {key[0] for key in chosen}:
            hidden = self.hidden.get(row)
            if not hidden or hidden.isdisjoint(chosen):
                continue
            if not self.lines or row in self.withheld_rows or not hidden <= chosen:
                return self.marker
        return value


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


def safe_difference_guard(value: int, neighbours: Iterable[int], *, threshold: int | None = None) -> Cell:
    """The figure for the chosen filter, or withheld if an adjacent filter state differs by a few people.

    ``neighbours`` are the raw figures for the filter states a user could also request: the range one
    month shorter and one month longer at either end (:func:`month_range_neighbours`); the country
    when an agency is chosen, and each agency of the country when the country is. Pass raw counts
    and apply the guard to both sides of every pair, so whichever is asked first, the pair is safe.
    A withheld neighbour is skipped: nobody can subtract what they cannot see.
    """
    t = get_threshold(threshold)
    marker = _marker(threshold)
    if is_suppressed(value):
        return value
    _check_count(value, "The figure")
    if 0 < value < t:
        return marker
    for neighbour in neighbours:
        if is_suppressed(neighbour):
            continue
        if 0 < abs(value - neighbour) < t:
            return marker
    return value


def suppress_selection(
    counts: Mapping[Hashable, int],
    selected: Iterable[Hashable],
    *,
    threshold: int | None = None,
    total: int | None = None,
) -> Cell:
    """The figure for a filter that picks a union of categories of a published partition.

    E.g. ``counts`` = identifications per month of the year, ``selected`` = the months of the chosen
    range; or agencies of a country and the agencies chosen. The union is shown only when it contains
    none of the cells :func:`suppress_1d` hides (it is then a sum of visible cells) or all of them
    while the total is shown (it is then the total minus visible cells): either way it tells the
    user nothing the published series did not, whatever other ranges they combine it with.
    """
    t = get_threshold(threshold)
    marker = _marker(threshold)
    values = {key: _check_count(n, f"The count for {key!r}") for key, n in counts.items()}
    selected = set(selected)
    unknown = selected - set(values)
    if unknown:
        raise ValueError(f"Selected categories not in the counts: {sorted(map(repr, unknown))}.")
    hidden, total_hidden = _suppress_partition(values, sum(values.values()) if total is None else total, t)
    value = sum(values[key] for key in selected)
    if 0 < value < t:
        return marker
    if not (hidden & selected):
        return value  # a sum of visible cells
    if hidden <= selected and not total_hidden:
        return value  # the total minus visible cells (the implicit "other" is never selected)
    return marker


def coarsen_date_range(
    start: datetime.date | None, end: datetime.date | None
) -> tuple[datetime.date | None, datetime.date | None]:
    """Widen a date filter to whole months: (first day of start's month, last day of end's month).

    Day-level ranges let anyone isolate one day's identifications by differencing (1 Jan-30 Jun minus
    1 Jan-29 Jun); whole months leave few adjacent states for the guard to check and match the
    monthly rollups. ``None`` (an open end) stays ``None``; datetimes are treated as their date.
    """

    def as_date(value):
        return value.date() if isinstance(value, datetime.datetime) else value

    start, end = as_date(start), as_date(end)
    if start is not None and end is not None and start > end:
        raise ValueError("The start of the date range is after its end.")
    if start is not None:
        start = start.replace(day=1)
    if end is not None:
        end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return start, end


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_range_neighbours(
    start: datetime.date,
    end: datetime.date,
    *,
    earliest: datetime.date | None = None,
    latest: datetime.date | None = None,
) -> list[tuple[datetime.date, datetime.date]]:
    """The whole-month ranges one month shorter or longer at either end of [start, end].

    These are the adjacent states :func:`safe_difference_guard` compares against. ``earliest`` and
    ``latest`` bound the data (no neighbour beyond them); a one-month range has no shorter neighbour.
    """
    start, end = coarsen_date_range(start, end)
    first_month, last_month = start, end.replace(day=1)
    candidates = []
    if first_month < last_month:
        candidates.append((_add_months(first_month, 1), last_month))  # shorter at the start
        candidates.append((first_month, _add_months(last_month, -1)))  # shorter at the end
    candidates.append((_add_months(first_month, -1), last_month))  # longer at the start
    candidates.append((first_month, _add_months(last_month, 1)))  # longer at the end
    out = []
    for a, b in candidates:
        if earliest is not None and a < earliest.replace(day=1):
            continue
        if latest is not None and b > latest.replace(day=1):
            continue
        out.append(coarsen_date_range(a, b))
    return out
