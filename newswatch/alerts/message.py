"""The alert email: subject, plain-text and HTML parts (plaintext.py, htmlmail.py), and the headers it is sent with.

The subject names the rule and the lead story, so an inbox says what the news is. Article text is untrusted: it
is escaped in HTML, only http(s) links are linked, and the only article text in a header is the lead title in
the Subject, one-lined, clipped and RFC 2047-encoded by us (see ``encoded_words``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import quote

from newswatch.alerts.entries import (
    MARK_END,
    MARK_START,
    AlertCopy,
    AlertItem,
    Sender,
    clean,
    clip,
    graphemes,
    ordered,
    width,
)
from newswatch.alerts.htmlmail import render_html
from newswatch.alerts.plaintext import render_text
from newswatch.core.config import Config, RuleConfig

__all__ = ["MARK_END", "MARK_START", "AlertCopy", "AlertItem", "Preview", "Sender", "build_message", "list_headers",
           "readable", "render", "sender_for", "subject", "summary"]


@dataclass
class Preview:
    """What `alerts preview` shows: the would-be email, and whether it is the next one or an example."""

    rule: str
    basis: str  # "next": what the rule's next run would send; "recent": the newest stored matches, as an example
    article_ids: list[int]
    message: EmailMessage | None  # None: no stored article matches


SUBJECT_TITLE_COLUMNS = 40  # the lead title's share of the subject: about 20 Hangul, what a phone shows
LABEL_COLUMNS = 20


def subject(sender: Sender, items: list[AlertItem]) -> str:
    """``[newswatch·광주 AI] 광주시, AI 집적단지 2단계 … 외 4건``: the rule and the lead story (items in order)."""
    head = f"[newswatch·{clip(sender.title, LABEL_COLUMNS)}]"
    if not items:
        return f"{head} 새 소식 없음"
    more = f" 외 {len(items) - 1}건" if len(items) > 1 else ""
    return f"{head} {clip(items[0].title, SUBJECT_TITLE_COLUMNS) or '(제목 없음)'}{more}"


def summary(items: list[AlertItem], columns: int = 72) -> str:
    """The body's first line, which preview panes show: how many stories and the lead one, in one line."""
    if not items:
        return "새 소식 없음"
    head, more = f"새 소식 {len(items)}건: ", f" 외 {len(items) - 1}건" if len(items) > 1 else ""
    return head + clip(items[0].title, columns - width(head) - width(more)) + more


def render(sender: Sender, items: list[AlertItem]) -> tuple[str, str, str]:
    """(subject, text, html) of an email of these entries, in reading order."""
    items = ordered(items)
    line, first = subject(sender, items), summary(items)
    return line, render_text(sender, items, first), render_html(sender, items, first, line)


# --- who sends it -------------------------------------------------------------------------------------------


def sender_for(config: Config, rule: RuleConfig, host: str = "") -> Sender:
    """The footer's facts for a rule: its label, mode, the config file (absolute), this host, unsubscribe links."""
    links = []
    for target in rule.unsubscribe or config.alerts.unsubscribe:
        if target.startswith("mailto:") and "?" not in target:
            target += f"?subject={quote(f'unsubscribe {rule.name}')}"
        links.append(target)
    path = str(config.path.resolve()) if config.path else ""
    return Sender(rule.name, rule.label, rule.mode, path, host, links)


def list_id(rule: str, sender_address: str) -> str:
    """``<rule.domain>`` (RFC 2919): the rule name as a DNS label (with a short hash when it had to change)."""
    domain = parseaddr(sender_address)[1].rpartition("@")[2].strip().lower() or "newswatch.invalid"
    domain = re.sub(r"[^a-z0-9.-]", "", domain) or "newswatch.invalid"
    slug = re.sub(r"[^a-z0-9]+", "-", rule.lower()).strip("-")[:40]
    if slug != rule:
        slug = f"{slug or 'rule'}-{hashlib.sha1(rule.encode()).hexdigest()[:6]}"
    return f"<{slug}.newswatch.{domain}>"


def list_headers(sender: Sender, sender_address: str) -> dict[str, str]:
    """List-Id per rule (mail filters), List-Unsubscribe when configured, and the auto-generated markers that keep
    out-of-office replies away. Values are ASCII, or a phrase that ``build_message`` encodes."""
    headers = {"List-Id": f"{sender.title} {list_id(sender.rule, sender_address)}",
               "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if sender.unsubscribe:
        headers["List-Unsubscribe"] = ", ".join(f"<{u}>" for u in sender.unsubscribe)
    return headers


# --- the message ----------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[\x20-\x7e]*$")
_ATOMS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ .-]*$")


def encoded_words(text: str) -> str:
    """``text`` as RFC 2047 base64 encoded-words, folded, each cut between characters and short enough for a
    header line. Ours because Python 3.11 folds such headers between encoded-words at a space, which the
    reader's decoder then drops ("통합 기사" arrives as "통합기사"); here every space is inside a word."""
    words, chunk = [], ""
    for g in graphemes(text):
        if chunk and len((chunk + g).encode()) > 39:
            words.append(chunk)
            chunk = ""
        chunk += g
    if chunk:
        words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words)


def _set_text_header(message: EmailMessage, name: str, value: str) -> None:
    """A one-line header: plain ASCII as is, anything else (or anything that looks encoded) encoded by us."""
    value = clean(value)
    if _PLAIN.match(value) and "=?" not in value:
        message[name] = value
    else:
        message.set_raw(name, encoded_words(value))


def _set_list_id(message: EmailMessage, value: str) -> None:
    phrase, _, ident = clean(value).rpartition(" ")
    if _ATOMS.match(phrase) and "=?" not in phrase:
        message["List-Id"] = f"{phrase} {ident}".strip()
    else:
        message.set_raw("List-Id", f"{encoded_words(phrase)}\n {ident}")


def build_message(sender: str, recipient: str, subject_line: str, text: str, html_body: str,
                  message_id: str | None = None, headers: dict[str, str] | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    _set_text_header(message, "Subject", subject_line)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain="newswatch.invalid")
    for name, value in (headers or {}).items():
        if name == "List-Id":
            _set_list_id(message, value)
        else:
            message[name] = clean(value)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html_body, subtype="html", charset="utf-8")
    return message


_SHOWN = ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "Auto-Submitted")


def readable(message: EmailMessage) -> str:
    """A message as a person reads it (decoded headers, then the plain-text part), for `deliver --dry-run`."""
    head = [f"{name}: {message[name]}" for name in _SHOWN if message[name]]
    return "\n".join(head) + "\n\n" + message.get_body(("plain",)).get_content()
