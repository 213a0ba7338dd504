"""newsprime URL forms: every article form (desktop ``/news/article.html``, ``/news/article/``, old
``/ezview/article_main.html``, mobile ``/section_view.html``, any host variant) is keyed by the integer ``no``.
Hosts other than the real ones (the mock site) keep their own scheme and host, so the same code serves both."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

HOSTS = {"newsprime.co.kr", "www.newsprime.co.kr", "m.newsprime.co.kr"}
ORIGIN = "https://www.newsprime.co.kr"
_ARTICLE_PATHS = re.compile(r"^/(?:news/article(?:\.html|/)?|ezview/article_main\.html|section_view\.html)$")


def article_no(url: str) -> int | None:
    """The article number of any newsprime article URL form, or None if the URL is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not _ARTICLE_PATHS.match(parts.path):
        return None
    value = parse_qs(parts.query).get("no", [""])[0].strip()
    return int(value) if value.isdigit() else None


def origin(url: str) -> str:
    """Scheme and host of the desktop site for ``url``: the real one for real hosts, as-is for others."""
    parts = urlsplit(url)
    if (parts.hostname or "") in HOSTS:
        return ORIGIN
    return f"{parts.scheme}://{parts.netloc}"


def canonical(url: str) -> tuple[str, str]:
    """(source_id, canonical URL) of a newsprime article URL; ValueError if it is not one."""
    no = article_no(url)
    if no is None:
        raise ValueError(f"not a newsprime article URL: {url}")
    return str(no), f"{origin(url)}/news/article.html?no={no}"


def section_list_url(base_url: str, sec_no: int, page: int) -> str:
    return f"{base_url.rstrip('/')}/news/section_list_all/?sec_no={sec_no}&page={page}"
