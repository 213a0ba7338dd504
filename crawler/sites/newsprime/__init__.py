"""newsprime.co.kr (프라임경제): section lists newest first (``/news/section_list_all/?sec_no=N&page=P``)."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from crawler.extract.site import ListSpec, Site
from crawler.sites.newsprime.config import NewsprimeConfig
from crawler.sites.newsprime.urls import article_no, canonical, section_list_url


def lists(cfg: NewsprimeConfig) -> list[ListSpec]:
    return [ListSpec(str(sec), f"sec_no={sec}", partial(section_list_url, cfg.base_url, sec)) for sec in cfg.sections]


def allowed_domains(cfg: NewsprimeConfig) -> list[str]:
    host = urlsplit(cfg.base_url).hostname or ""
    return ["newsprime.co.kr"] if host.endswith("newsprime.co.kr") else [host]


def feed(cfg: NewsprimeConfig) -> str:
    """The RSS of the 25 newest articles of all sections (sites.md 1.1): one request tells whether anything is new."""
    return f"{cfg.base_url.rstrip('/')}/data/rss/news.xml"


def owns(url: str) -> bool:
    return article_no(url) is not None


SITE = Site(
    name="newsprime", label="프라임경제", config=NewsprimeConfig, pages="crawler.sites.newsprime.pages",
    owns=owns, canonical=canonical, lists=lists, allowed_domains=allowed_domains, feed=feed,
)
