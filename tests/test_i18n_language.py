"""Each person's language (issue 6): chosen on the account page, else their agencies' country.

The catalogues are the lead's (locale/); these tests hold without them: they look at the language
that is active (lang and dir of the page, translation.get_language() where the text is made) and at
Django's own Persian month names, which ship with Django.
"""

import datetime
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from partners.models import User
from partners.selectors import user_calendar, user_language
from tests.conftest import fresh, make_agency, make_user

ROOT = Path(settings.BASE_DIR)


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.fixture
def readers(world):
    """Users on automatic (language ""), one per programme country, and the edge cases."""
    iq, pk = make_agency("IQ-NGO", "IQ"), make_agency("PK-NGO", "PK")
    r = SimpleNamespace(world=world)
    r.ir = make_user("auto_ir", world.ir_ngo, language="")
    r.af = make_user("auto_af", world.af_ngo, language="")
    r.iq = make_user("auto_iq", iq, language="")
    r.pk = make_user("auto_pk", pk, language="")
    r.ir_two = make_user("auto_ir_two", world.ir_ngo, language="")  # two agencies, one country
    from partners.services import membership_create

    membership_create(user=r.ir_two, agency=world.ir_police, role="caseworker")
    r.both = make_user("auto_both", iq, language="")  # Iraq and Iran: works across borders
    membership_create(user=r.both, agency=world.ir_ngo, role="caseworker")
    r.none = make_user("auto_none", language="")
    r.chosen = make_user("chosen_ps", world.ir_ngo, language="ps")
    return r


# --- the effective language ---------------------------------------------------------------------


def test_automatic_is_the_default_and_old_english_defaults_became_automatic():
    assert User._meta.get_field("language").default == ""
    assert User._meta.get_field("language").blank


def test_the_language_follows_the_country_of_the_users_agencies(readers):
    r = readers
    got = {u.username: user_language(fresh(u)) for u in (r.ir, r.af, r.iq, r.pk, r.ir_two, r.both, r.none)}
    assert got == {
        "auto_ir": "fa", "auto_af": "fa-af", "auto_iq": "ar", "auto_pk": "ur",
        "auto_ir_two": "fa",  # two agencies in Iran
        "auto_both": "en",  # Iraq and Iran: English until they choose
        "auto_none": "en",
    }  # fmt: skip


def test_an_explicit_choice_wins_and_unknown_values_are_ignored(readers):
    assert user_language(fresh(readers.chosen)) == "ps"
    user = fresh(readers.ir)
    user.language = "en"
    assert user_language(user) == "en"
    user.language = "xx"  # not a language of settings.LANGUAGES: automatic
    assert user_language(user) == "fa"


def test_anonymous_and_inactive_memberships(readers):
    assert user_language(AnonymousUser()) == user_language(None) == "en"
    readers.ir.memberships.update(is_active=False)
    assert user_language(fresh(readers.ir)) == "en"


def test_language_calendar_and_scope_share_one_query(readers):
    from partners.selectors import user_scope

    user = fresh(readers.af)
    with CaptureQueriesContext(connection) as ctx:
        assert user_language(user) == "fa-af"
        assert user_calendar(user) == "solar_hijri"
        assert user_scope(user).case_agency_ids
    assert len(ctx.captured_queries) == 1


# --- pages: lang and dir --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "lang", "direction"),
    [("ir", "fa", "rtl"), ("af", "fa-af", "rtl"), ("iq", "ar", "rtl"), ("pk", "ur", "rtl"), ("both", "en", "ltr")],
)
def test_pages_are_in_the_users_language_and_direction(client, readers, who, lang, direction):
    client.force_login(getattr(readers, who))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")  # the browser's language does not matter once signed in
    assert response.status_code == 200
    assert html_tag(response) == f'<html lang="{lang}" dir="{direction}">'
    assert response["Content-Language"] == lang
    assert "css/fonts.css" in response.content.decode()


def test_an_explicit_english_choice_is_left_to_right(client, readers):
    User.objects.filter(pk=readers.ir.pk).update(language="en")
    client.force_login(readers.ir)
    assert html_tag(client.get("/")) == '<html lang="en" dir="ltr">'


def test_error_pages_follow_the_language(client, readers):
    client.force_login(readers.ir)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and html_tag(response) == '<html lang="fa" dir="rtl">'
    from glo_act.errors import standalone_page

    with translation.override("ur"):
        page = standalone_page(500)
    assert html_tag(page) == '<html lang="ur" dir="rtl">'


def test_the_request_language_does_not_stay_active_after_the_response(client, readers):
    with translation.override("en"):
        client.force_login(readers.ir)
        client.get("/")
        assert translation.get_language() == "en"


# --- people not signed in -------------------------------------------------------------------------


def test_the_sign_in_page_follows_the_browser_and_says_so_in_vary():
    response = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9,en;q=0.5")
    assert html_tag(response) == '<html lang="fa" dir="rtl">'
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
    assert response["Content-Language"] == "fa"
    response = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de")  # not offered: English
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    # The security headers are still there.
    assert "font-src 'self'" in response["Content-Security-Policy"]


