"""Two real HTTP servers on 127.0.0.1 playing newsprime and the Gwangju city hall, for tests and the demo.

Everything a crawler meets is here on purpose: URL forms, redirects, robots.txt, EUC-KR pages, 404/500, a slow
page, a rate-limit notice served with 200, conditional requests (ETag / Last-Modified / 304), and articles that
appear or change between two crawls. Every request is logged so tests can count what a crawl cost.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from newswatch.mocksite import gwangju_pages as gp
from newswatch.mocksite import newsprime_pages as npp
from newswatch.mocksite.content import (
    BROKEN_NO,
    DIRECTORY_LINKED_NO,
    FLAKY_NO,
    MISSING_NO,
    MOBILE_LINKED_NO,
    OFFSITE_NO,
    ROBOTS_NO,
    SLOW_NO,
    MockArticle,
    MockRelease,
    default_gwangju,
    default_newsprime,
)

LOOP_NO = 746567  # redirects to itself: a redirect loop
BOMB_NO = 746568  # a gzip body that inflates far past any page-size cap
NEWSPRIME_ROBOTS = (
    f"User-agent: *\nDisallow: /news/print/\nDisallow: /member/\nDisallow: /news/article.html?no={ROBOTS_NO}\n"
)


@dataclass(frozen=True)
class LoggedRequest:
    site: str
    method: str
    path: str  # path and query
    status: int
    headers: dict[str, str]
    at: float


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _html(text: str, status: int = 200, **kw: Any) -> Reply:
    return Reply(status, text.encode("utf-8"), **kw)


@functools.cache
def _gzip_bomb(inflated: int = 64_000_000) -> bytes:
    """About 60 KB on the wire, 64 MB once inflated (made once: compressing it takes a quarter second)."""
    import gzip

    return gzip.compress(b"<html><body>" + b"\0" * inflated, compresslevel=9)


def _q(query: dict[str, list[str]], name: str) -> str:
    return query.get(name, [""])[0]


class _Site:
    """One mock site's content and routes; subclasses answer (path, query, headers) with a Reply."""

    name = ""

    def __init__(self, owner: MockSites) -> None:
        self.owner = owner
        self.hits: dict[str, int] = defaultdict(int)

    def conditional(self, reply: Reply, modified: datetime, headers: dict[str, str]) -> Reply:
        etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
        reply.headers |= {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=False)}
        if headers.get("if-none-match") == etag:
            return Reply(304, b"", headers=reply.headers)
        since = headers.get("if-modified-since")
        if since and "if-none-match" not in headers:
            try:
                if int(modified.timestamp()) <= int(parsedate_to_datetime(since).timestamp()):
                    return Reply(304, b"", headers=reply.headers)
            except (TypeError, ValueError):
                pass
        return reply


