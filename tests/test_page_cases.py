"""Every saved page of every site against its expectation: every field named, every value equal.

One case per ``tests/fixtures/<site>/<name>.html`` with a ``<name>.expected.json``, whichever site's page
objects it exercises (the registry picks them by the URL). An expectation must name every field of the
Article, so a field added to Article fails every case until a person writes its value for each page. Cases
saved by ``newswatch extract --save-fixture`` are skipped, saying so, until a person has checked them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract.page import FIELDS as PAGE_FIELDS
from crawler.extract.page import ArticlePage
from crawler.sites import SITE_NAMES, extract
from tests.extraction_fixtures import ARTICLE_FIELDS, CASE_KEYS, FIXTURES, is_checked, page_bytes, saved_cases

CASES = saved_cases()


def check_case(root: Path, folder: str, name: str, expected: dict) -> None:
    if not is_checked(expected):
        pytest.skip(f"{folder}/{name}: saved {expected.get('saved', '(no date)')} by `newswatch extract "
                    f"--save-fixture` and not checked yet — read {name}.html, correct {name}.expected.json "
                    f"by hand and set \"checked\": true")
    missing = [f for f in ARTICLE_FIELDS if f not in expected]
    assert not missing, f"{folder}/{name}.expected.json does not name {missing}: write them from the page"
    unknown = sorted(set(expected) - set(ARTICLE_FIELDS) - set(CASE_KEYS))
    assert not unknown, f"{folder}/{name}.expected.json names what no Article has: {unknown}"
    article = extract(expected["url"], page_bytes(folder, name, root), expected.get("content_type"))
    actual = article.to_dict()
    for field in ARTICLE_FIELDS:
        assert actual[field] == expected[field], f"{folder}/{name}: field {field!r}"


@pytest.mark.parametrize(("folder", "name", "expected"), CASES, ids=[f"{f}/{n}" for f, n, _ in CASES])
def test_saved_page_gives_exactly_its_expected_article(folder, name, expected):
    check_case(FIXTURES, folder, name, expected)


def test_every_site_has_saved_cases_and_every_case_a_page():
    assert {expected["source"] for _, _, expected in CASES} == set(SITE_NAMES)
    for folder, name, _ in CASES:
        assert (FIXTURES / folder / f"{name}.html").exists(), f"{folder}/{name}.html"


def test_a_case_missing_a_field_fails_and_an_unchecked_one_is_skipped(tmp_path):
    folder, name, expected = next(c for c in CASES if c[1] == "mobile")
    (tmp_path / folder).mkdir()
    (tmp_path / folder / f"{name}.html").write_bytes(page_bytes(folder, name))
    check_case(tmp_path, folder, name, expected)
    incomplete = {k: v for k, v in expected.items() if k != "department"}
    with pytest.raises(AssertionError, match=r"does not name \['department'\]"):
        check_case(tmp_path, folder, name, incomplete)
    unchecked = json.loads(json.dumps(expected)) | {"saved": "2026-09-30", "checked": False, "title": "wrong"}
    with pytest.raises(pytest.skip.Exception, match="saved 2026-09-30 .* not checked yet"):
        check_case(tmp_path, folder, name, unchecked)
    with pytest.raises(AssertionError, match="field 'title'"):
        check_case(tmp_path, folder, name, unchecked | {"checked": True})


def test_every_field_the_page_objects_read_has_a_default_method():
    identity = ("source", "source_id", "canonical_url", "url", "problems", "recognised")
    read = [f for f in ARTICLE_FIELDS if f not in identity]
    assert read == list(PAGE_FIELDS)
    for field in PAGE_FIELDS:
        assert callable(getattr(ArticlePage, field)), field
