"""The monitors: each reads a source's recent crawls against its own history and says ok, warning or critical.

In the spirit of Spidermon's monitors (item counts, field coverage, error rates, finish reasons), but over a
source's history rather than one crawl: an incremental poll sees a handful of articles, so a window is the newest
crawls holding enough of them, and the baseline is the source's crawls before it (``health.baseline_days``,
leaving out the crawls of the monitor's own incidents, so a long outage does not become the new normal).

A drop counts when it is large (``coverage_warning`` / ``coverage_critical`` of the normal share) and unlikely to
be chance: the binomial tail of the window's count under the baseline's rate is at most ``health.alpha``. The
window grows with the field's rarity: as many articles as a total loss needs to be significant (images seen in a
quarter of articles need about 24; a date seen in all of them needs ``min_articles``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from newswatch.core.config import HealthConfig
from newswatch.core.coverage import FIELDS, PRESENCE_FIELDS
from newswatch.health.stats import lower_tail, median, needed, newest_until, percent, smoothed, upper_tail
from storage.health import CrawlSample

RANK = {"ok": 0, "learning": 0, "warning": 1, "critical": 2}
FAILED = ("failed", "killed", "abandoned")
COMPLETE = ("ok", "partial")
# error kinds with monitors of their own (or none: store faults fail the crawl, which the crawl monitor sees)
NOT_ERROR_KINDS = {"unrecognised", "unrecognised_list", "rate_limited", "abandoned", "store", "lost",
                   "spool_unreadable"}
NO_RESPONSE_KINDS = {"timeout", "dns", "network", "too_large", "redirect_loop"}  # not in pages_fetched
STALE_LEARNING = timedelta(days=7)  # a week of history holds working days, nights and a weekend
FIELD_OF_PROBLEM = (("no title found", "title"), ("no body text found", "body"), ("empty page", "the whole page"))


@dataclass
class Finding:
    """What one monitor says about one source now."""

    source: str
    monitor: str  # "field:date", "errors:http_403", "staleness", …
    severity: str  # ok | learning (not enough history or data to judge) | warning | critical
    summary: str  # one line
    details: list[str] = field(default_factory=list)  # evidence, one line each, for notices and `status`
    evidence: dict[str, Any] = field(default_factory=dict)  # the same, as data (JSON)
    first_crawl_id: int | None = None  # the window the finding is about
    last_crawl_id: int | None = None

    @property
    def rank(self) -> int:
        return RANK[self.severity]

    def to_dict(self) -> dict[str, Any]:
        return {"monitor": self.monitor, "severity": self.severity, "summary": self.summary,
                "details": self.details, "evidence": self.evidence}


@dataclass
class Context:
    """What the monitors read about one source."""

    source: str
    config: HealthConfig
    now: datetime
    history: list[CrawlSample]  # newest first, started within the baseline period
    publications: list[str]  # publication times of its articles in the staleness history, oldest first
    last_started: str | None  # its newest crawl's start, running ones included
    schedule_gap: float  # seconds between two scheduled crawls
    crawl_timeout: float
    excluded: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)  # incident crawl spans

    def baseline(self, monitor: str, rest: Iterable[CrawlSample]) -> list[CrawlSample]:
        """The crawls a window is compared with: not in one of the monitor's incidents."""
        spans = self.excluded.get(monitor, [])
        return [s for s in rest if not any(lo <= s.id and (hi is None or s.id <= hi) for lo, hi in spans)]


def evaluate(ctx: Context) -> list[Finding]:
    """Every monitor's finding for the source."""
    findings: list[Finding] = []
    for monitor in (crawl_outcomes, lists, articles, unrecognised, field_coverage, body_length, errors_by_kind,
                    rate_limits, staleness, duration):
        found = monitor(ctx)
        findings += found if isinstance(found, list) else [found]
    return findings


def _span(window: list[CrawlSample]) -> dict[str, Any]:
    return {"crawls": [window[-1].id, window[0].id], "from": window[-1].started_at, "to": window[0].started_at}


def _crawls(window: list[CrawlSample]) -> str:
    first, last = window[-1].id, window[0].id
    return f"crawl {first}" if first == last else f"crawls {first}–{last}"


