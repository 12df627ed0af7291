"""Translation completeness (issue 6).

Three guards, each able to fail on its own:
- no visible English left outside the translation tags in any template (a static lint, so a
  string a test never renders is still caught);
- no form label, help text or choice label in our forms that is a plain str (Python strings are
  marked with gettext, or they never reach the catalogue);
- every string the source marks has a translation, not fuzzy, in each of the six catalogues.
"""

import html.parser
import importlib
import inspect
import os
import pkgutil
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django import forms
from django.conf import settings
from django.utils.functional import Promise

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
LOCALES = ("fa", "fa_AF", "ps", "ar", "ckb", "ur")
APPS = ("accounts", "audit", "cases", "documents", "glo_act", "partners", "privacy", "referrals", "stats", "victims")

# Words that are the same in every language: names of standards, formats and the product.
ALLOWED_WORDS = {
    "glo_act", "IOM", "UNODC", "CTDC", "HTCDS", "GLOTIP", "TRM", "CSV", "XLSX", "API", "TOTP", "PDF", "JPEG",
    "PNG", "ISO", "OpenAPI", "Swagger", "UN", "NGO", "ID", "AES", "QR", "SHA", "HTTP", "JSON", "UTC",
}  # fmt: skip
# Attributes whose values people read.
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "label"}

_BLOCKS = [
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"\{%\s*block\s+page_class\s*%\}.*?\{%\s*endblock[^%]*%\}", re.S),  # a CSS class name
]
_TAGS = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]|[A-Za-z]")


def _english_words(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text) if w not in ALLOWED_WORDS]
    return [w for w in words if len(w) > 1 or w in {"a", "A", "I"}]


class _TextCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_data(self, data):
        if _english_words(data):
            self.found.append((self.getpos()[0], data.strip()))

    def handle_starttag(self, tag, attrs):
        input_type = dict(attrs).get("type", "")
        for name, value in attrs:
            # An <input type=submit> shows its value; a <button>'s value is sent, never shown.
            shown_value = tag == "input" and input_type in ("submit", "button")
            readable = name in TEXT_ATTRIBUTES or (name == "value" and shown_value)
            if readable and value and _english_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """Visible English in a template, outside translation tags. Line numbers are approximate."""
    for block in _BLOCKS:
        source = block.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    source = _TAGS.sub(" ", source)
    collector = _TextCollector()
    collector.feed(source)
    collector.close()
    return collector.found


def test_the_lint_sees_english_and_ignores_marked_text():
    assert untranslated_text("<p>Open a case</p>")
    assert untranslated_text('<input type="submit" value="Save">')
    assert untranslated_text('<a title="Close">x</a>')
    assert not untranslated_text('{% load i18n %}<p>{% translate "Open a case" %}</p>')
    assert not untranslated_text("<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>")
    assert not untranslated_text("<p>{{ case.reference }} · CTDC</p>{# a comment #}")
    assert not untranslated_text('<script src="/static/x.js"></script><p>۱۲</p>')


def _templates():
    return sorted(p for p in TEMPLATES.rglob("*.html") if "admin" not in p.parts)


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_untranslated_text(path):
    found = untranslated_text(path.read_text())
    assert not found, f"{path.relative_to(ROOT)}: text outside translation tags: {found[:8]}"


def _our_form_classes():
    seen = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name or ".management" in info.name or info.name.endswith("tests"):
                continue
            try:
                module = importlib.import_module(info.name)
            except ImportError:
                continue
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    seen.append(cls)
    return seen


def _plain(text) -> bool:
    return isinstance(text, str) and not isinstance(text, Promise) and bool(_english_words(text))


@pytest.mark.django_db
def test_form_labels_help_texts_and_choices_are_marked_for_translation():
    problems = []
    classes = _our_form_classes()
    assert len(classes) > 20, "form discovery found too few forms"
    for cls in classes:
        for name, field in cls.base_fields.items():
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if field.label is None and not isinstance(field.widget, forms.HiddenInput):
                problems.append(f"{where}: no label (Django would show the English field name)")
            for attr in ("label", "help_text"):
                if _plain(getattr(field, attr, None)):
                    problems.append(f"{where}: {attr} {getattr(field, attr)!r}")
            if isinstance(field, forms.ModelChoiceField):  # its choices are data; only the blank is text
                if _plain(field.empty_label):
                    problems.append(f"{where}: empty_label {field.empty_label!r}")
                continue
            for value, label in getattr(field, "choices", None) or []:
                if isinstance(label, (list, tuple)):
                    continue
                if value not in ("", None) and _plain(label):
                    problems.append(f"{where}: choice {label!r}")
    assert not problems, "\n".join(problems[:40])


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogue the source asks for now: makemessages over a copy-free view of the project."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext (xgettext) is needed to check translations: apt-get install gettext")
    work = tmp_path_factory.mktemp("messages")
    tree = work / "src"
    tree.mkdir()
    for name in (*APPS, "templates"):
        (tree / name).symlink_to(ROOT / name)
    out = work / "locale"
    env = {**os.environ, "GLO_ACT_LOCALE_DIR": str(out), "DEBUG": "0"}
    subprocess.run(
        [str(Path(os.sys.executable)), str(ROOT / "manage.py"), "makemessages", "--locale", "fa", "--symlinks",
         "--no-location", "--ignore", "*/migrations/*", "--verbosity", "0"],
        cwd=tree, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return polib.pofile(str(out / "fa" / "LC_MESSAGES" / "django.po"))


def test_extraction_finds_the_interface(extracted):
    ids = {e.msgid for e in extracted}
    assert len(ids) > 300
    assert "Log identification" in ids


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_string_is_translated(extracted, locale):
    path = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"no catalogue for {locale}"
    catalogue = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(path)) if not e.obsolete}
    missing = []
    for wanted in extracted:
        have = catalogue.get((wanted.msgctxt, wanted.msgid))
        if have is None or "fuzzy" in have.flags:
            missing.append(wanted.msgid)
        elif wanted.msgid_plural:
            if not have.msgstr_plural or not all(have.msgstr_plural.values()):
                missing.append(wanted.msgid)
        elif not have.msgstr:
            missing.append(wanted.msgid)
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_its_source(locale):
    """The committed .mo is what the .po says (`make messages` rebuilds both)."""
    base = ROOT / "locale" / locale / "LC_MESSAGES"
    po, mo = polib.pofile(str(base / "django.po")), polib.mofile(str(base / "django.mo"))
    want = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries() if not e.msgid_plural}
    have = {(e.msgctxt, e.msgid): e.msgstr for e in mo if not e.msgid_plural and e.msgid}
    assert want == have
