"""Charts as inline SVG, drawn on the server: no JavaScript, no CDN, no inline style (colours and
fonts come from classes in static/css/app.css, so a strict Content-Security-Policy holds).

Every chart is decorative for assistive technology's purposes only in part: it carries a <title>
and is followed on the page by a <table> with the same figures. A withheld figure ("<11") is drawn
as an outlined bar as long as the largest count it may stand for, labelled "<11".

Language (issue 6): the charts read the active language (`translation.get_language()`), so a view
draws them for the viewer. Numbers and month labels use that language's digits
(glo_act.calendars.localise_digits). In a right-to-left language the whole drawing is mirrored:
horizontal bars grow leftwards from labels on the right, the monthly chart's time axis runs from
right to left with its value axis on the right, and the legend (HTML) runs right to left. The SVG
says `direction="ltr"` in that case, so every `text-anchor` keeps its left-to-right meaning whatever
the page's direction (a page `dir="rtl"` is inherited by inline SVG text and would flip
start/end again); the anchors are swapped instead, and each label is an isolated right-to-left run
(U+2067 ... U+2069), so an Arabic-script label with Latin letters or digits in it still reads right.
The font is the page's (`.chart text { font-family: var(--font) }`): nothing here names a font.

Month labels: the monthly chart counts Gregorian months (the rollups are by Gregorian month, and a
Gregorian month does not map onto one Solar Hijri month), so its axis names Gregorian months, in the
viewer's language and digits, also for a viewer who reads dates in the Solar Hijri calendar.
"""

import datetime

from django.utils import translation
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from glo_act.calendars import localise_digits

WIDTH = 560  # a half-width card; full-width charts pass width=1100
LABEL_W = 210
BAR_H = 18
GAP = 8
SERIES = 6  # .series-0 .. .series-5 in app.css
_RLI, _PDI = "\u2067", "\u2069"  # right-to-left isolate ... pop directional isolate


class _Frame:
    """Coordinates in left-to-right terms, mirrored for a right-to-left language."""

    def __init__(self, width: float, rtl: bool, language: str):
        self.width, self.rtl, self.language = width, rtl, language

    def x(self, x: float) -> float:
        return self.width - x if self.rtl else x

    def rect_x(self, x: float, w: float) -> float:
        """The left edge of a rectangle that spans x..x+w in left-to-right terms."""
        return self.width - x - w if self.rtl else x

    def anchor(self, anchor: str) -> str:
        if not self.rtl:
            return anchor
        return {"start": "end", "end": "start"}.get(anchor, anchor)

    def text(self, value) -> str:
        """A label or number for the drawing: the language's digits; isolated right-to-left."""
        text = localise_digits(value, self.language)
        return f"{_RLI}{text}{_PDI}" if self.rtl else text

    def svg_attrs(self) -> str:
        return ' direction="ltr"' if self.rtl else ""


def _frame(width: float) -> _Frame:
    return _Frame(width, translation.get_language_bidi(), translation.get_language() or "en")


def month_label(month: datetime.date, *, short: bool = False) -> str:
    """A Gregorian month in the active language: "Apr 2026" (short: "Apr 26"); ASCII digits.

    Latin-script languages get Django's three-letter abbreviations; Arabic-script languages their
    full month names (they are not abbreviated). localise_digits is left to the caller.
    """
    names = MONTHS if translation.get_language_bidi() else MONTHS_3
    name = str(names[month.month])
    if names is MONTHS_3:
        name = name.title()
    year = f"{month.year % 100:02d}" if short else str(month.year)
    return f"{name} {year}"


def _scale(max_value: int, threshold: int, width: int) -> float:
    return (width - LABEL_W - 70) / max(max_value, threshold, 1)


