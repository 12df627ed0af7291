"""Charts as inline SVG, drawn on the server: no JavaScript, no CDN, no inline style (colours and
fonts come from classes in static/css/app.css, so a strict Content-Security-Policy holds).

Every chart is decorative for assistive technology's purposes only in part: it carries a <title>
and is followed on the page by a <table> with the same figures. A withheld figure ("<11") is drawn
as an outlined bar as long as the largest count it may stand for, labelled "<11".
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

WIDTH = 560  # a half-width card; full-width charts pass width=1100
LABEL_W = 210
BAR_H = 18
GAP = 8
SERIES = 6  # .series-0 .. .series-5 in app.css


def _scale(max_value: int, threshold: int, width: int) -> float:
    return (width - LABEL_W - 70) / max(max_value, threshold, 1)


def hbar_chart(title: str, items: list[tuple[str, object, str]], *, threshold: int, series: int = 0,
               highlight: str = "", width: int = WIDTH) -> str:  # fmt: skip
    """Horizontal bars: items are (label, Cell, link); the label equal to `highlight` is marked."""
    if not items:
        return ""
    max_value = max((c.value for _l, c, _k in items if not c.suppressed), default=0)
    k = _scale(max_value, threshold, width)
    height = len(items) * (BAR_H + GAP) + GAP
    parts = []
    for i, (label, cell, link) in enumerate(items):
        y = GAP + i * (BAR_H + GAP)
        css = f"bar series-{series % SERIES}" + (" is-highlight" if highlight and label == highlight else "")
        if cell.suppressed:
            w = max((threshold - 1) * k, 3)
            bar = format_html('<rect class="bar bar-suppressed" x="{}" y="{}" width="{}" height="{}"/>',
                              LABEL_W, y, _f(w), BAR_H)  # fmt: skip
        else:
            w = cell.value * k
            bar = format_html('<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>', css, LABEL_W, y, _f(w), BAR_H)
        text = format_html('<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                           LABEL_W - 8, y + BAR_H - 4, _clip(label, 30))  # fmt: skip
        value = format_html('<text class="chart-value" x="{}" y="{}">{}</text>', _f(LABEL_W + w + 6), y + BAR_H - 4,
                            cell.display)  # fmt: skip
        if link:
            bar = format_html('<a href="{}">{}</a>', link, bar)
        parts.append(format_html("<g>{}{}{}</g>", text, bar, value))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>{}</svg>',
        width, height, title, title, mark_safe("".join(parts)),  # noqa: S308 - every part is escaped above
    )  # fmt: skip


def grouped_columns(title: str, groups: list[tuple[str, list]], series_labels: list[str], *, threshold: int,
                    width: int = 1100) -> str:  # fmt: skip
    """Vertical grouped bars: one group per month, one bar per series (country), with a legend."""
    if not groups or not series_labels:
        return ""
    height, top, bottom, left = 260, 12, 40, 44
    plot_h = height - top - bottom
    values = [c.value for _g, cells in groups for c in cells if c is not None and not c.suppressed]
    max_value = max([*values, threshold, 1])
    step = _nice_step(max_value)
    max_axis = step * -(-max_value // step)
    group_w = (width - left - 8) / len(groups)
    bar_w = max(min((group_w - 6) / len(series_labels), 22), 2)
    parts = []
    for tick in range(0, max_axis + 1, step):
        y = top + plot_h - tick / max_axis * plot_h
        parts.append(format_html('<line class="gridline" x1="{}" x2="{}" y1="{}" y2="{}"/>', left, width, _f(y), _f(y)))
        parts.append(format_html('<text class="chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                                 left - 6, _f(y + 4), f"{tick:,}"))  # fmt: skip
    every = max(1, -(-len(groups) // 12))  # at most 12 month labels
    for gi, (label, cells) in enumerate(groups):
        x0 = left + gi * group_w + (group_w - bar_w * len(series_labels)) / 2
        for si, cell in enumerate(cells):
            if cell is None:
                continue
            x = x0 + si * bar_w
            if cell.suppressed:
                h = (threshold - 1) / max_axis * plot_h
                css = "bar bar-suppressed"
            else:
                h = cell.value / max_axis * plot_h
                css = f"bar series-{si % SERIES}"
            rect = format_html('<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
                               css, _f(x), _f(top + plot_h - h), _f(max(bar_w - 1, 1)), _f(h),
                               f"{label}, {series_labels[si]}", cell.display)  # fmt: skip
            if cell.link:
                rect = format_html('<a href="{}">{}</a>', cell.link, rect)
            parts.append(rect)
        if gi % every == 0:
            parts.append(format_html('<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                                     _f(left + gi * group_w + group_w / 2), height - bottom + 16, label))  # fmt: skip
    legend = format_html_join(
        "", '<span class="legend-item"><span class="swatch series-{}" aria-hidden="true"></span>{}</span>',
        ((i % SERIES, name) for i, name in enumerate(series_labels)),
    )  # fmt: skip
    svg = format_html(
        '<svg class="chart chart-columns" viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>{}</svg>',
        width, height, title, title, mark_safe("".join(parts)),  # noqa: S308 - every part is escaped above
    )  # fmt: skip
    return format_html('<div class="legend">{}</div>{}', legend, svg)


def meter(share: float | None) -> str:
    """A thin bar showing a percentage (or nothing when the share is withheld)."""
    if share is None:
        return ""
    return format_html(
        '<svg class="meter" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">'
        '<rect class="meter-track" x="0" y="0" width="100" height="6"/>'
        '<rect class="meter-fill" x="0" y="0" width="{}" height="6"/></svg>',
        _f(min(max(share, 0), 100)),
    )


def heat_class(cell, max_value: int) -> str:
    """A class heat-0..heat-5 for a table cell (heat-s for a withheld one)."""
    if cell is None:
        return ""
    if cell.suppressed:
        return "heat-s"
    if not cell.value or not max_value:
        return "heat-0"
    return f"heat-{min(5, 1 + int(4.999 * cell.value / max_value))}"


def _nice_step(max_value: int) -> int:
    raw = max_value / 4
    magnitude = 10 ** max(len(str(int(raw))) - 1, 0)
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return max(int(m * magnitude), 1)
    return max(int(10 * magnitude), 1)


def _f(x: float) -> str:
    return f"{x:.1f}"


def _clip(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"
