"""Solar Hijri <-> Gregorian conversion, digits, typed dates, the form field and the template filters.

The oracle is jdatetime (requirements-dev.txt only). It uses FarsiWeb's pure 33-year cycle, which
coincides with the official Iranian calendar (and with our Borkowski arithmetic) for 1178-1633 AP;
outside that range the two rules legitimately differ, so there we check only self-consistency.
"""

import datetime as dt

import jdatetime
import pytest
from django import forms
from django.template import Context, Template

from glo_act import calendars as c
from glo_act.calendar_fields import SolarHijriOrGregorianDateField, use_user_calendar

from .conftest import make_agency, make_user

ONE_DAY = dt.timedelta(days=1)


# --- Conversion against the oracle -------------------------------------------------------------
def test_it_matches_the_oracle_on_every_day_from_1900_to_2100():
    day, end, checked = dt.date(1900, 1, 1), dt.date(2100, 12, 31), 0
    mismatches = []
    while day <= end:
        ours = c.gregorian_to_solar_hijri(day)
        theirs = jdatetime.date.fromgregorian(date=day)
        if (ours.year, ours.month, ours.day) != (theirs.year, theirs.month, theirs.day):
            mismatches.append((day, ours, theirs))
        if c.solar_hijri_to_gregorian(theirs.year, theirs.month, theirs.day) != day:
            mismatches.append((day, "back", theirs))
        day += ONE_DAY
        checked += 1
    assert checked == 73414
    assert mismatches == []


def test_it_matches_the_oracle_on_leap_years_and_year_ends_for_1178_to_1633():
    for year in range(1178, 1634):
        assert c.is_leap(year) == jdatetime.date(year, 1, 1).isleap(), year
        for month, day in ((1, 1), (6, 31), (7, 1), (12, 29), (12, c.month_length(year, 12))):
            assert c.solar_hijri_to_gregorian(year, month, day) == jdatetime.date(year, month, day).togregorian()


def test_it_knows_the_official_leap_years_and_nowruz_dates():
    leap = [y for y in range(1390, 1420) if c.is_leap(y)]
    assert leap == [1391, 1395, 1399, 1403, 1408, 1412, 1416]  # 1403 -> 1408: the five-year gap
    assert not c.is_leap(1404)  # the 2820-year rule wrongly says 1404
    assert c.solar_hijri_to_gregorian(1403, 1, 1) == dt.date(2024, 3, 20)
    assert c.solar_hijri_to_gregorian(1403, 12, 30) == dt.date(2025, 3, 20)
    assert c.solar_hijri_to_gregorian(1404, 1, 1) == dt.date(2025, 3, 21)
    assert c.solar_hijri_to_gregorian(1405, 9, 6) == dt.date(2026, 11, 27)
    assert c.solar_hijri_to_gregorian(1357, 11, 22) == dt.date(1979, 2, 11)


def test_it_handles_gregorian_leap_and_century_years():
    assert c.gregorian_to_solar_hijri(dt.date(2000, 2, 29)) == c.SolarHijriDate(1378, 12, 10)
    assert c.gregorian_to_solar_hijri(dt.date(2000, 3, 1)) == c.SolarHijriDate(1378, 12, 11)
    # 2100 is not a Gregorian leap year: 28 Feb is followed by 1 Mar.
    feb28 = c.gregorian_to_solar_hijri(dt.date(2100, 2, 28))
    mar1 = c.gregorian_to_solar_hijri(dt.date(2100, 3, 1))
    assert c.solar_hijri_to_gregorian(mar1.year, mar1.month, mar1.day) - ONE_DAY == dt.date(2100, 2, 28)
    assert (mar1.month, mar1.day - feb28.day) == (feb28.month, 1)


def test_it_round_trips_every_tenth_day_over_the_whole_supported_range():
    day, end = c.solar_hijri_to_gregorian(1, 1, 1), c.solar_hijri_to_gregorian(3177, 12, c.month_length(3177, 12))
    assert day == dt.date(622, 3, 22)
    previous = None
    while day <= end:
        sh = c.gregorian_to_solar_hijri(day)
        assert sh.to_gregorian() == day
        if previous is not None:
            assert sh > previous
        previous = sh
        day += dt.timedelta(days=10)


def test_year_lengths_add_up_over_the_whole_range():
    for year in range(1, 3177):
        length = (c.solar_hijri_to_gregorian(year + 1, 1, 1) - c.solar_hijri_to_gregorian(year, 1, 1)).days
        assert length == (366 if c.is_leap(year) else 365), year