def hbar_chart(title: str, items: list[tuple[str, object, str]], *, threshold: int, series: int = 0,
               highlight: str = "", width: int = WIDTH) -> str:  # fmt: skip
    """Horizontal bars: items are (label, Cell, link); the label equal to `highlight` is marked."""
    if not items:
        return ""
    fr = _frame(width)
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
                              _num(fr.rect_x(LABEL_W, w)), y, _f(w), BAR_H)  # fmt: skip
        else:
            w = cell.value * k
            bar = format_html('<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>', css,
                              _num(fr.rect_x(LABEL_W, w)), y, _f(w), BAR_H)  # fmt: skip
        text = format_html('<text class="chart-label" x="{}" y="{}" text-anchor="{}">{}</text>',
                           _num(fr.x(LABEL_W - 8)), y + BAR_H - 4, fr.anchor("end"),
                           fr.text(_clip(label, 30)))  # fmt: skip
        value = format_html('<text class="chart-value" x="{}" y="{}"{}>{}</text>', _f(fr.x(LABEL_W + w + 6)),
                            y + BAR_H - 4, mark_safe(' text-anchor="end"') if fr.rtl else "",  # noqa: S308
                            fr.text(cell.display))  # fmt: skip
        if link:
            bar = format_html('<a href="{}">{}</a>', link, bar)
        parts.append(format_html("<g>{}{}{}</g>", text, bar, value))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}"{} role="img" aria-label="{}"><title>{}</title>{}</svg>',
        width, height, mark_safe(fr.svg_attrs()), title, title,  # noqa: S308 - a constant attribute
        mark_safe("".join(parts)),  # noqa: S308 - every part is escaped above
    )  # fmt: skip


def grouped_columns(title: str, groups: list[tuple[str, list]], series_labels: list[str], *, threshold: int,
                    width: int = 1100) -> str:  # fmt: skip
    """Vertical grouped bars: one group per month, one bar per series (country), with a legend.

    Left to right: months run left to right, the value axis is on the left. Right to left: months
    run right to left (the first month is the rightmost group), the value axis is on the right, and
    within a group the first series is the rightmost bar, as the first legend entry is.
    """
    if not groups or not series_labels:
        return ""
    fr = _frame(width)
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
        parts.append(format_html('<line class="gridline" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                                 _num(fr.x(left)), _num(fr.x(width)),
                                 _f(y), _f(y)))  # fmt: skip
        parts.append(format_html('<text class="chart-axis" x="{}" y="{}" text-anchor="{}">{}</text>',
                                 _num(fr.x(left - 6)), _f(y + 4), fr.anchor("end"),
                                 fr.text(f"{tick:,}")))  # fmt: skip
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
            bar_width = max(bar_w - 1, 1)
            tip = localise_digits(f"{label}, {series_labels[si]}: {cell.display}", fr.language)
            rect = format_html('<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
                               css, _f(fr.rect_x(x, bar_width)), _f(top + plot_h - h), _f(bar_width), _f(h),
                               tip)  # fmt: skip
            if cell.link:
                rect = format_html('<a href="{}">{}</a>', cell.link, rect)
            parts.append(rect)
        if gi % every == 0:
            parts.append(format_html('<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                                     _f(fr.x(left + gi * group_w + group_w / 2)), height - bottom + 16,
                                     fr.text(label)))  # fmt: skip
    legend = format_html_join(
        "", '<span class="legend-item"><span class="swatch series-{}" aria-hidden="true"></span>{}</span>',
        ((i % SERIES, name) for i, name in enumerate(series_labels)),
    )  # fmt: skip
    svg = format_html(
        '<svg class="chart chart-columns" viewBox="0 0 {} {}"{} role="img" aria-label="{}"><title>{}</title>{}</svg>',
        width, height, mark_safe(fr.svg_attrs()), title, title,  # noqa: S308 - a constant attribute
        mark_safe("".join(parts)),  # noqa: S308 - every part is escaped above
    )  # fmt: skip
    legend_dir = mark_safe(' dir="rtl"') if fr.rtl else ""  # noqa: S308 - a constant attribute
    return format_html('<div class="legend"{}>{}</div>{}', legend_dir, legend, svg)


def meter(share: float | None) -> str:
    """A thin bar showing a percentage (or nothing when the share is withheld); it fills from the
    right in a right-to-left language."""
    if share is None:
        return ""
    fr = _frame(100)
    share = min(max(share, 0), 100)
    return format_html(
        '<svg class="meter" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">'
        '<rect class="meter-track" x="0" y="0" width="100" height="6"/>'
        '<rect class="meter-fill" x="{}" y="0" width="{}" height="6"/></svg>',
        _num(fr.rect_x(0, share)) if fr.rtl else "0",
        _f(share),
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


def _num(x) -> str:
    """An int as it is, a float to one decimal."""
    return str(x) if isinstance(x, int) else _f(x)


def _clip(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"
