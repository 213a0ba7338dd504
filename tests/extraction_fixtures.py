"""Loading saved fixture pages and their hand-written expected output (shared by both sites' tests)."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
FIELDS = ("source", "source_id", "canonical_url", "title", "subtitle", "authors", "emails", "published_at",
          "updated_at", "section", "department", "contact", "body_text", "images", "attachments", "recognised")


def expected_pages(site: str) -> list[tuple[str, dict]]:
    """(name, expected) for every NAME.expected.json beside a NAME.html of the site."""
    pages = []
    for path in sorted((FIXTURES / site).glob("*.expected.json")):
        name = path.name.removesuffix(".expected.json")
        pages.append((name, json.loads(path.read_text(encoding="utf-8"))))
    return pages


def page_bytes(site: str, name: str) -> bytes:
    return (FIXTURES / site / f"{name}.html").read_bytes()


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
