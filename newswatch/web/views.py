"""The plugin's pages: search, article, story, alert rules and their Atom feeds.

Each view reads through ``Reader`` on one of Datasette's read-only connections (in Datasette's SQL threads), then
renders a Jinja template with autoescaping; article text reaches HTML only through newswatch.web.markup.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode

from datasette import Response
from datasette.utils.asgi import NotFound

from crawler.sites import SITE_NAMES, label
from newswatch.core.errors import NewswatchError
from newswatch.core.query import compile_query
from newswatch.web import feeds
from newswatch.web.attrs import ArticleAttrs, attrs_for
from newswatch.web.markup import MARK_END, MARK_START, diff, highlight, marked, paragraphs, safe_url
from newswatch.web.matches import QUERY_WINDOW, Entry, search_entries
from newswatch.web.reader import SIZE_BUCKETS, Facet, Reader, check_month
from newswatch.web.state import WebState, state_of
from storage.search import SearchHit, StoryHit, since_bound

MAX_LIMIT = 100  # results on a page
EXPORT_LIMIT = 1000  # rows of a search's CSV or JSON download
CSV_COLUMNS = ("article_id", "source", "source_label", "title", "published_at", "snippet", "story_id", "story_size",
               "copies", "canonical_url")


def _state(datasette: Any) -> WebState:
    state = state_of(datasette)
    if state is None:
        raise NotFound("newswatch is not serving this Datasette")
    return state


async def _not_found(datasette: Any, request: Any, message: str) -> Response:
    """Datasette's error page with a 404 (returned, not raised: a raised NotFound is logged as a traceback)."""
    context = {"ok": False, "error": message, "status": 404, "title": "찾을 수 없음"}
    return Response.html(await datasette.render_template("error.html", context, request=request), status=404)


async def _read(datasette: Any, state: WebState, fn: Any) -> Any:
    return await datasette.get_database(state.db_name).execute_fn(lambda conn: fn(Reader(conn)))


def _path(datasette: Any, path: str, **args: Any) -> str:
    query = urlencode({k: v for k, v in args.items() if v not in (None, "", False)})
    return datasette.urls.path(path) + (f"?{query}" if query else "")


# --- search ---------------------------------------------------------------------------------------------------


@dataclass
class SearchForm:
    q: str = ""
    source: str = ""
    since: str = ""
    month: str = ""
    size: str = ""
    stories: bool = False
    limit: int = 20

    @classmethod
    def from_args(cls, args: Any, max_limit: int = MAX_LIMIT) -> SearchForm:
        """The form of a request; downloads may ask for up to EXPORT_LIMIT rows, pages for MAX_LIMIT."""
        try:
            limit = max(1, min(max_limit, int(args.get("limit") or 20)))
        except ValueError:
            limit = 20
        form = cls(q=(args.get("q") or "").strip(), source=args.get("source") or "", since=args.get("since") or "",
                   month=args.get("month") or "", size=args.get("size") or "",
                   stories=args.get("stories") in ("1", "on", "true"), limit=limit)
        return form

    def check(self) -> None:
        from newswatch.core.errors import UsageError

        if self.source and self.source not in SITE_NAMES:
            raise UsageError(f"알 수 없는 출처 {self.source!r}")
        if self.month:
            try:
                check_month(self.month)
            except ValueError:
                raise UsageError(f"month: YYYY-MM 형식이어야 합니다 ({self.month!r})") from None
        if self.size and self.size not in SIZE_BUCKETS:
            raise UsageError(f"size: {', '.join(SIZE_BUCKETS)} 중 하나여야 합니다")
        since_bound(self.since)  # UsageError in words

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {"q": self.q, "source": self.source, "since": self.since, "month": self.month, "size": self.size,
                  "stories": "1" if self.stories else "", "limit": self.limit if self.limit != 20 else ""}
        return values | changes


@dataclass
class Result:
    hit: SearchHit
    title: Any
    snippet: Any
    url: str | None
    story_size: int
    copies: list[dict[str, Any]] = field(default_factory=list)


