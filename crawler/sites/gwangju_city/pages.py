"""Gwangju city hall press releases (siiru board CMS) page objects, as the Site spec and the spiders call them.

Detail pages are read by ``articles`` (the city hall's skin and the merged city's), board lists by ``lists``;
selectors follow shared/sites.md Part 2. A page that matches neither is reported (recognised=False), never
passed off as a release or as an empty board.
"""

from __future__ import annotations

from crawler.extract.listing import ListPage
from crawler.sites.gwangju_city.articles import GwangjuPage
from crawler.sites.gwangju_city.lists import BoardList
from newswatch.core.article import Article

SOURCE = GwangjuPage.SOURCE


def extract(url: str, body: bytes, content_type: str | None = None) -> Article:
    """The Article of a press-release detail page (boardView.do)."""
    return GwangjuPage.extract(url, body, content_type)


def parse_list(url: str, body: bytes, content_type: str | None = None) -> ListPage:
    """Releases on a board list page, newest first, with the board's page count."""
    return BoardList.parse(url, body, content_type)