def test_the_sign_in_page_offers_every_language_in_its_own_name():
    html = (
        Client().get("/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    )  # Django's catalogue names them in Arabic
    for code, name in settings.LANGUAGES:
        assert re.search(f'name="language" value="{code}" lang="{code}"[^>]*>{name}</button>', html), code
    assert 'value="ar" lang="ar" aria-current="true"' in html


def test_the_language_picker_sets_a_guarded_cookie_and_the_page_follows(db):
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert Client(enforce_csrf_checks=True).post("/login/language/", {"language": "ar"}).status_code == 403
    response = client.post(
        "/login/language/", {"language": "ar", "next": "/login/?next=/cases/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/login/?next=/cases/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ar" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert html_tag(client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")) == '<html lang="ar" dir="rtl">'
    bad = client.post(
        "/login/language/", {"language": "ar", "next": "https://evil.example/", "csrfmiddlewaretoken": token}
    )
    assert bad["Location"] == "/"  # never off-site


def test_a_signed_in_user_keeps_their_language_whatever_the_cookie(client, readers):
    client.force_login(readers.iq)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fa"
    assert html_tag(client.get("/")) == '<html lang="ar" dir="rtl">'


# --- the account page -----------------------------------------------------------------------------


def test_the_account_page_offers_automatic_and_the_seven_languages(client, readers):
    client.force_login(readers.ir)
    html = client.get("/account/").content.decode()
    assert 'id="preferences"' in html
    assert re.search(r'<option value="" selected>[^<]*فارسی[^<]*</option>', html)  # automatic: now Persian
    for code, name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}">{name}</option>' in html
    assert '<option value="solar_hijri">' in html


def test_changing_language_and_calendar_reloads_the_page_in_the_new_language(client, readers):
    from audit.models import ChangeEvent

    client.force_login(readers.ir)
    before = ChangeEvent.objects.filter(table_name="partners_user").count()
    response = client.post("/account/preferences/", {"language": "ur", "calendar": "gregorian"})
    assert response.status_code == 302 and response["Location"] == "/account/#preferences"
    user = User.objects.get(pk=readers.ir.pk)
    assert (user.language, user.calendar) == ("ur", "gregorian")
    page = client.get(response["Location"])
    assert html_tag(page) == '<html lang="ur" dir="rtl">'
    assert "message-success" in page.content.decode()
    assert ChangeEvent.objects.filter(table_name="partners_user").count() == before + 1  # audited
    # Back to automatic.
    client.post("/account/preferences/", {"language": "", "calendar": ""})
    user = User.objects.get(pk=readers.ir.pk)
    assert (user.language, user.calendar) == ("", "")
    assert html_tag(client.get("/account/")) == '<html lang="fa" dir="rtl">'


@pytest.mark.parametrize(
    "data", [{"language": "xx", "calendar": "gregorian"}, {"language": "fa", "calendar": "lunar"}, {"language": "EN"}]
)
def test_a_bad_value_is_refused_and_nothing_changes(client, readers, data):
    User.objects.filter(pk=readers.iq.pk).update(language="en", calendar="solar_hijri")
    client.force_login(readers.iq)
    response = client.post("/account/preferences/", data)
    assert response.status_code == 400
    assert 'class="errors"' in response.content.decode()
    user = User.objects.get(pk=readers.iq.pk)
    assert (user.language, user.calendar) == ("en", "solar_hijri")


def test_the_service_refuses_unknown_values(readers):
    from django.core.exceptions import ValidationError

    from accounts.services import preferences_update

    with pytest.raises(ValidationError) as error:
        preferences_update(user=readers.ir, language="de", calendar="julian")
    assert set(error.value.message_dict) == {"language", "calendar"}
    assert preferences_update(user=readers.ir, language="ps", calendar="") == ["language"]
    assert preferences_update(user=readers.ir, language="ps", calendar="") == []


def test_the_preferences_need_a_signed_in_user_and_a_post(client, readers):
    assert Client().post("/account/preferences/", {"language": "fa"}).status_code == 302  # to sign in
    client.force_login(readers.ir)
    assert client.get("/account/preferences/").status_code == 405


def test_the_date_filters_use_the_effective_language(readers):
    from django.template import Context, Template

    text = Template("{% load calendars %}{{ d|user_date:u }}").render(
        Context({"d": datetime.date(2026, 11, 27), "u": fresh(readers.af)})
    )
    assert text == "۶ قوس ۱۴۰۵"  # Dari month names and Persian digits, from automatic


# --- e-mails and notifications in the recipient's language ---------------------------------------


def test_the_email_is_written_in_the_recipients_language(readers, monkeypatch):
    from referrals import emails

    seen = []
    original = emails.notification_text

    def spy(notification):
        seen.append((translation.get_language(), formats.date_format(datetime.date(2026, 1, 5), "F")))
        return original(notification)

    monkeypatch.setattr(emails, "notification_text", spy)
    referral = SimpleNamespace(reference="REF-1", case=SimpleNamespace(reference="CASE-1"))
    for user in (fresh(readers.ir), fresh(readers.iq), fresh(readers.both), fresh(readers.chosen)):
        note = SimpleNamespace(recipient=user, referral=referral, get_kind_display=lambda: "Referral received")
        subject, body = emails.render_notification_email(note)
        assert "REF-1" in subject and "CASE-1" in body
    assert [lang for lang, _ in seen] == ["fa", "ar", "en", "ps"]
    assert seen[0][1] == "ژانویه"  # Django's own Persian catalogue: January
    assert seen[2][1] == "January"
    assert translation.get_language() == "en"  # nothing left active


def test_the_notification_list_is_written_when_it_is_viewed_in_the_viewers_language(client, world, monkeypatch):
    from referrals import views
    from tests.test_referrals_support import national, referral_world, walk

    w = referral_world(world)
    referral = walk(w, national(w), "sent")
    recipient = User.objects.get(username="sp_shelter")
    User.objects.filter(pk=recipient.pk).update(language="ckb")
    seen = []
    original = views.notification_text

    def spy(notification):
        seen.append(translation.get_language())
        return original(notification)

    monkeypatch.setattr(views, "notification_text", spy)
    client.force_login(recipient)
    response = client.get("/notifications/")
    assert response.status_code == 200 and referral.reference in response.content.decode()
    assert seen and set(seen) == {"ckb"}


# --- fonts --------------------------------------------------------------------------------------


FONTS = ROOT / "static" / "fonts"
CSS = ROOT / "static" / "css"


def test_the_fonts_are_vendored_with_their_licences():
    for family in ("vazirmatn", "noto-naskh-arabic", "noto-nastaliq-urdu"):
        assert "SIL Open Font License" in (FONTS / family / "LICENSE").read_text()
        files = sorted((FONTS / family).glob("*.woff2"))
        assert files and all(f.read_bytes()[:4] == b"wOF2" for f in files), family
    readme = (FONTS / "README.md").read_text()
    assert "@fontsource/vazirmatn" in readme and "5.3.0" in readme and "OFL" in readme


def test_fonts_css_declares_each_file_and_the_languages_pick_them():
    css = (CSS / "fonts.css").read_text()
    urls = re.findall(r'url\("?([^")]+)"?\)', css)
    assert len(urls) == len(list(FONTS.glob("*/*.woff2"))) == 8
    for url in urls:
        assert (CSS / url).resolve().is_file(), url
        assert url.startswith("../fonts/")
    assert css.count("font-display: swap;") == css.count("@font-face {") == 8
    assert css.count("unicode-range:") == 8
    for selector in (":lang(fa)", ":lang(fa-AF)", ":lang(ckb)", ":lang(ps)", ":lang(ar)", ":lang(ur)"):
        assert selector in css
    assert re.search(r"html:lang\(ur\) body \{ line-height: 2", css)


def test_no_stylesheet_loads_anything_from_another_site():
    for path in CSS.glob("*.css"):
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import", path.read_text(), re.I), path


def test_the_fonts_are_allowed_by_the_content_security_policy(db):
    response = Client().get("/login/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["font-src"] == "'self'" and policy["style-src"] == "'self'"


def test_app_css_uses_logical_properties_only():
    css = (CSS / "app.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    physical = re.findall(
        r"(?<![\w-])(?:margin|padding|border)-(?:left|right)\b|(?<![\w-])(?:left|right)\s*:|text-align:\s*(?:left|right)",
        css,
    )
    # The one exception: left-to-right fields keep the right edge in a right-to-left page.
    assert physical == ["text-align: right"], physical


@pytest.mark.django_db
def test_countries_are_named_in_the_readers_language():
    from django.utils import translation

    from partners.countries import country_names
    from partners.models import Country

    germany = Country.objects.get(code="DE")
    with translation.override("fa"):
        assert str(germany) == "آلمان"  # ISO 3166 translations from pycountry
        assert str(Country.objects.get(code="IR")) == "ایران"  # ours: short, as an official writes it
        assert country_names()["IQ"] == "عراق"
    with translation.override("ur"):
        assert str(Country.objects.get(code="PK")) == "پاکستان"
    with translation.override("en"):
        assert str(germany) == "Germany" and country_names()["IR"] == "Iran"


def test_a_notification_email_reaches_each_recipient_in_their_own_language(world):
    """The real catalogues: the same referral event, one e-mail in Persian, one in English."""
    from referrals.emails import render_notification_email
    from referrals.models import Notification
    from tests.test_referrals_support import national, referral_world, walk

    w = referral_world(world)
    walk(w, national(w), "sent")
    notes = list(Notification.objects.select_related("recipient", "referral__case"))
    assert notes
    closing = "This message carries no personal data. Sign in to see what you are allowed to see."
    with translation.override("fa"):
        persian_closing = translation.gettext(closing)
    assert persian_closing != closing
    for note in notes:
        User.objects.filter(pk=note.recipient_id).update(language="fa")
        note.recipient.refresh_from_db()
        _, body = render_notification_email(note)
        assert persian_closing in body and closing not in body
        User.objects.filter(pk=note.recipient_id).update(language="en")
        note.recipient.refresh_from_db()
        _, body = render_notification_email(note)
        assert closing in body
