"""Retry with exponential backoff: Scrapy's RetryMiddleware re-queues at once, which hammers a struggling
server; this waits base * 2**(n-1) seconds (or the server's Retry-After) before try n."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def _delay(self, retry: Request, retry_after: bytes | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after.strip()), self.cap)
        return min(self.base * 2 ** (retry.meta.get("retry_times", 1) - 1), self.cap)

    def process_response(self, request: Request, response: Response, spider=None):  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            result.meta["retry_delay"] = self._delay(result, response.headers.get("Retry-After"))
        return result

    def process_exception(self, request: Request, exception: Exception, spider=None):  # type: ignore[override]
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            result.meta["retry_delay"] = self._delay(result, None)
        return result

    async def process_request(self, request: Request, spider=None) -> None:
        delay = request.meta.pop("retry_delay", 0)
        if delay > 0:
            await asyncio.sleep(delay)
