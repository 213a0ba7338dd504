"""newsprime.co.kr: walk the configured section lists newest-first, follow each article once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.extract import newsprime
from crawler.spiders.base import NewswatchSpider, content_type


def section_list_url(base_url: str, sec_no: int, page: int) -> str:
    return f"{base_url.rstrip('/')}/news/section_list_all/?sec_no={sec_no}&page={page}"


class NewsprimeSpider(NewswatchSpider):
    name = "newsprime"

    async def start(self) -> Any:
        cfg = self.config.sources.newsprime
        for sec_no in cfg.sections:
            yield self.list_request(sec_no, 1)

    def list_request(self, sec_no: int, page: int) -> scrapy.Request:
        url = section_list_url(self.config.sources.newsprime.base_url, sec_no, page)
        return scrapy.Request(url, callback=self.parse_list, errback=self.on_error,
                              cb_kwargs={"sec_no": sec_no, "page": page})

    def parse_list(self, response: Response, sec_no: int, page: int) -> Iterator[scrapy.Request]:
        listing = newsprime.parse_list(response.url, response.body, content_type(response))
        if listing.rate_limited:
            # The site answers 200 with a notice; back off for the rest of this crawl instead of insisting.
            self.report(response.url, "rate_limited", "list page answered with the rate-limit notice")
            return
        yield from self.follow_list(response, listing, page, self.config.sources.newsprime.max_pages,
                                    lambda: self.list_request(sec_no, page + 1))
