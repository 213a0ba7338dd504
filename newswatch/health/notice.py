"""The operator notices: plain text an operator can act on, the same for e-mail and chat channels.

An incident says so once when it opens (with its evidence), is reminded at most every ``health.remind_hours``
while it lasts, once more if it becomes critical, and once when it resolves.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from newswatch.core.oneline import one_line
from newswatch.health.monitors import Finding, duration_words
from storage.health import Incident, Notice

HEAD = "[newswatch health]"
SUBJECT_MAX = 200
WHAT_TO_DO = {
    "field": "The page object of {source} (crawler/sites/{source}/) no longer finds this field on new pages. "
             "Save one of the pages above and read it with `newswatch extract --url URL FILE`; compare it with "
             "the selectors.",
    "unrecognised": "Pages of {source} are no longer read as articles (title or body not found). Save one of "
                    "the pages above and read it with `newswatch extract --url URL FILE`.",
    "lists": "The list pages of {source} no longer give article links: check the list selectors "
             "(crawler/sites/{source}/lists.py) and the configured sections or boards.",
    "articles": "Fewer of the articles the lists link are being stored: see the failures above.",
    "errors": "The site answers more requests of {source} with this failure than it normally does.",
    "rate_limit": "The site is asking us to slow down: raise crawler.download_delay or lengthen the schedule.",
    "staleness": "Nothing new from {source} for longer than its history makes normal: check the site and the "
                 "crawl log (`newswatch status`, `newswatch stats`).",
    "crawl": "Crawls of {source} are failing or not happening: `newswatch status`, the daemon's log.",
    "duration": "Crawls of {source} take much longer than usual: a slow site, or a crawl walking too far.",
}


def _advice(finding_or_monitor: str, source: str) -> str:
    family = finding_or_monitor.split(":", 1)[0]
    return WHAT_TO_DO.get(family, "").format(source=source)


def _body(lines: list[str]) -> tuple[str, str]:
    text = "\n".join(lines).rstrip() + "\n"
    html = ("<!DOCTYPE html><html><body><pre style=\"white-space:pre-wrap;font-family:monospace\">"
            f"{escape(text)}</pre></body></html>")
    return text, html


def opened(incident_id: int, finding: Finding, when: str, remind_hours: float) -> Notice:
    label = finding.severity.upper()
    subject = f"{HEAD} {label} {finding.source} {finding.monitor}: {finding.summary}"
    lines = [f"{finding.source}: {finding.monitor} — {label} since {when}", "", finding.summary, ""]
    lines += ["Evidence:"] + [f"  {line}" for line in finding.details] + [""]
    if advice := _advice(finding.monitor, finding.source):
        lines += [advice, ""]
    lines += [f"Incident {incident_id}. A reminder follows every {duration_words(remind_hours * 3600)} while it "
              "lasts, and a notice when it resolves. `newswatch status` shows every source's health."]
    return Notice(f"incident:{incident_id}:opened", one_line(subject, SUBJECT_MAX), *_body(lines))


def escalated(incident: Incident, finding: Finding) -> Notice:
    subject = f"{HEAD} now CRITICAL {finding.source} {finding.monitor}: {finding.summary}"
    lines = [f"{finding.source}: {finding.monitor} — now CRITICAL (open since {incident.opened_at} as "
             f"{incident.notified_severity})", "", finding.summary, "", "Evidence:"]
    lines += [f"  {line}" for line in finding.details] + ["", f"Incident {incident.id}."]
    return Notice(f"incident:{incident.id}:critical", one_line(subject, SUBJECT_MAX), *_body(lines))


def reminder(incident: Incident, finding: Finding | None, now: datetime) -> Notice:
    age = (now - datetime.fromisoformat(incident.opened_at)).total_seconds()
    summary = finding.summary if finding else incident.summary
    details = finding.details if finding else []
    subject = f"{HEAD} still {incident.severity.upper()} {incident.source} {incident.monitor}: {summary}"
    lines = [f"{incident.source}: {incident.monitor} — still {incident.severity.upper()}, open for "
             f"{duration_words(age)} (since {incident.opened_at})", "", summary, ""]
    if details:
        lines += ["Evidence now:"] + [f"  {line}" for line in details] + [""]
    if finding is None:
        lines += ["(No new data has come in to judge it since the last notice.)", ""]
    lines += [f"Incident {incident.id}; when it opened: {incident.opened_evidence.get('summary', '')}".rstrip()]
    # one per period: the key names the notice it follows, so two evaluators at once queue it once
    return Notice(f"incident:{incident.id}:reminder:{incident.last_notice_at}", one_line(subject, SUBJECT_MAX),
                  *_body(lines))


def resolved(incident: Incident, finding: Finding, now: datetime) -> Notice:
    age = (now - datetime.fromisoformat(incident.opened_at)).total_seconds()
    subject = f"{HEAD} RESOLVED {incident.source} {incident.monitor}: {finding.summary}"
    lines = [f"{incident.source}: {incident.monitor} — resolved after {duration_words(age)} (opened "
             f"{incident.opened_at} as {incident.notified_severity or incident.severity})", "",
             f"Now: {finding.summary}"]
    if finding.details:
        lines += [""] + [f"  {line}" for line in finding.details]
    if before := incident.opened_evidence.get("summary"):
        lines += ["", f"When it opened: {before}"]
    lines += ["", f"Incident {incident.id} is closed."]
    return Notice(f"incident:{incident.id}:resolved", one_line(subject, SUBJECT_MAX), *_body(lines))

