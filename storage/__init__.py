"""The storage layer: schema, dedup, revisions, crawl records and Korean-aware full-text search."""

from newswatch.core.query import QueryError
from storage.store import CrawlRecord, SaveResult, SearchHit, Store, StoredArticle, StoreError, StoreStats, StoryHit

__all__ = ["CrawlRecord", "QueryError", "SaveResult", "SearchHit", "Store", "StoreError", "StoreStats",
           "StoredArticle", "StoryHit"]
