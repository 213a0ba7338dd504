"""Which site a URL belongs to, and the one canonical form of each article's many URL forms.

newsprime: every form (desktop ``/news/article.html``, ``/news/article/``, old ``/ezview/article_main.html``,
mobile ``/section_view.html``, any host variant) is keyed by the integer ``no``.
Gwangju boards (siiru CMS): keyed by host, ``boardId`` and integer ``seq``; paging and search parameters are noise.
Hosts other than the real ones (the mock sites) keep their own scheme and host, so the same code serves both.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

NEWSPRIME_HOSTS = {"newsprime.co.kr", "www.newsprime.co.kr", "m.newsprime.co.kr"}
NEWSPRIME_ORIGIN = "https://www.newsprime.co.kr"
_NEWSPRIME_ARTICLE_PATHS = re.compile(
    r"^/(?:news/article(?:\.html|/)?|ezview/article_main\.html|section_view\.html)$"
)
# Real siiru hosts served over https; governor.jeonnam.go.kr served the merged city's board before its own host.
GWANGJU_HOST_ALIASES = {"governor.jeonnam.go.kr": "www.jeonnam-gwangju.go.kr", "gwangju.go.kr": "www.gwangju.go.kr"}
GWANGJU_REAL_HOSTS = {"www.gwangju.go.kr", "www.jeonnam-gwangju.go.kr"}


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def _int_param(params: dict[str, str], *names: str) -> int | None:
    for name in names:
        value = params.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return None


def site_of(url: str) -> str | None:
    """'newsprime', 'gwangju_city' or None, from the shape of an absolute article URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if _NEWSPRIME_ARTICLE_PATHS.match(parts.path) and _int_param(_query(url), "no") is not None:
        return "newsprime"
    if parts.path.endswith("/boardView.do"):
        return "gwangju_city"
    return None


def newsprime_article_no(url: str) -> int | None:
    """The article number of any newsprime article URL form, or None if the URL is not one."""
    if site_of(url) != "newsprime":
        return None
    return _int_param(_query(url), "no")


def newsprime_origin(url: str) -> str:
    """Scheme and host of the desktop site for ``url``: the real one for real hosts, as-is for others."""
    parts = urlsplit(url)
    if (parts.hostname or "") in NEWSPRIME_HOSTS:
        return NEWSPRIME_ORIGIN
    return f"{parts.scheme}://{parts.netloc}"


def newsprime_canonical(url: str) -> tuple[str, str]:
    """(source_id, canonical URL) of a newsprime article URL; ValueError if it is not one."""
    no = newsprime_article_no(url)
    if no is None:
        raise ValueError(f"not a newsprime article URL: {url}")
    return str(no), f"{newsprime_origin(url)}/news/article.html?no={no}"


def gwangju_host(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = GWANGJU_HOST_ALIASES.get(host, host)
    if parts.port and host not in GWANGJU_REAL_HOSTS and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    return host


def gwangju_canonical(url: str, page_id: str | None = None) -> tuple[str, str]:
    """(source_id, canonical URL) of a siiru ``boardView.do`` URL; ValueError if it has no board or seq.

    ``page_id`` (the menu id, read from the page when the URL lacks it) only completes the URL; it is not
    part of the identity, since the same release answers with or without it.
    """
    params = _query(url)
    board_id = params.get("boardId", "").strip()
    seq = _int_param(params, "seq", "searchSn")
    if site_of(url) != "gwangju_city" or not board_id or seq is None:
        raise ValueError(f"not a board article URL (boardView.do with boardId and seq): {url}")
    host = gwangju_host(url)
    scheme = "https" if host in GWANGJU_REAL_HOSTS else urlsplit(url).scheme
    page_id = params.get("pageId") or page_id
    query = {"pageId": page_id} if page_id else {}
    query |= {"boardId": board_id, "seq": str(seq)}
    return f"{host}/{board_id}/{seq}", f"{scheme}://{host}/boardView.do?{urlencode(query)}"


def canonical(url: str) -> tuple[str, str, str]:
    """(source, source_id, canonical URL) of an article URL of either site; ValueError otherwise."""
    site = site_of(url)
    if site == "newsprime":
        return (site, *newsprime_canonical(url))
    if site == "gwangju_city":
        return (site, *gwangju_canonical(url))
    raise ValueError(f"not an article URL of a known site: {url}")
