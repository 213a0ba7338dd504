"""What a site declares to the rest of newswatch: one ``Site`` in its folder's ``__init__``, listed once in
``crawler.sites.SITES``. Everything that needs "every site" (config tables, spiders, URL dispatch, labels, CLI
choices) iterates the registry instead of naming sites."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

from crawler.extract.listing import ListPage
from newswatch.core.article import Article
from newswatch.core.config import SourceConfig


@dataclass(frozen=True)
class ListSpec:
    """One list a crawl walks newest first (a section, a board)."""

    key: str  # stable across crawls and config edits of other lists, e.g. "64" or "www.gwangju.go.kr/BD_0000000027"
    label: str  # how status lines name it
    page_url: Callable[[int], str]  # page n (from 1) of the list


@dataclass(frozen=True)
class Site:
    name: str  # the source name in the store, the config table ([sources.<name>]) and the spider name
    label: str  # how readers know the source (search output, alert emails)
    config: type[SourceConfig]  # its [sources.<name>] table
    pages: str  # module of its page objects: extract(url, body, content_type), parse_list(url, body, content_type)
    owns: Callable[[str], bool]  # is this URL the shape of one of its article pages?
    canonical: Callable[[str], tuple[str, str]]  # (source_id, canonical URL) of an article URL; ValueError if not
    lists: Callable[[SourceConfig], list[ListSpec]]  # the lists a crawl walks
    allowed_domains: Callable[[SourceConfig], list[str]]  # the only hosts its spider follows
    feed: Callable[[SourceConfig], str] | None = None  # a feed of the newest articles of every list, if any

    def page_module(self) -> ModuleType:
        """Imported on first use: parsing needs lxml and parsel, which commands like `search` never load."""
        return import_module(self.pages)

    def extract(self, url: str, body: bytes, content_type: str | None = None) -> Article:
        return self.page_module().extract(url, body, content_type)

    def parse_list(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        return self.page_module().parse_list(url, body, content_type)

    def parse_feed(self, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        return self.page_module().parse_feed(url, body, content_type)
