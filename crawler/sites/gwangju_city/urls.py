"""Gwangju city hall boards (siiru CMS) URL forms: an article is keyed by host, ``boardId`` and integer ``seq``;
paging and search parameters are noise. Real hosts are served over https; the mock sites keep theirs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

# governor.jeonnam.go.kr served the merged city's board before its own host.
HOST_ALIASES = {"governor.jeonnam.go.kr": "www.jeonnam-gwangju.go.kr", "gwangju.go.kr": "www.gwangju.go.kr"}
REAL_HOSTS = {"www.gwangju.go.kr", "www.jeonnam-gwangju.go.kr"}


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = HOST_ALIASES.get(host, host)
    if parts.port and host not in REAL_HOSTS and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    return host


def is_article_url(url: str) -> bool:
    """A release page's shape (``boardView.do``); its board and seq may be in the page rather than the URL."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.path.endswith("/boardView.do")


def canonical(url: str, page_id: str | None = None) -> tuple[str, str]:
    """(source_id, canonical URL) of a siiru ``boardView.do`` URL; ValueError if it has no board or seq.

    ``page_id`` (the menu id, read from the page when the URL lacks it) only completes the URL; it is not
    part of the identity, since the same release answers with or without it.
    """
    parts = urlsplit(url)
    params = _query(url)
    board_id = params.get("boardId", "").strip()
    seq = next((params[n].strip() for n in ("seq", "searchSn") if params.get(n, "").strip().isdigit()), None)
    if not is_article_url(url) or not board_id or seq is None:
        raise ValueError(f"not a board article URL (boardView.do with boardId and seq): {url}")
    host = host_of(url)
    scheme = "https" if host in REAL_HOSTS else parts.scheme
    page_id = params.get("pageId") or page_id
    query = {"pageId": page_id} if page_id else {}
    query |= {"boardId": board_id, "seq": str(int(seq))}
    return f"{host}/{board_id}/{int(seq)}", f"{scheme}://{host}/boardView.do?{urlencode(query)}"


def list_url(base_url: str, page_id: str, board_id: str, page: int) -> str:
    """A board list page by GET (the site's own pager POSTs the same parameters; its page size is left alone)."""
    query = {"pageId": page_id, "boardId": board_id, "movePage": str(page)}
    return f"{base_url.rstrip('/')}/boardList.do?{urlencode(query)}"
