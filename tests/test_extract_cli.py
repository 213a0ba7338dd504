"""`newswatch extract --save-fixture`: a saved page becomes a draft case that waits for a person."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newswatch.cli import main
from tests.extraction_fixtures import ARTICLE_FIELDS, page_bytes
from tests.test_page_cases import check_case

FIXTURES = Path(__file__).parent / "fixtures"
URL = "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A repository-like directory: tests/fixtures with the real site folders' cases, no config file."""
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    fixtures = tmp_path / "tests" / "fixtures"
    for folder, name in (("gwangju", "contacts"), ("newsprime", "mobile")):
        (fixtures / folder).mkdir(parents=True)
        for suffix in (".html", ".expected.json"):
            source = page_bytes(folder, name) if suffix == ".html" else json.dumps(
                {"source": "gwangju_city" if folder == "gwangju" else "newsprime"}).encode()
            (fixtures / folder / f"{name}{suffix}").write_bytes(source)
    page = tmp_path / "page.html"
    page.write_bytes(page_bytes("gwangju", "ai_day"))
    return tmp_path


def test_save_fixture_writes_the_page_and_a_dated_unchecked_draft(workdir, capsys):
    assert main(["extract", "--url", URL, "--content-type", "text/html;charset=UTF-8",
                 "--save-fixture", "ai_day_again", "page.html"]) == 0
    out, err = capsys.readouterr()
    folder = workdir / "tests" / "fixtures" / "gwangju"  # the folder holding gwangju_city's cases
    assert (folder / "ai_day_again.html").read_bytes() == (workdir / "page.html").read_bytes()
    draft = json.loads((folder / "ai_day_again.expected.json").read_text(encoding="utf-8"))
    assert list(draft)[:4] == ["url", "content_type", "saved", "checked"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", draft["saved"]) and draft["checked"] is False
    assert set(ARTICLE_FIELDS) <= set(draft) and draft["title"] == json.loads(out)["title"]
    written = json.loads((FIXTURES / "gwangju" / "ai_day.expected.json").read_text(encoding="utf-8"))
    fields = [f for f in ARTICLE_FIELDS if f in written and f != "url"]  # url: the address the user fetched
    assert {f: draft[f] for f in fields} == {f: written[f] for f in fields}  # what a person wrote for this page
    assert "ai_day_again.expected.json" in err and '"checked": true' in err
    with pytest.raises(pytest.skip.Exception, match="not checked yet"):
        check_case(workdir / "tests" / "fixtures", "gwangju", "ai_day_again", draft)
    check_case(workdir / "tests" / "fixtures", "gwangju", "ai_day_again", draft | {"checked": True})


def test_save_fixture_never_overwrites_and_refuses_bad_names(workdir, capsys):
    assert main(["extract", "--url", URL, "--save-fixture", "contacts", "page.html"]) == 2
    assert "contacts.html exists" in capsys.readouterr().err
    assert main(["extract", "--url", URL, "--save-fixture", "../escape", "page.html"]) == 2
    assert "fixture name '../escape'" in capsys.readouterr().err
    assert not list(workdir.glob("tests/fixtures/*/escape*"))


def test_save_fixture_of_a_new_site_folder_and_of_an_unrecognised_page(workdir, capsys):
    (workdir / "tests" / "fixtures" / "newsprime" / "mobile.expected.json").unlink()
    (workdir / "drift.html").write_bytes(page_bytes("newsprime", "drift"))
    url = "https://www.newsprime.co.kr/news/article.html?no=700001"
    assert main(["extract", "--url", url, "--save-fixture", "drift_2026", "drift.html"]) == 1  # saved all the same
    draft = json.loads((workdir / "tests/fixtures/newsprime/drift_2026.expected.json").read_text(encoding="utf-8"))
    assert draft["recognised"] is False and draft["problems"]
    assert "content_type" not in draft


def test_save_fixture_outside_a_repository(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NEWSWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "page.html").write_bytes(page_bytes("gwangju", "ai_day"))
    assert main(["extract", "--url", URL, "--save-fixture", "x", "page.html"]) == 2
    assert "run from the repository root or pass --fixtures DIR" in capsys.readouterr().err