def _judged(significant: bool, ratio: float, cfg: HealthConfig) -> str:
    """The severity of a share at ``ratio`` of its normal: only a drop that is not chance counts."""
    if not significant:
        return "ok"
    if ratio <= cfg.coverage_critical:
        return "critical"
    if ratio <= cfg.coverage_warning:
        return "warning"
    return "ok"


# --- crawls ------------------------------------------------------------------------------------------------

def crawl_outcomes(ctx: Context) -> Finding:
    """Failed or killed crawls in a row, and crawls that stopped happening (the daemon down, a stuck lock)."""
    cfg = ctx.config
    failed = 0
    for sample in ctx.history:
        if sample.status not in FAILED:
            break
        failed += 1
    severity = ("critical" if failed >= cfg.failed_critical else "warning" if failed >= cfg.failed_warning
                else "ok")
    details = [f"crawl {s.id} ({s.started_at}): {s.status} — {s.reason or 'no reason recorded'}"
               for s in ctx.history[:failed][:5]]
    summary = f"{failed} crawl(s) in a row failed" if failed else "crawls complete"
    if ctx.last_started is None:
        return Finding(ctx.source, "crawl", "learning", "never crawled")
    idle = (ctx.now - datetime.fromisoformat(ctx.last_started)).total_seconds()
    intervals = idle / ctx.schedule_gap if ctx.schedule_gap else 0
    overdue = ("critical" if intervals >= cfg.overdue_critical else "warning" if intervals >= cfg.overdue_warning
               else "ok")
    if RANK[overdue] > RANK[severity]:
        severity = overdue
        summary = f"no crawl started for {duration_words(idle)} ({intervals:.1f} scheduled intervals)"
        details.insert(0, f"last crawl started {ctx.last_started}; the schedule expects one every "
                          f"{duration_words(ctx.schedule_gap)}: is `newswatch run` running?")
    window = ctx.history[:failed]
    return Finding(ctx.source, "crawl", severity, summary, details,
                   {"failed_in_a_row": failed, "idle_seconds": round(idle), "last_started": ctx.last_started},
                   window[-1].id if window else None, window[0].id if window else None)


def lists(ctx: Context) -> Finding:
    """List pages that are no longer recognised or offer no entries: the crawl would see no news at all."""
    reached = [s for s in ctx.history if "newswatch/list_pages" in s.stats or _kinds(s)["unrecognised_list"]]
    if not reached:
        return Finding(ctx.source, "lists", "learning", "no crawl has reached a list page yet")

    def entries(s: CrawlSample) -> int:
        return int(s.stats.get("newswatch/list_entries", 0))

    def unreadable(s: CrawlSample) -> int:
        return _kinds(s)["unrecognised_list"]

    latest = reached[0]
    empty = [s for s in reached[:2] if entries(s) == 0 and (unreadable(s) or s.stats.get("newswatch/list_pages"))]
    partial = [s for s in reached[:3] if unreadable(s)]
    samples = [f"{e['url']}: {e['message']}" for s in reached[:3] for e in s.error_rows
               if e["kind"] == "unrecognised_list"][:5]
    evidence = {"list_pages": int(latest.stats.get("newswatch/list_pages", 0)), "list_entries": entries(latest),
                "unrecognised_lists": unreadable(latest), "samples": samples}
    if len(empty) == 2:
        return Finding(ctx.source, "lists", "critical",
                       "the list pages offered no article in the last 2 crawls (selectors of the lists no longer "
                       "match, or the lists moved)", samples, evidence, empty[-1].id, empty[0].id)
    if len(partial) >= 2:
        return Finding(ctx.source, "lists", "warning",
                       f"list pages not recognised in {len(partial)} of the last {min(3, len(reached))} crawls",
                       samples, evidence, partial[-1].id, partial[0].id)
    return Finding(ctx.source, "lists", "ok",
                   f"{evidence['list_pages']} list page(s), {evidence['list_entries']} entries in crawl {latest.id}",
                   evidence=evidence)


# --- articles ----------------------------------------------------------------------------------------------

