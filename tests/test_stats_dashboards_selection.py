"""The two additions to stats.suppression the dashboards use: SelectionTable (many selection figures
of one table, suppressed once) and hide_total (a chart whose total is withheld elsewhere)."""

import itertools
import random

from stats.suppression import SelectionTable, is_suppressed, suppress_1d, suppress_2d, suppress_selection_2d

from .test_stats_suppression import (
    determined,
    published_1d,
    published_2d,
    random_count,
    recoverable,
    system_1d,
    system_2d,
)


def test_selection_table_gives_the_figures_of_suppress_selection_2d():
    rng = random.Random(7)
    for _n in range(60):
        rows = [f"r{i}" for i in range(rng.randint(1, 4))]
        cols = [f"c{j}" for j in range(rng.randint(1, 5))]
        table = {(r, c): random_count(rng) for r in rows for c in cols}
        base = SelectionTable(table)
        assert base.published == suppress_2d(table)
        for rs, cs in itertools.product([rows[:1], rows, rows[1:]], [cols[:2], cols, cols[-1:]]):
            selected = [(r, c) for r in rs for c in cs]
            assert base.figure(selected) == suppress_selection_2d(table, selected)


def test_a_withheld_total_cannot_be_added_up_from_the_chart():
    rng = random.Random(11)
    hidden_totals = 0
    for _n in range(200):
        counts = {k: random_count(rng) for k in range(rng.randint(1, 6))}
        total = sum(counts.values()) + rng.choice([0, 0, random_count(rng)])
        result = suppress_1d(counts, total=total, hide_total=True)
        assert is_suppressed(result["total"]) == (total > 0)
        values, equations = system_1d(counts, total)
        assert recoverable(result, (values, equations)) == set()
        known = {k: v for k, v in published_1d(result).items() if not is_suppressed(v)}
        assert total == 0 or "total" not in determined(equations, known)
        hidden_totals += total > 0
    for _n in range(120):
        rows = [f"r{i}" for i in range(rng.randint(1, 4))]
        cols = [f"c{j}" for j in range(rng.randint(1, 5))]
        table = {(r, c): random_count(rng) for r in rows for c in cols}
        result = suppress_2d(table, hide_total=True)
        grand = sum(table.values())
        assert is_suppressed(result["grand_total"]) == (grand > 0)
        values, equations = system_2d(table)
        assert recoverable(result, (values, equations)) == set()
        known = {k: v for k, v in published_2d(result, table).items() if not is_suppressed(v)}
        assert grand == 0 or "grand" not in determined(equations, known)
        hidden_totals += grand > 0
    assert hidden_totals > 250
