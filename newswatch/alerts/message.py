"""The alert email: plain-text and HTML parts, UTF-8 subject with the rule name and count.

Article text is untrusted: it is escaped in HTML, only http(s) links are linked, and nothing from an article
reaches a header (the subject holds the rule name, from the operator's config, and a count).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from crawler.sites import label as source_name
from newswatch.core.clock import KST

# Snippet highlight markers that cannot occur in page text (control characters are stripped from it).
MARK_START, MARK_END = "\x02", "\x03"


@dataclass
class AlertCopy:
    """Another article of the same story (a rewrite, a re-publication): listed under the item as a link."""

    title: str
    source: str
    published_at: str | None
    url: str


@dataclass
class AlertItem:
    """One story in an alert: its first matching new article, with the story's other articles as copies."""

    title: str
    source: str
    published_at: str | None
    url: str
    snippet: str  # with MARK_START / MARK_END around matched terms
    copies: list[AlertCopy] = field(default_factory=list)
    why: str = ""  # why the rule matched, one line (the topic's why-line or the query's terms)
    terms: list[str] = field(default_factory=list)  # highlighted terms


def _one_line(text: str) -> str:
    return " ".join("".join(ch for ch in text if ch >= " " or ch in "\x02\x03").split())


def _kst(published_at: str | None) -> str:
    if not published_at:
        return "시각 미상"
    return datetime.fromisoformat(published_at).astimezone(KST).strftime("%Y-%m-%d %H:%M KST")


def _safe_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else ""


def _link(title: str, url: str) -> str:
    """An escaped title, linked only when the URL is http(s)."""
    text, safe = html.escape(_one_line(title)), _safe_url(url)
    return f'<a href="{html.escape(safe, quote=True)}">{text}</a>' if safe else text


def subject(rule: str, count: int) -> str:
    return _one_line(f"[newswatch] {rule}: 새 기사 {count}건")


def render_text(rule: str, items: list[AlertItem]) -> str:
    lines = [f"알림 규칙 '{rule}'에 맞는 새 기사 {len(items)}건", ""]
    for i, item in enumerate(items, 1):
        snippet = _one_line(item.snippet).replace(MARK_START, "[").replace(MARK_END, "]")
        lines += [f"{i}. {_one_line(item.title)}",
                  f"   {source_name(item.source)} · {_kst(item.published_at)}",
                  f"   {snippet}", f"   {_safe_url(item.url)}"]
        if item.why:
            lines.append(f"   왜: {_one_line(item.why)}")
        for copy in item.copies:
            lines += [f"   + 같은 소식: {source_name(copy.source)} · {_kst(copy.published_at)}"
                      f" · {_one_line(copy.title)}", f"     {_safe_url(copy.url)}"]
        lines.append("")
    lines.append("— newswatch")
    return "\n".join(lines)


def render_html(rule: str, items: list[AlertItem]) -> str:
    rows = []
    for item in items:
        snippet = html.escape(_one_line(item.snippet)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
        heading = _link(item.title, item.url)
        source = html.escape(source_name(item.source))
        copies = "".join(f"<li>{html.escape(source_name(c.source))} · {html.escape(_kst(c.published_at))} · "
                         f"{_link(c.title, c.url)}</li>" for c in item.copies)
        copies = f"<p><small>같은 소식</small></p><ul>{copies}</ul>" if copies else ""
        why = f"<p><small>왜: {html.escape(_one_line(item.why))}</small></p>" if item.why else ""
        rows.append(f"<li><p><strong>{heading}</strong><br><small>{source}"
                    f" · {html.escape(_kst(item.published_at))}</small></p><p>{snippet}</p>{why}{copies}</li>")
    return (f"<!doctype html><html lang=\"ko\"><body><p>알림 규칙 <strong>{html.escape(rule)}</strong>에 맞는 새 기사 "
            f"{len(items)}건</p><ol>{''.join(rows)}</ol><p><small>newswatch</small></p></body></html>")


def build_message(sender: str, recipient: str, subject_line: str, text: str, html_body: str,
                  message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = _one_line(subject_line)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain="newswatch.invalid")
    message.set_content(text, charset="utf-8")
    message.add_alternative(html_body, subtype="html", charset="utf-8")
    return message


def readable(message: EmailMessage) -> str:
    """A message as a person reads it (decoded headers, then the plain-text part), for `deliver --dry-run`."""
    head = [f"{name}: {message[name]}" for name in ("From", "To", "Subject", "Date", "Message-ID") if message[name]]
    return "\n".join(head) + "\n\n" + message.get_body(("plain",)).get_content()