class _Newsprime(_Site):
    name = "newsprime"

    def __init__(self, owner: MockSites, articles: list[MockArticle]) -> None:
        super().__init__(owner)
        self.articles = {a.no: a for a in articles}
        self.list_hits: list[float] = []

    def newest(self, sec_no: int | None = None) -> list[MockArticle]:
        chosen = [a for a in self.articles.values() if sec_no is None or npp.in_section(a, sec_no)]
        return sorted(chosen, key=lambda a: (a.published, a.no), reverse=True)

    def href(self, a: MockArticle) -> str:
        if a.no == MOBILE_LINKED_NO:
            return f"/section_view.html?no={a.no}&menu=index"
        if a.no == DIRECTORY_LINKED_NO:
            return f"/news/article/?no={a.no}&sec_no={a.section}"
        return f"/news/article.html?no={a.no}&sec_no={a.section}"

    def route(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        if path == "/robots.txt":
            return Reply(200, NEWSPRIME_ROBOTS.encode(), "text/plain; charset=utf-8")
        if path == "/news/section_list_all/":
            return self.section_list(query)
        if path in ("/news/article.html", "/news/article/", "/news/article"):
            return self.article(_q(query, "no"), headers)
        if path == "/ezview/article_main.html":
            return Reply(301, b"", headers={"Location": f"/news/article.html?no={_q(query, 'no')}"})
        if path == "/section_view.html":
            a = self.articles.get(int(_q(query, "no") or 0))
            return _html(npp.mobile_article_page(a)) if a else _html(npp.not_found_page(), 404)
        if path == "/section_list.html":
            sec = int(_q(query, "sec_no") or 64)
            rows = [(f"section_view.html?no={a.no}&menu=index", a) for a in self.newest(sec)[: npp.LIST_SIZE]]
            return _html(npp.mobile_list_page(rows))
        if path == "/data/rss/news.xml":
            return Reply(200, npp.rss(self.owner.newsprime_url, self.newest()).encode(), "application/rss+xml")
        if path.startswith("/news/print/"):
            return _html("<html><body>print view</body></html>")
        return _html(npp.not_found_page(), 404)

    def section_list(self, query: dict[str, list[str]]) -> Reply:
        limit = self.owner.rate_limit_per_minute
        now = time.monotonic()
        self.list_hits = [t for t in self.list_hits if now - t < 60] + [now]
        if limit is not None and len(self.list_hits) > limit:
            return _html(npp.rate_limit_page())
        sec_no = int(_q(query, "sec_no") or 64)
        page = max(1, int(_q(query, "page") or 1))
        articles = self.newest(sec_no)
        total_pages = max(1, -(-len(articles) // npp.LIST_SIZE))
        rows = [(self.href(a), a) for a in articles[(page - 1) * npp.LIST_SIZE : page * npp.LIST_SIZE]]
        html = npp.list_page(sec_no, page, rows, total_pages)
        if page == 1 and sec_no in (64, 110) and self.owner.hostile_links:
            hostile = npp.extra_rows([
                (f"/news/article.html?no={LOOP_NO}&sec_no=110", "돌고 도는 기사", "2026.09.10 09:00"),
                (f"/news/article.html?no={BOMB_NO}&sec_no=110", "압축 폭탄 기사", "2026.09.10 09:00"),
            ])
            anchor = '<div class="section_h12"><div><div>'
            html = html.replace(anchor, anchor + hostile, 1)
        if page == 1 and sec_no in (64, 110) and self.owner.faulty_links:
            # links that must not end up stored: a 404, an always-500, robots-disallowed, offsite
            extra = npp.extra_rows([
                (f"/news/article.html?no={MISSING_NO}&sec_no=110", "삭제된 기사", "2026.09.10 09:00"),
                (f"/news/article.html?no={BROKEN_NO}&sec_no=110", "서버 오류 기사", "2026.09.10 09:00"),
                (f"/news/article.html?no={ROBOTS_NO}", "로봇 차단 기사", "2026.09.10 09:00"),
                (f"https://offsite.invalid/news/article.html?no={OFFSITE_NO}", "다른 사이트 기사", "2026.09.10 09:00"),
                ("/news/print/?no=746580", "인쇄용 보기", "2026.09.10 09:00"),
            ])
            html = html.replace('<div class="section_h12"><div><div>', '<div class="section_h12"><div><div>' + extra, 1)
        return _html(html)

    def article(self, no_text: str, headers: dict[str, str]) -> Reply:
        no = int(no_text) if no_text.isdigit() else 0
        self.hits[f"article:{no}"] += 1
        if no == LOOP_NO:
            again = f"/news/article.html?no={LOOP_NO}&sec_no=110&n={self.hits[f'article:{no}']}"
            return Reply(302, b"", headers={"Location": again})
        if no == BOMB_NO:
            return Reply(200, _gzip_bomb(), headers={"Content-Encoding": "gzip"})
        if no == BROKEN_NO or (no == FLAKY_NO and self.hits[f"article:{no}"] <= 2):
            return _html("<html><body>Internal Server Error</body></html>", 500)
        a = self.articles.get(no)
        if a is None:
            return _html(npp.not_found_page(), 404)
        delay = self.owner.slow_seconds if no == SLOW_NO else self.owner.article_delay
        page = npp.drifted_article_page if self.name in self.owner.drifted else npp.article_page
        if a.charset == "euc-kr":
            reply = Reply(200, page(a, "euc-kr").encode("cp949"), "text/html; charset=euc-kr")
        elif a.charset == "cp949-undeclared":
            reply = Reply(200, page(a, None).encode("cp949"), "text/html")
        else:
            reply = _html(page(a, "utf-8"))
        reply.delay = delay
        return self.conditional(reply, a.edited or a.published, headers)


class _Gwangju(_Site):
    name = "gwangju"

    def __init__(self, owner: MockSites, releases: list[MockRelease]) -> None:
        super().__init__(owner)
        self.releases = {(r.board, r.seq): r for r in releases}

    def board(self, board: str) -> list[MockRelease]:
        return sorted((r for r in self.releases.values() if r.board == board),
                      key=lambda r: (r.published, r.seq), reverse=True)

    def route(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        if self.owner.require_user_agent and not headers.get("user-agent"):
            return Reply(400, b"<html><body><h1>Request Blocked</h1></body></html>")
        if path == "/":
            return Reply(302, b"", headers={"Location": "/main.do"})
        if path == "/main.do":
            return _html(gp.main_page())
        if path == "/robots.txt":
            return Reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/siiru.do":
            return _html(gp.error_page("잘못된 접근입니다."))
        if path in ("/boardList.do", "/boardView.do"):
            board = _q(query, "boardId")
            page_id = _q(query, "pageId")
            if board not in gp.BOARDS or (page_id and page_id != gp.BOARDS[board][0]):
                return Reply(302, b"", headers={"Location": "/siiru.do"})
            if path == "/boardList.do":
                return self.board_list(board, query, headers)
            return self.detail(board, query, headers)
        if path == "/fileDownload.do":
            return self.download(query)
        if path.startswith("/imageView/"):
            return Reply(200, gp.TINY_PNG, "image/png")
        return _html(gp.error_page("요청하신 페이지를 찾을 수 없습니다."), 404)

    def board_list(self, board: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        page = max(1, int(_q(query, "movePage") or 1))
        size = int(_q(query, "recordCnt") or gp.LIST_SIZE) or gp.LIST_SIZE
        releases = self.board(board)
        newest = {r.seq for r in releases[:3]}
        rows = releases[(page - 1) * size : page * size]
        reply = _html(gp.list_page(board, page, rows, len(releases), size, newest))
        if not rows:
            return reply
        changed = max(r.edited or r.published for r in releases)
        return self.conditional(reply, changed, headers)  # list pages answer conditional requests too

    def detail(self, board: str, query: dict[str, list[str]], headers: dict[str, str]) -> Reply:
        seq_text = _q(query, "seq") or _q(query, "searchSn")
        r = self.releases.get((board, int(seq_text))) if seq_text.isdigit() else None
        if r is None:
            return _html(gp.error_page("존재하지 않는 게시물입니다."))
        ordered = self.board(board)
        i = ordered.index(r)
        newer = ordered[i - 1] if i > 0 else None
        older = ordered[i + 1] if i + 1 < len(ordered) else None
        page = gp.drifted_detail_page if self.name in self.owner.drifted else gp.detail_page
        return self.conditional(_html(page(r, newer, older)), r.edited or r.published, headers)

    def download(self, query: dict[str, list[str]]) -> Reply:
        r = self.releases.get((_q(query, "boardId"), int(_q(query, "seq") or 0)))
        n = int(_q(query, "fileSn") or 0)
        if r is None or not 1 <= n <= len(r.attachments):
            return _html(gp.error_page("파일이 존재하지 않습니다."), 404)
        name, data = r.attachments[n - 1]
        return Reply(200, data, "application/octet-stream", {"Content-Disposition": gp.content_disposition(name)})


def _handler(site: _Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, send_body: bool) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with site.owner.lock:
                reply = site.owner.injected_fault(site.name, self.path) or site.route(
                    parts.path, parse_qs(parts.query, keep_blank_values=True), headers)
                site.owner.log.append(LoggedRequest(site.name, self.command, self.path, reply.status, headers,
                                                    time.time()))
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            if reply.status != 304:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if send_body and reply.status != 304:
                self.wfile.write(reply.body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(False)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the request log is kept in MockSites.log

    return Handler


class MockSites:
    """Both mock sites, each on its own port of 127.0.0.1; a context manager."""

    def __init__(self, *, newsprime: list[MockArticle] | None = None, gwangju: list[MockRelease] | None = None,
                 newsprime_port: int = 0, gwangju_port: int = 0, slow_seconds: float = 2.0,
                 rate_limit_per_minute: int | None = None, require_user_agent: bool = False,
                 faulty_links: bool = True, hostile_links: bool = False) -> None:
        self.lock = threading.RLock()
        self.log: list[LoggedRequest] = []
        self.slow_seconds = slow_seconds
        self.rate_limit_per_minute = rate_limit_per_minute
        self.require_user_agent = require_user_agent
        self.faulty_links = faulty_links  # the 404 / 500 / robots / offsite rows on the first list page
        self.hostile_links = hostile_links  # a redirect loop and a gzip bomb on the first list page
        self.article_delay = 0.0  # seconds every article page takes (to interrupt a crawl halfway)
        self._faults: list[list] = []
        self.drifted: set[str] = set()  # sites serving their article pages in a changed layout (see drift())
        self._newsprime = _Newsprime(self, newsprime if newsprime is not None else default_newsprime())
        self._gwangju = _Gwangju(self, gwangju if gwangju is not None else default_gwangju())
        self._ports = (newsprime_port, gwangju_port)
        self._servers: list[ThreadingHTTPServer] = []
        self.newsprime_url = self.gwangju_url = ""

    def start(self) -> MockSites:
        for site, port in zip((self._newsprime, self._gwangju), self._ports, strict=True):
            server = ThreadingHTTPServer(("127.0.0.1", port), _handler(site))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, name=f"mock-{site.name}", daemon=True).start()
            self._servers.append(server)
        self.newsprime_url = f"http://127.0.0.1:{self._servers[0].server_address[1]}"
        self.gwangju_url = f"http://127.0.0.1:{self._servers[1].server_address[1]}"
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self) -> MockSites:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, site: str, path_part: str, times: int = 1, status: int = 500) -> None:
        """The next ``times`` requests to ``site`` whose path contains ``path_part`` answer ``status``."""
        with self.lock:
            self._faults.append([site, path_part, times, status])

    def injected_fault(self, site: str, path: str) -> Reply | None:
        for fault in self._faults:
            if fault[0] == site and fault[1] in path and fault[2] > 0:
                fault[2] -= 1
                return _html("<html><body>Internal Server Error (injected)</body></html>", fault[3])
        return None

    def publish_newsprime(self, article: MockArticle) -> None:
        with self.lock:
            self._newsprime.articles[article.no] = article

    def edit_newsprime(self, no: int, **changes: Any) -> None:
        with self.lock:
            old = self._newsprime.articles[no]
            changes.setdefault("edited", datetime.now(old.published.tzinfo))
            self._newsprime.articles[no] = replace(old, **changes)

    def publish_gwangju(self, release: MockRelease) -> None:
        with self.lock:
            self._gwangju.releases[(release.board, release.seq)] = release

    def edit_gwangju(self, seq: int, board: str = "BD_0000000027", **changes: Any) -> None:
        with self.lock:
            old = self._gwangju.releases[(board, seq)]
            changes.setdefault("edited", datetime.now(old.published.tzinfo))
            self._gwangju.releases[(board, seq)] = replace(old, **changes)

    def drift(self, site: str, on: bool = True) -> None:
        """Serve ``site``'s ("newsprime" or "gwangju") article pages in a changed layout, or the usual one again.

        newsprime: byline and body containers renamed, the date moved below the body (articles still read, without
        date and author). gwangju: the city skin's info line renamed and its date moved (no date); the merged
        skin's view renamed (its pages no longer recognised).
        """
        if site not in (self._newsprime.name, self._gwangju.name):
            raise ValueError(f"no mock site {site!r}")
        with self.lock:
            (self.drifted.add if on else self.drifted.discard)(site)

    def requests(self, site: str | None = None) -> list[LoggedRequest]:
        with self.lock:
            return [r for r in self.log if site is None or r.site == site]

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    def config_toml(self, db_path: str, *, max_pages: int = 3, timeout: float = 10.0, retries: int = 3,
                    extra: str = "") -> str:
        """A complete newswatch config that crawls these servers, fast (no politeness delay on loopback)."""
        return f"""# newswatch config for the local mock sites
[store]
path = "{db_path}"

[crawler]
contact_url = "https://github.com/newswatch/newswatch"
download_delay = 0.0
autothrottle = false
concurrency_per_domain = 4
timeout = {timeout}
retries = {retries}
retry_backoff = 0.1

[sources.newsprime]
base_url = "{self.newsprime_url}"
sections = [64]
max_pages = {max_pages}

[sources.gwangju_city]
max_pages = {max_pages}

[[sources.gwangju_city.boards]]
name = "gwangju"
base_url = "{self.gwangju_url}"
page_id = "www789"
board_id = "BD_0000000027"

[[sources.gwangju_city.boards]]
name = "merged-city"
base_url = "{self.gwangju_url}"
page_id = "jngj22"
board_id = "JG_0000000003"
{extra}"""
