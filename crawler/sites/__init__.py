"""The site registry: every place that needs "all sites" iterates ``SITES``. A third site is one folder beside
these (its Site, config table, URL forms and page objects) and one line below."""

from __future__ import annotations

import os

from crawler.extract.site import Site
from crawler.sites import gwangju_city, newsprime
from newswatch.core.article import Article
from newswatch.core.config import Config
from newswatch.core.config import load_config as _load_config

SITES: tuple[Site, ...] = (
    newsprime.SITE,
    gwangju_city.SITE,
)
SITE_NAMES = tuple(s.name for s in SITES)


def site(name: str) -> Site:
    for candidate in SITES:
        if candidate.name == name:
            return candidate
    raise ValueError(f"unknown source {name!r}; known: {', '.join(SITE_NAMES)}")


def site_of(url: str) -> Site | None:
    """The site whose article URL this is, or None."""
    return next((s for s in SITES if s.owns(url)), None)


def label(source: str) -> str:
    """How readers know a source (in search output and alert emails)."""
    return next((s.label for s in SITES if s.name == source), source)


def extract(url: str, body: bytes, content_type: str | None = None) -> Article:
    """The Article of a page of any registered site, chosen by the URL's shape."""
    found = site_of(url)
    if found is None:
        raise ValueError(f"not an article URL of a known site: {url}")
    return found.extract(url, body, content_type)


def canonical(url: str) -> tuple[str, str, str]:
    """(source, source_id, canonical URL) of an article URL of any registered site; ValueError otherwise."""
    found = site_of(url)
    if found is None:
        raise ValueError(f"not an article URL of a known site: {url}")
    return (found.name, *found.canonical(url))


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """The config, with every registered site's table (see newswatch.core.config.load_config)."""
    return _load_config(path, {s.name: s.config for s in SITES})
