"""The store in a browser: Datasette with newswatch's Korean search, article and story pages, alert-rule feeds.

`newswatch serve` builds the instance (newswatch.web.app); newswatch.web.plugin holds the Datasette hooks,
newswatch.web.views the pages, newswatch.web.reader the store's read API over Datasette's read-only connections.
"""