def run_search(reader: Reader, attrs: ArticleAttrs, form: SearchForm) -> list[Result]:
    """`newswatch search` (Store.search / search_stories), narrowed by the page's month and story-size facets."""
    marks = (MARK_START, MARK_END)
    source, since = form.source or None, form.since or None
    story_hits: list[StoryHit] | None = None
    if form.month or form.size:
        only = reader.filtered_ids(attrs, form.q, source, since, form.month or None, form.size or None)
        hits = reader.search(form.q, source=source, since=since, marks=marks, only_ids=only,
                             limit=form.limit * 4 if form.stories else form.limit)
        if form.stories:  # one per story, as search_stories groups them
            best: dict[int, SearchHit] = {}
            for hit in hits:
                best.setdefault(hit.story_id or hit.article_id, hit)
            chosen = list(best.items())[: form.limit]
            members = reader.stories.members([s for s, _ in chosen])
            story_hits = [StoryHit(h, [m for m in members.get(s, []) if m.article_id != h.article_id])
                          for s, h in chosen]
    elif form.stories:
        story_hits = reader.search_stories(form.q, source=source, since=since, limit=form.limit, marks=marks)
    else:
        hits = reader.search(form.q, source=source, since=since, limit=form.limit, marks=marks)
    if story_hits is not None:
        hits = [s.hit for s in story_hits]
    sizes = reader.story_sizes(h.story_id for h in hits if h.story_id)
    results = []
    for i, hit in enumerate(hits):
        copies = [{"article_id": c.article_id, "source": c.source, "label": label(c.source), "title": c.title,
                   "published_at": c.published_at, "url": safe_url(c.canonical_url)}
                  for c in (story_hits[i].copies if story_hits is not None else [])]
        results.append(Result(hit, highlight(hit.title, hit.matched_terms), marked(hit.snippet),
                              safe_url(hit.canonical_url), sizes.get(hit.story_id or 0, 1), copies))
    return results


async def _search(datasette: Any, state: WebState, form: SearchForm, *,
                  with_facets: bool) -> tuple[list[Result], dict[str, list[Facet]], str | None]:
    """Results, facet counts and the error in words (QueryError, UsageError: a message, not a 500)."""
    if not form.q:
        return [], {}, None
    try:
        form.check()
        attrs = attrs_for(datasette.get_database(state.db_name).path)
        search = _read(datasette, state, lambda r: run_search(r, attrs, form))
        if not with_facets:
            return await search, {}, None
        # the ranked search and the facet counts run side by side, in two of Datasette's SQL threads
        results, facets = await asyncio.gather(search, _read(
            datasette, state, lambda r: r.facets(attrs, form.q, form.source or None, form.since or None,
                                                 form.month or None, form.size or None)))
        return results, facets, None
    except NewswatchError as exc:
        return [], {}, str(exc)


