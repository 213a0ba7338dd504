"""Per-site extractors: pure functions of (url, html bytes) returning an Article."""

from __future__ import annotations

from newswatch.core.article import Article

from . import gwangju, newsprime
from .urls import site_of


def extract(url: str, body: bytes, content_type: str | None = None) -> Article:
    """Extract the Article of a page of either site, chosen by the URL's shape."""
    site = site_of(url)
    if site == "newsprime":
        return newsprime.extract(url, body, content_type)
    if site == "gwangju_city":
        return gwangju.extract(url, body, content_type)
    raise ValueError(f"not an article URL of a known site: {url}")