def _presence(ctx: Context, monitor: str, samples: list[CrawlSample], size: Callable[[CrawlSample], int],
              hits: Callable[[CrawlSample], int]) -> tuple[list[CrawlSample], int, int, int, int, list[CrawlSample]]:
    """(window, k, n, baseline k, baseline n, baseline crawls) for a share that should not drop."""
    cfg = ctx.config
    window, rest = newest_until(samples, size, cfg.min_articles)
    base = ctx.baseline(monitor, rest)
    bk, bn = sum(hits(s) for s in base), sum(size(s) for s in base)
    if bn >= cfg.min_baseline_articles:
        need = needed(smoothed(bk, bn), cfg.alpha, cfg.min_articles, cfg.max_window_articles)
        window, rest = newest_until(samples, size, need)
        base = ctx.baseline(monitor, rest)
        bk, bn = sum(hits(s) for s in base), sum(size(s) for s in base)
    k, n = sum(hits(s) for s in window), sum(size(s) for s in window)
    return window, min(k, n), n, min(bk, bn), bn, base


def articles(ctx: Context) -> Finding:
    """Recognised articles among the article pages requested (list entries followed)."""
    cfg = ctx.config
    samples = [s for s in ctx.history if "newswatch/article_requests" in s.stats and s.status in COMPLETE]

    def requested(s: CrawlSample) -> int:
        return int(s.stats.get("newswatch/article_requests", 0))

    window, k, n, bk, bn, base = _presence(ctx, "articles", samples, requested, lambda s: s.recognised)
    if not window:
        return Finding(ctx.source, "articles", "learning", "not enough article requests yet to judge")
    summary = f"{k} of {n} article pages requested were recognised articles ({percent(k, n)})"
    if bn < cfg.min_baseline_articles or bk == 0:
        return Finding(ctx.source, "articles", "learning", summary + "; still learning what is normal")
    ratio = (k / n) / (bk / bn)
    severity = _judged(lower_tail(k, n, smoothed(bk, bn)) <= cfg.alpha, ratio, cfg)
    kinds = Counter(e["kind"] for s in window for e in s.error_rows)
    details = [f"before: {bk} of {bn} ({percent(bk, bn)}) in {len(base)} crawl(s); after: {k} of {n} "
               f"({percent(k, n)}) in {_crawls(window)}",
               "failures in the window: " + (", ".join(f"{kind} ×{c}" for kind, c in kinds.most_common(6)) or "none")]
    return Finding(ctx.source, "articles", severity, summary + f"; normally {percent(bk, bn)}", details,
                   {"after": [k, n], "before": [bk, bn], "errors": dict(kinds), **_span(window)},
                   window[-1].id, window[0].id)


def _layout_unrecognised(s: CrawlSample) -> list[dict[str, Any]]:
    """Unrecognised article pages that are not a site's error page, firewall or rate-limit notice."""
    return [e for e in s.error_rows if e["kind"] == "unrecognised"
            and not re.search(r"error page served|rate-limit|firewall", e["message"])]


def unrecognised(ctx: Context) -> Finding:
    """Article pages fetched but not recognised as articles (selectors of title or body no longer match)."""
    cfg = ctx.config
    samples = [s for s in ctx.history if s.status in COMPLETE]

    def pages(s: CrawlSample) -> int:
        return s.recognised + len(_layout_unrecognised(s))

    window, rest = newest_until(samples, pages, cfg.min_pages)
    if not window:
        return Finding(ctx.source, "unrecognised", "learning", "not enough article pages yet to judge")
    bad = [e for s in window for e in _layout_unrecognised(s)]
    u, n = len(bad), sum(pages(s) for s in window)
    base = ctx.baseline("unrecognised", rest)
    bu, bn = sum(len(_layout_unrecognised(s)) for s in base), sum(pages(s) for s in base)
    significant = bn < cfg.min_baseline_articles or upper_tail(u, n, smoothed(bu, bn)) <= cfg.alpha
    share = u / n
    severity = "ok"
    if significant and share >= cfg.unrecognised_critical:
        severity = "critical"
    elif significant and share >= cfg.unrecognised_warning:
        severity = "warning"
    fields = Counter(name for e in bad for problem, name in FIELD_OF_PROBLEM if problem in e["message"])
    summary = f"{u} of {n} article pages not recognised ({percent(u, n)}) in {_crawls(window)}"
    if fields:
        summary += "; not found: " + ", ".join(fields)
    details = [f"before: {bu} of {bn} ({percent(bu, bn)}); after: {u} of {n} ({percent(u, n)})"]
    details += [f"{e['url']}: {e['message']}" for e in bad[:5]]
    return Finding(ctx.source, "unrecognised", severity, summary, details,
                   {"after": [u, n], "before": [bu, bn], "fields": dict(fields),
                    "samples": [e["url"] for e in bad[:5]], **_span(window)}, window[-1].id, window[0].id)


