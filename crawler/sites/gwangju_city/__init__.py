"""Gwangju city hall press releases (보도자료) on siiru boards, the merged city's board among them."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from crawler.extract.site import ListSpec, Site
from crawler.sites.gwangju_city.config import GwangjuConfig
from crawler.sites.gwangju_city.urls import canonical, host_of, is_article_url, list_url


def lists(cfg: GwangjuConfig) -> list[ListSpec]:
    return [ListSpec(f"{host_of(b.base_url)}/{b.board_id}", b.name,
                     partial(list_url, b.base_url, b.page_id, b.board_id)) for b in cfg.boards]


def allowed_domains(cfg: GwangjuConfig) -> list[str]:
    return sorted({urlsplit(b.base_url).hostname or "" for b in cfg.boards})


SITE = Site(
    name="gwangju_city", label="광주광역시 보도자료", config=GwangjuConfig, pages="crawler.sites.gwangju_city.pages",
    owns=is_article_url, canonical=canonical, lists=lists, allowed_domains=allowed_domains,
)
