"""Loading saved fixture pages and their hand-written expected output (shared by both sites' tests).

A case is ``tests/fixtures/<folder>/<name>.html`` with ``<name>.expected.json``: the URL it came from (and its
Content-Type, if saved with one), then every field of the Article. ``newswatch extract --save-fixture`` writes
cases with ``"saved": "YYYY-MM-DD"`` and ``"checked": false``; they count as hand-written only once a person
has read the page, corrected the expectation and set ``"checked": true``.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from newswatch.core.article import Article

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
CASE_KEYS = ("content_type", "saved", "checked")  # what a case says besides the Article's fields
FIELDS = ("source", "source_id", "canonical_url", "title", "subtitle", "authors", "emails", "published_at",
          "updated_at", "section", "department", "contact", "body_text", "images", "attachments", "recognised")


def saved_cases(folder: Path = FIXTURES) -> list[tuple[str, str, dict]]:
    """(site folder, name, expected) for every <site>/NAME.expected.json under ``folder``, checked or not."""
    return [(path.parent.name, path.name.removesuffix(".expected.json"), json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(folder.glob("*/*.expected.json"))]


def is_checked(expected: dict) -> bool:
    """Hand-written cases have no "checked" key; saved ones have it false until a person checks them."""
    return expected.get("checked", True) is True


def expected_pages(site: str) -> list[tuple[str, dict]]:
    """(name, expected) for every checked NAME.expected.json beside a NAME.html of the site."""
    return [(name, expected) for folder, name, expected in saved_cases() if folder == site and is_checked(expected)]


def page_bytes(site: str, name: str, root: Path = FIXTURES) -> bytes:
    return (root / site / f"{name}.html").read_bytes()


def fixture_bytes(site: str, filename: str) -> bytes:
    """A saved file that is not an article page (a feed)."""
    return (FIXTURES / site / filename).read_bytes()


def assert_fields(article, expected: dict) -> None:
    """Every field named in the expected output, compared one by one so a failure names the field."""
    actual = article.to_dict()
    for name in FIELDS:
        if name in expected:
            assert actual[name] == expected[name], f"field {name!r}"
    if "problems" in expected:
        assert actual["problems"] == expected["problems"], "field 'problems'"
