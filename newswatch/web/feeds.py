"""Atom feeds (RFC 4287) of a rule's or a saved search's matches, built with the standard library.

Entry ids are tag URIs of the article's (source, source_id), so an entry keeps its id across fetches, re-crawls,
edits and even a rebuilt store; ``updated`` is when the article was first stored, so an edit does not make feed
readers show an entry again. The feed's own ``updated`` is its newest entry's.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from newswatch.core.clock import read_time
from newswatch.web.markup import safe_url
from newswatch.web.matches import Entry

ATOM = "http://www.w3.org/2005/Atom"
EMPTY_UPDATED = "1970-01-01T00:00:00+00:00"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"


def tag(kind: str, *parts: str) -> str:
    return f"tag:newswatch,2026:{kind}:" + ":".join(quote(p, safe="") for p in parts)


def article_tag(source: str, source_id: str) -> str:
    return tag("article", source, source_id)


def _rfc3339(value: str | None) -> str | None:
    """A store time as RFC 3339 (a naive one, or a bare date, is KST), or None if it is not a time: published_at
    comes from the sites, and one odd stamp must not turn the whole feed into a 500."""
    parsed = read_time(value)
    return parsed.isoformat(timespec="seconds") if parsed else None


def _updated(article: dict) -> str:
    """An entry's updated (required by Atom): first stored, else published, else the epoch."""
    return _rfc3339(article["first_seen_at"]) or _rfc3339(article["published_at"]) or EMPTY_UPDATED


def _text(parent: ET.Element, name: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    element.text = text
    return element


def render(*, feed_id: str, title: str, self_url: str, html_url: str, entries: list[Entry],
           article_url: Callable[[int], str], label: Callable[[str], str]) -> bytes:
    """The feed document. Article text goes in as text nodes (escaped by the serialiser), links only if http(s)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    updated = max((_updated(e.article) for e in entries), default=EMPTY_UPDATED,
                  key=lambda v: datetime.fromisoformat(v))
    _text(feed, "updated", updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": html_url, "type": "text/html"})
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "newswatch")
    _text(feed, "generator", "newswatch")
    for entry in entries:
        a = entry.article
        item = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(item, "id", article_tag(a["source"], a["source_id"]))
        _text(item, "title", a["title"])
        _text(item, "updated", _updated(a))
        if published := _rfc3339(a["published_at"]):
            _text(item, "published", published)
        if url := safe_url(a["canonical_url"]):
            ET.SubElement(item, f"{{{ATOM}}}link", {"rel": "alternate", "href": url, "type": "text/html"})
        ET.SubElement(item, f"{{{ATOM}}}link", {"rel": "related", "href": article_url(a["id"]), "type": "text/html"})
        _text(ET.SubElement(item, f"{{{ATOM}}}author"), "name", label(a["source"]))
        ET.SubElement(item, f"{{{ATOM}}}category", {"term": a["source"], "label": label(a["source"])})
        _text(item, "summary", entry.match.why)
        _text(item, "content", _content_html(entry, article_url, label), type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)


def _content_html(entry: Entry, article_url: Callable[[int], str], label: Callable[[str], str]) -> str:
    """The entry's HTML (itself carried as escaped text): lead, why, the story's other copies. Every value escaped."""
    a = entry.article
    lead = " ".join(a["body_text"].split())[:300]
    parts = [f"<p>{html.escape(lead)}{'…' if len(a['body_text']) > 300 else ''}</p>",
             f"<p>{html.escape(entry.match.why)}</p>"]
    if entry.copies:
        items = []
        for c in entry.copies:
            link = safe_url(c.canonical_url)
            name = html.escape(f"{label(c.source)} · {c.published_at or '-'} · {c.title}")
            items.append(f'<li><a href="{html.escape(link)}">{name}</a></li>' if link else f"<li>{name}</li>")
        parts.append(f"<p>같은 소식 {len(entry.copies)}건:</p><ul>{''.join(items)}</ul>")
    parts.append(f'<p><a href="{html.escape(article_url(a["id"]))}">newswatch에서 보기</a></p>')
    return "".join(parts)