def test_it_refuses_dates_outside_the_supported_range_and_impossible_dates():
    with pytest.raises(ValueError):
        c.gregorian_to_solar_hijri(dt.date(622, 3, 21))
    last = c.solar_hijri_to_gregorian(3177, 12, c.month_length(3177, 12))
    assert c.gregorian_to_solar_hijri(last) == c.SolarHijriDate(3177, 12, c.month_length(3177, 12))
    with pytest.raises(ValueError):
        c.gregorian_to_solar_hijri(last + ONE_DAY)
    with pytest.raises(ValueError):
        c.gregorian_to_solar_hijri(dt.date(3800, 1, 1))
    with pytest.raises(ValueError):
        c.solar_hijri_to_gregorian(1404, 12, 30)
    with pytest.raises(ValueError):
        c.SolarHijriDate(1405, 7, 31)
    with pytest.raises(ValueError):
        c.solar_hijri_to_gregorian(3178, 1, 1)


# --- Digits ------------------------------------------------------------------------------------
def test_it_normalises_persian_and_arabic_indic_digits():
    assert c.normalise_digits("۱۴۰۵/۰۹/۰۶") == "1405/09/06"
    assert c.normalise_digits("٢٠٢٦-١١-٢٧") == "2026-11-27"
    assert c.normalise_digits("Case ۱۲ and ٣٤, 56") == "Case 12 and 34, 56"
    assert c.normalise_digits("") == ""


@pytest.mark.parametrize(
    "language, expected",
    [
        ("fa", "۱۴۰۵/۰۹/۰۶"),
        ("fa-af", "۱۴۰۵/۰۹/۰۶"),
        ("fa-AF", "۱۴۰۵/۰۹/۰۶"),
        ("ps", "۱۴۰۵/۰۹/۰۶"),
        ("ar", "١٤٠٥/٠٩/٠٦"),
        ("ckb", "١٤٠٥/٠٩/٠٦"),
        ("ur", "1405/09/06"),  # CLDR: Urdu in Pakistan displays ASCII digits
        ("en", "1405/09/06"),
        (None, "1405/09/06"),
    ],
)
def test_it_localises_digits_per_language(language, expected):
    assert c.localise_digits("1405/09/06", language) == expected
    assert c.normalise_digits(expected) == "1405/09/06"


# --- Typed dates -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    ["1405/09/06", "۱۴۰۵/۰۹/۰۶", "١٤٠٥/٠٩/٠٦", "1405-9-6", " 1405.09.06 ", "\u200f۱۴۰۵/۹/۶\u200f", "1405 / 9 / 6"],
)
def test_it_reads_solar_hijri_dates_with_any_digits(typed):
    assert c.parse_date(typed, c.SOLAR_HIJRI) == dt.date(2026, 11, 27)


@pytest.mark.parametrize("calendar", [c.GREGORIAN, c.SOLAR_HIJRI])
@pytest.mark.parametrize("typed", ["2026-11-27", "۲۰۲۶-۱۱-۲۷", "٢٠٢٦/١١/٢٧"])
def test_it_reads_gregorian_dates_in_either_preference(typed, calendar):
    assert c.parse_date(typed, calendar) == dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    "typed, calendar, message",
    [
        ("1404/12/30", c.SOLAR_HIJRI, "1404 is not a leap year"),
        ("۱۴۰۴/۱۲/۳۰", c.SOLAR_HIJRI, "1404 is not a leap year"),
        ("1405/07/31", c.SOLAR_HIJRI, "month 7 has 30 days"),
        ("1405/13/01", c.SOLAR_HIJRI, "no month 13"),
        ("1405/00/10", c.SOLAR_HIJRI, "no month 0"),
        ("1405/09/00", c.SOLAR_HIJRI, "month 9 has 30 days"),
        ("2025-02-29", c.GREGORIAN, "does not exist in the Gregorian calendar"),
        ("2100-02-29", c.SOLAR_HIJRI, "does not exist in the Gregorian calendar"),
        ("1405/09/06", c.GREGORIAN, "looks like a Solar Hijri year"),
        ("06/09/1405", c.SOLAR_HIJRI, "year/month/day"),
        ("05/09/06", c.SOLAR_HIJRI, "four digits"),
        ("yesterday", c.GREGORIAN, "year/month/day"),
        ("", c.GREGORIAN, "year/month/day"),
        ("1405/09/06/01", c.SOLAR_HIJRI, "year/month/day"),
    ],
)
def test_it_explains_impossible_or_unreadable_dates(typed, calendar, message):
    with pytest.raises(c.DateInputError, match=message):
        c.parse_date(typed, calendar)


def test_leap_esfand_30_is_accepted():
    assert c.parse_date("1403/12/30", c.SOLAR_HIJRI) == dt.date(2025, 3, 20)


