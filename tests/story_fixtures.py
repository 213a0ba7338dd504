"""The hand-written story fixtures (tests/fixtures/stories): a release, its rewrites, and look-alikes that are not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newswatch.core.article import Article

STORIES = Path(__file__).parent / "fixtures" / "stories"


def story_fixture(name: str) -> dict[str, Any]:
    return json.loads((STORIES / f"{name}.json").read_text(encoding="utf-8"))


def story_article(name: str, **changes: Any) -> Article:
    data = story_fixture(name)
    url = f"https://fixture.invalid/{data['source']}/{data['source_id']}"
    fields = {"source": data["source"], "source_id": data["source_id"], "canonical_url": url, "url": url,
              "title": data["title"], "subtitle": data.get("subtitle"), "published_at": data["published_at"],
              "department": data.get("department"), "body_text": "\n\n".join(data["paragraphs"])}
    return Article(**(fields | changes))
