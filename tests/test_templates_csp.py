"""Every template and every piece of HTML built in Python obeys the Content-Security-Policy.

The policy (glo_act/settings.py) refuses inline code: a <script> with a body, a <style> block, a
style= attribute, an on*= handler or a javascript: link would be blocked in the browser (the page
breaks quietly) or, worse, tempt someone to weaken the policy. This scan names the file and line.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "staticfiles", "test-artifacts", ".git", "tests", "migrations", "bench"}

# An opening HTML tag, possibly across lines; template tags inside it are fine ({% if %}...).
TAG = r"<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*?)?"
RULES = [
    ("style= attribute", re.compile(TAG + r"\sstyle\s*=", re.S)),
    ("on*= event handler", re.compile(TAG + r"\son[a-z]+\s*=", re.S)),
    ("<style> block", re.compile(r"<style[\s>]", re.I)),
    ("javascript: URL", re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)),
]
# A <script> is fine with src= and no body, or as a data block (json_script): the browser runs neither inline.
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
DATA_TYPES = re.compile(r"""type\s*=\s*["']?application/(?:ld\+)?json""", re.I)


def offences(text: str) -> list[tuple[int, str]]:
    found = []
    for label, pattern in RULES:
        found += [(text.count("\n", 0, m.start()) + 1, label) for m in pattern.finditer(text)]
    for m in SCRIPT.finditer(text):
        attrs, body = m.group(1), m.group(2)
        if body.strip() and not DATA_TYPES.search(attrs):
            found.append((text.count("\n", 0, m.start()) + 1, "<script> with a body"))
    return sorted(found)


def project_files(suffixes):
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.suffix in suffixes and path.is_file() and not SKIP_DIRS & set(rel.parts[:-1]):
            yield path


def html_in_python(text: str) -> list[tuple[int, str]]:
    """The string literals that look like HTML (format_html, mark_safe, f-strings), docstrings left out."""
    tree = ast.parse(text)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        and re.search(r"<[a-zA-Z/]", node.value)
    ]  # fmt: skip


def report(problems):
    return "Inline code that the Content-Security-Policy refuses:\n" + "\n".join(
        f"  {path}:{line}: {label}" for path, line, label in problems
    )


def test_templates_have_no_inline_script_style_or_handlers():
    templates = list(project_files({".html", ".txt", ".svg"}))
    template_dirs = {p.relative_to(ROOT).parts[0] for p in templates}
    assert "templates" in template_dirs, "the scan found no templates: is BASE_DIR right?"
    problems = [(p.relative_to(ROOT), line, label) for p in templates for line, label in offences(p.read_text())]
    assert not problems, report(problems)


def test_html_built_in_python_has_no_inline_style_or_handlers():
    """format_html / mark_safe strings in the apps (e.g. the SVG charts of stats/charts.py)."""
    problems = []
    for path in project_files({".py"}):
        for line, html in html_in_python(path.read_text()):
            problems += [(path.relative_to(ROOT), line, label) for _, label in offences(html)]
    assert not problems, report(problems)


def test_the_scan_catches_every_kind_of_inline_code():
    """The scan itself: each of these must be caught, and the allowed forms must not."""
    caught = [
        '<div style="color: red">',
        '<div\n  class="x"\n  style="color: red">',
        '<button type="button" onclick="go()">',
        "<a href='#' onmouseover=alert(1)>",
        "<style>p { color: red }</style>",
        '<script>document.documentElement.classList.add("js");</script>',
        '<script type="module">import "x";</script>',
        '<a href="javascript:void(0)">',
        '<svg><rect style="fill: red"/></svg>',
    ]
    for html in caught:
        assert offences(html), html
    allowed = [
        '<script src="/static/js/app.js" defer></script>',
        '<script id="data" type="application/json">{"a": 1}</script>',
        '<div class="chart" data-style="x">',
        "<p>the onset= of style= is only text</p>".replace("<p>", "").replace("</p>", ""),
        '<rect class="meter-fill" x="0" width="10"/>',
        "{% if style %}style{% endif %}",
    ]
    for html in allowed:
        assert not offences(html), html
    assert [offences(h) for _, h in html_in_python("format_html('<rect style=\"fill:{}\"/>', colour)")] == [
        [(1, "style= attribute")]
    ]
    assert html_in_python("Font(style='bold')") == []
    assert html_in_python('def f():\n    """Moves the <style> block to a file."""') == []
