"""The storage layer: schema, dedup, revisions, crawl records, stories and Korean-aware full-text search."""

from newswatch.core.query import QueryError
from storage.articles import SaveResult, StoredArticle, Validators
from storage.crawls import CrawlRecord
from storage.search import SearchHit, StoryHit
from storage.store import Store, StoreError, StoreStats

__all__ = ["CrawlRecord", "QueryError", "SaveResult", "SearchHit", "Store", "StoreError", "StoreStats",
           "StoredArticle", "StoryHit", "Validators"]
