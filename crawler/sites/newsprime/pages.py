"""newsprime.co.kr (프라임경제) page objects, as the Site spec and the spiders call them.

Article pages (desktop and mobile) are read by ``articles``, list pages and the RSS feed by ``lists``; selectors
follow shared/sites.md Part 1. A page that matches none of them is reported (recognised=False), never passed
off as an article or as an empty list.
"""

from __future__ import annotations

from crawler.extract.listing import ListPage
from crawler.sites.newsprime.articles import NewsprimePage
from crawler.sites.newsprime.lists import NewsprimeList, RssFeed
from newswatch.core.article import Article

SOURCE = NewsprimePage.SOURCE


def extract(url: str, body: bytes, content_type: str | None = None) -> Article:
    """The Article of a newsprime article page (desktop, mobile or old form)."""
    return NewsprimePage.extract(url, body, content_type)


def parse_list(url: str, body: bytes, content_type: str | None = None) -> ListPage:
    """Article links of a desktop section list (td.news1) or a mobile list page."""
    return NewsprimeList.parse(url, body, content_type)


def parse_feed(url: str, body: bytes, content_type: str | None = None) -> ListPage:
    """The 25 newest articles of ``/data/rss/news.xml``, dates in KST; an empty body is unrecognised."""
    return RssFeed.parse(url, body, content_type)
