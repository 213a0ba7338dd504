"""Gwangju city hall press releases (siiru boards): walk each configured board's list, open each release."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.extract import gwangju
from crawler.spiders.base import NewswatchSpider, content_type
from newswatch.core.config import BoardConfig


class GwangjuCitySpider(NewswatchSpider):
    name = "gwangju_city"

    async def start(self) -> Any:
        for board in self.config.sources.gwangju_city.boards:
            yield self.list_request(board, 1)

    def list_request(self, board: BoardConfig, page: int) -> scrapy.Request:
        url = gwangju.list_url(board.base_url, board.page_id, board.board_id, page)
        return scrapy.Request(url, callback=self.parse_list, errback=self.on_error,
                              cb_kwargs={"board": board, "page": page})

    def parse_list(self, response: Response, board: BoardConfig, page: int) -> Iterator[scrapy.Request]:
        listing = gwangju.parse_list(response.url, response.body, content_type(response))
        yield from self.follow_list(response, listing, page, self.config.sources.gwangju_city.max_pages,
                                    lambda: self.list_request(board, page + 1))
