"""Crawl health: monitors over each source's crawls, incidents, and operator notices through the alert outbox.

A site that changes its markup does not fail a crawl: its pages still answer 200, and a page object that no
longer finds a field simply returns less. The monitors here compare each source's recent crawls with its own
history (field coverage, recognised articles, errors by kind, rate-limit pages, staleness, duration) and open an
incident when a change is both large and unlikely to be chance; the incident sends one notice when it opens, a
reminder at most daily, and one when it resolves (newswatch.health.service).
"""
