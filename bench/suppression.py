"""Benchmark: secondary suppression of the dashboard's fixed table (months x agencies), by sparsity.

    DEBUG=1 .venv/bin/python bench/suppression.py

Builds tables of Poisson counts (fixed seeds) and times stats.suppression.SelectionTable on each,
next to primary suppression alone (one pass over the cells) as the yardstick, and prints the ratio.
No database needed.
"""

import math
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glo_act.settings")

SHAPES = [(36, 222, 125), (36, 222, 8), (60, 222, 3), (60, 222, 1), (60, 1000, 2), (120, 500, 1)]


def poisson(rng, lam):
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam**0.5)))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def main():
    import django

    django.setup()
    from stats.suppression import SelectionTable

    print("| months x agencies | cases per cell | hidden cells | suppression ms | primary only ms | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for rows, cols, lam in SHAPES:
        rng = random.Random(rows * cols)
        table = {(i, j): poisson(rng, lam) for i in range(rows) for j in range(cols)}
        start = time.perf_counter()
        selection = SelectionTable(table)
        full = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        primary = {k for k, v in table.items() if 0 < v < 11}
        bare = (time.perf_counter() - start) * 1000
        print(f"| {rows} x {cols} | {lam} | {len(selection.grid.hidden):,} (primary {len(primary):,}) | "
              f"{full:.0f} | {bare:.1f} | {full / max(bare, 0.01):.0f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
