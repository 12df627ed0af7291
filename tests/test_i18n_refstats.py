"""Issue 6 on the referral pages and the dashboards: right-to-left charts, the viewer's digits and
calendar, and dates typed in the Solar Hijri calendar with Persian digits."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from glo_act.calendars import SOLAR_HIJRI, format_date, localise_digits
from stats import charts
from stats import suppression as sup
from stats.selectors import Cell, Dashboard, _add_months, _month_start, month_input_value

from .test_stats_dashboards import stats_world  # noqa: F401 (the fixture)
from .test_ui_referrals import login, national  # noqa: F401 (login is a fixture)

PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
ARABIC = "٠١٢٣٤٥٦٧٨٩"


def _cell(value):
    return Cell(keys={}, value=value)


MONTHS = [datetime.date(2026, m, 1) for m in (4, 5, 6, 7)]


def _columns_svg(language):
    with translation.override(language):
        groups = [(charts.month_label(m, short=True), [_cell(20 + 10 * i), _cell(sup.SUPPRESSED)])
                  for i, m in enumerate(MONTHS)]  # fmt: skip
        return str(charts.grouped_columns("Per month", groups, ["Iran", "Afghanistan"], threshold=11))


def _bars(svg):
    """x of each visible (not withheld) column, in the order the groups were given (first month first)."""
    return [float(x) for x in re.findall(r'<rect class="bar series-0" x="([\d.]+)"', svg)]


def _axis_ticks(svg):
    """(x, anchor, text) of the value axis labels."""
    return re.findall(r'<text class="chart-axis" x="([\d.]+)" y="[\d.]+" text-anchor="(start|end)">([^<]*)</text>', svg)


def _month_labels(svg):
    return re.findall(r'<text class="chart-axis" x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]*)</text>', svg)


@pytest.mark.parametrize("language, digits", [("fa", PERSIAN), ("ar", ARABIC)])
def test_the_monthly_chart_runs_right_to_left_in_an_rtl_language(language, digits):
    svg = _columns_svg(language)
    bars = _bars(svg)
    assert len(bars) == len(MONTHS)
    assert bars[0] > bars[-1], "the first month is the rightmost group"
    assert bars == sorted(bars, reverse=True)
    ticks = _axis_ticks(svg)
    assert ticks and all(anchor == "start" for _x, anchor, _t in ticks), "value axis labels anchored to their left"
    assert all(float(x) > 1000 for x, _a, _t in ticks), "the value axis is on the right"
    tick_text = "".join(t for _x, _a, t in ticks)
    assert not re.search(r"[0-9]", tick_text) and any(d in tick_text for d in digits)
    labels = _month_labels(svg)
    assert labels and all(not re.search(r"[0-9]", label) for label in labels)
    assert localise_digits("26", language) in labels[0]
    assert 'direction="ltr"' in svg  # anchors keep their left-to-right meaning inside an RTL page
    assert '<div class="legend" dir="rtl">' in svg
    # The withheld bar is labelled in the language's digits too.
    assert localise_digits("<11", language) in svg.replace("&lt;", "<")


def test_the_monthly_chart_is_unchanged_in_english():
    svg = _columns_svg("en")
    bars = _bars(svg)
    assert bars[0] < bars[-1] and bars == sorted(bars)
    ticks = _axis_ticks(svg)
    assert ticks and all(anchor == "end" for _x, anchor, _t in ticks)
    assert all(float(x) < 100 for x, _a, _t in ticks), "the value axis is on the left"
    assert _month_labels(svg)[0] == "Apr 26"
    assert "direction=" not in svg and 'dir="rtl"' not in svg


def _hbar_svg(language):
    with translation.override(language):
        items = [("Forced labour", _cell(40), ""), ("Begging", _cell(sup.SUPPRESSED), "")]
        return str(charts.hbar_chart("By type", items, threshold=11))


def test_horizontal_bars_grow_from_labels_on_the_right_in_an_rtl_language():
    rtl, ltr = _hbar_svg("fa"), _hbar_svg("en")
    label = r'<text class="chart-label" x="([\d.]+)" y="[\d.]+" text-anchor="(start|end)">'
    (rtl_x, rtl_anchor), (ltr_x, ltr_anchor) = re.findall(label, rtl)[0], re.findall(label, ltr)[0]
    assert (ltr_anchor, rtl_anchor) == ("end", "start")
    assert float(rtl_x) > 300 > float(ltr_x)
    rtl_bar = float(re.findall(r'<rect class="bar series-0" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', rtl)[0][0])
    assert rtl_bar < float(rtl_x), "the bar lies left of its label"
    assert "۴۰" in rtl and ">40<" in ltr


def test_month_labels_are_gregorian_months_in_the_language():
    with translation.override("fa"):
        fa = charts.month_label(datetime.date(2026, 4, 1))
    with translation.override("en"):
        en = charts.month_label(datetime.date(2026, 4, 1))
    assert en == "Apr 2026"
    assert fa.endswith("2026") and not re.search(r"[A-Za-z]", fa)


# ---------------------------------------------------------------------------------------------
# The dashboard page and its month filter


def test_the_dashboard_in_persian_mirrors_its_charts_and_writes_persian_digits(stats_world, client):  # noqa: F811
    user = stats_world.pm_region
    user.language, user.calendar = "fa", SOLAR_HIJRI
    user.save(update_fields=["language", "calendar"])
    client.force_login(user)
    html = client.get("/stats/").content.decode()
    assert 'lang="fa"' in html and 'direction="ltr"' in html and 'text-anchor="start"' in html
    total = re.search(r'data-figure="total">(.*?)</span>', html, re.S).group(1)
    assert not re.search(r"[0-9]", re.sub(r"<[^>]*>", "", total)), total
    # The month filter shows Solar Hijri months, in Persian digits, as text the user can type.
    f = Dashboard(user, {}).filters
    assert f'value="{month_input_value(f.month_to, SOLAR_HIJRI, "fa")}"' in html
    assert re.search(r'<input type="text" id="id_to" name="to" value="[' + PERSIAN + r'/]+"', html)


def test_a_solar_hijri_month_range_typed_in_persian_digits_gives_the_gregorian_figures(stats_world, client):  # noqa: F811
    user = stats_world.pm_region
    to = _month_start(timezone.localdate())
    start = _add_months(to, -5)
    gregorian = {"from": start.strftime("%Y-%m"), "to": to.strftime("%Y-%m")}
    solar = {"from": month_input_value(start, SOLAR_HIJRI, "fa"), "to": month_input_value(to, SOLAR_HIJRI, "fa")}
    assert all(ch in PERSIAN + "/" for ch in solar["from"] + solar["to"])
    a, b = Dashboard(user, gregorian), Dashboard(user, solar)
    assert a.filters == b.filters and not b.filters.errors
    for slug in ("identifications-by-month", "by-sex-age", "referral-funnel"):
        fa, fb = a.figure(slug), b.figure(slug)
        assert [(c.keys, c.display) for c in fa.cells] == [(c.keys, c.display) for c in fb.cells], slug
    # The same on the page, and Arabic-Indic digits and "-" read as well.
    client.force_login(user)
    arabic = {k: localise_digits(v, "ar").replace("-", "/") for k, v in gregorian.items()}

    def total(params):
        html = client.get("/stats/", params).content.decode()
        assert "must look like" not in html
        return re.search(r'data-figure="total">(.*?)</span>', html, re.S).group(1)

    assert total(gregorian) == total(solar) == total(arabic)


def test_a_month_that_cannot_be_read_says_so_with_a_solar_hijri_example(stats_world):  # noqa: F811
    user = stats_world.pm_region
    user.calendar = SOLAR_HIJRI
    errors = Dashboard(user, {"from": "۱۴۰۵/۱۳"}).filters.errors
    assert errors and "1405/01" in str(errors[0])


# ---------------------------------------------------------------------------------------------
# Referral pages in the user's calendar


def _persian_reader(user):
    user.language, user.calendar = "fa", SOLAR_HIJRI
    user.save(update_fields=["language", "calendar"])
    return user


def test_a_solar_hijri_reader_sees_referral_dates_in_solar_hijri(world, login):  # noqa: F811
    referral = national(world)
    sent_fa = format_date(referral.sent_at, calendar=SOLAR_HIJRI, language="fa", style="datetime")
    deadline_fa = format_date(referral.response_deadline, calendar=SOLAR_HIJRI, language="fa", style="datetime")
    gregorian = timezone.localtime(referral.sent_at).strftime("%Y")

    c = login(_persian_reader(world.cw))
    html = c.get(reverse("referral_detail", args=[referral.reference])).content.decode()
    assert sent_fa in html and deadline_fa in html
    assert gregorian not in re.sub(r'datetime="[^"]*"', "", html.split('id="details"', 1)[1].split("</section>")[0])
    listing = c.get(reverse("referral_list") + "?tab=outgoing").content.decode()
    assert deadline_fa in listing

    receiver = login(_persian_reader(world.cw_police))
    inbox = receiver.get(reverse("notification_list")).content.decode()
    note = referral.notifications.filter(recipient=world.cw_police).get()
    assert format_date(note.created_at, calendar=SOLAR_HIJRI, language="fa", style="datetime") in inbox


def test_a_gregorian_english_reader_sees_gregorian_dates(world, login):  # noqa: F811
    referral = national(world)
    user = world.cw
    user.language, user.calendar = "en", "gregorian"
    user.save(update_fields=["language", "calendar"])
    html = login(user).get(reverse("referral_detail", args=[referral.reference])).content.decode()
    assert format_date(referral.sent_at, style="datetime") in html


def test_notifications_render_in_the_viewers_language_when_read(world, login):  # noqa: F811
    """The inbox stores the kind and the referral, not a text: each reader gets their own language."""
    referral = national(world)
    note = referral.notifications.filter(recipient=world.cw_police).get()
    assert not hasattr(note, "text") and note.kind == "referral_received"
    reader = world.cw_police
    reader.language = "en"
    reader.save(update_fields=["language"])
    html = login(reader).get(reverse("notification_list")).content.decode()
    assert f"referral {referral.reference}" in html


def test_export_request_dates_typed_in_solar_hijri_with_persian_digits(world):
    from stats.forms import ExportRequestForm

    user = _persian_reader(world.cw)
    base = {"agency": world.ir_ngo.pk, "format": "csv", "reason": "For the prosecutor's case file"}
    a = ExportRequestForm({**base, "date_from": "۱۴۰۵/۰۱/۰۱", "date_to": "۱۴۰۵/۰۲/۱۰"}, agencies=[world.ir_ngo],
                          user=user)  # fmt: skip
    b = ExportRequestForm({**base, "date_from": "2026-03-21", "date_to": "2026-04-30"}, agencies=[world.ir_ngo],
                          user=user)  # fmt: skip
    assert a.is_valid(), a.errors
    assert b.is_valid(), b.errors
    assert a.filters() == b.filters() == {"date_from": "2026-03-21", "date_to": "2026-04-30"}