# --- Display -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "language, calendar, style, expected",
    [
        ("fa", c.SOLAR_HIJRI, "long", "۶ آذر ۱۴۰۵"),
        ("fa-af", c.SOLAR_HIJRI, "long", "۶ قوس ۱۴۰۵"),
        ("ps", c.SOLAR_HIJRI, "long", "۶ لیندۍ ۱۴۰۵"),
        ("en", c.SOLAR_HIJRI, "long", "6 Azar 1405"),
        ("ckb", c.SOLAR_HIJRI, "numeric", "١٤٠٥/٠٩/٠٦"),
        ("en", c.GREGORIAN, "long", "27 Nov 2026"),
        ("en", c.GREGORIAN, "numeric", "2026-11-27"),
        ("fa", c.GREGORIAN, "numeric", "۲۰۲۶-۱۱-۲۷"),
    ],
)
def test_it_formats_dates_in_the_users_calendar_language_and_digits(language, calendar, style, expected):
    assert c.format_date(dt.date(2026, 11, 27), calendar=calendar, language=language, style=style) == expected


def test_month_names_follow_the_country_conventions():
    assert [c.solar_hijri_month_name(m, "fa") for m in (1, 12)] == ["فروردین", "اسفند"]
    assert [c.solar_hijri_month_name(m, "fa-af") for m in (1, 2, 12)] == ["حمل", "ثور", "حوت"]
    assert [c.solar_hijri_month_name(m, "en") for m in (1, 12)] == ["Farvardin", "Esfand"]
    assert len(set(c.MONTHS_FA + c.MONTHS_FA_AF + c.MONTHS_PS + c.MONTHS_EN)) == 48


def test_aware_datetimes_are_shown_in_the_current_time_zone(settings):
    from django.utils import timezone

    settings.TIME_ZONE = "Asia/Tehran"
    moment = dt.datetime(2025, 3, 20, 22, 0, tzinfo=dt.UTC)  # 01:30 on 1 Farvardin 1404 in Tehran
    with timezone.override("Asia/Tehran"):
        text = c.format_date(moment, calendar=c.SOLAR_HIJRI, language="en", style="datetime")
    assert text == "1 Farvardin 1404, 01:30"


# --- Preference, form field, filters (database) ------------------------------------------------
@pytest.fixture
def people(world):
    iq = make_agency("IQ-NGO", "IQ")
    world.cw_iq = make_user("cw_iq", iq, "caseworker", language="ar")
    world.cw_both = make_user("cw_both", iq, "caseworker")
    from partners.services import membership_create

    membership_create(user=world.cw_both, agency=world.ir_ngo, role="caseworker", scope="agency")
    return world


def test_the_calendar_follows_the_agency_country_unless_chosen(people):
    from partners.models import User
    from partners.selectors import user_calendar

    assert user_calendar(people.cw) == c.SOLAR_HIJRI  # Iran
    assert user_calendar(people.cw_af) == c.SOLAR_HIJRI  # Afghanistan
    assert user_calendar(people.cw_iq) == c.GREGORIAN  # Iraq
    assert user_calendar(people.cw_both) == c.GREGORIAN  # Iraq and Iran: cross-border user
    assert user_calendar(people.nobody) == c.GREGORIAN
    people.cw.calendar = c.GREGORIAN
    people.cw.save(update_fields=["calendar"])
    assert user_calendar(User.objects.get(pk=people.cw.pk)) == c.GREGORIAN
    people.cw_iq.calendar = c.SOLAR_HIJRI
    people.cw_iq.save(update_fields=["calendar"])
    assert user_calendar(User.objects.get(pk=people.cw_iq.pk)) == c.SOLAR_HIJRI
    assert User._meta.get_field("calendar").default == ""


def test_anonymous_users_get_gregorian():
    from django.contrib.auth.models import AnonymousUser

    from partners.selectors import user_calendar

    assert user_calendar(AnonymousUser()) == c.GREGORIAN
    assert user_calendar(None) == c.GREGORIAN


class IdentificationDateForm(forms.Form):
    identified_on = SolarHijriOrGregorianDateField(label="Date of identification")
    date_of_birth = SolarHijriOrGregorianDateField(label="Date of birth", required=False)


def _form(user, data=None, **kw):
    return use_user_calendar(IdentificationDateForm(data, **kw), user)


