"""One spider class per registered site, named after it (``scrapy list`` shows them, ``scrapy crawl NAME`` runs one)."""

from __future__ import annotations

from crawler.sites import SITES
from crawler.spiders.base import SiteSpider


def _spider_class(site):  # type: ignore[no-untyped-def]
    name = "".join(part.title() for part in site.name.split("_")) + "Spider"
    return type(name, (SiteSpider,), {"name": site.name, "site": site, "__module__": __name__,
                                      "__doc__": f"Crawls {site.label} ({site.name})."})


SPIDERS = {site.name: _spider_class(site) for site in SITES}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})