def _covered(samples: list[CrawlSample]) -> list[CrawlSample]:
    return [s for s in samples if s.coverage is not None]


def _problems(window: list[CrawlSample], base: list[CrawlSample]) -> list[str]:
    now = Counter[str]()
    for s in window:
        now.update(s.coverage.get("problems") or {} if s.coverage else {})
    before = Counter[str]()
    for s in base:
        before.update(s.coverage.get("problems") or {} if s.coverage else {})
    return [f"“{p}” ×{c}{'' if before[p] else ' (new)'}" for p, c in now.most_common(5)]


def field_coverage(ctx: Context) -> list[Finding]:
    """Each watched field's share of new and changed articles against the source's normal share."""
    cfg = ctx.config
    samples = _covered(ctx.history)
    found = []
    for name in PRESENCE_FIELDS:
        monitor = f"field:{name}"

        def articles_of(s: CrawlSample) -> int:
            return int(s.coverage["articles"]) if s.coverage else 0

        def present(s: CrawlSample, name: str = name) -> int:
            return int((s.coverage or {}).get("present", {}).get(name, 0))

        window, k, n, bk, bn, base = _presence(ctx, monitor, samples, articles_of, present)
        label = FIELDS[name]
        if not window:
            found.append(Finding(ctx.source, monitor, "learning", f"{label}: not enough new articles yet"))
            continue
        learning = bn < cfg.min_baseline_articles
        summary = f"{label} in {k} of {n} new or changed articles ({percent(k, n)})"
        severity = "learning" if learning else "ok"
        if not learning and bk:
            significant = lower_tail(k, n, smoothed(bk, bn)) <= cfg.alpha
            severity = _judged(significant, (k / n) / (bk / bn), cfg)
            summary += f"; normally {percent(bk, bn)}"
        elif not learning:
            summary += "; this source's articles normally lack it"
        required_normal = learning or bk / bn >= cfg.required_coverage
        if name in cfg.required_fields and required_normal and k / n < cfg.required_coverage:
            severity = "critical"
            summary += f"; below the required {percent(round(100 * cfg.required_coverage), 100)}"
        missing = [u for s in window for u in (s.coverage or {}).get("missing", {}).get(name, [])][:5]
        details = [f"field: {name} ({label}) — the page object no longer finds it" if RANK[severity] else
                   f"field: {name} ({label})",
                   f"before: {bk} of {bn} articles ({percent(bk, bn)}) in {len(base)} crawl(s)",
                   f"after: {k} of {n} articles ({percent(k, n)}) in {_crawls(window)}"]
        if problems := _problems(window, base):
            details.append("problems the page objects reported: " + ", ".join(problems))
        details += [f"without it: {url}" for url in missing]
        found.append(Finding(ctx.source, monitor, severity, summary, details,
                             {"field": name, "after": [k, n], "before": [bk, bn], "samples": missing,
                              **_span(window)}, window[-1].id, window[0].id))
    return found