def test_the_field_reads_solar_hijri_and_gregorian_for_a_solar_hijri_user(people):
    people.cw.language = "fa"
    form = _form(people.cw, {"identified_on": "۱۴۰۵/۰۹/۰۶", "date_of_birth": "2010-03-21"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"identified_on": dt.date(2026, 11, 27), "date_of_birth": dt.date(2010, 3, 21)}


def test_the_field_refuses_solar_hijri_for_a_gregorian_user(people):
    form = _form(people.cw_iq, {"identified_on": "1405/09/06"})
    assert not form.is_valid()
    assert "looks like a Solar Hijri year" in form.errors["identified_on"][0]
    form = _form(people.cw_iq, {"identified_on": "٢٠٢٦-١١-٢٧"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["identified_on"] == dt.date(2026, 11, 27)


def test_the_field_shows_its_error_and_keeps_the_input(people):
    form = _form(people.cw, {"identified_on": "1404/12/30"})
    assert not form.is_valid()
    assert form.errors["identified_on"] == [
        "1404/12/30 does not exist: 1404 is not a leap year, so Esfand (Hut) has 29 days."
    ]
    assert 'value="1404/12/30"' in str(form["identified_on"])
    assert _form(people.cw, {"identified_on": ""}).errors["identified_on"] == ["This field is required."]


def test_the_widget_shows_stored_dates_in_the_users_calendar_and_digits(people):
    people.cw.language = "fa"
    html = str(_form(people.cw, initial={"identified_on": dt.date(2026, 11, 27)})["identified_on"])
    assert 'value="۱۴۰۵/۰۹/۰۶"' in html
    assert 'dir="ltr"' in html and 'type="text"' in html and 'data-calendar="solar_hijri"' in html
    html = str(_form(people.cw_iq, initial={"identified_on": dt.date(2026, 11, 27)})["identified_on"])
    assert 'value="٢٠٢٦-١١-٢٧"' in html and 'placeholder="٢٠٢٦-١١-٢٧"' in html  # Arabic, Iraq
    html = str(_form(people.nobody, initial={"identified_on": dt.date(2026, 11, 27)})["identified_on"])
    assert 'value="2026-11-27"' in html and 'placeholder="2026-11-27"' in html
    form = _form(people.cw_iq, {"identified_on": "٢٠٢٦-١١-٢٧"}, initial={"identified_on": dt.date(2026, 11, 27)})
    assert form.is_valid() and not form.has_changed()  # what the widget shows reads back unchanged


def test_the_calendar_setting_does_not_leak_between_form_instances(people):
    _form(people.cw, {"identified_on": "1405/09/06"})
    assert IdentificationDateForm.base_fields["identified_on"].calendar == c.GREGORIAN
    assert not _form(people.cw_iq, {"identified_on": "1405/09/06"}).is_valid()


def test_the_field_accepts_an_unchanged_initial_date(people):
    form = _form(people.cw, {"identified_on": "1405/09/06"}, initial={"identified_on": dt.date(2026, 11, 27)})
    assert form.is_valid()
    assert not form.has_changed()


def _render(source, **context):
    return Template("{% load calendars %}" + source).render(Context(context))


def test_the_filters_format_per_user_preference_and_language(people):
    people.cw.language = "fa"
    people.cw_af.language = "fa-af"
    day = dt.date(2026, 11, 27)
    assert _render("{{ d|user_date:u }}", d=day, u=people.cw) == "۶ آذر ۱۴۰۵"
    assert _render("{{ d|user_date:u }}", d=day, u=people.cw_af) == "۶ قوس ۱۴۰۵"
    assert _render("{{ d|user_date:u }}", d=day, u=people.cw_iq) == "٢٧ نوفمبر ٢٠٢٦"
    assert _render("{{ d|user_date_numeric:u }}", d=day, u=people.nobody) == "2026-11-27"
    assert _render("{{ d|user_date:u }}", d=None, u=people.cw) == ""
    assert _render("{{ n|local_digits:u }} {{ n|local_digits:'ckb' }}", n=1234, u=people.cw) == "۱۲۳۴ ١٢٣٤"


def test_the_datetime_filter_uses_the_current_time_zone(people):
    from django.utils import timezone

    moment = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)
    with timezone.override("Asia/Kabul"):  # UTC+4:30
        assert _render("{{ m|user_datetime:u }}", m=moment, u=people.cw_af) == "6 Azar 1405, 14:35"


def test_djangos_number_fields_already_accept_persian_and_arabic_indic_digits():
    # Python's int()/Decimal() read any Unicode decimal digit, so IntegerField/DecimalField need no
    # wrapper; DateField does not (it is why SolarHijriOrGregorianDateField exists).
    assert forms.IntegerField().clean("۱۶") == 16
    assert forms.IntegerField().clean("١٦") == 16
    assert str(forms.DecimalField().clean("۱۲.۵")) == "12.5"
    with pytest.raises(forms.ValidationError):
        forms.DateField().clean("۲۰۲۶-۱۱-۲۷")


def test_a_datetime_uses_the_comma_of_the_readers_script():
    import datetime as dt

    from django.utils import timezone

    from glo_act.calendars import format_date

    moment = timezone.make_aware(dt.datetime(2026, 11, 27, 14, 5))
    assert format_date(moment, language="en", style="datetime").endswith(", 14:05")
    for language in ("fa", "fa-af", "ps", "ar", "ckb", "ur"):
        assert "، " in format_date(moment, language=language, style="datetime"), language
