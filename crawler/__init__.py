"""Scrapy project of newswatch: spiders navigate, extractors in ``crawler.extract`` read pages."""