def body_length(ctx: Context) -> Finding:
    """Bodies much shorter than the source's normal (a body selector that now finds a caption or one paragraph)."""
    cfg = ctx.config
    samples = _covered(ctx.history)
    probe, rest = newest_until(samples, lambda s: int(s.coverage["articles"]) if s.coverage else 0, cfg.min_articles)
    lengths = [n for s in ctx.baseline("field:body", rest) for n in (s.coverage or {}).get("body_chars", [])]
    if len(lengths) < cfg.min_baseline_articles:
        return Finding(ctx.source, "field:body", "learning", "body length: still learning what is normal")
    normal = median(lengths)
    short = cfg.short_body * normal

    def bodies(s: CrawlSample) -> int:
        return len((s.coverage or {}).get("body_chars", []))

    def long_enough(s: CrawlSample) -> int:
        return sum(1 for n in (s.coverage or {}).get("body_chars", []) if n >= short)

    window, k, n, bk, bn, base = _presence(ctx, "field:body", samples, bodies, long_enough)
    if not window or not bk:
        return Finding(ctx.source, "field:body", "ok" if window else "learning",
                       f"body length: median {normal:.0f} characters normally")
    now_lengths = [n for s in window for n in (s.coverage or {}).get("body_chars", [])]
    severity = _judged(lower_tail(k, n, smoothed(bk, bn)) <= cfg.alpha, (k / n) / (bk / bn), cfg)
    summary = (f"body length: {k} of {n} new or changed articles at least {short:.0f} characters "
               f"({percent(k, n)}; normally {percent(bk, bn)}); median {median(now_lengths):.0f}, "
               f"normally {normal:.0f}")
    shortest = [f"{length} characters: {url}" for s in window for length, url in (s.coverage or {}).get("shortest", [])]
    details = [f"before: median {normal:.0f} characters over {bn} articles; after: median "
               f"{median(now_lengths):.0f} over {n} in {_crawls(window)}"]
    if problems := _problems(window, base):
        details.append("problems the page objects reported: " + ", ".join(problems))
    details += sorted(shortest)[:5] if RANK[severity] else []
    return Finding(ctx.source, "field:body", severity, summary, details,
                   {"field": "body", "after": [k, n], "before": [bk, bn], "median_before": normal,
                    "median_after": median(now_lengths), **_span(window)}, window[-1].id, window[0].id)


# --- failures ------------------------------------------------------------------------------------------------

def _kinds(s: CrawlSample) -> Counter[str]:
    return Counter(e["kind"] for e in s.error_rows)


def errors_by_kind(ctx: Context) -> list[Finding]:
    """Each kind of failure (http_404, http_403, timeout …) against its normal share of the requests."""
    cfg = ctx.config
    samples = [s for s in ctx.history if s.status in COMPLETE or s.pages_fetched]

    def requests(s: CrawlSample) -> int:
        return s.pages_fetched + sum(c for kind, c in _kinds(s).items() if kind in NO_RESPONSE_KINDS)

    window, rest = newest_until(samples, requests, cfg.min_requests)
    if not window:
        return [Finding(ctx.source, "errors", "learning", "not enough requests yet to judge error rates")]
    base = rest
    n = sum(requests(s) for s in window)
    kinds = {kind for s in samples for kind in _kinds(s) if kind not in NOT_ERROR_KINDS}
    kinds |= {m.split(":", 1)[1] for m in ctx.excluded if m.startswith("errors:")}
    found = [] if kinds else [Finding(ctx.source, "errors", "ok", f"no failure in {_crawls(window)}")]
    for kind in sorted(kinds):
        monitor = f"errors:{kind}"
        baseline = ctx.baseline(monitor, base)
        bn = sum(requests(s) for s in baseline)
        k = sum(_kinds(s)[kind] for s in window)
        bk = sum(_kinds(s)[kind] for s in baseline)
        normal = bk / bn if bn else 0.0
        excess = k / n - normal
        significant = upper_tail(k, n, smoothed(bk, bn)) <= cfg.alpha
        severity = ("critical" if significant and excess >= cfg.error_critical else
                    "warning" if significant and excess >= cfg.error_warning else "ok")
        rows = [e for s in window for e in s.error_rows if e["kind"] == kind]
        summary = f"{kind}: {k} of {n} requests ({percent(k, n)}) in {_crawls(window)}; normally {percent(bk, bn)}"
        details = [f"before: {bk} of {bn} requests; after: {k} of {n}"]
        details += [f"{e['url'] or '-'}: {e['message']}" for e in rows[:5]]
        found.append(Finding(ctx.source, monitor, severity, summary, details,
                             {"kind": kind, "after": [k, n], "before": [bk, bn],
                              "samples": [e["url"] for e in rows[:5]], **_span(window)},
                             window[-1].id, window[0].id))
    return found


def _rate_limited(s: CrawlSample) -> int:
    return sum(1 for e in s.error_rows if e["kind"] == "rate_limited"
               or (e["kind"] == "unrecognised" and "rate-limit" in e["message"]))