def export_rows(results: list[Result]) -> list[dict[str, Any]]:
    """Results as the JSON and CSV downloads give them: the CLI's [ ] markers in snippets."""
    plain = str.maketrans({MARK_START: "[", MARK_END: "]"})
    return [r.hit.to_dict() | {"snippet": r.hit.snippet.translate(plain), "story_size": r.story_size,
                               "copies": r.copies} for r in results]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A cell a spreadsheet will not run: article text is untrusted, and analysts open these files in Excel or
    LibreOffice, which execute a cell starting with = + - @ as a formula (OWASP's CSV injection)."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def csv_response(form: SearchForm, results: list[Result]) -> Response:
    """The search as a CSV download (one row per result, as on the page; copies counted, not listed)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in export_rows(results):
        row |= {"source_label": label(row["source"]), "story_id": row["story_id"] or row["article_id"],
                "copies": len(row["copies"])}
        writer.writerow({key: inert(value) for key, value in row.items()})
    name = quote(f"newswatch-search-{form.q}.csv", safe="")
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def _export_urls(datasette: Any, db: str, form: SearchForm) -> dict[str, str]:
    """Downloads, feed and table of exactly this search: every active filter carried, downloads beyond the page."""
    everything = form.args(limit=EXPORT_LIMIT)
    return {
        "csv_url": _path(datasette, "/-/search.csv", **everything),
        "json_url": _path(datasette, "/-/search.json", **everything),
        "feed_url": _path(datasette, "/-/search.atom", q=form.q, source=form.source, since=form.since,
                          month=form.month, size=form.size),
        "table_url": _path(datasette, f"/{quote(db)}/articles", _q=form.q, source=form.source,
                           published_at__startswith=form.month, _story_size=form.size),
    }


async def search_page(datasette: Any, request: Any) -> Response:
    state = _state(datasette)
    fmt = request.url_vars.get("format")
    form = SearchForm.from_args(request.args, EXPORT_LIMIT if fmt else MAX_LIMIT)
    results, facets, error = await _search(datasette, state, form, with_facets=fmt != "csv")
    if fmt and error:
        return Response.json({"ok": False, "error": error}, status=400)
    if fmt == "csv":
        return csv_response(form, results)
    if fmt == "json":
        return Response.json({"ok": True, "query": form.q, "results": export_rows(results),
            "facets": {k: [{"value": f.value, "count": f.count} for f in v] for k, v in facets.items()}})
    db = state.db_name
    facet_groups = _facet_groups(datasette, form, facets)
    context = _export_urls(datasette, db, form) | {
        "form": form, "results": results, "error": error, "facet_groups": facet_groups,
        "sources": [(name, label(name)) for name in SITE_NAMES], "database": db,
        "article_path": datasette.urls.path("/-/article/"),
        "label": label,
    }
    return Response.html(await datasette.render_template("nw_search.html", context, request=request),
                         status=400 if error else 200)


FACET_TITLES = {"source": "출처", "month": "월", "size": "같은 소식 수"}


def _facet_groups(datasette: Any, form: SearchForm, facets: dict[str, list[Facet]]) -> list[dict[str, Any]]:
    groups = []
    for key, values in facets.items():
        param = {"source": "source", "month": "month", "size": "size"}[key]
        current = getattr(form, param)
        items = []
        for f in values:
            shown = label(f.value) if key == "source" else (
                ("단독" if f.value == "1" else f"{f.value}건") if key == "size" else f.value)
            selected = current == f.value
            href = _path(datasette, "/-/search", **form.args(**{param: "" if selected else f.value}))
            items.append({"label": shown, "count": f.count, "href": href, "selected": selected})
        if items:
            groups.append({"key": key, "title": FACET_TITLES[key], "items": items})
    return groups


# --- article and story ----------------------------------------------------------------------------------------


def load_article(reader: Reader, state: WebState, article_id: int, query: str) -> dict[str, Any] | None:
    stored = reader.article(article_id)
    if stored is None:
        return None
    a = stored.article
    terms: list[str] = []
    if query:
        try:
            terms = compile_query(query).terms
        except NewswatchError:
            terms = []
    story_id = stored.story_id or stored.id
    members = reader.stories.members([story_id]).get(story_id, [])
    copies = [m for m in members if m.article_id != stored.id]
    revisions = reader.revisions(article_id)
    chain = [*(r.article for r in revisions), a]
    history = []
    for revision, old, new in zip(revisions, chain, chain[1:], strict=False):
        history.append({
            "revision": revision.revision, "replaced_at": revision.replaced_at,
            "title_changed": old.title != new.title, "old_title": old.title, "new_title": new.title,
            "lines": diff(paragraphs(old.body_text), paragraphs(new.body_text)),
        })
    history.reverse()
    rules = []
    for rule in state.rules.rules.values():
        kind = f"주제 {rule.topic}" if not rule.query else f"검색어 「{rule.query}」"
        if rule.source and rule.source != a.source:
            rules.append({"name": rule.name, "kind": kind, "matched": None, "why": f"{label(rule.source)}만 봄"})
            continue
        found = state.rules.match(reader, rule, [article_id]).get(article_id)
        rules.append({"name": rule.name, "kind": kind, "matched": found is not None,
                      "why": found.why if found else ""})
    for r in rules:
        r["page"] = "/-/rules/" + quote(r["name"], safe="")
    original = None
    if stored.duplicate_of:
        dup = reader.summaries([stored.duplicate_of]).get(stored.duplicate_of)
        original = dup and {"article_id": dup["id"], "title": dup["title"], "label": label(dup["source"])}
    return {
        "id": stored.id, "article": a, "label": label(a.source), "title": highlight(a.title, terms),
        "subtitle": highlight(a.subtitle or "", terms) if a.subtitle else None,
        "paragraphs": [highlight(p, terms) for p in paragraphs(a.body_text)],
        "url": safe_url(a.canonical_url), "aliases": [(u, safe_url(u)) for u in stored.aliases],
        "images": [{"url": safe_url(i.url), "caption": i.caption} for i in a.images],
        "attachments": [{"name": x.name, "type": x.type, "url": safe_url(x.url)} for x in a.attachments],
        "story_id": story_id, "copies": [{"m": m, "label": label(m.source), "url": safe_url(m.canonical_url)}
                                         for m in copies],
        "history": history, "rules": rules, "revision": stored.revision, "original": original,
        "first_seen_at": stored.first_seen_at, "last_changed_at": stored.last_changed_at,
    }


async def article_page(datasette: Any, request: Any) -> Response:
    state = _state(datasette)
    article_id = int(request.url_vars["id"])
    query = (request.args.get("q") or "").strip()
    data = await _read(datasette, state, lambda r: load_article(r, state, article_id, query))
    if data is None:
        return await _not_found(datasette, request, f"기사 {article_id}이(가) 없습니다")
    context = data | {"database": state.db_name, "q": query, "article_path": datasette.urls.path("/-/article/"),
                      "search_url": _path(datasette, "/-/search", q=query),
                      "json_url": datasette.urls.path(f"/{quote(state.db_name)}/articles/{article_id}.json")}
    return Response.html(await datasette.render_template("nw_article.html", context, request=request))


async def story_page(datasette: Any, request: Any) -> Response:
    state = _state(datasette)
    story_id = int(request.url_vars["id"])

    def load(reader: Reader) -> list[dict[str, Any]]:
        return [{"m": m, "label": label(m.source), "url": safe_url(m.canonical_url)}
                for m in reader.stories.members([story_id]).get(story_id, [])]

    members = await _read(datasette, state, load)
    if not members:
        return await _not_found(datasette, request, f"이야기 {story_id}이(가) 없습니다")
    context = {"story_id": story_id, "members": members, "database": state.db_name,
               "article_path": datasette.urls.path("/-/article/")}
    return Response.html(await datasette.render_template("nw_story.html", context, request=request))


# --- alert rules and feeds ------------------------------------------------------------------------------------


def _rule(state: WebState, request: Any) -> tuple[Any, str]:
    name = unquote(request.url_vars["name"])
    return state.rules.get(name), f"알림 규칙 {name!r}이(가) 없습니다"


def _rule_info(datasette: Any, rule: Any) -> dict[str, Any]:
    return {"name": rule.name, "kind": "주제" if not rule.query else "검색어", "what": rule.query or rule.topic,
            "source": label(rule.source) if rule.source else "모든 출처", "mode": rule.mode,
            "page": datasette.urls.path(f"/-/rules/{quote(rule.name, safe='')}"),
            "feed": datasette.urls.path(f"/-/rules/{quote(rule.name, safe='')}.atom")}


async def rules_page(datasette: Any, request: Any) -> Response:
    state = _state(datasette)
    rules = [_rule_info(datasette, r) for r in state.rules.rules.values()]
    context = {"rules": rules, "database": state.db_name,
               "canned": datasette.urls.path(f"/{quote(state.db_name)}/rule_matches")}
    return Response.html(await datasette.render_template("nw_rules.html", context, request=request))


def _entry_view(entry: Entry) -> dict[str, Any]:
    a = entry.article
    return {"a": a, "label": label(a["source"]), "url": safe_url(a["canonical_url"]),
            "title": highlight(a["title"], entry.match.terms), "why": entry.match.why,
            "copies": [{"m": c, "label": label(c.source), "url": safe_url(c.canonical_url)} for c in entry.copies]}


async def rule_page(datasette: Any, request: Any) -> Response:
    state = _state(datasette)
    rule, missing = _rule(state, request)
    if rule is None:
        return await _not_found(datasette, request, missing)
    entries = await _read(datasette, state, lambda r: state.rules.entries(r, rule))
    context = {"rule": _rule_info(datasette, rule), "entries": [_entry_view(e) for e in entries],
               "database": state.db_name, "article_path": datasette.urls.path("/-/article/")}
    return Response.html(await datasette.render_template("nw_rule.html", context, request=request))


def _feed_response(datasette: Any, request: Any, *, feed_id: str, title: str, html_path: str,
                   entries: list[Entry]) -> Response:
    body = feeds.render(
        feed_id=feed_id, title=title, self_url=datasette.absolute_url(request, request.full_path),
        html_url=datasette.absolute_url(request, html_path), entries=entries, label=label,
        article_url=lambda i: datasette.absolute_url(request, datasette.urls.path(f"/-/article/{i}")))
    return Response(body, content_type=feeds.CONTENT_TYPE)


async def rule_feed(datasette: Any, request: Any) -> Response:
    state = _state(datasette)
    rule, missing = _rule(state, request)
    if rule is None:
        return Response.text(f"error: {missing}\n", status=404)
    entries = await _read(datasette, state, lambda r: state.rules.entries(r, rule))
    info = _rule_info(datasette, rule)
    return _feed_response(datasette, request, feed_id=feeds.tag("rule", rule.name),
                          title=f"newswatch 알림 규칙 {rule.name}", html_path=info["page"], entries=entries)


async def search_feed(datasette: Any, request: Any) -> Response:
    state = _state(datasette)
    form = SearchForm.from_args(request.args)
    try:
        if not form.q:
            raise NewswatchError("q: 검색어가 필요합니다")
        form.check()
        entries = await _read(datasette, state, lambda r: _feed_entries(r, datasette, state, form))
    except NewswatchError as exc:
        return Response.text(f"error: {exc}\n", status=400)
    facets = [form.month, form.size] if form.month or form.size else []  # plain searches keep their old feed id
    key = json.dumps([form.q, form.source, form.since, *facets], ensure_ascii=False)
    return _feed_response(datasette, request, feed_id=feeds.tag("search", key), title=f"newswatch 검색: {form.q}",
                          html_path=_path(datasette, "/-/search", **form.args(stories="", limit="")),
                          entries=entries)


def _feed_entries(reader: Reader, datasette: Any, state: WebState, form: SearchForm) -> list[Entry]:
    """A saved search's entries; with a month or story-size facet, only the matches that pass it."""
    ids = None
    if form.month or form.size:
        attrs = attrs_for(datasette.get_database(state.db_name).path)
        ids = reader.filtered_ids(attrs, form.q, form.source or None, form.since or None, form.month or None,
                                  form.size or None)[:QUERY_WINDOW]
    return search_entries(reader, form.q, form.source or None, form.since or None, ids=ids)


def read_only(view: Any) -> Any:
    """Pages answer GET and HEAD only: nothing here takes input that changes anything."""

    @functools.wraps(view)
    async def guarded(datasette: Any, request: Any) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response.text("method not allowed: this server is read-only\n", status=405,
                                 headers={"Allow": "GET, HEAD"})
        return await view(datasette, request)

    return guarded


ROUTES = [(pattern, read_only(view)) for pattern, view in [
    (r"^/-/search(\.(?P<format>json|csv))?$", search_page),
    (r"^/-/search\.atom$", search_feed),
    (r"^/-/article/(?P<id>\d{1,18})$", article_page),
    (r"^/-/story/(?P<id>\d{1,18})$", story_page),
    (r"^/-/rules$", rules_page),
    (r"^/-/rules/(?P<name>[^/]+)\.atom$", rule_feed),
    (r"^/-/rules/(?P<name>[^/]+)$", rule_page),
]]
