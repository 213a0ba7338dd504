"""`newswatch extract`: the Article of a saved page, as JSON (what the page objects make of it).

``--save-fixture NAME`` also keeps the page as a test case, web-poet ``savefixture`` style: the bytes as they
came and an expectation with every field of the Article, dated and marked ``"checked": false``. The case
tests skip it until a person has read the page, corrected each field by hand and set ``"checked": true`` —
what the extractor says today is a draft, never the expected answer.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from newswatch.core.article import Article
from newswatch.core.clock import system_clock
from newswatch.core.config import Config
from newswatch.core.errors import UsageError

FIXTURE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("extract", help="print the Article of a saved page as JSON")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--content-type", help="the Content-Type header it came with, if known")
    p.add_argument("--save-fixture", metavar="NAME",
                   help="also save the page and a draft expectation as test case NAME (to be checked by a person)")
    p.add_argument("--fixtures", metavar="DIR", default="tests/fixtures",
                   help="where test cases live, one folder per site (default: %(default)s)")
    p.add_argument("file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 for a recognised article, 1 for a page that is not one (its problems say why)."""
    from crawler.sites import extract

    try:
        body = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    try:
        article = extract(args.url, body, args.content_type)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.save_fixture:
        saved = save_fixture(Path(args.fixtures), args.save_fixture, body, article, args.content_type)
        print(f"saved {saved} and {saved.with_suffix('.expected.json').name} (\"checked\": false): read the page, "
              f"correct every field by hand, then set \"checked\": true", file=sys.stderr)
    print(article.to_json(indent=2))
    return 0 if article.recognised else 1


def save_fixture(fixtures: Path, name: str, body: bytes, article: Article, content_type: str | None) -> Path:
    """Write <site folder>/NAME.html (the bytes unchanged) and NAME.expected.json; never over an existing case."""
    if not FIXTURE_NAME.match(name):
        raise UsageError(f"fixture name {name!r}: use lower-case letters, digits and underscores")
    if not fixtures.is_dir():
        raise UsageError(f"no {fixtures} directory here: run from the repository root or pass --fixtures DIR")
    folder = site_folder(fixtures, article.source)
    page, expectation = folder / f"{name}.html", folder / f"{name}.expected.json"
    for path in (page, expectation):
        if path.exists():
            raise UsageError(f"{path} exists: choose another name (a saved case is never overwritten)")
    draft: dict[str, object] = {"url": article.url}
    if content_type:
        draft["content_type"] = content_type
    draft |= {"saved": system_clock.now().date().isoformat(), "checked": False}
    draft |= {k: v for k, v in article.to_dict().items() if k != "url"}
    folder.mkdir(exist_ok=True)
    page.write_bytes(body)
    expectation.write_text(json.dumps(draft, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return page


def site_folder(fixtures: Path, source: str) -> Path:
    """The folder already holding this source's cases (folder names predate the source names), else one
    named after the source."""
    for path in sorted(fixtures.glob("*/*.expected.json")):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("source") == source:
                return path.parent
        except (OSError, ValueError):
            continue
    return fixtures / source