def rate_limits(ctx: Context) -> Finding:
    """Crawls in a row that met the site's rate-limit notice (each backs off and sees less)."""
    cfg = ctx.config
    run = []
    for sample in ctx.history:
        if not _rate_limited(sample):
            break
        run.append(sample)
    severity = ("critical" if len(run) >= cfg.rate_limited_critical else
                "warning" if len(run) >= cfg.rate_limited_warning else "ok")
    urls = [e["url"] for s in run for e in s.error_rows if e["kind"] == "rate_limited"][:5]
    summary = (f"the rate-limit notice was served in {len(run)} crawl(s) in a row "
               "(slow down: crawler.download_delay, the schedule)" if run else "no rate-limit notice")
    return Finding(ctx.source, "rate_limit", severity, summary, [f"rate-limited: {u}" for u in urls],
                   {"crawls_in_a_row": len(run), "samples": urls},
                   run[-1].id if run else None, run[0].id if run else None)


# --- time ----------------------------------------------------------------------------------------------------

def staleness(ctx: Context) -> Finding:
    """No new article for longer than the source's own history makes normal (its longest gap, with a margin)."""
    cfg = ctx.config
    times = sorted(t for t in (datetime.fromisoformat(p) for p in ctx.publications)
                   if t <= ctx.now + timedelta(hours=1))
    if len(times) < 10 or ctx.now - times[0] < STALE_LEARNING:
        return Finding(ctx.source, "staleness", "learning", "less than a week and 10 articles of history")
    longest = max((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
    limit = max(cfg.stale_min_hours * 3600, cfg.stale_factor * longest)
    quiet = (ctx.now - times[-1]).total_seconds()
    severity = "critical" if quiet >= 2 * limit else "warning" if quiet >= limit else "ok"
    summary = (f"no new article for {duration_words(quiet)} (newest {times[-1].isoformat()}); the longest gap in "
               f"{cfg.stale_history_days:g} days was {duration_words(longest)}, the limit is {duration_words(limit)}")
    details = [summary] if RANK[severity] else []
    return Finding(ctx.source, "staleness", severity, summary, details,
                   {"quiet_seconds": round(quiet), "longest_gap_seconds": round(longest),
                    "limit_seconds": round(limit), "newest": times[-1].isoformat()})


def _seconds(s: CrawlSample) -> float | None:
    if not s.finished_at:
        return None
    return (datetime.fromisoformat(s.finished_at) - datetime.fromisoformat(s.started_at)).total_seconds()


def duration(ctx: Context) -> Finding:
    """Crawls much slower than usual, or close to the time limit (they are then killed)."""
    cfg = ctx.config
    timed = [(s, d) for s in ctx.history if (d := _seconds(s)) is not None]
    if len(timed) >= 2 and all(d >= cfg.duration_timeout_share * ctx.crawl_timeout or
                               (s.reason or "").startswith("timeout") for s, d in timed[:2]):
        return Finding(ctx.source, "duration", "critical",
                       f"the last 2 crawls took {duration_words(timed[1][1])} and {duration_words(timed[0][1])}, "
                       f"at the time limit of {duration_words(ctx.crawl_timeout)} (scheduler.crawl_timeout)",
                       [f"crawl {s.id}: {duration_words(d)} — {s.status}" for s, d in timed[:2]],
                       {"seconds": [d for _, d in timed[:2]]}, timed[1][0].id, timed[0][0].id)
    complete = [(s, d) for s, d in timed if s.status in COMPLETE]
    base = [d for s, d in complete[2:52] if s in ctx.baseline("duration", [s])]
    if len(base) < 10 or len(complete) < 2:
        return Finding(ctx.source, "duration", "learning", "fewer than 10 complete crawls to compare with")
    normal = median(base)
    limit = max(cfg.duration_factor * normal, normal + cfg.duration_min_seconds)
    latest = complete[:2]
    slow = all(d > limit for _, d in latest)
    summary = (f"the last 2 crawls took {duration_words(latest[1][1])} and {duration_words(latest[0][1])}; normally "
               f"{duration_words(normal)}")
    return Finding(ctx.source, "duration", "warning" if slow else "ok", summary,
                   [summary] if slow else [], {"seconds": [d for _, d in latest], "median": normal},
                   latest[1][0].id, latest[0][0].id)


def duration_words(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
