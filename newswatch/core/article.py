"""The Article record every extractor returns and the store keeps.

It lives outside ``crawler`` and ``storage`` because both (and the CLI and alerts) speak it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Image:
    url: str
    caption: str | None = None


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str
    type: str  # lower-case file extension without the dot ("hwp", "pdf"); "" when unknown


@dataclass
class Article:
    """One article as extracted from one page.

    ``recognised`` is False when the page is not an article of the site at all (selector drift, an error or
    rate-limit page served with 200, an empty body): such a record explains itself in ``problems`` and must
    never be stored as an article.
    """

    source: str
    source_id: str
    canonical_url: str
    url: str
    title: str = ""
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    published_at: str | None = None  # ISO 8601 with +09:00
    updated_at: str | None = None
    section: str | None = None
    department: str | None = None
    contact: str | None = None
    body_text: str = ""  # paragraphs separated by one blank line
    images: list[Image] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    recognised: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        data = dict(data)
        data["images"] = [Image(**i) for i in data.get("images") or []]
        data["attachments"] = [Attachment(**a) for a in data.get("attachments") or []]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})
